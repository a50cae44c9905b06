"""The composition root: builds the whole intake app from settings. Tests use the same."""

import asyncio
import logging

from faststream import FastStream
from faststream.specification import AsyncAPI
from mediation_runtime.advisories import register_max_deliveries_handler
from mediation_runtime.delivery import apply_consumer_configs, create_broker
from mediation_runtime.locks import KeyedLock
from mediation_runtime.logging import configure_logging
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay
from mediation_runtime.streams import ensure_streams

from intake.adapters.case_repository import CaseRepository
from intake.entrypoints.subscribers import register_publishers, register_subscribers
from intake.settings import SERVICE, IntakeSettings


def create_app(settings: IntakeSettings) -> FastStream:
    configure_logging(settings.log_format, settings.log_level)
    broker = create_broker(settings.nats_url, SERVICE, settings.retry_delays)
    mongo = create_mongo_client(settings.mongodb_url)
    collection = mongo[settings.database]["cases"]
    locks = KeyedLock()
    relay = OutboxRelay(
        collection, register_publishers(broker), locks, settings.outbox_poll_seconds
    )
    cases = CaseRepository(collection, locks, on_outbox_written=relay.wake)
    register_subscribers(broker, cases, settings)
    register_max_deliveries_handler(broker, SERVICE)

    app = FastStream(
        broker,
        logger=logging.getLogger("intake.app"),
        specification=AsyncAPI(
            broker,
            title="Mediation intake",
            version="1.0.0",
            description="The mediation case lifecycle: request, suitability, consent, readiness, "
            "withdrawal, close.",
        ),
    )
    relay_task: list[asyncio.Task[None]] = []

    @app.on_startup
    async def prepare() -> None:
        await ensure_streams(settings.nats_url, settings.stream_replicas)
        await broker.connect()
        await apply_consumer_configs(broker)
        await cases.create_indexes()

    @app.after_startup
    async def start_relay() -> None:
        relay_task.append(asyncio.create_task(relay.run_forever(), name="outbox-relay"))

    @app.on_shutdown
    async def stop_relay() -> None:
        for task in relay_task:
            task.cancel()
        await asyncio.gather(*relay_task, return_exceptions=True)
        await relay.flush(timeout=5.0)

    @app.after_shutdown
    async def close_database() -> None:
        await mongo.close()

    return app
