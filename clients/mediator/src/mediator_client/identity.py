"""Who the signed-in mediator is, and the token that tells the notes service so.

The seam is :class:`IdentityProvider`; everything after sign-in (sessions, CSRF, pages) is the
same for both kinds:

- :class:`LocalIdentity` (``MEDIATOR_IDENTITY=local``, development and small offices):
  mediators from the users file (argon2id passwords) and, for notes, short-lived tokens signed
  with the development identity provider's key (``var/dev-identity``, made by ``make run``).
- :class:`mediator_client.oidc.OidcIdentity` (``MEDIATOR_IDENTITY=oidc``): the municipality's
  OpenID Connect provider signs mediators in (authorization code flow with PKCE), and notes
  gets the provider's own access token, refreshed when it runs out and kept on the server.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from mediator_client.users import DUMMY_HASH, Role, UserRecord, verify_password

NOTES_AUDIENCE: Final = "mediation-notes"


@dataclass(frozen=True)
class User:
    username: str
    staff_id: str
    tenant: str
    display_name: str
    role: Role = "mediator"
    handle: str = ""
    """What the session cookie names this sign-in by: the username (local) or the random key
    of the server-side session holding the provider's tokens (OIDC)."""

    @property
    def session_handle(self) -> str:
        return self.handle or self.username


class IdentityProvider(Protocol):
    def user(self, handle: str) -> User | None:
        """The signed-in user by :attr:`User.session_handle`, for each request (None: no
        longer allowed in)."""

    async def notes_token(self, user: User) -> str:
        """A signed token (JWT) proving to the notes service who ``user`` is. Raises
        :class:`SignInExpired` when the sign-in no longer yields one."""


class SignInExpired(Exception):
    """The sign-in can no longer speak for the user (the provider refused to refresh the
    token, or its session ended): they must sign in again."""


class IdentityError(Exception):
    """The identity setup cannot be used (missing key, bad metadata)."""


class DevTokenSigner:
    """Signs notes tokens with the development identity provider's key. DEVELOPMENT ONLY."""

    def __init__(self, directory: Path, lifetime: timedelta) -> None:
        key_path = directory / "signing-key.pem"
        metadata_path = directory / "dev-identity.json"
        try:
            key = load_pem_private_key(key_path.read_bytes(), password=None)
            metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        except FileNotFoundError as missing:
            raise IdentityError(
                f"no development identity in {directory} ({Path(str(missing.filename)).name} "
                f"is missing): run `python -m mediation_devstack.dev_identity init {directory}`"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise IdentityError(f"{key_path} does not hold an Ed25519 private key")
        if not isinstance(metadata, dict) or not all(
            isinstance(metadata.get(name), str) and metadata[name]
            for name in ("issuer", "kid", "audience")
        ):
            raise IdentityError(f"{metadata_path} must name issuer, kid and audience")
        self._key = key
        self.issuer: str = metadata["issuer"]
        self.kid: str = metadata["kid"]
        self.audience: str = metadata["audience"]
        self.lifetime = lifetime

    def claims_for(self, user: User, now: datetime) -> dict[str, Any]:
        return {
            "iss": self.issuer,
            "sub": user.staff_id,
            "aud": self.audience,
            "role": user.role,
            "tenant": user.tenant,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
            "jti": secrets.token_urlsafe(16),
        }

    def sign(self, user: User) -> str:
        claims = self.claims_for(user, datetime.now(UTC))
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})


class LocalIdentity:
    """The local stack: the users file and the development token signer."""

    def __init__(self, users: dict[str, UserRecord], signer: DevTokenSigner) -> None:
        self._users = users
        self._signer = signer

    def login(self, username: str, password: str) -> User | None:
        record = self._users.get(username.strip().lower())
        if record is None:
            verify_password(DUMMY_HASH, password)  # same time as a wrong password
            return None
        return _user(record) if verify_password(record.password_hash, password) else None

    def user(self, username: str) -> User | None:
        record = self._users.get(username)
        return _user(record) if record is not None else None

    async def notes_token(self, user: User) -> str:
        return self._signer.sign(user)

    def tenants(self) -> set[str]:
        """The municipalities of the users file."""
        return {record.tenant for record in self._users.values()}


def _user(record: UserRecord) -> User:
    return User(
        username=record.username,
        staff_id=record.staff_id,
        tenant=record.tenant,
        display_name=record.display_name,
        role=record.role,
    )
