"""All five services and the HTTP gateway as real processes, a real webhook subscriber of the
gateway, and the municipality's data protection principal."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from mediation_devstack.dev_identity import DevIdentity
from mediation_runtime.bus_access import main as bus_access
from nats.aio.client import Client

from tests.integration.bus import wait_for
from tests.integration.gateway.conftest import (  # noqa: F401 - fixtures shared with the gateway's
    Gateway,
    Subscriber,
    subscribe,
    subscriber,
)
from tests.integration.notes.conftest import (  # noqa: F401 - fixtures shared with notes' tests
    identity_provider,
    master_key,
    notes_process,
    proof_key_files,
)
from tests.integration.notifications.conftest import (  # noqa: F401 - shared fixtures
    live_channels,
    mailbox,
    smtp_server,
)
from tests.integration.runtime.test_bus_security import connects
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

DPO_ROLE = "data protection office"


@pytest.fixture(scope="module")
def services(
    bus: LiveBus,
    mongodb_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    identity_provider: DevIdentity,  # noqa: F811 - the imported fixture
    master_key: str,  # noqa: F811
    proof_key_files: tuple[Path, Path],  # noqa: F811
    smtp_server: Controller,  # noqa: F811
) -> Iterator[dict[str, ServiceProcess]]:
    """Notifications sends real mail to the tests' SMTP server (``mailbox``)."""
    logs = tmp_path_factory.mktemp("data-rights-logs")
    channels = {
        f"NOTIFICATIONS_{name.upper()}": v for name, v in live_channels(smtp_server.port).items()
    }
    processes = {
        "intake": ServiceProcess("intake", bus, mongodb_url, logs / "intake.log"),
        "scheduling": ServiceProcess("scheduling", bus, mongodb_url, logs / "scheduling.log"),
        "notes": notes_process(
            bus,
            mongodb_url,
            logs / "notes.log",
            identity_provider,
            master_key,
            proof_key_files[0],
            NOTES_RETENTION="P90D",
        ),
        "notifications": ServiceProcess(
            "notifications",
            bus,
            mongodb_url,
            logs / "notifications.log",
            **channels,
            NOTIFICATIONS_DELIVERY_RETRY_DELAYS="[0.2, 0.3]",
            NOTIFICATIONS_WORKER_POLL_SECONDS="0.2",
        ),
        "insights": ServiceProcess("insights", bus, mongodb_url, logs / "insights.log"),
        # A data holder too: its deliveries keep copies of the events it sent subscribers.
        "gateway": Gateway(bus, mongodb_url, tmp_path_factory.mktemp("data-rights-gateway")),
    }
    for process in processes.values():
        process.start()
    yield processes
    for process in processes.values():
        process.stop()


@pytest.fixture
async def dpo(bus: LiveBus, unique_tenant: str) -> AsyncIterator[Client]:
    """The municipality's data protection office on the bus: its own principal, its own
    tenant, the data-rights commands only."""
    name = f"{unique_tenant}-dpo"[:60]
    argv = ["add-integration", str(bus.access.directory), name, "--tenant", unique_tenant]
    assert bus_access([*argv, "--role", DPO_ROLE]) == 0  # reloads the running server
    await wait_for(lambda: connects(bus.credentials(name)), what=f"{name} may connect")
    connection = await bus.connect(name)
    yield connection
    await connection.close()


CASE_SYSTEM = ["case systems"]
HEARD = ["dk.mediation.consent.given.v1", "dk.mediation.party.withdrew.v1"]
"""What the municipality's case system subscribes to: events naming a party (by id)."""


@pytest.fixture
def gateway(services: dict[str, ServiceProcess]) -> Gateway:
    process = services["gateway"]
    assert isinstance(process, Gateway)
    return process


@pytest.fixture
async def case_system(
    gateway: Gateway,
    subscriber: Subscriber,  # noqa: F811 - the imported fixture
    unique_tenant: str,
) -> Subscriber:
    """The municipality's case system, subscribed through the gateway (a token of its
    identity provider) to the events about a party's consent and withdrawal; a real HTTP
    server checking each delivery's signature."""
    token = gateway.token(
        "esdh", unique_tenant, CASE_SYSTEM, consume=["consent.given", "party.withdrew"]
    )
    async with gateway.client(token) as http:
        await subscribe(http, unique_tenant, subscriber, HEARD)
    return subscriber
