"""Scheduling's subscriptions, commands and publications, listed in one visible place."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mediation_contracts.commands import Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseReadyForScheduling,
    CaseRequested,
    CompanionChanged,
    ConsentGiven,
    MediatorAssigned,
    MeetingCancelled,
    MeetingHeld,
    MeetingRescheduled,
    MeetingScheduled,
    PartyWithdrew,
)
from mediation_runtime.service import ServiceCommands, ServiceEvents

from scheduling import handlers
from scheduling.domain.errors import BookingRefused, ImpossibleTransition
from scheduling.handlers import Refused, Scheduling

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    CaseAssessed,
    MediatorAssigned,
    ConsentGiven,
    CaseReadyForScheduling,
    PartyWithdrew,
    CaseClosed,
    CompanionChanged,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    MeetingHeld,
)

Q = TypeVar("Q")
CommandHandler = Callable[[Q, str, Scheduling], Awaitable[Reply]]

COMMANDS: dict[str, CommandHandler[Any]] = {
    "book_meeting": handlers.book_meeting,
    "move_meeting": handlers.move_meeting,
    "cancel_meeting": handlers.cancel_meeting,
    "mark_meeting_held": handlers.mark_meeting_held,
    "suggest_slots": handlers.suggest,
    "list_meetings": handlers.list_meetings,
}


def register_subscribers(events: ServiceEvents, scheduling: Scheduling) -> None:
    async def update_view(event: Any) -> None:
        await handlers.when_case_event_update_view(event, scheduling)

    events.subscribe(dict.fromkeys(CONSUMES, update_view))


def register_commands(commands: ServiceCommands, scheduling: Scheduling) -> None:
    """Every answer is a Reply; a refusal carries a stable code and Danish and English text."""
    commands.serve(
        COMMANDS,
        scheduling,
        workers=scheduling.settings.command_workers,
        refusals=(BookingRefused, ImpossibleTransition, Refused),
        refused=handlers.refused,
    )
