"""How every service consumes events: at-least-once in, nothing lost, nothing retried forever.

One middleware decides every message's fate, so the rule lives in one place:

- processed: ack;
- :class:`Rejected` or a schema-invalid message: dead-letter with the reason, then ack (never
  retried: it can never succeed);
- :class:`NotYet` or any other exception (database down, a bug): nack with a growing delay,
  and dead-letter on the last allowed delivery.

FastStream's NATS default would terminate the message on any exception; that loses valid
events on a transient error, so subscribers run with ``AckPolicy.MANUAL`` and this middleware
acks.
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import structlog
from faststream import AckPolicy
from faststream._internal.middlewares import BaseMiddleware
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.publisher.usecase import LogicPublisher
from faststream.nats.security import NatsSecurity
from faststream.nats.subscriber.usecases.stream_pull_subscriber import PullStreamSubscriber
from mediation_contracts.commands import Refusal, Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import (
    DLQ_DELIVERIES_HEADER,
    DLQ_HEADERS,
    DLQ_ORIGINAL_SEQUENCE_HEADER,
    DLQ_ORIGINAL_SUBJECT_HEADER,
    DLQ_REASON_HEADER,
    DLQ_SERVICE_HEADER,
    DLQ_STREAM,
    EVENTS_STREAM,
    consumer_name,
    dlq_subject,
)
from mediation_contracts.subjects import subscription_subject
from nats.aio.msg import Msg
from nats.errors import NotJSMessageError
from nats.js.api import AckPolicy as ConsumerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from mediation_runtime.bus import BusCredentials, BusErrors

log = structlog.get_logger("mediation.delivery")


class Rejected(Exception):
    """Input that can never be processed (impossible transition, wrong tenant): dead-letter it.

    The reason is shown to operators: ids and rules only, never names or free text.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotYet(Rejected):
    """Input that may become processable soon (its case is still being opened on another
    consumer): retried with delay, dead-lettered with the reason when deliveries run out."""


def describe_validation_error(error: ValidationError) -> str:
    """Field paths and rules only: pydantic's default text would echo the input (personal data)."""
    problems = error.errors(include_input=False, include_url=False, include_context=False)
    return "invalid event: " + "; ".join(
        f"{'.'.join(str(part) for part in p['loc']) or '<document>'}: {p['msg']}" for p in problems
    )


@dataclass(frozen=True)
class DeliveryPolicy:
    service: str
    retry_delays: tuple[float, ...]
    dead_letters: LogicPublisher
    consumers: list[ConsumerConfig] = field(default_factory=list)
    inbox_prefix: str = "_INBOX"

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
        """Publish the original bytes with the reason to ``mediation.dlq.<service>``."""
        reason = " ".join(reason.split())[:1000]
        await self.dead_letters.publish(
            body,
            headers={
                DLQ_REASON_HEADER: reason,
                DLQ_ORIGINAL_SUBJECT_HEADER: subject,
                DLQ_ORIGINAL_SEQUENCE_HEADER: str(sequence),
                DLQ_DELIVERIES_HEADER: str(deliveries),
                DLQ_SERVICE_HEADER: self.service,
                # De-duplicates a dead letter published twice (crash between publish and ack).
                "Nats-Msg-Id": f"{self.service}:{EVENTS_STREAM}:{sequence}",
            },
            stream=DLQ_STREAM,
        )
        log.warning("dead_lettered", reason=reason, original_subject=subject, stream_seq=sequence)


class DeliveryMiddleware(BaseMiddleware[Any, Any]):
    def __init__(self, msg: Any, /, *, context: Any, policy: DeliveryPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        msg = cast(NatsMessage, msg)
        raw = msg.raw_message
        if not _from_jetstream(raw):
            return await self._answer(call_next, msg)
        metadata = raw.metadata
        deliveries = metadata.num_delivered
        sequence = metadata.sequence.stream
        with structlog.contextvars.bound_contextvars(
            subject=raw.subject, stream_seq=sequence, delivery=deliveries
        ):
            try:
                _require_json_object(msg.body)
                await call_next(msg)
            except ValidationError as error:
                await self._give_up(msg, describe_validation_error(error))
            except NotYet as error:
                await self._retry_or_give_up(msg, error.reason)
            except Rejected as error:
                await self._give_up(msg, error.reason)
            except Exception as error:
                log.exception("handler_failed", error_type=type(error).__name__)
                await self._retry_or_give_up(msg, f"failed with {type(error).__name__}")
            else:
                await msg.ack()
        return None

    async def _answer(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: NatsMessage
    ) -> Any:
        """A request-reply command: whatever happens, the caller gets a :class:`Reply`."""
        with structlog.contextvars.bound_contextvars(subject=msg.raw_message.subject):
            try:
                return await call_next(msg)
            except ValidationError as error:
                reason = describe_validation_error(error).replace("invalid event", "invalid")
                log.info("command_invalid", reason=reason)
                return Reply(
                    ok=False,
                    error=Refusal(
                        code="invalid_request",
                        message_da="Forespørgslen kunne ikke forstås: " + reason,
                        message_en="The request could not be understood: " + reason,
                    ),
                )
            except Exception as error:
                log.exception("command_failed", error_type=type(error).__name__)
                return Reply(ok=False, error=UNAVAILABLE)

    async def _retry_or_give_up(self, msg: NatsMessage, reason: str) -> None:
        deliveries = msg.raw_message.metadata.num_delivered
        if deliveries >= self.policy.max_deliveries:
            await self._give_up(msg, f"gave up after {deliveries} deliveries: {reason}")
            return
        delay = self.policy.delay_before(deliveries)
        log.info("will_retry", reason=reason, delay_seconds=delay)
        await msg.nack(delay=delay)

    async def _give_up(self, msg: NatsMessage, reason: str) -> None:
        raw = msg.raw_message
        try:
            await self.policy.dead_letter(
                body=msg.body,
                subject=raw.subject,
                sequence=raw.metadata.sequence.stream,
                deliveries=raw.metadata.num_delivered,
                reason=reason,
            )
        except Exception as error:
            # Never ack what we could not park: it comes back after the delay.
            log.exception("dead_letter_failed", error_type=type(error).__name__)
            await msg.nack(delay=self.policy.delay_before(1))
            return
        await msg.ack()


UNAVAILABLE = Refusal(
    code="unavailable",
    message_da="Det kunne ikke lade sig gøre lige nu. Prøv igen om lidt.",
    message_en="That could not be done right now. Please try again shortly.",
)


def _from_jetstream(raw: Msg) -> bool:
    try:
        raw.metadata  # noqa: B018 - raises for a core NATS message
    except NotJSMessageError:
        return False
    return True


def _require_json_object(body: bytes) -> None:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        position = getattr(error, "pos", getattr(error, "start", 0))
        raise Rejected(f"not JSON: {type(error).__name__} at position {position}") from None
    if not isinstance(document, dict):
        raise Rejected("not a CloudEvent: the message is JSON but not an object")


def create_broker(
    credentials: BusCredentials, service: str, retry_delays: list[float]
) -> tuple[NatsBroker, BusErrors]:
    """The service's broker with the delivery middleware and its declared dead-letter
    publisher, connecting with the service's own certificate and inbox; and the connection's
    error callback, which turns a refused publish into :class:`PublishDenied`."""
    errors = BusErrors(service)
    options = credentials.connect_options(service)
    tls = options.pop("tls", None)
    broker = NatsBroker(
        **options,
        security=NatsSecurity(ssl_context=tls) if tls is not None else None,
        error_cb=errors.callback,
        logger=logging.getLogger(f"{service}.broker"),
    )
    dead_letters = broker.publisher(
        dlq_subject(service),
        stream=JStream(DLQ_STREAM, declare=False),
        title=f"{service} dead letters",
        description="Original bytes of input this service could not process; "
        f"headers {', '.join(name for name, _ in DLQ_HEADERS)}.",
    )
    policy = DeliveryPolicy(
        service,
        tuple(retry_delays),
        dead_letters,
        inbox_prefix=options.get("inbox_prefix", "_INBOX"),
    )
    broker.add_middleware(partial(DeliveryMiddleware, policy=policy))
    broker.context.set_global("delivery_policy", policy)
    return broker, errors


def event_subscriber(
    broker: NatsBroker,
    service: str,
    event: type[CloudEvent],
    *,
    max_deliveries: int,
    ack_wait: float,
) -> PullStreamSubscriber:
    """Durable pull consumer ``<service>-<aggregate>-<event>`` for one event type, all tenants."""
    name = consumer_name(service, event.aggregate, event.event)
    subject = subscription_subject(event.aggregate, event.event)
    config = ConsumerConfig(
        name=name,
        durable_name=name,
        filter_subject=subject,
        ack_policy=ConsumerAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=max_deliveries,
        ack_wait=ack_wait,
    )
    policy: DeliveryPolicy = broker.context.get("delivery_policy")
    policy.consumers.append(config)
    # Batch size 1: nats-py's fetch, once a first message arrived, waits for the rest of the
    # batch until the timeout, so a larger batch would hold a lone event for seconds.
    return broker.subscriber(
        subject,
        stream=JStream(EVENTS_STREAM, declare=False),
        durable=name,
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        config=config,
        inbox_prefix=policy.deliver_prefix,
        title=f"{service}: {event.__name__}",
        description=(event.__doc__ or "").strip(),
    )


async def apply_consumer_configs(broker: NatsBroker) -> None:
    """Create or update every durable consumer before the broker binds to them.

    FastStream reuses an existing durable consumer as it is, so a changed retry setting
    would otherwise never reach the server.
    """
    policy: DeliveryPolicy = broker.context.get("delivery_policy")
    js = broker.connection.jetstream()
    for config in policy.consumers:
        await js.add_consumer(EVENTS_STREAM, config)


__all__ = [
    "DeliveryPolicy",
    "NatsMessage",
    "NotYet",
    "Rejected",
    "create_broker",
    "event_subscriber",
]
