"""`make run`: servers, streams and services in the foreground, stopped cleanly on Ctrl-C.

Order matters both ways: servers before streams before services on the way up; services before
servers on the way down, so no service sees its broker or database vanish mid-message. If any
service exits on its own, the whole stack stops with a non-zero exit code: a half-running
stack would only hide the failure.
"""

import asyncio
import contextlib
import json
import os
import re
import signal
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediation_contracts.access import ADMIN
from mediation_contracts.commands import DATA_PROTECTION_OFFICE
from mediation_runtime.bus import BusCredentials
from mediation_runtime.bus_access import SERVER_CONF, BusAccess
from mediation_runtime.streams import ensure_streams
from nats.errors import Error as NatsError

from mediation_devstack import demo
from mediation_devstack.dev_secrets import demo_logins, dev_secrets
from mediation_devstack.gateway import DEFAULT_PORT as DEFAULT_GATEWAY_PORT
from mediation_devstack.gateway import PORT_ENV as GATEWAY_PORT_ENV
from mediation_devstack.gateway import gateway_env, gateway_url, token_command
from mediation_devstack.ports import describe_port_holder, free_port, port_answers, port_is_free
from mediation_devstack.processes import ManagedProcess, StartupError, wait_until_ready
from mediation_devstack.readiness import wait_until_serving
from mediation_devstack.servers import (
    Server,
    jetstream_answers,
    mongodb_answers,
    start_ferretdb,
    start_nats,
)
from mediation_devstack.services import CLIENT, GATEWAY, health_env, start_services
from mediation_devstack.state import RunLock, StateLayout

NATS_PORT_ENV, DEFAULT_NATS_PORT = "MEDIATION_NATS_PORT", 4222
MONGO_PORT_ENV, DEFAULT_MONGO_PORT = "MEDIATION_MONGO_PORT", 27017
CLIENT_PORT_ENV, DEFAULT_CLIENT_PORT = "MEDIATION_CLIENT_PORT", 8080
BUS_DIR_ENV = "MEDIATION_BUS_DIR"  # the bus's certificates, if not the state directory's
EXTERNAL_SERVER_TIMEOUT = 10.0  # a remote server may need DNS and TLS before it answers
READY_TIMEOUT_ENV, DEFAULT_READY_TIMEOUT = "MEDIATION_READY_TIMEOUT", 60.0
DEMO_ENV = "MEDIATION_DEMO"  # 0: no demo cases on a fresh stack


def say(message: str) -> None:
    print(f"devstack | {message}", flush=True)


@dataclass
class Stack:
    """What this run uses, and what it started (only that gets stopped)."""

    layout: StateLayout
    nats_url: str = ""
    mongodb_url: str = ""
    servers: list[Server] = field(default_factory=list)
    services: list[ManagedProcess] = field(default_factory=list)
    client_url: str = ""
    metrics_urls: dict[str, str] = field(default_factory=dict)
    gateway_url: str = ""
    logins: list[str] = field(default_factory=list)
    bus_dir: Path | None = None
    data_protection: Path | None = None  # the demo data protection office's certificate


async def run(layout: StateLayout, service_names: tuple[str, ...]) -> int:
    """Run until Ctrl-C/SIGTERM (exit 0) or until a service exits (its exit code, or 1)."""
    with RunLock(layout):
        stop_requested = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop_requested.set)
        stack = Stack(layout)
        try:
            if not await _unless_stopped(_start(stack, service_names), stop_requested):
                say("stop requested during start-up")
                return 0
            print(describe(stack), flush=True)
            demo_task = _start_demo(stack, service_names)
            try:
                return await _supervise(stack.services, stop_requested)
            finally:
                if demo_task is not None:
                    demo_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await demo_task
        except StartupError as error:
            say(f"error: {error}")
            return 1
        finally:
            await _shutdown(stack)
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


async def _unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``work``; cancel it if a stop is requested first. True if it completed."""
    task = asyncio.create_task(work)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StartupError):
            await task
        return False
    task.result()  # re-raises a start-up failure
    return True


async def _start(stack: Stack, service_names: tuple[str, ...]) -> None:
    layout = stack.layout
    bus = BusAccess(Path(os.environ.get(BUS_DIR_ENV, layout.bus_dir)))
    stack.bus_dir = bus.directory
    if bus.init():
        say(f"made the bus's development CA and certificates in {bus.directory}")
    stack.data_protection = _data_protection_office(bus)
    await _start_nats(stack, bus)
    await _start_database(stack)
    try:
        await ensure_streams(
            BusCredentials.in_directory(stack.nats_url, bus.credentials_dir(ADMIN))
        )
    except Exception as error:
        raise StartupError(
            f"cannot create the JetStream streams on {redact(stack.nats_url)}: {error!r}"
        ) from error
    await _start_services(stack, service_names, bus)


def _data_protection_office(bus: BusAccess) -> Path | None:
    """The demo municipality's data protection office, as a municipality adds its own
    (README "Data protection"): a principal that may send the data-rights commands only.
    Made once, with the development CA (an operator's own CA issues its certificate)."""
    name = f"{demo.DEMO_TENANT}-dpo"
    if name not in bus.entries():
        if not (bus.directory / "ca.key").exists():
            return None
        bus.add_integration(name, demo.DEMO_TENANT, [DATA_PROTECTION_OFFICE])
        say(f"made the data protection office's principal {name} in {bus.credentials_dir(name)}")
    return bus.credentials_dir(name)


async def _start_nats(stack: Stack, bus: BusAccess) -> None:
    """``NATS_URL`` if it answers with the bus's certificates, else a local nats-server."""
    layout = stack.layout
    if url := os.environ.get("NATS_URL"):
        admin = BusCredentials.in_directory(url, bus.credentials_dir(ADMIN))
        if not await jetstream_answers(admin, timeout=EXTERNAL_SERVER_TIMEOUT):
            raise StartupError(
                f"NATS_URL={redact(url)} does not answer with the certificates in "
                f"{bus.directory}, or has no JetStream (run it with -c "
                f"{bus.directory / SERVER_CONF})"
            )
        stack.nats_url = url
    else:
        port = _configured_port(NATS_PORT_ENV, DEFAULT_NATS_PORT, "NATS", "NATS_URL", "tls")
        say(f"starting NATS on port {port} (TLS, certificates in {bus.directory}) ...")
        nats = await start_nats(layout.nats_dir, layout.log_dir / "nats.log", bus, port)
        stack.servers.append(nats)
        stack.nats_url = nats.url


async def _start_database(stack: Stack) -> None:
    """``MONGODB_URL`` if it answers, else a local FerretDB."""
    layout = stack.layout
    if url := os.environ.get("MONGODB_URL"):
        if not await mongodb_answers(url, timeout=EXTERNAL_SERVER_TIMEOUT):
            raise StartupError(f"MONGODB_URL={redact(url)} does not answer `ping`")
        stack.mongodb_url = url
    else:
        port = _configured_port(
            MONGO_PORT_ENV, DEFAULT_MONGO_PORT, "FerretDB", "MONGODB_URL", "mongodb"
        )
        say(f"starting FerretDB on port {port} ...")
        ferretdb = await start_ferretdb(layout.ferretdb_dir, layout.log_dir / "ferretdb.log", port)
        stack.servers.append(ferretdb)
        stack.mongodb_url = ferretdb.url


async def _start_services(stack: Stack, service_names: tuple[str, ...], bus: BusAccess) -> None:
    """The services, then the client once every service consumes and answers."""
    layout = stack.layout
    secrets = dev_secrets(layout.dev_identity_dir)
    if CLIENT in service_names:
        port = _configured_port(CLIENT_PORT_ENV, DEFAULT_CLIENT_PORT, "the mediator client")
        # localhost, not 127.0.0.1: browsers keep the client's Secure cookies on plain HTTP
        # only for localhost.
        stack.client_url = f"http://localhost:{port}/"
        secrets |= {"MEDIATOR_HOST": "127.0.0.1", "MEDIATOR_PORT": str(port)}
        # Evaluation invitations link to the client's public evaluation page.
        secrets.setdefault(
            "NOTIFICATIONS_EVALUATION_URL",
            os.environ.get("NOTIFICATIONS_EVALUATION_URL", f"{stack.client_url}evaluering"),
        )
        stack.logins = demo_logins(Path(secrets["MEDIATOR_USERS_FILE"]))
    if GATEWAY in service_names:
        port = _configured_port(GATEWAY_PORT_ENV, DEFAULT_GATEWAY_PORT, "the HTTP gateway")
        secrets |= gateway_env(bus, layout.dev_identity_dir, port)
        stack.gateway_url = gateway_url(int(secrets["GATEWAY_HTTP_PORT"]))
    if not {"SCHEDULING_POLICY", "SCHEDULING_TENANT_POLICIES"} & set(os.environ):
        # The demo tenant meets at any time, so the demo's meetings (and a person's) can be
        # held within minutes (mediation_devstack.demo).
        secrets["SCHEDULING_TENANT_POLICIES"] = json.dumps({demo.DEMO_TENANT: demo.DEMO_POLICY})
    # The client last, once every service consumes and answers: when its port opens (and
    # the table appears), what a person or system sends is handled at once.
    first = tuple(name for name in service_names if name != CLIENT)
    # Each service's probes and /metrics on a free loopback port (the table says which).
    ports = {name: free_port() for name in first}
    stack.metrics_urls = {name: f"http://127.0.0.1:{port}/metrics" for name, port in ports.items()}
    stack.services.extend(
        await start_services(
            first,
            stack.nats_url,
            stack.mongodb_url,
            layout.log_dir,
            bus,
            secrets,
            {name: health_env(port) for name, port in ports.items()},
        )
    )
    timeout = _ready_timeout()
    admin = BusCredentials.in_directory(stack.nats_url, bus.credentials_dir(ADMIN))
    await wait_until_serving(stack.services, admin, timeout)
    gateway = next((p for p in stack.services if p.name == GATEWAY), None)
    if gateway is not None:
        gateway_port = int(secrets["GATEWAY_HTTP_PORT"])
        await wait_until_ready(
            gateway, lambda: port_answers(gateway_port), what="the HTTP gateway", timeout=timeout
        )
    if CLIENT in service_names:
        (client,) = await start_services(
            (CLIENT,), stack.nats_url, stack.mongodb_url, layout.log_dir, bus, secrets
        )
        stack.services.append(client)
        port = int(secrets["MEDIATOR_PORT"])
        await wait_until_ready(
            client, lambda: port_answers(port), what="the mediator client", timeout=timeout
        )


def _start_demo(stack: Stack, service_names: tuple[str, ...]) -> "asyncio.Task[None] | None":
    """The demo cases (``mediation_devstack.demo``), once per state directory, in the
    background: the stack is usable meanwhile. ``MEDIATION_DEMO=0`` leaves them out."""
    wanted = os.environ.get(DEMO_ENV, "1") != "0"
    needed = {"intake", "scheduling", "insights", CLIENT} <= set(service_names)
    if not wanted or not needed or demo.done(stack.layout.root) or stack.bus_dir is None:
        return None
    bus_dir = stack.bus_dir

    async def drive() -> None:
        try:
            await demo.run_demo(stack.nats_url, bus_dir, stack.layout.dev_identity_dir, say=say)
        except (demo.DemoFailed, OSError, NatsError, TimeoutError) as error:
            say(f"demo data not complete: {error!r} (run `python -m mediation_devstack demo`)")
            return
        demo.mark_done(stack.layout.root, say)

    return asyncio.create_task(drive())


def _ready_timeout() -> float:
    raw = os.environ.get(READY_TIMEOUT_ENV, str(DEFAULT_READY_TIMEOUT))
    try:
        return float(raw)
    except ValueError:
        raise StartupError(f"{READY_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None


def _configured_port(
    env_name: str, default: int, what: str, url_env: str | None = None, scheme: str = ""
) -> int:
    raw = os.environ.get(env_name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise StartupError(f"{env_name}={raw!r} is not a port number") from None
    if not port_is_free(port):
        holder = describe_port_holder(port) or "another process"
        advice = f"port {port} for {what} is taken by {holder}.\n"
        advice += f"  Stop it, or pick another port: {env_name}=<port> make run"
        if url_env:
            url = f"{scheme}://127.0.0.1:{port}"
            advice += f"\n  or use that server if it is one: {url_env}={url} make run"
        raise StartupError(advice)
    return port


async def _supervise(services: list[ManagedProcess], stop: asyncio.Event) -> int:
    exits = {asyncio.create_task(service.wait()): service for service in services}
    stopper = asyncio.create_task(stop.wait())
    done, pending = await asyncio.wait({*exits, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        if task in exits:
            service = exits[task]
            await service.stop()  # drains its last output lines before we explain
            say(
                f"service {service.name!r} exited with code {service.returncode}; "
                f"stopping the stack (log: {service.log_path})"
            )
            return service.returncode or 1
    say("stopping ...")
    return 0


async def _shutdown(stack: Stack) -> None:
    if stack.services:
        codes = await asyncio.gather(*(service.stop() for service in stack.services))
        summary = zip(stack.services, codes, strict=True)
        say("stopped " + ", ".join(f"{service.name} (exit {code})" for service, code in summary))
    for server in reversed(stack.servers):
        await server.stop()
        say(f"stopped {server.name}")


def describe(stack: Stack) -> str:
    """The table printed once everything is up: what runs where, and how to stop it."""
    started = {server.name: server for server in stack.servers}
    width = max(len(name) for name in ("services", *(s.name for s in stack.services)))
    lines = [
        "",
        f"Local mediation stack is running (runner pid {os.getpid()}, state {stack.layout.root})",
    ]
    for label, url, server_name, env in (
        ("NATS", stack.nats_url, "nats-server", "NATS_URL"),
        ("MongoDB", stack.mongodb_url, "FerretDB", "MONGODB_URL"),
    ):
        server = started.get(server_name)
        where = (
            f"{server_name}, pid {server.process.pid}, data {server.data_dir}, "
            f"log {server.process.log_path}"
            if server
            else f"from {env}, not started here"
        )
        lines.append(f"  {label:<{width}} {redact(url):<32} {where}")
    for service in stack.services:
        what = {CLIENT: stack.client_url, GATEWAY: stack.gateway_url}.get(
            service.name
        ) or stack.metrics_urls.get(service.name, "service")
        lines.append(
            f"  {service.name:<{width}} {what:<32} pid {service.pid}, log {service.log_path}"
        )
    if not stack.services:
        lines.append(f"  {'services':<{width}} none started")
    if stack.client_url:
        lines += [
            "",
            f"Mediator client: open {stack.client_url} in a browser.",
            "  Demo logins (development only): " + ", ".join(stack.logins),
        ]
    if stack.metrics_urls:
        otlp = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        lines += [
            "",
            "Metrics: each service serves Prometheus metrics at the URL beside it "
            "(/healthz and /readyz on the same port).",
            f"Traces: sent over OTLP to {redact(otlp)}"
            if otlp
            else "Traces: off; set OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP) to send them.",
        ]
    if stack.gateway_url and stack.bus_dir is not None:
        lines += [
            "",
            f"HTTP gateway for outside systems: {stack.gateway_url}/v1/<municipality>/... "
            f"(CA {stack.bus_dir / 'ca.pem'}; API in services/gateway/openapi.json).",
            "  A development token: " + token_command(),
        ]
        if GATEWAY in stack.metrics_urls:
            lines.append(f"  Its probes and metrics: {stack.metrics_urls[GATEWAY]}")
    if stack.data_protection:
        lines += [
            "",
            f"Data protection office ({demo.DEMO_TENANT}): principal "
            f"{stack.data_protection.name}; a citizen's access, correction and erasure "
            "requests (README, Data protection), e.g.:",
            f"  NATS_URL={stack.nats_url} NATS_CA_FILE={stack.data_protection / 'ca.pem'} "
            f"NATS_CERT_FILE={stack.data_protection / 'cert.pem'} "
            f"NATS_KEY_FILE={stack.data_protection / 'key.pem'} "
            ".venv/bin/python -m mediation_runtime.data_rights access "
            f"--tenant {demo.DEMO_TENANT} --party-id <party id> --requested-by <staff id> "
            "--out var/data-rights",
        ]
    lines += ["Stop with Ctrl-C. Data stays in the state directory; `make reset` deletes it.", ""]
    return "\n".join(lines)


def redact(url: str) -> str:
    """``scheme://user:secret@host`` -> ``scheme://user:***@host``, for printing."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)
