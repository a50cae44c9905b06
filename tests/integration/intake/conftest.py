from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client

from tests.secure_bus import LiveBus


@pytest.fixture(scope="module")
async def nc(bus: LiveBus) -> AsyncIterator[Client]:
    """A connection for asking intake's queries, as the mediator client asks them."""
    connection = await bus.connect()
    yield connection
    await connection.close()
