"""The agenda from the pre-meetings, with intake running: topics recorded before the case is
accepted are refused; after it, the case's mediator records each party's topics and the case
detail shows them and the agenda (agreed topics only); someone else's record and one after the
close are refused and remembered; no topic reaches the log or a dead letter's reason."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from mediation_contracts.commands import AgendaItem, CaseDetail
from mediation_contracts.events import PartyTopicsRecorded
from mediation_contracts.streams import DLQ_REASON_HEADER
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.events import topics_recorded
from tests.data.scenario import Scenario
from tests.integration.bus import StoredMessage, dead_letters, publish, wait_for
from tests.integration.intake.test_intake_queries import (
    MEDIATOR_A,
    MEDIATOR_B,
    _with_status,
    _with_timeline,
    shown,
)
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

CITIZEN_TOPICS = ["Tonen XYZZY-EMNE i brevene", "At blive ringet op PLUGH-EMNE som aftalt"]
UNIT_TOPICS = ["Hvordan vi svarer FROTZ-EMNE på henvendelser"]
EVERY_TOPIC = (*CITIZEN_TOPICS, *UNIT_TOPICS)


@pytest.fixture(scope="module")
async def nc(bus: LiveBus) -> AsyncIterator[Client]:
    connection = await bus.connect()
    yield connection
    await connection.close()


async def detail_when(
    nc: Client, case: Scenario, ready: Callable[[CaseDetail], bool]
) -> CaseDetail | None:
    found = await shown(nc, case.tenant, case.case_id, MEDIATOR_A)
    return found if found is not None and ready(found) else None


async def _at_least(found: Awaitable[list[StoredMessage]], count: int) -> list[StoredMessage]:
    letters = await found
    return letters if len(letters) >= count else []


async def test_the_mediator_records_topics_once_accepted_and_the_agenda_is_the_agreed_ones(
    intake: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()

    def record(party: str, topics: list[str], **answers: Any) -> PartyTopicsRecorded:
        return topics_recorded(case.case_id, party, topics, tenant=case.tenant, **answers)

    await publish(js, case.request(requester_consents=True))
    await publish(js, case.assign())
    taken = await wait_for(lambda: _with_timeline(nc, case, MEDIATOR_A, 3), what="assigned")
    assert "record_topics" not in taken.actions, "no pre-meetings before the acceptance"
    early = record(case.citizen, CITIZEN_TOPICS)
    await publish(js, early)
    await wait_for(lambda: detail_when(nc, case, lambda d: len(d.rejected) == 1), what="refused")

    await publish(js, case.assess("accepted"))
    accepted = await wait_for(
        lambda: _with_status(nc, case, MEDIATOR_A, "accepted"), what="accepted"
    )
    assert "record_topics" in accepted.actions
    citizen = record(case.citizen, CITIZEN_TOPICS, shared=True)
    unit = record(case.administration, UNIT_TOPICS, agreed=False)
    by_someone_else = record(case.administration, ["Noget andet"], recorded_by=MEDIATOR_B)
    for event in (citizen, unit, by_someone_else):
        await publish(js, event)
    detail = await wait_for(
        lambda: detail_when(nc, case, lambda d: len(d.rejected) == 2 and len(d.topics) == 2),
        what="both records applied, the third refused",
    )
    answered = [
        (t.party_id, t.topics, t.agreed_by_party, t.share_with_other_parties) for t in detail.topics
    ]
    assert answered == [
        (case.citizen, CITIZEN_TOPICS, True, True),
        (case.administration, UNIT_TOPICS, False, False),
    ]
    assert detail.agenda == [AgendaItem(party_id=case.citizen, topic=t) for t in CITIZEN_TOPICS]
    assert [(e.actor_id, e.party_id, e.code) for e in detail.timeline[-2:]] == [
        (MEDIATOR_A, case.citizen, "agreed"),
        (MEDIATOR_A, case.administration, "not_agreed"),
    ]
    assert detail.rejected[-1].reason == (
        f"only the case's mediator records a party's topics, not {MEDIATOR_B}"
    )

    # The administration agrees its topics at a later pre-meeting; then the case ends.
    await publish(js, record(case.administration, UNIT_TOPICS, agreed=True))
    agreed = await wait_for(
        lambda: detail_when(nc, case, lambda d: len(d.agenda) == 3), what="the unit's agreement"
    )
    assert [item.party_id for item in agreed.agenda] == [case.citizen] * 2 + [case.administration]
    await publish(js, case.withdraw(case.citizen, "party"))
    closed = await wait_for(lambda: _with_status(nc, case, MEDIATOR_A, "closed"), what="closed")
    assert "record_topics" not in closed.actions
    await publish(js, record(case.citizen, ["Et sent emne"]))
    ended = await wait_for(
        lambda: detail_when(nc, case, lambda d: len(d.rejected) == 3), what="the late record"
    )
    assert ended.agenda == agreed.agenda, "an ended case keeps its agenda as it was"

    letters = await wait_for(
        lambda: _at_least(dead_letters(js, case.tenant), 3), what="three dead letters"
    )
    log = intake.logs()
    for topic in EVERY_TOPIC:
        assert topic not in log
    for letter in letters:
        reason = letter.headers.get(DLQ_REASON_HEADER, "")
        assert reason
        assert not any(topic in reason for topic in EVERY_TOPIC)
