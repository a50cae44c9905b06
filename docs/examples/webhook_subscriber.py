"""An example subscriber of the mediation gateway's webhooks (docs/gateway.md).

Run it (development: plain http on loopback, the gateway started with
GATEWAY_ALLOW_HTTP_CALLBACKS=true, as `make run` does):

    WEBHOOK_SECRET=whsec_... uv run python docs/examples/webhook_subscriber.py 9000

then subscribe with callback_url http://127.0.0.1:9000/webhook. What it does is what every
subscriber must do:

1. check the signature (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``,
   ``webhook-signature``) with the subscription's secret, over the body exactly as received,
   and refuse anything else (401): anyone can POST to a URL;
2. drop what it already has: delivery is at least once, and ``webhook-id`` (the event's id)
   is the same on every retry and replay;
3. answer 2xx quickly, once the event is safely kept; anything else, or no answer within
   the gateway's timeout (10 s), is tried again later.

The tests use this very app as the real subscriber (tests/integration/gateway/).
"""

import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookSubscriber:
    """An ASGI app that takes signed CloudEvents on ``POST /webhook``."""

    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)
        self.events: dict[str, dict[str, Any]] = {}  # by id: a second copy changes nothing
        self.refused = 0

    async def keep(self, event: dict[str, Any]) -> None:
        """Where a real system stores the event (its own database, a queue, ...)."""
        self.events.setdefault(event["id"], event)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] != "POST" or scope["path"] != "/webhook":
            await _answer(send, 404)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            event = self.webhook.verify(body, headers)
        except (WebhookVerificationError, ValueError):
            self.refused += 1
            await _answer(send, 401)
            return
        if not isinstance(event, dict) or event.get("id") != headers.get("webhook-id"):
            self.refused += 1
            await _answer(send, 400)
            return
        await self.keep(event)
        await _answer(send, 204)


async def _answer(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def main() -> None:
    import uvicorn

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    app = WebhookSubscriber(os.environ["WEBHOOK_SECRET"])
    original = app.keep

    async def keep_and_show(event: dict[str, Any]) -> None:
        await original(event)
        print(json.dumps({"id": event["id"], "type": event["type"]}), flush=True)

    app.keep = keep_and_show  # type: ignore[method-assign]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", interface="asgi3")


if __name__ == "__main__":
    main()
