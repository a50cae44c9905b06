"""Intake and scheduling as real processes: from a request to a booked meeting, through events
and documented commands only, on real NATS and a MongoDB-wire server."""

import asyncio
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from mediation_contracts.commands import (
    BookMeeting,
    CancelMeeting,
    ListMeetings,
    MarkMeetingHeld,
    MoveMeeting,
    Reply,
    SuggestSlots,
)
from mediation_contracts.envelope import CloudEvent
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.scenario import Scenario
from tests.integration.bus import ask, events_of, publish, wait_for
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def suggest(case: Scenario, kind: str = "mediation", party_id: str | None = None) -> SuggestSlots:
    return SuggestSlots.model_validate(
        {"case_id": case.case_id, "kind": kind, "format": "joint", "party_id": party_id}
    )


def book(
    case: Scenario, starts_at: datetime, kind: str = "mediation", party_id: str | None = None
) -> BookMeeting:
    return BookMeeting.model_validate(
        {
            "command_id": uuid4(),
            "case_id": case.case_id,
            "kind": kind,
            "format": "joint",
            "starts_at": starts_at,
            "party_id": party_id,
            "requested_by": case.mediator,
        }
    )


async def publish_twice(js: JetStreamContext, events: list[CloudEvent]) -> None:
    """Every event twice, as a redelivery would: the second copy must change nothing."""
    for event in events:
        await publish(js, event)
        await publish(js, event)


async def ready_case(js: JetStreamContext, nc: Client, case: Scenario) -> Reply:
    """Take a case to ready through intake; return scheduling's first suggestions for it."""
    await publish_twice(
        js,
        [
            case.request(requester_consents=True),
            case.assess("accepted"),
            case.assign(),
            case.consent(case.administration),
        ],
    )
    return await wait_for(lambda: suggestions_ok(nc, case), what="scheduling to see readiness")


async def suggestions_ok(
    nc: Client, case: Scenario, kind: str = "mediation", party_id: str | None = None
) -> Reply | None:
    reply = await ask(nc, case.tenant, "suggest_slots", suggest(case, kind, party_id))
    return reply if reply.ok else None


async def refusal_code(
    nc: Client, case: Scenario, kind: str = "mediation", party_id: str | None = None
) -> str | None:
    reply = await ask(nc, case.tenant, "suggest_slots", suggest(case, kind, party_id))
    return None if reply.error is None else reply.error.code


async def test_request_to_booked_mediation_meeting(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    suggested = await ready_case(js, nc, case)
    assert suggested.slots is not None
    assert len(suggested.slots) == 5
    slot = suggested.slots[0]
    local = slot.starts_at.astimezone(COPENHAGEN)
    assert local.weekday() < 5
    assert (8, 30) <= (local.hour, local.minute) <= (14, 0)

    command = book(case, slot.starts_at)
    booked = await ask(nc, case.tenant, "book_meeting", command)
    again = await ask(nc, case.tenant, "book_meeting", command)

    assert booked.ok, booked.error
    assert booked.meeting is not None
    assert again.meeting == booked.meeting, "the same command gives the same answer"
    assert booked.meeting.ends_at - booked.meeting.starts_at == timedelta(minutes=90)
    assert booked.meeting.location.room_ids == slot.room_ids
    scheduled = await wait_for(
        lambda: events_of(js, case.tenant, "meeting.scheduled"), what="MeetingScheduled"
    )
    assert len(scheduled) == 1
    data = scheduled[0]["data"]
    assert data["meeting_id"] == booked.meeting.meeting_id
    assert {(p["participant_id"], p["role"]) for p in data["participants"]} == {
        (case.citizen, "party"),
        ("companion-1", "companion"),
        (case.administration, "party"),
        (case.mediator, "mediator"),
    }
    assert datetime.fromisoformat(data["starts_at"]) == slot.starts_at
    assert scheduled[0]["correlationid"] == str(case.request_id)


async def test_pre_meeting_only_after_that_partys_consent_and_mediation_only_when_ready(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    await publish_twice(
        js, [case.request(requester_consents=False), case.assess("accepted"), case.assign()]
    )
    await wait_for(
        lambda: is_code(nc, case, "party_not_consented", "pre_meeting", case.citizen),
        what="scheduling to know the accepted case",
    )
    not_ready = await ask(nc, case.tenant, "suggest_slots", suggest(case))
    assert not_ready.error is not None
    assert not_ready.error.code == "not_ready"
    assert "samtykke" in not_ready.error.message_da

    await publish(js, case.consent(case.citizen))
    slots = await wait_for(
        lambda: suggestions_ok(nc, case, "pre_meeting", case.citizen), what="citizen's consent"
    )
    assert slots.slots
    booked = await ask(
        nc,
        case.tenant,
        "book_meeting",
        book(case, slots.slots[0].starts_at, "pre_meeting", case.citizen),
    )
    assert booked.ok, booked.error
    assert booked.meeting is not None
    assert booked.meeting.ends_at - booked.meeting.starts_at == timedelta(minutes=45)
    refused = await ask(
        nc,
        case.tenant,
        "book_meeting",
        book(case, slots.slots[1].starts_at, "pre_meeting", case.administration),
    )
    assert refused.error is not None
    assert refused.error.code == "party_not_consented"
    mediation = await ask(nc, case.tenant, "book_meeting", book(case, slots.slots[2].starts_at))
    assert mediation.error is not None
    assert mediation.error.code == "not_ready"


async def is_code(nc: Client, case: Scenario, code: str, kind: str, party: str) -> bool:
    return await refusal_code(nc, case, kind, party) == code


async def test_twenty_racing_bookings_of_one_mediator_slot_give_exactly_one_meeting(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    # Four cases of one mediator; scheduling answers eight commands at a time, so the twenty
    # bookings all pass the calendar check before any of them is stored: a real race.
    tenant = Scenario.new().tenant
    cases = [Scenario(tenant=tenant) for _ in range(4)]
    suggestions = [await ready_case(js, nc, case) for case in cases]
    assert suggestions[0].slots
    slot = suggestions[0].slots[0]
    commands = [book(cases[n % 4], slot.starts_at) for n in range(20)]

    replies = await asyncio.gather(
        *(ask(nc, tenant, "book_meeting", command) for command in commands)
    )

    winners = [reply for reply in replies if reply.ok]
    assert len(winners) == 1
    codes = {reply.error.code for reply in replies if reply.error is not None}
    assert codes <= {"mediator_busy", "room_busy", "no_room_free"}, codes
    await wait_for(lambda: events_of(js, tenant, "meeting.scheduled"), what="the one meeting")
    assert len(await events_of(js, tenant, "meeting.scheduled")) == 1


async def test_move_cancel_and_mark_held_through_commands(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    suggested = await ready_case(js, nc, case)
    assert suggested.slots
    booked = await ask(nc, case.tenant, "book_meeting", book(case, suggested.slots[0].starts_at))
    assert booked.meeting is not None
    meeting_id = booked.meeting.meeting_id

    early = await ask(
        nc,
        case.tenant,
        "mark_meeting_held",
        MarkMeetingHeld(
            command_id=uuid4(), case_id=case.case_id, meeting_id=meeting_id, marked_by=case.mediator
        ),
    )
    assert early.error is not None
    assert early.error.code == "not_started_yet"

    later = suggested.slots[0].starts_at + timedelta(days=7)
    moved = await ask(
        nc,
        case.tenant,
        "move_meeting",
        MoveMeeting(
            command_id=uuid4(),
            case_id=case.case_id,
            meeting_id=meeting_id,
            starts_at=later,
            requested_by=case.mediator,
        ),
    )
    assert moved.ok, moved.error
    assert moved.meeting is not None
    assert moved.meeting.starts_at == later
    rescheduled = await wait_for(
        lambda: events_of(js, case.tenant, "meeting.rescheduled"), what="MeetingRescheduled"
    )
    assert rescheduled[0]["data"][
        "previous_starts_at"
    ] == booked.meeting.starts_at.isoformat().replace("+00:00", "Z")

    # The old time is free again for another booking of the same mediator.
    other = await ask(nc, case.tenant, "book_meeting", book(case, suggested.slots[0].starts_at))
    assert other.ok, other.error

    cancelled = await ask(
        nc,
        case.tenant,
        "cancel_meeting",
        CancelMeeting(
            command_id=uuid4(),
            case_id=case.case_id,
            meeting_id=meeting_id,
            requested_by=case.mediator,
        ),
    )
    assert cancelled.meeting is not None
    assert cancelled.meeting.status == "cancelled"
    listed = await ask(nc, case.tenant, "list_meetings", ListMeetings(case_id=case.case_id))
    assert listed.meetings is not None
    assert sorted(m.status for m in listed.meetings) == ["cancelled", "scheduled"]


async def test_withdrawal_cancels_future_meetings_once(
    intake: ServiceProcess, scheduling: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    suggested = await ready_case(js, nc, case)
    assert suggested.slots
    first = suggested.slots[0].starts_at
    for starts_at in (first, first + timedelta(days=7)):  # suggestions are alternatives
        booked = await ask(nc, case.tenant, "book_meeting", book(case, starts_at))
        assert booked.ok, booked.error

    await publish_twice(js, [case.withdraw(case.citizen, by="party")])

    cancelled = await wait_for(
        lambda: at_least(js, case.tenant, "meeting.cancelled", 2), what="both cancellations"
    )
    assert {e["data"]["reason_code"] for e in cancelled} == {"case_withdrawn"}
    # Intake's CaseClosed follows the withdrawal; it must not cancel anything a second time.
    await wait_for(lambda: events_of(js, case.tenant, "case.closed"), what="CaseClosed")
    await wait_for(lambda: scheduling_caught_up(js), what="scheduling to consume everything")
    assert len(await events_of(js, case.tenant, "meeting.cancelled")) == 2
    refused = await ask(nc, case.tenant, "book_meeting", book(case, suggested.slots[1].starts_at))
    assert refused.error is not None
    assert refused.error.code == "case_withdrawn"


async def at_least(js: JetStreamContext, tenant: str, event: str, count: int) -> list[Any]:
    found = await events_of(js, tenant, event)
    return found if len(found) >= count else []


async def scheduling_caught_up(js: JetStreamContext) -> bool:
    for info in await js.consumers_info("MEDIATION"):
        if info.name.startswith("scheduling-") and (info.num_pending or info.num_ack_pending):
            return False
    return True


async def test_invalid_command_gets_a_clear_answer(scheduling: ServiceProcess, nc: Client) -> None:
    reply = await ask(nc, "kk", "book_meeting", b'{"case_id": "not-a-uuid"}')
    assert reply.error is not None
    assert reply.error.code == "invalid_request"
    assert "case_id" in reply.error.message_en
    garbage = await ask(nc, "kk", "suggest_slots", b"\xff garbage")
    assert garbage.error is not None
    assert garbage.error.code == "invalid_request"
