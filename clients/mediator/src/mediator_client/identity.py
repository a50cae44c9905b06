"""Who the signed-in mediator is, and the token that tells the notes service so.

The seam is :class:`IdentityProvider`. The local stack uses :class:`LocalIdentity`: mediators
from the users file (argon2id passwords) and, for notes, short-lived tokens signed with the
development identity provider's key (``var/dev-identity``, made by ``make run``).

Designed, not built: **OpenID Connect** with the municipality's identity provider
(``MEDIATOR_IDENTITY=oidc``). It replaces the password form by the authorization code flow
with PKCE: ``GET /login`` stores ``state``, ``nonce`` and the PKCE verifier in the session and
redirects to the provider; ``GET /auth/callback`` checks ``state``, exchanges the code at the
token endpoint, verifies the ID token (signature from the provider's JWKS, ``iss``, ``aud``,
``exp``, ``nonce``) and maps its claims to the same :class:`User`: ``sub`` -> ``staff_id``,
``role`` (``mediator`` or ``head_of_office``, else refused), ``tenant``, ``name`` ->
``display_name``. For notes it forwards the provider's own access token (audience
``mediation-notes``) instead of minting one, and refreshes it with the refresh token when it
expires; both live in a server-side session store
keyed by the session, never in the cookie. Logout also ends the provider's session
(RP-initiated logout). Everything after sign-in (sessions, CSRF, pages) stays as it is.
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


class IdentityProvider(Protocol):
    def login(self, username: str, password: str) -> User | None:
        """The user, if the credentials are right; None otherwise (never says which part)."""

    def user(self, username: str) -> User | None:
        """The signed-in user by username, for each request (None: no longer allowed in)."""

    def notes_token(self, user: User) -> str:
        """A signed token (JWT) proving to the notes service who ``user`` is."""


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

    def notes_token(self, user: User) -> str:
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
