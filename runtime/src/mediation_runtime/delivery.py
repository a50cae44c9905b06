"""How every service consumes events: at-least-once in, nothing lost, nothing retried forever.

One function, :func:`deliver_event`, decides every event's fate, so the rule lives in one
place; :func:`event_delivery` applies it to every message of the service's events consumer
(pulled by :func:`take_in_batches`), :class:`CommandMiddleware` answers every request on
its commands router:

- processed: ack;
- :class:`Rejected` or a schema-invalid message: dead-letter with the reason, then ack (never
  retried: it can never succeed);
- an outage of our own database, bus or identity provider (:func:`is_outage`): keep the
  message, tell JetStream we are still working on it, and try again with backoff until the
  outage ends. The delivery is not counted again, so a valid event never becomes a dead
  letter because we were down, and a consumer pauses instead of cycling its backlog;
- :class:`NotYet` or any other exception (a bug): nack with a growing delay, and dead-letter
  on the last allowed delivery.

Input that does not parse, of any size or nesting the server accepts, is a rejection, never a
retry. A dead letter too large to publish keeps the reason and a reference to the original's
stream sequence instead of a copy.

FastStream's NATS default would terminate the message on any exception; that loses valid
events on a transient error, so subscribers run with ``AckPolicy.MANUAL`` and this module
acks. What it needs of a message is :class:`Delivered`, so the rules are tested with fakes.
"""

import asyncio
import collections
import contextlib
import contextvars
import functools
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import structlog
from faststream import AckPolicy, BaseMiddleware, ContextRepo, StreamMessage
from faststream.nats import JStream, NatsBroker, NatsMessage, NatsRouter, NatsSecurity, PullSub
from mediation_contracts.commands import Refusal, Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import (
    DLQ_DELIVERIES_HEADER,
    DLQ_HEADERS,
    DLQ_OMITTED_HEADER,
    DLQ_ORIGINAL_SEQUENCE_HEADER,
    DLQ_ORIGINAL_SUBJECT_HEADER,
    DLQ_REASON_HEADER,
    DLQ_SERVICE_HEADER,
    DLQ_STREAM,
    EVENTS_STREAM,
    consumer_name,
    dlq_subject,
    events_consumer,
)
from mediation_contracts.subjects import subscription_subject
from nats import errors as nats_errors
from nats.aio.msg import Msg
from nats.errors import NotJSMessageError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as ConsumerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from pydantic import TypeAdapter, ValidationError
from pymongo.errors import ConnectionFailure

from mediation_runtime.bus import BusErrors
from mediation_runtime.metrics import ServiceMetrics
from mediation_runtime.pulling import PULL_BATCH, PULL_EXPIRES, StandingPull
from mediation_runtime.settings import ServiceSettings
from mediation_runtime.telemetry import broker_middlewares, consuming

log = structlog.get_logger("mediation.delivery")

# Room kept free for the dead letter's headers and the protocol line under max_payload.
HEADROOM_BYTES = 4096
OUTAGE_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# JetStream's own limit on deliveries is this much above ours: a message let go during an
# outage (the service stopping, the bus gone) comes back that often more before JetStream
# gives up on it; our own limit counts only the message's own failures.
SERVER_DELIVERY_SLACK = 10


# An event whose case is not known yet waits (not counted) while the consumer has messages
# it has not delivered yet, at most this many 30 s rounds after the backoff (about 10 min).
BACKLOG_PATIENCE = 18


class Backlog:
    """Whether the service's consumer still has messages it has not delivered: an event whose
    case is unknown may find its request among them (published after it, or behind a burst
    or an outage's backlog), so it waits instead of using up its deliveries.

    At most ``places`` messages wait at once (one less than the workers): the others keep
    the consumer moving, so the request can arrive. With one worker nothing waits."""

    def __init__(self, name: str, jetstream: Callable[[], Any], places: int) -> None:
        self.name = name
        self._jetstream = jetstream
        self._free = places
        self._checked = -1.0
        self._pending = False

    def take(self) -> bool:
        if self._free <= 0:
            return False
        self._free -= 1
        return True

    def give_back(self) -> None:
        self._free += 1

    async def pending(self) -> bool:
        now = asyncio.get_running_loop().time()
        if now - self._checked < 0.5:
            return self._pending
        try:
            info = await self._jetstream().consumer_info(EVENTS_STREAM, self.name, timeout=2)
        except Exception:
            return False
        self._checked = now
        self._pending = (info.num_pending or 0) > 0
        return self._pending


class Progress:
    """Whether the service's event handling moves, for the liveness probe
    (:mod:`mediation_runtime.health`): how many events it holds, when one of them last took
    a step (an attempt begun, or an outcome), and since when each handler now at work has
    been at it (:meth:`working`). An event waiting through an outage or for the backlog tries
    again at least every 30 s (:data:`OUTAGE_BACKOFF`), so it never looks stalled; one
    waiting for another of its case (:class:`Lanes`) is not at work, the one before it is.
    Events held while nothing moves for minutes, or one handler at work for minutes while
    the others move on, mean a handler waits on something that will not answer: only a
    restart frees it (and its case, whose later events wait behind it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.held = 0
        self._last = clock()
        self._working: dict[object, float] = {}

    def step(self) -> None:
        self._last = self._clock()

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """A handler at work on one event, its case's turn come."""
        token = object()
        self._working[token] = self._clock()
        try:
            yield
        finally:
            del self._working[token]

    def stalled_for(self) -> float:
        """Seconds since the last step while events are held, or since the longest-working
        handler began, whichever is longer; 0 while no event is held."""
        if not self.held:
            return 0.0
        now = self._clock()
        return now - min([self._last, *self._working.values()])


class Outage(Exception):
    """Something we depend on is unavailable (raise it, or subclass it, for a dependency
    besides the database and the bus): the message waits, it is not the message's fault."""


_NATS_OUTAGES = (
    nats_errors.ConnectionClosedError,
    nats_errors.ConnectionReconnectingError,
    nats_errors.ConnectionDrainingError,
    nats_errors.NoServersError,
    nats_errors.OutboundBufferLimitError,
    nats_errors.StaleConnectionError,
    nats_errors.TimeoutError,
)


def is_outage(error: BaseException) -> bool:
    """Our database (any PyMongo connection failure, server selection included), our bus,
    or another dependency that said :class:`Outage`."""
    return isinstance(error, (ConnectionFailure, Outage, *_NATS_OUTAGES))


class Rejected(Exception):
    """Input that can never be processed (impossible transition, wrong tenant): dead-letter it.

    The reason is shown to operators: ids and rules only, never names or free text.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotYet(Exception):
    """Input that may become processable soon (its case is still being opened on another
    consumer): retried with delay, dead-lettered with the reason when deliveries run out.

    Not a kind of :class:`Rejected`: one is retried, the other never is.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Messages of pydantic's that quote the input itself; said in our words instead.
_QUOTING_INPUT = {
    "union_tag_invalid": "not one of the event types this service consumes",
    "union_tag_not_found": "missing",
}


def describe_validation_error(error: ValidationError) -> str:
    """Field paths and rules only: pydantic's default text would echo the input (personal data).

    A service's consumer takes several event types, told apart by ``type``: a path starts
    with the type it was read as, which is left out (the subject says it)."""
    return "invalid event: " + _problems(error)


class ModelRefused(Exception):
    """A model refused a value while a handler applied an event or answered a request that
    had already been read and validated: stored data that no longer loads, or a model the
    handler builds. Not the sender's fault, so not an invalid event or request: a bug, an
    event retried and dead-lettered after the last delivery like any other (the module's
    rules), a request answered ``unavailable``. The message is field paths and rules
    (:func:`describe_validation_error`'s), never the values; its traceback is the refused
    model's, so the log says where, while the error itself (whose text quotes the values)
    is not chained: raise it ``from None``."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(_problems(error))
        self.with_traceback(error.__traceback__)


def _problems(error: ValidationError) -> str:
    problems = error.errors(include_input=False, include_url=False, include_context=False)
    described = []
    for problem in problems:
        loc = [str(part) for part in problem["loc"]]
        if loc and loc[0].startswith("dk.mediation."):
            loc = loc[1:]
        if problem["type"] in _QUOTING_INPUT:
            loc, text = ["type"], _QUOTING_INPUT[problem["type"]]
        else:
            text = problem["msg"]
        described.append(f"{'.'.join(loc) or '<document>'}: {text}")
    return "; ".join(described)


class Lanes:
    """One case's events one at a time, in the order they reached this process, while
    other cases' events run alongside (a consumer hands over ``event_workers`` at once).

    Without it two events of one case (both parties' consents, say) would race for the same
    document and one would lose and retry. The order is fixed when a message arrives:
    :func:`deliver_event` reserves the message's place in its case's lane (:meth:`reserve`)
    before anything is awaited, and the handler waits for that place (:meth:`hold`), however
    the workers are scheduled in between (decoding, validation). The place is kept until the
    message's fate is decided, also while it waits out an outage of the database: the case's
    later events wait behind it instead of overtaking it when the database is back. Only an
    event waiting for its case's request (:class:`NotYet`) gives the lane back, since that
    request may be behind it. Replicas share nothing here: across them,
    :mod:`mediation_runtime.documents` keeps every change."""

    def __init__(self) -> None:
        self._queues: dict[str, collections.deque[asyncio.Future[None]]] = {}

    def reserve(self, key: str) -> "Place":
        """A place at the end of ``key``'s lane, taken now (no await)."""
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._queues.setdefault(key, collections.deque())
        queue.append(turn)
        if len(queue) == 1:
            turn.set_result(None)
        return Place(self, key, turn)

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Run in ``key``'s lane: at the place this message reserved when it arrived
        (:data:`RESERVED`), else at the end of the lane."""
        reserved = RESERVED.get()
        if reserved is not None and reserved.key == key and not reserved.left:
            place, own = reserved, False  # deliver_event gives it up when the fate is decided
        else:
            place, own = self.reserve(key), True
        try:
            await asyncio.shield(place.turn)
            yield
        finally:
            if own:
                place.leave()

    def _leave(self, key: str, turn: "asyncio.Future[None]") -> None:
        queue = self._queues.get(key)
        if queue is None or turn not in queue:
            return
        first = queue[0] is turn
        queue.remove(turn)
        if not queue:
            del self._queues[key]
        elif first:
            queue[0].set_result(None)

    def __len__(self) -> int:
        return len(self._queues)


@dataclass(eq=False)
class Place:
    """One message's place in its case's lane (see :class:`Lanes`)."""

    lanes: Lanes
    key: str
    turn: "asyncio.Future[None]"
    left: bool = False

    def leave(self) -> None:
        """Give the lane to the next in line (also for a place never used: a message
        refused before its handler ran). Once; later calls do nothing."""
        if not self.left:
            self.left = True
            self.lanes._leave(self.key, self.turn)


RESERVED: contextvars.ContextVar[Place | None] = contextvars.ContextVar(
    "mediation_lane_place", default=None
)
"""The place :func:`deliver_event` reserved for the message being handled."""


def lane_key(document: dict[str, Any]) -> str | None:
    """``<tenant>:<case id>`` of an event as it arrived, as the handler names its lane
    (``f"{event.tenant}:{event.subject}"``); None when the event does not say."""
    tenant, subject = document.get("tenant"), document.get("subject")
    if not isinstance(tenant, str) or not isinstance(subject, str):
        return None
    try:
        return f"{tenant}:{uuid.UUID(subject)}"
    except ValueError:
        return None


class DeadLetters(Protocol):
    """Where dead letters go: the service's declared publisher to ``mediation.dlq.<service>``."""

    async def publish(self, body: bytes, /, *, headers: dict[str, str], stream: str) -> object: ...


async def pause_unless_stopping(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``, or less when ``stopping`` is set meanwhile: whether it was."""
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


@dataclass(frozen=True)
class DeliveryPolicy:
    """What the delivery rules of one service need: its retry delays and dead letters, its
    consumers' settings, the lanes and backlog its events share, and whether it is stopping.

    ``pause`` is how a held message waits (the tests pass one that does not sleep).
    ``metrics`` counts how messages end (:mod:`mediation_runtime.metrics`)."""

    service: str
    retry_delays: tuple[float, ...]
    dead_letters: DeadLetters
    consumers: list[ConsumerConfig] = field(default_factory=list)
    inbox_prefix: str = "_INBOX"
    max_payload: Callable[[], int] = lambda: 1024 * 1024
    ack_wait: float = 30.0
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    lanes: Lanes = field(default_factory=Lanes)
    legacy_consumers: list[str] = field(default_factory=list)
    backlog: Backlog = field(default_factory=lambda: Backlog("", lambda: None, 0))
    pause: Callable[[asyncio.Event, float], Awaitable[bool]] = pause_unless_stopping
    metrics: ServiceMetrics = field(default_factory=lambda: ServiceMetrics("unnamed"))
    progress: Progress = field(default_factory=Progress)

    @property
    def deliver_prefix(self) -> bytes:
        """Where pull consumers receive their batches: inside the service's private inbox
        (FastStream would otherwise use the shared ``_INBOX.``, which NATS refuses us)."""
        return f"{self.inbox_prefix}.".encode()

    @property
    def max_deliveries(self) -> int:
        return len(self.retry_delays) + 1

    def delay_before(self, next_delivery: int) -> float:
        return self.retry_delays[min(next_delivery, len(self.retry_delays)) - 1]

    async def dead_letter(
        self, *, body: bytes, subject: str, sequence: int, deliveries: int, reason: str
    ) -> None:
        """Publish the original bytes with the reason to ``mediation.dlq.<service>``; a body
        that would not fit under the server's max_payload is left out (the reference to the
        original, still in the events stream, is kept)."""
        reason = " ".join(reason.split())[:1000]
        headers = {
            DLQ_REASON_HEADER: reason,
            DLQ_ORIGINAL_SUBJECT_HEADER: subject[:512],
            DLQ_ORIGINAL_SEQUENCE_HEADER: str(sequence),
            DLQ_DELIVERIES_HEADER: str(deliveries),
            DLQ_SERVICE_HEADER: self.service,
            # De-duplicates a dead letter published twice (crash between publish and ack).
            "Nats-Msg-Id": f"{self.service}:{EVENTS_STREAM}:{sequence}",
        }
        if len(body) + HEADROOM_BYTES > self.max_payload():
            headers[DLQ_OMITTED_HEADER] = (
                f"{len(body)} bytes, too large to copy; the original is stream_seq {sequence} "
                f"of {EVENTS_STREAM}"
            )
            body = b""
        await self.dead_letters.publish(body, headers=headers, stream=DLQ_STREAM)
        self.metrics.dead_lettered(subject)
        log.warning("dead_lettered", reason=reason, original_subject=subject, stream_seq=sequence)


class Delivered(Protocol):
    """What the delivery rules see of a message from a JetStream consumer."""

    @property
    def body(self) -> bytes: ...
    @property
    def subject(self) -> str: ...
    @property
    def sequence(self) -> int:
        """Its sequence in the stream."""

    @property
    def deliveries(self) -> int:
        """How often it was delivered, this time included."""

    async def ack(self) -> None: ...
    async def nack(self, delay: float) -> None:
        """Deliver it again after ``delay`` seconds (counted as another delivery)."""

    async def in_progress(self) -> None:
        """Still working on it: restarts ack_wait; the delivery count stays."""


class JetStreamDelivered:
    """A message of a JetStream consumer (nats-py's), as :class:`Delivered`. One without
    JetStream metadata (FastStream's test broker sends such) counts as a first delivery."""

    def __init__(self, msg: Msg) -> None:
        self._msg = msg
        self.subject: str = msg.subject
        self.body: bytes = msg.data
        try:
            metadata = msg.metadata
        except NotJSMessageError:
            self.sequence, self.deliveries = 0, 1
        else:
            self.sequence, self.deliveries = metadata.sequence.stream, metadata.num_delivered

    async def ack(self) -> None:
        await self._msg.ack()

    async def nack(self, delay: float) -> None:
        await self._msg.nak(delay=delay)

    async def in_progress(self) -> None:
        await self._msg.in_progress()


def event_delivery(
    policy: DeliveryPolicy,
    model: Any,
    handle: Callable[[Any], Awaitable[None]],
) -> Callable[[Msg], Awaitable[None]]:
    """What becomes of each message of the service's events consumer: read as ``model``
    (its body validated straight from JSON), handed to ``handle``, in the trace it names,
    its fate decided by :func:`deliver_event`.

    The pull loop (:func:`take_in_batches`) hands messages straight to it, past FastStream's
    per-message pipeline (a task hand-over, context scopes, middlewares, decoding and
    validation through fast_depends): under a backlog that pipeline cost notes 0.15-0.5 ms
    of CPU an event (1.47-1.69 ms with it, 1.17-1.38 without). FastStream still declares
    the consumer and documents its payload; under its test broker, which calls subscribers
    itself, the events router's :class:`EventMiddleware` hands each message here too, so
    tests run this same path.
    """
    validate = TypeAdapter(model).validate_json

    async def deliver(msg: Msg) -> None:
        with _delivering(msg.subject), consuming(msg.subject, msg.headers, msg.data):
            await deliver_event(policy, JetStreamDelivered(msg), lambda: handle(validate(msg.data)))

    return deliver


async def deliver_event(
    policy: DeliveryPolicy, message: Delivered, handle: Callable[[], Awaitable[object]]
) -> None:
    """Run ``handle`` on ``message`` and decide its fate (the module's rules): ack, hold
    through an outage or for the backlog, nack with delay, or dead-letter and ack."""
    progress = policy.progress
    with _arrived(policy, message) as unreadable:
        waited = 0
        holding = False  # one of the backlog's places to wait (see Backlog)
        outcome = "acked"
        progress.held += 1
        try:
            while True:
                try:
                    if unreadable is not None:
                        raise unreadable
                    progress.step()
                    await _timed(policy, message, handle)
                except ValidationError as error:
                    outcome = await _give_up(policy, message, describe_validation_error(error))
                except NotYet as error:
                    _give_lane_back()  # what it waits for may be behind it in its lane
                    holding = holding or policy.backlog.take()
                    if (
                        holding
                        and waited < len(OUTAGE_BACKOFF) + BACKLOG_PATIENCE
                        and await policy.backlog.pending()
                        and await _hold(policy, message, "backlog", waited)
                    ):
                        waited += 1
                        continue
                    outcome = await _retry_or_give_up(policy, message, error.reason)
                except Rejected as error:
                    outcome = await _give_up(policy, message, error.reason)
                except Exception as error:
                    if not is_outage(error):
                        log.exception("handler_failed", error_type=type(error).__name__)
                        outcome = await _retry_or_give_up(policy, message, _failure(error))
                    elif await _hold(policy, message, f"outage:{type(error).__name__}", waited):
                        waited += 1
                        continue
                    else:  # stopping, or the bus is gone: let it come back, never a DLQ
                        outcome = "released"
                        with contextlib.suppress(Exception):
                            await message.nack(delay=policy.delay_before(1))
                else:
                    await message.ack()
                if waited:
                    log.info("wait_over", attempts=waited)
                return
        finally:
            progress.held -= 1
            progress.step()
            if holding:
                policy.backlog.give_back()
            policy.metrics.event_ended(message.subject, outcome)
            trace.get_current_span().set_attribute("mediation.delivery.outcome", outcome)


def _failure(error: Exception) -> str:
    """A bug's reason: the exception's type (its message may quote anything); a
    :class:`ModelRefused` adds its field paths, which never hold values."""
    if isinstance(error, ModelRefused):
        return f"failed with ModelRefused ({error})"
    return f"failed with {type(error).__name__}"


async def _timed(
    policy: DeliveryPolicy, message: Delivered, handle: Callable[[], Awaitable[object]]
) -> None:
    started = time.perf_counter()
    try:
        await handle()
    finally:
        policy.metrics.handler_took(message.subject, time.perf_counter() - started)


@contextlib.contextmanager
def _arrived(policy: DeliveryPolicy, message: Delivered) -> Iterator[Rejected | None]:
    """A message's arrival: its place in its case's lane is taken now, before anything is
    awaited (see Lanes), and its ids are bound for the log. Yields why the body cannot be
    read (None when it can). On the way out, its fate decided, the message gives its place
    up (also one its handler never reached), and whatever the handling bound to the log is
    unbound: one worker handles message after message in the same context (see
    service.check_envelope)."""
    outer = structlog.contextvars.get_contextvars().keys()
    try:
        key, unreadable = lane_key(_require_json_object(message.body)), None
    except Rejected as error:
        key, unreadable = None, error
    place = policy.lanes.reserve(key) if key is not None else None
    reserved = RESERVED.set(place)
    sequence = _SEQUENCE.set(message.sequence)
    try:
        with structlog.contextvars.bound_contextvars(
            subject=message.subject, stream_seq=message.sequence, delivery=message.deliveries
        ):
            yield unreadable
    finally:
        if place is not None:
            place.leave()
        RESERVED.reset(reserved)
        _SEQUENCE.reset(sequence)
        structlog.contextvars.unbind_contextvars(
            *(key for key in structlog.contextvars.get_contextvars() if key not in outer)
        )


def _give_lane_back() -> None:
    """Leave the place this message reserved in its case's lane; a later attempt takes a new
    one at the end (:meth:`Lanes.hold`)."""
    if (place := RESERVED.get()) is not None:
        place.leave()


async def _hold(policy: DeliveryPolicy, message: Delivered, why: str, waited: int) -> bool:
    """Keep the message and try again after a pause, without a redelivery (so without
    counting a delivery): through an outage, or while the consumer's backlog may still
    hold the request this message's case waits for. False when the service is stopping
    or the bus itself is gone (JetStream redelivers it later)."""
    delay = OUTAGE_BACKOFF[min(waited, len(OUTAGE_BACKOFF) - 1)]
    event = "outage_waiting" if why.startswith("outage") else "waiting_for_backlog"
    log.warning(event, why=why, attempt=waited + 1, delay=delay)
    policy.metrics.waited("outage" if why.startswith("outage") else "backlog")
    left = delay
    while True:
        try:
            await message.in_progress()  # restarts ack_wait; the delivery count stays
        except Exception:
            return False
        step = min(left, policy.ack_wait / 3)
        if await policy.pause(policy.stopping, step):
            return False
        left -= step
        if left <= 0:
            return not policy.stopping.is_set()


async def _retry_or_give_up(policy: DeliveryPolicy, message: Delivered, reason: str) -> str:
    """Nack with delay, or dead-letter on the last delivery; the outcome (metrics)."""
    deliveries = message.deliveries
    if deliveries >= policy.max_deliveries:
        return await _give_up(policy, message, f"gave up after {deliveries} deliveries: {reason}")
    delay = policy.delay_before(deliveries)
    log.info("will_retry", reason=reason, delay_seconds=delay)
    await message.nack(delay=delay)
    return "retried"


async def _give_up(policy: DeliveryPolicy, message: Delivered, reason: str) -> str:
    """Dead-letter and ack; the outcome (metrics): retried when the dead letter could not
    be published."""
    try:
        await policy.dead_letter(
            body=message.body,
            subject=message.subject,
            sequence=message.sequence,
            deliveries=message.deliveries,
            reason=reason,
        )
    except Exception as error:
        # Never ack what we could not park: it comes back after the delay.
        log.exception("dead_letter_failed", error_type=type(error).__name__)
        await message.nack(delay=policy.delay_before(1))
        return "retried"
    await message.ack()
    return "dead_lettered"


async def answer_command(body: bytes, handle: Callable[[], Awaitable[Any]]) -> Any:
    """A request-reply command: whatever happens, the caller gets a :class:`Reply`."""
    try:
        _require_json_object(body)
    except Rejected as error:
        return _invalid_request(error.reason)
    try:
        return await handle()
    except ValidationError as error:
        reason = describe_validation_error(error).replace("invalid event", "invalid")
        return _invalid_request(reason)
    except Exception as error:
        log.exception("command_failed", error_type=type(error).__name__)
        return Reply(ok=False, error=UNAVAILABLE)


def _invalid_request(reason: str) -> Reply:
    log.info("command_invalid", reason=reason)
    return Reply(
        ok=False,
        error=Refusal(
            code="invalid_request",
            message_da="Forespørgslen kunne ikke forstås: " + reason,
            message_en="The request could not be understood: " + reason,
        ),
    )


_SUBJECT: contextvars.ContextVar[str] = contextvars.ContextVar("mediation_delivered_subject")


def delivered_subject() -> str:
    """The NATS subject of the event or request being handled (set by the routers'
    middlewares). Handlers read it here rather than by a FastStream ``Context``/``Path``
    parameter: FastStream resolves those with a synchronous call that fast_depends runs in
    a worker thread, a thread hop for every message (measured: a tenth of intake's samples
    under a backlog)."""
    return _SUBJECT.get()


_SEQUENCE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "mediation_delivered_sequence", default=None
)


def delivered_sequence() -> int | None:
    """The stream sequence of the event being handled (None outside a delivery): the order
    the stream gives the case's events, which a handler may need when a later event of the
    case was applied first (see intake's handlers)."""
    return _SEQUENCE.get()


@contextlib.contextmanager
def _delivering(subject: str) -> Iterator[None]:
    token = _SUBJECT.set(subject)
    try:
        yield
    finally:
        _SUBJECT.reset(token)


class EventMiddleware(BaseMiddleware[Any, Any]):
    """The events router's middleware, for FastStream's test broker (which calls subscribers
    itself, not through :func:`take_in_batches`): each message goes to ``deliver`` (see
    :func:`event_delivery`) instead of FastStream's handler, which only documents the
    payload."""

    def __init__(
        self,
        msg: Any,
        /,
        *,
        context: ContextRepo,
        deliver: Callable[[Msg], Awaitable[None]],
    ) -> None:
        super().__init__(msg, context=context)
        self.deliver = deliver

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> None:
        await self.deliver(cast(NatsMessage, msg).raw_message)


class CommandMiddleware(BaseMiddleware[Any, Any]):
    """The commands router's middleware: every request is answered (:func:`answer_command`),
    and how long that took is measured by command and answer (``ok`` or the refusal code)."""

    def __init__(self, msg: Any, /, *, context: ContextRepo, metrics: ServiceMetrics) -> None:
        super().__init__(msg, context=context)
        self.metrics = metrics

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        message = cast(NatsMessage, msg)
        subject = message.raw_message.subject
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(subject=subject), _delivering(subject):
            reply = await answer_command(message.body, functools.partial(call_next, msg))
        outcome = _answer_code(reply)
        self.metrics.command_answered(subject, outcome, time.perf_counter() - started)
        trace.get_current_span().set_attribute("mediation.command.outcome", outcome)
        return reply


def _answer_code(reply: Any) -> str:
    """``ok``, or the refusal's code (codes are the contract's: short and fixed)."""
    if not isinstance(reply, Reply) or reply.ok:
        return "ok"
    code = reply.error.code if reply.error is not None else "refused"
    return code if _CODE.fullmatch(code) else "other"


_CODE = re.compile(r"[a-z0-9_]{1,64}")


UNAVAILABLE = Refusal(
    code="unavailable",
    message_da="Det kunne ikke lade sig gøre lige nu. Prøv igen om lidt.",
    message_en="That could not be done right now. Please try again shortly.",
)


def _require_json_object(body: bytes) -> dict[str, Any]:
    """Any bytes: a JSON object, or :class:`Rejected` saying why not (position, not content)."""
    try:
        document = json.loads(body)
    except RecursionError:
        raise Rejected("not JSON this service accepts: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, too many digits ...
        position = getattr(error, "pos", getattr(error, "start", None))
        where = f" at position {position}" if position is not None else ""
        raise Rejected(f"not JSON: {type(error).__name__}{where}") from None
    if not isinstance(document, dict):
        raise Rejected("not a CloudEvent: the message is JSON but not an object")
    return document


@dataclass
class Lifeline:
    """Ends the service (non-zero) when its bus connection is closed for good, so a
    supervisor restarts it instead of a process that looks alive and does nothing. nats-py
    closes a connection for good after some server errors, or when reconnecting gave up."""

    service: str
    exit: Callable[[], None] | None = None
    failure: str | None = None
    stopping: bool = False

    async def closed(self) -> None:
        if self.stopping:
            return
        self.failure = "the NATS connection was closed for good"
        log.error("nats_connection_closed", service=self.service)
        if self.exit is not None:
            self.exit()

    async def disconnected(self) -> None:
        if not self.stopping:
            log.warning("nats_disconnected", service=self.service)

    async def reconnected(self) -> None:
        log.info("nats_reconnected", service=self.service)


def create_broker(
    settings: ServiceSettings,
    service: str,
    *,
    metrics: ServiceMetrics | None = None,
    tracer_provider: Any = None,
) -> tuple[NatsBroker, BusErrors, Lifeline, DeliveryPolicy]:
    """The service's broker, connecting with the service's own certificate and inbox and
    reconnecting for ever (with ``nats_reconnect_wait_seconds`` between attempts); the
    connection's error callback, which turns a refused publish into :class:`PublishDenied`;
    its lifeline; and its delivery policy, with the declared dead-letter publisher (applied
    to every event by :func:`event_delivery`).

    Every command and publish goes through the broker's middlewares: trace context
    (:mod:`mediation_runtime.telemetry`; spans when ``tracer_provider`` records them), then
    FastStream's Prometheus middleware into ``metrics``' registry. Events go past them
    (:func:`event_delivery` continues their trace and counts them itself)."""
    errors = BusErrors(service)
    lifeline = Lifeline(service)
    metrics = metrics if metrics is not None else ServiceMetrics(service)
    options = settings.bus_credentials().connect_options(service)
    tls = options.pop("tls", None)
    broker = NatsBroker(
        **options,
        security=NatsSecurity(ssl_context=tls) if tls is not None else None,
        error_cb=errors.callback,
        closed_cb=lifeline.closed,
        disconnected_cb=lifeline.disconnected,
        reconnected_cb=lifeline.reconnected,
        max_reconnect_attempts=-1,
        reconnect_time_wait=settings.nats_reconnect_wait_seconds,  # type: ignore[arg-type]
        logger=logging.getLogger(f"{service}.broker"),
        middlewares=[*broker_middlewares(tracer_provider), metrics.faststream_middleware()],
        # FastStream's "Received"/"Processed" lines, two per message, at DEBUG: they say no
        # more than the service's own lines (which carry the ids) and cost a JSON line each.
        log_level=logging.DEBUG,
    )
    dead_letters = broker.publisher(
        dlq_subject(service),
        stream=JStream(DLQ_STREAM, declare=False),
        title=f"{service} dead letters",
        description="Original bytes of input this service could not process; "
        f"headers {', '.join(name for name, _ in DLQ_HEADERS)}.",
    )

    def max_payload() -> int:
        return int(broker.connection.max_payload)

    policy = DeliveryPolicy(
        service,
        tuple(settings.retry_delays),
        dead_letters,
        inbox_prefix=options.get("inbox_prefix", "_INBOX"),
        max_payload=max_payload,
        ack_wait=settings.ack_wait_seconds,
        backlog=Backlog(
            events_consumer(service),
            lambda: broker.connection.jetstream(),
            settings.event_workers - 1,
        ),
        metrics=metrics,
    )
    return broker, errors, lifeline, policy


def event_subscriber(
    router: NatsRouter,
    policy: DeliveryPolicy,
    events: Sequence[type[CloudEvent]],
    handler: Callable[..., Awaitable[None]],
    deliver: Callable[[Msg], Awaitable[None]],
    *,
    max_deliveries: int,
    ack_wait: float,
    workers: int = 1,
) -> None:
    """The service's one durable pull consumer ``<service>-events``, filtered on the subjects
    of ``events`` (all tenants). One consumer, so one case's events reach the service in
    stream order; ``workers`` at once, one case's one at a time (:class:`Lanes`).

    FastStream declares it with ``handler``, whose annotation documents the payload; each
    message goes to ``deliver`` (:func:`event_delivery`), not to ``handler``."""
    service = policy.service
    name = events_consumer(service)
    config = ConsumerConfig(
        name=name,
        durable_name=name,
        filter_subjects=[subscription_subject(e.aggregate, e.event) for e in events],
        ack_policy=ConsumerAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=max_deliveries + SERVER_DELIVERY_SLACK,
        ack_wait=ack_wait,
    )
    policy.consumers.append(config)
    policy.legacy_consumers.extend(consumer_name(service, e.aggregate, e.event) for e in events)
    # FastStream's own fetch loop never runs (take_in_batches replaces it).
    subscriber = router.subscriber(
        stream=JStream(EVENTS_STREAM, declare=False),
        durable=name,
        pull_sub=PullSub(batch_size=1, timeout=PULL_EXPIRES),
        ack_policy=AckPolicy.MANUAL,
        config=config,
        inbox_prefix=policy.deliver_prefix,
        title=f"{service}: events",
        description=f"The events {service} consumes, in stream order.",
    )
    subscriber(handler)
    take_in_batches(subscriber, deliver, workers)


CLOSED_PAUSE_SECONDS = 1.0
"""Pause of a loop whose connection is closed for good (the lifeline ends the service)."""


def take_in_batches(
    subscriber: Any,
    deliver: Callable[[Msg], Awaitable[None]],
    workers: int,
    batch: int = PULL_BATCH,
) -> None:
    """Take the consumer's messages as the server sends them (a :class:`StandingPull` of up
    to ``batch``) and ``deliver`` each in a task of its own, ``workers`` at once.

    FastStream's pull loop fetches a fixed ``PullSub.batch_size`` and hands each message to
    its per-message pipeline: a request to the server, a task group and a task per event
    (notes under a backlog of 10,000 events: 1.7 ms of CPU per event against 0.8-0.9 for the
    same work in plain nats-py), and a message stored between two fetches waits for the next
    request (see :mod:`mediation_runtime.pulling`).

    Messages start in stream order as workers come free (each takes its place in its case's
    lane before it awaits anything, see :class:`Lanes`), so up to ``batch`` wait here for a
    worker, through an outage of the database too: one that outlasts ``ack_wait`` may come
    twice, and handlers are idempotent. Any not handed over when the loop stops (or fails)
    are nacked to come back at once rather than after ``ack_wait``. Stopping cancels the
    loop and with it the deliveries under way, as FastStream's own loop does; theirs come
    back after ``ack_wait``. A loop that fails (FastStream's supervisor restarts it) leaves
    its deliveries to finish; a delivery that could not settle its message is logged.

    It replaces the subscriber's ``_consume_pull`` (FastStream 0.7's pull loop, which
    ``_create_subscription`` starts as a task and restarts should it fail); a FastStream
    without that method fails here, at start, rather than silently fetching one at a time.
    """
    if not callable(getattr(subscriber, "_consume_pull", None)):
        raise RuntimeError("FastStream's pull subscriber has no _consume_pull to replace")

    # Deliveries under way outlive a loop that failed, and count against the workers of the
    # loop FastStream's supervisor starts in its place.
    under_way: set[asyncio.Task[None]] = set()
    workers_of: list[asyncio.Semaphore] = []

    async def work(message: Msg, free: asyncio.Semaphore) -> None:
        try:
            await deliver(message)
        except Exception as error:  # a message it could not settle (the bus went away)
            log.error("delivery_failed", error_type=type(error).__name__)
        finally:
            free.release()

    async def consume_pull(cb: Callable[[Any], Awaitable[Any]]) -> None:
        del cb  # FastStream's hand-over: messages go to ``deliver`` instead
        if not under_way:  # a first start (or a start after a stop): its own event loop
            workers_of[:] = [asyncio.Semaphore(workers)]
        try:
            await pulling(workers_of[0])
            while under_way:  # the loop ended (not running): let what it started finish
                await asyncio.wait(under_way)
        except asyncio.CancelledError:  # stopping: what is under way stops too
            for task in under_way:
                task.cancel()
            await asyncio.gather(*under_way, return_exceptions=True)
            raise

    async def pulling(free: asyncio.Semaphore) -> None:
        pull = StandingPull(subscriber.subscription, batch=batch)
        message: Msg | None = None
        try:
            while subscriber.running:
                try:
                    message = await pull.next()
                except nats_errors.ConnectionClosedError:  # for good: the lifeline ends us
                    await asyncio.sleep(CLOSED_PAUSE_SECONDS)
                    continue
                await free.acquire()
                task = asyncio.create_task(work(message, free))
                under_way.add(task)
                task.add_done_callback(under_way.discard)
                message = None
        finally:  # stopping (or failed): what no worker got comes back at once
            for waiting in [*([message] if message is not None else []), *pull.take_waiting()]:
                with contextlib.suppress(Exception):
                    await waiting.nak()

    subscriber._consume_pull = consume_pull


async def apply_consumer_configs(js: JetStreamContext, policy: DeliveryPolicy) -> None:
    """Create or update every durable consumer before the broker binds to them.

    FastStream reuses an existing durable consumer as it is, so a changed retry setting
    would otherwise never reach the server. A consumer created for the first time starts
    where the service's former per-event-type consumers (``<service>-<aggregate>-<event>``)
    had all got to, and those are deleted: an upgrade neither skips an event nor replays
    the stream (what one of them had acknowledged beyond the others comes again, and
    handlers are idempotent).
    """
    for config in policy.consumers:
        assert config.name is not None
        try:
            current = await js.consumer_info(EVENTS_STREAM, config.name)
        except NotFoundError:
            start = await _legacy_floor(js, policy.legacy_consumers)
            if start is not None:
                config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
                config.opt_start_seq = start + 1
                log.info("consumer_takes_over", consumer=config.name, from_stream_seq=start + 1)
        else:  # where a consumer starts cannot change
            config.deliver_policy = current.config.deliver_policy
            config.opt_start_seq = current.config.opt_start_seq
        await js.add_consumer(EVENTS_STREAM, config)
    for legacy in policy.legacy_consumers:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(EVENTS_STREAM, legacy)
            log.info("legacy_consumer_deleted", consumer=legacy)


async def _legacy_floor(js: JetStreamContext, names: Sequence[str]) -> int | None:
    """The stream sequence up to which every one of ``names`` that exists has acknowledged
    all its messages (None: none exists). A consumer with nothing pending is done up to the
    stream's end, whatever its own floor says (it may never have had a message)."""
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    floors = []
    for name in names:
        with contextlib.suppress(NotFoundError):
            info = await js.consumer_info(EVENTS_STREAM, name)
            done = not (info.num_pending or info.num_ack_pending)
            floors.append(last if done else info.ack_floor.stream_seq if info.ack_floor else 0)
    return min(floors) if floors else None


__all__ = [
    "CommandMiddleware",
    "Delivered",
    "DeliveryPolicy",
    "EventMiddleware",
    "Lanes",
    "NatsMessage",
    "NotYet",
    "Place",
    "Rejected",
    "create_broker",
    "deliver_event",
    "delivered_sequence",
    "delivered_subject",
    "event_subscriber",
    "lane_key",
    "take_in_batches",
]
