from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mediation_runtime.mongo import create_mongo_client
from nats.aio.client import Client
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

SECOND = 1 / 86_400  # of a day
INSIGHTS_ENV = {
    # Reminders after 2 s, links valid 6 s, follow-ups due 2 s after the close, looked for
    # every 0.3 s: a test sees in seconds what takes weeks in production.
    "INSIGHTS_EVALUATION_REMINDER_DAYS": str(2 * SECOND),
    "INSIGHTS_EVALUATION_VALID_DAYS": str(6 * SECOND),
    "INSIGHTS_FOLLOW_UP_AFTER": "PT2S",
    "INSIGHTS_DUE_CHECK_SECONDS": "0.3",
}


@pytest.fixture(scope="module")
def insights(
    bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One insights process per test module; tests keep apart by tenant."""
    process = ServiceProcess(
        "insights",
        bus,
        mongodb_url,
        tmp_path_factory.mktemp("insights") / "log",
        **INSIGHTS_ENV,
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def nc(bus: LiveBus) -> AsyncIterator[Client]:
    connection = await bus.connect()
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
async def insights_db(mongodb_url: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client = create_mongo_client(mongodb_url)
    yield client["mediation_insights"]
    await client.close()


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Show insights' last log lines when a test fails."""
    if call.excinfo is not None and "insights" in getattr(item, "fixturenames", ()):
        process = item.funcargs.get("insights")  # type: ignore[attr-defined]
        if isinstance(process, ServiceProcess):
            item.add_report_section(call.when, "insights log (tail)", process.tail(40))
