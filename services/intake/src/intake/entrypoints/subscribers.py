"""Intake's subscriptions and publications, listed in one visible place.

Subscribers are thin: check the envelope against its subject, bind log context, hand over.
"""

from typing import Any

from faststream.nats import NatsBroker, NatsMessage
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
from mediation_runtime.delivery import event_subscriber
from mediation_runtime.service import check_envelope

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
