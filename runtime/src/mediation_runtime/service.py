"""The skeleton every service shares: declared publishers, the envelope check, the app lifecycle.

A service supplies its settings, broker, database and handlers; this module gives each the same
start-up (streams, consumer settings, indexes), outbox relay and shutdown, so knowing one
service means knowing all of them.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import structlog
from faststream import FastStream
from faststream.nats import JStream, NatsBroker, NatsMessage
from faststream.specification import AsyncAPI
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import EVENTS_STREAM
from mediation_contracts.subjects import parse_subject
from pymongo import AsyncMongoClient

from mediation_runtime.advisories import register_max_deliveries_handler
from mediation_runtime.delivery import Rejected, apply_consumer_configs
from mediation_runtime.outbox import OutboxRelay, Publish
from mediation_runtime.settings import ServiceSettings
from mediation_runtime.streams import ensure_streams


def check_envelope(event: CloudEvent, msg: NatsMessage) -> None:
    """A tenant may only speak on its own subjects (subject permissions rely on it); binds the
    event's ids to every log line about this message."""
    subject_tenant = parse_subject(msg.raw_message.subject).tenant
    if event.tenant != subject_tenant:
        raise Rejected(
            f"event tenant {event.tenant!r} does not match subject tenant {subject_tenant!r}"
        )
    structlog.contextvars.bind_contextvars(
        event_id=str(event.id),
        case_id=str(event.subject),
        tenant=event.tenant,
        correlation_id=str(event.correlationid or event.id),
        event_type=event.type,
    )


def declare_publishers(
    broker: NatsBroker, service: str, events: Sequence[type[CloudEvent]]
) -> Publish:
    """Declare what a service publishes (so the AsyncAPI document is complete) and return the
    outbox relay's sink, which publishes through those declarations."""
    publishers = {
        (cls.aggregate, cls.event): broker.publisher(
            f"mediation.v1.{{tenant}}.{cls.aggregate}.{cls.event}",
            stream=JStream(EVENTS_STREAM, declare=False),
            schema=cls,
            title=f"{service}: {cls.__name__}",
            description=(cls.__doc__ or "").strip(),
        )
        for cls in events
    }

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        parsed = parse_subject(subject)
        await publishers[(parsed.aggregate, parsed.event)].publish(
            payload, subject=subject, headers=headers
        )

    return publish


def service_app(
    *,
    service: str,
    description: str,
    settings: ServiceSettings,
    broker: NatsBroker,
    mongo: AsyncMongoClient[dict[str, Any]],
    relays: Sequence[OutboxRelay],
    prepare: Callable[[], Awaitable[None]],
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> FastStream:
    """The FastStream app of a service, with the shared lifecycle around it. ``background``
    coroutines run while the service runs (periodic work such as retention)."""
    register_max_deliveries_handler(broker, service)
    app = FastStream(
        broker,
        logger=logging.getLogger(f"{service}.app"),
        specification=AsyncAPI(
            broker, title=f"Mediation {service}", version="1.0.0", description=description
        ),
    )
    tasks: list[asyncio.Task[None]] = []

    @app.on_startup
    async def start() -> None:
        await ensure_streams(settings.nats_url, settings.stream_replicas)
        await broker.connect()
        await apply_consumer_configs(broker)
        await prepare()

    @app.after_startup
    async def start_background_work() -> None:
        tasks.extend(asyncio.create_task(relay.run_forever()) for relay in relays)
        tasks.extend(asyncio.create_task(work()) for work in background)

    @app.on_shutdown
    async def stop_background_work() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for relay in relays:
            await relay.flush(timeout=5.0)

    @app.after_shutdown
    async def close_database() -> None:
        await mongo.close()

    return app
