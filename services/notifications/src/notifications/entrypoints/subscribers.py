"""Notifications' subscriptions and publications, listed in one visible place."""

from typing import Any

from faststream.nats import NatsBroker, NatsMessage
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
from mediation_runtime.delivery import event_subscriber
from mediation_runtime.service import check_envelope

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
    settings = notifications.settings
    for event_type in CONSUMES:

        async def on_event(event: Any, msg: NatsMessage) -> None:
            check_envelope(event, msg)
            await handlers.when_event_notify(event, notifications)

        on_event.__annotations__["event"] = event_type
        on_event.__name__ = f"on_{event_type.aggregate}_{event_type.event}"
        event_subscriber(
            broker,
            SERVICE,
            event_type,
            max_deliveries=settings.max_deliveries,
            ack_wait=settings.ack_wait_seconds,
        )(on_event)
