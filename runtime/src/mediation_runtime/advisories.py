"""Dead-letter messages that JetStream stopped delivering (the max-deliveries advisory).

The delivery rules dead-letter on the last delivery themselves; this catches the rest: a
process that crashed or hung on every delivery of a message. The advisories are captured in
their own stream, so one raised while the service was down is handled when it is back. Their
consumer is on the service's events router: a JetStream consumer like the events', acked by
the same rules.
"""

from collections.abc import Callable
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.nats import JStream, NatsRouter, PullSub
from mediation_contracts.streams import (
    ADVISORIES_STREAM,
    ADVISORIES_SUBJECTS,
    EVENTS_STREAM,
)
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import BaseModel

from mediation_runtime.delivery import DeliveryPolicy

log = structlog.get_logger("mediation.advisories")


class MaxDeliveriesAdvisory(BaseModel):
    stream: str
    consumer: str
    stream_seq: int
    deliveries: int


def register_max_deliveries_handler(
    events: NatsRouter, policy: DeliveryPolicy, jetstream: Callable[[], JetStreamContext]
) -> None:
    """The service's consumer of max-deliveries advisories, on its ``events`` router: each
    about one of the service's consumers is dead-lettered under ``policy``, with the original
    read through ``jetstream``."""
    service = policy.service

    @events.subscriber(
        ADVISORIES_SUBJECTS[0],
        stream=JStream(ADVISORIES_STREAM, declare=False),
        durable=f"{service}-max-deliveries",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        include_in_schema=False,
        inbox_prefix=policy.deliver_prefix,
    )
    async def dead_letter_exhausted(advisory: MaxDeliveriesAdvisory) -> None:
        if advisory.stream != EVENTS_STREAM or not advisory.consumer.startswith(f"{service}-"):
            return
        js = jetstream()
        try:
            original: Any = await js.get_msg(EVENTS_STREAM, seq=advisory.stream_seq)
        except NotFoundError:
            log.error("exhausted_message_gone", stream_seq=advisory.stream_seq)
            return
        await policy.dead_letter(
            body=original.data or b"",
            subject=original.subject,
            sequence=advisory.stream_seq,
            deliveries=advisory.deliveries,
            reason=f"gave up after {advisory.deliveries} deliveries to {advisory.consumer}: "
            "never acknowledged (crash or timeout; see the service log for this stream_seq)",
        )
