"""One case's events are applied one at a time in arrival order; other cases run alongside."""

import asyncio
import contextlib

from mediation_runtime.delivery import Backlog, Lanes


async def test_one_cases_events_run_one_at_a_time_in_arrival_order() -> None:
    lanes = Lanes()
    started: list[str] = []
    release = asyncio.Event()
    two_started = asyncio.Event()

    async def handle(key: str, name: str) -> None:
        async with lanes.hold(key):
            started.append(name)
            if len(started) == 2:
                two_started.set()
            await release.wait()

    tasks = [
        asyncio.create_task(handle("kk:case-1", "first")),
        asyncio.create_task(handle("kk:case-1", "second")),
        asyncio.create_task(handle("kk:case-2", "other case")),
        asyncio.create_task(handle("kk:case-1", "third")),
    ]
    await asyncio.wait_for(two_started.wait(), timeout=5)
    # The other case did not wait for case 1; case 1's second event did.
    assert started == ["first", "other case"]
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert started == ["first", "other case", "second", "third"]
    assert len(lanes) == 0, "a finished case leaves nothing behind"


async def test_a_failing_event_frees_its_lane() -> None:
    lanes = Lanes()

    async def fail() -> None:
        async with lanes.hold("kk:case-1"):
            raise RuntimeError("bug")

    with contextlib.suppress(RuntimeError):
        await fail()
    async with asyncio.timeout(5), lanes.hold("kk:case-1"):
        pass
    assert len(lanes) == 0


def test_at_most_all_workers_but_one_wait_for_the_backlog() -> None:
    # The waiting events hold workers; one always stays free to bring the request in.
    backlog = Backlog("intake-events", lambda: None, places=2)
    assert [backlog.take() for _ in range(3)] == [True, True, False]
    backlog.give_back()
    assert backlog.take()
    assert not Backlog("intake-events", lambda: None, places=0).take(), "one worker: no waiting"
