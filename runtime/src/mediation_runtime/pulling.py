"""A standing pull on a JetStream pull consumer: messages handed over as the server sends
them, not one fetch round trip after another.

nats-py 2.x has only ``fetch``: one request, then wait for its batch (or its timeout), then
the next request. Between two fetches nothing is asked, so a message stored then waits for
the next request, and each request's answer waits in the event loop behind whatever the
handlers of the last batch are doing (measured in intake at one case a second: a burst of five
events taken in one or two per request, a consent waiting 20 ms p50 from the stream to its
handler against 11.7 in the same-work baseline). The Go client's ``Consume`` keeps requests
standing instead, and so does :class:`StandingPull`, on nats-py's own subscription:

- it asks for ``batch`` messages that expire after ``expires`` seconds, and asks for more
  whenever fewer than half of that are still owed, so the server always has a request to
  send a new message into;
- what the server owes shrinks by each message, and by what an expired request still owed
  (its ``408`` status says, in ``Nats-Pending-Messages``);
- requests the server forgot (a reconnect, a restart, a leadership change) show as silence:
  nothing at all for ``expires`` and a grace, not even the ``408`` a request ends with, and
  it asks again from nothing.

It uses the subscription's private ``_sub``, ``_nc``, ``_nms`` and ``_deliver`` (nats-py
2.x's ``PullSubscription``): a nats-py without them fails at the first pull, not quietly.
"""

import asyncio
import contextlib
import json
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext, api
from nats.js.errors import APIError

log = structlog.get_logger("mediation_runtime.pulling")

PULL_BATCH = 64
"""Most messages asked for at once (as the benchmarks' baseline does): they wait in the
client for a worker, a few tens of milliseconds each under a backlog, far inside
``ack_wait``."""
PULL_EXPIRES = 5.0
"""How long one request stands at the server (then the next one takes over)."""
SILENCE_GRACE = 2.0
"""How long past a request's expiry its ``408`` may take before the request counts as lost."""

_RESET = {"Leadership Change", "Server Shutdown", "Exceeded MaxWaiting"}
"""``409`` descriptions after which the server holds none of our requests (or will not take
one more now): ask again from nothing. Any other ``409`` (the consumer was deleted, or is
push based) fails the pull."""


class StandingPull:
    """The messages of ``subscription`` (nats-py's ``PullSubscription``), one by one
    (:meth:`next`), with requests kept standing at the server."""

    def __init__(
        self,
        subscription: Any,
        *,
        batch: int = PULL_BATCH,
        expires: float = PULL_EXPIRES,
        grace: float = SILENCE_GRACE,
    ) -> None:
        self._sub = subscription._sub
        self._nc = subscription._nc
        self._nms: str = subscription._nms
        self._deliver: str = subscription._deliver
        self.batch = batch
        self.expires = expires
        self.grace = grace
        self.owed = 0
        """Messages the standing requests may still bring."""
        self.unanswered = False
        """Whether the last request found no one to take it (``503``)."""

    async def next(self) -> Msg:
        """The next message the consumer sends (waiting as long as it takes). Raises the
        server's :class:`~nats.js.errors.APIError` for a status that ends the pull, and
        ``ConnectionClosedError`` once the connection is closed for good."""
        while True:
            if self.owed <= self.batch // 2:
                await self._ask(self.batch - self.owed)
            try:
                message: Msg = await self._sub.next_msg(timeout=self.expires + self.grace)
            except NatsTimeoutError:  # not even a 408: the server forgot our requests
                self.owed = 0
                continue
            status = JetStreamContext.is_status_msg(message)
            if not status:
                self.owed = max(0, self.owed - 1)
                self.unanswered = False
                return message
            if status == api.StatusCode.SERVICE_UNAVAILABLE:
                await self._unanswered()
                continue
            self._settle(status, message)

    async def _unanswered(self) -> None:
        """No one took the request (no responders: JetStream or the consumer is not there,
        e.g. during a leader election or after the consumer was deleted): ask again after a
        pause, saying so once, rather than asking as fast as the server answers."""
        if not self.unanswered:
            log.warning("pull_unanswered", retry_seconds=self.grace)
        self.unanswered = True
        self.owed = 0
        await asyncio.sleep(self.grace)

    def take_waiting(self) -> list[Msg]:
        """The messages already here that nobody took yet (to give back when stopping)."""
        waiting: list[Msg] = []
        queue = self._sub._pending_queue
        while not queue.empty():
            message = queue.get_nowait()
            self._sub._pending_size -= len(message.data)
            if not JetStreamContext.is_status_msg(message):
                waiting.append(message)
        return waiting

    async def _ask(self, count: int) -> None:
        request = {"batch": count, "expires": int(self.expires * 1_000_000_000)}
        await self._nc.publish(self._nms, json.dumps(request).encode(), self._deliver)
        self.owed += count

    def _settle(self, status: str, message: Msg) -> None:
        headers = message.headers or {}
        if status == api.StatusCode.REQUEST_TIMEOUT:  # a request expired owing this many
            owing = 0
            with contextlib.suppress(ValueError):
                owing = int(headers.get("Nats-Pending-Messages", "0"))
            self.owed = max(0, self.owed - owing) if owing else 0
        elif status == api.StatusCode.CONTROL_MESSAGE:
            pass  # an idle heartbeat (we ask for none; another client might)
        elif status == api.StatusCode.CONFLICT and headers.get("Description") in _RESET:
            self.owed = 0
        elif status != api.StatusCode.NO_MESSAGES:  # 404 answers only no_wait requests
            raise APIError.from_msg(message)


__all__ = ["PULL_BATCH", "PULL_EXPIRES", "StandingPull"]
