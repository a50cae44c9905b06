"""Command line of the local stack: ``python -m mediation_devstack {setup,run,reset}``."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_runtime.bus_access import BusAccess
from nats.errors import NoServersError

from mediation_devstack import demo
from mediation_devstack.paths import state_dir
from mediation_devstack.processes import StartupError
from mediation_devstack.services import SERVICES
from mediation_devstack.stack import run
from mediation_devstack.state import StackRunning, StateLayout, reset
from mediation_devstack.tools import (
    ToolMissing,
    ensure_dex,
    ensure_ferretdb,
    ensure_helm,
    ensure_promtool,
    nats_server_path,
)


def _services(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


async def _demo(layout: StateLayout) -> int:
    """The demo cases on the running stack: its NATS (``NATS_URL``, else the local port)."""
    port = os.environ.get("MEDIATION_NATS_PORT", "4222")
    nats_url = os.environ.get("NATS_URL", f"tls://127.0.0.1:{port}")
    bus_dir = Path(os.environ.get("MEDIATION_BUS_DIR", layout.bus_dir))
    if not (BusAccess(bus_dir).credentials_dir(MEDIATOR_CLIENT) / "ca.pem").exists():
        print(
            f"error: no bus certificates in {bus_dir}: start the stack first (`make run`)",
            file=sys.stderr,
        )
        return 1
    try:
        await demo.run_demo(nats_url, bus_dir, layout.dev_identity_dir)
    except demo.DemoFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (NoServersError, OSError) as error:
        print(
            f"error: cannot reach the stack's NATS at {nats_url} ({type(error).__name__}): "
            "is `make run` running, with the same MEDIATION_NATS_PORT?",
            file=sys.stderr,
        )
        return 1
    demo.mark_done(layout.root)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mediation_devstack",
        description="The one-machine local stack: NATS, FerretDB (or $MONGODB_URL), services.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "setup",
        help="install what the stack and the chart tests need (builds FerretDB and helm once)",
    )
    run_parser = commands.add_parser("run", help="run servers and services until Ctrl-C")
    run_parser.add_argument(
        "--services",
        type=_services,
        default=SERVICES,
        help=f"comma-separated services to start (default: {','.join(SERVICES)}; '' for none)",
    )
    commands.add_parser("reset", help="delete the state directory (var/)")
    commands.add_parser(
        "demo",
        help="drive the demo cases through the running stack (as the mediator client); "
        "`run` does it once on a fresh state directory",
    )
    args = parser.parse_args(argv)

    try:
        if args.command == "setup":
            print(f"nats-server: {nats_server_path()}")
            if "MONGODB_URL" in os.environ:
                print("FerretDB: not needed, MONGODB_URL is set")
            else:
                print(f"FerretDB: {ensure_ferretdb()}")
            print(f"helm: {ensure_helm()}")
            print(f"Dex: {ensure_dex()}")
            print(f"promtool: {ensure_promtool()}")
        if args.command == "run":
            if "MONGODB_URL" not in os.environ:
                ensure_ferretdb()  # a no-op once built; `run` works without `setup` too
            return asyncio.run(run(StateLayout(state_dir()), args.services))
        if args.command == "reset":
            print(reset(StateLayout(state_dir())))
        if args.command == "demo":
            return asyncio.run(_demo(StateLayout(state_dir())))
    except (ToolMissing, StackRunning, StartupError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
