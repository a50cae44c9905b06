"""The events consumer's fetch loop (``delivery.take_in_batches``) on a fake subscription:
one message at a time while idle, up to a batch while busy, delivered in stream order by at
most the workers at once, and what was fetched but not handed over comes back at once when
the loop stops. No server."""

import asyncio
from typing import Any

import pytest
import structlog
from mediation_runtime.delivery import (
    BUSY_BATCH,
    BUSY_FETCH_SECONDS,
    IDLE_FETCH_SECONDS,
    take_in_batches,
)
from nats import errors as nats_errors


class Message:
    def __init__(self, n: int) -> None:
        self.n = n
        self.nacked = False

    async def nak(self) -> None:
        self.nacked = True


class Subscription:
    """Answers each fetch with the next of ``answers`` (a list of messages, or an exception);
    when they run out, the loop is stopped."""

    def __init__(self, owner: "Subscriber", answers: list[Any]) -> None:
        self.owner = owner
        self.answers = answers
        self.asked: list[tuple[int, float]] = []

    async def fetch(self, batch: int, timeout: float) -> list[Message]:
        self.asked.append((batch, timeout))
        if not self.answers:
            self.owner.running = False
            raise nats_errors.TimeoutError
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        assert len(answer) <= batch
        return list(answer)


class Subscriber:
    """FastStream's pull subscriber as the loop sees it."""

    def __init__(self, answers: list[Any]) -> None:
        self.running = True
        self.subscription = Subscription(self, answers)

    async def _consume_pull(self, cb: Any) -> None:
        raise AssertionError("FastStream's own loop must not run")


def messages(first: int, count: int) -> list[Message]:
    return [Message(n) for n in range(first, first + count)]


async def test_idle_it_waits_for_one_busy_it_takes_what_is_there_in_order() -> None:
    subscriber = Subscriber(
        [messages(0, 1), messages(1, 64), messages(65, 3), nats_errors.TimeoutError(), []]
    )
    delivered: list[int] = []

    async def deliver(message: Message) -> None:
        delivered.append(message.n)
        await asyncio.sleep(0)

    take_in_batches(subscriber, deliver, workers=4)
    await subscriber._consume_pull(_faststreams_hand_over)

    idle, busy = (1, IDLE_FETCH_SECONDS), (BUSY_BATCH, BUSY_FETCH_SECONDS)
    assert subscriber.subscription.asked == [idle, busy, busy, busy, idle, idle]
    assert delivered == list(range(68)), "each starts in stream order"


async def test_no_more_than_the_workers_deliver_at_once_and_every_one_ends() -> None:
    subscriber = Subscriber([messages(0, 1), messages(1, 30)])
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


async def test_a_fetch_that_brought_nothing_makes_the_consumer_idle_again() -> None:
    subscriber = Subscriber([messages(0, 1), [], messages(1, 1)])
    take_in_batches(subscriber, _ignore, workers=1, batch=8)
    await subscriber._consume_pull(_faststreams_hand_over)
    assert subscriber.subscription.asked == [
        (1, IDLE_FETCH_SECONDS),
        (8, BUSY_FETCH_SECONDS),
        (1, IDLE_FETCH_SECONDS),
        (8, BUSY_FETCH_SECONDS),
    ]


async def test_what_no_worker_got_when_the_loop_stops_comes_back_at_once() -> None:
    batch = messages(1, 5)
    subscriber = Subscriber([messages(0, 1), batch])
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
    subscriber = Subscriber([messages(0, 1), messages(1, 3)])
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


async def test_a_failed_fetch_fails_the_loop_and_leaves_deliveries_under_way_to_finish() -> None:
    """FastStream's supervisor restarts a loop that failed; what it had started goes on, and
    still holds its worker in the loop that takes over."""
    first = messages(0, 1)
    subscriber = Subscriber([first, RuntimeError("unexpected answer to a fetch")])
    go_on, started, ended = asyncio.Event(), [], []

    async def deliver(message: Message) -> None:
        started.append(message.n)
        await go_on.wait()
        ended.append(message.n)

    take_in_batches(subscriber, deliver, workers=1)
    with pytest.raises(RuntimeError, match="unexpected"):
        await subscriber._consume_pull(_faststreams_hand_over)
    assert first[0].nacked is False

    subscriber.running = True
    subscriber.subscription.answers = [messages(1, 1)]
    fetched, fetch = asyncio.Event(), subscriber.subscription.fetch

    async def fetch_and_tell(batch: int, timeout: float) -> list[Message]:
        try:
            return await fetch(batch, timeout)
        finally:
            fetched.set()

    subscriber.subscription.fetch = fetch_and_tell  # type: ignore[method-assign]
    restarted = asyncio.create_task(subscriber._consume_pull(_faststreams_hand_over))
    await asyncio.wait_for(fetched.wait(), 5)  # message 1 is in, waiting for a worker
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
