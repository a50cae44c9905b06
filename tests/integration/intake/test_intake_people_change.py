"""People change during a case, with intake running: the case's mediator corrects a party's
details and adds and removes a companion; the case detail shows them, the timeline records who
changed whom without the details, someone else's change and a change after the close are
refused and remembered, and nothing personal reaches the log or a dead letter's reason."""

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from mediation_contracts.commands import CaseDetail
from mediation_contracts.events import Companion, ContactDetails
from mediation_contracts.streams import DLQ_REASON_HEADER
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.data.events import companion_changed, details_corrected
from tests.data.scenario import Scenario
from tests.integration.bus import StoredMessage, dead_letters, publish, wait_for
from tests.integration.intake.test_intake_queries import (
    MEDIATOR_A,
    MEDIATOR_B,
    _with_status,
    _with_timeline,
    kinds,
    shown,
)
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

NEW_EMAIL = "karen.ny@example.dk"
SISTER = Companion(
    companion_id="companion-9",
    name="Søster Sørensen",
    contact=ContactDetails(email="soester@example.dk", phone="+45 31 31 31 31"),
    receives_invitations=False,
)
PERSONAL = ("Søster Sørensen", "soester@example.dk", "+45 31 31 31 31", NEW_EMAIL, "Karen Holm")


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


async def test_the_mediator_changes_people_and_only_the_mediator_only_while_open(
    intake: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    await publish(js, case.request(requester_consents=True))
    await publish(js, case.assign())
    taken = await wait_for(lambda: _with_timeline(nc, case, MEDIATOR_A, 3), what="assigned")
    assert "change_people" in taken.actions

    corrected = details_corrected(
        case.case_id,
        case.citizen,
        name="Karen Holm",
        contact=ContactDetails(email=NEW_EMAIL, language="en"),
        changed_by=MEDIATOR_A,
        tenant=case.tenant,
    )
    added = companion_changed(
        case.case_id, case.administration, SISTER, changed_by=MEDIATOR_A, tenant=case.tenant
    )
    by_someone_else = companion_changed(
        case.case_id, case.administration, None, changed_by=MEDIATOR_B, tenant=case.tenant
    )
    for event in (corrected, added, by_someone_else):
        await publish(js, event)

    detail = await wait_for(
        lambda: detail_when(nc, case, lambda d: bool(d.rejected) and len(d.timeline) >= 5),
        what="both changes applied, the third refused",
    )
    citizen, unit = detail.parties
    assert (citizen.name, citizen.contact) == (
        "Karen Holm",
        ContactDetails(email=NEW_EMAIL, language="en"),
    )
    assert unit.companion == SISTER, "someone else's removal changed nothing"
    assert kinds(detail)[-2:] == ["party.details_corrected", "party.companion_changed"]
    assert [(e.actor_id, e.party_id, e.code) for e in detail.timeline[-2:]] == [
        (MEDIATOR_A, case.citizen, None),
        (MEDIATOR_A, case.administration, "changed"),
    ]
    [rejected] = detail.rejected
    assert rejected.event_id == by_someone_else.id
    assert rejected.reason == f"only the case's mediator changes its people, not {MEDIATOR_B}"

    # The mediator removes the companion; then the case ends, and nothing more changes.
    removed = companion_changed(
        case.case_id, case.administration, None, changed_by=MEDIATOR_A, tenant=case.tenant
    )
    await publish(js, removed)
    await wait_for(
        lambda: detail_when(nc, case, lambda d: d.parties[1].companion is None),
        what="the companion removed",
    )
    await publish(js, case.withdraw(case.citizen, "party"))
    closed = await wait_for(lambda: _with_status(nc, case, MEDIATOR_A, "closed"), what="closed")
    assert "change_people" not in closed.actions
    late = details_corrected(case.case_id, case.citizen, changed_by=MEDIATOR_A, tenant=case.tenant)
    await publish(js, late)
    ended = await wait_for(
        lambda: detail_when(nc, case, lambda d: len(d.rejected) == 2),
        what="the late change refused",
    )
    assert ended.parties[0].name == "Karen Holm"
    letters = await wait_for(
        lambda: _at_least(dead_letters(js, case.tenant), 2), what="two dead letters"
    )

    # Nothing personal in intake's log or in a dead letter's reason.
    log = intake.logs()
    for personal in PERSONAL:
        assert personal not in log
    for letter in letters:
        reason = letter.headers.get(DLQ_REASON_HEADER, "")
        assert reason
        assert not any(personal in reason for personal in PERSONAL)


async def _at_least(found: Awaitable[list[StoredMessage]], count: int) -> list[StoredMessage]:
    letters = await found
    return letters if len(letters) >= count else []
