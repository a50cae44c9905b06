"""Start NATS (JetStream), FerretDB and Dex on loopback, wait until they answer, stop them.

`make run` and the test fixtures call these same functions, so the tests exercise exactly the
servers and flags a developer runs. Readiness means a real client round-trip (JetStream
account info, MongoDB ``ping``, Dex's discovery document), not an open port.
"""

import asyncio
import contextlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import nats
from mediation_contracts.access import ADMIN
from mediation_runtime.bus import BusCredentials
from mediation_runtime.bus_access import PID_FILE, SERVER_CONF, BusAccess
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from mediation_devstack.ports import LOOPBACK, free_port
from mediation_devstack.processes import ManagedProcess, wait_until_ready
from mediation_devstack.tools import nats_server_path, require_dex, require_ferretdb

DEFAULT_START_TIMEOUT = 30.0
GO_GC_PERCENT = "400"
"""``GOGC`` of the Go servers started here (nats-server, FerretDB) unless the environment sets
it: Go's collector then runs a quarter as often, for a larger heap. Measured with the
benchmark's latency phase (six rounds each against Go's default of 100, alternating): the
median p50 of the intake and notifications hops 1.5-5 ms lower, of the whole flow 5-7 ms,
services and baselines alike (FerretDB's round trips are most of a hop), and the p99s lower
on all hops but one; FerretDB alone, p99 of a read by ``_id`` 2.2 -> 1.2 ms."""


def go_server_env() -> dict[str, str]:
    """The environment of a Go server: this process's, with :data:`GO_GC_PERCENT` as ``GOGC``
    unless it is set here already."""
    return {"GOGC": GO_GC_PERCENT, **os.environ}


@dataclass
class Server:
    """A running server this process started: where clients connect, where it keeps data."""

    name: str
    url: str
    data_dir: Path
    process: ManagedProcess

    async def stop(self) -> int:
        return await self.process.stop()


async def start_nats(
    store_dir: Path,
    log_path: Path,
    bus: BusAccess,
    port: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
) -> Server:
    """nats-server with JetStream (file storage in ``store_dir``) on ``127.0.0.1:port``, with
    TLS and the permissions of ``bus`` (made there once: a development CA and certificates)."""
    port = port or free_port()
    bus.init()
    argv = nats_command(store_dir, port, bus)
    process = await ManagedProcess.start("nats", argv, log_path, env=go_server_env())
    url = f"tls://{LOOPBACK}:{port}"
    admin = BusCredentials.in_directory(url, bus.credentials_dir(ADMIN))
    await _ready_or_stopped(process, lambda: jetstream_answers(admin), "nats-server", timeout)
    return Server("nats-server", url, store_dir, process)


async def start_ferretdb(
    data_dir: Path,
    log_path: Path,
    port: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
    postgresql_url: str | None = None,
) -> Server:
    """FerretDB with its SQLite backend (one file per database in ``data_dir``), or with its
    PostgreSQL backend on the database ``postgresql_url`` names (the benchmark's choice)."""
    port = port or free_port()
    argv = ferretdb_command(data_dir, port, postgresql_url)
    process = await ManagedProcess.start("ferretdb", argv, log_path, env=go_server_env())
    url = f"mongodb://{LOOPBACK}:{port}/"
    await _ready_or_stopped(process, lambda: mongodb_answers(url), "FerretDB", timeout)
    return Server("FerretDB", url, data_dir, process)


async def start_dex(
    config_path: Path, issuer: str, log_path: Path, timeout: float = DEFAULT_START_TIMEOUT
) -> Server:
    """Dex (an OpenID Connect provider) serving ``config_path``, whose ``issuer`` and
    ``web.http`` the caller chose; ready once its discovery document names that issuer."""
    argv = [str(require_dex()), "serve", str(config_path)]
    process = await ManagedProcess.start("dex", argv, log_path)
    await _ready_or_stopped(process, lambda: discovery_answers(issuer), "Dex", timeout)
    return Server("Dex", issuer, config_path.parent, process)


async def discovery_answers(issuer: str) -> bool:
    """True when ``<issuer>/.well-known/openid-configuration`` names ``issuer``."""

    def fetch() -> bool:
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                document = json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return False
        return isinstance(document, dict) and document.get("issuer") == issuer

    return await asyncio.to_thread(fetch)


def nats_command(store_dir: Path, port: int, bus: BusAccess) -> list[str]:
    store_dir.mkdir(parents=True, exist_ok=True)
    return [
        str(nats_server_path()),
        *("-c", str(bus.directory / SERVER_CONF), "-P", str(bus.directory / PID_FILE)),
        *("-js", "-a", LOOPBACK, "-p", str(port), "-sd", str(store_dir)),
    ]


def ferretdb_command(data_dir: Path, port: int, postgresql_url: str | None = None) -> list[str]:
    binary = require_ferretdb()
    data_dir.mkdir(parents=True, exist_ok=True)
    backend = (
        ["--handler=postgresql", f"--postgresql-url={postgresql_url}"]
        if postgresql_url
        else [
            "--handler=sqlite",
            # FerretDB requires the trailing slash. It runs SQLite in WAL mode;
            # synchronous=NORMAL (SQLite's advice for WAL) syncs at checkpoints instead of
            # every commit: a killed FerretDB loses nothing, a power cut may lose the last
            # commits. Measured here: 110 -> 180 operations/s.
            f"--sqlite-url=file:{data_dir}/?_pragma=synchronous(normal)",
        ]
    )
    return [
        str(binary),
        *backend,
        f"--state-dir={data_dir}",  # for its state.json; the default is the working directory
        "--telemetry=disable",
        "--debug-addr=-",
        f"--listen-addr={LOOPBACK}:{port}",
        "--log-level=error",  # at warn it dumps every error reply, e.g. to pymongo's endSessions
    ]


async def _ready_or_stopped(
    process: ManagedProcess,
    is_ready: Callable[[], Awaitable[bool]],
    what: str,
    timeout: float,
) -> None:
    """Wait for readiness; on failure or cancellation (Ctrl-C) stop the process before raising."""
    try:
        await wait_until_ready(process, is_ready, what=what, timeout=timeout)
    except BaseException:
        await process.stop()
        raise


async def jetstream_answers(credentials: BusCredentials, timeout: float = 3.0) -> bool:
    """True if a client with ``credentials`` can connect and JetStream answers an account-info
    request."""

    async def ignore(_: Exception) -> None:  # nats-py reports errors here besides raising them
        return None

    try:
        # max_reconnect_attempts=0 would mean "retry forever" while connecting; 1 gives up fast.
        client = await asyncio.wait_for(
            nats.connect(
                **credentials.connect_options("devstack-probe"),
                connect_timeout=timeout / 2,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                error_cb=ignore,
            ),
            timeout=timeout,
        )
    except Exception:
        return False
    try:
        await client.jetstream(timeout=timeout).account_info()
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
    return True


async def mongodb_answers(url: str, timeout: float = 0.5) -> bool:
    """True if a MongoDB-wire server at ``url`` answers ``ping`` within ``timeout`` seconds."""
    timeout_ms = int(timeout * 1000)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        await client.close()
    return True
