"""The delivery rules (README, "Delivery"), outcome by outcome, on fakes: what becomes of the
message (ack, nack with which delay, held while JetStream is told we are still working on
it) and what is dead-lettered with which reason. No server, no sleep."""

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
import structlog
from mediation_contracts.commands import Reply
from mediation_contracts.events import CaseRequested
from mediation_contracts.streams import (
    DLQ_DELIVERIES_HEADER,
    DLQ_ORIGINAL_SEQUENCE_HEADER,
    DLQ_ORIGINAL_SUBJECT_HEADER,
    DLQ_REASON_HEADER,
    DLQ_SERVICE_HEADER,
)
from mediation_runtime.delivery import (
    BACKLOG_PATIENCE,
    OUTAGE_BACKOFF,
    Backlog,
    DeliveryPolicy,
    JetStreamDelivered,
    ModelRefused,
    NotYet,
    Outage,
    Progress,
    Rejected,
    answer_command,
    deliver_event,
)
from nats import errors as nats_errors
from nats.aio.msg import Msg
from pydantic import ValidationError
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # the default: 8 deliveries
LAST = len(RETRY_DELAYS) + 1
SUBJECT = "mediation.v1.kk.case.assessed"
EVENT = b'{"type": "dk.mediation.case.assessed.v1"}'


class Message:
    """A message of the service's consumer: records what was done to it."""

    def __init__(
        self, body: bytes = EVENT, *, deliveries: int = 1, in_progress_fails: bool = False
    ) -> None:
        self.body = body
        self.subject = SUBJECT
        self.sequence = 42
        self.deliveries = deliveries
        self.done: list[tuple[str, float] | str] = []  # "ack", ("nack", delay)
        self.in_progress_calls = 0
        self._in_progress_fails = in_progress_fails

    async def ack(self) -> None:
        self.done.append("ack")

    async def nack(self, delay: float) -> None:
        self.done.append(("nack", delay))

    async def in_progress(self) -> None:
        if self._in_progress_fails:
            raise nats_errors.ConnectionClosedError()
        self.in_progress_calls += 1


class DeadLetters:
    def __init__(self, fails: bool = False) -> None:
        self.letters: list[tuple[bytes, dict[str, str], str]] = []
        self._fails = fails

    async def publish(self, body: bytes, /, *, headers: dict[str, str], stream: str) -> None:
        if self._fails:
            raise nats_errors.TimeoutError()
        self.letters.append((body, headers, stream))

    @property
    def reasons(self) -> list[str]:
        return [headers[DLQ_REASON_HEADER] for _, headers, _ in self.letters]


class Pauses:
    """The waits a held message makes, instead of sleeping; ``stop_after`` waits the service
    is told to stop."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.seconds: list[float] = []
        self._stop_after = stop_after

    async def __call__(self, stopping: asyncio.Event, seconds: float) -> bool:
        self.seconds.append(seconds)
        if self._stop_after is not None and len(self.seconds) >= self._stop_after:
            stopping.set()
        return stopping.is_set()


class Consumer:
    """The JetStream consumer's info, as the backlog asks it: messages not yet delivered."""

    def __init__(self, pending: int) -> None:
        self.pending = pending

    async def consumer_info(self, stream: str, name: str, timeout: float) -> Any:
        return SimpleNamespace(num_pending=self.pending)


def policy(
    *,
    dead_letters: DeadLetters | None = None,
    pauses: Pauses | None = None,
    pending: int = 0,
    places: int = 7,
    ack_wait: float = 300.0,
    progress: Progress | None = None,
) -> DeliveryPolicy:
    """The service's policy over fakes; the long ``ack_wait`` keeps each wait in one piece
    (a wait is cut into pieces of ``ack_wait`` / 3, see the test of that)."""
    consumer = Consumer(pending)
    return DeliveryPolicy(
        "intake",
        RETRY_DELAYS,
        dead_letters or DeadLetters(),
        ack_wait=ack_wait,
        backlog=Backlog("intake-events", lambda: consumer, places),
        pause=pauses or Pauses(),
        progress=progress or Progress(),
    )


def failing(*errors: BaseException) -> Callable[[], Awaitable[None]]:
    """A handler raising ``errors`` one call after the other, then succeeding."""
    calls = iter(errors)

    async def handle() -> None:
        error = next(calls, None)
        if error is not None:
            raise error

    return handle


async def handled() -> None:
    pass


# --- handled, rejected, invalid: ack ---------------------------------------------------------


async def test_a_handled_event_is_acked() -> None:
    message, letters = Message(), DeadLetters()
    await deliver_event(policy(dead_letters=letters), message, handled)
    assert message.done == ["ack"]
    assert letters.letters == []


async def test_what_one_event_bound_to_the_log_does_not_name_the_next() -> None:
    async def binds_its_ids() -> None:
        structlog.contextvars.bind_contextvars(event_id="e-1", case_id="c-1")
        raise Rejected("no")

    seen: list[dict[str, Any]] = []

    async def logs() -> None:
        seen.append(structlog.contextvars.get_contextvars())

    await deliver_event(policy(), Message(), binds_its_ids)
    await deliver_event(policy(), Message(), logs)
    assert "event_id" not in seen[0]
    assert "case_id" not in seen[0]
    assert "event_id" not in structlog.contextvars.get_contextvars()


async def test_an_event_handled_before_is_acked_too() -> None:
    # Idempotent handlers return normally on a duplicate: the rule sees a handled event.
    message = Message(deliveries=3)
    await deliver_event(policy(), message, handled)
    assert message.done == ["ack"]


async def test_a_rejected_event_is_dead_lettered_with_its_reason_then_acked() -> None:
    message, letters = Message(deliveries=2), DeadLetters()
    await deliver_event(policy(dead_letters=letters), message, failing(Rejected("case closed")))

    assert message.done == ["ack"], "never retried"
    [(body, headers, stream)] = letters.letters
    assert (body, stream) == (EVENT, "MEDIATION_DLQ")
    assert headers[DLQ_REASON_HEADER] == "case closed"
    assert headers[DLQ_ORIGINAL_SUBJECT_HEADER] == SUBJECT
    assert headers[DLQ_ORIGINAL_SEQUENCE_HEADER] == "42"
    assert headers[DLQ_DELIVERIES_HEADER] == "2"
    assert headers[DLQ_SERVICE_HEADER] == "intake"
    assert headers["Nats-Msg-Id"] == "intake:MEDIATION:42"


async def test_an_invalid_event_is_dead_lettered_without_quoting_it_then_acked() -> None:
    message, letters = Message(b'{"type": "dk.mediation.case.requested.v1"}'), DeadLetters()

    async def validate() -> None:
        CaseRequested.model_validate_json(message.body)

    await deliver_event(policy(dead_letters=letters), message, validate)
    assert message.done == ["ack"]
    [reason] = letters.reasons
    assert reason.startswith("invalid event: ")
    assert "specversion: Field required" in reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\x80garbage", "not JSON: UnicodeDecodeError"),
        (b"[1]", "JSON but not an object"),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    ],
)
async def test_what_is_not_a_json_object_never_reaches_the_handler(
    body: bytes, reason: str
) -> None:
    message, letters = Message(body), DeadLetters()
    reached: list[bool] = []

    async def handle() -> None:
        reached.append(True)

    await deliver_event(policy(dead_letters=letters), message, handle)
    assert (message.done, reached) == (["ack"], [])
    assert reason in letters.reasons[0]


# --- a bug: retry with delay, dead-letter after the last -------------------------------------


@pytest.mark.parametrize(
    ("delivery", "delay"), [(1, 0.25), (2, 0.5), (3, 1.0), (6, 10.0), (LAST - 1, 30.0)]
)
async def test_an_unexpected_error_is_retried_with_a_growing_delay(
    delivery: int, delay: float
) -> None:
    message, letters = Message(deliveries=delivery), DeadLetters()
    await deliver_event(policy(dead_letters=letters), message, failing(ValueError("bug")))
    assert message.done == [("nack", delay)]
    assert letters.letters == []


async def test_on_the_last_delivery_an_unexpected_error_is_dead_lettered_then_acked() -> None:
    message, letters = Message(deliveries=LAST), DeadLetters()
    await deliver_event(policy(dead_letters=letters), message, failing(KeyError("x")))
    assert message.done == ["ack"]
    assert letters.reasons == [f"gave up after {LAST} deliveries: failed with KeyError"]


async def test_a_model_refusing_a_value_inside_a_handler_is_a_bug_named_by_its_fields() -> None:
    # E.g. a stored document that no longer loads: the event was fine, so it is retried like
    # any bug, and the dead letter says which fields, never their values.
    async def refuses() -> None:
        try:
            CaseRequested.model_validate({"tenant": "Jens Hansen", "source": "Jens Hansen"})
        except ValidationError as error:
            raise ModelRefused(error) from None

    first, letters = Message(deliveries=1), DeadLetters()
    await deliver_event(policy(dead_letters=letters), first, refuses)
    assert (first.done, letters.letters) == ([("nack", 0.25)], [])

    last = Message(deliveries=LAST)
    await deliver_event(policy(dead_letters=letters), last, refuses)
    assert last.done == ["ack"]
    [reason] = letters.reasons
    assert reason.startswith(f"gave up after {LAST} deliveries: failed with ModelRefused (")
    assert "specversion: Field required" in reason
    assert "invalid event" not in reason
    assert "Jens" not in reason


def test_a_refused_models_log_says_where_but_never_the_value() -> None:
    stored = {"tenant": "-".join(["Jens", "Hansen"])}  # a value the source lines do not show

    def load_stored_case() -> None:
        CaseRequested.model_validate(stored)

    try:
        try:
            load_stored_case()
        except ValidationError as error:
            raise ModelRefused(error) from None
    except ModelRefused as refused:
        logged = "".join(traceback.format_exception(refused))
    assert "load_stored_case" in logged
    assert "Jens" not in logged


async def test_a_dead_letter_that_cannot_be_published_is_never_acked() -> None:
    message = Message()
    unreachable = DeadLetters(fails=True)
    await deliver_event(policy(dead_letters=unreachable), message, failing(Rejected("no")))
    assert message.done == [("nack", RETRY_DELAYS[0])], "it comes back and is parked then"


# --- NotYet: wait for the backlog, else retry with delay ------------------------------------


async def test_an_event_before_its_case_is_retried_with_delay_when_no_backlog_is_left() -> None:
    message, letters, pauses = Message(deliveries=2), DeadLetters(), Pauses()
    handle = failing(NotYet("case 7 is unknown to intake"))
    await deliver_event(policy(dead_letters=letters, pauses=pauses, pending=0), message, handle)
    assert message.done == [("nack", 0.5)]
    assert (letters.letters, pauses.seconds) == ([], [])


async def test_an_event_before_its_case_is_dead_lettered_when_its_retries_ran_out() -> None:
    message, letters = Message(deliveries=LAST), DeadLetters()
    await deliver_event(
        policy(dead_letters=letters), message, failing(NotYet("case 7 is unknown to intake"))
    )
    assert message.done == ["ack"]
    assert letters.reasons == [f"gave up after {LAST} deliveries: case 7 is unknown to intake"]


async def test_an_event_before_its_case_waits_for_the_backlog_without_using_a_delivery() -> None:
    # The request may be among the messages the consumer has not delivered yet.
    message, pauses = Message(deliveries=LAST), Pauses()
    delivering = policy(pauses=pauses, pending=5)
    handle = failing(NotYet("unknown"), NotYet("unknown"))
    await deliver_event(delivering, message, handle)

    assert message.done == ["ack"], "handled on the third try, on its last delivery"
    assert pauses.seconds == [0.5, 1.0]
    assert message.in_progress_calls == 2
    assert delivering.backlog.take(), "its place to wait was given back"


async def test_with_one_worker_nothing_waits_for_the_backlog() -> None:
    message, pauses = Message(), Pauses()
    handle = failing(NotYet("unknown"))
    await deliver_event(policy(pauses=pauses, pending=5, places=0), message, handle)
    assert message.done == [("nack", 0.25)]
    assert pauses.seconds == []


async def test_waiting_for_the_backlog_ends_after_about_ten_minutes() -> None:
    message, pauses = Message(deliveries=1), Pauses()
    handle = failing(*[NotYet("unknown")] * 100)
    await deliver_event(policy(pauses=pauses, pending=5), message, handle)
    assert len(pauses.seconds) == len(OUTAGE_BACKOFF) + BACKLOG_PATIENCE
    assert 500 < sum(pauses.seconds) < 700
    assert message.done == [("nack", 0.25)], "then retried with delay as usual"


# --- an outage: held, not counted, never a dead letter ---------------------------------------


@pytest.mark.parametrize(
    "outage",
    [
        ServerSelectionTimeoutError("no primary"),
        AutoReconnect("reset"),
        nats_errors.ConnectionReconnectingError(),
        Outage("identity provider"),
    ],
)
async def test_an_outage_holds_the_event_until_it_ends_without_using_deliveries(
    outage: Exception,
) -> None:
    message, letters, pauses = Message(deliveries=LAST), DeadLetters(), Pauses()
    handle = failing(*[outage] * 8)
    await deliver_event(policy(dead_letters=letters, pauses=pauses), message, handle)

    assert message.done == ["ack"], "handled once the outage ended, on its last delivery"
    assert letters.letters == []
    assert pauses.seconds == [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 30.0, 30.0]
    assert message.in_progress_calls == 8, "JetStream is told before every wait"


async def test_a_long_wait_keeps_telling_jetstream_within_its_ack_wait() -> None:
    message, pauses = Message(), Pauses()
    handle = failing(*[Outage("down")] * 6)
    await deliver_event(policy(pauses=pauses, ack_wait=3.0), message, handle)
    # Waits of at most ack_wait / 3, each after telling JetStream: 30 s is 30 of them.
    assert pauses.seconds[:4] == [0.5, 1.0, 1.0, 1.0]
    assert sum(pauses.seconds) == pytest.approx(sum(OUTAGE_BACKOFF))
    assert message.in_progress_calls == len(pauses.seconds)
    assert message.done == ["ack"]


async def test_an_outage_while_stopping_lets_the_event_come_back_later() -> None:
    message, letters, pauses = Message(deliveries=LAST), DeadLetters(), Pauses(stop_after=2)
    handle = failing(*[ServerSelectionTimeoutError("down")] * 10)
    await deliver_event(policy(dead_letters=letters, pauses=pauses), message, handle)
    assert message.done == [("nack", RETRY_DELAYS[0])]
    assert letters.letters == [], "an outage never makes a dead letter, not even at the last"


async def test_an_outage_of_the_bus_itself_lets_the_event_come_back_later() -> None:
    message, letters = Message(in_progress_fails=True), DeadLetters()
    await deliver_event(
        policy(dead_letters=letters), message, failing(nats_errors.ConnectionClosedError())
    )
    assert message.done == [("nack", RETRY_DELAYS[0])]
    assert letters.letters == []


# --- stalled or waiting: what the liveness probe reads ----------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_handler_that_never_answers_shows_as_a_stall_until_its_event_ends() -> None:
    clock, answered = Clock(), asyncio.Event()
    rules = policy(progress=Progress(clock))
    assert rules.progress.stalled_for() == 0, "nothing held, nothing stalled"

    async def waits_for_an_answer() -> None:
        await answered.wait()

    handling = asyncio.create_task(deliver_event(rules, Message(), waits_for_an_answer))
    await asyncio.sleep(0)
    clock.now += 700
    assert rules.progress.stalled_for() == 700

    answered.set()
    await handling
    assert rules.progress.stalled_for() == 0


async def test_one_handler_at_work_for_long_is_a_stall_while_the_others_move_on() -> None:
    """Other cases' events keep finishing, so steps are recent; the one handler waiting on
    something that never answers (and its case, stuck behind it) still needs a restart."""
    clock, answered = Clock(), asyncio.Event()
    rules = policy(progress=Progress(clock))

    async def waits_for_an_answer() -> None:
        with rules.progress.working():
            await answered.wait()

    async def answers_at_once() -> None:
        with rules.progress.working():
            pass

    hung = asyncio.create_task(deliver_event(rules, Message(), waits_for_an_answer))
    await asyncio.sleep(0)
    for _ in range(7):
        clock.now += 100
        await deliver_event(rules, Message(), answers_at_once)
    assert rules.progress.stalled_for() == 700

    answered.set()
    await hung
    assert rules.progress.stalled_for() == 0


async def test_waiting_through_an_outage_of_any_length_is_never_a_stall() -> None:
    clock = Clock()
    progress = Progress(clock)
    stalled_at_each_wait: list[float] = []

    class ClockedPauses(Pauses):
        async def __call__(self, stopping: asyncio.Event, seconds: float) -> bool:
            stalled_at_each_wait.append(progress.stalled_for())
            clock.now += seconds
            return await super().__call__(stopping, seconds)

    pauses = ClockedPauses()
    handle = failing(*[ServerSelectionTimeoutError("down")] * 40)  # about 17 minutes
    await deliver_event(policy(pauses=pauses, progress=progress), Message(), handle)
    assert sum(pauses.seconds) > 1000
    assert stalled_at_each_wait == [0.0] * 40, "every attempt after a wait is a step"
    assert progress.stalled_for() == 0


# --- what the rules read of a JetStream message ----------------------------------------------


def test_a_jetstream_message_tells_its_stream_sequence_and_deliveries() -> None:
    raw = Msg(
        None,  # type: ignore[arg-type]
        subject=SUBJECT,
        reply="$JS.ACK.MEDIATION.intake-events.3.42.17.1767225600000000000.0",
        data=EVENT,
    )
    delivered = JetStreamDelivered(raw)
    assert (delivered.subject, delivered.sequence, delivered.deliveries) == (SUBJECT, 42, 3)
    assert delivered.body == EVENT


# --- commands: always a reply ----------------------------------------------------------------


async def test_a_command_gets_its_handlers_reply() -> None:
    async def handle() -> Reply:
        return Reply(ok=True)

    assert await answer_command(b"{}", handle) == Reply(ok=True)


@pytest.mark.parametrize("body", [b"not json", b"[]"])
async def test_a_request_that_is_not_a_json_object_is_answered_invalid(body: bytes) -> None:
    reply = await answer_command(body, handled)
    assert reply.error is not None
    assert reply.error.code == "invalid_request"


async def test_an_invalid_request_is_answered_with_its_fields_not_its_content() -> None:
    async def handle() -> Reply:
        CaseRequested.model_validate_json(b'{"type": "Anna Jensen"}')
        return Reply(ok=True)

    reply = await answer_command(b'{"type": "Anna Jensen"}', handle)
    assert reply.error is not None
    assert reply.error.code == "invalid_request"
    assert reply.error.message_en.startswith("The request could not be understood: invalid: ")
    assert "Anna" not in reply.error.message_en


async def test_a_failing_command_is_answered_unavailable() -> None:
    async def handle() -> Reply:
        raise ServerSelectionTimeoutError("down")

    reply = await answer_command(b"{}", handle)
    assert reply.error is not None
    assert reply.error.code == "unavailable"


# --- one case's events in the order they arrived --------------------------------------------


CASE_ID = "6f1c2c4e-7d2a-4c55-9a43-2b1d7f0e9a10"
CASE_EVENT = (
    b'{"type": "dk.mediation.case.assessed.v1", "tenant": "kk", "subject": "'
    + CASE_ID.upper().encode()
    + b'"}'
)
CASE_LANE = f"kk:{CASE_ID}"  # as the handler names it: the envelope's case id, parsed


async def test_one_cases_events_are_handled_in_arrival_order_however_the_workers_run() -> None:
    """The second event's worker reaches its handler first (the first one's decoding took
    longer): the lane still runs them in the order they arrived."""
    rules = policy()
    first, second = Message(CASE_EVENT), Message(CASE_EVENT)
    handled: list[str] = []

    def handler(name: str, decoding: asyncio.Event | None) -> Callable[[], Awaitable[None]]:
        async def handle() -> None:
            if decoding is not None:
                await decoding.wait()  # FastStream decoding and validating, slowly
            async with rules.lanes.hold(CASE_LANE):
                handled.append(name)

        return handle

    async def second_arrives() -> None:
        await deliver_event(rules, second, handler("second", None))

    decoding = asyncio.Event()
    first_task = asyncio.create_task(deliver_event(rules, first, handler("first", decoding)))
    await asyncio.sleep(0)  # the first message arrived and reserved its place
    second_task = asyncio.create_task(second_arrives())
    for _ in range(5):  # the second worker runs ahead and waits at the lane
        await asyncio.sleep(0)
    assert handled == []
    decoding.set()
    await asyncio.wait_for(asyncio.gather(first_task, second_task), timeout=5)
    assert handled == ["first", "second"]
    assert first.done == ["ack"]
    assert second.done == ["ack"]
    assert len(rules.lanes) == 0, "the lane is left empty"


async def test_a_message_refused_before_its_handler_gives_its_place_up() -> None:
    rules = policy()
    await deliver_event(rules, Message(CASE_EVENT), failing(Rejected("bad envelope")))
    async with asyncio.timeout(5), rules.lanes.hold(CASE_LANE):
        pass
    assert len(rules.lanes) == 0


class GatedPauses:
    """A held message's waits, each until the test says the outage is over."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self.over = asyncio.Event()

    async def __call__(self, stopping: asyncio.Event, seconds: float) -> bool:
        self.waiting.set()
        await self.over.wait()
        return False


def in_lane(
    rules: DeliveryPolicy, name: str, handled: list[str], fails: Callable[[], BaseException | None]
) -> Callable[[], Awaitable[None]]:
    """A handler of one event of the case, as the service's runs: in the case's lane."""

    async def handle() -> None:
        async with rules.lanes.hold(CASE_LANE):
            with rules.progress.working():
                if (error := fails()) is not None:
                    raise error
                handled.append(name)

    return handle


async def test_a_cases_later_event_does_not_overtake_one_waiting_out_an_outage() -> None:
    """The database fails the case's consent; its withdrawal arrives meanwhile. When the
    database is back the consent is applied first, as the stream has them, instead of the
    withdrawal closing the case before it (and the consent then being refused)."""
    pauses = GatedPauses()
    rules = policy(pauses=cast(Pauses, pauses))
    handled: list[str] = []

    def database() -> BaseException | None:
        return None if pauses.over.is_set() else AutoReconnect("database down")

    consent, withdrawal = Message(CASE_EVENT), Message(CASE_EVENT)
    consent_task = asyncio.create_task(
        deliver_event(rules, consent, in_lane(rules, "consent", handled, database))
    )
    await asyncio.wait_for(pauses.waiting.wait(), timeout=5)
    withdrawal_task = asyncio.create_task(
        deliver_event(rules, withdrawal, in_lane(rules, "withdrawal", handled, lambda: None))
    )
    for _ in range(10):
        await asyncio.sleep(0)
    assert handled == [], "the later event waits behind the held one"
    pauses.over.set()
    await asyncio.wait_for(asyncio.gather(consent_task, withdrawal_task), timeout=5)
    assert handled == ["consent", "withdrawal"]
    assert consent.done == ["ack"]
    assert withdrawal.done == ["ack"]
    assert len(rules.lanes) == 0, "the lane is left empty"


async def test_waiting_in_its_cases_lane_behind_an_outage_is_never_a_stall() -> None:
    """The withdrawal waits for its case's consent, which waits out a 20-minute outage:
    neither is at work meanwhile, and the consent tries again every 30 s at most."""
    clock = Clock()
    rules = policy(progress=Progress(clock))
    stalled_at_each_wait: list[float] = []
    second_in_lane = asyncio.Event()

    class ClockedPauses(Pauses):
        async def __call__(self, stopping: asyncio.Event, seconds: float) -> bool:
            await second_in_lane.wait()
            stalled_at_each_wait.append(rules.progress.stalled_for())
            clock.now += seconds
            return await super().__call__(stopping, seconds)

    rules = policy(pauses=ClockedPauses(), progress=rules.progress)
    outage = iter([AutoReconnect("database down")] * 40)
    handled: list[str] = []
    consent, withdrawal = Message(CASE_EVENT), Message(CASE_EVENT)
    consent_task = asyncio.create_task(
        deliver_event(
            rules, consent, in_lane(rules, "consent", handled, lambda: next(outage, None))
        )
    )
    await asyncio.sleep(0)
    withdrawal_task = asyncio.create_task(
        deliver_event(rules, withdrawal, in_lane(rules, "withdrawal", handled, lambda: None))
    )
    for _ in range(10):
        await asyncio.sleep(0)
    second_in_lane.set()
    await asyncio.wait_for(asyncio.gather(consent_task, withdrawal_task), timeout=5)
    assert clock.now - 1000 > 1000, "the outage lasted more than a quarter of an hour"
    assert handled == ["consent", "withdrawal"]
    assert stalled_at_each_wait == [0.0] * 40


async def test_an_event_waiting_for_its_cases_request_lets_the_request_pass() -> None:
    """A consent reached the service before its case's request (the request is still in the
    consumer's backlog, behind it): the consent gives its lane back while it waits, so the
    request is applied, and the consent after it."""
    pauses = GatedPauses()
    rules = policy(pauses=cast(Pauses, pauses), pending=1)
    handled: list[str] = []

    def case_known() -> BaseException | None:
        return None if "request" in handled else NotYet("the case is unknown")

    consent, request = Message(CASE_EVENT), Message(CASE_EVENT)
    consent_task = asyncio.create_task(
        deliver_event(rules, consent, in_lane(rules, "consent", handled, case_known))
    )
    await asyncio.wait_for(pauses.waiting.wait(), timeout=5)
    await asyncio.wait_for(
        deliver_event(rules, request, in_lane(rules, "request", handled, lambda: None)),
        timeout=5,
    )
    pauses.over.set()
    await asyncio.wait_for(consent_task, timeout=5)
    assert handled == ["request", "consent"]
    assert consent.done == ["ack"]
    assert request.done == ["ack"]
    assert len(rules.lanes) == 0
