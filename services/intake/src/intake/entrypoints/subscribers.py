"""Intake's subscriptions and publications, registered in one visible place.

Subscribers are thin: check the envelope against its subject, bind log context, hand over.
"""

from typing import Any

import structlog
from faststream.nats import JStream, NatsBroker, NatsMessage
from faststream.nats.subscriber.usecases.stream_pull_subscriber import PullStreamSubscriber
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseReadyForScheduling,
    CaseRequested,
    CaseRequestRefused,
    ConsentDeclined,
    ConsentGiven,
    ConsentRequested,
    MediatorAssigned,
    OutcomeRecorded,
    PartyWithdrew,
)
from mediation_contracts.streams import EVENTS_STREAM
from mediation_contracts.subjects import parse_subject
from mediation_runtime.delivery import Rejected, event_subscriber
from mediation_runtime.outbox import Publish

from intake import handlers
from intake.adapters.case_repository import CaseRepository
from intake.settings import SERVICE, IntakeSettings

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    CaseAssessed,
    MediatorAssigned,
    ConsentGiven,
    ConsentDeclined,
    PartyWithdrew,
    OutcomeRecorded,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (
    CaseRequestRefused,
    ConsentRequested,
    CaseReadyForScheduling,
    CaseClosed,
)


def check_envelope(event: CloudEvent, msg: NatsMessage) -> None:
    """A tenant may only speak on its own subjects (subject permissions rely on it)."""
    subject_tenant = parse_subject(msg.raw_message.subject).tenant
    if event.tenant != subject_tenant:
        raise Rejected(
            f"event tenant {event.tenant!r} does not match subject tenant {subject_tenant!r}"
        )
    structlog.contextvars.bind_contextvars(
        event_id=str(event.id),
        case_id=str(event.subject),
        tenant=event.tenant,
        correlation_id=str(event.correlationid or event.id),
        event_type=event.type,
    )


def register_subscribers(
    broker: NatsBroker, cases: CaseRepository, settings: IntakeSettings
) -> None:
    def subscriber(event: type[CloudEvent]) -> PullStreamSubscriber:
        return event_subscriber(
            broker,
            SERVICE,
            event,
            max_deliveries=settings.max_deliveries,
            ack_wait=settings.ack_wait_seconds,
        )

    @subscriber(CaseRequested)
    async def case_requested(event: CaseRequested, msg: NatsMessage) -> None:
        check_envelope(event, msg)
        await handlers.when_case_requested_open_case(event, cases, settings.source)

    # One subscriber per event type (one durable consumer each); the case decides the rule.
    for event_type in CONSUMES[1:]:

        async def case_event(event: Any, msg: NatsMessage) -> None:
            check_envelope(event, msg)
            await handlers.when_case_event_apply_it(event, cases)

        case_event.__annotations__["event"] = event_type
        case_event.__name__ = f"on_{event_type.aggregate}_{event_type.event}"
        subscriber(event_type)(case_event)


def register_publishers(broker: NatsBroker) -> Publish:
    """Declare what intake publishes (for the AsyncAPI document) and return the relay's sink."""
    publishers = {
        (cls.aggregate, cls.event): broker.publisher(
            f"mediation.v1.{{tenant}}.{cls.aggregate}.{cls.event}",
            stream=JStream(EVENTS_STREAM, declare=False),
            schema=cls,
            title=f"{SERVICE}: {cls.__name__}",
            description=(cls.__doc__ or "").strip(),
        )
        for cls in PUBLISHES
    }

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        parsed = parse_subject(subject)
        publisher = publishers[(parsed.aggregate, parsed.event)]
        await publisher.publish(payload, subject=subject, headers=headers)

    return publish
