"""The mediator's client asks intake (request-reply) which cases a mediator may see and how one
stands, against real NATS JetStream and a MongoDB-wire server, intake as a separate process."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from mediation_contracts.commands import (
    CaseDetail,
    CaseListItem,
    CaseStatus,
    GetCase,
    ListCases,
)
from nats.aio.client import Client
from nats.js import JetStreamContext
from pymongo.asynchronous.collection import AsyncCollection

from tests.data.scenario import PERSONAL_DATA, Scenario
from tests.integration.bus import ask, dead_letters, publish, wait_for
from tests.integration.service_process import ServiceProcess

pytestmark = pytest.mark.integration

Cases = AsyncCollection[dict[str, Any]]

MEDIATOR_A = "mediator-7"  # Scenario's mediator
MEDIATOR_B = "mediator-9"


async def listed(
    nc: Client, tenant: str, viewer: str, status: CaseStatus | None = None
) -> list[CaseListItem]:
    reply = await ask(nc, tenant, "list_cases", ListCases(viewer_id=viewer, status=status))
    assert reply.ok, reply.error
    assert reply.cases is not None
    return reply.cases


async def shown(nc: Client, tenant: str, case_id: UUID, viewer: str) -> CaseDetail | None:
    """The case as ``viewer`` is shown it; None when refused (and then always not_your_case)."""
    reply = await ask(nc, tenant, "get_case", GetCase(case_id=case_id, viewer_id=viewer))
    if not reply.ok:
        assert reply.error is not None
        assert reply.error.code == "not_your_case"
        return None
    assert reply.case is not None
    return reply.case


def kinds(case: CaseDetail) -> list[str]:
    return [".".join(entry.type.split(".")[2:4]) for entry in case.timeline]


async def test_a_case_from_request_to_close_as_two_mediators_and_another_tenant_see_it(
    intake: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    case = Scenario.new()
    request = case.request(requester_consents=True)
    await publish(js, request)

    async def listed_for_a() -> list[CaseListItem]:
        return [c for c in await listed(nc, case.tenant, MEDIATOR_A) if c.case_id == case.case_id]

    (item,) = await wait_for(listed_for_a, what="the new case in A's list")
    assert (item.status, item.mediator_id, item.consent_missing) == (
        "requested",
        None,
        [case.administration],
    )
    assert item.requested_at == request.time
    assert item.matter_reference == "SAG-2026-0042"
    assert [(p.party_id, p.name) for p in item.parties][1] == (case.administration, "Jobcenter")
    assert all(p.contact is None for p in item.parties)

    # Unassigned and open: every mediator of the tenant sees it and may take it.
    assert [c.case_id for c in await listed(nc, case.tenant, MEDIATOR_B)] == [case.case_id]
    before = await wait_for(
        lambda: _with_timeline(nc, case, MEDIATOR_A, 2), what="request and consent request"
    )
    assert kinds(before) == ["case.requested", "consent.requested"]
    assert before.timeline[0].event_id == request.id
    assert before.actions == ["take"]
    assert before.conflict_description is not None
    assert before.parties[0].contact is not None  # the detail has the contact details
    assert before.requester is not None
    assert before.requester.party_id == case.citizen

    # Another tenant's subject never shows it, whoever asks.
    other_tenant = Scenario.new().tenant
    assert await listed(nc, other_tenant, MEDIATOR_A) == []
    assert await shown(nc, other_tenant, case.case_id, MEDIATOR_A) is None

    # A takes it: B no longer sees it, and cannot tell it from a case that does not exist.
    await publish(js, case.assign())
    taken = await wait_for(
        lambda: _with_timeline(nc, case, MEDIATOR_A, 3), what="the assignment applied"
    )
    assert taken.mediator_id == MEDIATOR_A
    assert taken.actions == [
        "assess",
        "record_consent",
        "withdraw",
        "name_note_taker",
        "change_people",
    ]
    assert await listed(nc, case.tenant, MEDIATOR_B) == []
    refused_b = await ask(
        nc, case.tenant, "get_case", GetCase(case_id=case.case_id, viewer_id=MEDIATOR_B)
    )
    unknown = await ask(nc, case.tenant, "get_case", GetCase(case_id=uuid4(), viewer_id=MEDIATOR_B))
    assert refused_b == unknown
    assert refused_b.error is not None
    assert (refused_b.error.code, refused_b.error.message_da, refused_b.error.message_en) == (
        "not_your_case",
        "Du har ikke adgang til denne sag.",
        "You do not have access to this case.",
    )

    # An outcome before the case is ready is refused; the case says so.
    early = case.outcome("agreement")
    await publish(js, early)
    refused = await wait_for(
        lambda: _with_rejections(nc, case, MEDIATOR_A), what="the rejected outcome"
    )
    (rejected,) = refused.rejected
    assert (rejected.event_id, rejected.type) == (early.id, early.type)
    assert rejected.reason == (
        f"case {case.case_id} is requested; allowed an outcome only after the case was ready"
    )
    assert refused.status == "requested"
    assert len(refused.timeline) == 3
    assert len(await wait_for(lambda: dead_letters(js, case.tenant), what="the dead letter")) == 1

    # Accepted, then the administration consents: ready for scheduling. (Events of different
    # types travel on different consumers: one at a time, so the timeline's order is known.)
    await publish(js, case.assess("accepted"))
    accepted = await wait_for(
        lambda: _with_status(nc, case, MEDIATOR_A, "accepted"), what="the assessment"
    )
    assert accepted.actions == [
        "record_consent",
        "withdraw",
        "name_note_taker",
        "change_people",
        "record_topics",
    ]
    await publish(js, case.consent(case.administration))
    ready = await wait_for(
        lambda: _with_status(nc, case, MEDIATOR_A, "ready_for_scheduling"), what="readiness"
    )
    assert kinds(ready) == [
        "case.requested",
        "consent.requested",
        "mediator.assigned",
        "case.assessed",
        "consent.given",
        "case.ready_for_scheduling",
    ]
    assert ready.assessment is not None
    assert (ready.assessment.decision, ready.assessment.assessed_by) == ("accepted", MEDIATOR_A)
    assert (ready.consented, ready.consent_missing) == ([case.citizen, case.administration], [])
    assert ready.actions == [
        "withdraw",
        "record_outcome",
        "name_note_taker",
        "change_people",
        "record_topics",
    ]
    assert [
        c.case_id for c in await listed(nc, case.tenant, MEDIATOR_A, "ready_for_scheduling")
    ] == [case.case_id]
    assert await listed(nc, case.tenant, MEDIATOR_A, "requested") == []

    # The outcome closes it; A still sees the closed case, with nothing left to do.
    await publish(js, case.outcome("partial_agreement"))
    closed = await wait_for(
        lambda: _with_status(nc, case, MEDIATOR_A, "closed"), what="the closed case"
    )
    assert kinds(closed)[-2:] == ["case.outcome_recorded", "case.closed"]
    assert [e.code for e in closed.timeline[-2:]] == ["partial_agreement", "outcome_recorded"]
    times = [entry.at for entry in closed.timeline]
    assert times == sorted(times)
    assert (closed.outcome, closed.closed_because) == ("partial_agreement", "outcome_recorded")
    assert closed.follow_up_contact is not None
    assert closed.actions == []
    assert len(closed.rejected) == 1

    # Nothing a person wrote or is called reached intake's log.
    log = intake.logs()
    for personal in PERSONAL_DATA:
        assert personal not in log


async def test_the_list_is_newest_request_first_and_hides_what_a_mediator_may_not_see(
    intake: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    first = Scenario.new()
    tenant = first.tenant
    second, others, withdrawn = (Scenario(tenant=tenant) for _ in range(3))
    others.mediator = MEDIATOR_B
    for scenario in (first, second, others, withdrawn):
        await publish(js, scenario.request())

    async def all_opened() -> bool:
        return len(await listed(nc, tenant, MEDIATOR_A)) == 4

    await wait_for(all_opened, what="the four requests")
    await publish(js, others.assign())
    await publish(js, withdrawn.withdraw(withdrawn.citizen, by="party"))

    async def all_applied() -> bool:
        mine = await shown(nc, tenant, others.case_id, MEDIATOR_B)
        gone = await shown(nc, tenant, withdrawn.case_id, MEDIATOR_A)
        return mine is not None and mine.mediator_id == MEDIATOR_B and gone is None

    await wait_for(all_applied, what="the assignment and the withdrawal")

    # B's own case, and the open unassigned ones; never the withdrawn one no one took.
    assert [c.case_id for c in await listed(nc, tenant, MEDIATOR_A)] == [
        second.case_id,
        first.case_id,
    ]
    assert [c.case_id for c in await listed(nc, tenant, MEDIATOR_B)] == [
        others.case_id,
        second.case_id,
        first.case_id,
    ]


async def test_the_list_comes_in_pages_that_a_new_case_does_not_shift(
    intake: ServiceProcess, js: JetStreamContext, nc: Client
) -> None:
    first = Scenario.new()
    scenarios = [first, *(Scenario(tenant=first.tenant) for _ in range(4))]
    for scenario in scenarios:
        await publish(js, scenario.request())
    await wait_for(all_opened_with(nc, first.tenant, 5), what="the five requests")

    async def page(after: str | None) -> tuple[list[UUID], str | None]:
        query = ListCases(viewer_id=MEDIATOR_A, limit=2, after=after)
        reply = await ask(nc, first.tenant, "list_cases", query)
        assert reply.ok, reply.error
        return [c.case_id for c in reply.cases or []], reply.next_page

    one, after = await page(None)
    late = Scenario(tenant=first.tenant)  # arrives while the mediator pages
    await publish(js, late.request())
    await wait_for(all_opened_with(nc, first.tenant, 6), what="the late request")
    two, after_two = await page(after)
    three, end = await page(after_two)
    newest_first = [s.case_id for s in reversed(scenarios)]
    assert (one, two, three) == (newest_first[:2], newest_first[2:4], newest_first[4:])
    assert end is None, "the last page says there is no next"
    assert (await page(None))[0] == [late.case_id, newest_first[0]]

    # A token that is not one of ours is refused as invalid, not searched with.
    mangled = b'{"viewer_id": "mediator-7", "after": "2026-01-01T00:00:00+00:00~x"}'
    refused = await ask(nc, first.tenant, "list_cases", mangled)
    assert not refused.ok
    assert refused.error is not None
    assert refused.error.code == "invalid_request"


def all_opened_with(nc: Client, tenant: str, count: int) -> Any:
    async def opened() -> bool:
        return len(await listed(nc, tenant, MEDIATOR_A)) == count

    return opened


async def test_a_case_stored_by_the_previous_version_is_answered_and_keeps_working(
    intake: ServiceProcess, js: JetStreamContext, nc: Client, cases: Cases
) -> None:
    case = Scenario.new()
    opened = datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
    await cases.insert_one(
        {
            "_id": f"{case.tenant}:{case.case_id}",
            "tenant": case.tenant,
            "case_id": str(case.case_id),
            "status": "accepted",
            "parties": [
                {"party_id": case.citizen, "kind": "citizen"},
                {"party_id": case.administration, "kind": "administration"},
            ],
            "consented": [case.citizen],
            "mediator_id": MEDIATOR_A,
            "note_taker_id": None,
            "outcome": None,
            "source": "/mediation/intake",
            "correlation_id": None,
            "version": 4,
            "applied": [str(uuid4()) for _ in range(3)],
            "outbox": [],
            "created_at": opened,
            "updated_at": opened,
        }
    )

    (item,) = await listed(nc, case.tenant, MEDIATOR_A)
    assert (item.case_id, item.requested_at, item.matter_reference) == (case.case_id, opened, None)
    legacy = await shown(nc, case.tenant, case.case_id, MEDIATOR_A)
    assert legacy is not None
    assert [(p.party_id, p.name) for p in legacy.parties] == [
        (case.citizen, case.citizen),
        (case.administration, case.administration),
    ]
    assert (legacy.timeline, legacy.actions) == (
        [],
        ["record_consent", "withdraw", "name_note_taker", "record_topics"],
    )
    assert (legacy.topics, legacy.agenda) == ([], [])

    await publish(js, case.consent(case.administration))
    ready = await wait_for(
        lambda: _with_status(nc, case, MEDIATOR_A, "ready_for_scheduling"), what="readiness"
    )
    assert kinds(ready) == ["consent.given", "case.ready_for_scheduling"]
    assert ready.requested_at == opened


async def test_a_request_that_is_not_a_query_gets_invalid_request(
    intake: ServiceProcess, nc: Client
) -> None:
    tenant = Scenario.new().tenant
    for body in (b"not json", json.dumps({"case_id": "not-a-uuid", "viewer_id": "m"}).encode()):
        reply = await ask(nc, tenant, "get_case", body)
        assert reply.error is not None
        assert (reply.ok, reply.error.code) == (False, "invalid_request")


async def _with_timeline(nc: Client, case: Scenario, viewer: str, length: int) -> CaseDetail | None:
    found = await shown(nc, case.tenant, case.case_id, viewer)
    return found if found is not None and len(found.timeline) >= length else None


async def _with_rejections(nc: Client, case: Scenario, viewer: str) -> CaseDetail | None:
    found = await shown(nc, case.tenant, case.case_id, viewer)
    return found if found is not None and found.rejected else None


async def _with_status(
    nc: Client, case: Scenario, viewer: str, status: CaseStatus
) -> CaseDetail | None:
    found = await shown(nc, case.tenant, case.case_id, viewer)
    return found if found is not None and found.status == status else None
