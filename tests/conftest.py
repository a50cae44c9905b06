"""Shared fixtures: real servers for integration tests, started once per test session.

The servers are the ones `make run` uses, started by the same functions (mediation_devstack), on
free loopback ports with their data in pytest's temporary directory, never in var/. NATS always
runs with the generated TLS and permissions (the tests try them); set MONGODB_URL to use an
existing MongoDB instead of FerretDB. Tests share the servers, so each test isolates its data
with a unique tenant (or suffix) of its own.
"""

import os
import secrets
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest
from mediation_devstack.processes import StartupError
from mediation_devstack.servers import Server, start_ferretdb, start_nats
from mediation_devstack.tools import ToolMissing
from mediation_runtime.bus_access import BusAccess
from mediation_runtime.streams import ensure_streams

from tests.secure_bus import LiveBus


@pytest.fixture(scope="session")
async def bus_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveBus]:
    """nats-server with JetStream, TLS and the contract's permissions, for this session."""
    base = tmp_path_factory.mktemp("nats")
    access = BusAccess(base / "bus")
    server = await _started("nats-server", start_nats(base / "store", base / "nats.log", access))
    try:
        yield LiveBus(server.url, access)
    finally:
        await server.stop()


@pytest.fixture(scope="session")
async def bus(bus_server: LiveBus) -> LiveBus:
    """The secured bus, on which the contract's JetStream streams exist."""
    await ensure_streams(bus_server.credentials())
    return bus_server


@pytest.fixture(scope="session")
async def mongodb_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A MongoDB-wire server: ``$MONGODB_URL``, else FerretDB (SQLite) started for this session.

    Fails (never skips) when FerretDB is not installed: a skipped database test looks green.
    """
    if url := os.environ.get("MONGODB_URL"):
        yield url
        return
    base = tmp_path_factory.mktemp("ferretdb")
    server = await _started("FerretDB", start_ferretdb(base / "data", base / "ferretdb.log"))
    try:
        yield server.url
    finally:
        await server.stop()


async def _started(what: str, starting: Coroutine[Any, Any, Server]) -> Server:
    """The started server, or a test failure that says how to fix it (never a skip)."""
    try:
        return await starting
    except (ToolMissing, StartupError) as error:
        problem = str(error)
    pytest.fail(f"cannot start {what} for the tests: {problem}", pytrace=False)


@pytest.fixture
def unique_suffix() -> str:
    """Eight hex characters, new per test: for database, stream-consumer or other names."""
    return secrets.token_hex(4)


@pytest.fixture
def unique_tenant(unique_suffix: str) -> str:
    """A tenant slug (``t-<hex8>``) of this test alone, so tests sharing servers never mix data."""
    return f"t-{unique_suffix}"
