from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mediation_runtime.mongo import create_mongo_client
from nats.js import JetStreamContext
from pymongo.asynchronous.collection import AsyncCollection

from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus


@pytest.fixture(scope="session")
async def js(bus: LiveBus) -> AsyncIterator[JetStreamContext]:
    connection = await bus.connect()
    yield connection.jetstream()
    await connection.close()


@pytest.fixture(scope="session")
async def cases(mongodb_url: str) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    client = create_mongo_client(mongodb_url)
    yield client["mediation_intake"]["cases"]
    await client.close()


@pytest.fixture(scope="module")
def intake(
    bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One intake process per test module; tests keep apart by tenant."""
    process = ServiceProcess(
        "intake", bus, mongodb_url, tmp_path_factory.mktemp("intake") / "intake.log"
    )
    process.start()
    yield process
    process.stop()


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Show the service's last log lines when an integration test fails."""
    if call.excinfo is not None and "intake" in getattr(item, "fixturenames", ()):
        process = item.funcargs.get("intake")  # type: ignore[attr-defined]
        if isinstance(process, ServiceProcess):
            item.add_report_section(call.when, "intake log (tail)", process.tail(40))
