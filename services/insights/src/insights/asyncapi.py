"""``python -m insights.asyncapi [--check]``: the AsyncAPI document, from the app itself."""

import sys
from pathlib import Path

from mediation_runtime.asyncapi import write_or_check

from insights.bootstrap import create_app
from insights.settings import InsightsSettings

DOCUMENT = Path(__file__).resolve().parents[2] / "asyncapi.json"


def settings() -> InsightsSettings:
    """The settings the committed document is generated with (nothing connects)."""
    return InsightsSettings(nats_url="nats://localhost:4222", mongodb_url="mongodb://localhost")


def main() -> None:
    write_or_check(create_app(settings()), DOCUMENT, sys.argv[1:])


if __name__ == "__main__":
    main()
