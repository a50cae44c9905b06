"""Development-only settings for the local stack; secrets made once under ``var/dev-identity``.

Production gets these from the municipality: the notes master key, notes' private proof key
and the client's session secret from a secret store, the identity provider's public keys
(JWKS), and the mediators from the municipality's OpenID Connect provider. Here a development
identity provider (an Ed25519 key pair, see ``mediation_devstack.dev_identity``), a proof key
pair (see ``notes.adapters.proof_keys``), random keys and two demo mediators stand in, so
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


def _made_once(path: Path, tool: str, directory: Path) -> None:
    """Run ``python -m <tool> init <directory>`` unless ``path`` exists already."""
    if not path.exists():
        subprocess.run(
            [sys.executable, "-m", tool, "init", str(directory)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def dev_secrets(directory: Path) -> dict[str, str]:
    """Environment for the services and the client: the notes master key, the dev identity's
    JWKS, notes' proof key pair, the client's session secret and its users file."""
    _made_once(directory / "jwks.json", "mediation_devstack.dev_identity", directory)
    _made_once(directory / "notes-proof-key.json", "notes.adapters.proof_keys", directory)
    defaults = {
        "NOTES_MASTER_KEY": _random_key_file(directory / "notes-master.key"),
        "NOTES_JWKS_FILE": str(directory / "jwks.json"),
        "NOTES_TOKEN_ISSUER": json.loads((directory / "dev-identity.json").read_text())["issuer"],
        "NOTES_DEV_IDENTITY_DIR": str(directory),
        # Notes opens the proofs of assignments with its private key; the client seals to
        # the public one.
        "NOTES_PROOF_KEY_FILE": str(directory / "notes-proof-key.json"),
        "MEDIATOR_NOTES_PUBLIC_KEY_FILE": str(directory / "notes-proof-key.public.json"),
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
