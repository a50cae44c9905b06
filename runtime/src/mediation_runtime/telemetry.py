"""Traces across services: W3C trace context with every event and command, OTLP export.

What travels: the W3C ``traceparent``/``tracestate`` of the work that caused a message. An
event carries it twice: in its envelope (the CloudEvents distributed-tracing extension, so it
survives the outbox, which stores the event before it is published) and in the NATS headers,
where FastStream's OpenTelemetry middleware reads and writes it. A command carries it in the
request's headers.

What records: :func:`consuming` (a consumer span per event, made by the delivery itself:
events go past FastStream's per-message path), FastStream's :class:`NatsTelemetryMiddleware`
(a consumer span per command, a producer span per publish), and the few spans only a
service knows (a notification's delivery). Spans carry subjects, ids and codes, never a
message's body.

When ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, the
service records spans and exports them over OTLP/HTTP (protobuf), batched; the standard
``OTEL_*`` variables (service name, resource attributes, sampler, batch delays, headers) apply.
Unset, nothing is recorded or exported, and FastStream's middleware is not installed: the
trace context an event or command arrived with is still passed on unchanged to the events it
causes (:func:`consuming`, :class:`TraceContextMiddleware`), at the cost of a header look-up
per message.
"""

import json
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from faststream import BaseMiddleware, StreamMessage
from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
_PROPAGATOR = TraceContextTextMapPropagator()
_BODY_MARK = b'"traceparent"'
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def tracing_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether an OTLP endpoint is configured (and the SDK not disabled)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def configure_tracing(service: str) -> Any:
    """The process's tracer provider, exporting over OTLP/HTTP, when :func:`tracing_wanted`;
    else None (the API's no-op tracer stays). Set as the global provider: a process is one
    service. Shut it down at stop, so the last spans are sent."""
    if not tracing_wanted():
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over these defaults.
    resource = Resource.create({"service.namespace": "mediation"}).merge(
        Resource.create(
            {SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or f"mediation-{service}"}
        )
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def broker_middlewares(tracer_provider: Any) -> list[Any]:
    """The broker's tracing middlewares, outermost first: the trace context of an event that
    carries it only in its envelope is taken from there; FastStream's OpenTelemetry
    middleware when spans are recorded."""
    middlewares: list[Any] = [TraceContextMiddleware]
    if tracer_provider is not None:
        from faststream.nats.opentelemetry import NatsTelemetryMiddleware

        middlewares.append(
            NatsTelemetryMiddleware(
                tracer_provider=tracer_provider, include_messages_counters=False
            )
        )
    return middlewares


def current_trace_context() -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the current span; empty when there is none."""
    if not trace.get_current_span().get_span_context().is_valid:
        return {}
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


@contextmanager
def continuing(carrier: Mapping[str, Any]) -> Iterator[None]:
    """Run the block in the trace ``carrier`` names (``traceparent``/``tracestate``), e.g.
    one stored with an event or a queued notification; as it is when it names none."""
    if not carrier.get(TRACEPARENT):
        yield
        return
    token = context.attach(_PROPAGATOR.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def consuming(subject: str, headers: Mapping[str, str] | None, body: bytes) -> Iterator[None]:
    """Handle one event from the bus in the trace it arrived with (the ``traceparent``
    header, else its envelope's; a malformed value starts a new trace): under a consumer span
    ``<subject> process`` when spans are recorded (what FastStream's middleware makes for a
    command), else that context made current as it is, so the events the handler causes
    carry it on."""
    carrier: Mapping[str, str] = headers or {}
    if TRACEPARENT not in carrier:
        carrier = _from_envelope(body)
    parent = _PROPAGATOR.extract(carrier) if carrier else None
    if not _recording():
        if parent is None or not trace.get_current_span(parent).get_span_context().is_valid:
            yield
            return
        token = context.attach(parent)
        try:
            yield
        finally:
            context.detach(token)
        return
    with trace.get_tracer("mediation.events").start_as_current_span(
        f"{subject} process",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "nats",
            "messaging.operation": "process",
            "messaging.destination.name": subject,
            "messaging.message.payload_size_bytes": len(body),
        },
    ):
        yield


def _recording() -> bool:
    """Whether spans are recorded: a provider was set (:func:`configure_tracing`, at start)."""
    return not isinstance(
        trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider
    )


def tracer(name: str) -> trace.Tracer:
    """A tracer of the configured provider (a no-op one when tracing is off)."""
    return trace.get_tracer(name)


def _from_envelope(body: bytes) -> dict[str, str]:
    """``traceparent``/``tracestate`` of a CloudEvent's envelope; only parsed when the body
    mentions them, so most messages cost a byte search."""
    if _BODY_MARK not in body:
        return {}
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(document, dict):
        return {}
    return {
        key: value
        for key in (TRACEPARENT, TRACESTATE)
        if isinstance(value := document.get(key), str) and len(value) <= 512
    }


class TraceContextMiddleware(BaseMiddleware[Any, Any]):
    """The trace context of every message FastStream processes (commands; events only under
    its test broker, see :func:`consuming`), wherever it came in: the ``traceparent`` header, else
    the event envelope's (the CloudEvents extension: a producer that writes structured events
    without headers). Copied into the headers, where FastStream's OpenTelemetry middleware
    reads it, and made current, so that the events a handler causes carry it on even when
    no spans are recorded. A malformed value is ignored (a new trace starts)."""

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        headers = msg.headers
        if TRACEPARENT not in headers:
            found = _from_envelope(msg.body)
            if not found:
                return await call_next(msg)
            headers.update(found)
        parent = _PROPAGATOR.extract(headers)
        if not trace.get_current_span(parent).get_span_context().is_valid:
            return await call_next(msg)
        token = context.attach(parent)
        try:
            return await call_next(msg)
        finally:
            context.detach(token)
