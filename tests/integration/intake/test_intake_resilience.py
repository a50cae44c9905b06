"""Crashes and personal data: what operators and data-protection officers rely on."""

import asyncio
import json
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from mediation_devstack.servers import start_ferretdb
from nats.js import JetStreamContext
from pymongo.asynchronous.collection import AsyncCollection

from tests.data.scenario import PERSONAL_DATA, Scenario
from tests.integration.bus import dead_letters, events_of, publish, wait_for
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

Cases = AsyncCollection[dict[str, Any]]
CASES = 30


async def test_killing_intake_mid_stream_loses_and_duplicates_nothing(
    bus: LiveBus, mongodb_url: str, tmp_path: Path, js: JetStreamContext, cases: Cases
) -> None:
    # A generous retry window: after the restart, requests may be opened after their consents.
    intake = ServiceProcess(
        "intake",
        bus,
        mongodb_url,
        tmp_path / "intake.log",
        INTAKE_RETRY_DELAYS="[1, 2, 4, 8, 8]",
    )
    intake.start()
    tenant = Scenario.new().tenant
    scenarios = [Scenario(tenant=tenant) for _ in range(CASES)]
    try:
        await publish_cases(js, scenarios[: CASES // 2])
        await wait_for(lambda: count_cases(cases, tenant, at_least=3), what="some progress")
        intake.kill()  # while the first half is still being processed
        opened_before_kill = await cases.count_documents({"tenant": tenant})
        await publish_cases(js, scenarios[CASES // 2 :])  # arrives while intake is down
        intake.start()

        await wait_for(
            lambda: count_cases(cases, tenant, at_least=CASES, status="ready_for_scheduling"),
            timeout=90,
            what="every case ready after the restart",
        )
        await wait_for(lambda: outboxes_empty(cases, tenant), what="every event relayed")
    finally:
        intake.stop()

    assert opened_before_kill < CASES, "the kill came too late to test anything"
    produced = Counter((e["type"], e["subject"]) for e in await events_of(js, tenant))
    for case in scenarios:
        assert produced[("dk.mediation.consent.requested.v1", str(case.case_id))] == 1
        assert produced[("dk.mediation.case.ready_for_scheduling.v1", str(case.case_id))] == 1
    documents = [d async for d in cases.find({"tenant": tenant})]
    assert len(documents) == CASES
    assert await dead_letters(js, tenant) == []


async def publish_cases(js: JetStreamContext, scenarios: list[Scenario]) -> None:
    for case in scenarios:
        await publish(js, case.request(requester_consents=True))
        for event in (case.assess("accepted"), case.assign(), case.consent(case.administration)):
            await publish(js, event)


async def outboxes_empty(cases: Cases, tenant: str) -> bool:
    """No event of the tenant's cases waits to be published (see mediation_runtime.outbox)."""
    markers = cases.database[f"{cases.name}_outbox"]
    return await markers.count_documents({"key": {"$regex": f"^{tenant}:"}}) == 0


async def count_cases(cases: Cases, tenant: str, at_least: int, status: str | None = None) -> bool:
    query: dict[str, Any] = {"tenant": tenant} | ({"status": status} if status else {})
    return await cases.count_documents(query) >= at_least


async def test_no_personal_data_in_logs_or_dead_letter_reasons(
    bus: LiveBus, mongodb_url: str, tmp_path: Path, js: JetStreamContext, cases: Cases
) -> None:
    intake = ServiceProcess("intake", bus, mongodb_url, tmp_path / "intake.log", LOG_LEVEL="DEBUG")
    intake.start()
    case = Scenario.new()
    try:
        request = case.request(requester_consents=False)
        invalid = json.loads(request.to_json())
        invalid["data"]["parties"][0]["contact"]["email"] = "not an email " + PERSONAL_DATA[0]
        await publish(js, json.dumps(invalid).encode(), request.nats_subject())
        for event in (
            request,
            case.assess("accepted"),
            case.assign(),
            case.consent(case.citizen),
            case.consent(case.administration),
        ):
            await publish(js, event)
        await wait_for(
            lambda: events_of(js, case.tenant, "case.ready_for_scheduling"), what="readiness"
        )
        await publish(js, case.outcome("agreement"))
        await wait_for(lambda: events_of(js, case.tenant, "case.closed"), what="the close")
        letters = await wait_for(lambda: dead_letters(js, case.tenant), what="the dead letter")
    finally:
        intake.stop()

    logs = intake.logs()
    assert str(case.case_id) in logs, "the log must identify the case by id"
    reason = letters[0].headers["Mediation-Dead-Letter-Reason"]
    assert "contact.email" in reason
    for secret in PERSONAL_DATA:
        assert secret not in logs
        assert secret not in reason


async def test_database_outage_is_retried_and_loses_nothing(
    bus: LiveBus, tmp_path: Path, js: JetStreamContext
) -> None:
    database = await start_ferretdb(tmp_path / "ferretdb", tmp_path / "ferretdb.log")
    port = int(database.url.rsplit(":", 1)[1].strip("/"))
    intake = ServiceProcess(
        "intake",
        bus,
        database.url,
        tmp_path / "intake.log",
        INTAKE_RETRY_DELAYS="[1, 2, 4, 8, 8]",
        INTAKE_ACK_WAIT_SECONDS="30",  # longer than a blocked database call
    )
    intake.start()
    case = Scenario.new()
    try:
        await database.stop()
        await publish(js, case.request())
        await wait_for(
            lambda: logged(intake, '"outage_waiting"'),
            timeout=30,
            what="the event held while the database is down",
        )
        database = await start_ferretdb(tmp_path / "ferretdb", tmp_path / "ferretdb.log", port)

        asked = await wait_for(
            lambda: events_of(js, case.tenant, "consent.requested"),
            timeout=40,
            what="the request processed once the database is back",
        )
    finally:
        intake.stop()
        await database.stop()
    assert len(asked) == 1
    assert await dead_letters(js, case.tenant) == []
    assert intake.logs().count('"case_opened"') == 1
    # An outage is not the event's fault: it was held, not redelivered towards a dead letter.
    assert '"will_retry"' not in intake.logs()


async def logged(intake: ServiceProcess, text: str) -> bool:
    return text in intake.logs()


async def test_sigterm_stops_a_service_promptly_even_while_it_holds_events_through_an_outage(
    bus: LiveBus, tmp_path: Path, js: JetStreamContext
) -> None:
    database = await start_ferretdb(tmp_path / "ferretdb", tmp_path / "ferretdb.log")
    port = int(database.url.rsplit(":", 1)[1].strip("/"))
    settings = {"INTAKE_STOP_TIMEOUT_SECONDS": "8", "INTAKE_ACK_WAIT_SECONDS": "30"}
    intake = ServiceProcess("intake", bus, database.url, tmp_path / "intake.log", **settings)
    intake.start()
    case = Scenario.new()
    try:
        await database.stop()
        await publish(js, case.request())
        await wait_for(
            lambda: logged(intake, '"outage_waiting"'), timeout=30, what="the event held"
        )
        assert intake.process is not None
        started = time.monotonic()
        intake.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(intake.process.wait, 30)
        assert time.monotonic() - started < 15, "SIGTERM must stop it within its stop timeout"
        assert code in (0, 70), intake.tail()

        # The held event was let go, not lost and not dead-lettered: a new process applies it.
        database = await start_ferretdb(tmp_path / "ferretdb", tmp_path / "ferretdb.log", port)
        intake.start()
        asked = await wait_for(
            lambda: events_of(js, case.tenant, "consent.requested"), timeout=40, what="applied"
        )
    finally:
        intake.stop()
        await database.stop()
    assert len(asked) == 1
    assert await dead_letters(js, case.tenant) == []
