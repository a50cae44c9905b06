"""Verifies a signed token (JWT) against an identity provider's published keys (JWKS).

Shared by whatever takes tokens over HTTP (the gateway's OAuth2 client-credentials tokens);
the claims a token must carry beyond the registered ones are the caller's business. Checks,
in order, before anything in the token is believed:

1. the header: ``alg`` must be one of :data:`ALLOWED_ALGORITHMS` (asymmetric only: never
   ``none``, never ``HS*``, so a token "signed" with a public key as HMAC secret never
   reaches a key); ``jku``, ``x5u`` and ``jwk`` headers are ignored: keys come from
   configuration only;
2. the key: ``kid`` must name a signing key of the configured JWKS (a file read at start, or
   a URL fetched on first use, cached, and fetched again once for an unknown ``kid``), and the
   key's algorithm must be the token's;
3. the signature, then ``exp`` (required), ``nbf`` and ``iat`` with a small leeway, ``aud``
   (must contain the configured audience) and ``iss`` (must equal the configured issuer, when
   one is configured).

A refusal is a :class:`TokenRefused` with a stable ``reason`` code; its message never repeats
the token or anything read from it. Keys that cannot be fetched are :class:`KeysUnavailable`
(fail closed; callers may answer 503 instead of 401).
"""

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlparse

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import (
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidSignatureError,
    MissingRequiredClaimError,
    PyJWKClientConnectionError,
    PyJWKClientError,
    PyJWKSetError,
    PyJWTError,
)
from jwt.utils import base64url_decode

ALLOWED_ALGORITHMS: Final[tuple[str, ...]] = ("EdDSA", "ES256", "ES384", "RS256", "PS256")
MAX_TOKEN_LENGTH: Final = 16_384
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class TokenRefused(Exception):
    """The token is refused; ``reason`` is a stable code, safe to log and to answer with."""

    def __init__(self, reason: str, claim: str | None = None) -> None:
        super().__init__(reason if claim is None else f"{reason}: {claim}")
        self.reason = reason
        self.claim = claim


class KeysUnavailable(TokenRefused):
    """The identity provider's keys could not be fetched: nothing can be verified now."""

    def __init__(self) -> None:
        super().__init__("keys_unavailable")


class KeyConfigurationError(ValueError):
    """The verifier cannot be built from its configuration (no keys, no audience, ...)."""


class KeySource(Protocol):
    """Where the identity provider's public signing keys come from."""

    may_block: bool
    """True when :meth:`signing_key` may wait on the network (a cold or stale cache)."""

    def signing_key(self, kid: str) -> PyJWK | None:
        """The signing key with this ``kid``, or None when there is none."""
        ...


class StaticKeys:
    """A JWKS document held in memory (read from a file or given directly).

    Only signing keys (``use`` absent or ``"sig"``) with a ``kid`` and an allowed algorithm
    are kept; two keys with the same ``kid`` are a configuration error.
    """

    may_block = False

    def __init__(
        self, jwks: Mapping[str, Any], algorithms: Iterable[str] = ALLOWED_ALGORITHMS
    ) -> None:
        allowed = set(algorithms)
        try:
            key_set = PyJWKSet.from_dict(dict(jwks))
        except (PyJWTError, AttributeError, TypeError) as error:
            raise KeyConfigurationError(f"unusable JWKS: {error}") from error
        self._keys: dict[str, PyJWK] = {}
        for key in key_set:
            kid = key.key_id
            if not kid or key.public_key_use not in (None, "sig"):
                continue
            if key.algorithm_name not in allowed:
                continue
            if kid in self._keys:
                raise KeyConfigurationError(f"JWKS has two keys with kid {kid!r}")
            self._keys[kid] = key
        if not self._keys:
            raise KeyConfigurationError(
                "JWKS has no usable signing key (each needs a kid and an asymmetric algorithm: "
                + ", ".join(sorted(allowed))
                + ")"
            )

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def signing_key(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)


class RemoteKeys:
    """A JWKS URL (the municipality's identity provider), fetched on first use and cached.

    Nothing is fetched at construction. The key set is cached for ``lifespan_seconds``; an
    unknown ``kid`` triggers one refresh (at most every ``cooldown_seconds``), so a rotated key
    is picked up without a restart. Plain ``http`` is refused unless the host is loopback or
    ``allow_insecure_http`` is set: keys fetched in clear could be swapped on the way.

    Fetching is blocking I/O (urllib) and happens inside the verifier's ``verify`` when
    the cache is cold or stale.
    """

    may_block = True

    def __init__(
        self,
        url: str,
        *,
        lifespan_seconds: float = 300,
        timeout_seconds: float = 5,
        cooldown_seconds: float = 30,
        allow_insecure_http: bool = False,
    ) -> None:
        parsed = urlparse(url)
        scheme = parsed.scheme.lower()
        loopback = parsed.hostname in ("localhost", "127.0.0.1", "::1")
        if scheme != "https" and not (scheme == "http" and (loopback or allow_insecure_http)):
            raise KeyConfigurationError(
                f"JWKS URL must use https (got {scheme or 'no'} scheme): {url}"
            )
        try:
            self._client = PyJWKClient(
                url,
                cache_jwk_set=True,
                lifespan=lifespan_seconds,
                timeout=timeout_seconds,
                cooldown_duration=cooldown_seconds,
            )
        except PyJWKClientError as error:
            raise KeyConfigurationError(str(error)) from error
        self.url = url

    def signing_key(self, kid: str) -> PyJWK | None:
        try:
            return self._client.get_signing_key(kid)
        except (PyJWKClientConnectionError, PyJWKSetError, ValueError, OSError):
            raise KeysUnavailable() from None
        except PyJWKClientError:  # no key with this kid, even after a refresh
            return None


class JwtVerifier:
    """Checks a token's header, key, signature, times, audience and issuer; returns its claims
    (``required`` names further claims that must be present)."""

    def __init__(
        self,
        keys: KeySource,
        *,
        audience: str,
        issuer: str | None = None,
        required: Sequence[str] = (),
        leeway_seconds: float = 30,
        algorithms: Iterable[str] = ALLOWED_ALGORITHMS,
    ) -> None:
        self.algorithms = tuple(algorithms)
        if not self.algorithms or not set(self.algorithms) <= set(ALLOWED_ALGORITHMS):
            raise KeyConfigurationError(
                f"algorithms must be a non-empty subset of {', '.join(ALLOWED_ALGORITHMS)}"
            )
        if not audience:
            raise KeyConfigurationError("a token audience is required")
        if not math.isfinite(leeway_seconds) or not 0 <= leeway_seconds <= 300:
            raise KeyConfigurationError("leeway_seconds must be between 0 and 300")
        self.keys = keys
        self.audience = audience
        self.issuer = issuer or None
        self.required = ("exp", "aud", *required, *(("iss",) if self.issuer else ()))
        self.leeway_seconds = leeway_seconds

    @classmethod
    def from_settings(
        cls,
        *,
        jwks_file: Path | None,
        jwks_url: str | None,
        audience: str,
        issuer: str | None,
        required: Sequence[str] = (),
        prefix: str = "",
    ) -> "JwtVerifier":
        """Exactly one of a JWKS file (read now: a broken file fails at start) and a URL."""
        if jwks_file and jwks_url:
            raise KeyConfigurationError(f"set only one of {prefix}JWKS_FILE and {prefix}JWKS_URL")
        keys: KeySource
        if jwks_file:
            try:
                document = json.loads(Path(jwks_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise KeyConfigurationError(f"cannot read JWKS file {jwks_file}: {error}") from None
            if not isinstance(document, dict):
                raise KeyConfigurationError(f"JWKS file {jwks_file} does not hold an object")
            keys = StaticKeys(document, ALLOWED_ALGORITHMS)
        elif jwks_url:
            keys = RemoteKeys(jwks_url)
        else:
            raise KeyConfigurationError(
                f"no identity provider keys: set {prefix}JWKS_URL or {prefix}JWKS_FILE"
            )
        return cls(keys, audience=audience, issuer=issuer, required=required)

    def verify(self, token: str) -> dict[str, Any]:
        alg, kid = self._checked_header(token)
        key = self.keys.signing_key(kid)
        if key is None:
            raise TokenRefused("unknown_key")
        if key.algorithm_name != alg:
            raise TokenRefused("algorithm_not_allowed")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": list(self.required), "verify_sub": True},
            )
        except InvalidSignatureError:
            raise TokenRefused("bad_signature") from None
        except ExpiredSignatureError:
            raise TokenRefused("expired") from None
        except ImmatureSignatureError:
            raise TokenRefused("not_yet_valid") from None
        except InvalidAudienceError:
            raise TokenRefused("wrong_audience") from None
        except InvalidIssuerError:
            raise TokenRefused("wrong_issuer") from None
        except MissingRequiredClaimError as missing:
            raise TokenRefused("missing_claim", missing.claim) from None
        except PyJWTError:
            raise TokenRefused("malformed") from None
        return claims

    def _checked_header(self, token: str) -> tuple[str, str]:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenRefused("malformed")
        segments = token.split(".")
        if len(segments) != 3 or not all(_SEGMENT.fullmatch(s) for s in segments):
            raise TokenRefused("malformed")
        try:
            header = json.loads(base64url_decode(segments[0].rstrip("=")))
        except (ValueError, TypeError, RecursionError):
            raise TokenRefused("malformed") from None
        if not isinstance(header, dict):
            raise TokenRefused("malformed")
        alg = header.get("alg")
        if alg is None or (isinstance(alg, str) and alg.strip().lower() in ("", "none")):
            raise TokenRefused("unsigned")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise TokenRefused("algorithm_not_allowed")
        if not segments[2].rstrip("="):
            raise TokenRefused("unsigned")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRefused("unknown_key")
        return alg, kid
