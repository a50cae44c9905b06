"""``python -m gateway.asyncapi [--check]``: the gateway's AsyncAPI document (its face on the
bus: the events it consumes for subscribers and publishes for callers, its dead letters and
the data-rights commands it answers), from the app itself. Its HTTP face is openapi.json."""

import sys
from pathlib import Path

from mediation_runtime.asyncapi import write_or_check

from gateway.bootstrap import create_gateway
from gateway.settings import GatewaySettings

DOCUMENT = Path(__file__).resolve().parents[2] / "asyncapi.json"


def settings() -> GatewaySettings:
    """The settings the committed document is generated with (nothing connects, no key is
    fetched: the identity provider's keys are read at the first token)."""
    return GatewaySettings(
        nats_url="nats://localhost:4222",
        mongodb_url="mongodb://localhost",
        secret_key="A" * 43 + "=",  # 32 zero bytes: no secret is sealed here
        jwks_url="https://identity.invalid/jwks",
    )


def main() -> None:
    write_or_check(create_gateway(settings()).app, DOCUMENT, sys.argv[1:])


if __name__ == "__main__":
    main()
