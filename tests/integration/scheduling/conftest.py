from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.aio.client import Client

from tests.integration.service_process import ServiceProcess


@pytest.fixture(scope="module")
def scheduling(
    nats_url: str, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One scheduling process per test module (beside intake); tests keep apart by tenant."""
    process = ServiceProcess(
        "scheduling", nats_url, mongodb_url, tmp_path_factory.mktemp("scheduling") / "log"
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def nc(nats_url: str) -> AsyncIterator[Client]:
    connection = await nats.connect(nats_url)
    yield connection
    await connection.close()
