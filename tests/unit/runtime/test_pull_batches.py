"""The events consumer's fetch loop (``delivery.take_in_batches``) on a fake subscription:
one message at a time while idle, up to a batch while busy, in stream order, and what was
fetched but not handed over comes back at once when the loop stops. No server."""

import asyncio
from typing import Any

import pytest
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
    take_in_batches(subscriber)
    handed: list[int] = []

    async def hand_over(message: Message) -> None:
        handed.append(message.n)

    await subscriber._consume_pull(hand_over)

    idle, busy = (1, IDLE_FETCH_SECONDS), (BUSY_BATCH, BUSY_FETCH_SECONDS)
    assert subscriber.subscription.asked == [idle, busy, busy, busy, idle, idle]
    assert handed == list(range(68))


async def test_a_fetch_that_brought_nothing_makes_the_consumer_idle_again() -> None:
    subscriber = Subscriber([messages(0, 1), [], messages(1, 1)])
    take_in_batches(subscriber, batch=8)
    await subscriber._consume_pull(_ignore)
    assert subscriber.subscription.asked == [
        (1, IDLE_FETCH_SECONDS),
        (8, BUSY_FETCH_SECONDS),
        (1, IDLE_FETCH_SECONDS),
        (8, BUSY_FETCH_SECONDS),
    ]


async def test_what_no_worker_got_when_the_loop_stops_comes_back_at_once() -> None:
    batch = messages(1, 5)
    subscriber = Subscriber([messages(0, 1), batch])
    take_in_batches(subscriber)
    workers_full = asyncio.Event()

    async def hand_over(message: Message) -> None:
        if message.n == 3:  # every worker busy: the hand-over waits, then the service stops
            workers_full.set()
            await asyncio.Event().wait()

    loop = asyncio.create_task(subscriber._consume_pull(hand_over))
    await asyncio.wait_for(workers_full.wait(), 5)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert [m.nacked for m in batch] == [False, False, True, True, True]


async def test_a_failed_hand_over_gives_the_rest_back_and_the_loop_fails() -> None:
    batch = messages(1, 3)
    subscriber = Subscriber([messages(0, 1), batch])
    take_in_batches(subscriber)

    async def hand_over(message: Message) -> None:
        if message.n == 2:
            raise RuntimeError("queue closed")

    with pytest.raises(RuntimeError):  # FastStream's supervisor restarts the loop
        await subscriber._consume_pull(hand_over)
    assert [m.nacked for m in batch] == [False, True, True]


def test_a_faststream_without_the_pull_loop_fails_at_start() -> None:
    with pytest.raises(RuntimeError, match="_consume_pull"):
        take_in_batches(object())


async def _ignore(message: Message) -> None:
    return None
