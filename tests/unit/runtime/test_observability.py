"""Traces and metrics without servers: trace context in and out of events, the counts of
how messages end, the metrics endpoint, and what tracing costs when it is off."""

import asyncio
import json
import uuid
from typing import Any

import pytest
from faststream.nats import NatsBroker, TestNatsBroker
from mediation_contracts.events import ConsentAnswerData, ConsentGiven
from mediation_runtime.delivery import DeliveryPolicy, NotYet, Rejected, deliver_event
from mediation_runtime.documents import outbox_entry
from mediation_runtime.health import Health
from mediation_runtime.metrics import ServiceMetrics, command_of, event_type_of
from mediation_runtime.telemetry import (
    TraceContextMiddleware,
    consuming,
    current_trace_context,
    tracing_wanted,
)
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.runtime.test_delivery_rules import DeadLetters, Message, Pauses, failing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
TRACER = TracerProvider().get_tracer("tests")


def consent(**extra: Any) -> ConsentGiven:
    event = ConsentGiven.create(
        tenant="kk",
        case_id=uuid.uuid4(),
        source="/tests",
        data=ConsentAnswerData(party_id="citizen-1"),
    )
    return event.model_copy(update=extra)


# --- the contract ------------------------------------------------------------------------


def test_an_event_without_trace_context_is_valid_and_says_nothing_of_it() -> None:
    document = json.loads(consent().to_json())
    assert "traceparent" not in document
    assert ConsentGiven.model_validate(document).traceparent is None


def test_a_malformed_trace_context_is_ignored_not_a_reason_to_refuse_the_event() -> None:
    """W3C Trace Context: a receiver starts a new trace instead; the event is applied."""
    document = json.loads(consent().to_json())
    for broken in ("garbage", "00-short-01", 42, "x" * 600):
        event = ConsentGiven.model_validate({**document, "traceparent": broken, "tracestate": 7})
        assert event.traceparent is None
        assert event.tracestate is None
    event = ConsentGiven.model_validate({**document, "traceparent": PARENT, "tracestate": "a=1"})
    assert (event.traceparent, event.tracestate) == (PARENT, "a=1")


# --- into the outbox ---------------------------------------------------------------------


def test_an_event_written_in_a_span_carries_that_span_into_the_outbox() -> None:
    with TRACER.start_as_current_span("handling") as span:
        entry = outbox_entry(consent())
        span_id = f"{span.get_span_context().span_id:016x}"
    stored = json.loads(entry["payload"])
    trace_id = f"{span.get_span_context().trace_id:032x}"
    assert stored["traceparent"].startswith(f"00-{trace_id}-{span_id}-")
    assert entry["traceparent"] == stored["traceparent"], "kept for the relay's headers too"


def test_an_event_written_outside_any_trace_carries_none() -> None:
    assert current_trace_context() == {}
    entry = outbox_entry(consent())
    assert "traceparent" not in json.loads(entry["payload"])
    assert "traceparent" not in entry


def test_an_event_that_names_its_trace_keeps_it() -> None:
    with TRACER.start_as_current_span("elsewhere"):
        entry = outbox_entry(consent(traceparent=PARENT))
    assert json.loads(entry["payload"])["traceparent"] == PARENT


# --- in from the bus ---------------------------------------------------------------------


async def test_the_trace_context_of_a_message_is_current_in_its_handler_header_or_envelope() -> (
    None
):
    broker = NatsBroker(middlewares=[TraceContextMiddleware])
    seen: list[dict[str, str]] = []

    @broker.subscriber("mediation.v1.kk.consent.given")
    async def handle(body: dict[str, Any]) -> None:
        seen.append(current_trace_context())

    other = f"00-{'1' * 32}-{'2' * 16}-01"
    async with TestNatsBroker(broker) as test_broker:
        subject = "mediation.v1.kk.consent.given"
        await test_broker.publish({"traceparent": PARENT}, subject)  # envelope only
        await test_broker.publish({"traceparent": PARENT}, subject, headers={"traceparent": other})
        await test_broker.publish({"traceparent": "garbage"}, subject)
        await test_broker.publish({"data": {}}, subject)
    assert [context.get("traceparent") for context in seen] == [PARENT, other, None, None]


def test_an_event_is_delivered_in_the_trace_it_came_with_header_or_envelope() -> None:
    """What ``event_delivery`` runs each event in when no spans are recorded: the header's
    context, else the envelope's; a malformed one starts none; nothing is left current."""
    other = f"00-{'1' * 32}-{'2' * 16}-01"
    subject = "mediation.v1.kk.consent.given"
    seen = []
    for headers, body in [
        (None, json.dumps({"traceparent": PARENT}).encode()),
        ({"traceparent": other}, json.dumps({"traceparent": PARENT}).encode()),
        (None, json.dumps({"traceparent": "garbage"}).encode()),
        ({}, b'{"data": {}}'),
    ]:
        with consuming(subject, headers, body):
            seen.append(current_trace_context().get("traceparent"))
    assert seen == [PARENT, other, None, None]
    assert current_trace_context() == {}


def test_tracing_is_on_only_with_an_otlp_endpoint() -> None:
    assert not tracing_wanted({})
    assert not tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": " "})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    assert not tracing_wanted(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}
    )


# --- how messages end, counted -----------------------------------------------------------


def sample(metrics: ServiceMetrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, {"service": "intake", **labels})
    return value or 0.0


def counted_policy(metrics: ServiceMetrics) -> DeliveryPolicy:
    return DeliveryPolicy("intake", (0.25, 0.5), DeadLetters(), pause=Pauses(), metrics=metrics)


@pytest.mark.parametrize(
    ("message", "handle", "outcome"),
    [
        (Message(), failing(), "acked"),
        (Message(), failing(RuntimeError("bug")), "retried"),
        (Message(), failing(NotYet("case unknown")), "retried"),
        (Message(), failing(Rejected("wrong tenant")), "dead_lettered"),
        (Message(deliveries=3), failing(RuntimeError("bug")), "dead_lettered"),
        (Message(b"not json"), failing(), "dead_lettered"),
    ],
)
async def test_each_message_is_counted_by_its_type_and_how_it_ended(
    message: Message, handle: Any, outcome: str
) -> None:
    metrics = ServiceMetrics("intake")
    await deliver_event(counted_policy(metrics), message, handle)
    labels = {"tenant": "kk", "event_type": "case.assessed"}
    assert sample(metrics, "mediation_events_handled_total", outcome=outcome, **labels) == 1
    others = {"acked", "retried", "dead_lettered", "released"} - {outcome}
    for other in others:
        assert sample(metrics, "mediation_events_handled_total", outcome=other, **labels) == 0
    dead = sample(metrics, "mediation_dead_letters_total", event_type="case.assessed")
    assert dead == (1 if outcome == "dead_lettered" else 0)


async def test_the_handler_time_is_observed_for_every_attempt() -> None:
    metrics = ServiceMetrics("intake")
    await deliver_event(counted_policy(metrics), Message(), failing())
    count = sample(metrics, "mediation_event_handler_seconds_count", event_type="case.assessed")
    assert count == 1


def test_labels_are_parts_of_known_subjects_never_the_subject_itself() -> None:
    assert event_type_of("mediation.v1.kk.case.requested") == ("kk", "case.requested")
    assert event_type_of("something.else.entirely") == ("", "unknown")
    assert command_of("mediation.cmd.v1.kk.scheduling.book_meeting") == ("kk", "book_meeting")
    assert command_of("mediation.cmd.v1.kk") == ("", "unknown")


# --- served --------------------------------------------------------------------------------


async def test_the_health_port_serves_the_metrics_in_prometheus_text_format() -> None:
    metrics = ServiceMetrics("intake")
    metrics.event_ended("mediation.v1.kk.case.requested", "acked")
    health = Health({}, metrics=metrics)
    await health.serve("127.0.0.1:0")
    assert health._server is not None
    port = health._server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await reader.read()
        writer.close()
    finally:
        await health.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"Content-Type: text/plain" in head
    families = {family.name for family in text_string_to_metric_families(body.decode())}
    assert "mediation_events_handled" in families
    assert "mediation_service_ready" in families


def test_without_a_tracer_provider_no_span_is_recorded() -> None:
    """Off (no OTLP endpoint), the API's no-op tracer stays: nothing is recorded anywhere."""
    assert not trace.get_current_span().is_recording()
