"""Learning from mediations (issue 17) through the running service: the evaluation invitation
and its reminder reach the party through a real SMTP server with the one-time link, while
NotificationSent, the logs and the stored events never carry the token; the follow-up contact
is told when the citizen agreed."""

import json
import secrets
from email.message import EmailMessage

import pytest
from mediation_contracts.events import ContactDetails, FollowUpContact
from nats.js import JetStreamContext

from tests.data.events import case_closed, evaluation_requested
from tests.data.scenario import Scenario
from tests.integration.bus import events_of, publish, wait_for
from tests.integration.notifications.conftest import EVALUATION_URL
from tests.integration.notifications.smtp_server import Recorder
from tests.integration.notifications.test_notifications_flow import (
    answers,
    at_least,
    mails_to,
    people,
)
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

FOLLOW_UP_CONTACT = "follow-up-contact"


def body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()  # type: ignore[attr-defined]
    return text.replace("\r\n", "\n")


async def test_the_evaluation_link_reaches_the_party_once_and_the_reminder_again(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    citizen, unit = f"karen-{case.tenant}@example.dk", f"unit-{case.tenant}@example.dk"
    request = people(case, citizen, unit)
    token = secrets.token_urlsafe(32)
    link = f"{EVALUATION_URL}/{token}"
    invitation = evaluation_requested(
        case.case_id, case.citizen, link_token=token, tenant=case.tenant, cause=request
    )
    await publish(js, request)
    await publish(js, invitation)
    await publish(js, invitation)  # redelivered: still one message

    [sent] = await wait_for(
        lambda: events_of(js, case.tenant, "notification.sent"), what="the invitation's record"
    )
    [mail] = mailbox.to(citizen)
    assert mail["Subject"] == "Hvordan oplevede du mæglingen?"
    assert f"Svar her:\n{link}\n" in body(mail)
    assert mailbox.to(unit) == [], "only the party invited"
    assert sent["data"]["recipient_id"] == case.citizen
    assert sent["data"]["trigger_event_id"] == str(invitation.id)
    assert answers(sent, invitation)

    reminder = evaluation_requested(
        case.case_id,
        case.citizen,
        link_token=token,
        reminder=True,
        tenant=case.tenant,
        cause=request,
    )
    await publish(js, reminder)

    first, second = await wait_for(mails_to(mailbox, citizen, 2), what="the reminder")  # type: ignore[arg-type]
    assert first["Message-ID"] != second["Message-ID"], "a delivery of its own"
    assert second["Subject"] == "En påmindelse: Hvordan oplevede du mæglingen?"
    assert link in body(second)
    records = await wait_for(
        lambda: at_least(js, case.tenant, "notification.sent", 2), what="the reminder's record"
    )
    assert {r["data"]["trigger_event_id"] for r in records} == {
        str(invitation.id),
        str(reminder.id),
    }
    # The token is in the messages only: not in what notifications published, not in its log.
    published = await events_of(js, case.tenant, "notification.*")
    assert published
    assert token not in json.dumps(published)
    assert token not in notifications.logs()
    assert len(mailbox.to(citizen)) == 2


async def test_the_follow_up_contact_is_told_when_the_citizen_agreed(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    citizen, unit = f"karen-{case.tenant}@example.dk", f"unit-{case.tenant}@example.dk"
    contact = f"mette-{case.tenant}@example.dk"
    request = people(case, citizen, unit)
    named = FollowUpContact(
        name="Mette Lund", unit="Jobcenter Nord", contact=ContactDetails(email=contact), inform=True
    )
    close = case_closed(case.case_id, follow_up=named, tenant=case.tenant, cause=request)
    await publish(js, request)
    await publish(js, close)

    [told] = await wait_for(mails_to(mailbox, contact, 1), what="the contact's mail")  # type: ignore[arg-type]
    assert told["Subject"] == "Du er nævnt som kontaktperson"
    assert "har Karen Østergaard nævnt dig som kontaktperson" in body(told)
    assert citizen not in told.as_string()
    sent = await wait_for(
        lambda: at_least(js, case.tenant, "notification.sent", 3),
        what="the parties' and the contact's records",
    )
    assert {e["data"]["recipient_id"] for e in sent} == {
        case.citizen,
        case.administration,
        FOLLOW_UP_CONTACT,
    }
    for event in sent:
        assert "@" not in json.dumps(event["data"]), "events carry ids, never addresses"
        assert answers(event, close)


async def test_a_follow_up_contact_without_details_is_recorded_as_unreachable(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    request = people(case, f"karen-{case.tenant}@example.dk", f"unit-{case.tenant}@example.dk")
    named = FollowUpContact(name="Mette Lund", inform=True)
    close = case_closed(case.case_id, follow_up=named, tenant=case.tenant, cause=request)
    await publish(js, request)
    await publish(js, close)

    [failed] = await wait_for(
        lambda: events_of(js, case.tenant, "notification.failed"),
        what="the contact recorded as unreachable",
    )
    assert failed["data"]["recipient_id"] == FOLLOW_UP_CONTACT
    assert failed["data"]["reason_code"] == "no_address"
    assert answers(failed, close)
