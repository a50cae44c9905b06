"""``make bench``: the whole system's throughput, latency, memory and case list, each beside a
same-work baseline measured in the same run.

What it measures, each on fresh servers (nats-server with TLS and the contract's permissions,
FerretDB with SQLite, ``--database postgresql`` for its PostgreSQL backend, or
``$MONGODB_URL``), with the real service processes at their shipped
defaults (``python -m <service>``, JSON logs at INFO, notifications mailing a local SMTP sink):

1. **Backlog throughput, per service:** the events that service consumes for enough cases
   that there are at least ``--events`` (the fault suite's case: request, assessment, proven
   assignment, both consents; for a service measured alone, what intake would have answered
   is in the backlog too) are published while nothing runs; then the service starts, and the
   clock runs from its readiness until every one of its consumers has acknowledged
   everything and its answers for every case are on the stream. Events it handled before it
   said it was ready are taken off the count. The same for its baseline
   (:mod:`benchmarks.baseline`: a plain nats-py + PyMongo program doing the same database
   operations and publishes per event). **Whole flow:** the external events only, all four
   services (or all four baselines) started together, until every case's
   ``NotificationSent`` and ``NotificationFailed``. ``--rounds`` (3) drains per side,
   service and baseline alternating which goes first; the ratio reported is the median
   round's, beside that round's two drains (every round is in the JSON): one drain's speed
   follows the database's from run to run by more than the margins being judged.
2. **Latency at a fixed offered rate** (``--rate`` cases/s for ``--seconds``): each case's
   request, then its assessment, assignment and consents, into the running system, one
   event every ``1 / (5 * rate)`` s (:func:`schedule`). Per hop, from the stream
   timestamp of an event to that of the event it caused (``causationid``), or, for
   scheduling and notes, which answer nothing here, to the commit of the change record
   that applied it (its ``at``); whole flow: ``CaseRequested`` to the citizen's
   ``NotificationSent``. The same with the baselines, ``--rounds`` times per side
   (alternating which goes first, fresh servers each); per hop the median round's figures.
3. **Peak RSS** of every process (``VmHWM`` in ``/proc/<pid>/status``), the largest over
   the phases it ran in.
4. **``list_cases`` with ``--list-cases`` cases in one tenant:** case heads inserted in
   intake's collection in the shape intake stores them (built with intake's own
   ``CaseRepository.document``), intake started, and a mediator's list asked over NATS as
   the mediator client asks it; beside it the same query straight to the database.

Result: one JSON (``var/bench/system.json`` or ``--out``) with the inputs (cases, rate,
versions, commit), every figure, the targets and whether each is met; a table on stdout.
Seconds differ between machines: compare ratios, and runs on the same machine.
"""

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from intake.adapters.case_repository import LIST_PROJECTION, PAGE_ORDER, CaseRepository
from intake.domain.case import OPEN, Case, Status
from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import ListCases, command_subject
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import EVENTS_STREAM
from mediation_devstack.paths import state_dir
from mediation_devstack.servers import Server, start_ferretdb, start_nats
from mediation_devstack.tools import nats_server_path, require_ferretdb
from mediation_runtime.bus_access import BusAccess
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.settings import ServiceSettings
from mediation_runtime.streams import ensure_streams
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import DeliverPolicy
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from benchmarks import baseline, workload
from tests.integration.notifications.conftest import live_channels
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

SERVICES = ("intake", "scheduling", "notes", "notifications")
ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "throughput_ratio": 0.70,
    "flow_p99_ms": 250.0,
    "hop_p99_ms": 50.0,
    "rss_mb": 150.0,
    "list_cases_p95_ms": 150.0,
}
CAUSES = {
    "database": "the database's: the same work without our code misses it too",
    "service": "ours: the same work without our code meets it",
}
"""What a target not met is put down to (:func:`judged`), as the table says it."""
DRAIN_TIMEOUT = 900.0
"""Longest a drain is timed (``--drain-timeout``); one that does not finish reports the rate
of what it handled meanwhile, marked ``completed: false``."""
SETTLE_TIMEOUT = 60.0
RATE = 1.0
"""Offered cases per second for latency: well below what the whole flow drains on this
machine (12–17 cases/s on FerretDB with SQLite), so the hops measure the work, not a queue;
still far above a municipality's load (hundreds of mediations a year). At 5 cases/s every
hop's p99 was 1.3–1.8 times as long, the baselines' as well: two cores shared by four
services, FerretDB and NATS."""


def production_defaults(service: str) -> dict[str, str]:
    """ServiceProcess shortens retries and polling for tests; measure the shipped defaults."""
    prefix = service.upper()
    fields = ServiceSettings.model_fields
    return {
        f"{prefix}_RETRY_DELAYS": json.dumps(fields["retry_delays"].default),
        f"{prefix}_ACK_WAIT_SECONDS": str(fields["ack_wait_seconds"].default),
        f"{prefix}_OUTBOX_POLL_SECONDS": str(fields["outbox_poll_seconds"].default),
    }


class BaselineProcess(ServiceProcess):
    """``python -m benchmarks.baseline <service>``, as the service's principal."""

    ready_marker = baseline.READY_MARKER.encode()

    def start(self, timeout: float = 30.0) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.baseline", self.service],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"baseline {self.service} exited: {self.tail()}")
            if self.ready_marker in self.log_path.read_bytes()[offset:]:
                return
            time.sleep(0.05)
        raise TimeoutError(f"baseline {self.service} did not start within {timeout}s")


def keep_peak(rss: dict[str, float], key: str, pid: int) -> None:
    """``rss[key]``: the largest peak RSS of the processes measured under ``key``."""
    if (mb := peak_rss_mb(pid)) is not None:
        rss[key] = max(rss.get(key, 0.0), mb)


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM: the process's resident set at its highest so far."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def cpu_seconds(process: ServiceProcess) -> float:
    """User + system CPU the process has used so far (``/proc/<pid>/stat``)."""
    if process.process is None or process.process.poll() is not None:
        return 0.0
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{process.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        # after "pid (comm)": state is field 3, utime 14 and stime 15 (1-based)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentiles(values: Iterable[float]) -> dict[str, float | int | None]:
    ordered = sorted(values)
    if not ordered:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}

    def at(q: float) -> float:
        # nearest rank: the smallest value with at least q of the values at or below it
        return round(ordered[max(0, math.ceil(len(ordered) * q) - 1)], 1)

    return {
        "count": len(ordered),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
    }


# --- servers and processes --------------------------------------------------------------------


POSTGRES_PACKAGE = "postgresql"


def postgres_binary(name: str) -> Path:
    """``initdb``/``pg_ctl``/``createdb`` of the newest PostgreSQL Debian installed (or on
    ``PATH``)."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return candidate
    found = shutil.which(name)
    if found is None:
        raise SystemExit(
            f"make bench: PostgreSQL's {name} not found (FerretDB's PostgreSQL backend needs "
            f"it). Install it (Debian: apt-get install {POSTGRES_PACKAGE}) or run with "
            "BENCH_ARGS='--database sqlite'."
        )
    return Path(found)


class Postgres:
    """One PostgreSQL cluster for the run, on loopback, at its defaults (``fsync`` and
    ``synchronous_commit`` on); each phase's FerretDB gets a database of its own. As root
    (PostgreSQL refuses to run as root) the cluster runs as the ``postgres`` user."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self._count = 0

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> None:
        self.directory.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
            # the user postgres must reach its directory through the private scratch one
            self.directory.parent.chmod(0o711)
        data = self.directory / "data"
        self._run(str(postgres_binary("initdb")), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            *(str(postgres_binary("pg_ctl")), "-D", str(data), "-o", options),
            *("-l", str(self.directory / "postgres.log"), "-w", "start"),
        )

    def database(self) -> str:
        """A fresh database; its URL for FerretDB."""
        self._count += 1
        name = f"phase{self._count:02d}"
        self._run(
            str(postgres_binary("createdb")),
            *("-h", str(self.directory), "-p", str(self.port), "-U", "postgres", name),
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(
                str(postgres_binary("pg_ctl")),
                *("-D", str(self.directory / "data"), "-m", "fast", "-w", "stop"),
            )

    def version(self) -> str:
        out = subprocess.run(
            [str(postgres_binary("pg_ctl")), "--version"], capture_output=True, text=True
        )
        return out.stdout.strip().removeprefix("pg_ctl (PostgreSQL) ")


@dataclass
class Servers:
    nats: Server
    database: Server | None
    bus: LiveBus
    mongodb_url: str
    rss: dict[str, float]
    """Where the servers' peak RSS goes when they stop (the bench's, under ``server:<name>``)."""

    async def stop(self) -> None:
        for server in (self.database, self.nats):
            if server is not None:
                keep_peak(self.rss, f"server:{server.name}", server.process.pid)
                await server.stop()


class Bench:
    def __init__(
        self,
        base: Path,
        smtp_port: int,
        secrets: workload.Secrets,
        event_workers: int | None,
        postgres: Postgres | None,
    ) -> None:
        self.event_workers = event_workers
        self.postgres = postgres
        self.base = base
        self.smtp_port = smtp_port
        self.secrets = secrets
        self.rss: dict[str, float] = {}
        self.drain_timeout = DRAIN_TIMEOUT
        self._count = 0

    async def servers(self, name: str) -> Servers:
        """Fresh NATS and database for one phase (``$MONGODB_URL``: its mediation databases
        dropped instead)."""
        self._count += 1
        base = self.base / f"{self._count:02d}-{name}"
        access = BusAccess(self.base / "bus")
        nats_server = await start_nats(base / "nats", base / "nats.log", access)
        bus = LiveBus(nats_server.url, access)
        await ensure_streams(bus.credentials())
        if url := os.environ.get("MONGODB_URL"):
            client = create_mongo_client(url)
            try:
                for database in await client.list_database_names():
                    if database.startswith("mediation_"):
                        await client.drop_database(database)
            finally:
                await client.close()
            return Servers(nats_server, None, bus, url, self.rss)
        ferretdb = await start_ferretdb(
            base / "ferretdb",
            base / "ferretdb.log",
            postgresql_url=self.postgres.database() if self.postgres else None,
        )
        return Servers(nats_server, ferretdb, bus, ferretdb.url, self.rss)

    def process(self, service: str, servers: Servers, kind: str) -> ServiceProcess:
        env = {"LOG_FORMAT": "json", **production_defaults(service)}
        if self.event_workers is not None:
            env[f"{service.upper()}_EVENT_WORKERS"] = str(self.event_workers)
            env["BENCH_EVENT_WORKERS"] = str(self.event_workers)
        if service == "notes":
            env |= self.secrets.notes_env()
        if service == "notifications":
            channels = live_channels(self.smtp_port)
            env |= {f"NOTIFICATIONS_{key.upper()}": value for key, value in channels.items()}
            env["BENCH_SMTP_PORT"] = str(self.smtp_port)
        log = self.base / f"{self._count:02d}-{kind}-{service}.log"
        cls = BaselineProcess if kind == "baseline" else ServiceProcess
        return cls(service, servers.bus, servers.mongodb_url, log, **env)

    def note_rss(self, kind: str, processes: dict[str, ServiceProcess]) -> None:
        for service, process in processes.items():
            popen = process.process
            if popen is not None and popen.poll() is None:  # exited: its figure is gone
                keep_peak(self.rss, f"{kind}:{service}", popen.pid)


async def start_all(processes: dict[str, ServiceProcess]) -> None:
    """Start them together (each waits for its readiness line in a thread)."""
    await asyncio.gather(*(asyncio.to_thread(p.start, 60.0) for p in processes.values()))


def stop_all(processes: dict[str, ServiceProcess]) -> None:
    for process in processes.values():
        process.stop()


async def publish(connection: Client, events: list[CloudEvent], chunk: int = 500) -> None:
    js = connection.jetstream()
    for start in range(0, len(events), chunk):
        await asyncio.gather(
            *(
                js.publish(e.nats_subject(), e.to_json(), headers={"Nats-Msg-Id": str(e.id)})
                for e in events[start : start + chunk]
            )
        )


async def remaining(connection: Client, services: Iterable[str]) -> int:
    """Messages the services' consumers have not acknowledged yet (pending or in flight)."""
    js = connection.jetstream()
    prefixes = tuple(f"{s}-" for s in services)
    total = 0
    for info in await js.consumers_info(EVENTS_STREAM):
        if info.name.startswith(prefixes):
            total += (info.num_pending or 0) + (info.num_ack_pending or 0)
    return total


async def redelivered(connection: Client, services: Iterable[str]) -> int:
    js = connection.jetstream()
    prefixes = tuple(f"{s}-" for s in services)
    return sum(
        info.num_redelivered or 0
        for info in await js.consumers_info(EVENTS_STREAM)
        if info.name.startswith(prefixes)
    )


async def on_stream(connection: Client, tenant: str) -> Counter[str]:
    """Events on the stream per kind (``consent.requested``), for one tenant."""
    info = await connection.jetstream().stream_info(
        EVENTS_STREAM, subjects_filter=f"mediation.v1.{tenant}.>"
    )
    counts: Counter[str] = Counter()
    for subject, count in (info.state.subjects or {}).items():
        counts[".".join(subject.split(".")[3:5])] += count
    return counts


async def wait_done(
    connection: Client,
    services: Iterable[str],
    tenant: str,
    expected: dict[str, int],
    timeout: float,
) -> bool:
    services = list(services)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await on_stream(connection, tenant)
        if all(counts[k] >= n for k, n in expected.items()) and not await remaining(
            connection, services
        ):
            return True
        await asyncio.sleep(0.2)
    return False


# --- 1. backlog throughput ----------------------------------------------------------------------


async def drain(
    bench: Bench, made: list[workload.Case], service: str | None, kind: str
) -> dict[str, Any]:
    """One drain: ``service`` alone (None: the whole flow), as the service or its baseline."""
    services = SERVICES if service is None else (service,)
    tenant = made[0].scenario.tenant
    events = workload.backlog(made, service)
    outputs = workload.FLOW_OUTPUTS if service is None else workload.OUTPUTS[service]
    expected = {k: n * len(made) for k, n in outputs.items()}
    servers = await bench.servers(f"{kind}-{service or 'flow'}")
    processes = {s: bench.process(s, servers, kind) for s in services}
    connection = await servers.bus.connect()
    try:
        await publish(connection, events)
        await start_all(processes)
        started = time.perf_counter()
        cpu_at_start = sum(cpu_seconds(p) for p in processes.values())
        # What the processes took before they said they were ready is not timed: off the count.
        at_start = await remaining(connection, services)
        before = len(events) - at_start if service else 0
        done = await wait_done(connection, services, tenant, expected, bench.drain_timeout)
        seconds = time.perf_counter() - started
        cpu = sum(cpu_seconds(p) for p in processes.values()) - cpu_at_start
        left = await remaining(connection, services)
        bench.note_rss(kind, processes)
        retried = await redelivered(connection, services)
    finally:
        stop_all(processes)
        await connection.close()
        await servers.stop()
    # Not finished in time: the rate of what its consumers acknowledged meanwhile.
    handled = len(events) - before if done else at_start - left
    return {
        "cases": len(made),
        "events": len(events),
        "handled_before_ready": before,
        "handled_in_time": handled,
        "seconds": round(seconds, 2),
        "events_per_second": round(handled / seconds, 1),
        # CPU the processes spent per event: the database's speed does not enter it
        "cpu_ms_per_event": round(cpu * 1000 / handled, 2) if handled else None,
        "cases_per_second": round(len(made) / seconds, 1) if done and service is None else None,
        "redeliveries": retried,
        "completed": done,
    }


# --- 2. latency at a fixed rate -----------------------------------------------------------------


FOLLOW_UP_SECONDS = 1.0


def schedule(made: list[workload.Case], rate: float) -> list[tuple[float, int, CloudEvent]]:
    """When each external event is published, in seconds from the start: case ``i``'s
    request at ``i / rate``, its ``j``-th event ``j * (FOLLOW_UP_SECONDS + 1 / (n * rate))``
    after it (``n`` events a case). A fixed rate between any two events: with the follow-ups
    a whole second apart, one event of each of ``n`` cases fell in the same few
    milliseconds every second, a burst that measured the database's queue, not a hop
    (README, Benchmark)."""
    return sorted(
        (
            (i / rate + j * (FOLLOW_UP_SECONDS + 1 / (len(case.external) * rate)), j, event)
            for i, case in enumerate(made)
            for j, event in enumerate(case.external)
        ),
        key=lambda item: (item[0], item[1]),
    )


HOPS = {
    # (cause kind, effect kind) -> name
    ("case.requested", "consent.requested"): "intake: CaseRequested → ConsentRequested",
    ("consent.given", "case.ready_for_scheduling"): "intake: ConsentGiven → CaseReadyForScheduling",
    (
        "consent.requested",
        "notification.sent",
    ): "notifications: ConsentRequested → NotificationSent",
    (
        "consent.requested",
        "notification.failed",
    ): "notifications: ConsentRequested → NotificationFailed",
}
FLOW = "whole flow: CaseRequested → NotificationSent"
COMMITTED = {
    "scheduling": ("mediation_scheduling", "case_views", "scheduling: event → view committed"),
    "notes": ("mediation_notes", "cases", "notes: event → case committed"),
}


async def offered(
    bench: Bench, made: list[workload.Case], rate: float, kind: str
) -> dict[str, Any]:
    tenant = made[0].scenario.tenant
    servers = await bench.servers(f"{kind}-latency")
    processes = {s: bench.process(s, servers, kind) for s in SERVICES}
    connection = await servers.bus.connect()
    try:
        await start_all(processes)
        js = connection.jetstream()
        late: list[float] = []
        t0 = time.perf_counter()
        for due, _, event in schedule(made, rate):
            wait = due - (time.perf_counter() - t0)
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                late.append(-wait)
            await js.publish(
                event.nats_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )
        publishing = time.perf_counter() - t0
        expected = {k: n * len(made) for k, n in workload.FLOW_OUTPUTS.items()}
        settled = await wait_done(connection, SERVICES, tenant, expected, SETTLE_TIMEOUT)
        bench.note_rss(kind, processes)
        stored = await read_events(connection, tenant)
        committed = await commit_times(servers.mongodb_url, tenant)
    finally:
        stop_all(processes)
        await connection.close()
        await servers.stop()
    hops = hop_latencies(stored, committed)
    return {
        "cases": len(made),
        "published_seconds": round(publishing, 2),
        "publisher_late_p99_ms": percentiles(x * 1000 for x in late)["p99"] if late else 0.0,
        "settled": settled,
        "hops": {name: percentiles(values) for name, values in hops.items()},
    }


def median_of_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's latency over its rounds: per hop, the median round's p50, p95 and p99
    (each taken on its own; an even count takes the longer of the middle two), every
    round's own beside them. A p99 of one round's 100 hops is its second slowest: it moved
    by tens of milliseconds between runs on this machine, and one round on a slow moment
    (a baseline's p99 115 ms against 46 in its other two) would also decide the p99 of
    every round's hops taken together."""
    hops: dict[str, dict[str, Any]] = {}
    for name in rounds[0]["hops"] if rounds else ():
        figures = [r["hops"][name] for r in rounds if name in r["hops"]]
        hop: dict[str, Any] = {"count": sum(f["count"] for f in figures)}
        for key in ("p50", "p95", "p99"):
            values = sorted(f[key] for f in figures if f[key] is not None)
            hop[key] = values[len(values) // 2] if values else None
        hop["max"] = max((f["max"] for f in figures if f["max"] is not None), default=None)
        hops[name] = hop
    return {
        "cases": sum(r["cases"] for r in rounds),
        "settled": all(r["settled"] for r in rounds),
        "hops": hops,
        "rounds": rounds,
    }


@dataclass
class Stored:
    kind: str
    time: datetime
    causation: str | None


async def read_events(connection: Client, tenant: str) -> dict[str, Stored]:
    """Every event of the tenant with its stream timestamp, by id."""
    js = connection.jetstream()
    subject = f"mediation.v1.{tenant}.>"
    info = await js.stream_info(EVENTS_STREAM, subjects_filter=subject)
    count = sum((info.state.subjects or {}).values())
    subscription = await js.subscribe(
        subject, stream=EVENTS_STREAM, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    found: dict[str, Stored] = {}
    try:
        for _ in range(count):
            message = await subscription.next_msg(timeout=10)
            document = json.loads(message.data)
            found[document["id"]] = Stored(
                ".".join(message.subject.split(".")[3:5]),
                message.metadata.timestamp,
                document.get("causationid"),
            )
    finally:
        await subscription.unsubscribe()
    return found


async def commit_times(mongodb_url: str, tenant: str) -> dict[str, dict[str, datetime]]:
    """Per service without answers: event id -> when the change record applying it was
    committed (its ``at``)."""
    client = create_mongo_client(mongodb_url)
    result: dict[str, dict[str, datetime]] = {}
    try:
        for service, (database, collection, _) in COMMITTED.items():
            records = [
                r
                async for r in client[database][f"{collection}_changes"].find(
                    {"key": {"$regex": f"^{tenant}:"}}
                )
            ]
            records.sort(key=lambda r: (r["key"], r["version"]))
            applied: dict[str, set[str]] = defaultdict(set)
            times: dict[str, datetime] = {}
            for record in records:
                now = set(record["document"].get("applied", []))
                for event_id in now - applied[record["key"]]:
                    times[event_id] = record["at"]
                applied[record["key"]] = now
            result[service] = times
    finally:
        await client.close()
    return result


def hop_latencies(
    stored: dict[str, Stored], committed: dict[str, dict[str, datetime]]
) -> dict[str, list[float]]:
    def ms(later: datetime, earlier: datetime) -> float:
        return (later - earlier) / timedelta(milliseconds=1)

    hops: dict[str, list[float]] = {name: [] for name in [*HOPS.values(), FLOW]}
    for event in stored.values():
        cause = stored.get(event.causation or "")
        if cause is None:
            continue
        name = HOPS.get((cause.kind, event.kind))
        if name is not None:
            hops[name].append(ms(event.time, cause.time))
        if event.kind == "notification.sent" and cause.kind == "consent.requested":
            request = stored.get(cause.causation or "")
            if request is not None and request.kind == "case.requested":
                hops[FLOW].append(ms(event.time, request.time))
    external = {
        "scheduling": set(workload.INPUTS["scheduling"]),
        "notes": set(workload.INPUTS["notes"]),
    }
    for service, times in committed.items():
        name = COMMITTED[service][2]
        hops[name] = [
            ms(at, stored[event_id].time)
            for event_id, at in times.items()
            if event_id in stored and stored[event_id].kind in external[service]
        ]
    return hops


# --- 4. list_cases at scale ---------------------------------------------------------------------


VIEWER = "mediator-7"


def case_heads(tenant: str, count: int, mediators: int) -> Iterable[dict[str, Any]]:
    """Heads as intake stores them (``CaseRepository.document``): a real case opened from a
    request, varied per copy. Most cases closed, each mediator's share assigned to them,
    0.2 % open and not taken yet."""
    from tests.data.scenario import Scenario

    scenario = Scenario(tenant=tenant)
    template_case, _ = Case.open(scenario.request(requester_consents=False), "/bench")
    applied = [str(uuid4()) for _ in range(6)]
    template = CaseRepository.document(template_case, applied, datetime.now(UTC))
    open_statuses = sorted(s.value for s in OPEN)
    # Requested over the last 60 days: within intake's retention (INTAKE_RETENTION, 90 days),
    # so that its retention, which runs at start, has nothing to erase while the list is
    # timed. (A real tenant's older cases were erased as their time came, not all at once.)
    start, step = datetime.now(UTC) - timedelta(days=60), timedelta(days=60) / count
    for i in range(count):
        case_id = str(uuid4())
        unassigned = i % 500 == 0
        if unassigned:
            status = Status.REQUESTED.value
        elif i % 50 < 47:
            status = "closed"
        else:
            status = open_statuses[i % len(open_statuses)]
        requested_at = start + step * i
        yield {
            **template,
            "_id": f"{tenant}:{case_id}",
            "version": 7,
            "case_id": case_id,
            "status": status,
            "mediator_id": None if unassigned else f"mediator-{i % mediators}",
            "outcome": "agreement" if status == "closed" else None,
            "closed_because": "outcome_recorded" if status == "closed" else None,
            "requested_at": requested_at.isoformat(),
            "created_at": requested_at,
            "updated_at": requested_at,
        }


async def list_cases(
    bench: Bench, count: int, mediators: int, requests: int, budget: float
) -> dict[str, Any]:
    tenant = f"l-{uuid4().hex[:8]}"
    servers = await bench.servers("list-cases")
    client = create_mongo_client(servers.mongodb_url)
    processes: dict[str, ServiceProcess] = {}
    connection: Client | None = None
    try:
        heads = client["mediation_intake"]["cases"]
        started = time.perf_counter()
        batch: list[dict[str, Any]] = []
        for head in case_heads(tenant, count, mediators):
            batch.append(head)
            if len(batch) == 1000:
                await heads.insert_many(batch, ordered=False)
                batch = []
        if batch:
            await heads.insert_many(batch, ordered=False)
        inserted = time.perf_counter() - started
        processes = {"intake": bench.process("intake", servers, "service")}
        await start_all(processes)
        connection = await servers.bus.connect(MEDIATOR_CLIENT)
        subject = command_subject(tenant, "intake", "list_cases")
        body = ListCases(viewer_id=VIEWER).model_dump_json().encode()
        service_ms: list[float] = []
        size = visible = 0
        deadline = time.perf_counter() + budget
        timed_out = None
        for i in range(requests + 2):
            t = time.perf_counter()
            try:
                reply = await connection.request(subject, body, timeout=budget)
            except NatsTimeoutError:
                # A page slower than the whole budget: that is the figure, not a crash.
                timed_out = budget
                print(f"  a request found no answer within {budget:g} s", flush=True)
                break
            elapsed = (time.perf_counter() - t) * 1000
            document = json.loads(reply.data)
            if not document.get("ok"):
                raise RuntimeError(f"list_cases refused: {document.get('error')}")
            size, visible = len(reply.data), len(document["cases"])
            if i >= 2:  # two to warm up
                service_ms.append(elapsed)
            if time.perf_counter() > deadline and len(service_ms) >= 3:
                break
        bench.note_rss("service", processes)
        # The same two queries straight to the database (intake's first page of
        # CaseRepository.visible_to): their share of the time.
        queries = (
            {"tenant": tenant, "mediator_id": VIEWER},
            {
                "tenant": tenant,
                "mediator_id": None,
                "status": {"$in": sorted(s.value for s in OPEN)},
            },
        )
        limit = ListCases(viewer_id=VIEWER).limit
        database_ms: list[float] = []
        deadline = time.perf_counter() + budget
        for _ in range(max(1, len(service_ms))):
            t = time.perf_counter()
            found = []
            for query in queries:
                cursor = heads.find(query, LIST_PROJECTION).sort(PAGE_ORDER).limit(limit + 1)
                found += await cursor.to_list()
            database_ms.append((time.perf_counter() - t) * 1000)
            if time.perf_counter() > deadline and len(database_ms) >= 3:
                break
        database_found = len(found)
        plans = [await query_plan(client, heads.name, query) for query in queries]
    finally:
        stop_all(processes)
        if connection is not None:
            await connection.close()
        await client.close()
        await servers.stop()
    return {
        "cases": count,
        "mediators": mediators,
        "insert_seconds": round(inserted, 1),
        "visible_to_viewer": visible,
        "database_matched": database_found,
        "reply_bytes": size,
        "service_ms": percentiles(service_ms),
        "service_timed_out_after_s": timed_out,
        "database_alone_ms": percentiles(database_ms),
        "query_plans": plans,
    }


async def query_plan(
    client: AsyncMongoClient[dict[str, Any]], collection: str, query: dict[str, Any]
) -> dict[str, Any]:
    """What the server says it does for one page query (``explain``): on MongoDB the winning
    plan's stages (an index scan or a collection scan); on FerretDB what it pushes down to
    its backend and the backend's plan nodes (a sequential scan, or an index)."""
    command = {
        "find": collection,
        "filter": query,
        "sort": dict(PAGE_ORDER),
        "limit": ListCases(viewer_id=VIEWER).limit + 1,
    }
    try:
        explained = await client["mediation_intake"].command("explain", command)
    except PyMongoError as error:
        return {"error": type(error).__name__}
    planner = explained.get("queryPlanner", {})
    text = json.dumps(planner, default=str)
    summary: dict[str, Any] = {
        key: explained[key]
        for key in ("filterPushdown", "sortPushdown", "limitPushdown")
        if key in explained
    }
    summary["stages"] = sorted({name for marker, name in PLAN_STAGES if marker in text})
    return summary


PLAN_STAGES = (
    ("COLLSCAN", "collection scan (MongoDB)"),
    ("IXSCAN", "index scan (MongoDB)"),
    ("Seq Scan", "sequential scan (PostgreSQL)"),
    ("Index Scan", "index scan (PostgreSQL)"),
    ("detail=SCAN", "table scan (SQLite)"),
    ("detail=SEARCH", "index search (SQLite)"),
)
"""How each server names reading everything or using an index, in ``explain``."""


# --- the run ------------------------------------------------------------------------------------


def versions(database: str) -> dict[str, str]:
    def run(*argv: str) -> str:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=20, cwd=ROOT)
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        return (out.stdout or out.stderr).strip()

    if os.environ.get("MONGODB_URL"):
        label = "MONGODB_URL"
    else:
        ferretdb = run(str(require_ferretdb()), "--version").splitlines()[0]
        label = f"FerretDB {ferretdb.removeprefix('version: ')} " + (
            f"(PostgreSQL {Postgres(ROOT).version()})"
            if database == "postgresql"
            else "(SQLite, synchronous=NORMAL)"
        )
    commit = run("git", "rev-parse", "HEAD")
    dirty = run("git", "status", "--porcelain", "--untracked-files=no")
    return {
        "python": platform.python_version(),
        "nats-server": run(str(nats_server_path()), "--version").removeprefix("nats-server: "),
        "database": label,
        "git_commit": commit + ("-dirty" if dirty else ""),
        **{
            package: importlib.metadata.version(package)
            for package in ("faststream", "nats-py", "pymongo", "pydantic")
        },
    }


def start_smtp_sink(port: int, log: Path) -> subprocess.Popen[bytes]:
    """A local SMTP server that accepts and drops every mail (aiosmtpd's Sink), in a process
    of its own so it takes no time from the measuring one."""
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "aiosmtpd", "-n", "-u"),
            *("-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"),
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return process
        time.sleep(0.1)
    process.kill()
    raise TimeoutError("the SMTP sink did not start")


async def measure(args: argparse.Namespace, base: Path) -> dict[str, Any]:
    smtp_port = free_port()
    smtp = start_smtp_sink(smtp_port, base / "smtp.log")
    secrets = workload.Secrets(base / "secrets")
    postgres = None
    if args.database == "postgresql" and not os.environ.get("MONGODB_URL"):
        postgres = Postgres(base / "postgres")
        postgres.start()
    bench = Bench(base, smtp_port, secrets, args.event_workers, postgres)
    bench.drain_timeout = args.drain_timeout
    result: dict[str, Any] = {}
    began = time.perf_counter()
    try:
        # Enough cases that every service's backlog holds at least --events events.
        one = workload.cases(1, secrets.prove)
        sizes = {
            service: math.ceil(args.events / len(workload.backlog(one, service)))
            for service in [*SERVICES, None]
        }
        made = workload.cases(max(sizes.values()), secrets.prove)
        throughput: dict[str, Any] = {}
        for service in [*SERVICES, None]:
            name = service or "flow"
            if name not in args.only:
                continue
            print(f"throughput: {name} ({sizes[service]} cases) ...", flush=True)
            backlog = made[: sizes[service]]
            rounds = []
            for number in range(args.rounds):
                # Alternated, so that a machine speeding up or slowing down over the rounds
                # favours neither side.
                kinds = ("baseline", "service") if number % 2 == 0 else ("service", "baseline")
                figures = {}
                for kind in kinds:
                    figures[kind] = figure = await drain(bench, backlog, service, kind)
                    # Printed at once: a run stopped early keeps what it measured.
                    print(
                        f"  round {number + 1}, {kind}: {figure['handled_in_time']} of "
                        f"{figure['events']} events in {figure['seconds']} s, "
                        f"{figure['events_per_second']} ev/s, "
                        f"{figure['cpu_ms_per_event']} CPU ms/ev"
                        f"{'' if figure['completed'] else ' (drain timed out)'}",
                        flush=True,
                    )
                rounds.append({**figures, "ratio": ratio_of(figures)})
            throughput[name] = {**median_round(rounds), "rounds": rounds}
        result["throughput"] = throughput

        latency_cases = max(1, round(args.rate * args.seconds))
        paced = workload.cases(latency_cases, secrets.prove)
        offers: dict[str, list[dict[str, Any]]] = {"baseline": [], "service": []}
        for number in range(args.rounds) if "latency" in args.only else ():
            # Alternated like the backlogs' rounds.
            for kind in ("baseline", "service") if number % 2 == 0 else ("service", "baseline"):
                print(f"latency: round {number + 1}, {kind} at {args.rate} cases/s ...", flush=True)
                offers[kind].append(figures := await offered(bench, paced, args.rate, kind))
                for hop, figure in figures["hops"].items():
                    print(
                        f"  {hop}: p50 {figure['p50']}, p95 {figure['p95']}, "
                        f"p99 {figure['p99']} ms",
                        flush=True,
                    )
        if offers["service"]:
            result["latency"] = {kind: median_of_rounds(rounds) for kind, rounds in offers.items()}
        if "list_cases" in args.only:
            print(f"list_cases: {args.list_cases} cases ...", flush=True)
            result["list_cases"] = await list_cases(
                bench, args.list_cases, args.mediators, args.list_requests, budget=120.0
            )
        result["rss_mb"] = dict(sorted(bench.rss.items()))
    finally:
        smtp.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            smtp.wait(timeout=5)
        if postgres is not None:
            postgres.stop()
    result["seconds"] = round(time.perf_counter() - began, 1)
    return result


PARTS = (*SERVICES, "flow", "latency", "list_cases")


def python_loop_ms(rounds: int = 5) -> float:
    """Milliseconds one core takes for a fixed pure-Python loop, the best of ``rounds``: the
    machine's speed that day. The same machine has been measured a factor of two apart on
    different days, which moves every figure in events a second and milliseconds (the
    baselines' too, so ratios less); compare those only between runs with a like figure."""
    best = math.inf
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def ratio_of(figures: dict[str, Any]) -> float | None:
    service = figures["service"]["events_per_second"]
    baseline_rate = figures["baseline"]["events_per_second"]
    return round(service / baseline_rate, 3) if service and baseline_rate else None


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round whose ratio is the median (the lower one of an even count): its two drains
    and its ratio, so that the figures shown side by side were measured side by side. A
    round without a ratio (a side handled nothing) counts as the lowest."""
    ranked = sorted(rounds, key=lambda r: -1.0 if r["ratio"] is None else r["ratio"])
    return ranked[(len(ranked) - 1) // 2]


def judged(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its figure and whether it is met. A latency or ``list_cases``
    target not met also says whose it is (``cause``), from the same run: ``database`` when
    the same work without our code misses it too (the latency baseline's own p99, the page
    queries straight to the database), so the database prevents it; ``service`` when that
    meets it and the service does not."""
    rows: list[dict[str, Any]] = []

    def row(
        figure: str, value: Any, target: str, met: bool | None, baseline: Any = None
    ) -> dict[str, Any]:
        rows.append({"figure": figure, "value": value, "target": target, "met": met})
        if baseline is not None:
            rows[-1]["baseline"] = baseline
        return rows[-1]

    for service in [s for s in SERVICES if s in result["throughput"]]:
        ratio = result["throughput"][service]["ratio"]
        row(
            f"{service} backlog throughput / baseline",
            ratio,
            f">= {TARGETS['throughput_ratio']}",
            None if ratio is None else ratio >= TARGETS["throughput_ratio"],
        )
    latency = result.get("latency", {})
    for name, figures in latency.get("service", {}).get("hops", {}).items():
        limit = TARGETS["flow_p99_ms"] if name == FLOW else TARGETS["hop_p99_ms"]
        p99 = figures["p99"]
        base = latency.get("baseline", {}).get("hops", {}).get(name, {}).get("p99")
        target = row(
            f"p99 {name}", p99, f"<= {limit:g} ms", None if p99 is None else p99 <= limit, base
        )
        if target["met"] is False and base is not None:
            target["cause"] = "database" if base > limit else "service"
    for key, mb in result["rss_mb"].items():
        kind, service = key.split(":")
        if kind == "service":
            row(f"{service} peak RSS MB", mb, f"<= {TARGETS['rss_mb']:g}", mb <= TARGETS["rss_mb"])
    if "list_cases" not in result:
        return rows
    listed = result["list_cases"]
    limit = TARGETS["list_cases_p95_ms"]
    p95 = listed["service_ms"]["p95"]
    if listed.get("service_timed_out_after_s"):
        p95 = f"> {listed['service_timed_out_after_s'] * 1000:g}"  # no answer within the budget
    alone = listed["database_alone_ms"]["p95"]
    target = row(
        f"list_cases p95 ms at {listed['cases']:,} cases",
        p95,
        f"< {limit:g}",
        False if isinstance(p95, str) else None if p95 is None else p95 < limit,
        alone,
    )
    if target["met"] is False and alone is not None:
        target["cause"] = "database" if alone >= limit else "service"
    return rows


def table(report: dict[str, Any]) -> str:
    lines = []
    inputs = report["inputs"]
    lines.append(
        f"make bench: backlogs of {inputs['backlog_events']:,}+ events, "
        f"{inputs['rate']} cases/s for {inputs['seconds']} s, "
        f"list_cases at {inputs['list_cases']:,} cases; "
        f"{inputs['versions']['database']}, {inputs['cpus']} CPUs, {report['seconds']} s; "
        f"Python loop {_speed(inputs)} ms (before/after: the machine's speed)"
    )
    lines.append("")
    lines.append(
        f"{'backlog throughput':<16}{'events':>8}{'service ev/s':>14}{'baseline ev/s':>15}"
        f"{'ratio':>7}{'CPU ms/ev':>11}{'baseline':>10}{'redelivered':>13}"
    )
    for name, figures in report["throughput"].items():
        s, b = figures["service"], figures["baseline"]
        lines.append(
            f"{name:<16}{s['events']:>8}{s['events_per_second'] or '-':>14}"
            f"{b['events_per_second'] or '-':>15}{figures['ratio'] or '-':>7}"
            f"{s['cpu_ms_per_event'] or '-':>11}{b['cpu_ms_per_event'] or '-':>10}"
            f"{s['redeliveries']:>13}{'' if s['completed'] and b['completed'] else '  (timed out)'}"
        )
    if any(len(figures.get("rounds", ())) > 1 for figures in report["throughput"].values()):
        lines.append(
            "ratio of each round (the median round's shown above): "
            + "; ".join(
                f"{name} " + "/".join(f"{r['ratio'] or '-'}" for r in figures["rounds"])
                for name, figures in report["throughput"].items()
            )
        )
    lines.append("")
    lines += _latency_lines(report) if "latency" in report else []
    rss = report["rss_mb"]
    lines.append(
        "peak RSS MB: "
        + ", ".join(
            f"{s} {rss.get('service:' + s, '-')} (baseline {rss.get('baseline:' + s, '-')})"
            for s in SERVICES
        )
        + "; servers: "
        + ", ".join(
            f"{key.split(':', 1)[1]} {mb}" for key, mb in rss.items() if key.startswith("server:")
        )
    )
    lines += _list_cases_lines(report) if "list_cases" in report else []
    return _targets_lines(report, lines)


def _speed(inputs: dict[str, Any]) -> str:
    speed = inputs.get("python_loop_ms") or {}
    return f"{speed.get('before', '-')}/{speed.get('after', '-')}"


def _latency_lines(report: dict[str, Any]) -> list[str]:
    inputs, lines = report["inputs"], []
    lines.append(
        f"{'latency ms at ' + str(inputs['rate']) + ' cases/s':<56}"
        f"{'p50':>10}{'p95':>10}{'p99':>10}   baseline p50/p95/p99"
    )
    service, baseline = report["latency"]["service"], report["latency"]["baseline"]
    for name, s in service["hops"].items():
        b = baseline["hops"].get(name, {})
        lines.append(
            f"{name:<56}{s['p50'] or '-':>10}{s['p95'] or '-':>10}{s['p99'] or '-':>10}   "
            f"{b.get('p50') or '-'}/{b.get('p95') or '-'}/{b.get('p99') or '-'}"
        )
    if len(service.get("rounds", ())) > 1:
        lines.append(f"p99 of each round ({service['cases']} cases in {len(service['rounds'])}):")
        for name in service["hops"]:
            lines.append(
                f"  {name}: "
                + ", ".join(
                    f"{side} "
                    + "/".join(f"{r['hops'].get(name, {}).get('p99') or '-'}" for r in rounds)
                    for side, rounds in (
                        ("service", service["rounds"]),
                        ("baseline", baseline.get("rounds", [])),
                    )
                )
            )
    return [*lines, ""]


def _list_cases_lines(report: dict[str, Any]) -> list[str]:
    lc = report["list_cases"]
    service = (
        f"no answer within {lc['service_timed_out_after_s']:g} s"
        if lc.get("service_timed_out_after_s")
        else f"p50 {lc['service_ms']['p50']} ms, p95 {lc['service_ms']['p95']} ms"
    )
    return [
        f"list_cases ({lc['cases']:,} cases, {lc['visible_to_viewer']} shown, "
        f"{lc['reply_bytes']:,} bytes): {service}; "
        f"the query alone p95 {lc['database_alone_ms']['p95']} ms",
        "  query plans (mine, free): "
        + "; ".join(
            ", ".join(f"{k}={v}" for k, v in plan.items()) for plan in lc.get("query_plans", [])
        ),
    ]


def _targets_lines(report: dict[str, Any], lines: list[str]) -> str:
    lines.append("")
    for target in report["targets"]:
        mark = {True: "met", False: "NOT MET", None: "no figure"}[target["met"]]
        line = f"  [{mark:>9}] {target['figure']}: {target['value']} ({target['target']})"
        if cause := target.get("cause"):
            line += f"; {CAUSES[cause]} ({target['baseline']}"
            if isinstance(target["value"], float | int) and target["baseline"]:
                line += f"; ours {target['value'] / target['baseline']:.2f} times that"
            line += ")"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a small run, about two minutes")
    parser.add_argument(
        "--events",
        type=int,
        help="at least this many events in each backlog (10000; quick 300)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="FerretDB's backend (ignored with $MONGODB_URL): SQLite as `make run` uses it "
        "(default), or PostgreSQL, a cluster of its own for the run (FerretDB 1.24 reads "
        "even by _id with a sequential scan there: slower as collections grow)",
    )
    parser.add_argument(
        "--rate", type=float, default=RATE, help=f"offered cases per second ({RATE:g})"
    )
    parser.add_argument(
        "--seconds", type=float, help="how long the rate is offered (100; quick 15)"
    )
    parser.add_argument("--list-cases", type=int, help="cases in the tenant (100000; quick 2000)")
    parser.add_argument("--mediators", type=int, default=100)
    parser.add_argument(
        "--drain-timeout", type=float, default=DRAIN_TIMEOUT, help="seconds per backlog drain"
    )
    parser.add_argument("--list-requests", type=int, help="requests timed (50; quick 12)")
    parser.add_argument(
        "--rounds",
        type=int,
        help="drains per side and backlog, and latency runs per side, alternating service and "
        "baseline; a backlog's ratio is its median round's, a hop's percentiles their "
        "median round's (3; quick 1)",
    )
    parser.add_argument(
        "--event-workers",
        type=int,
        help="<SERVICE>_EVENT_WORKERS of the services and their baselines (default: theirs)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="measure only these parts (default: all); a full run takes hours on FerretDB, "
        "so it can be run in parts, each writing its own --out",
    )
    parser.add_argument("--out", type=Path, default=state_dir() / "bench" / "system.json")
    args = parser.parse_args()
    quick = args.quick
    args.events = args.events or (300 if quick else 10_000)
    args.seconds = args.seconds or (15.0 if quick else 100.0)
    args.list_cases = args.list_cases or (2000 if quick else 100_000)
    args.list_requests = args.list_requests or (12 if quick else 50)
    if args.rounds is None:
        args.rounds = 1 if quick else 3
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    speed_before = python_loop_ms()
    with tempfile.TemporaryDirectory(prefix="mediation-bench-") as scratch:
        result = asyncio.run(measure(args, Path(scratch)))
    report = {
        "benchmark": "system",
        "measured_at": datetime.now(UTC).isoformat(),
        "quick": quick,
        "inputs": {
            "backlog_events": args.events,
            "rounds": args.rounds,
            "database": args.database if not os.environ.get("MONGODB_URL") else "MONGODB_URL",
            "rate": args.rate,
            "seconds": args.seconds,
            "follow_up_seconds": FOLLOW_UP_SECONDS,
            "list_cases": args.list_cases,
            "mediators": args.mediators,
            "list_requests": args.list_requests,
            "parts": args.only,
            "event_workers": args.event_workers
            or ServiceSettings.model_fields["event_workers"].default,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "python_loop_ms": {"before": speed_before, "after": python_loop_ms()},
            "versions": versions(args.database),
        },
        **result,
    }
    report["targets"] = judged(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(table(report))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
