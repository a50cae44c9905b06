"""Cross-site request forgery protection and the security headers of every response.

Every form carries the session's CSRF token in a hidden field; every POST is checked before
anything else happens (:func:`check_post`): a token that does not match, or an ``Origin``
header naming another site, is refused with 403.
"""

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any, Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD: Final = "csrf_token"
CSRF_SESSION_KEY: Final = "csrf"


class CsrfRefused(Exception):
    """A POST without the session's CSRF token, or from another origin."""


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def csrf_valid(expected: object, submitted: object) -> bool:
    if not isinstance(expected, str) or not isinstance(submitted, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def same_origin(origin: str | None, host: str | None, fetch_site: str | None = None) -> bool:
    """No ``Origin`` header (older browsers, same-origin GET-like posts) passes; one that names
    another host does not. ``null`` (a sandboxed or privacy-redirected page) does not either,
    unless the browser itself says the form came from this site (``Sec-Fetch-Site:
    same-origin``, which no page can set): a page sent with ``Referrer-Policy: no-referrer``
    (the public evaluation) posts its own form with ``Origin: null``."""
    if origin is None:
        return True
    if origin == "null":
        return fetch_site == "same-origin"
    if host is None:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


async def check_post(request: Request) -> None:
    """FastAPI dependency of every POST route: runs before the route reads anything else."""
    headers = request.headers
    if not same_origin(headers.get("origin"), headers.get("host"), headers.get("sec-fetch-site")):
        raise CsrfRefused("origin")
    form = await request.form()
    if not csrf_valid(request.session.get(CSRF_SESSION_KEY), form.get(CSRF_FIELD)):
        raise CsrfRefused("token")


CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def security_headers(sign_out_origin: str | None = None) -> tuple[tuple[bytes, bytes], ...]:
    """The headers of every response. ``sign_out_origin``: the identity provider's site, which
    signing out sends the browser on to (browsers hold a form's redirect to ``form-action``)."""
    form_action = "'self'" + (f" {sign_out_origin}" if sign_out_origin else "")
    return (
        (
            b"content-security-policy",
            CONTENT_SECURITY_POLICY.format(form_action=form_action).encode(),
        ),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    )


SECURITY_HEADERS: Final = security_headers()
PUBLIC_PREFIX: Final = "/evaluering"
"""The public evaluation pages: their address holds a secret (the link's token), so no
other site is ever told it (``no-referrer``) and no search engine keeps it."""


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response, and ``no-store`` to pages: they hold
    case data, which must not stay in a shared computer's cache."""

    def __init__(self, app: ASGIApp, sign_out_origin: str | None = None) -> None:
        self.app = app
        self.headers = security_headers(sign_out_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        static = path.startswith("/static/")
        public = path == PUBLIC_PREFIX or path.startswith(f"{PUBLIC_PREFIX}/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(self.headers)
                if public:
                    headers.append((b"referrer-policy", b"no-referrer"))
                    headers.append((b"x-robots-tag", b"noindex, nofollow"))
                else:
                    headers.append((b"referrer-policy", b"same-origin"))
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
