"""Intake's subscriptions, queries and publications, listed in one visible place.

Subscribers are thin: check the envelope against its subject, bind log context, hand over.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from mediation_contracts.commands import Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseReadyForScheduling,
    CaseRequested,
    CaseRequestRefused,
    CompanionChanged,
    ConsentDeclined,
    ConsentGiven,
    ConsentRequested,
    MediatorAssigned,
    OutcomeRecorded,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
    PartyWithdrew,
)
from mediation_runtime.service import ServiceCommands, ServiceEvents

from intake import handlers, queries
from intake.adapters.case_repository import CaseRepository
from intake.settings import IntakeSettings

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    CaseAssessed,
    MediatorAssigned,
    ConsentGiven,
    ConsentDeclined,
    PartyWithdrew,
    OutcomeRecorded,
    CompanionChanged,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (
    CaseRequestRefused,
    ConsentRequested,
    CaseReadyForScheduling,
    CaseClosed,
)

QueryHandler = Callable[[Any, str, CaseRepository], Awaitable[Reply]]

COMMANDS: dict[str, QueryHandler] = {
    "list_cases": queries.list_cases,
    "get_case": queries.get_case,
}


def register_subscribers(
    events: ServiceEvents, cases: CaseRepository, settings: IntakeSettings
) -> None:
    async def open_case(event: CaseRequested) -> None:
        await handlers.when_case_requested_open_case(event, cases, settings.source)

    async def apply_to_case(event: CloudEvent) -> None:
        await handlers.when_case_event_apply_it(event, cases)

    # A request opens a case; for every other event the case decides the rule.
    handling = {CONSUMES[0]: open_case, **dict.fromkeys(CONSUMES[1:], apply_to_case)}
    events.subscribe(handling)


def register_commands(
    commands: ServiceCommands, cases: CaseRepository, settings: IntakeSettings
) -> None:
    """Every answer is a Reply; a refusal carries a stable code and Danish and English text."""
    commands.serve(COMMANDS, cases, workers=settings.command_workers)
