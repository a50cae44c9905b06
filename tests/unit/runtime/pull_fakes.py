"""nats-py's pull subscription as :class:`mediation_runtime.pulling.StandingPull` sees it:
the requests it publishes are recorded, and what the "server" sends is put on the
subscription's queue by the test. No server."""

import asyncio
import json
from collections.abc import Callable
from typing import Any

from nats import errors as nats_errors

NMS = "$JS.API.CONSUMER.MSG.NEXT.EVENTS.intake-events"
INBOX = "_INBOX_intake.pull"


class Message:
    """A message as delivered: a body, perhaps a status header; nak recorded."""

    def __init__(self, n: int = 0, headers: dict[str, str] | None = None) -> None:
        self.n = n
        self.data = b"{}"
        self.headers = headers
        self.nacked = False

    @property
    def header(self) -> dict[str, str] | None:
        return self.headers

    async def nak(self) -> None:
        self.nacked = True


def status(code: str, description: str = "", **headers: str) -> Message:
    return Message(-1, {"Status": code, "Description": description, **headers})


class Connection:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.on_request: Callable[[dict[str, Any]], None] = lambda request: None

    async def publish(self, subject: str, payload: bytes, reply: str) -> None:
        assert (subject, reply) == (NMS, INBOX)
        request = json.loads(payload)
        self.requests.append(request)
        self.on_request(request)


class Subscription:
    """nats-py's ``Subscription``: a queue the read loop fills. ``when_empty`` runs when a
    reader finds it empty (a test's way of ending: it may raise)."""

    def __init__(self) -> None:
        self._pending_queue: asyncio.Queue[Message] = asyncio.Queue()
        self._pending_size = 0
        self.when_empty: Callable[[], None] = lambda: None

    def put(self, *messages: Message) -> None:
        for message in messages:
            self._pending_queue.put_nowait(message)
            self._pending_size += len(message.data)

    async def next_msg(self, timeout: float) -> Message:
        if self._pending_queue.empty():
            self.when_empty()
        try:
            message = await asyncio.wait_for(self._pending_queue.get(), timeout)
        except TimeoutError:
            raise nats_errors.TimeoutError from None
        self._pending_size -= len(message.data)
        self._pending_queue.task_done()
        return message


class PullSubscription:
    """nats-py's ``JetStreamContext.PullSubscription``, the private parts used."""

    def __init__(self) -> None:
        self._sub = Subscription()
        self._nc = Connection()
        self._nms = NMS
        self._deliver = INBOX


def numbered(first: int, count: int) -> list[Message]:
    return [Message(n) for n in range(first, first + count)]
