"""Dead-letter messages that JetStream stopped delivering (the max-deliveries advisory).

The delivery middleware dead-letters on the last delivery itself; this catches the rest: a
process that crashed or hung on every delivery of a message. The advisories are captured in
their own stream, so one raised while the service was down is handled when it is back.
"""

from typing import Any

import structlog
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from mediation_contracts.streams import (
    ADVISORIES_STREAM,
    ADVISORIES_SUBJECTS,
    EVENTS_STREAM,
)
from nats.js.errors import NotFoundError
from pydantic import BaseModel

from mediation_runtime.delivery import DeliveryPolicy

log = structlog.get_logger("mediation.advisories")


class MaxDeliveriesAdvisory(BaseModel):
    stream: str
    consumer: str
    stream_seq: int
    deliveries: int


def register_max_deliveries_handler(broker: NatsBroker, service: str) -> None:
    inbox: DeliveryPolicy = broker.context.get("delivery_policy")

    @broker.subscriber(
        ADVISORIES_SUBJECTS[0],
        stream=JStream(ADVISORIES_STREAM, declare=False),
        durable=f"{service}-max-deliveries",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        include_in_schema=False,
        inbox_prefix=inbox.deliver_prefix,
    )
    async def dead_letter_exhausted(advisory: MaxDeliveriesAdvisory, msg: NatsMessage) -> None:
        if advisory.stream != EVENTS_STREAM or not advisory.consumer.startswith(f"{service}-"):
            return
        policy: DeliveryPolicy = broker.context.get("delivery_policy")
        js = broker.connection.jetstream()
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
