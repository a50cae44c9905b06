"""The composition root: builds the whole notifications app from settings. Tests use the same."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog
from faststream import FastStream
from mediation_runtime.delivery import create_broker
from mediation_runtime.locks import KeyedLock
from mediation_runtime.logging import configure_logging
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay
from mediation_runtime.service import declare_publishers, service_app
from mediation_runtime.views import ViewStore

from notifications import handlers
from notifications.adapters.deliveries import Deliveries
from notifications.adapters.reminders import Reminders
from notifications.channels.factory import senders_from_settings
from notifications.domain.contacts import CaseContacts
from notifications.entrypoints.subscribers import PUBLISHES, register_subscribers
from notifications.handlers import Notifications
from notifications.settings import SERVICE, NotificationsSettings

log = structlog.get_logger("notifications")

REMINDER_CHECK_SECONDS = 30.0
RETENTION_CHECK_SECONDS = 3600.0


def create_app(settings: NotificationsSettings) -> FastStream:
    configure_logging(settings.log_format, settings.log_level)
    broker = create_broker(settings.nats_url, SERVICE, settings.retry_delays)
    mongo = create_mongo_client(settings.mongodb_url)
    database = mongo[settings.database]
    locks = KeyedLock()
    relay = OutboxRelay(
        database["notifications"],
        declare_publishers(broker, SERVICE, PUBLISHES),
        locks,
        settings.outbox_poll_seconds,
    )
    due = asyncio.Event()
    notifications = Notifications(
        settings=settings,
        contacts=ViewStore(database["contacts"], CaseContacts, locks),
        deliveries=Deliveries(database["notifications"], on_outbox_written=relay.wake),
        reminders=Reminders(database["notifications"]),
        senders=senders_from_settings(settings.channels()),
        wake=due.set,
    )
    register_subscribers(broker, notifications)

    async def prepare() -> None:
        await notifications.deliveries.create_indexes()

    def every(
        seconds: float, work: Callable[[Notifications], Awaitable[int]], wake: asyncio.Event | None
    ) -> Callable[[], Coroutine[Any, Any, None]]:
        async def loop() -> None:
            while True:
                try:
                    await work(notifications)
                except Exception as error:  # the database may be away: next round
                    log.warning(
                        "periodic_work_failed", work=work.__name__, error_type=type(error).__name__
                    )
                if wake is None:
                    await asyncio.sleep(seconds)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=seconds)
                wake.clear()

        return loop

    return service_app(
        service=SERVICE,
        description="Tells people what they need to know, on their channel, Danish first, with "
        "nothing confidential: consent requests, meetings (with .ics), reminders, the end of a "
        "mediation, the close and its follow-up contact, that a summary is available.",
        settings=settings,
        broker=broker,
        mongo=mongo,
        relays=[relay],
        prepare=prepare,
        background=[
            every(settings.worker_poll_seconds, handlers.deliver_due, due),
            every(REMINDER_CHECK_SECONDS, handlers.send_due_reminders, None),
            every(RETENTION_CHECK_SECONDS, handlers.forget_expired_contacts, None),
        ],
    )
