"""What every channel shares: the ``Sender`` interface, the two kinds of failure, and the one
HTTP call the gateway adapters (SMS, Digital Post) make.

A sender sends ONE message to ONE person and either returns a provider reference or raises
``TransientFailure`` (worth retrying later) or ``PermanentFailure`` (never retry). Retrying,
backoff and the NotificationSent/NotificationFailed events are the caller's job.

Failure codes end up in logs and events, so they are short machine codes (``smtp_550``,
``connection_refused``, ``no_address``) and can never carry an address or message text: the
constructor only accepts ``[a-z0-9_]``. For the same reason the senders raise their failures
``from None``: the provider's own error text (which often quotes the address) is not chained.
"""

import asyncio
import email.utils
import json
import re
import socket
import ssl
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.client import HTTPException
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from notifications.domain.message import Channel, Message

_CODE = re.compile(r"[a-z0-9_]{1,64}")
_MAX_RESPONSE_BYTES = 64 * 1024
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
USER_AGENT = "mediation-notifications/0.1"


class DeliveryFailure(Exception):
    """A message could not be delivered; ``code`` says why, without personal data."""

    retryable: ClassVar[bool]

    def __init__(self, code: str) -> None:
        if not _CODE.fullmatch(code):
            raise ValueError(f"failure codes are [a-z0-9_]{{1,64}}, got {len(code)} characters")
        super().__init__(code)
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r})"


class TransientFailure(DeliveryFailure):
    """Worth retrying: the provider was unreachable, slow, busy or asked us to come back.

    ``retry_after`` (seconds) is the provider's own hint (HTTP ``Retry-After``), if it gave one.
    """

    retryable = True

    def __init__(self, code: str, *, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.retry_after = retry_after


class PermanentFailure(DeliveryFailure):
    """Never retry: the provider refused this message for good, or it cannot be addressed."""

    retryable = False


class Sender(Protocol):
    """One channel. ``send`` delivers one message and returns a provider reference (an SMTP
    Message-ID, a gateway's message id, a file path); it raises ``TransientFailure`` or
    ``PermanentFailure`` and nothing else for delivery problems."""

    name: Channel

    async def send(self, message: Message) -> str: ...


def require_http_url(url: str, setting: str) -> str:
    """A gateway URL must be https (it carries a bearer token); plain http only on loopback."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return url
    raise ValueError(f"{setting} must be an https:// URL (http:// is allowed only on loopback)")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: it would resend the bearer token to wherever it points."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def classify_http_status(status: int, retry_after: float | None = None) -> DeliveryFailure:
    """429, 408 and 5xx are transient; every other non-2xx status is permanent."""
    code = f"http_{status}"
    if status in (408, 429) or 500 <= status <= 599:
        return TransientFailure(code, retry_after=retry_after)
    return PermanentFailure(code)


def classify_network_error(exc: BaseException | None) -> TransientFailure:
    """Connection-level problems (before or instead of an HTTP or SMTP reply) are all
    transient; the code says which (``None``: the cause is unknown)."""
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError):
        return TransientFailure("connection_refused")
    if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError
        return TransientFailure("timeout")
    if isinstance(reason, ssl.SSLError):
        return TransientFailure("tls_error")
    if isinstance(reason, socket.gaierror):
        return TransientFailure("dns_failure")
    return TransientFailure("connection_failed")


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _post_json_blocking(
    url: str, token: str, payload: dict[str, Any], timeout: float, key: str
) -> tuple[int, bytes]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    if key:
        headers["Idempotency-Key"] = f'"{key}"'
    request = urllib.request.Request(  # noqa: S310 - scheme checked by require_http_url
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers=headers,
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return int(response.status), response.read(_MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        exc.close()
        raise classify_http_status(exc.code, retry_after) from None
    except (urllib.error.URLError, HTTPException, OSError) as exc:
        raise classify_network_error(exc) from None


async def post_json(
    url: str, token: str, payload: dict[str, Any], timeout: float, *, key: str = ""
) -> bytes:
    """POST ``payload`` as JSON with a bearer token, and ``key`` (when given) as the
    ``Idempotency-Key`` header (IETF draft-ietf-httpapi-idempotency-key-header, a quoted
    string): a gateway that honours it drops the repeat of a message we sent again after a
    crash. Return the 2xx response body (at most 64 KiB) or raise
    ``TransientFailure``/``PermanentFailure``. Runs the stdlib client in a worker thread."""
    status, body = await asyncio.to_thread(_post_json_blocking, url, token, payload, timeout, key)
    if not 200 <= status <= 299:  # e.g. a 1xx/3xx that urllib handed back
        raise classify_http_status(status)
    return body


def reference_from_body(body: bytes, fallback: str) -> str:
    """The gateway's message id from a JSON response (``id``, ``message_id``, ``messageId`` or
    ``reference``), else ``fallback``."""
    try:
        data = json.loads(body)
    except ValueError:
        return fallback
    if isinstance(data, dict):
        for key in ("id", "message_id", "messageId", "reference"):
            value = data.get(key)
            if isinstance(value, str | int) and str(value):
                return str(value)[:200]
    return fallback
