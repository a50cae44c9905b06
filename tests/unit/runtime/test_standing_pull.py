"""A standing pull (``mediation_runtime.pulling``): the server always holds a request to send
a new message into, what it still owes is counted from the messages and the 408 that ends a
request, and requests it forgot are asked again. On a fake subscription; the integration
test of the events consumer runs it against nats-server."""

import pytest
import structlog
from mediation_runtime.pulling import StandingPull
from nats.js.errors import APIError

from tests.unit.runtime.pull_fakes import Message, PullSubscription, numbered, status


def pull(batch: int = 8, expires: float = 5.0, grace: float = 2.0) -> StandingPull:
    return StandingPull(PullSubscription(), batch=batch, expires=expires, grace=grace)


def requests(standing: StandingPull) -> list[dict[str, int]]:
    return standing._nc.requests  # type: ignore[no-any-return]


async def test_it_asks_for_a_batch_that_stands_and_asks_again_at_half() -> None:
    standing = pull(batch=8, expires=5.0)
    standing._sub.put(*numbered(0, 8))
    taken = [(await standing.next()).n for _ in range(8)]
    assert taken == list(range(8)), "in the order the server sent them"
    # One request of 8 standing for 5 s (not no_wait); after 4 arrived, 4 more to keep 8 owed.
    assert requests(standing) == [
        {"batch": 8, "expires": 5_000_000_000},
        {"batch": 4, "expires": 5_000_000_000},
    ]
    assert standing.owed == 4


async def test_a_request_that_expired_owing_some_is_asked_for_again() -> None:
    standing = pull(batch=8)
    standing._sub.put(*numbered(0, 5))  # of 8 asked, 5 came and the request expired
    standing._sub.put(status("408", "Request Timeout", **{"Nats-Pending-Messages": "3"}))
    standing._sub.put(Message(5))
    assert [(await standing.next()).n for _ in range(6)] == list(range(6)), "408 is no message"
    # 8 asked; at 4 owed, 4 more (8 owed); one more came (7); the first request expired owing
    # 3 (4 owed by the second, at half): 4 more.
    assert [r["batch"] for r in requests(standing)] == [8, 4, 4]
    assert standing.owed == 7


async def test_a_408_that_does_not_say_what_it_owed_starts_from_nothing() -> None:
    standing = pull(batch=8)
    standing._sub.put(status("408", "Request Timeout"), Message(0))
    await standing.next()
    assert [r["batch"] for r in requests(standing)] == [8, 8]


async def test_silence_means_the_server_forgot_the_requests_and_they_are_asked_again() -> None:
    """After a reconnect the server holds none of the requests: not even their 408 comes."""
    standing = pull(batch=8, expires=0.01, grace=0.01)
    asked = requests(standing)
    standing._nc.on_request = lambda request: (
        standing._sub.put(Message(len(asked))) if len(asked) == 3 else None
    )
    assert (await standing.next()).n == 3
    assert [r["batch"] for r in asked] == [8, 8, 8]


async def test_heartbeats_and_no_messages_are_no_messages() -> None:
    standing = pull()
    standing._sub.put(status("100", "Idle Heartbeat"), status("404", "No Messages"), Message(5))
    assert (await standing.next()).n == 5
    assert standing.owed == 7


@pytest.mark.parametrize("description", ["Leadership Change", "Server Shutdown"])
async def test_a_conflict_that_dropped_the_requests_asks_again(description: str) -> None:
    standing = pull(batch=8)
    standing._sub.put(status("409", description), Message(0))
    await standing.next()
    assert [r["batch"] for r in requests(standing)] == [8, 8]


async def test_a_request_no_one_took_is_asked_again_after_a_pause_said_once() -> None:
    """503, no responders: JetStream or the consumer is not there (a leader election, a
    deleted consumer). Asking at once would ask as fast as the server answers."""
    standing = pull(batch=8, grace=0.01)
    no_one = [status("503"), status("503")]
    standing._sub.put(*no_one)
    answers = iter([[], [], [Message(7)]])
    standing._nc.on_request = lambda request: standing._sub.put(*next(answers))
    with structlog.testing.capture_logs() as logs:
        assert (await standing.next()).n == 7
    assert [r["batch"] for r in requests(standing)] == [8, 8, 8], "each after a pause"
    assert [e["event"] for e in logs] == ["pull_unanswered"], "said once, not per request"
    assert standing.unanswered is False


@pytest.mark.parametrize(
    ("code", "description"), [("409", "Consumer Deleted"), ("400", "Bad Request")]
)
async def test_a_status_that_ends_the_pull_is_raised(code: str, description: str) -> None:
    standing = pull()
    standing._sub.put(status(code, description))
    with pytest.raises(APIError, match=description):
        await standing.next()


async def test_what_is_waiting_when_it_stops_is_taken_out_statuses_left_behind() -> None:
    standing = pull()
    waiting = numbered(0, 3)
    standing._sub.put(waiting[0], status("408", "Request Timeout"), *waiting[1:])
    assert standing.take_waiting() == waiting
    assert standing._sub._pending_queue.empty()
    assert standing._sub._pending_size == 0
