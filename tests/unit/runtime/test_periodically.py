"""Background work keeps going through failures and runs at once when woken."""

import asyncio

from mediation_runtime.service import periodically


async def test_a_failing_round_is_survived_and_the_work_runs_again() -> None:
    rounds: list[int] = []
    third_round = asyncio.Event()

    async def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 3:
            third_round.set()
        if len(rounds) == 1:
            raise ConnectionError("database away")

    task = asyncio.create_task(periodically(0.01, flaky)())
    try:
        await asyncio.wait_for(third_round.wait(), timeout=5)
    finally:
        task.cancel()
    assert rounds[:3] == [0, 1, 2]


async def test_wake_runs_the_work_without_waiting_for_the_interval() -> None:
    wake = asyncio.Event()
    ran = [asyncio.Event(), asyncio.Event()]
    count = 0

    async def work() -> None:
        nonlocal count
        ran[min(count, 1)].set()
        count += 1

    task = asyncio.create_task(periodically(3600, work, wake)())
    try:
        await asyncio.wait_for(ran[0].wait(), timeout=5)  # the first round runs at start
        wake.set()
        await asyncio.wait_for(ran[1].wait(), timeout=5)  # an hour early, because woken
    finally:
        task.cancel()
    assert count == 2
