"""``python -m intake.asyncapi [--check]``: intake's AsyncAPI document, from the app itself."""

import sys
from pathlib import Path

from mediation_runtime.asyncapi import write_or_check

from intake.bootstrap import create_app
from intake.settings import IntakeSettings

DOCUMENT = Path(__file__).resolve().parents[2] / "asyncapi.json"


def settings() -> IntakeSettings:
    """The settings the committed document is generated with (nothing connects)."""
    return IntakeSettings(nats_url="nats://localhost:4222", mongodb_url="mongodb://localhost")


def main() -> None:
    write_or_check(create_app(settings()), DOCUMENT, sys.argv[1:])


if __name__ == "__main__":
    main()
