from collections.abc import AsyncIterator, Iterator

import pytest
from nats.aio.client import Client

from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus


@pytest.fixture(scope="module")
def scheduling(
    bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One scheduling process per test module (beside intake); tests keep apart by tenant."""
    process = ServiceProcess(
        "scheduling", bus, mongodb_url, tmp_path_factory.mktemp("scheduling") / "log"
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def nc(bus: LiveBus) -> AsyncIterator[Client]:
    connection = await bus.connect()
    yield connection
    await connection.close()
