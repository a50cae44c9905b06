"""Prometheus metrics of a service, served at ``/metrics`` beside the health probes.

Two sources, one registry per service:

- FastStream's :class:`NatsPrometheusMiddleware` (``faststream_*``): messages received,
  processed (by status) and published, their sizes and durations, per subject.
- Ours (``mediation_*``), what only the service knows: how each event ended under the
  delivery rules (acked, retried, dead-lettered, released), handler latency, dead letters,
  waits through outages, command latency by command and answer (``ok`` or the refusal
  code), the outbox's backlog and age and the consumer's pending counts (sampled every
  ``metrics_sample_seconds``), whether the service is ready, how many objects are kept out
  of the garbage collector's full collections (:func:`mediation_runtime.service.
  freeze_what_start_built`), and whatever a service adds (notifications: sent and failed
  by channel and code).

Labels are the service, subjects' parts (tenant, aggregate, event, command) and codes: never
ids of people or cases, never free text. Subjects come from the consumers' filters and the
commands' subscriptions, so their number is bounded by tenants times types.
"""

import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js import JetStreamContext
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
EVENT_OUTCOMES = ("acked", "retried", "dead_lettered", "released")
"""How the delivery rules ended a message (:mod:`mediation_runtime.delivery`): handled or
refused as a duplicate; nacked to come back after a delay; parked in the dead-letter stream;
let go unhandled while the service stops or the bus is away (JetStream redelivers it)."""
CONTENT_TYPE = CONTENT_TYPE_LATEST


def event_type_of(subject: str) -> tuple[str, str]:
    """``(tenant, "<aggregate>.<event>")`` of ``mediation.v1.<tenant>.<aggregate>.<event>``;
    ``("", "unknown")`` for anything else (never the subject itself: it is not ours)."""
    parts = subject.split(".")
    if len(parts) == 5 and parts[0] == "mediation" and parts[1] == "v1":
        return parts[2], f"{parts[3]}.{parts[4]}"
    return "", "unknown"


def command_of(subject: str) -> tuple[str, str]:
    """``(tenant, command)`` of ``mediation.cmd.v1.<tenant>.<service>.<command>``."""
    parts = subject.split(".")
    if len(parts) == 6 and parts[:3] == ["mediation", "cmd", "v1"]:
        return parts[3], parts[5]
    return "", "unknown"


class ServiceMetrics:
    """The ``mediation_*`` metrics of one service, in its own registry (several services in
    one process, as some tests run them, keep theirs apart)."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None) -> None:
        self.service = service
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "mediation_events_handled",
            "Events handled, by how the delivery rules ended them "
            "(acked, retried, dead_lettered, released).",
            ["service", "tenant", "event_type", "outcome"],
            registry=r,
        )
        self.handler_seconds = Histogram(
            "mediation_event_handler_seconds",
            "Time one attempt at handling an event took (its case's lane included).",
            ["service", "event_type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.dead_letters = Counter(
            "mediation_dead_letters",
            "Messages parked in the dead-letter stream (invalid, refused, or out of "
            "deliveries, including those found by JetStream's max-deliveries advisory).",
            ["service", "event_type"],
            registry=r,
        )
        self.waits = Counter(
            "mediation_event_waits",
            "Pauses of an event held without counting a delivery: through an outage of the "
            "database, the bus or another dependency, or for the consumer's backlog.",
            ["service", "why"],
            registry=r,
        )
        self.command_seconds = Histogram(
            "mediation_command_seconds",
            "Time to answer a command, by command and answer (ok, or the refusal code).",
            ["service", "command", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_pending = Gauge(
            "mediation_outbox_pending_records",
            "Changes whose events are not published yet (sampled).",
            ["service"],
            registry=r,
        )
        self.outbox_age = Gauge(
            "mediation_outbox_oldest_age_seconds",
            "Age of the oldest change whose events are not published yet; 0 when none (sampled).",
            ["service"],
            registry=r,
        )
        self.consumer_pending = Gauge(
            "mediation_consumer_pending_messages",
            "Messages of the stream the service's consumer has not delivered yet (sampled).",
            ["service", "consumer"],
            registry=r,
        )
        self.consumer_ack_pending = Gauge(
            "mediation_consumer_ack_pending_messages",
            "Messages delivered to the service's consumer and not acknowledged yet (sampled).",
            ["service", "consumer"],
            registry=r,
        )
        self.ready = Gauge(
            "mediation_service_ready",
            "1 while the service is ready (the same checks as /readyz), else 0 (sampled).",
            ["service"],
            registry=r,
        )
        self.gc_frozen = Gauge(
            "mediation_gc_frozen_objects",
            "Objects built at start that the garbage collector's full collections skip "
            "(gc.freeze); 0: every full collection walks them all.",
            ["service"],
            registry=r,
        )
        self.gc_frozen.labels(service).set_function(gc.get_freeze_count)
        self.samples_failed = Counter(
            "mediation_metrics_samples_failed",
            "Samples of the outbox or the consumers that could not be taken (database or "
            "bus away).",
            ["service", "what"],
            registry=r,
        )
        for outcome in EVENT_OUTCOMES:  # known series exist from the start, at 0
            self.events.labels(service, "", "unknown", outcome)
        self.dead_letters.labels(service, "unknown")
        self.ready.labels(service).set(0)

    def event_ended(self, subject: str, outcome: str) -> None:
        tenant, event_type = event_type_of(subject)
        self.events.labels(self.service, tenant, event_type, outcome).inc()

    def handler_took(self, subject: str, seconds: float) -> None:
        self.handler_seconds.labels(self.service, event_type_of(subject)[1]).observe(seconds)

    def dead_lettered(self, subject: str) -> None:
        self.dead_letters.labels(self.service, event_type_of(subject)[1]).inc()

    def waited(self, why: str) -> None:
        self.waits.labels(self.service, why).inc()

    def command_answered(self, subject: str, outcome: str, seconds: float) -> None:
        self.command_seconds.labels(self.service, command_of(subject)[1], outcome).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def faststream_middleware(self) -> Any:
        """FastStream's Prometheus middleware, into this registry, ``app_name`` the service."""
        from faststream.nats.prometheus import NatsPrometheusMiddleware

        return NatsPrometheusMiddleware(registry=self.registry, app_name=self.service)

    async def sample(
        self,
        *,
        outbox: Any,
        jetstream: Callable[[], JetStreamContext],
        stream: str,
        consumers: list[str],
        readiness: Callable[[], Awaitable[bool]],
    ) -> None:
        """Take the sampled gauges: the outbox's markers (one count and one sorted read of a
        collection that is empty when all is well), the consumers' info, readiness."""
        service = self.service
        try:
            pending = await outbox.markers.count_documents({})
            oldest = None
            if pending:
                oldest = await outbox.markers.find_one({}, {"at": 1}, sort=[("at", 1)])
            self.outbox_pending.labels(service).set(pending)
            age = 0.0
            if oldest is not None and oldest.get("at") is not None:
                age = max(0.0, time.time() - oldest["at"].timestamp())
            self.outbox_age.labels(service).set(age)
        except Exception:
            self.samples_failed.labels(service, "outbox").inc()
        for name in consumers:
            try:
                info = await jetstream().consumer_info(stream, name, timeout=2)
            except Exception:
                self.samples_failed.labels(service, "consumer").inc()
                continue
            self.consumer_pending.labels(service, name).set(info.num_pending or 0)
            self.consumer_ack_pending.labels(service, name).set(info.num_ack_pending or 0)
        try:
            self.ready.labels(service).set(1 if await readiness() else 0)
        except Exception:
            self.ready.labels(service).set(0)
