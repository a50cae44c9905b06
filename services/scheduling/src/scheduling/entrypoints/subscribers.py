"""Scheduling's subscriptions, commands and publications, listed in one visible place."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream.nats import NatsBroker
from mediation_contracts.commands import (
    BookMeeting,
    CancelMeeting,
    ListMeetings,
    MarkMeetingHeld,
    MoveMeeting,
    Reply,
    SuggestSlots,
)
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseReadyForScheduling,
    CaseRequested,
    ConsentGiven,
    MediatorAssigned,
    MeetingCancelled,
    MeetingHeld,
    MeetingRescheduled,
    MeetingScheduled,
    PartyWithdrew,
)
from mediation_runtime.service import serve_commands, subscribe_events

from scheduling import handlers
from scheduling.domain.errors import BookingRefused, ImpossibleTransition
from scheduling.handlers import Refused, Scheduling
from scheduling.settings import SERVICE

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    CaseAssessed,
    MediatorAssigned,
    ConsentGiven,
    CaseReadyForScheduling,
    PartyWithdrew,
    CaseClosed,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    MeetingHeld,
)

Q = TypeVar("Q")
CommandHandler = Callable[[Q, str, Scheduling], Awaitable[Reply]]

COMMANDS: dict[str, tuple[type[Any], CommandHandler[Any], str]] = {
    "book_meeting": (BookMeeting, handlers.book_meeting, "Book a meeting for a case."),
    "move_meeting": (MoveMeeting, handlers.move_meeting, "Move a booked meeting."),
    "cancel_meeting": (CancelMeeting, handlers.cancel_meeting, "Cancel a booked meeting."),
    "mark_meeting_held": (
        MarkMeetingHeld,
        handlers.mark_meeting_held,
        "The mediator marks a meeting as held.",
    ),
    "suggest_slots": (
        SuggestSlots,
        handlers.suggest,
        "The next free times for a meeting of the case.",
    ),
    "list_meetings": (ListMeetings, handlers.list_meetings, "The meetings of a case."),
}


def register_subscribers(broker: NatsBroker, scheduling: Scheduling) -> None:
    async def update_view(event: Any) -> None:
        await handlers.when_case_event_update_view(event, scheduling)

    subscribe_events(broker, SERVICE, scheduling.settings, CONSUMES, update_view)


def register_commands(broker: NatsBroker, scheduling: Scheduling) -> None:
    """Every answer is a Reply; a refusal carries a stable code and Danish and English text."""
    serve_commands(
        broker,
        SERVICE,
        COMMANDS,
        scheduling,
        workers=scheduling.settings.command_workers,
        refusals=(BookingRefused, ImpossibleTransition, Refused),
        refused=handlers.refused,
    )
