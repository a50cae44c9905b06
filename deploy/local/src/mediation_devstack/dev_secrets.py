"""Development-only settings for the local stack; secrets made once under ``var/dev-identity``.

Production gets these from the municipality: the notes master key and the client's session
secret from a secret store, the identity provider's public keys (JWKS), and the mediators from
the municipality's OpenID Connect provider. Here a development identity provider (an Ed25519
key pair, see ``notes.dev_identity``), random keys and two demo mediators stand in, so
`make run` works on a fresh machine. Variables already set in the environment win.
"""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path


def _random_key_file(path: Path) -> str:
    """A random key made once (mode 0600) and kept, so restarts keep sessions and data."""
    if not path.exists():
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def dev_secrets(directory: Path) -> dict[str, str]:
    """Environment for the services and the client: the notes master key, the dev identity's
    JWKS, the client's session secret and its users file."""
    if not (directory / "jwks.json").exists():
        subprocess.run(
            [sys.executable, "-m", "notes.dev_identity", "init", str(directory)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    defaults = {
        "NOTES_MASTER_KEY": _random_key_file(directory / "notes-master.key"),
        "NOTES_JWKS_FILE": str(directory / "jwks.json"),
        "NOTES_TOKEN_ISSUER": json.loads((directory / "dev-identity.json").read_text())["issuer"],
        "NOTES_DEV_IDENTITY_DIR": str(directory),
        # Messages to people go to readable .eml files instead of mail servers.
        "NOTIFICATIONS_MODE": "file",
        "NOTIFICATIONS_OUTBOX_DIR": str(directory.parent / "outbox"),
        # The mediator client signs its notes tokens with the dev identity's key.
        "MEDIATOR_SESSION_SECRET": _random_key_file(directory / "mediator-session.key"),
        "MEDIATOR_USERS_FILE": str(directory / "mediator-users.json"),
        "MEDIATOR_DEV_IDENTITY_DIR": str(directory),
    }
    return {name: os.environ.get(name, value) for name, value in defaults.items()}


def demo_logins(users_file: Path) -> list[str]:
    """Writes the demo mediators into ``users_file`` if it is missing; their logins
    (``username / password``) for the table `make run` prints."""
    result = subprocess.run(
        [sys.executable, "-m", "mediator_client.users", "demo", "--file", str(users_file)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [line for line in result.stdout.splitlines() if line.strip()]
