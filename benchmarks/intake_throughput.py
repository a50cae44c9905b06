"""``make bench``: intake's end-to-end throughput as a ratio to a bare baseline, same run.

Both sides get the same events on fresh, equal servers (nats-server + FerretDB, or
``$MONGODB_URL``):

- baseline: a minimal JetStream pull consumer doing the least any outbox handler must do per
  event (one read and one write in the database, one publish, one ack);
- intake: the real service process, measured from the first publish until every case's
  ``CaseReadyForScheduling`` is on the stream.

Seconds vary between machines; the ratio is what to compare over time. Result:
``var/bench/intake_throughput.json`` (or ``--out``).
"""

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mediation_contracts.streams import EVENTS_STREAM
from mediation_devstack.paths import state_dir
from mediation_devstack.servers import Server, start_ferretdb, start_nats
from mediation_runtime.bus_access import BusAccess
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.settings import ServiceSettings
from mediation_runtime.streams import ensure_streams
from nats.js.api import ConsumerConfig

from tests.integration.scenario import Scenario
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

# ServiceProcess shortens retries and polling for tests; measure the shipped defaults instead.
PRODUCTION_DEFAULTS = {
    "INTAKE_RETRY_DELAYS": json.dumps(ServiceSettings.model_fields["retry_delays"].default),
    "INTAKE_ACK_WAIT_SECONDS": "30",
    "INTAKE_OUTBOX_POLL_SECONDS": "10",
}


def workload(cases: int) -> tuple[str, list[tuple[str, bytes]]]:
    """``cases`` cases of one tenant, four events each: request, assess, assign, consent."""
    tenant = Scenario.new().tenant
    messages: list[tuple[str, bytes]] = []
    for _ in range(cases):
        case = Scenario(tenant=tenant)
        for event in (
            case.request(requester_consents=True),
            case.assess("accepted"),
            case.assign(),
            case.consent(case.administration),
        ):
            messages.append((event.nats_subject(), event.to_json()))
    return tenant, messages


async def publish_all(bus: LiveBus, messages: list[tuple[str, bytes]]) -> None:
    connection = await bus.connect()
    js = connection.jetstream()
    await asyncio.gather(*(js.publish(subject, body) for subject, body in messages))
    await connection.close()


async def baseline(bus: LiveBus, mongodb_url: str, tenant: str, messages: list[Any]) -> float:
    connection = await bus.connect()
    js = connection.jetstream()
    client = create_mongo_client(mongodb_url)
    collection = client["bench_baseline"]["docs"]
    subscription = await js.pull_subscribe(
        f"mediation.v1.{tenant}.>",
        durable="bench-baseline",
        stream=EVENTS_STREAM,
        config=ConsumerConfig(max_ack_pending=1000),
    )
    started = time.perf_counter()
    await publish_all(bus, messages)
    done = 0
    while done < len(messages):
        batch = await subscription.fetch(16, timeout=10)
        for msg in batch:
            document = json.loads(msg.data)
            await collection.find_one({"_id": document["subject"]})
            await collection.update_one(
                {"_id": document["subject"]}, {"$push": {"applied": document["id"]}}, upsert=True
            )
            await js.publish(f"mediation.v1.{tenant}.bench.relayed", msg.data)
            await msg.ack()
            done += 1
    elapsed = time.perf_counter() - started
    await client.close()
    await connection.close()
    return elapsed


async def through_intake(
    bus: LiveBus, mongodb_url: str, tenant: str, messages: list[Any], cases: int, log: Path
) -> float:
    """Until every case's CaseReadyForScheduling is on the stream: the whole path, outbox
    included. Watched on JetStream (a cheap count), not by querying the database, which
    would compete with intake for it."""
    intake = ServiceProcess("intake", bus, mongodb_url, log, **PRODUCTION_DEFAULTS)
    intake.start()
    connection = await bus.connect()
    js = connection.jetstream()
    ready = f"mediation.v1.{tenant}.case.ready_for_scheduling"
    try:
        started = time.perf_counter()
        await publish_all(bus, messages)
        while True:
            info = await js.stream_info(EVENTS_STREAM, subjects_filter=ready)
            if sum((info.state.subjects or {}).values()) >= cases:
                return time.perf_counter() - started
            if time.perf_counter() - started > 600:
                raise TimeoutError("intake did not finish the workload within 10 minutes")
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
        intake.stop()


async def fresh_servers(base: Path) -> tuple[Server, LiveBus, str, Server | None]:
    """NATS as in production (TLS, the contract's permissions) and a database."""
    access = BusAccess(base / "bus")
    nats_server = await start_nats(base / "nats", base / "nats.log", access)
    bus = LiveBus(nats_server.url, access)
    await ensure_streams(bus.credentials())
    if url := os.environ.get("MONGODB_URL"):
        return nats_server, bus, url, None
    database = await start_ferretdb(base / "ferretdb", base / "ferretdb.log")
    return nats_server, bus, database.url, database


async def measure(cases: int) -> dict[str, Any]:
    events = cases * 4
    with tempfile.TemporaryDirectory(prefix="mediation-bench-") as scratch:
        base = Path(scratch)
        servers: list[Server | None] = []
        try:
            nats_server, bus, mongodb_url, database = await fresh_servers(base / "baseline")
            servers += [nats_server, database]
            tenant, messages = workload(cases)
            baseline_seconds = await baseline(bus, mongodb_url, tenant, messages)

            nats_server, bus, mongodb_url, database = await fresh_servers(base / "intake")
            servers += [nats_server, database]
            tenant, messages = workload(cases)
            intake_seconds = await through_intake(
                bus, mongodb_url, tenant, messages, cases, base / "intake.log"
            )
        finally:
            for server in servers:
                if server is not None:
                    await server.stop()
    baseline_rate = events / baseline_seconds
    intake_rate = events / intake_seconds
    return {
        "benchmark": "intake_throughput",
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "cases": cases,
        "events": events,
        "baseline": {
            "seconds": round(baseline_seconds, 3),
            "events_per_second": round(baseline_rate, 1),
        },
        "intake": {"seconds": round(intake_seconds, 3), "events_per_second": round(intake_rate, 1)},
        "ratio_intake_to_baseline": round(intake_rate / baseline_rate, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=250)
    parser.add_argument(
        "--out", type=Path, default=state_dir() / "bench" / "intake_throughput.json"
    )
    args = parser.parse_args()
    result = asyncio.run(measure(args.cases))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
