"""Development-only settings for the local stack; secrets made once under ``var/dev-identity``.

Production gets these from the municipality: the notes master key from a secret store and
the identity provider's public keys (JWKS). Here a development identity provider (an Ed25519
key pair, see ``notes.dev_identity``) and a random master key stand in, so `make run` works
on a fresh machine. Variables already set in the environment win.
"""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path


def dev_secrets(directory: Path) -> dict[str, str]:
    """Environment for the services: the notes master key and the dev identity's JWKS."""
    if not (directory / "jwks.json").exists():
        subprocess.run(
            [sys.executable, "-m", "notes.dev_identity", "init", str(directory)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    key_file = directory / "notes-master.key"
    if not key_file.exists():
        key_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        key_file.chmod(0o600)
    defaults = {
        "NOTES_MASTER_KEY": key_file.read_text().strip(),
        "NOTES_JWKS_FILE": str(directory / "jwks.json"),
        "NOTES_TOKEN_ISSUER": json.loads((directory / "dev-identity.json").read_text())["issuer"],
        "NOTES_DEV_IDENTITY_DIR": str(directory),
        # Messages to people go to readable .eml files instead of mail servers.
        "NOTIFICATIONS_MODE": "file",
        "NOTIFICATIONS_OUTBOX_DIR": str(directory.parent / "outbox"),
    }
    return {name: os.environ.get(name, value) for name, value in defaults.items()}
