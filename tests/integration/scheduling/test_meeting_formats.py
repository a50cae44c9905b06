"""Each meeting format booked through scheduling as a real process, on real NATS and a
MongoDB-wire server (issue 16, point 2): shuttle mediation seats each party in a room of its
own (here a meeting room and the waiting room), an individual session is one party, a phone
meeting says per party who calls and never carries a party's number, a video meeting carries
its link; what is booked is what the stream and the stored meeting say."""

import json
import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from mediation_contracts.commands import BookMeeting, ListMeetings, Reply, SuggestSlots
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.scenario import CITIZEN_PHONE, Scenario
from tests.integration.bus import ask, events_of, wait_for
from tests.integration.scheduling.test_scheduling_flow import ready_case
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

OFFICE_LINE = "+45 33 66 33 66"
NO_PHONE_TENANT = f"t-{secrets.token_hex(4)}"  # a municipality that set no number to call
POLICY = {
    "rooms": [
        {"id": "moede-1", "name": "Mødelokale Øst"},
        {"id": "moede-2", "name": "Mødelokale Vest"},
        {"id": "vent-1", "name": "Venterummet", "waiting_room": True},
    ],
    "address": "Rådhuspladsen 1",
    "phone_number": OFFICE_LINE,
}
LINK = "https://video.kk.dk/moede/42?pwd=x"


@pytest.fixture(scope="module")
def scheduling(
    bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """Scheduling with rooms, a waiting room and the office's number for every tenant but
    one, which has no number."""
    process = ServiceProcess(
        "scheduling",
        bus,
        mongodb_url,
        tmp_path_factory.mktemp("scheduling-formats") / "log",
        SCHEDULING_POLICY=json.dumps(POLICY),
        SCHEDULING_TENANT_POLICIES=json.dumps({NO_PHONE_TENANT: {"phone_number": None}}),
    )
    process.start()
    yield process
    process.stop()


async def next_slot(
    nc: Client, case: Scenario, format: str, party_id: str | None = None
) -> tuple[datetime, list[str]]:
    query = SuggestSlots.model_validate(
        {"case_id": case.case_id, "kind": "mediation", "format": format, "party_id": party_id}
    )
    reply = await ask(nc, case.tenant, "suggest_slots", query)
    assert reply.ok, reply.error
    assert reply.slots
    return reply.slots[0].starts_at, reply.slots[0].room_ids


async def booked(nc: Client, case: Scenario, format: str, **options: Any) -> Reply:
    starts_at, _ = await next_slot(nc, case, format, options.get("party_id"))
    command = BookMeeting.model_validate(
        {
            "command_id": uuid4(),
            "case_id": case.case_id,
            "kind": "mediation",
            "format": format,
            "starts_at": starts_at,
            "requested_by": case.mediator,
            **options,
        }
    )
    return await ask(nc, case.tenant, "book_meeting", command)


async def scheduled_event(js: JetStreamContext, case: Scenario, meeting_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        events = await events_of(js, case.tenant, "meeting.scheduled")
        return next((e for e in events if e["data"]["meeting_id"] == meeting_id), None)

    event = await wait_for(found, what=f"MeetingScheduled of {meeting_id}")
    return event


async def test_shuttle_mediation_seats_each_party_and_the_waiting_room_is_used(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    await ready_case(js, nc, case)
    _, rooms = await next_slot(nc, case, "shuttle")
    assert rooms == ["moede-1", "vent-1"]

    reply = await booked(nc, case, "shuttle")

    assert reply.ok, reply.error
    assert reply.meeting is not None
    event = await scheduled_event(js, case, reply.meeting.meeting_id)
    assert event["data"]["location"]["seats"] == [
        {"party_id": case.citizen, "room_id": "moede-1", "room_name": "Mødelokale Øst"},
        {"party_id": case.administration, "room_id": "vent-1", "room_name": "Venterummet"},
    ]
    [stored] = (
        await ask(nc, case.tenant, "list_meetings", ListMeetings(case_id=case.case_id))
    ).meetings or []
    assert stored.location.seats == reply.meeting.location.seats  # kept as booked
    assert [room.name for room in stored.rooms] == ["Mødelokale Øst", "Venterummet"]


async def test_an_individual_session_a_phone_and_a_video_meeting(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    await ready_case(js, nc, case)

    alone = await booked(nc, case, "individual", party_id=case.administration)
    assert alone.ok, alone.error
    assert alone.meeting is not None
    people = {(p.participant_id, p.role) for p in alone.meeting.participants}
    assert people == {(case.administration, "party"), (case.mediator, "mediator")}

    phone = await booked(nc, case, "phone", phone_callers={case.administration: "party"})
    assert phone.ok, phone.error
    assert phone.meeting is not None
    event = await scheduled_event(js, case, phone.meeting.meeting_id)
    assert event["data"]["location"]["calls"] == [
        {"party_id": case.citizen, "caller": "mediator"},  # no number: none to carry
        {"party_id": case.administration, "caller": "party", "number": OFFICE_LINE},
    ]
    assert CITIZEN_PHONE not in json.dumps(event), (
        "a meeting event never carries a citizen's number"
    )

    no_link = await booked(nc, case, "video")
    assert no_link.error is not None
    assert no_link.error.code == "join_url_required"
    assert "link" in no_link.error.message_da
    video = await booked(nc, case, "video", join_url=LINK)
    assert video.ok, video.error
    assert video.meeting is not None
    assert (await scheduled_event(js, case, video.meeting.meeting_id))["data"]["location"][
        "join_url"
    ] == LINK


async def test_a_party_cannot_be_asked_to_call_a_number_the_office_does_not_have(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario(tenant=NO_PHONE_TENANT)
    await ready_case(js, nc, case)

    refused = await booked(nc, case, "phone", phone_callers={case.citizen: "party"})

    assert refused.error is not None
    assert refused.error.code == "no_phone_number"
    called = await booked(nc, case, "phone")  # the mediator calls: no number needed
    assert called.ok, called.error


async def test_a_link_that_is_not_plain_https_is_refused_as_an_invalid_request(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    starts_at = datetime.now().astimezone()
    body = {
        "command_id": str(uuid4()),
        "case_id": str(case.case_id),
        "kind": "mediation",
        "format": "video",
        "starts_at": starts_at.isoformat(),
        "requested_by": case.mediator,
        "join_url": "https://video.kk.dk@evil.example/x",
    }
    reply = await ask(nc, case.tenant, "book_meeting", json.dumps(body).encode())
    assert reply.error is not None
    assert reply.error.code == "invalid_request"
    assert "evil" not in reply.error.message_da + reply.error.message_en  # input never echoed
