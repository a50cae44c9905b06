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
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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


async def _addresses(host: str) -> list[str]:
    """Every address ``host`` resolves to now (an IP literal: itself); none when it does not."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return [str(entry[4][0]) for entry in found]


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``url`` sent to ``address``, the one checked: the URL with the address for its host,
    the ``Host`` header and TLS's server name (SNI, and the name the certificate must carry)
    still the URL's host. Resolving the name again to connect would let a DNS answer that
    changes between the check and the connection (DNS rebinding) aim the request inside."""
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), {"host": host}, extensions


MOST_ADDRESSES = 2
"""Of a name's addresses, how many one attempt may try in turn: a second costs at most one
more connect timeout, so an attempt stays well inside the delivery lease (defaults: 10 s a
phase, a 60 s lease)."""


async def send(
    client: httpx2.AsyncClient,
    url: str,
    secret: str,
    event_id: str,
    body: str,
    *,
    allow_private: bool = False,
) -> Outcome:
    """One attempt; any 2xx is delivered, anything else (or no answer) is not. Unless
    ``allow_private``, the host is resolved once and refused when any of its addresses is
    internal; the request then goes to those addresses (:func:`pinned`), IPv4 ones first,
    the next only when the one before could not be connected to (a name whose IPv6 address
    the gateway cannot reach, say)."""
    headers = signed_headers(secret, event_id, body, datetime.now(UTC))
    if allow_private:
        return (await _post(client, url, headers, {}, body))[0]
    host = urlsplit(url).hostname or ""
    if internal_name(host):
        return Outcome(False, None, "internal_address")
    addresses = await _addresses(host)
    if any(internal_address(address) for address in addresses):
        return Outcome(False, None, "internal_address")
    outcome = Outcome(False, None, "connection_failed:unresolved")
    ordered = sorted(dict.fromkeys(addresses), key=lambda address: ":" in address)
    for address in ordered[:MOST_ADDRESSES]:
        target, pinning, extensions = pinned(url, address)
        outcome, connected = await _post(client, target, headers | pinning, extensions, body)
        if connected:
            break
    return outcome


async def _post(
    client: httpx2.AsyncClient,
    url: str,
    headers: dict[str, str],
    extensions: dict[str, Any],
    body: str,
) -> tuple[Outcome, bool]:
    """The attempt's outcome, and whether it reached the subscriber (else the next address
    may be tried)."""
    try:
        response = await client.post(
            url, content=body.encode(), headers=headers, extensions=extensions
        )
    except httpx2.ConnectTimeout:
        return Outcome(False, None, "timeout"), False
    except httpx2.ConnectError as error:
        return Outcome(False, None, f"connection_failed:{type(error).__name__}"), False
    except httpx2.TimeoutException:
        return Outcome(False, None, "timeout"), True
    except httpx2.HTTPError as error:
        return Outcome(False, None, f"connection_failed:{type(error).__name__}"), True
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, None), True
    return Outcome(False, response.status_code, f"http_{response.status_code}"), True
