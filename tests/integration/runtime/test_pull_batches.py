"""A service's consumer takes a backlog in batches and, idle, waits for one event
(``delivery.take_in_batches``): seen from the bus, in the pull requests intake sends."""

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from mediation_contracts.streams import EVENTS_STREAM, events_consumer
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from tests.data.scenario import Scenario
from tests.integration.bus import events_of, publish, wait_for
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

BACKLOG = 200


async def test_a_backlog_is_fetched_in_batches_and_an_idle_consumer_waits_for_one(
    bus: LiveBus, mongodb_url: str, js: JetStreamContext, tmp_path: Path
) -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    cases = [Scenario(tenant=tenant) for _ in range(BACKLOG)]
    for case in cases:  # the backlog is there before intake starts
        await publish(js, case.request())

    watcher = await bus.connect()
    requests: list[dict[str, Any]] = []

    async def note(message: Msg) -> None:
        requests.append(json.loads(message.data or b"{}"))

    subject = f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{events_consumer('intake')}"
    await watcher.subscribe(subject, cb=note)
    await watcher.flush()
    intake = ServiceProcess("intake", bus, mongodb_url, tmp_path / "intake.log")
    intake.start()
    try:

        async def all_asked() -> bool:
            return len(await events_of(js, tenant, "consent.requested")) >= BACKLOG

        await wait_for(all_asked, timeout=180, what=f"{BACKLOG} ConsentRequested")
        drained = len(requests)
        # One request per event would be BACKLOG of them; batches of up to 64 take a few.
        assert drained <= BACKLOG // 4, requests
        assert max(r.get("batch", 1) for r in requests) > 1

        # Drained and idle: the consumer waits for one event at a time, for seconds, so a
        # lone event is taken at once rather than held until a batch fills.
        async def waiting_for_one() -> dict[str, Any] | None:
            await asyncio.sleep(0)
            last = requests[-1] if requests else {}
            idle = last.get("batch") == 1 and not last.get("no_wait")
            return last if idle and last.get("expires", 0) >= 1_000_000_000 else None

        await wait_for(waiting_for_one, timeout=30, what="an idle fetch of one")
    finally:
        intake.stop()
        await watcher.close()
