"""Verifies who is asking: a signed token (JWT) checked against the identity provider's keys.

Every command and query to notes carries a token naming the person (``sub``), their role in
the municipality (``role``) and the municipality (``tenant``). Nothing in it is trusted until
:class:`TokenVerifier` has checked, in this order:

1. the header, before anything else: ``alg`` must be one of the asymmetric algorithms in
   :data:`ALLOWED_ALGORITHMS`. ``"none"`` or an empty signature is *unsigned*; ``HS*`` (and
   anything else) is *algorithm_not_allowed*, so an HMAC token "signed" with the public key
   as secret (the key-confusion attack) never reaches a key;
2. the key: the header's ``kid`` must name a signing key in the configured JWKS (a file, or
   a URL fetched lazily and cached), and that key's algorithm must be the token's ``alg``
   (a key is bound to one algorithm: an RSA key without ``alg`` is RS256, a PS256 key must
   say ``"alg": "PS256"`` in the JWKS). ``jku``, ``x5u`` and ``jwk`` headers are ignored:
   keys come from configuration only;
3. the signature, then the claims: ``exp``, ``aud``, ``sub``, ``role`` and ``tenant`` are
   required, ``exp``/``nbf``/``iat`` are checked with a small leeway for clock skew (against
   now, or, for the token in an assignment's proof, against the event's time), ``aud`` must
   contain the configured audience, ``iss`` must equal the configured issuer (when one is
   configured), ``role`` must be one of :data:`~notes.domain.identity.ROLES` and ``tenant``
   must be the municipality the command is about.

Which claims carry the person, the role and the municipality is a :class:`ClaimMapping`: by
default ``sub``, ``role`` and ``tenant`` as above (the development identity provider's
tokens). A municipality's own provider rarely emits custom ``role``/``tenant`` claims in its
access tokens, so the mapping can read the role from another claim, a string or a list such as
``groups``, through a table (group ``maeglere`` -> role ``mediator``), take the person from
another claim (Entra ID's ``oid``: its ``sub`` differs per application) and give every token of
the configured issuer one fixed municipality (a provider serves one municipality).

A refusal is an :class:`InvalidToken` with a stable ``reason`` code for the audit trail;
its message never repeats the token or anything read from it.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

import jwt
from jwt import PyJWK
from jwt.exceptions import (
    DecodeError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    MissingRequiredClaimError,
)
from jwt.utils import base64url_decode
from mediation_runtime.delivery import Outage
from mediation_runtime.tokens import KeyConfigurationError, KeySource, RemoteKeys, StaticKeys
from mediation_runtime.tokens import KeysUnavailable as KeysNotFetched

from notes.domain.identity import ROLES, Identity, Role

ALLOWED_ALGORITHMS: Final[tuple[str, ...]] = ("EdDSA", "ES256", "ES384", "RS256", "PS256")
"""Asymmetric only: never ``HS*`` (a shared secret is not an identity), never ``none``."""

REQUIRED_CLAIMS: Final[tuple[str, ...]] = ("exp", "aud", "sub", "role", "tenant")
"""With the default :class:`ClaimMapping`; a mapping names its own person, role and tenant
claims instead of the last three."""

MAX_TOKEN_LENGTH: Final = 16_384
"""Longer strings are refused before any parsing (IdP tokens are a few kilobytes at most)."""

Reason = Literal[
    "malformed",
    "unsigned",
    "algorithm_not_allowed",
    "unknown_key",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
    "wrong_tenant",
    "missing_claim",
    "unknown_role",
    "ambiguous_role",
    "keys_unavailable",
]

_MESSAGES: Final[dict[Reason, str]] = {
    "malformed": "the token is not a well-formed signed JWT",
    "unsigned": "the token is not signed",
    "algorithm_not_allowed": "the token's signature algorithm is not allowed",
    "unknown_key": "the token names no known signing key",
    "bad_signature": "the token's signature does not verify",
    "expired": "the token has expired",
    "not_yet_valid": "the token is not valid yet",
    "wrong_audience": "the token is not meant for this service",
    "wrong_issuer": "the token comes from another issuer",
    "wrong_tenant": "the token is for another municipality",
    "missing_claim": "the token lacks a required claim",
    "unknown_role": "the token names an unknown role",
    "ambiguous_role": "the token maps to more than one role",
    "keys_unavailable": "the identity provider's keys could not be fetched",
}

_ROLES_BY_NAME: Final[dict[str, Role]] = {role: role for role in ROLES}
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_TENANT = re.compile(r"[a-z0-9-]+")


class InvalidToken(Exception):
    """The token is refused. ``reason`` is a stable code; the message never contains the token."""

    def __init__(self, reason: Reason, claim: str | None = None) -> None:
        message = _MESSAGES[reason]
        if claim is not None:
            message = f"{message}: {claim}"
        super().__init__(message)
        self.reason: Reason = reason
        self.claim = claim


class KeysUnavailable(InvalidToken, Outage):
    """The JWKS URL could not be fetched: the token is refused (fail closed), reason
    ``keys_unavailable``, so an outage of the identity provider is told apart from a bad token.
    For an event (an assignment's proof) it is an :class:`Outage`: the event waits."""

    def __init__(self) -> None:
        super().__init__("keys_unavailable")


IdentityConfigurationError = KeyConfigurationError
"""The verifier cannot be built from the configuration given (no keys, no audience, ...);
the key sources (shared with the gateway, :mod:`mediation_runtime.tokens`) raise it too."""


_CLAIM_NAME = re.compile(r"[A-Za-z0-9_:./-]{1,128}")


@dataclass(frozen=True)
class ClaimMapping:
    """Which claims of a token say who the person is, their role and their municipality.

    ``roles`` maps the values of ``role_claim`` (a string, or a list of strings such as
    ``groups``) to notes' roles; without it the claim must be one string, a role's own name.
    Values the table does not name are ignored (a person is in many groups); exactly one role must
    remain, else the token is refused (``unknown_role`` for none, ``ambiguous_role`` for
    several: notes never picks one). ``tenant`` fixes the municipality of every token (one
    provider, one municipality) and needs a configured issuer; without it the municipality
    is read from ``tenant_claim``.
    """

    subject_claim: str = "sub"
    role_claim: str = "role"
    roles: Mapping[str, Role] | None = None
    tenant_claim: str = "tenant"
    tenant: str | None = None

    def __post_init__(self) -> None:
        for name in (self.subject_claim, self.role_claim, self.tenant_claim):
            if not _CLAIM_NAME.fullmatch(name):
                raise IdentityConfigurationError(f"not a usable claim name: {name!r}")
        if self.roles is not None:
            unknown = sorted(set(self.roles.values()) - set(ROLES))
            if not self.roles or unknown or not all(self.roles):
                raise IdentityConfigurationError(
                    "the role table must map provider values to roles ("
                    + ", ".join(ROLES)
                    + f"); unknown: {', '.join(unknown) or '(empty table)'}"
                )
        if self.tenant is not None and not _TENANT.fullmatch(self.tenant):
            raise IdentityConfigurationError(f"not a municipality slug: {self.tenant!r}")

    @property
    def required(self) -> tuple[str, ...]:
        """The claims a token must carry under this mapping."""
        tenant = () if self.tenant is not None else (self.tenant_claim,)
        return ("exp", "aud", self.subject_claim, self.role_claim, *tenant)

    def role_of(self, value: object) -> Role:
        """The one role ``value`` (the role claim) maps to; :class:`InvalidToken` otherwise."""
        if self.roles is None:  # the claim is the role itself: one string, one of ours
            role = _ROLES_BY_NAME.get(value) if isinstance(value, str) else None
            if role is None:
                raise InvalidToken("unknown_role")
            return role
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidToken("unknown_role")
        table: Mapping[str, Role] = self.roles
        found = {table[v] for v in values if v in table}
        if not found:
            raise InvalidToken("unknown_role")
        if len(found) > 1:
            raise InvalidToken("ambiguous_role")
        return found.pop()

    def tenant_of(self, claims: Mapping[str, Any]) -> object:
        return self.tenant if self.tenant is not None else claims[self.tenant_claim]


class TokenVerifier:
    """Turns a token into a verified :class:`~notes.domain.identity.Identity`, or refuses it.

    ``jwks`` is a JWKS document (``{"keys": [...]}``) or any :class:`KeySource`; see
    :meth:`from_file` and :meth:`from_url`. ``audience`` must appear in the token's ``aud``;
    ``issuer``, when given, must equal its ``iss``. ``leeway_seconds`` tolerates clock skew on
    ``exp``, ``nbf`` and ``iat``. ``claims`` says where the person, role and municipality are
    read from (default: ``sub``, ``role``, ``tenant``).
    """

    def __init__(
        self,
        jwks: Mapping[str, Any] | KeySource,
        *,
        audience: str,
        issuer: str | None = None,
        leeway_seconds: float = 30,
        algorithms: Iterable[str] = ALLOWED_ALGORITHMS,
        claims: ClaimMapping | None = None,
    ) -> None:
        self.algorithms: tuple[str, ...] = tuple(algorithms)
        if not self.algorithms or not set(self.algorithms) <= set(ALLOWED_ALGORITHMS):
            raise IdentityConfigurationError(
                f"algorithms must be a non-empty subset of {', '.join(ALLOWED_ALGORITHMS)}"
            )
        if not audience:
            raise IdentityConfigurationError("a token audience is required")
        if issuer == "":
            raise IdentityConfigurationError("the token issuer, when given, must not be empty")
        if not math.isfinite(leeway_seconds) or not 0 <= leeway_seconds <= 300:
            raise IdentityConfigurationError("leeway_seconds must be between 0 and 300")
        self.claims = claims or ClaimMapping()
        if self.claims.tenant is not None and issuer is None:
            raise IdentityConfigurationError(
                "a fixed municipality for every token needs the token issuer configured: "
                "only that provider's tokens may be taken as the municipality's"
            )
        self.keys: KeySource = (
            StaticKeys(jwks, self.algorithms) if isinstance(jwks, Mapping) else jwks
        )
        self.audience = audience
        self.issuer = issuer
        self.leeway_seconds = leeway_seconds

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        audience: str,
        issuer: str | None = None,
        leeway_seconds: float = 30,
        algorithms: Iterable[str] = ALLOWED_ALGORITHMS,
        claims: ClaimMapping | None = None,
    ) -> "TokenVerifier":
        """Keys from a JWKS file, read once now (a missing or broken file fails at start-up)."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise IdentityConfigurationError(f"cannot read JWKS file {path}: {error}") from error
        if not isinstance(document, dict):
            raise IdentityConfigurationError(f"JWKS file {path} does not hold a JSON object")
        return cls(
            document,
            audience=audience,
            issuer=issuer,
            leeway_seconds=leeway_seconds,
            algorithms=algorithms,
            claims=claims,
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        audience: str,
        issuer: str | None = None,
        leeway_seconds: float = 30,
        algorithms: Iterable[str] = ALLOWED_ALGORITHMS,
        lifespan_seconds: float = 300,
        timeout_seconds: float = 5,
        allow_insecure_http: bool = False,
        claims: ClaimMapping | None = None,
    ) -> "TokenVerifier":
        """Keys from the identity provider's JWKS URL, fetched on first use and cached."""
        keys = RemoteKeys(
            url,
            lifespan_seconds=lifespan_seconds,
            timeout_seconds=timeout_seconds,
            allow_insecure_http=allow_insecure_http,
        )
        return cls(
            keys,
            audience=audience,
            issuer=issuer,
            leeway_seconds=leeway_seconds,
            algorithms=algorithms,
            claims=claims,
        )

    def verify(self, token: str, tenant: str, at: datetime | None = None) -> Identity:
        """The identity in ``token``, for a command about municipality ``tenant``.

        ``at``: the moment the token must have been valid (default now): an assignment's time,
        for the token in its proof. Raises :class:`InvalidToken` (with ``reason``) when the
        token is refused.
        """
        alg, kid = self._checked_header(token)
        try:
            key = self.keys.signing_key(kid)
        except KeysNotFetched:
            raise KeysUnavailable() from None
        if key is None:
            raise InvalidToken("unknown_key")
        if key.algorithm_name != alg:
            raise InvalidToken("algorithm_not_allowed")
        claims = self._decoded(token, key, alg)
        self._check_validity(claims, at or datetime.now(UTC))

        mapping = self.claims
        subject = claims[mapping.subject_claim]
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidToken("missing_claim", mapping.subject_claim)
        role = mapping.role_of(claims[mapping.role_claim])
        token_tenant = mapping.tenant_of(claims)
        if not isinstance(token_tenant, str) or not tenant or token_tenant != tenant:
            raise InvalidToken("wrong_tenant")
        return Identity(subject=subject, role=role, tenant=tenant)

    def _checked_header(self, token: str) -> tuple[str, str]:
        """The header's ``alg`` and ``kid``, refused before any key or payload is looked at."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("malformed")
        segments = token.split(".")
        if len(segments) != 3 or not all(_SEGMENT.fullmatch(s) for s in segments):
            raise InvalidToken("malformed")
        try:
            header = json.loads(base64url_decode(segments[0].rstrip("=")))
        except (ValueError, TypeError, RecursionError):
            raise InvalidToken("malformed") from None
        if not isinstance(header, dict):
            raise InvalidToken("malformed")
        alg = header.get("alg")
        if alg is None or (isinstance(alg, str) and alg.strip().lower() in ("", "none")):
            raise InvalidToken("unsigned")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidToken("algorithm_not_allowed")
        if not segments[2].rstrip("="):
            raise InvalidToken("unsigned")
        kid = header.get("kid")
        if kid is None:
            raise InvalidToken("unknown_key")
        if not isinstance(kid, str):
            raise InvalidToken("malformed")
        return alg, kid

    def _decoded(self, token: str, key: PyJWK, alg: str) -> dict[str, Any]:
        """Signature and registered claims checked by PyJWT; its errors become reason codes.
        The times are checked by :meth:`_check_validity`: PyJWT knows no moment but now."""
        required = [*self.claims.required, *(["iss"] if self.issuer is not None else [])]
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": True,
                    "verify_iss": True,
                    "verify_sub": True,
                    "require": required,
                },
            )
        except InvalidSignatureError:
            raise InvalidToken("bad_signature") from None
        except InvalidAudienceError:
            raise InvalidToken("wrong_audience") from None
        except InvalidIssuerError:
            raise InvalidToken("wrong_issuer") from None
        except MissingRequiredClaimError as missing:
            claim = missing.claim if missing.claim in required else None
            raise InvalidToken("missing_claim", claim) from None
        except InvalidAlgorithmError:
            raise InvalidToken("algorithm_not_allowed") from None
        except InvalidKeyError:
            raise InvalidToken("unknown_key") from None
        except (DecodeError, InvalidTokenError):
            raise InvalidToken("malformed") from None

    def _check_validity(self, claims: dict[str, Any], at: datetime) -> None:
        """``exp`` after ``at``, ``nbf`` and ``iat`` not after it, each with the leeway."""
        moment, leeway = at.timestamp(), self.leeway_seconds
        times = {name: claims[name] for name in ("exp", "nbf", "iat") if name in claims}
        for value in times.values():  # NumericDate: a JSON number (``exp`` is required)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidToken("malformed")
            if isinstance(value, float) and not math.isfinite(value):  # NaN never expires
                raise InvalidToken("malformed")
        if times["exp"] <= moment - leeway:
            raise InvalidToken("expired")
        if any(times.get(name, moment) > moment + leeway for name in ("nbf", "iat")):
            raise InvalidToken("not_yet_valid")


def verifier_from_settings(
    jwks_file: str | None,
    jwks_url: str | None,
    audience: str,
    issuer: str | None,
    claims: ClaimMapping | None = None,
    *,
    leeway_seconds: float = 30,
) -> TokenVerifier:
    """The verifier the service runs with: ``NOTES_JWKS_FILE`` or ``NOTES_JWKS_URL`` (exactly
    one), ``NOTES_TOKEN_AUDIENCE`` and, recommended in production, ``NOTES_TOKEN_ISSUER``;
    ``claims`` from ``NOTES_TOKEN_*_CLAIM``, ``NOTES_TOKEN_ROLES`` and ``NOTES_TOKEN_TENANT``."""
    if jwks_file and jwks_url:
        raise IdentityConfigurationError(
            "set only one of NOTES_JWKS_FILE and NOTES_JWKS_URL, not both"
        )
    if jwks_file:
        return TokenVerifier.from_file(
            jwks_file,
            audience=audience,
            issuer=issuer or None,
            claims=claims,
            leeway_seconds=leeway_seconds,
        )
    if jwks_url:
        return TokenVerifier.from_url(
            jwks_url,
            audience=audience,
            issuer=issuer or None,
            claims=claims,
            leeway_seconds=leeway_seconds,
        )
    raise IdentityConfigurationError(
        "no identity provider keys configured: set NOTES_JWKS_URL (the municipality's identity "
        "provider) or NOTES_JWKS_FILE (a JWKS file; for development run "
        "`python -m mediation_devstack.dev_identity init`)"
    )
