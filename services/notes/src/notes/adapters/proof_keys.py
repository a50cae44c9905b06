"""Notes' proof key: the key pair that assignment proofs are sealed to (see
:mod:`notes.adapters.assignment_proof`).

    python -m notes.adapters.proof_keys init [DIR]

makes, once, an X25519 key pair in ``DIR`` (default ``$NOTES_DEV_IDENTITY_DIR``, else
``var/dev-identity``): ``notes-proof-key.json``, the private JWK (mode 0600) for
``NOTES_PROOF_KEY_FILE``, and ``notes-proof-key.public.json``, the public JWK for whoever
publishes ``MediatorAssigned`` (the mediator client's ``MEDIATOR_NOTES_PUBLIC_KEY_FILE``).
A later run keeps the private key and writes its public half again. In production run it once
on a trusted machine and move the private file into the secret store; nothing else needs it.

The private key file holds one JWK, or a JWK Set (``{"keys": [...]}``) while a key is being
rotated: a proof names its key by ``kid``. Each key must be a private EC (P-256, P-384,
P-521) or OKP (X25519, X448) key for ECDH-ES, not marked for signing.
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet, OKPKey, import_key

ALGORITHM: Final = "ECDH-ES+A256KW"
ENCRYPTION: Final = "A256GCM"
CURVES: Final = frozenset({"X25519", "X448", "P-256", "P-384", "P-521"})

PRIVATE_KEY_FILE: Final = "notes-proof-key.json"
PUBLIC_KEY_FILE: Final = "notes-proof-key.public.json"


class ProofKeyError(ValueError):
    """The proof key cannot be used; the message says what to fix (never key material)."""


def load_private_keys(path: str | Path) -> KeySet:
    """Notes' private proof keys from ``path``, read once (a bad file fails at start-up)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ProofKeyError(
            f"cannot read the proof key file {path} ({error.strerror}); make a key pair with "
            "`python -m notes.adapters.proof_keys init`"
        ) from None
    except ValueError:
        raise ProofKeyError(f"the proof key file {path} does not hold JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(document, dict) or (entries is not None and not isinstance(entries, list)):
        raise ProofKeyError(f"the proof key file {path} holds neither a JWK nor a JWK Set")
    keys = [_private_key(entry, path) for entry in (entries if entries is not None else [document])]
    if not keys:
        raise ProofKeyError(f"the proof key file {path} holds no key")
    key_set = KeySet(keys)  # gives each key without a kid its RFC 7638 thumbprint
    kids = [key.kid for key in key_set]
    if len(set(kids)) != len(kids):
        raise ProofKeyError(f"the proof key file {path} has two keys with the same kid")
    return key_set


def proof_keys_from_settings(proof_key_file: str | None) -> KeySet:
    """The keys the service runs with: ``NOTES_PROOF_KEY_FILE`` (required)."""
    if not proof_key_file:
        raise ProofKeyError(
            "no proof key configured: set NOTES_PROOF_KEY_FILE to notes' private proof key "
            "(from the secret store; make a key pair with "
            "`python -m notes.adapters.proof_keys init DIR`)"
        )
    return load_private_keys(proof_key_file)


def _private_key(entry: Any, path: str | Path) -> Key:
    if not isinstance(entry, dict):
        raise ProofKeyError(f"the proof key file {path} holds something that is not a JWK")
    try:
        key = import_key(entry)
    except (JoseError, ValueError, TypeError, KeyError):
        raise ProofKeyError(f"the proof key file {path} holds an unusable JWK") from None
    if not isinstance(key, ECKey | OKPKey) or key.curve_name not in CURVES:
        raise ProofKeyError(
            f"the proof key file {path} must hold EC or OKP keys for ECDH-ES "
            f"(curves {', '.join(sorted(CURVES))})"
        )
    if not key.is_private:
        raise ProofKeyError(
            f"the proof key file {path} holds a public key; notes needs its private key"
        )
    if key.get("use") not in (None, "enc") or key.alg not in (None, ALGORITHM):
        raise ProofKeyError(f"the proof key file {path} holds a key meant for another use")
    return key


def make_key_pair(directory: Path) -> tuple[Path, Path]:
    """The private and public key files in ``directory``, made once; see the module."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    if private_path.exists():
        [key, *_] = load_private_keys(private_path)
    else:
        key = OKPKey.generate_key("X25519", {"use": "enc", "alg": ALGORITHM}, auto_kid=True)
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(json.dumps(key.as_dict(private=True), indent=2) + "\n")
    public_path.write_text(json.dumps(key.as_dict(private=False), indent=2) + "\n")
    return private_path, public_path


def _default_directory() -> Path:
    configured = os.environ.get("NOTES_DEV_IDENTITY_DIR")
    return Path(configured) if configured else Path.cwd() / "var" / "dev-identity"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notes.adapters.proof_keys", description="Notes' proof key pair."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="make the key pair once")
    init.add_argument("directory", nargs="?", type=Path, default=None, metavar="DIR")
    arguments = parser.parse_args(argv)
    try:
        private_path, public_path = make_key_pair(arguments.directory or _default_directory())
    except ProofKeyError as error:
        print(str(error), file=sys.stderr)
        return 2
    print(f"NOTES_PROOF_KEY_FILE={private_path.resolve()}")
    print(f"MEDIATOR_NOTES_PUBLIC_KEY_FILE={public_path.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
