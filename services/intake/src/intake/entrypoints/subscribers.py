"""Intake's subscriptions and publications, listed in one visible place.

Subscribers are thin: check the envelope against its subject, bind log context, hand over.
"""

from faststream.nats import NatsBroker
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
from mediation_runtime.service import subscribe_events

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
    async def open_case(event: CaseRequested) -> None:
        await handlers.when_case_requested_open_case(event, cases, settings.source)

    async def apply_to_case(event: CloudEvent) -> None:
        await handlers.when_case_event_apply_it(event, cases)

    subscribe_events(broker, SERVICE, settings, CONSUMES[:1], open_case)
    # One subscriber per event type (one durable consumer each); the case decides the rule.
    subscribe_events(broker, SERVICE, settings, CONSUMES[1:], apply_to_case)
