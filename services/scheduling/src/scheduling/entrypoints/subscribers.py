"""Scheduling's subscriptions, commands and publications, listed in one visible place."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream import Path
from faststream.nats import NatsBroker, NatsMessage
from mediation_contracts.commands import (
    BookMeeting,
    CancelMeeting,
    ListMeetings,
    MarkMeetingHeld,
    MoveMeeting,
    Reply,
    SuggestSlots,
    command_subscription,
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
from mediation_runtime.delivery import event_subscriber
from mediation_runtime.service import check_envelope

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
    settings = scheduling.settings
    for event_type in CONSUMES:

        async def case_event(event: Any, msg: NatsMessage) -> None:
            check_envelope(event, msg)
            await handlers.when_case_event_update_view(event, scheduling)

        case_event.__annotations__["event"] = event_type
        case_event.__name__ = f"on_{event_type.aggregate}_{event_type.event}"
        event_subscriber(
            broker,
            SERVICE,
            event_type,
            max_deliveries=settings.max_deliveries,
            ack_wait=settings.ack_wait_seconds,
        )(case_event)


def register_commands(broker: NatsBroker, scheduling: Scheduling) -> None:
    """Request-reply on ``mediation.cmd.v1.<tenant>.scheduling.<command>``; every answer is a
    Reply, a refusal carries a stable code and Danish and English text."""
    for name, (request_type, handler, description) in COMMANDS.items():

        def bind(handler: CommandHandler[Any]) -> Callable[..., Awaitable[Reply]]:
            async def answer(request: Any, tenant: str = Path()) -> Reply:
                try:
                    return await handler(request, tenant, scheduling)
                except (BookingRefused, ImpossibleTransition, Refused) as error:
                    return handlers.refused(error)

            return answer

        command = bind(handler)
        command.__annotations__["request"] = request_type
        command.__name__ = name
        broker.subscriber(
            command_subscription(SERVICE, name),
            queue=SERVICE,
            max_workers=scheduling.settings.command_workers,
            title=f"{SERVICE}: {name}",
            description=description,
        )(command)
