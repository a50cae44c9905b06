"""``python -m gateway.openapi [--check]``: the committed OpenAPI document, from the API itself."""

import json
import sys
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi.json"


def document() -> dict[str, Any]:
    """The API as built from settings that connect nowhere."""
    from gateway.entrypoints.http import create_api
    from gateway.handlers import Gateway
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(
        nats_url="nats://localhost:4222",
        mongodb_url="mongodb://localhost",
        secret_key="A" * 44,  # no secret is sealed here
    )
    gateway: Any = Gateway.__new__(Gateway)
    gateway.settings = settings
    return create_api(gateway).openapi()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
            print(f"{DOCUMENT} is out of date: run python -m gateway.openapi", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
