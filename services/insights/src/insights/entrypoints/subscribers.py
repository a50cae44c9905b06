"""Insights' subscriptions, commands and publications, listed in one visible place."""

from collections.abc import Awaitable, Callable
from typing import Any

from mediation_contracts.commands import Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseRequested,
    CaseRequestRefused,
    ConsentDeclined,
    EvaluationRequested,
    FollowUpDue,
    FollowUpRecorded,
    MediatorAssigned,
    MeetingCancelled,
    MeetingHeld,
    MeetingRescheduled,
    MeetingScheduled,
    PartyWithdrew,
)
from mediation_runtime.service import ServiceCommands, ServiceEvents

from insights import handlers
from insights.domain.case_record import NotAllowed
from insights.handlers import Insights

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    CaseRequestRefused,
    CaseAssessed,
    MediatorAssigned,
    ConsentDeclined,
    PartyWithdrew,
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    MeetingHeld,
    CaseClosed,
    FollowUpRecorded,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (EvaluationRequested, FollowUpDue, FollowUpRecorded)

CommandHandler = Callable[[Any, str, Insights], Awaitable[Reply]]

COMMANDS: dict[str, CommandHandler] = {
    "open_evaluation": handlers.open_evaluation,
    "submit_evaluation": handlers.submit_evaluation,
    "record_reflection": handlers.record_reflection,
    "record_follow_up": handlers.record_follow_up,
    "list_follow_ups": handlers.list_follow_ups,
    "statistics": handlers.statistics,
}


def register_subscribers(events: ServiceEvents, insights: Insights) -> None:
    async def record(event: CloudEvent) -> None:
        await handlers.when_case_event_record_it(event, insights)

    events.subscribe(dict.fromkeys(CONSUMES, record))


def register_commands(commands: ServiceCommands, insights: Insights) -> None:
    """Every answer is a Reply; a refusal carries a stable code and Danish and English text."""
    commands.serve(
        COMMANDS,
        insights,
        workers=insights.settings.command_workers,
        refusals=(NotAllowed,),
        refused=handlers.refusal,
    )
