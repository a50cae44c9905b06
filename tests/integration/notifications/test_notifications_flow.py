"""Notifications as a running service: events in, mails out through a real SMTP server."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import icalendar
import pytest
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseRequested,
    CaseRequestedData,
    Companion,
    ConsentRequested,
    ConsentRequestedData,
    ContactDetails,
    Location,
    MeetingScheduled,
    MeetingScheduledData,
    Participant,
    Party,
    Requester,
)
from nats.js import JetStreamContext

from tests.data.scenario import DESCRIPTION, Scenario
from tests.integration.bus import events_of, publish, wait_for
from tests.integration.notifications.conftest import BOUNCES, GREYLISTED
from tests.integration.notifications.smtp_server import Recorder
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Booked in winter time for a date in summer time: 10:00 in Copenhagen is 08:00 UTC then.
MEETING_START = datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
UNIT_NAME = "Center for Børn & Familie"


def people(case: Scenario, citizen_email: str, admin_email: str) -> CaseRequested:
    data = CaseRequestedData(
        requester=Requester(kind="citizen", party_id=case.citizen, consents=True),
        parties=[
            Party(
                party_id=case.citizen,
                kind="citizen",
                name="Karen Østergaard",
                contact=ContactDetails(email=citizen_email, phone="+45 21 43 65 87"),
            ),
            Party(
                party_id=case.administration,
                kind="administration",
                name=UNIT_NAME,
                contact=ContactDetails(email=admin_email, language="en"),
                companion=Companion(
                    companion_id="companion-1",
                    name="Poul Kjærgaard",
                    contact=ContactDetails(email="poul@example.dk"),
                ),
            ),
        ],
        conflict_description=DESCRIPTION,
        matter_reference="SAG-1",
        in_complaint_handling=False,
    )
    event = CaseRequested.create(tenant=case.tenant, case_id=case.case_id, source="/t", data=data)
    case.request_id = event.id
    return event


def meeting(case: Scenario, starts_at: datetime = MEETING_START) -> MeetingScheduled:
    """A booking as scheduling publishes it: in the conversation of the case's request."""
    data = MeetingScheduledData(
        meeting_id=str(uuid4()),
        kind="mediation",
        format="joint",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=90),
        location=Location(kind="premises", room_ids=["room-1"], address="Rådhuspladsen 1"),
        participants=[
            Participant(participant_id=case.citizen, role="party"),
            Participant(participant_id=case.administration, role="party"),
            Participant(participant_id="companion-1", role="companion"),
            Participant(participant_id=case.mediator, role="mediator"),
        ],
    )
    return MeetingScheduled.create(
        tenant=case.tenant,
        case_id=case.case_id,
        source="/t",
        data=data,
        correlationid=case.request_id or uuid4(),
    )


def answers(event: dict[str, Any], cause: CloudEvent) -> bool:
    """``event`` (as published) carries the conversation of ``cause`` and names it as cause."""
    conversation = cause.correlationid or cause.id
    return (event.get("correlationid"), event.get("causationid")) == (
        str(conversation),
        str(cause.id),
    )


def mails_to(mailbox: Recorder, address: str, count: int) -> object:
    async def probe() -> list[EmailMessage] | None:
        found = mailbox.to(address)
        return found if len(found) >= count else None

    return probe


async def test_a_booked_meeting_reaches_each_person_in_their_language_with_an_invitation(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    citizen, admin = f"karen-{case.tenant}@example.dk", f"jobcenter-{case.tenant}@example.dk"
    request = people(case, citizen, admin)
    booked = meeting(case)
    await publish(js, request)
    await publish(js, booked)
    await publish(js, booked)  # redelivered: nothing is sent twice

    [danish] = await wait_for(mails_to(mailbox, citizen, 1), what="the citizen's mail")  # type: ignore[arg-type]
    [english] = await wait_for(mails_to(mailbox, admin, 1), what="the unit's mail")  # type: ignore[arg-type]

    body = danish.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "kl. 10.00" in body, "local Copenhagen time, summer time"
    assert "møde" in danish["Subject"].lower() or "mægling" in danish["Subject"].lower()
    english_body = english.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert english_body != body
    assert f"To {UNIT_NAME}" in english_body, "plain text: the name as written"
    for mail in (danish, english):
        text = mail.as_string()
        assert DESCRIPTION not in text, "the conflict is never described in a mail"
        assert "+45 21 43 65 87" not in text
    assert citizen not in english.as_string(), "no other party's contact details"
    assert admin not in danish.as_string()

    [invitation] = [
        part for part in danish.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    calendar = icalendar.Calendar.from_ical(invitation.get_content())
    [event] = [c for c in calendar.walk("VEVENT")]
    start = event.decoded("DTSTART")
    assert start.astimezone(COPENHAGEN).hour == 10
    assert start.astimezone(UTC) == MEETING_START
    assert str(calendar["METHOD"]) == "REQUEST"

    sent = await wait_for(
        lambda: at_least(js, case.tenant, "notification.sent", 3),
        what="NotificationSent for citizen, unit and companion",
    )
    assert {e["data"]["recipient_id"] for e in sent} == {
        case.citizen,
        case.administration,
        "companion-1",
    }
    assert all(answers(e, booked) for e in sent), "each carries the booking's conversation"
    assert len(mailbox.to(citizen)) == 1, "the redelivered event sent nothing"


async def at_least(js: JetStreamContext, tenant: str, event: str, count: int) -> list[dict]:  # type: ignore[type-arg]
    found = await events_of(js, tenant, event)
    return found if len(found) >= count else []


async def test_refusals_fail_their_recipient_only_after_bounded_retries(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    await publish(js, people(case, BOUNCES, GREYLISTED))
    booked = meeting(case)
    await publish(js, booked)

    failed = await wait_for(
        lambda: at_least(js, case.tenant, "notification.failed", 2), what="both failures"
    )
    reasons = {e["data"]["recipient_id"]: e["data"]["reason_code"] for e in failed}
    assert reasons[case.citizen] == "smtp_550"
    assert reasons[case.administration].startswith("gave_up_after_retries:smtp_451")
    assert notifications.logs().count('"notification_will_retry"') >= 2
    # The companion, on a good address, got theirs all the same.
    sent = await wait_for(
        lambda: at_least(js, case.tenant, "notification.sent", 1), what="the companion's mail"
    )
    assert [e["data"]["recipient_id"] for e in sent] == ["companion-1"]
    for event in failed + sent:
        assert "@" not in str(event["data"]), "events carry ids, never addresses"
        assert answers(event, booked), "each carries the booking's conversation"


async def test_a_person_who_cannot_be_reached_is_recorded_as_failed_for_staff_to_call(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    request = people(case, f"karen-{case.tenant}@example.dk", f"unit-{case.tenant}@example.dk")
    unreachable = request.data.parties[0].model_copy(update={"contact": None})
    request = request.model_copy(
        update={
            "data": request.data.model_copy(
                update={"parties": [unreachable, request.data.parties[1]]}
            )
        }
    )
    await publish(js, request)
    asked = ConsentRequested.create(
        tenant=case.tenant,
        case_id=case.case_id,
        source="/t",
        data=ConsentRequestedData(party_id=case.citizen, party_kind="citizen"),
        cause=request,
    )
    await publish(js, asked)

    [failed] = await wait_for(
        lambda: events_of(js, case.tenant, "notification.failed"),
        what="the unreachable citizen recorded",
    )
    assert failed["data"]["recipient_id"] == case.citizen
    assert failed["data"]["reason_code"] == "no_address"
    assert answers(failed, asked), "it carries the consent request's conversation"
