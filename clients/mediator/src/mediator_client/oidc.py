"""Signing in with the municipality's OpenID Connect provider (``MEDIATOR_IDENTITY=oidc``).

The protocol is Authlib's (its Starlette client): the provider's discovery document and keys,
the authorization code flow with PKCE (``S256``), ``state`` and ``nonce``, the token exchange,
the ID token's signature, ``iss``, ``aud``, ``azp``, ``exp``, ``iat`` and ``nonce`` (with
``MEDIATOR_OIDC_LEEWAY_SECONDS`` for clock skew), refreshing and RP-initiated logout. This
module adds only what is ours:

- **who the person is here**: the ID token's claims mapped to a :class:`User` by
  :class:`ClaimRules` (staff id, name, role through a table such as groups -> role, the
  municipality from a claim or fixed); nobody without exactly one of our roles gets in;
- **the server-side session** (:class:`SessionStore`): the provider's access, refresh and ID
  tokens stay in this process, under a random key; the browser's cookie holds only that key.
  Notes gets the access token as it is (:meth:`OidcIdentity.notes_token`), refreshed shortly
  before it runs out, one refresh at a time per session (a provider that rotates refresh
  tokens would otherwise see the old one twice and end the session);
- **what may leave the log**: reason codes and ids, never a token or a claim's value.

While the login is under way Authlib keeps ``state``, ``nonce`` and the PKCE verifier in the
signed session cookie (for minutes, used once): the callback may then reach any replica.
The tokens after it are only in the replica's memory: with several replicas the ingress keeps a
browser on one (cookie affinity); a browser sent to another signs in again.
"""

import asyncio
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import httpx2
import structlog
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from mediation_contracts.envelope import TENANT_PATTERN
from starlette.requests import Request

from mediator_client.identity import IdentityError, SignInExpired, User
from mediator_client.settings import MediatorSettings
from mediator_client.users import ROLES, Role

log = structlog.get_logger(__name__)
_SLUG: Final = re.compile(TENANT_PATTERN)

REFRESH_MARGIN_SECONDS: Final = 60
"""A token with less left than this (or than a quarter of its lifetime, for short-lived ones)
is refreshed first: notes checks it a moment later (an assignment's proof at the event's
time), so one about to run out would be refused there."""

MAX_SESSIONS: Final = 10_000
"""Signed-in sessions kept per process; past it the oldest is dropped (that person signs in
again), so memory stays bounded whatever the traffic."""

LoginProblem = Literal[
    "provider_error",  # the provider said no (cancelled, access denied) or failed
    "bad_response",  # state, code, ID token or nonce did not check out
    "no_role",  # none of our roles, or more than one
    "no_tenant",  # no municipality, or not a slug
    "no_staff_id",  # no staff id claim
    "unavailable",  # the provider could not be reached
]


class LoginRefused(Exception):
    """The sign-in at the provider did not give us a user; ``problem`` is a stable code for
    the log and the page, never the provider's own words (they may name the person)."""

    def __init__(self, problem: LoginProblem) -> None:
        super().__init__(problem)
        self.problem: LoginProblem = problem


@dataclass(frozen=True)
class ClaimRules:
    """Which ID token claims say who the person is here."""

    staff_id_claim: str = "sub"
    name_claim: str = "name"
    role_claim: str = "role"
    roles: Mapping[str, Role] | None = None
    tenant_claim: str = "tenant"
    tenant: str | None = None

    def user(self, claims: Mapping[str, Any], handle: str) -> User:
        staff_id = claims.get(self.staff_id_claim)
        if not isinstance(staff_id, str) or not staff_id.strip() or len(staff_id) > 255:
            raise LoginRefused("no_staff_id")
        role = self.role(claims.get(self.role_claim))
        tenant = self.tenant if self.tenant is not None else claims.get(self.tenant_claim)
        if not isinstance(tenant, str) or not _is_slug(tenant):
            raise LoginRefused("no_tenant")
        name = claims.get(self.name_claim)
        return User(
            username=staff_id,
            staff_id=staff_id,
            tenant=tenant,
            display_name=name if isinstance(name, str) and name.strip() else staff_id,
            role=role,
            handle=handle,
        )

    def role(self, value: object) -> Role:
        """Exactly one of our roles, from a string or a list (``groups``); values the table
        does not name are ignored (people are in many groups)."""
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            raise LoginRefused("no_role")
        table: Mapping[str, Role] = (
            self.roles if self.roles is not None else {role: role for role in ROLES}
        )
        found = {table[v] for v in values if isinstance(v, str) and v in table}
        if len(found) != 1:
            raise LoginRefused("no_role")
        return found.pop()


def _is_slug(value: str) -> bool:
    return _SLUG.fullmatch(value) is not None


@dataclass
class Tokens:
    """The provider's tokens of one sign-in. Never logged, never sent to the browser."""

    access_token: str
    expires_at: float
    refresh_token: str | None = None
    id_token: str | None = None
    issued_at: float = field(default_factory=time.time)

    def __repr__(self) -> str:
        return f"Tokens(<hidden>, expires_at={self.expires_at})"

    def fresh(self, now: float) -> bool:
        """Enough of the access token's life is left to use it now."""
        margin = min(REFRESH_MARGIN_SECONDS, (self.expires_at - self.issued_at) / 4)
        return self.expires_at - now > margin

    @classmethod
    def of(cls, response: Mapping[str, Any], previous: "Tokens | None" = None) -> "Tokens":
        """From a token endpoint's answer; a refresh answer may leave out the refresh and ID
        tokens (then the previous ones stay)."""
        access = response.get("access_token")
        if not isinstance(access, str) or not access:
            raise LoginRefused("bad_response")
        expires_at = response.get("expires_at")
        if not isinstance(expires_at, int | float):
            expires_in = response.get("expires_in")
            if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
                raise LoginRefused("bad_response")  # an access token without a lifetime
            expires_at = time.time() + float(expires_in)
        refresh = response.get("refresh_token")
        id_token = response.get("id_token")
        return cls(
            access_token=access,
            expires_at=float(expires_at),
            refresh_token=refresh
            if isinstance(refresh, str) and refresh
            else (previous.refresh_token if previous else None),
            id_token=id_token
            if isinstance(id_token, str) and id_token
            else (previous.id_token if previous else None),
        )


@dataclass
class Session:
    user: User
    tokens: Tokens
    started: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SessionStore:
    """The signed-in sessions of this process, by a random key (the cookie's only secret)."""

    def __init__(self, max_age_seconds: float, max_sessions: int = MAX_SESSIONS) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._max_age = max_age_seconds
        self._max = max_sessions

    def __len__(self) -> int:
        return len(self._sessions)

    def start(self, user: User, tokens: Tokens) -> User:
        """A new session for ``user``; the user returned carries its key as ``handle``."""
        handle = secrets.token_urlsafe(32)
        user = replace(user, handle=handle)
        self._sessions[handle] = Session(user, tokens, time.monotonic())
        while len(self._sessions) > self._max:
            self._sessions.popitem(last=False)
        return user

    def get(self, handle: str) -> Session | None:
        session = self._sessions.get(handle)
        if session is not None and time.monotonic() - session.started > self._max_age:
            self._sessions.pop(handle, None)
            return None
        return session

    def end(self, handle: str) -> Session | None:
        return self._sessions.pop(handle, None)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_url: str
    post_logout_redirect_url: str
    scopes: str
    rules: ClaimRules
    leeway_seconds: int = 30
    timeout_seconds: float = 10.0
    session_max_age_seconds: float = 8 * 3600

    @classmethod
    def from_settings(cls, settings: MediatorSettings) -> "OidcConfig":
        """Raises :class:`IdentityError` naming every missing or unusable setting."""
        missing = [
            f"MEDIATOR_OIDC_{name.upper()}"
            for name in ("issuer", "client_id", "redirect_url")
            if not getattr(settings, f"oidc_{name}")
        ]
        if missing:
            raise IdentityError(f"MEDIATOR_IDENTITY=oidc needs {', '.join(missing)}")
        issuer, redirect = str(settings.oidc_issuer), str(settings.oidc_redirect_url)
        for name, url in (("ISSUER", issuer), ("REDIRECT_URL", redirect)):
            if not _web_url(url):
                raise IdentityError(
                    f"MEDIATOR_OIDC_{name} must be an https URL (http only on localhost): {url}"
                )
        if urlsplit(redirect).path != "/auth/callback":
            raise IdentityError("MEDIATOR_OIDC_REDIRECT_URL must end in /auth/callback")
        if "openid" not in settings.oidc_scopes.split():
            raise IdentityError("MEDIATOR_OIDC_SCOPES must include openid")
        parts = urlsplit(redirect)
        post_logout = (
            settings.oidc_post_logout_redirect_url or f"{parts.scheme}://{parts.netloc}/login"
        )
        if not _web_url(post_logout):
            raise IdentityError("MEDIATOR_OIDC_POST_LOGOUT_REDIRECT_URL must be an https URL")
        secret = settings.oidc_client_secret
        return cls(
            issuer=issuer.rstrip("/"),
            client_id=str(settings.oidc_client_id),
            client_secret=secret.get_secret_value() if secret is not None else None,
            redirect_url=redirect,
            post_logout_redirect_url=post_logout,
            scopes=settings.oidc_scopes,
            rules=ClaimRules(
                staff_id_claim=settings.oidc_staff_id_claim,
                name_claim=settings.oidc_name_claim,
                role_claim=settings.oidc_role_claim,
                roles=settings.oidc_roles,
                tenant_claim=settings.oidc_tenant_claim,
                tenant=settings.oidc_tenant,
            ),
            leeway_seconds=settings.oidc_leeway_seconds,
            timeout_seconds=settings.oidc_timeout_seconds,
            session_max_age_seconds=settings.session_max_age_seconds,
        )

    @property
    def provider_origin(self) -> str:
        """Where the browser is sent to sign out (the page's ``form-action`` must allow it)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


def _web_url(url: str) -> bool:
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    return bool(parts.netloc) and (parts.scheme == "https" or (parts.scheme == "http" and local))


class OidcIdentity:
    """Mediators signed in by the municipality's provider; see the module's docstring."""

    def __init__(
        self,
        config: OidcConfig,
        store: SessionStore | None = None,
        refresh_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.sessions = store or SessionStore(config.session_max_age_seconds)
        self._refresh_transport = refresh_transport  # the unit tests' token endpoint
        self._oauth = OAuth()
        self._provider = self._oauth.register(
            name="provider",
            client_id=config.client_id,
            client_secret=config.client_secret,
            server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": config.scopes,
                "code_challenge_method": "S256",
                "timeout": config.timeout_seconds,
                # A public client (no secret) authenticates by PKCE alone.
                "token_endpoint_auth_method": (
                    "client_secret_basic" if config.client_secret else "none"
                ),
            },
        )

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once; it must name our issuer (OIDC Discovery
        section 4.3), else a look-alike document could send us to other keys."""
        try:
            metadata: dict[str, Any] = await self._provider.load_server_metadata()
        except (httpx2.HTTPError, ValueError) as error:
            log.warning(
                "oidc_provider_unavailable", step="discovery", error_type=type(error).__name__
            )
            raise LoginRefused("unavailable") from None
        if str(metadata.get("issuer", "")).rstrip("/") != self.config.issuer:
            log.error("oidc_issuer_mismatch")
            raise LoginRefused("bad_response")
        return metadata

    async def start(self, request: Request) -> str:
        """Where to send the browser to sign in; keeps state, nonce and verifier for the
        callback (Authlib, in the session)."""
        await self.metadata()
        try:
            found = await self._provider.create_authorization_url(self.config.redirect_url)
        except (httpx2.HTTPError, OAuthError) as error:
            log.warning(
                "oidc_provider_unavailable", step="authorize", error_type=type(error).__name__
            )
            raise LoginRefused("unavailable") from None
        url: str = found.pop("url")
        await self._provider.save_authorize_data(
            request, redirect_uri=self.config.redirect_url, **found
        )
        return url

    async def finish(self, request: Request) -> User:
        """The callback: the provider's answer checked and exchanged, a new server-side
        session started. :class:`LoginRefused` with the reason otherwise."""
        await self.metadata()
        if request.query_params.get("error"):
            log.info("oidc_login_refused_by_provider", error=_code(request.query_params["error"]))
            raise LoginRefused("provider_error")
        if not request.query_params.get("state") or not request.query_params.get("code"):
            raise LoginRefused("bad_response")
        try:
            response = await self._provider.authorize_access_token(
                request, leeway=self.config.leeway_seconds
            )
        except OAuthError as error:
            log.info("oidc_login_failed", error=_code(error.error))
            raise LoginRefused(
                "bad_response" if error.error == "mismatching_state" else "provider_error"
            ) from None
        except (JoseError, AuthlibBaseError, KeyError, TypeError, ValueError) as error:
            # A bad signature, wrong issuer or audience, expired, another nonce, no state.
            log.warning("oidc_id_token_refused", error_type=type(error).__name__)
            raise LoginRefused("bad_response") from None
        except httpx2.HTTPError as error:
            log.warning("oidc_provider_unavailable", step="token", error_type=type(error).__name__)
            raise LoginRefused("unavailable") from None
        claims = response.get("userinfo")
        if not isinstance(claims, Mapping):
            log.warning("oidc_no_id_token")
            raise LoginRefused("bad_response")
        user = self.config.rules.user(claims, handle="")
        return self.sessions.start(user, Tokens.of(response))

    def user(self, handle: str) -> User | None:
        session = self.sessions.get(handle)
        return session.user if session is not None else None

    async def notes_token(self, user: User) -> str:
        """The provider's access token of this sign-in, refreshed first when it is about to
        run out; :class:`SignInExpired` when it cannot be (no refresh token, refused)."""
        session = self.sessions.get(user.session_handle)
        if session is None:
            raise SignInExpired
        async with session.lock:
            tokens = session.tokens
            if tokens.fresh(time.time()):
                return tokens.access_token
            session.tokens = await self._refreshed(user, tokens)
            return session.tokens.access_token

    async def _refreshed(self, user: User, tokens: Tokens) -> Tokens:
        if tokens.refresh_token is None:
            self.sessions.end(user.session_handle)
            log.info("oidc_session_expired", staff_id=user.staff_id, why="no_refresh_token")
            raise SignInExpired
        metadata = await self._metadata_or_expired()
        client = AsyncOAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            token_endpoint_auth_method=(
                "client_secret_basic" if self.config.client_secret else "none"
            ),
            timeout=self.config.timeout_seconds,
            **({"transport": self._refresh_transport} if self._refresh_transport else {}),
        )
        try:
            async with client:
                response = await client.refresh_token(
                    metadata["token_endpoint"], refresh_token=tokens.refresh_token
                )
            fresh = Tokens.of(response, previous=tokens)
        except OAuthError as error:  # invalid_grant: revoked, the user disabled, expired
            self.sessions.end(user.session_handle)
            log.info("oidc_session_expired", staff_id=user.staff_id, why=_code(error.error))
            raise SignInExpired from None
        except (httpx2.HTTPError, LoginRefused, KeyError) as error:
            log.warning(
                "oidc_refresh_failed", staff_id=user.staff_id, error_type=type(error).__name__
            )
            raise SignInExpired from None
        log.info("oidc_token_refreshed", staff_id=user.staff_id)
        return fresh

    async def _metadata_or_expired(self) -> dict[str, Any]:
        try:
            return await self.metadata()
        except LoginRefused:
            raise SignInExpired from None

    async def logout(self, user: User | None, handle: str | None) -> str | None:
        """Ends the server-side session; the provider's end-session address to send the
        browser to (RP-initiated logout) when the provider has one, else None."""
        session = self.sessions.end(handle) if handle else None
        try:
            metadata = await self.metadata()
        except LoginRefused:
            return None
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return None
        if not endpoint.startswith(f"{self.config.provider_origin}/"):
            # The page's form-action allows only the issuer's site: a browser would refuse it.
            log.warning("oidc_logout_elsewhere")
            return None
        found = await self._provider.create_logout_url(
            post_logout_redirect_uri=self.config.post_logout_redirect_url,
            id_token_hint=session.tokens.id_token if session is not None else None,
            client_id=self.config.client_id,
        )
        url: str = found["url"]
        if user is not None:
            log.info("oidc_logout_at_provider", staff_id=user.staff_id)
        return url


def _code(value: object) -> str:
    """An OAuth error code fit for the log (``access_denied``), nothing the provider wrote."""
    text = str(value or "")
    return text if text.replace("_", "").isalnum() and len(text) <= 40 else "other"
