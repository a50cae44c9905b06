"""A development identity provider for the local stack and the tests. FOR DEVELOPMENT ONLY.

Notes never trusts who a caller says they are: every command carries a token signed by an
identity provider (IdP), checked against the IdP's public keys (see
:mod:`notes.adapters.identity`). On a developer machine there is no municipal IdP, so this
module stands in for one:

* ``python -m mediation_devstack.dev_identity init [DIR]`` makes, once, an Ed25519 key pair in
  ``DIR``: ``signing-key.pem`` (the private key, mode 0600), ``jwks.json`` (the public key, with a
  ``kid``, for ``NOTES_JWKS_FILE``) and ``dev-identity.json`` (issuer, kid, audience);
* ``python -m mediation_devstack.dev_identity token --sub mediator-1 --role mediator
  --tenant kk`` prints a token for that person, valid for 8 hours (``--ttl-minutes`` to change).

``DIR`` defaults to ``$NOTES_DEV_IDENTITY_DIR``, else ``var/dev-identity`` under the current
directory. The local stack (``make run``) runs ``init`` and points notes at the JWKS file.

In production nothing here is used and no private key exists near notes: configure the
municipality's IdP instead, with ``NOTES_JWKS_URL`` (its JWKS endpoint; or
``NOTES_JWKS_FILE`` for a JWKS file), ``NOTES_TOKEN_AUDIENCE`` (the audience the IdP puts in
tokens for notes, default ``mediation-notes``) and ``NOTES_TOKEN_ISSUER`` (the IdP's issuer).
The IdP must put the custom claims ``role`` (one of the roles in
:mod:`notes.domain.identity`) and ``tenant`` (the municipality) in its tokens.
"""

import argparse
import hashlib
import json
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from jwt.utils import base64url_encode
from notes.domain.identity import ROLES, Role

DEFAULT_ISSUER: Final = "https://idp.mediation.local/dev"
DEFAULT_AUDIENCE: Final = "mediation-notes"
DEFAULT_TTL: Final = timedelta(hours=8)
DIRECTORY_ENV: Final = "NOTES_DEV_IDENTITY_DIR"

PRIVATE_KEY_FILE: Final = "signing-key.pem"
JWKS_FILE: Final = "jwks.json"
METADATA_FILE: Final = "dev-identity.json"

_ROLES_BY_NAME: Final[dict[str, Role]] = {role: role for role in ROLES}


def default_directory() -> Path:
    """``$NOTES_DEV_IDENTITY_DIR``, else ``var/dev-identity`` under the current directory."""
    configured = os.environ.get(DIRECTORY_ENV)
    return Path(configured) if configured else Path.cwd() / "var" / "dev-identity"


def _thumbprint(x: str) -> str:
    """RFC 7638 JWK thumbprint of an Ed25519 public key: a stable ``kid``."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()


def _public_jwk(private_key: Ed25519PrivateKey) -> dict[str, str]:
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64url_encode(raw).decode()
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "kid": _thumbprint(x),
        "alg": "EdDSA",
        "use": "sig",
    }


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


@dataclass(frozen=True)
class DevIdentity:
    """The development IdP in ``directory``: its key, issuer and key id."""

    directory: Path
    issuer: str
    kid: str
    _private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def jwks_path(self) -> Path:
        return self.directory / JWKS_FILE

    @classmethod
    def create(cls, directory: Path, issuer: str = DEFAULT_ISSUER) -> "DevIdentity":
        """Make the key pair in ``directory`` once; later calls load the existing one.

        Raises ValueError when the directory already holds an identity with another issuer.
        """
        directory = Path(directory)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key_path = directory / PRIVATE_KEY_FILE
        if key_path.exists():
            private_key = _load_private_key(key_path)
            metadata_path = directory / METADATA_FILE
            if metadata_path.exists():
                existing = _read_metadata(metadata_path)
                if existing.get("issuer") != issuer:
                    raise ValueError(
                        f"{directory} already holds a development identity with issuer "
                        f"{existing.get('issuer')!r}, not {issuer!r}"
                    )
        else:
            private_key = Ed25519PrivateKey.generate()
            pem = private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
        jwk = _public_jwk(private_key)
        _write_atomically(directory / JWKS_FILE, json.dumps({"keys": [jwk]}, indent=2) + "\n")
        metadata = {
            "issuer": issuer,
            "kid": jwk["kid"],
            "audience": DEFAULT_AUDIENCE,
            "warning": "development only: never use this key pair in production",
        }
        _write_atomically(directory / METADATA_FILE, json.dumps(metadata, indent=2) + "\n")
        return cls(directory, issuer, jwk["kid"], private_key)

    @classmethod
    def load(cls, directory: Path) -> "DevIdentity":
        """The identity made earlier by :meth:`create` (or ``init``) in ``directory``."""
        directory = Path(directory)
        key_path = directory / PRIVATE_KEY_FILE
        metadata_path = directory / METADATA_FILE
        if not key_path.exists() or not metadata_path.exists():
            raise FileNotFoundError(
                f"no development identity in {directory}: "
                f"run `python -m mediation_devstack.dev_identity init {directory}` first"
            )
        private_key = _load_private_key(key_path)
        issuer = _read_metadata(metadata_path).get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise ValueError(f"{metadata_path} names no issuer")
        return cls(directory, issuer, _public_jwk(private_key)["kid"], private_key)

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document, as notes reads it from ``jwks.json``."""
        return {"keys": [_public_jwk(self._private_key)]}

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """Sign arbitrary ``claims`` with the development key (EdDSA, header ``kid``).

        For tests that need unusual tokens (no ``exp``, an unknown role, ...).
        """
        return jwt.encode(
            claims,
            self._private_key,
            algorithm="EdDSA",
            headers={"kid": self.kid, **(headers or {})},
        )

    def mint(
        self,
        subject: str,
        role: Role,
        tenant: str,
        audience: str = DEFAULT_AUDIENCE,
        ttl: timedelta = DEFAULT_TTL,
        **extra_claims: Any,
    ) -> str:
        """A token for ``subject`` as ``role`` in municipality ``tenant``, valid for ``ttl``.

        ``extra_claims`` are added to (and may replace) the standard ones.
        """
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
        if not subject or not tenant:
            raise ValueError("subject and tenant must not be empty")
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "role": role,
            "tenant": tenant,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": secrets.token_urlsafe(16),
            **extra_claims,
        }
        return self.sign(claims)


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _read_metadata(path: Path) -> dict[str, Any]:
    metadata = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return metadata


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of minutes")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mediation_devstack.dev_identity",
        description="Development identity provider for notes (development only).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="make the development key pair and JWKS, once")
    init.add_argument("directory", nargs="?", type=Path, default=None, metavar="DIR")
    init.add_argument("--issuer", default=DEFAULT_ISSUER)
    token = commands.add_parser("token", help="print a signed token for a person")
    token.add_argument("--sub", required=True, help="the person, e.g. mediator-1")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--tenant", required=True, help="the municipality, e.g. kk")
    token.add_argument("--dir", dest="directory", type=Path, default=None, metavar="DIR")
    token.add_argument("--ttl-minutes", type=_positive_int, default=None)
    token.add_argument("--audience", default=DEFAULT_AUDIENCE)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    directory: Path = arguments.directory or default_directory()
    if arguments.command == "init":
        identity = DevIdentity.create(directory, issuer=arguments.issuer)
        print(f"# development identity in {identity.directory.resolve()} (development only)")
        print(f"NOTES_JWKS_FILE={identity.jwks_path.resolve()}")
        print(f"NOTES_TOKEN_AUDIENCE={DEFAULT_AUDIENCE}")
        print(f"NOTES_TOKEN_ISSUER={identity.issuer}")
        return 0
    try:
        identity = DevIdentity.load(directory)
    except FileNotFoundError as missing:
        print(str(missing), file=sys.stderr)
        return 2
    ttl = timedelta(minutes=arguments.ttl_minutes) if arguments.ttl_minutes else DEFAULT_TTL
    role = _ROLES_BY_NAME[arguments.role]
    print(identity.mint(arguments.sub, role, arguments.tenant, arguments.audience, ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
