"""People change during a case, with notifications running: after the mediator corrects a
party's address and removes or adds a companion, the next message goes to the new address and
the new companion, a removed companion gets nothing, and nothing sent before is sent again."""

from datetime import timedelta

import pytest
from mediation_contracts.events import Companion, ContactDetails, Participant
from nats.js import JetStreamContext

from tests.data.events import companion_changed, details_corrected
from tests.data.scenario import Scenario
from tests.integration.bus import events_of, publish, wait_for
from tests.integration.notifications.smtp_server import Recorder
from tests.integration.notifications.test_notifications_flow import (
    MEETING_START,
    at_least,
    mails_to,
    meeting,
    people,
)
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration


async def test_the_next_message_follows_the_changes_and_nothing_is_sent_again(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    old, new = f"karen-{case.tenant}@example.dk", f"karen.new-{case.tenant}@example.dk"
    sister = f"soes-{case.tenant}@example.dk"
    await publish(js, people(case, old, f"unit-{case.tenant}@example.dk"))
    first = meeting(case)
    await publish(js, first)
    await wait_for(mails_to(mailbox, old, 1), what="the first invitation, to the old address")  # type: ignore[arg-type]
    await wait_for(mails_to(mailbox, "poul@example.dk", 1), what="the companion's invitation")  # type: ignore[arg-type]
    companion_mails = len(mailbox.to("poul@example.dk"))

    # The mediator corrects the citizen's e-mail, removes the unit's companion (companion-1)
    # and gives the citizen a companion of her own.
    corrected = details_corrected(
        case.case_id,
        case.citizen,
        name="Karen Østergaard",
        contact=ContactDetails(email=new),
        changed_by=case.mediator,
        tenant=case.tenant,
    )
    removed = companion_changed(
        case.case_id, case.administration, None, changed_by=case.mediator, tenant=case.tenant
    )
    added = companion_changed(
        case.case_id,
        case.citizen,
        Companion(companion_id="companion-2", name="Søs", contact=ContactDetails(email=sister)),
        changed_by=case.mediator,
        tenant=case.tenant,
    )
    for change in (corrected, removed, added):
        await publish(js, change)

    # The next booking invites the citizen's new companion (as scheduling does from now on)
    # and, as a scheduling that had not heard of the removal would, still companion-1: the new
    # address and the new companion are told, the removed one is not.
    second = meeting(case, MEETING_START + timedelta(days=7))
    people_of_second = [
        *second.data.participants,
        Participant(participant_id="companion-2", role="companion"),
    ]
    second = second.model_copy(
        update={"data": second.data.model_copy(update={"participants": people_of_second})}
    )
    await publish(js, second)
    await wait_for(mails_to(mailbox, new, 1), what="the next invitation, to the new address")  # type: ignore[arg-type]
    await wait_for(mails_to(mailbox, sister, 1), what="the new companion's invitation")  # type: ignore[arg-type]
    sent = await wait_for(
        lambda: at_least(js, case.tenant, "notification.sent", 6),
        what="three sent for each booking",
    )
    told = {(e["data"]["trigger_event_id"], e["data"]["recipient_id"]) for e in sent}
    assert (str(second.id), "companion-1") not in told, "a removed companion gets nothing"
    assert (str(second.id), "companion-2") in told
    assert (str(first.id), "companion-1") in told, "what was sent before stays sent"
    failed = await events_of(js, case.tenant, "notification.failed")
    assert failed == [], "a removed companion is not reported unreachable either"

    # Nothing sent before was sent again: one mail per address and booking.
    assert len(mailbox.to(old)) == 1
    assert len(mailbox.to(new)) == 1
    assert len(mailbox.to(sister)) == 1
    assert len(mailbox.to("poul@example.dk")) == companion_mails
    assert len(sent) == 6
    for event in sent:
        assert "@" not in str(event["data"]), "events carry ids, never addresses"
    assert new not in notifications.logs()
    assert sister not in notifications.logs()
