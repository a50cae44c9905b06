"""The composition root: builds the whole notifications app from settings. Tests use the same."""

import asyncio
from collections.abc import Awaitable, Callable

from mediation_runtime.personal_data import Document, erase_cases, serve_data_rights
from mediation_runtime.service import ServiceApp, periodically, service_app, service_parts
from mediation_runtime.streams import iso
from mediation_runtime.views import ViewStore

from notifications import handlers
from notifications.adapters.channels.factory import senders_from_settings
from notifications.adapters.deliveries import Deliveries
from notifications.adapters.metrics import NotificationMetrics
from notifications.adapters.reminders import Reminders
from notifications.domain.contacts import CaseContacts
from notifications.entrypoints.subscribers import PUBLISHES, register_subscribers
from notifications.handlers import Notifications
from notifications.settings import SERVICE, NotificationsSettings

REMINDER_CHECK_SECONDS = 30.0


def not_yet_sent(_collection: str, document: Document) -> bool:
    """A correction reaches the case's contacts and the messages still to be sent; a
    message sent (or failed) is the record of where it went, and stays so."""
    return document.get("kind") != "delivery" or document.get("state") == "pending"


def create_app(settings: NotificationsSettings) -> ServiceApp:
    parts = service_parts(settings, SERVICE, outbox_collection="notifications", publishes=PUBLISHES)
    due = asyncio.Event()
    notifications = Notifications(
        settings=settings,
        contacts=ViewStore(parts.documents("contacts"), CaseContacts),
        deliveries=Deliveries(parts.outbox),
        reminders=Reminders(parts.outbox),
        senders=senders_from_settings(settings.channels()),
        wake=due.set,
        metrics=NotificationMetrics(parts.metrics.registry),
        erase_cases=lambda tenant, case_ids: erase_cases(parts.database, tenant, case_ids),
    )
    register_subscribers(parts.events, notifications)
    serve_data_rights(
        parts.commands,
        parts.database,
        retention="Navne og kontaktoplysninger slettes "
        f"{iso(settings.contact_retention)} efter sagens lukning "
        "(NOTIFICATIONS_CONTACT_RETENTION), også i de afsendte beskeder, eller før, når den "
        "registrerede får dem slettet (erase_person); id'er og koder bevares.",
        correctable=not_yet_sent,
    )

    async def prepare() -> None:
        await notifications.deliveries.create_indexes()

    def work(step: Callable[[Notifications], Awaitable[int]]) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            return await step(notifications)

        run.__name__ = step.__name__
        return run

    return service_app(
        service=SERVICE,
        description="Tells people what they need to know, on their channel, Danish first, with "
        "nothing confidential: consent requests, meetings (with .ics), reminders, the end of a "
        "mediation, the close and its follow-up contact (and that contact, when the citizen "
        "agreed), that a summary is available, the invitation to evaluate the mediation.",
        settings=settings,
        parts=parts,
        prepare=prepare,
        background=[
            periodically(settings.worker_poll_seconds, work(handlers.deliver_due), due),
            periodically(REMINDER_CHECK_SECONDS, work(handlers.send_due_reminders)),
            periodically(settings.retention_sweep_seconds, work(handlers.forget_expired_contacts)),
        ],
    )
