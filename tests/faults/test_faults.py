"""Faults production brings, injected from outside under a steady workload; after each, the
checker proves that no accepted event was lost, no side effect happened twice, every service
is running and answering again, and nothing valid became a dead letter.

Run with the rest by `make test`, or alone with `make test-faults`.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from mediation_contracts.commands import Reply, command_subject

from tests.faults.system import SERVICES, Figures, System, Workload, check
from tests.integration.bus import read_stream, wait_for

# Outages of minutes, then recovery: far beyond the suite-wide per-test limit.
pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]


def assert_clean(figures: Figures) -> None:
    assert figures.cases > 0
    assert (figures.lost, figures.duplicated, figures.dead_lettered) == (0, 0, 0), figures
    assert "all services running and answering" in figures.notes, figures


async def under_load(system: System, cases: int, fault: Coroutine[Any, Any, None]) -> Workload:
    """Publish ``cases`` while ``fault`` runs alongside; both must finish."""
    workload = Workload(system, cases)
    await asyncio.gather(workload.run(), fault)
    return workload


@pytest.mark.parametrize("service", SERVICES)
async def test_kill_9_of_a_service(system: System, service: str) -> None:
    async def fault() -> None:
        await asyncio.sleep(1.0)
        system.services[service].kill()
        await asyncio.sleep(1.0)
        system.services[service].start()

    workload = await under_load(system, 15, fault())
    assert_clean(await check(system, workload, Figures(f"kill -9 {service}")))


async def test_kill_9_of_nats(system: System) -> None:
    async def fault() -> None:
        await asyncio.sleep(1.0)
        await system.kill_nats()
        await asyncio.sleep(3.0)
        await system.start_nats()

    workload = await under_load(system, 15, fault())
    assert_clean(await check(system, workload, Figures("kill -9 nats-server, back after 3 s")))


async def test_kill_9_of_the_database(system: System) -> None:
    async def fault() -> None:
        await asyncio.sleep(1.0)
        await system.kill_database()
        await asyncio.sleep(3.0)
        await system.start_database()

    workload = await under_load(system, 15, fault())
    assert_clean(await check(system, workload, Figures("kill -9 FerretDB, back after 3 s")))


async def test_nats_down_longer_than_any_reconnect_budget(system: System) -> None:
    """The services wait 0.5 s between attempts: nats-py's default of 60 attempts would have
    given up after 30 s and left them running but deaf. Down for 40 s."""

    async def fault() -> None:
        await asyncio.sleep(1.0)
        await system.kill_nats()
        await asyncio.sleep(40.0)
        await system.start_nats()

    workload = await under_load(system, 10, fault())
    figures = await check(system, workload, Figures("nats-server down 40 s (> reconnect budget)"))
    assert_clean(figures)
    for name, process in system.services.items():
        assert '"nats_reconnected"' in process.logs(), name


async def test_database_down_for_minutes(system: System) -> None:
    """Far longer than the services' retry delays (0.3 + 0.5 + 1 s here): events wait."""

    async def fault() -> None:
        await asyncio.sleep(1.0)
        await system.kill_database()
        await asyncio.sleep(120.0)
        await system.start_database()

    workload = await under_load(system, 10, fault())
    figures = await check(system, workload, Figures("FerretDB down 2 min (> retry window)"))
    assert_clean(figures)
    assert '"outage_waiting"' in system.services["intake"].logs()


async def test_duplicates_and_events_before_their_request(system: System) -> None:
    workload = Workload(system, 10)
    connection = await workload._connect()
    try:
        for scenario in workload.scenarios:
            request, *rest = workload.events(scenario)
            for event in [*reversed(rest), request]:  # the consent first, the request last
                await workload.publish(connection, event)
                # The same event again, with a new Nats-Msg-Id: JetStream stores both.
                js = connection.jetstream()
                await js.publish(event.nats_subject(), event.to_json())
    finally:
        await connection.close()
    assert_clean(await check(system, workload, Figures("duplicates, events before request")))


async def test_oversized_and_deeply_nested_input(system: System) -> None:
    """Each is dead-lettered with its reason; nothing stops, valid work goes on."""
    workload = Workload(system, 3)
    connection = await workload._connect()
    try:
        js = connection.jetstream()
        subject = f"mediation.v1.{workload.tenant}.case.requested"
        limit = connection.max_payload
        huge = b'{"type": "' + b"x" * (limit - 200) + b'"}'
        nested = b"[" * 50_000 + b"]" * 50_000
        for body in (huge, nested, b"\xff\xfe not json", b'{"n": ' + b"9" * 5000 + b"}"):
            await js.publish(subject, body)
        # A command with the same nesting is refused as invalid, not "unavailable".
        answer = await connection.request(
            command_subject(workload.tenant, "intake", "list_cases"), nested, timeout=10
        )
        refused = Reply.model_validate_json(answer.data)
        assert refused.error is not None
        assert refused.error.code == "invalid_request"
    finally:
        await connection.close()
    started = time.monotonic()
    await workload.run()
    figures = await check(system, workload, Figures("1 MiB, 50,000-deep and garbage input"))
    assert (figures.lost, figures.duplicated) == (0, 0)
    # Every consumer of case.requested dead-letters each of the four, with a reason.
    admin = await system.bus.connect()
    try:

        async def letters() -> list[dict[str, str]]:
            stored = await read_stream(admin.jetstream(), "MEDIATION_DLQ", "mediation.dlq.intake")
            return [
                m.headers for m in stored if m.headers.get("Mediation-Original-Subject") == subject
            ]

        found = await wait_for(
            lambda: _at_least(letters, 4), timeout=60, what="four dead letters from intake"
        )
    finally:
        await admin.close()
    reasons = sorted(h["Mediation-Dead-Letter-Reason"] for h in found)
    assert any("nested too deeply" in r for r in reasons), reasons
    assert any("not JSON" in r for r in reasons), reasons
    assert any("Mediation-Original-Omitted" in h for h in found), "the 1 MiB body is referenced"
    figures.dead_lettered = len(found)
    figures.seconds_to_recover = round(time.monotonic() - started, 1)
    figures.notes.append(json.dumps(reasons)[:300])
    assert system.all_running()


async def _at_least(
    probe: Callable[[], Awaitable[list[dict[str, str]]]], count: int
) -> list[dict[str, str]] | None:
    found = await probe()
    return found if len(found) >= count else None


async def test_smtp_down_mid_delivery(system: System) -> None:
    """Mails wait and go out once the mail server is back: each citizen asked exactly once."""

    async def fault() -> None:
        await asyncio.sleep(1.0)
        system.stop_smtp()
        await asyncio.sleep(6.0)
        system.start_smtp()

    workload = await under_load(system, 10, fault())
    assert_clean(await check(system, workload, Figures("SMTP server down 6 s mid-delivery")))
