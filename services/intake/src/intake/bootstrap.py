"""The composition root: builds the whole intake app from settings. Tests use the same."""

from faststream import FastStream
from mediation_runtime.delivery import create_broker
from mediation_runtime.locks import KeyedLock
from mediation_runtime.logging import configure_logging
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay
from mediation_runtime.service import declare_publishers, service_app

from intake.adapters.case_repository import CaseRepository
from intake.entrypoints.subscribers import PUBLISHES, register_subscribers
from intake.settings import SERVICE, IntakeSettings


def create_app(settings: IntakeSettings) -> FastStream:
    configure_logging(settings.log_format, settings.log_level)
    broker = create_broker(settings.nats_url, SERVICE, settings.retry_delays)
    mongo = create_mongo_client(settings.mongodb_url)
    collection = mongo[settings.database]["cases"]
    locks = KeyedLock()
    publish = declare_publishers(broker, SERVICE, PUBLISHES)
    relay = OutboxRelay(collection, publish, locks, settings.outbox_poll_seconds)
    cases = CaseRepository(collection, locks, on_outbox_written=relay.wake)
    register_subscribers(broker, cases, settings)
    return service_app(
        service=SERVICE,
        description="The mediation case lifecycle: request, suitability, consent, readiness, "
        "withdrawal, close.",
        settings=settings,
        broker=broker,
        mongo=mongo,
        relays=[relay],
        prepare=cases.create_indexes,
    )
