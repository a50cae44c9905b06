"""The mediation services and the mediator client as separate processes, each
``python -m <name>``, output prefixed.

Add a service here when its package exists; `make run` starts every one listed.
"""

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_runtime.bus_access import BusAccess

from mediation_devstack.ports import LOOPBACK
from mediation_devstack.processes import ManagedProcess

CLIENT = "mediator_client"
GATEWAY = "gateway"  # the HTTP gateway for outside systems (mediation_devstack.gateway)
SERVICES: tuple[str, ...] = (
    "intake",
    "scheduling",
    "notes",
    "notifications",
    "insights",
    GATEWAY,
    CLIENT,
)

_COLOURS = ("36", "35", "33", "32", "34", "31", "96")  # cyan, magenta, ..., red, bright cyan


def service_env(nats_url: str, mongodb_url: str) -> dict[str, str]:
    """What a service reads from its environment, as `make run` sets it."""
    return {
        **os.environ,
        "NATS_URL": nats_url,
        "MONGODB_URL": mongodb_url,
        "LOG_FORMAT": "console",
        "PYTHONUNBUFFERED": "1",  # lines reach the terminal as they are written, not per 8 KiB
    }


def health_env(port: int) -> dict[str, str]:
    """Probes and Prometheus metrics on a loopback port of the service's own (``/metrics``)."""
    return {"HEALTH_ADDRESS": f"{LOOPBACK}:{port}"}


def bus_env(bus: BusAccess, name: str) -> dict[str, str]:
    """The NATS credentials of the process ``name`` (its own certificate, so its own
    permissions)."""
    directory = bus.credentials_dir(MEDIATOR_CLIENT if name == CLIENT else name)
    return {
        "NATS_CA_FILE": str(directory / "ca.pem"),
        "NATS_CERT_FILE": str(directory / "cert.pem"),
        "NATS_KEY_FILE": str(directory / "key.pem"),
    }


def _prefix(name: str, index: int, width: int) -> str:
    label = f"{name:<{width}} | "
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        return f"\033[{_COLOURS[index % len(_COLOURS)]}m{label}\033[0m"
    return label


async def start_services(
    names: tuple[str, ...],
    nats_url: str,
    mongodb_url: str,
    log_dir: Path,
    bus: BusAccess,
    extra_env: dict[str, str] | None = None,
    own_env: Mapping[str, Mapping[str, str]] | None = None,
) -> list[ManagedProcess]:
    """Start each service with its own NATS certificate (and ``own_env[name]``); its lines
    go to the terminal prefixed by its name and to its log."""
    env = service_env(nats_url, mongodb_url) | (extra_env or {})
    width = max((len(name) for name in names), default=0)
    started: list[ManagedProcess] = []
    try:
        for index, name in enumerate(names):
            started.append(
                await ManagedProcess.start(
                    name,
                    [sys.executable, "-m", name],
                    log_dir / f"{name}.log",
                    env=env | bus_env(bus, name) | dict((own_env or {}).get(name, {})),
                    echo_to=sys.stdout,
                    echo_prefix=_prefix(name, index, width),
                )
            )
    except BaseException:
        for process in reversed(started):
            await process.stop()
        raise
    return started
