"""A service's consumer keeps a pull request standing at the server (``delivery.take_in_batches``,
``pulling.StandingPull``): a backlog comes in batches, and an idle consumer's standing request
carries a lone event at once. Seen from the bus, in the pull requests intake sends."""

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


async def test_a_backlog_comes_in_batches_and_an_idle_consumers_request_stands(
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

        # Drained and idle: requests stand at the server, each for seconds, and are asked
        # again as they expire; a lone event published meanwhile is taken at once.
        asked = len(requests)

        async def asked_again() -> dict[str, Any] | None:
            await asyncio.sleep(0)
            return requests[-1] if len(requests) > asked else None

        standing = await wait_for(asked_again, timeout=30, what="a request asked again")
        assert not standing.get("no_wait")
        assert standing.get("expires", 0) >= 1_000_000_000
        info = await js.consumer_info(EVENTS_STREAM, events_consumer("intake"))
        assert info.num_waiting >= 1, "a request stands at the server"

        lone = Scenario(tenant=tenant)
        await publish(js, lone.request())

        async def answered() -> bool:
            consents = await events_of(js, tenant, "consent.requested")
            return any(e["subject"] == str(lone.case_id) for e in consents)

        await wait_for(answered, timeout=30, what="the lone case's ConsentRequested")
    finally:
        intake.stop()
        await watcher.close()
