"""The whole system on servers of its own, so faults can be injected from outside: processes
killed with SIGKILL, NATS and the database stopped for as long as a scenario wants, input no
well-behaved producer sends. A workload publishes cases as a municipal system would, and the
checker says what became of every event the bus accepted.

Figures of every scenario are collected in :data:`FIGURES` and printed at the end of the run
(and written to ``test-artifacts/faults.json``).
"""

import asyncio
import base64
import json
import secrets
import socket
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiosmtpd.controller import Controller
from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import ListCases, Reply, command_subject
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import DLQ_STREAM, EVENTS_STREAM
from mediation_devstack.dev_identity import DevIdentity
from mediation_devstack.servers import Server, start_ferretdb, start_nats
from mediation_runtime.bus_access import BusAccess
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.streams import ensure_streams
from nats.aio.client import Client
from notes.adapters.proof_keys import make_key_pair

from tests.data.scenario import CITIZEN_EMAIL, Scenario
from tests.integration.bus import read_stream
from tests.integration.notifications.conftest import live_channels
from tests.integration.notifications.smtp_server import Recorder, start_server
from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover
from tests.secure_bus import LiveBus

SERVICES = ("intake", "scheduling", "notes", "notifications", "insights")
# What each accepted case must lead to, exactly once: intake's answers, and the message that
# asks the citizen for consent, sent by email (the administration has no address: failed).
EXPECTED_PER_CASE = {"consent.requested": 2, "case.ready_for_scheduling": 1, "notification.sent": 1}


@dataclass
class Figures:
    scenario: str
    cases: int = 0
    events: int = 0
    lost: int = 0
    duplicated: int = 0
    dead_lettered: int = 0
    seconds_to_recover: float = 0.0
    notes: list[str] = field(default_factory=list)


FIGURES: list[Figures] = []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class System:
    """NATS, FerretDB and the four services, each restartable; with ``replicas`` > 1 each
    service runs that many processes (``services["intake"]``, ``services["intake#2"]``, ...)
    against the same database and consumers."""

    def __init__(self, base: Path, replicas: int = 1) -> None:
        self.base = base
        self.replicas = replicas
        self.access = BusAccess(base / "bus")
        self.nats: Server | None = None
        self.database: Server | None = None
        self.nats_port = 0
        self.database_port = 0
        self.identity = DevIdentity.create(base / "identity")
        proof_key, public_key = make_key_pair(base / "proof")
        self.prove = Prover(self.identity, public_key)
        self.services: dict[str, ServiceProcess] = {}
        self.mailbox = Recorder()
        self.smtp = start_server(self.mailbox)
        self._proof_key = proof_key
        self._master_key = base64.b64encode(secrets.token_bytes(32)).decode()

    @property
    def bus(self) -> LiveBus:
        assert self.nats is not None
        return LiveBus(self.nats.url, self.access)

    async def start(self) -> None:
        await self.start_nats()
        await ensure_streams(self.bus.credentials())
        await self.start_database()
        assert self.database is not None
        for name in SERVICES:
            for replica in range(1, self.replicas + 1):
                key = name if replica == 1 else f"{name}#{replica}"
                # Probes on, as in a container: the replica test asks each for readiness.
                health = f"127.0.0.1:{free_port()}"
                self.services[key] = ServiceProcess(
                    name,
                    self.bus,
                    self.database.url,
                    self.base / f"{key}.log",
                    **self._env(name),
                    HEALTH_ADDRESS=health,
                )
                self.services[key].start()

    def _env(self, name: str) -> dict[str, str]:
        common = {
            "NATS_RECONNECT_WAIT_SECONDS": "0.5",  # nats-py's default budget: 60 attempts
            f"{name.upper()}_STOP_TIMEOUT_SECONDS": "10",
        }
        if name == "notes":
            return common | {
                "NOTES_MASTER_KEY": self._master_key,
                "NOTES_JWKS_FILE": str(self.identity.jwks_path),
                "NOTES_TOKEN_ISSUER": self.identity.issuer,
                "NOTES_PROOF_KEY_FILE": str(self._proof_key),
            }
        if name == "insights":
            return common | {"INSIGHTS_DUE_CHECK_SECONDS": "1"}
        if name == "notifications":
            channels = live_channels(int(self.smtp.port))
            return (
                common
                | {f"NOTIFICATIONS_{key.upper()}": v for key, v in channels.items()}
                | {
                    # A transient failure is retried after these (then NotificationFailed).
                    "NOTIFICATIONS_DELIVERY_RETRY_DELAYS": "[0.5, 1, 2, 4, 8, 15]",
                    "NOTIFICATIONS_WORKER_POLL_SECONDS": "0.2",
                }
            )
        return common

    async def start_nats(self) -> None:
        store = self.base / "nats-store"
        self.nats = await start_nats(
            store, self.base / "nats.log", self.access, self.nats_port or None
        )
        self.nats_port = int(self.nats.url.rsplit(":", 1)[1])

    async def start_database(self) -> None:
        self.database = await start_ferretdb(
            self.base / "ferretdb", self.base / "ferretdb.log", self.database_port or None
        )
        self.database_port = int(self.database.url.rsplit(":", 1)[1].strip("/"))

    async def kill_nats(self) -> None:
        assert self.nats is not None
        self.nats.process._process.kill()
        await self.nats.stop()

    async def kill_database(self) -> None:
        assert self.database is not None
        self.database.process._process.kill()
        await self.database.stop()

    def stop_smtp(self) -> None:
        self.smtp.stop()

    def start_smtp(self) -> None:
        """The mail server back on the same port (a stopped controller cannot start again)."""
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.smtp.port)
        self.smtp.start()

    def mails(self) -> int:
        """Messages the citizen (every case's citizen has the same address) received, counted
        by Message-ID: a message sent again after a crash between the server's acceptance and
        our record of it keeps its Message-ID, and mail programs show it once."""
        return len({m["Message-ID"] for m in self.mailbox.to(CITIZEN_EMAIL)})

    async def stop(self) -> None:
        self.smtp.stop()
        for process in self.services.values():
            process.stop()
        for server in (self.database, self.nats):
            if server is not None:
                await server.stop()

    def all_running(self) -> bool:
        return all(process.is_running() for process in self.services.values())

    async def answers(self) -> bool:
        """A command is answered (intake's, as the mediator client asks it)."""
        return await intake_answers(self.bus, "fault-suite")


class Connects(Protocol):
    async def connect(self, principal: str = ..., **options: Any) -> Client: ...


async def intake_answers(bus: Connects, viewer: str) -> bool:
    """Intake answers ``list_cases`` as the mediator client asks it: the system serves."""
    try:
        connection = await bus.connect(MEDIATOR_CLIENT)
    except Exception:
        return False
    try:
        request = ListCases(viewer_id=viewer).model_dump_json().encode()
        answer = await connection.request(
            command_subject("kk", "intake", "list_cases"), request, timeout=5
        )
        return Reply.model_validate_json(answer.data).ok
    except Exception:
        return False
    finally:
        await connection.close()


class Workload:
    """Cases of one tenant, published as an outside system would: each event retried until
    JetStream acknowledges it (then it is *accepted*, and must not be lost)."""

    def __init__(self, system: System, cases: int) -> None:
        self.system = system
        self.tenant = f"f-{secrets.token_hex(4)}"
        self.scenarios = [Scenario(tenant=self.tenant) for _ in range(cases)]
        self.accepted: list[CloudEvent] = []
        self.mails_before = system.mails()
        # Where each service's log stood, so a failed check can say what each did since (the
        # compose cluster, which runs the same workload, keeps its logs in Docker: none here).
        self.processes: dict[str, ServiceProcess] = getattr(system, "services", {})
        self.log_offsets = {
            key: process.log_path.stat().st_size if process.log_path.exists() else 0
            for key, process in self.processes.items()
        }

    def events(self, scenario: Scenario) -> list[CloudEvent]:
        """Both parties are asked for consent; the citizen by email."""
        return [
            scenario.request(requester_consents=False),
            scenario.assess("accepted"),
            self.system.prove(scenario.assign()),
            scenario.consent(scenario.citizen),
            scenario.consent(scenario.administration),
        ]

    async def run(self, per_second: float = 20.0) -> None:
        connection = await self._connect()
        try:
            for scenario in self.scenarios:
                for event in self.events(scenario):
                    await self.publish(connection, event)
                    await asyncio.sleep(1 / per_second)
        finally:
            await connection.close()

    async def _connect(self) -> Client:
        return await self.system.bus.connect(
            allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )

    async def publish(
        self, connection: Client, event: CloudEvent, body: bytes | None = None
    ) -> None:
        js = connection.jetstream()
        deadline = time.monotonic() + 300
        while True:
            try:
                await js.publish(
                    event.nats_subject(),
                    body or event.to_json(),
                    headers={"Nats-Msg-Id": str(event.id)},
                    timeout=2,
                )
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
                continue
            self.accepted.append(event)
            return


async def check(
    system: System, workload: Workload, figures: Figures, *, timeout: float = 240.0
) -> Figures:
    """Wait until every accepted case went through, or the timeout; then count."""
    started = time.monotonic()
    mails_before = workload.mails_before
    cases = {
        s.case_id
        for s in workload.scenarios
        if any(e.subject == s.case_id for e in workload.accepted)
    }
    outputs: dict[str, Counter[str]] = {}
    admin = await _admin(system)
    try:
        while True:
            outputs = await _outputs(admin, workload.tenant)
            done = all(
                outputs[kind][str(c)] >= expected
                for kind, expected in EXPECTED_PER_CASE.items()
                for c in cases
            )
            if (
                done
                and system.all_running()
                and await system.answers()
                and await _cases_counted_by_insights(system, workload.tenant) >= len(cases)
            ):
                break
            if time.monotonic() - started > timeout:
                break
            await asyncio.sleep(0.5)
        figures.seconds_to_recover = round(time.monotonic() - started, 1)
        figures.cases = len(cases)
        figures.events = len({e.id for e in workload.accepted})
        figures.lost = sum(
            1
            for c in cases
            if any(outputs[kind][str(c)] < n for kind, n in EXPECTED_PER_CASE.items())
        )
        figures.duplicated = sum(
            max(0, outputs[kind][str(c)] - n)
            for kind, n in EXPECTED_PER_CASE.items()
            for c in cases
        ) + sum(count - 1 for count in outputs["notification"].values() if count > 1)
        figures.dead_lettered = await _dead_letters(admin, workload.tenant)
        figures.notes.append(
            "all services running and answering" if system.all_running() else "a service is down"
        )
    finally:
        await admin.close()
    mails = system.mails() - mails_before
    if mails != len(cases):
        figures.notes.append(f"{mails} mails for {len(cases)} cases")
        figures.duplicated += max(0, mails - len(cases))
        figures.lost += max(0, len(cases) - mails)
    stored = await _cases_in_database(system, workload.tenant)
    if stored != len(cases):
        figures.notes.append(f"intake holds {stored} cases for {len(cases)} requests")
        figures.duplicated += max(0, stored - len(cases))
        figures.lost += max(0, len(cases) - stored)
    counted = await _cases_counted_by_insights(system, workload.tenant)
    if counted != len(cases):
        figures.notes.append(f"insights counts {counted} of {len(cases)} cases in full")
        figures.lost += max(0, len(cases) - counted)
    if figures.lost or figures.duplicated or figures.dead_lettered:
        figures.notes.extend(
            f"{key}: {log_summary(process.log_path, workload.log_offsets.get(key, 0))}"
            for key, process in workload.processes.items()
        )
    FIGURES.append(figures)
    return figures


def log_summary(path: Path, offset: int) -> str:
    """What a service logged since ``offset``, in one line for a failed check's message (all
    CI keeps of a run): its warnings and errors counted by event and cause, and its last line,
    which shows whether it went quiet. Logs hold ids and codes only."""
    with path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    counted: Counter[str] = Counter()
    last = "nothing logged"
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        last = f"{entry.get('timestamp', '?')} {entry.get('event', '?')}"
        if entry.get("level") in ("warning", "error", "critical"):
            cause = entry.get("why") or entry.get("error_type") or entry.get("reason") or ""
            counted[f"{entry.get('event')}({str(cause)[:60]})"] += 1
    problems = ", ".join(f"{n}x {what}" for what, n in counted.most_common(6)) or "none"
    return f"{len(lines)} lines; warnings/errors: {problems}; last: {last}"


async def _admin(system: System) -> Client:
    return await system.bus.connect(
        allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=0.5
    )


async def _outputs(admin: Client, tenant: str) -> dict[str, Counter[str]]:
    """Per output kind: case id (or notification trigger and person) -> distinct events."""
    js = admin.jetstream()
    result: dict[str, Counter[str]] = {
        kind: Counter() for kind in (*EXPECTED_PER_CASE, "notification")
    }
    try:
        messages = await read_stream(js, EVENTS_STREAM, f"mediation.v1.{tenant}.>")
    except Exception:
        return result
    seen: set[str] = set()
    for message in messages:
        try:
            document: dict[str, Any] = json.loads(message.data)
            event_id = document["id"]
        except (ValueError, RecursionError, TypeError, KeyError):
            continue  # the hostile input some scenarios publish: not an event
        if event_id in seen:
            continue
        seen.add(event_id)
        kind = ".".join(message.subject.split(".")[3:5])
        if kind in EXPECTED_PER_CASE:
            result[kind][document["subject"]] += 1
        if kind in ("notification.sent", "notification.failed"):
            data = document["data"]
            result["notification"][f"{data['trigger_event_id']}/{data['recipient_id']}"] += 1
    return result


async def _dead_letters(admin: Client, tenant: str) -> int:
    js = admin.jetstream()
    letters = await read_stream(js, DLQ_STREAM, "mediation.dlq.>")
    prefix = f"mediation.v1.{tenant}."
    return sum(
        1
        for m in letters
        if m.headers and m.headers.get("Mediation-Original-Subject", "").startswith(prefix)
    )


async def _cases_in_database(system: System, tenant: str) -> int:
    assert system.database is not None
    client = create_mongo_client(system.database.url)
    try:
        return await client["mediation_intake"]["cases"].count_documents({"tenant": tenant})
    finally:
        await client.close()


async def _cases_counted_by_insights(system: System, tenant: str) -> int:
    """Cases whose record in insights has every fact the workload's events carry (requested,
    accepted, the mediator): what the statistics count. Insights announces nothing for them,
    so its own record is where a lost event would show."""
    assert system.database is not None
    client = create_mongo_client(system.database.url)
    try:
        cursor = client["mediation_insights"]["cases"].find({"tenant": tenant}, {"record": 1})
        records = [json.loads(document["record"]) async for document in cursor]
    finally:
        await client.close()
    return sum(
        1
        for r in records
        if r.get("requested_at") and r.get("accepted_at") and r.get("mediator_id")
    )


def write_figures(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(f) for f in FIGURES], indent=2) + "\n")
