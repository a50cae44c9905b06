"""``python -m notifications.asyncapi [--check]``: the AsyncAPI document, from the app itself."""

import sys
from pathlib import Path

from mediation_runtime.asyncapi import write_or_check

from notifications.bootstrap import create_app
from notifications.settings import NotificationsSettings

DOCUMENT = Path(__file__).resolve().parents[2] / "asyncapi.json"


def settings() -> NotificationsSettings:
    """The settings the committed document is generated with (nothing connects)."""
    return NotificationsSettings(
        nats_url="nats://localhost:4222", mongodb_url="mongodb://localhost", mode="console"
    )


def main() -> None:
    write_or_check(create_app(settings()), DOCUMENT, sys.argv[1:])


if __name__ == "__main__":
    main()
