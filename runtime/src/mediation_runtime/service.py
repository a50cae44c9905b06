"""The skeleton every service shares: declared publishers, the envelope check, the app lifecycle.

A service supplies its settings, broker, database and handlers; this module gives each the same
start-up (streams, consumer settings, indexes), outbox relay and shutdown, so knowing one
service means knowing all of them.
"""

import asyncio
import contextlib
import functools
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union

import structlog
from faststream import FastStream
from faststream.nats import JStream, NatsBroker, NatsRouter
from faststream.specification import AsyncAPI
from mediation_contracts.commands import COMMANDS, Reply, command_subscription
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import EVENTS_STREAM
from mediation_contracts.subjects import parse_subject
from opentelemetry import trace
from pydantic import Field, ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mediation_runtime.advisories import register_max_deliveries_handler
from mediation_runtime.bus import BusErrors
from mediation_runtime.delivery import (
    CommandMiddleware,
    DeliveryPolicy,
    EventMiddleware,
    Lifeline,
    ModelRefused,
    Rejected,
    apply_consumer_configs,
    create_broker,
    delivered_subject,
    event_delivery,
    event_subscriber,
)
from mediation_runtime.documents import VersionedDocuments
from mediation_runtime.health import Health
from mediation_runtime.logging import configure_logging
from mediation_runtime.metrics import ServiceMetrics
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay, Publish
from mediation_runtime.settings import ServiceSettings
from mediation_runtime.streams import ensure_streams
from mediation_runtime.telemetry import configure_tracing, continuing

log = structlog.get_logger("mediation.service")
EXIT_STOP_TIMED_OUT = 70


def check_envelope(event: CloudEvent, delivered_on: str) -> None:
    """A tenant may only speak on its own subjects, and an event only on its type's subject
    (subject permissions rely on both); binds the event's ids to every log line about this
    message, and to its span."""
    subject = parse_subject(delivered_on)
    if event.tenant != subject.tenant:
        raise Rejected(
            f"event tenant {event.tenant!r} does not match subject tenant {subject.tenant!r}"
        )
    if (event.aggregate, event.event) != (subject.aggregate, subject.event):
        # Permissions are per subject: a type from another subject would get round them.
        raise Rejected(
            f"event type {event.type!r} does not belong on {subject.aggregate}.{subject.event}"
        )
    ids = {
        "event_id": str(event.id),
        "case_id": str(event.subject),
        "tenant": event.tenant,
        "correlation_id": str(event.correlationid or event.id),
        "event_type": event.type,
    }
    structlog.contextvars.bind_contextvars(**ids)
    span = trace.get_current_span()
    if span.is_recording():  # ids only: the span is exported
        span.set_attributes({f"mediation.{key}": value for key, value in ids.items()})


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
        # In the trace the event was written in: its publish span is part of that trace.
        with continuing(headers):
            publishing = publishers[(parsed.aggregate, parsed.event)].publish(
                payload, subject=subject, headers=headers
            )
            await (errors.guard(subject, publishing) if errors else publishing)

    return publish


Handle = Callable[[Any], Awaitable[None]]
"""A service's handler of one event type (bound to its dependencies by the service)."""
CommandHandler = Callable[[Any, str, Any], Awaitable[Reply]]
"""A command's handler: the request, the subject's tenant, the service's dependencies."""


def _documenting(model: Any) -> Callable[[Any], Awaitable[None]]:
    """The events subscriber FastStream declares: its one parameter annotated with ``model``
    (the event types, as the AsyncAPI document shows them). Never called: every message goes
    to :func:`~mediation_runtime.delivery.event_delivery` instead."""

    async def on_event(event: model) -> None:
        raise RuntimeError("events are delivered by event_delivery, not by FastStream")

    return on_event


def _answering(
    model: Any, name: str, handle: Callable[[Any, str], Awaitable[Reply]]
) -> Callable[..., Awaitable[Reply]]:
    """A command's subscriber: its request annotated with ``model`` (the contract's request
    model), its tenant read from the subject (``mediation.cmd.v1.<tenant>.…``)."""

    async def answer(request: model) -> Reply:
        try:
            return await handle(request, delivered_subject().split(".")[3])
        except ValidationError as error:
            # The request was read and validated before: a model refusing a value inside the
            # handler (stored data that no longer loads, say) is our failure, answered
            # ``unavailable`` and logged, not the caller's ``invalid_request``.
            raise ModelRefused(error) from None  # the chain would quote values

    answer.__name__ = name
    return answer


class ServiceEvents:
    """The events a service consumes: a router of its own, declaring the one consumer, whose
    messages are delivered under the service's :class:`DeliveryPolicy`
    (:func:`~mediation_runtime.delivery.event_delivery`)."""

    def __init__(self, service: str, settings: ServiceSettings, policy: DeliveryPolicy) -> None:
        self.service = service
        self.settings = settings
        self.policy = policy
        self._deliver: Callable[[Any], Awaitable[None]] | None = None
        self.router = NatsRouter(
            middlewares=[functools.partial(EventMiddleware, deliver=self._delivered)]
        )

    async def _delivered(self, msg: Any) -> None:
        assert self._deliver is not None, "a message before subscribe"
        await self._deliver(msg)

    def subscribe(self, handlers: Mapping[type[CloudEvent], Handle]) -> None:
        """The service's one durable consumer of the events in ``handlers``, each checked
        (envelope, and a type that belongs to its subject) and handed to its handler:
        ``settings.event_workers`` at once, one case's (one subject's) in stream order."""
        types = tuple(handlers)
        lanes, progress = self.policy.lanes, self.policy.progress

        async def handle(event: CloudEvent) -> None:
            check_envelope(event, delivered_subject())
            async with lanes.hold(f"{event.tenant}:{event.subject}"):
                try:
                    with progress.working():
                        await handlers[type(event)](event)
                except ValidationError as error:
                    # The event was read and validated before: not the sender's fault.
                    raise ModelRefused(error) from None  # the chain would quote values

        # One model per type, told apart by the ``type`` field (a Literal in each).
        model = (
            types[0] if len(types) == 1 else Annotated[Union[types], Field(discriminator="type")]  # noqa: UP007
        )
        self._deliver = event_delivery(self.policy, model, handle)
        event_subscriber(
            self.router,
            self.policy,
            types,
            _documenting(model),
            self._deliver,
            max_deliveries=self.settings.max_deliveries,
            ack_wait=self.settings.ack_wait_seconds,
            workers=self.settings.event_workers,
        )


class ServiceCommands:
    """The commands a service answers: a router of its own whose middleware answers every
    request (:class:`CommandMiddleware`)."""

    def __init__(self, service: str, metrics: ServiceMetrics) -> None:
        self.service = service
        self.router = NatsRouter(
            middlewares=[functools.partial(CommandMiddleware, metrics=metrics)]
        )
        self.served: set[str] = set()
        """Commands already answered (the data-rights ones, registered on their own)."""

    def serve(
        self,
        commands: Mapping[str, CommandHandler],
        deps: Any,
        *,
        workers: int,
        refusals: tuple[type[Exception], ...] = (),
        refused: Callable[[Any], Reply] | None = None,
    ) -> None:
        """Request-reply on ``mediation.cmd.v1.<tenant>.<service>.<command>``, answered by a
        queue group of the service's replicas, ``workers`` at a time per replica.

        ``commands`` maps each of the service's commands in the contract
        (:data:`mediation_contracts.commands.COMMANDS`, which gives its request model and
        description) to its handler; a handler gets the request, the subject's tenant and
        ``deps``. An exception of a ``refusals`` type is the service saying no: ``refused``
        turns it into the reply. Anything else is answered ``unavailable`` by the
        middleware."""
        service = self.service
        contract = COMMANDS[service]
        if set(commands) | self.served != set(contract) or set(commands) & self.served:
            raise ValueError(f"{service} must serve exactly its commands: {sorted(contract)}")
        if refusals and refused is None:
            raise ValueError("refusals need a refused(error) -> Reply")
        for name, handler in commands.items():

            def bind(handler: CommandHandler) -> Callable[[Any, str], Awaitable[Reply]]:
                async def handle(request: Any, tenant: str) -> Reply:
                    try:
                        return await handler(request, tenant, deps)
                    except refusals as error:
                        assert refused is not None
                        return refused(error)

                return handle

            self.answer(name, bind(handler), workers=workers)

    def answer(
        self, name: str, handle: Callable[[Any, str], Awaitable[Reply]], *, workers: int
    ) -> None:
        """Answer one command of the contract: ``handle`` gets the request and the tenant."""
        service, contract = self.service, COMMANDS[self.service]
        self.served.add(name)
        self.router.subscriber(
            command_subscription(service, name),
            queue=service,
            max_workers=workers,
            title=f"{service}: {name}",
            description=contract[name].description,
        )(_answering(contract[name].request, name, handle))


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
    """What every service is built from: the broker with its routers for the events the
    service consumes (:class:`ServiceEvents`) and the commands it answers
    (:class:`ServiceCommands`), its delivery policy and lifeline, its database, the outbox
    relay of the documents whose changes carry outgoing events, and every versioned
    collection it made (:meth:`documents`), which the service sweeps at start and hourly;
    its metrics (:mod:`mediation_runtime.metrics`), its bus errors (a refused publish) and its
    tracer provider (None: spans are not recorded, :mod:`mediation_runtime.telemetry`)."""

    broker: NatsBroker
    policy: DeliveryPolicy
    lifeline: Lifeline
    events: ServiceEvents
    commands: ServiceCommands
    mongo: AsyncMongoClient[dict[str, Any]]
    database: AsyncDatabase[dict[str, Any]]
    relay: OutboxRelay
    versioned: list[VersionedDocuments]
    metrics: ServiceMetrics
    errors: BusErrors
    tracer_provider: Any = None

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
    metrics = ServiceMetrics(service)
    tracer_provider = configure_tracing(service)
    broker, errors, lifeline, policy = create_broker(
        settings, service, metrics=metrics, tracer_provider=tracer_provider
    )
    events = ServiceEvents(service, settings, policy)
    commands = ServiceCommands(service, metrics)
    broker.include_routers(events.router, commands.router)
    mongo = create_mongo_client(settings.mongodb_url)
    database = mongo[settings.database]
    outbox = VersionedDocuments(database, outbox_collection)
    relay = OutboxRelay(
        outbox,
        declare_publishers(broker, service, publishes, errors),
        settings.outbox_poll_seconds,
    )
    return Parts(
        broker,
        policy,
        lifeline,
        events,
        commands,
        mongo,
        database,
        relay,
        [outbox],
        metrics,
        errors,
        tracer_provider,
    )


class ServiceApp(FastStream):
    """A service's FastStream app, with what :func:`run` needs to end it: its lifeline and
    how long a stop may take."""

    def __init__(
        self,
        broker: NatsBroker,
        *,
        lifeline: Lifeline,
        stop_timeout: float,
        logger: logging.Logger,
        specification: AsyncAPI,
    ) -> None:
        super().__init__(broker, logger=logger, specification=specification)
        self.lifeline = lifeline
        self.stop_timeout = stop_timeout
        lifeline.exit = self.exit


def service_app(
    *,
    service: str,
    description: str,
    settings: ServiceSettings,
    parts: Parts,
    prepare: Callable[[], Awaitable[None]],
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> ServiceApp:
    """The FastStream app of a service, with the shared lifecycle around it. ``background``
    coroutines run while the service runs (periodic work such as retention)."""
    broker = parts.broker
    register_max_deliveries_handler(
        parts.events.router, parts.policy, lambda: broker.connection.jetstream()
    )
    app = ServiceApp(
        broker,
        lifeline=parts.lifeline,
        stop_timeout=settings.stop_timeout_seconds,
        logger=logging.getLogger(f"{service}.app"),
        specification=AsyncAPI(
            broker, title=f"Mediation {service}", version="1.0.0", description=description
        ),
    )
    _attach_lifecycle(
        app, settings, parts, prepare, [*background, periodically(SWEEP_SECONDS, parts.sweep)]
    )
    return app


def _attach_lifecycle(
    app: ServiceApp,
    settings: ServiceSettings,
    parts: Parts,
    prepare: Callable[[], Awaitable[None]],
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]],
) -> None:
    """Start: health endpoint, streams, connection, consumers, the service's own
    preparation; then the relay and background work. Stop: let held messages go, stop the
    background work, flush the relay; then close the database and the health endpoint."""
    broker, mongo, relay = parts.broker, parts.mongo, parts.relay
    policy, lifeline = parts.policy, parts.lifeline
    tasks: list[asyncio.Task[None]] = []

    async def database_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    health = Health(
        {"nats": functools.partial(broker.ping, 1.0), "database": database_answers},
        metrics=parts.metrics,
        stalled_for=policy.progress.stalled_for,
        stall_seconds=settings.event_stall_seconds,
    )

    async def ready() -> bool:
        return (await health.readiness())[0]

    async def sample_metrics() -> None:
        await parts.metrics.sample(
            outbox=relay.documents,
            jetstream=lambda: broker.connection.jetstream(),
            stream=EVENTS_STREAM,
            consumers=[config.name for config in policy.consumers if config.name],
            readiness=ready,
        )

    if settings.health_address:  # the gauges are sampled only where they are served
        background = [*background, periodically(settings.metrics_sample_seconds, sample_metrics)]

    @app.on_startup
    async def start() -> None:
        if settings.health_address:
            await health.serve(settings.health_address)
        await ensure_streams(settings.bus_credentials(), settings.stream_replicas)
        await broker.connect()
        await apply_consumer_configs(broker.connection.jetstream(), policy)
        await prepare()

    @app.after_startup
    async def start_background_work() -> None:
        tasks.append(asyncio.create_task(relay.run_forever()))
        tasks.extend(asyncio.create_task(work()) for work in background)
        freeze_what_start_built()
        health.started = True

    @app.on_shutdown
    async def stop_background_work() -> None:
        lifeline.stopping = True
        health.stopping = True
        policy.stopping.set()  # messages held through an outage are let go
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await relay.flush(timeout=5.0)

    @app.after_shutdown
    async def close_database() -> None:
        await mongo.close()
        await health.close()
        if parts.tracer_provider is not None:
            # The last spans go out now (the batch would otherwise die with the process).
            await asyncio.to_thread(parts.tracer_provider.shutdown)


def freeze_what_start_built() -> None:
    """Keep the objects built at start (modules, models, the broker: about 90,000) out of the
    garbage collector's full collections, which otherwise walk them all (``gc.freeze``: they
    live as long as the process anyway). Garbage left from start is collected first.

    Measured on notes draining 10,000 events: a full collection every 3.5 s, 63-100 ms each,
    a pause for every message in hand; frozen, 1 ms each, and 515 -> 620 events a second
    (CPU per event 1.72 -> 1.41 ms)."""
    gc.collect()
    gc.freeze()


def run(app: ServiceApp) -> None:
    """``python -m <service>``: run until SIGINT/SIGTERM, then stop gracefully, but exit
    within the stop timeout whatever hangs; exit non-zero when the service could not go on
    (its bus connection closed for good), so a supervisor restarts it."""
    lifeline, stop_timeout = app.lifeline, app.stop_timeout

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
