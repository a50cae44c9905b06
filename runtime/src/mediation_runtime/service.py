"""The skeleton every service shares: declared publishers, the envelope check, the app lifecycle.

A service supplies its settings, broker, database and handlers; this module gives each the same
start-up (streams, consumer settings, indexes), outbox relay and shutdown, so knowing one
service means knowing all of them.
"""

import asyncio
import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union

import structlog
from faststream import FastStream, Path
from faststream.nats import JStream, NatsBroker, NatsMessage
from faststream.specification import AsyncAPI
from mediation_contracts.commands import COMMANDS, Reply, command_subscription
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import EVENTS_STREAM
from mediation_contracts.subjects import parse_subject
from pydantic import Field
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mediation_runtime.advisories import register_max_deliveries_handler
from mediation_runtime.bus import BusErrors
from mediation_runtime.delivery import (
    DeliveryPolicy,
    Lifeline,
    Rejected,
    apply_consumer_configs,
    create_broker,
    event_subscriber,
)
from mediation_runtime.documents import VersionedDocuments
from mediation_runtime.health import Health
from mediation_runtime.logging import configure_logging
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay, Publish
from mediation_runtime.settings import ServiceSettings
from mediation_runtime.streams import ensure_streams

log = structlog.get_logger("mediation.service")
EXIT_STOP_TIMED_OUT = 70


def check_envelope(event: CloudEvent, msg: NatsMessage) -> None:
    """A tenant may only speak on its own subjects, and an event only on its type's subject
    (subject permissions rely on both); binds the event's ids to every log line about this
    message."""
    subject = parse_subject(msg.raw_message.subject)
    if event.tenant != subject.tenant:
        raise Rejected(
            f"event tenant {event.tenant!r} does not match subject tenant {subject.tenant!r}"
        )
    if (event.aggregate, event.event) != (subject.aggregate, subject.event):
        # Permissions are per subject: a type from another subject would get round them.
        raise Rejected(
            f"event type {event.type!r} does not belong on {subject.aggregate}.{subject.event}"
        )
    structlog.contextvars.bind_contextvars(
        event_id=str(event.id),
        case_id=str(event.subject),
        tenant=event.tenant,
        correlation_id=str(event.correlationid or event.id),
        event_type=event.type,
    )


def declare_publishers(
    broker: NatsBroker,
    service: str,
    events: Sequence[type[CloudEvent]],
    errors: BusErrors | None = None,
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
        publishing = publishers[(parsed.aggregate, parsed.event)].publish(
            payload, subject=subject, headers=headers
        )
        await (errors.guard(subject, publishing) if errors else publishing)

    return publish


def subscribe_events(
    broker: NatsBroker,
    service: str,
    settings: ServiceSettings,
    handlers: Mapping[type[CloudEvent], Callable[[Any], Awaitable[None]]],
) -> None:
    """The service's one durable consumer of the events in ``handlers``, each checked
    (envelope, and a type that belongs to its subject) and handed to its handler:
    ``settings.event_workers`` at once, one case's (one subject's) in stream order."""
    policy: DeliveryPolicy = broker.context.get("delivery_policy")
    types = tuple(handlers)

    async def on_event(event: Any, msg: NatsMessage) -> None:
        check_envelope(event, msg)
        async with policy.lanes.hold(f"{event.tenant}:{event.subject}"):
            await handlers[type(event)](event)

    # One model per type, told apart by the ``type`` field (a Literal in each).
    on_event.__annotations__["event"] = (
        types[0] if len(types) == 1 else Annotated[Union[types], Field(discriminator="type")]  # noqa: UP007
    )
    event_subscriber(
        broker,
        service,
        types,
        max_deliveries=settings.max_deliveries,
        ack_wait=settings.ack_wait_seconds,
        workers=settings.event_workers,
    )(on_event)


def serve_commands(
    broker: NatsBroker,
    service: str,
    commands: Mapping[str, Callable[[Any, str, Any], Awaitable[Reply]]],
    deps: Any,
    *,
    workers: int,
    refusals: tuple[type[Exception], ...] = (),
    refused: Callable[[Any], Reply] | None = None,
) -> None:
    """Request-reply on ``mediation.cmd.v1.<tenant>.<service>.<command>``, answered by a queue
    group of the service's replicas, ``workers`` at a time per replica.

    ``commands`` maps each of the service's commands in the contract
    (:data:`mediation_contracts.commands.COMMANDS`, which gives its request model and
    description) to its handler; a handler gets the request, the subject's tenant and
    ``deps``. An exception of a ``refusals`` type is the
    service saying no: ``refused`` turns it into the reply. Anything else is answered
    ``unavailable`` by the delivery middleware."""
    contract = COMMANDS[service]
    if set(commands) != set(contract):
        raise ValueError(f"{service} must serve exactly its commands: {sorted(contract)}")
    for name, handler in commands.items():

        def bind(handler: Callable[[Any, str, Any], Awaitable[Reply]]) -> Callable[..., Any]:
            async def handle(request: Any, tenant: str = Path()) -> Reply:
                try:
                    return await handler(request, tenant, deps)
                except refusals as error:
                    assert refused is not None, "refusals need a refused(error) -> Reply"
                    return refused(error)

            return handle

        answer = bind(handler)
        answer.__annotations__["request"] = contract[name].request
        answer.__name__ = name
        broker.subscriber(
            command_subscription(service, name),
            queue=service,
            max_workers=workers,
            title=f"{service}: {name}",
            description=contract[name].description,
        )(answer)


def periodically(
    seconds: float,
    work: Callable[[], Awaitable[Any]],
    wake: asyncio.Event | None = None,
) -> Callable[[], Coroutine[Any, Any, None]]:
    """Background work for ``service_app``: run ``work`` every ``seconds`` (or as soon as
    ``wake`` is set). A failure (the database away, say) is logged and retried next round."""

    async def loop() -> None:
        while True:
            try:
                await work()
            except Exception as error:
                log.warning(
                    "periodic_work_failed",
                    work=getattr(work, "__name__", "work"),
                    error_type=type(error).__name__,
                )
            if wake is None:
                await asyncio.sleep(seconds)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=seconds)
            wake.clear()

    return loop


SWEEP_SECONDS = 3600.0


@dataclass(frozen=True)
class Parts:
    """What every service is built from: the broker, its database, the outbox relay of the
    documents whose changes carry outgoing events, and every versioned collection it made
    (:meth:`documents`), which the service sweeps at start and hourly."""

    broker: NatsBroker
    mongo: AsyncMongoClient[dict[str, Any]]
    database: AsyncDatabase[dict[str, Any]]
    relay: OutboxRelay
    versioned: list[VersionedDocuments]

    @property
    def outbox(self) -> VersionedDocuments:
        """The versioned collection whose changes carry the service's events."""
        return self.relay.documents

    def documents(self, name: str) -> VersionedDocuments:
        """Another versioned collection of the service's database (events go through
        :attr:`outbox` only)."""
        for documents in self.versioned:
            if documents.name == name:
                return documents
        documents = VersionedDocuments(self.database, name)
        self.versioned.append(documents)
        return documents

    async def sweep(self) -> None:
        for documents in self.versioned:
            await documents.sweep()


def service_parts(
    settings: ServiceSettings,
    service: str,
    *,
    outbox_collection: str,
    publishes: Sequence[type[CloudEvent]],
) -> Parts:
    configure_logging(settings.log_format, settings.log_level)
    broker, errors, lifeline = create_broker(settings, service)
    broker.context.set_global("lifeline", lifeline)
    broker.context.set_global("stop_timeout", settings.stop_timeout_seconds)
    mongo = create_mongo_client(settings.mongodb_url)
    database = mongo[settings.database]
    outbox = VersionedDocuments(database, outbox_collection)
    relay = OutboxRelay(
        outbox,
        declare_publishers(broker, service, publishes, errors),
        settings.outbox_poll_seconds,
    )
    return Parts(broker, mongo, database, relay, [outbox])


def service_app(
    *,
    service: str,
    description: str,
    settings: ServiceSettings,
    parts: Parts,
    prepare: Callable[[], Awaitable[None]],
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> FastStream:
    """The FastStream app of a service, with the shared lifecycle around it. ``background``
    coroutines run while the service runs (periodic work such as retention)."""
    broker, mongo, relay = parts.broker, parts.mongo, parts.relay
    background = [*background, periodically(SWEEP_SECONDS, parts.sweep)]
    register_max_deliveries_handler(broker, service)
    app = FastStream(
        broker,
        logger=logging.getLogger(f"{service}.app"),
        specification=AsyncAPI(
            broker, title=f"Mediation {service}", version="1.0.0", description=description
        ),
    )
    tasks: list[asyncio.Task[None]] = []

    async def database_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    health = Health({"nats": functools.partial(broker.ping, 1.0), "database": database_answers})

    @app.on_startup
    async def start() -> None:
        if settings.health_address:
            await health.serve(settings.health_address)
        await ensure_streams(settings.bus_credentials(), settings.stream_replicas)
        await broker.connect()
        await apply_consumer_configs(
            broker.connection.jetstream(), broker.context.get("delivery_policy")
        )
        await prepare()

    @app.after_startup
    async def start_background_work() -> None:
        tasks.append(asyncio.create_task(relay.run_forever()))
        tasks.extend(asyncio.create_task(work()) for work in background)
        health.started = True

    @app.on_shutdown
    async def stop_background_work() -> None:
        lifeline: Lifeline = broker.context.get("lifeline")
        lifeline.stopping = True
        health.stopping = True
        policy: DeliveryPolicy = broker.context.get("delivery_policy")
        policy.stopping.set()  # messages held through an outage are let go
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await relay.flush(timeout=5.0)

    @app.after_shutdown
    async def close_database() -> None:
        await mongo.close()
        await health.close()

    lifeline: Lifeline = broker.context.get("lifeline")
    lifeline.exit = app.exit
    return app


def run(app: FastStream) -> None:
    """``python -m <service>``: run until SIGINT/SIGTERM, then stop gracefully, but exit
    within the stop timeout whatever hangs; exit non-zero when the service could not go on
    (its bus connection closed for good), so a supervisor restarts it."""
    broker = app.broker
    assert broker is not None
    lifeline: Lifeline = broker.context.get("lifeline")
    stop_timeout: float = broker.context.get("stop_timeout")

    def watchdog() -> None:
        log.error("stop_timed_out", seconds=stop_timeout)
        os._exit(EXIT_STOP_TIMED_OUT)

    async def main() -> None:
        running = asyncio.create_task(app.run())
        await asyncio.sleep(0)  # app.run() installs its signal handlers first; ours replace them
        loop = asyncio.get_running_loop()

        def stop() -> None:
            timer = threading.Timer(stop_timeout, watchdog)
            timer.daemon = True
            timer.start()
            app.exit()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop)
        await running

    asyncio.run(main())
    if lifeline.failure is not None:
        sys.exit(f"stopped: {lifeline.failure}")
