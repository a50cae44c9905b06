"""When a service is ready: it consumes every event type the catalog says it consumes, and
answers its commands. `make run` reports the stack up only then, so an event published right
after the table appears is handled at once instead of waiting for a consumer to exist.

Seen from the bus, as any operator could check, so nothing in the services has to cooperate:

- each of its durable consumers (``<service>-events`` for the event types the catalog lists
  it as consumer of, and ``<service>-max-deliveries``) exists on the server and
  has had a pull request waiting, i.e. the service is pulling from it;
- a service that serves commands answers one: a request with an empty object gets its
  ``invalid_request`` reply (no responders means it does not listen yet).
"""

import asyncio
import json
import time
from dataclasses import dataclass, field

from mediation_contracts.access import SERVICES, consumed_by
from mediation_contracts.commands import COMMANDS, command_subject
from mediation_contracts.streams import ADVISORIES_STREAM, EVENTS_STREAM, events_consumer
from mediation_runtime.bus import BusCredentials, connect
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError

from mediation_devstack.processes import ManagedProcess, StartupError

# A tenant slug no municipality uses: the probe's request is refused before any case is read.
PROBE_TENANT = "devstack-probe"
PROBE_TIMEOUT = 2.0


def consumers_of(service: str) -> list[tuple[str, str]]:
    """(stream, durable consumer) the service pulls from, by the contract."""
    events = [(EVENTS_STREAM, events_consumer(service))] if consumed_by([service]) else []
    return [*events, (ADVISORIES_STREAM, f"{service}-max-deliveries")]


@dataclass
class ServiceReadiness:
    """What is still missing before ``service`` consumes and answers; checked repeatedly."""

    service: str
    waiting_for: set[tuple[str, str]] = field(default_factory=set)
    answers_commands: bool = False

    def __post_init__(self) -> None:
        self.waiting_for = set(consumers_of(self.service))
        self.answers_commands = not COMMANDS.get(self.service)

    async def check(self, nc: Client) -> bool:
        js = nc.jetstream(timeout=PROBE_TIMEOUT)
        for stream, name in sorted(self.waiting_for):
            try:
                info = await js.consumer_info(stream, name)
            except (NotFoundError, NatsError, TimeoutError):
                continue
            if (info.num_waiting or 0) > 0:  # a pull request of the service is waiting
                self.waiting_for.discard((stream, name))
        if not self.answers_commands:
            self.answers_commands = await _answers(nc, self.service)
        return not self.waiting_for and self.answers_commands

    def missing(self) -> str:
        """What is not there yet, in names an operator can look up."""
        parts = []
        if self.waiting_for:
            names = ", ".join(name for _, name in sorted(self.waiting_for))
            parts.append(f"not consuming: {names}")
        if not self.answers_commands:
            parts.append("does not answer its commands")
        return "; ".join(parts)


async def _answers(nc: Client, service: str) -> bool:
    command = next(iter(COMMANDS[service]))
    try:
        reply = await nc.request(
            command_subject(PROBE_TENANT, service, command), b"{}", timeout=PROBE_TIMEOUT
        )
    except (NatsError, TimeoutError):
        return False
    try:
        return isinstance(json.loads(reply.data), dict)
    except ValueError:
        return False


async def wait_until_serving(
    processes: list[ManagedProcess], admin: BusCredentials, timeout: float
) -> None:
    """Return once every process that is a service of the contract consumes and answers.

    Fails early, naming the service, when one exits; after ``timeout`` seconds, naming each
    service that is not ready and what it lacks."""
    pending = {p.name: (p, ServiceReadiness(p.name)) for p in processes if p.name in SERVICES}
    if not pending:
        return
    nc = await connect(admin, "devstack-readiness")
    try:
        deadline = time.monotonic() + timeout
        while pending:
            for name, (process, readiness) in list(pending.items()):
                if process.returncode is not None:
                    raise StartupError(
                        f"service {name!r} exited with code {process.returncode} before it "
                        f"was ready (log: {process.log_path}):\n{process.log_tail()}"
                    )
                if await readiness.check(nc):
                    del pending[name]
            if pending and time.monotonic() > deadline:
                raise StartupError(
                    "\n".join(
                        f"service {name!r} did not become ready within {timeout:.0f} s: "
                        f"{readiness.missing()} (log: {process.log_path})"
                        for name, (process, readiness) in pending.items()
                    )
                )
            if pending:
                await asyncio.sleep(0.2)
    finally:
        await nc.close()
