"""The clustered deployment of deploy/compose as the tests run it: the committed compose file
with locally built images substituted through its variables, FerretDB for MongoDB, secrets
and the notifications outbox in pytest's temporary directory, every published port a free
one on 127.0.0.1, and a project name of its own.

:class:`Cluster` also stands in for the fault suite's ``System`` (tests/faults/system.py), so
its workload and checker run unchanged against the cluster through the published ports.
"""

import email
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from mediation_contracts.access import ADMIN
from mediation_devstack.dev_identity import DevIdentity
from mediation_devstack.ports import LOOPBACK, free_port
from mediation_runtime.bus import BusCredentials, BusErrors
from mediation_runtime.bus_access import BusAccess
from nats.aio.client import Client

from tests.containers.docker import COMPOSE_DIR, run, wait_until
from tests.data.scenario import CITIZEN_EMAIL
from tests.faults.system import intake_answers
from tests.proofs import Prover

NODES = ("nats-1", "nats-2", "nats-3")
SERVICES = ("intake", "scheduling", "notes", "notifications", "insights")
REPLICAS = tuple(f"{name}-{i}" for name in (*SERVICES, "client", "gateway") for i in (1, 2))
JOBS = ("init", "database", "bus")


@dataclass(frozen=True)
class Database:
    url: str


class ClusterBus:
    """The bus through the three published NATS ports, with any principal's certificate."""

    def __init__(self, urls: Sequence[str], access: BusAccess) -> None:
        self.urls = list(urls)
        self.access = access

    def credentials(self, principal: str = ADMIN) -> BusCredentials:
        return BusCredentials.in_directory(self.urls[0], self.access.credentials_dir(principal))

    async def connect(self, principal: str = ADMIN, **options: Any) -> Client:
        credentials = self.credentials(principal)
        settings = credentials.connect_options(f"test-{principal}")
        settings["servers"] = self.urls
        defaults = {"connect_timeout": 5, "max_reconnect_attempts": 1, "reconnect_time_wait": 1}
        return await nats.connect(
            **settings, error_cb=BusErrors(f"test-{principal}").callback, **(defaults | options)
        )


class Cluster:
    def __init__(self, base: Path, images: dict[str, str]) -> None:
        self.base = base
        self.project = f"mtest{os.getpid()}{secrets.token_hex(3)}"
        self.secrets = base / "secrets"
        self.outbox = base / "outbox"
        self.ports = {
            name: free_port()
            for name in (
                *("NATS_PORT_1", "NATS_PORT_2", "NATS_PORT_3"),
                *("MONGO_PORT", "CLIENT_PORT_1", "CLIENT_PORT_2"),
                *("GATEWAY_PORT_1", "GATEWAY_PORT_2"),
            )
        }
        self.env = os.environ | {
            "COMPOSE_PROJECT_NAME": self.project,
            "MEDIATION_IMAGE": images["mediation"],
            "NATS_IMAGE": images["nats"],
            "MONGO_IMAGE": images["mongo"],
            # FerretDB stands in for MongoDB: no replica set, its own flags.
            "MONGO_COMMAND": "--listen-addr=:27017",
            "MONGO_REPLICA_SET": "",
            "MONGODB_URL": "mongodb://mongo:27017/",
            "MEDIATION_SECRETS": str(self.secrets),
            "MEDIATION_OUTBOX": str(self.outbox),
            "PUBLISH_ADDRESS": LOOPBACK,
            **{name: str(port) for name, port in self.ports.items()},
        }
        self.database = Database(f"mongodb://{LOOPBACK}:{self.ports['MONGO_PORT']}/")
        self.stopped: set[str] = set()
        self._prove: Prover | None = None

    # --- compose ---------------------------------------------------------------------------

    def compose(
        self, *args: str, timeout: float = 300.0, check: bool = True, input: str | None = None
    ) -> str:
        result = run(
            ["docker-compose", "--no-ansi", *args],
            env=self.env,
            cwd=COMPOSE_DIR,
            timeout=timeout,
            check=check,
            input=input,
        )
        return result.stdout

    def init(self) -> None:
        """The operator's first step (README, Deploy): secrets and certificates."""
        # The outbox is the notifications replicas' (uid 10001) to write.
        self.outbox.mkdir(parents=True, exist_ok=True)
        os.chown(self.outbox, 10001, 10001)
        self.compose("run", "--rm", "init")

    def add_mediator(self, username: str, staff_id: str, tenant: str, password: str) -> None:
        """As the README says: the tools container adds a mediator to the users file."""
        self.compose(
            "run", "--rm", "-T", "tools", "python", "-m", "mediator_client.users", "add",
            "--file", "/secrets/mediator-client/users.json", "--username", username,
            "--staff-id", staff_id, "--tenant", tenant, "--name", username.title(),
            input=password + "\n",
        )  # fmt: skip

    def up(self) -> None:
        self.compose("up", "-d", timeout=600)

    def down(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False)

    def logs(self, *services: str, lines: int = 40) -> str:
        return self.compose("logs", "--no-color", "--tail", str(lines), *services, check=False)

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).strip()

    def state(self, service: str) -> dict[str, Any]:
        container = self.container(service)
        if not container:
            return {}
        answer = run(["docker", "inspect", "--format", "{{json .State}}", container], check=False)
        return json.loads(answer.stdout) if answer.returncode == 0 else {}

    def healthy(self, services: Sequence[str] = REPLICAS) -> list[str]:
        """The services of ``services`` that are not (yet) healthy."""
        return [s for s in services if self.state(s).get("Health", {}).get("Status") != "healthy"]

    def wait_healthy(self, services: Sequence[str] = REPLICAS, timeout: float = 240.0) -> None:
        try:
            wait_until(
                lambda: not self.healthy(services), timeout=timeout, what="every replica is healthy"
            )
        except AssertionError as error:
            unhealthy = self.healthy(services)
            raise AssertionError(
                f"{error}; not healthy: {unhealthy}\n{self.logs(*unhealthy)}"
            ) from None

    def kill(self, *services: str) -> None:
        """SIGKILL: no graceful stop, in-flight messages unacknowledged."""
        self.compose("kill", "-s", "SIGKILL", *services)
        self.stopped.update(services)

    def start(self, *services: str) -> None:
        self.compose("start", *services)
        self.stopped.difference_update(services)

    # --- what the fault suite's workload and checker ask of a system ----------------------------

    @property
    def bus(self) -> ClusterBus:
        urls = [f"tls://{LOOPBACK}:{self.ports[f'NATS_PORT_{i}']}" for i in (1, 2, 3)]
        return ClusterBus(urls, BusAccess(self.secrets / "bus"))

    @property
    def prove(self) -> Prover:
        """Proofs as the deployment's mediator client makes them: its identity provider's
        token sealed to notes' public key, both made by init."""
        if self._prove is None:
            client = self.secrets / "mediator-client"
            identity = DevIdentity.create(client / "identity")
            self._prove = Prover(identity, client / "notes-proof-key.public.json")
        return self._prove

    def mails(self) -> int:
        """Messages to the citizen in the notifications outbox (mode file)."""
        count = 0
        for path in (self.outbox / "outbox").glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes())
            count += CITIZEN_EMAIL in str(message.get("To", ""))
        return count

    def all_running(self) -> bool:
        """Every replica not stopped on purpose runs."""
        return all(self.state(s).get("Running") for s in REPLICAS if s not in self.stopped)

    async def answers(self) -> bool:
        return await intake_answers(self.bus, "container-test")
