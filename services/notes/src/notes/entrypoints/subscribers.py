"""Notes' subscriptions, commands and publications, listed in one visible place."""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import Path
from faststream.nats import NatsBroker, NatsMessage
from mediation_contracts.commands import (
    AuditTrail,
    ReadSummaries,
    Reply,
    ShareSummary,
    WriteSummary,
    command_subscription,
)
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
from mediation_runtime.delivery import event_subscriber
from mediation_runtime.service import check_envelope

from notes import handlers
from notes.handlers import Denied, Notes
from notes.refusals import refused
from notes.settings import SERVICE

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

COMMANDS: dict[str, tuple[type[Any], CommandHandler, str]] = {
    "write_summary": (
        WriteSummary,
        handlers.write_summary,
        "The case's mediator or note-taker writes the summary the citizen asked for.",
    ),
    "read_summaries": (
        ReadSummaries,
        handlers.read_summaries,
        "Read the case's summaries (staff of the case; parties once shared).",
    ),
    "share_summary": (
        ShareSummary,
        handlers.share_summary,
        "The mediator shares the summaries with the parties, once all agreed.",
    ),
    "audit_trail": (
        AuditTrail,
        handlers.audit_trail,
        "Every access to the case's summaries; for its mediator.",
    ),
}


def register_subscribers(broker: NatsBroker, notes: Notes) -> None:
    settings = notes.settings
    for event_type in CONSUMES:

        async def case_event(event: Any, msg: NatsMessage) -> None:
            check_envelope(event, msg)
            await handlers.when_case_event_update_view(event, notes)

        case_event.__annotations__["event"] = event_type
        case_event.__name__ = f"on_{event_type.aggregate}_{event_type.event}"
        event_subscriber(
            broker,
            SERVICE,
            event_type,
            max_deliveries=settings.max_deliveries,
            ack_wait=settings.ack_wait_seconds,
        )(case_event)


def register_commands(broker: NatsBroker, notes: Notes) -> None:
    """Request-reply on ``mediation.cmd.v1.<tenant>.notes.<command>``; each carries a token."""
    for name, (request_type, handler, description) in COMMANDS.items():

        def bind(handler: CommandHandler) -> Callable[..., Awaitable[Reply]]:
            async def answer(request: Any, tenant: str = Path()) -> Reply:
                try:
                    return await handler(request, tenant, notes)
                except Denied as denied:
                    return refused(denied.reason)

            return answer

        command = bind(handler)
        command.__annotations__["request"] = request_type
        command.__name__ = name
        broker.subscriber(
            command_subscription(SERVICE, name),
            queue=SERVICE,
            max_workers=4,
            title=f"{SERVICE}: {name}",
            description=description,
        )(command)
