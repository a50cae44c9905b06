"""The events consumer's loop (``delivery.take_in_batches``) on a fake subscription: messages
handed over as they come, in stream order, by at most the workers at once, and what was
received but not handed over comes back at once when the loop stops. No server."""

import asyncio
from typing import Any

import pytest
import structlog
from mediation_runtime import delivery
from mediation_runtime.delivery import take_in_batches
from nats import errors as nats_errors
from nats.js.errors import APIError

from tests.unit.runtime.pull_fakes import Message, PullSubscription, numbered, status


class Subscriber:
    """FastStream's pull subscriber as the loop sees it. The server has sent ``messages``;
    once they are taken, the service stops (its connection closes)."""

    def __init__(self, messages: list[Message]) -> None:
        self.running = True
        self.subscription = PullSubscription()
        self.subscription._sub.put(*messages)
        self.subscription._sub.when_empty = self.stop

    def stop(self) -> None:
        self.running = False
        raise nats_errors.ConnectionClosedError

    async def _consume_pull(self, cb: Any) -> None:
        raise AssertionError("FastStream's own loop must not run")


@pytest.fixture(autouse=True)
def _no_pause_when_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "CLOSED_PAUSE_SECONDS", 0)


async def test_messages_start_in_stream_order_from_a_request_that_stands() -> None:
    sent = [*numbered(0, 40), status("408", "Request Timeout", **{"Nats-Pending-Messages": "30"})]
    subscriber = Subscriber([*sent, *numbered(40, 28)])
    delivered: list[int] = []

    async def deliver(message: Message) -> None:
        delivered.append(message.n)
        await asyncio.sleep(0)

    take_in_batches(subscriber, deliver, workers=4)
    await subscriber._consume_pull(_faststreams_hand_over)

    assert delivered == list(range(68)), "each starts in stream order"
    asked = subscriber.subscription._nc.requests
    assert asked[0] == {"batch": 64, "expires": 5_000_000_000}, "one request stands, not no_wait"
    # 64 asked; at 32 owed, 32 more; 8 more came (56 owed), then the first request expired
    # owing 30 (26 owed): 38 more.
    assert [r["batch"] for r in asked] == [64, 32, 38]


async def test_no_more_than_the_workers_deliver_at_once_and_every_one_ends() -> None:
    subscriber = Subscriber(numbered(0, 31))
    at_once, most, ended = 0, 0, []

    async def deliver(message: Message) -> None:
        nonlocal at_once, most
        at_once += 1
        most = max(most, at_once)
        await asyncio.sleep(0.001 * (message.n % 3))
        at_once -= 1
        ended.append(message.n)

    take_in_batches(subscriber, deliver, workers=3)
    await subscriber._consume_pull(_faststreams_hand_over)
    assert most == 3
    assert sorted(ended) == list(range(31)), "the loop ends when its deliveries have"


async def test_what_no_worker_got_when_the_loop_stops_comes_back_at_once() -> None:
    batch = numbered(1, 5)
    subscriber = Subscriber([Message(0), *batch])
    workers_full = asyncio.Event()
    cancelled: list[int] = []

    async def deliver(message: Message) -> None:
        if message.n == 1:  # both workers busy: message 2 waits, then the service stops
            workers_full.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(message.n)
            raise

    take_in_batches(subscriber, deliver, workers=2)
    loop = asyncio.create_task(subscriber._consume_pull(_faststreams_hand_over))
    await asyncio.wait_for(workers_full.wait(), 5)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert [m.nacked for m in batch] == [False, True, True, True, True]
    assert sorted(cancelled) == [0, 1], "deliveries under way stop with the loop"


async def test_a_delivery_that_fails_is_logged_and_the_others_go_on() -> None:
    subscriber = Subscriber(numbered(0, 4))
    delivered: list[int] = []

    async def deliver(message: Message) -> None:
        if message.n == 2:
            raise RuntimeError("connection closed while acking")
        delivered.append(message.n)

    take_in_batches(subscriber, deliver, workers=2)
    with structlog.testing.capture_logs() as logs:
        await subscriber._consume_pull(_faststreams_hand_over)
    assert delivered == [0, 1, 3]
    assert {"event": "delivery_failed", "error_type": "RuntimeError", "log_level": "error"} in logs


async def test_a_failed_pull_fails_the_loop_and_leaves_deliveries_under_way_to_finish() -> None:
    """FastStream's supervisor restarts a loop that failed; what it had started goes on, and
    still holds its worker in the loop that takes over."""
    first = Message(0)
    subscriber = Subscriber([first, status("409", "Consumer Deleted")])
    go_on, started, ended = asyncio.Event(), [], []

    async def deliver(message: Message) -> None:
        started.append(message.n)
        await go_on.wait()
        ended.append(message.n)

    take_in_batches(subscriber, deliver, workers=1)
    with pytest.raises(APIError, match="Consumer Deleted"):
        await subscriber._consume_pull(_faststreams_hand_over)
    assert first.nacked is False

    subscriber.running = True
    subscriber.subscription._sub.put(Message(1))
    restarted = asyncio.create_task(subscriber._consume_pull(_faststreams_hand_over))
    queue = subscriber.subscription._sub._pending_queue
    await asyncio.wait_for(queue.join(), 5)  # message 1 is taken, waiting for a worker
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == [0], "the one worker is still busy with message 0"
    go_on.set()
    await asyncio.wait_for(restarted, 5)
    assert ended == [0, 1]


def test_a_faststream_without_the_pull_loop_fails_at_start() -> None:
    with pytest.raises(RuntimeError, match="_consume_pull"):
        take_in_batches(object(), _ignore, workers=1)


async def _ignore(message: Message) -> None:
    return None


async def _faststreams_hand_over(message: Message) -> None:
    raise AssertionError("messages go to deliver, not to FastStream's hand-over")
