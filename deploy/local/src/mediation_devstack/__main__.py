"""Command line of the local stack: ``python -m mediation_devstack {setup,run,reset}``."""

import argparse
import asyncio
import os
import sys

from mediation_devstack.paths import state_dir
from mediation_devstack.processes import StartupError
from mediation_devstack.services import SERVICES
from mediation_devstack.stack import run
from mediation_devstack.state import StackRunning, StateLayout, reset
from mediation_devstack.tools import ToolMissing, ensure_ferretdb, ensure_helm, nats_server_path


def _services(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


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
    args = parser.parse_args(argv)

    try:
        if args.command == "setup":
            print(f"nats-server: {nats_server_path()}")
            if "MONGODB_URL" in os.environ:
                print("FerretDB: not needed, MONGODB_URL is set")
            else:
                print(f"FerretDB: {ensure_ferretdb()}")
            print(f"helm: {ensure_helm()}")
        if args.command == "run":
            if "MONGODB_URL" not in os.environ:
                ensure_ferretdb()  # a no-op once built; `run` works without `setup` too
            return asyncio.run(run(StateLayout(state_dir()), args.services))
        if args.command == "reset":
            print(reset(StateLayout(state_dir())))
    except (ToolMissing, StackRunning, StartupError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
