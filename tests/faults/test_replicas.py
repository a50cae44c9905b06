"""Two replicas of every service against one database and one set of consumers: a burst of
cases is split between them at random, and nothing may be lost or happen twice. This is what
the versioned documents (mediation_runtime.documents) are for: FerretDB does not apply a
version-filtered update atomically, so before them a second replica lost updates."""

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import ListMeetings, SuggestSlots
from mediation_runtime.mongo import create_mongo_client

from tests.faults.system import SERVICES, Figures, System, Workload, check
from tests.integration.bus import ask
from tests.integration.scheduling.test_scheduling_flow import book

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

CASES = 40


@pytest.fixture(scope="module")
async def replicated(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    started = System(tmp_path_factory.mktemp("replicas"), replicas=2)
    try:
        await started.start()
        yield started
    finally:
        await started.stop()


def readiness(address: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://{address}/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


async def test_every_replica_is_ready(replicated: System) -> None:
    assert len(replicated.services) == 2 * len(SERVICES)
    for name, process in replicated.services.items():
        status, body = await asyncio.to_thread(readiness, process.env["HEALTH_ADDRESS"])
        assert (status, body["status"]) == (200, "ready"), (name, body)


async def test_a_burst_split_between_two_replicas_of_each_service(replicated: System) -> None:
    workload = Workload(replicated, CASES)
    await workload.run(per_second=200.0)  # events of one case arrive together: replicas race
    figures = await check(replicated, workload, Figures("2 replicas of each service, burst"))
    assert figures.cases == CASES
    assert (figures.lost, figures.duplicated, figures.dead_lettered) == (0, 0, 0), figures

    # Every case's end state holds every event: a lost update would have dropped one.
    assert replicated.database is not None
    client = create_mongo_client(replicated.database.url)
    try:
        intake = client["mediation_intake"]["cases"]
        heads = {d["case_id"]: d async for d in intake.find({"tenant": workload.tenant})}
    finally:
        await client.close()
    for scenario in workload.scenarios:
        expected = {str(e.id) for e in workload.accepted if e.subject == scenario.case_id}
        head = heads[str(scenario.case_id)]
        assert set(head["applied"]) == expected, scenario.case_id
        assert set(head["consented"]) == {scenario.citizen, scenario.administration}
        assert head["version"] == len(expected)

    # Both replicas of each service did part of the work.
    for service in ("intake", "notes"):
        for key in (service, f"{service}#2"):
            logs = replicated.services[key].logs()
            assert workload.tenant in logs, f"{key} handled none of the burst"


async def test_bookings_racing_across_replicas(replicated: System) -> None:
    """A repeated booking command answered by both scheduling replicas books one meeting; of
    cases racing for one mediator's time, exactly one gets it."""
    workload = Workload(replicated, 6)
    await workload.run(per_second=100.0)
    figures = await check(replicated, workload, Figures("2 replicas, cases for booking"))
    assert (figures.lost, figures.duplicated, figures.dead_lettered) == (0, 0, 0), figures
    first, *others = workload.scenarios
    nc = await replicated.bus.connect(MEDIATOR_CLIENT)
    try:

        async def slots(case: Any) -> list[Any]:
            query = SuggestSlots(case_id=case.case_id, kind="mediation", format="joint")
            reply = await ask(nc, case.tenant, "suggest_slots", query)
            assert reply.ok, reply.error
            assert reply.slots
            return reply.slots

        repeated = book(first, (await slots(first))[0].starts_at)
        answers = await asyncio.gather(
            *(ask(nc, first.tenant, "book_meeting", repeated) for _ in range(6))
        )
        assert all(answer.ok for answer in answers), [a.error for a in answers]
        assert len({answer.meeting.meeting_id for answer in answers if answer.meeting}) == 1
        listed = await ask(nc, first.tenant, "list_meetings", ListMeetings(case_id=first.case_id))
        assert listed.meetings is not None
        assert len(listed.meetings) == 1

        # The same mediator (every case of the workload has one) at the same time, five cases.
        contested = (await slots(others[0]))[0].starts_at
        racing = await asyncio.gather(
            *(ask(nc, case.tenant, "book_meeting", book(case, contested)) for case in others)
        )
        won = [answer for answer in racing if answer.ok]
        assert len(won) == 1, [a.error.code if a.error else "ok" for a in racing]
        assert {a.error.code for a in racing if a.error} <= {"mediator_busy", "room_busy"}
    finally:
        await nc.close()
