"""The composition root: builds the whole scheduling app from settings. Tests use the same."""

from faststream import FastStream
from mediation_runtime.delivery import create_broker
from mediation_runtime.locks import KeyedLock
from mediation_runtime.logging import configure_logging
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay
from mediation_runtime.service import declare_publishers, service_app
from mediation_runtime.views import ViewStore

from scheduling.adapters.meetings import Meetings
from scheduling.adapters.reservations import Reservations
from scheduling.domain.case_view import CaseView
from scheduling.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from scheduling.handlers import Scheduling
from scheduling.settings import SERVICE, SchedulingSettings


def create_app(settings: SchedulingSettings) -> FastStream:
    configure_logging(settings.log_format, settings.log_level)
    broker = create_broker(settings.nats_url, SERVICE, settings.retry_delays)
    mongo = create_mongo_client(settings.mongodb_url)
    database = mongo[settings.database]
    locks = KeyedLock()
    relay = OutboxRelay(
        database["meetings"],
        declare_publishers(broker, SERVICE, PUBLISHES),
        locks,
        settings.outbox_poll_seconds,
    )
    scheduling = Scheduling(
        settings=settings,
        views=ViewStore(database["case_views"], CaseView, locks),
        meetings=Meetings(database["meetings"], locks, on_outbox_written=relay.wake),
        reservations=Reservations(
            database["reservations"], settings.policy_for("default").granularity
        ),
    )
    register_subscribers(broker, scheduling)
    register_commands(broker, scheduling)

    async def prepare() -> None:
        await scheduling.meetings.create_indexes()
        await scheduling.reservations.create_indexes()

    return service_app(
        service=SERVICE,
        description="Pre-meetings and mediation meetings: free slots, booking without double "
        "bookings, moving, cancelling, marking held.",
        settings=settings,
        broker=broker,
        mongo=mongo,
        relays=[relay],
        prepare=prepare,
    )
