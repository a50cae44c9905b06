"""The agenda in the invitation, with notifications running: after the mediator records each
party's topics, the invitation to the mediation meeting gives each party its own agreed topics
and the other's only where that party agreed to share them, the companion what its party gets;
topics not agreed reach nobody; recording topics sends nothing; no topic reaches the log or an
event."""

import pytest
from mediation_contracts.events import CaseRequested, ContactDetails
from nats.js import JetStreamContext

from tests.data.events import topics_recorded
from tests.data.scenario import Scenario
from tests.integration.bus import events_of, publish, wait_for
from tests.integration.notifications.smtp_server import Recorder
from tests.integration.notifications.test_notifications_flow import (
    at_least,
    mails_to,
    meeting,
    people,
)
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

CITIZEN_TOPICS = ["Tonen XYZZY-EMNE i brevene", "At blive ringet op som aftalt"]
UNIT_TOPICS = ["How we answer PLUGH-EMNE letters"]
UNAGREED = "Et FROTZ-EMNE parten ikke har godkendt"


def with_companion_at(request: CaseRequested, email: str) -> CaseRequested:
    """The request with the unit's companion (companion-1) at an address of this test's own."""
    citizen, unit = request.data.parties
    assert unit.companion is not None
    companion = unit.companion.model_copy(update={"contact": ContactDetails(email=email)})
    parties = [citizen, unit.model_copy(update={"companion": companion})]
    return request.model_copy(update={"data": request.data.model_copy(update={"parties": parties})})


def body(mail: object) -> str:
    text: str = mail.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    return text.replace("\r\n", "\n")  # lines as written, not as SMTP carries them


async def test_each_person_is_sent_the_agenda_they_may_see(
    notifications: ServiceProcess, mailbox: Recorder, js: JetStreamContext
) -> None:
    case = Scenario.new()
    citizen, unit = f"karen-{case.tenant}@example.dk", f"unit-{case.tenant}@example.dk"
    poul = f"poul-{case.tenant}@example.dk"
    await publish(js, with_companion_at(people(case, citizen, unit), poul))  # the unit: English
    records = [
        topics_recorded(case.case_id, case.citizen, [UNAGREED], agreed=False, tenant=case.tenant),
        # A later pre-meeting: the citizen agrees other topics, but not to share them.
        topics_recorded(case.case_id, case.citizen, CITIZEN_TOPICS, tenant=case.tenant),
        topics_recorded(
            case.case_id, case.administration, UNIT_TOPICS, shared=True, tenant=case.tenant
        ),
    ]
    for record in records:
        await publish(js, record)
    booked = meeting(case)
    await publish(js, booked)

    [to_citizen] = await wait_for(mails_to(mailbox, citizen, 1), what="the citizen's invitation")  # type: ignore[arg-type]
    [to_unit] = await wait_for(mails_to(mailbox, unit, 1), what="the unit's invitation")  # type: ignore[arg-type]
    [to_companion] = await wait_for(
        mails_to(mailbox, poul, 1),  # type: ignore[arg-type]
        what="the unit's companion's invitation",
    )
    danish = body(to_citizen)
    assert "Dine emner:\n- Tonen XYZZY-EMNE i brevene\n- At blive ringet op som aftalt" in danish
    assert "Emner fra Center for Børn & Familie:\n- How we answer PLUGH-EMNE letters" in danish
    english = body(to_unit)
    assert "Your topics:\n- How we answer PLUGH-EMNE letters" in english
    assert "XYZZY-EMNE" not in english, "the citizen did not agree to share"
    companion = body(to_companion)
    assert "Emner fra Center for Børn & Familie:\n- How we answer PLUGH-EMNE letters" in companion
    assert "XYZZY-EMNE" not in companion
    for mail in (to_citizen, to_unit, to_companion):
        assert "FROTZ-EMNE" not in mail.as_string(), "a topic not agreed reaches nobody"

    sent = await wait_for(
        lambda: at_least(js, case.tenant, "notification.sent", 3), what="three invitations"
    )
    assert {e["data"]["trigger_event_id"] for e in sent} == {str(booked.id)}, (
        "recording topics sent nothing"
    )
    assert await events_of(js, case.tenant, "notification.failed") == []
    log = notifications.logs()
    for text in ("XYZZY-EMNE", "PLUGH-EMNE", "FROTZ-EMNE"):
        assert text not in log
        assert all(text not in str(event) for event in sent)
