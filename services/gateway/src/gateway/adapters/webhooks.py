"""Sends one webhook, signed per the Standard Webhooks specification.

Headers: ``webhook-id`` (the event's id: the same on every retry and replay, so a
subscriber can drop what it already has), ``webhook-timestamp`` (seconds since the epoch of
this attempt) and ``webhook-signature`` (``v1,`` + base64 of HMAC-SHA256 over
``<id>.<timestamp>.<body>`` with the subscription's secret), computed by the reference
library ``standardwebhooks``. The body is the event as a structured-mode CloudEvent
(``application/cloudevents+json``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2
from standardwebhooks import Webhook

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


async def send(
    client: httpx2.AsyncClient, url: str, secret: str, event_id: str, body: str
) -> Outcome:
    """One attempt; any 2xx is delivered, anything else (or no answer) is not."""
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
