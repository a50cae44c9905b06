"""Notes' subscriptions, commands and publications, listed in one visible place."""

from collections.abc import Awaitable, Callable
from typing import Any

from mediation_contracts.commands import Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseRequested,
    MediatorAssigned,
    PartyWithdrew,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummaryDestroyed,
    SummaryRecorded,
    SummaryShared,
    SummarySharingAgreed,
)
from mediation_runtime.service import ServiceCommands, ServiceEvents

from notes import handlers
from notes.handlers import Denied, Notes
from notes.refusals import refused

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    MediatorAssigned,
    PartyWithdrew,
    CaseClosed,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (SummaryRecorded, SummaryShared, SummaryDestroyed)

CommandHandler = Callable[[Any, str, Notes], Awaitable[Reply]]

COMMANDS: dict[str, CommandHandler] = {
    "write_summary": handlers.write_summary,
    "read_summaries": handlers.read_summaries,
    "share_summary": handlers.share_summary,
    "audit_trail": handlers.audit_trail,
    "summary_status": handlers.summary_status,
}


def register_subscribers(events: ServiceEvents, notes: Notes) -> None:
    async def update_view(event: CloudEvent) -> None:
        await handlers.when_case_event_update_view(event, notes)

    events.subscribe(dict.fromkeys(CONSUMES, update_view))


def register_commands(commands: ServiceCommands, notes: Notes) -> None:
    """Every request carries a token; every answer is a Reply."""
    commands.serve(
        COMMANDS,
        notes,
        workers=4,
        refusals=(Denied,),
        refused=lambda denied: refused(denied.reason),
    )
