"""The composition root: builds the whole notifications app from settings. Tests use the same."""

import asyncio
from collections.abc import Awaitable, Callable

from mediation_runtime.personal_data import serve_data_rights
from mediation_runtime.service import ServiceApp, periodically, service_app, service_parts
from mediation_runtime.streams import iso
from mediation_runtime.views import ViewStore

from notifications import handlers
from notifications.adapters.channels.factory import senders_from_settings
from notifications.adapters.deliveries import Deliveries
from notifications.adapters.reminders import Reminders
from notifications.domain.contacts import CaseContacts
from notifications.entrypoints.subscribers import PUBLISHES, register_subscribers
from notifications.handlers import Notifications
from notifications.settings import SERVICE, NotificationsSettings

REMINDER_CHECK_SECONDS = 30.0
RETENTION_CHECK_SECONDS = 3600.0


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
    )
    register_subscribers(parts.events, notifications)
    serve_data_rights(
        parts.commands,
        parts.database,
        retention="Kontaktoplysninger glemmes "
        f"{iso(settings.contact_retention)} efter sagens lukning "
        "(NOTIFICATIONS_CONTACT_RETENTION); afsendte beskeder opbevares, til den registrerede "
        "får dem slettet (erase_person).",
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
            periodically(RETENTION_CHECK_SECONDS, work(handlers.forget_expired_contacts)),
        ],
    )
