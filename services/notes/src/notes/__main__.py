"""``python -m notes``: run the notes service until SIGINT/SIGTERM."""

import sys

from mediation_runtime.service import run

from notes.adapters.crypto import InvalidMasterKey
from notes.adapters.identity import IdentityConfigurationError
from notes.adapters.proof_keys import ProofKeyError
from notes.bootstrap import create_app
from notes.settings import NotesSettings


def main() -> None:
    try:
        app = create_app(NotesSettings())
    except (InvalidMasterKey, IdentityConfigurationError, ProofKeyError) as error:
        sys.exit(f"notes: cannot start: {error}")  # names what to fix, never key material
    run(app)


if __name__ == "__main__":
    main()
