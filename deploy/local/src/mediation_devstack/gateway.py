"""The HTTP gateway in the local stack, and development tokens for it. DEVELOPMENT ONLY.

`make run` starts ``python -m gateway`` on ``https://localhost:8090`` (``MEDIATION_GATEWAY_PORT``)
with a TLS certificate of the bus's development CA (``var/bus/gateway-server/``), so a caller
trusts it with ``var/bus/ca.pem``; callers authenticate with a client certificate of the bus
(``bus_access add-integration``, mutual TLS) or a token of the development identity provider
(``var/dev-identity``), which this module mints, as a municipality's identity provider would
for the client-credentials grant:

    uv run python -m mediation_devstack.gateway token --client kk-esdh --tenant kk \\
        --role "case systems"

Callback URLs on this machine (``http://127.0.0.1:...``) are allowed here; in production they
are not (docs/gateway.md).
"""

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mediation_contracts.access import OUTSIDE_ROLES
from mediation_runtime.bus_access import BusAccess

from mediation_devstack.dev_identity import DevIdentity
from mediation_devstack.dev_secrets import _random_key_file

AUDIENCE = "mediation-gateway"
PORT_ENV, DEFAULT_PORT = "MEDIATION_GATEWAY_PORT", 8090
SERVER_DIR = "gateway-server"
DEFAULT_TTL = timedelta(hours=8)


def gateway_env(bus: BusAccess, identity_dir: Path, port: int) -> dict[str, str]:
    """The gateway's settings in the local stack (variables already set win)."""
    server = bus.directory / SERVER_DIR
    bus.issue_https_server(server, ("localhost", "127.0.0.1"))
    identity = DevIdentity.load(identity_dir)
    defaults = {
        "GATEWAY_HTTP_HOST": "127.0.0.1",
        "GATEWAY_HTTP_PORT": str(port),
        "GATEWAY_PUBLIC_URL": gateway_url(port),
        "GATEWAY_TLS_CERT_FILE": str(server / "cert.pem"),
        "GATEWAY_TLS_KEY_FILE": str(server / "key.pem"),
        "GATEWAY_CLIENT_CA_FILE": str(bus.directory / "ca.pem"),
        "GATEWAY_CLIENT_REGISTRY_FILE": str(bus.directory / "principals.json"),
        "GATEWAY_JWKS_FILE": str(identity.jwks_path),
        "GATEWAY_TOKEN_ISSUER": identity.issuer,
        "GATEWAY_TOKEN_AUDIENCE": AUDIENCE,
        "GATEWAY_SECRET_KEY": _random_key_file(identity_dir / "gateway-secret.key"),
        # Subscribers on this machine, over plain HTTP: development only.
        "GATEWAY_ALLOW_HTTP_CALLBACKS": "true",
        "GATEWAY_ALLOW_PRIVATE_CALLBACKS": "true",
    }
    return {name: os.environ.get(name, value) for name, value in defaults.items()}


def gateway_url(port: int) -> str:
    return f"https://localhost:{port}"


def token_command(tenant: str = "kk") -> str:
    """What `make run` prints: how to get a development token for the gateway."""
    return (
        "uv run python -m mediation_devstack.gateway token --client "
        f'{tenant}-esdh --tenant {tenant} --role "case systems"'
    )


def mint(
    identity: DevIdentity,
    client: str,
    tenant: str,
    roles: Sequence[str],
    consume: Sequence[str] = (),
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    """A client-credentials token with the gateway's claims (docs/gateway.md)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": identity.issuer,
        "sub": client,
        "aud": AUDIENCE,
        "tenant": tenant,
        "roles": list(roles),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if consume:
        claims["consume"] = list(consume)
    return identity.sign(claims)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mediation_devstack.gateway",
        description="Development tokens for the local stack's HTTP gateway (development only).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a client-credentials token")
    token.add_argument("--client", required=True, help="the client's id, e.g. kk-esdh")
    token.add_argument("--tenant", required=True, help="its municipality, e.g. kk")
    token.add_argument("--role", action="append", required=True, choices=OUTSIDE_ROLES)
    token.add_argument("--consume", action="append", default=[], help="aggregate.event")
    token.add_argument("--ttl-minutes", type=int, default=int(DEFAULT_TTL.total_seconds() // 60))
    token.add_argument("--dir", type=Path, default=None, help="the identity (var/dev-identity)")
    arguments = parser.parse_args(argv)
    directory = arguments.dir or _identity_dir()
    try:
        identity = DevIdentity.load(directory)
    except (FileNotFoundError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    ttl = timedelta(minutes=max(1, arguments.ttl_minutes))
    print(
        mint(identity, arguments.client, arguments.tenant, arguments.role, arguments.consume, ttl)
    )
    return 0


def _identity_dir() -> Path:
    from mediation_devstack.paths import state_dir

    return state_dir() / "dev-identity"


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["gateway_env", "gateway_url", "main", "mint", "token_command"]
