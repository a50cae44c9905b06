"""Write a service's AsyncAPI document from its app, or check the committed one is current."""

import json
import sys
from pathlib import Path

from faststream import FastStream


def render(app: FastStream) -> str:
    document = json.loads(app.schema.to_specification().to_json())
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_or_check(app: FastStream, path: Path, argv: list[str]) -> None:
    """``--check``: exit 1 when ``path`` differs from what the app declares."""
    current = render(app)
    if "--check" in argv:
        if not path.exists() or path.read_text() != current:
            sys.exit(f"{path} is out of date: run `make contract`")
        return
    path.write_text(current)
