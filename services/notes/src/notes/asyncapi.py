"""``python -m notes.asyncapi [--check]``: the AsyncAPI document, from the app itself."""

import atexit
import base64
import shutil
import sys
import tempfile
from pathlib import Path

from mediation_runtime.asyncapi import write_or_check

from notes.adapters.proof_keys import make_key_pair
from notes.bootstrap import create_app
from notes.settings import NotesSettings

DOCUMENT = Path(__file__).resolve().parents[2] / "asyncapi.json"


def settings() -> NotesSettings:
    """The settings the committed document is generated with (nothing connects)."""
    # A throwaway proof key, never used: nothing runs. Removed when the process ends.
    scratch = Path(tempfile.mkdtemp(prefix="notes-asyncapi-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    proof_key_file, _ = make_key_pair(scratch)
    return NotesSettings(
        nats_url="nats://localhost:4222",
        mongodb_url="mongodb://localhost",
        master_key=base64.b64encode(bytes(32)).decode(),  # never used: nothing runs
        jwks_url="https://idp.example/jwks.json",  # never fetched: nothing runs
        proof_key_file=str(proof_key_file),
    )


def main() -> None:
    write_or_check(create_app(settings()), DOCUMENT, sys.argv[1:])


if __name__ == "__main__":
    main()
