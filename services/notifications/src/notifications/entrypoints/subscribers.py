"""Notifications' subscriptions and publications, listed in one visible place."""

from faststream.nats import NatsBroker
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseRequested,
    ConsentRequested,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    NotificationFailed,
    NotificationSent,
    PartyWithdrew,
    SummaryShared,
)
from mediation_runtime.service import subscribe_events

from notifications import handlers
from notifications.handlers import Notifications
from notifications.settings import SERVICE

CONSUMES: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    ConsentRequested,
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    PartyWithdrew,
    CaseClosed,
    SummaryShared,
)
PUBLISHES: tuple[type[CloudEvent], ...] = (NotificationSent, NotificationFailed)


def register_subscribers(broker: NatsBroker, notifications: Notifications) -> None:
    async def notify(event: CloudEvent) -> None:
        await handlers.when_event_notify(event, notifications)

    subscribe_events(broker, SERVICE, notifications.settings, dict.fromkeys(CONSUMES, notify))
