"""Notifications' subscriptions and publications, listed in one visible place."""

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseRequested,
    CompanionChanged,
    ConsentRequested,
    EvaluationRequested,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    NotificationFailed,
    NotificationSent,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
    PartyWithdrew,
    SummaryShared,
)
from mediation_runtime.service import ServiceEvents

from notifications import handlers
from notifications.handlers import Notifications

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    ConsentRequested,
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    PartyWithdrew,
    CaseClosed,
    SummaryShared,
    EvaluationRequested,
    CompanionChanged,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (NotificationSent, NotificationFailed)


def register_subscribers(events: ServiceEvents, notifications: Notifications) -> None:
    async def notify(event: CloudEvent) -> None:
        await handlers.when_event_notify(event, notifications)

    events.subscribe(dict.fromkeys(CONSUMES, notify))
