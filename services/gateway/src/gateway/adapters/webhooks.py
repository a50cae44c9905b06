"""Sends one webhook, signed per the Standard Webhooks specification.

Headers: ``webhook-id`` (the event's id: the same on every retry and replay, so a
subscriber can drop what it already has), ``webhook-timestamp`` (seconds since the epoch of
this attempt) and ``webhook-signature`` (``v1,`` + base64 of HMAC-SHA256 over
``<id>.<timestamp>.<body>`` with the subscription's secret), computed by the reference
library ``standardwebhooks``. The body is the event as a structured-mode CloudEvent
(``application/cloudevents+json``).
"""

import asyncio
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx2
from standardwebhooks import Webhook

from gateway.domain.callbacks import internal_address, internal_name

USER_AGENT = "mediation-gateway/1"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None
    error: str | None
    """A code (``timeout``, ``connection_failed``, ``http_<status>``), never response text."""


def signed_headers(secret: str, event_id: str, body: str, at: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(event_id, at, body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/cloudevents+json",
        "user-agent": USER_AGENT,
    }


async def resolves_internal(url: str) -> bool:
    """Whether the URL's host is, or resolves to, an internal address (any of them). A
    name that does not resolve now is left to the attempt, which fails and is retried."""
    host = urlsplit(url).hostname or ""
    if internal_name(host):
        return True
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return any(internal_address(str(address[4][0])) for address in found)


async def send(
    client: httpx2.AsyncClient,
    url: str,
    secret: str,
    event_id: str,
    body: str,
    *,
    allow_private: bool = False,
) -> Outcome:
    """One attempt; any 2xx is delivered, anything else (or no answer) is not."""
    if not allow_private and await resolves_internal(url):
        return Outcome(False, None, "internal_address")
    headers = signed_headers(secret, event_id, body, datetime.now(UTC))
    try:
        response = await client.post(url, content=body.encode(), headers=headers)
    except httpx2.TimeoutException:
        return Outcome(False, None, "timeout")
    except httpx2.HTTPError as error:
        return Outcome(False, None, f"connection_failed:{type(error).__name__}")
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, None)
    return Outcome(False, response.status_code, f"http_{response.status_code}")
