"""What an operator sees: one trace per case across the services, and their metrics.

The services run as real processes (``python -m <service>``, as in production) against the
real nats-server and FerretDB, with ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at an OTLP/HTTP
receiver in this test process (:mod:`otlp_receiver`), which stands where an operator's
OpenTelemetry collector would. So what is asserted is what a tracing backend would be sent:
the services' own SDK set-up, FastStream's middleware, the exporter and the wire format are
all real; only the backend is the test's. (Running the services in-process with an in-memory
exporter would skip the OTLP configuration that operators rely on, and would share one
global tracer provider between three services.)

The test acts as the mediator client and the other systems: it starts a trace (its own root
span), publishes the request with the trace context in the CloudEvent only (the
distributed-tracing extension, as a system without NATS headers would), the follow-ups with
the context of the events they answer, and asks for slots and the booking with the context
in the request's headers. Intake, scheduling and notifications then continue that trace.

Metrics are read from each service's ``/metrics`` on its health port, as Prometheus would.
"""

import asyncio
import json
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from mediation_contracts.commands import BookMeeting, Reply, SuggestSlots, command_subject
from mediation_contracts.envelope import CloudEvent
from nats.aio.client import Client
from nats.js import JetStreamContext
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client.parser import text_string_to_metric_families

from tests.data.scenario import PERSONAL_DATA, Scenario
from tests.integration.bus import events_of, wait_for
from tests.integration.observability.otlp_receiver import OtlpReceiver, otlp_receiver
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

SERVICES = ("intake", "scheduling", "notifications")
PROPAGATOR = TraceContextTextMapPropagator()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as started:
        yield started


@pytest.fixture(scope="module")
def traced(
    bus: LiveBus,
    mongodb_url: str,
    receiver: OtlpReceiver,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[ServiceProcess, str]]]:
    """Intake, scheduling and notifications exporting spans to ``receiver``, each serving
    its metrics on a port of its own: name -> (process, metrics URL)."""
    directory = tmp_path_factory.mktemp("observability")
    started: dict[str, tuple[ServiceProcess, str]] = {}
    try:
        for service in SERVICES:
            port = free_port()
            process = ServiceProcess(
                service,
                bus,
                mongodb_url,
                directory / f"{service}.log",
                OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                OTEL_BSP_SCHEDULE_DELAY="100",  # ms: spans reach the receiver promptly
                HEALTH_ADDRESS=f"127.0.0.1:{port}",
                **{f"{service.upper()}_METRICS_SAMPLE_SECONDS": "0.5"},
                **(
                    {
                        "NOTIFICATIONS_MODE": "file",
                        "NOTIFICATIONS_OUTBOX_DIR": str(directory / "outbox"),
                        "NOTIFICATIONS_WORKER_POLL_SECONDS": "0.2",
                    }
                    if service == "notifications"
                    else {}
                ),
            )
            process.start()
            started[service] = (process, f"http://127.0.0.1:{port}/metrics")
        yield started
    finally:
        for process, _ in started.values():
            process.stop()


def traceparent_of(trace_id: str, span_id: str) -> str:
    return f"00-{trace_id}-{span_id}-01"


async def ask(nc: Client, tenant: str, command: str, request: Any, trace: dict[str, str]) -> Reply:
    subject = command_subject(tenant, "scheduling", command)
    response = await nc.request(
        subject, request.model_dump_json().encode(), timeout=10, headers=trace
    )
    return Reply.model_validate_json(response.data)


async def publish(js: JetStreamContext, event: CloudEvent, headers: dict[str, str]) -> None:
    await js.publish(event.nats_subject(), event.to_json(), headers=headers or None)


async def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """``/metrics`` as Prometheus reads it: sample name -> [(labels, value)]."""

    def read() -> str:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
            assert answer.headers["Content-Type"].startswith("text/plain")
            return str(answer.read().decode())

    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(await asyncio.to_thread(read)):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return samples


def value(
    samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


async def drive_a_case_to_its_booking(
    bus: LiveBus, js: JetStreamContext, case: Scenario, root: Any
) -> Reply:
    """The request (trace context in the envelope only), the assessment, the mediator and
    the administration's consent (each in the trace, in its header and envelope), then slots
    and the booking (the context in the request's headers)."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier, context=root)
    request = case.request().model_copy(update={"traceparent": carrier.get("traceparent")})
    await js.publish(request.nats_subject(), request.to_json())  # no headers at all
    for follow_up in (case.assess("accepted"), case.assign(), case.consent(case.administration)):
        await publish(js, follow_up.model_copy(update=carrier), carrier)

    nc = await bus.connect()
    try:
        suggest = SuggestSlots(case_id=case.case_id, kind="mediation", format="joint", count=3)

        async def slots() -> Reply | None:
            reply = await ask(nc, case.tenant, "suggest_slots", suggest, carrier)
            return reply if reply.ok else None

        suggestions = await wait_for(slots, what="scheduling to see the case ready")
        assert suggestions.slots
        return await ask(
            nc,
            case.tenant,
            "book_meeting",
            BookMeeting(
                command_id=uuid4(),
                case_id=case.case_id,
                kind="mediation",
                format="joint",
                starts_at=suggestions.slots[0].starts_at,
                requested_by=case.mediator,
            ),
            carrier,
        )
    finally:
        await nc.close()


async def test_one_case_is_one_trace_across_intake_scheduling_and_notifications(
    traced: dict[str, tuple[ServiceProcess, str]],
    receiver: OtlpReceiver,
    bus: LiveBus,
    js: JetStreamContext,
) -> None:
    case = Scenario.new()
    tracer = TracerProvider().get_tracer("test: the mediator client")
    with tracer.start_as_current_span("caseworker requests mediation") as span:
        context = span.get_span_context()
        trace_id = f"{context.trace_id:032x}"
        booked = await drive_a_case_to_its_booking(bus, js, case, otel_context.get_current())
    assert booked.ok, booked.error

    def spans_of(service: str, name_part: str) -> list[Any]:
        return [
            span
            for span in receiver.of_trace(trace_id)
            if span.service == f"mediation-{service}" and name_part in span.name
        ]

    async def whole_trace() -> bool:
        return all(
            (
                spans_of("intake", f"mediation.v1.{case.tenant}.case.requested process"),
                spans_of("intake", f"mediation.v1.{case.tenant}.consent.given process"),
                spans_of("scheduling", f"mediation.v1.{case.tenant}.case.ready_for_scheduling"),
                spans_of("scheduling", f"mediation.cmd.v1.{case.tenant}.scheduling.book_meeting"),
                spans_of("notifications", f"mediation.v1.{case.tenant}.meeting.scheduled process"),
                spans_of("notifications", "deliver"),
            )
        )

    await wait_for(whole_trace, what="the case's spans from the three services in one trace")

    [requested] = spans_of("intake", "case.requested process")
    assert requested.attributes["mediation.case_id"] == str(case.case_id)
    assert requested.attributes["mediation.delivery.outcome"] == "acked"
    [booking] = spans_of("scheduling", "book_meeting process")
    assert booking.attributes["mediation.command.outcome"] == "ok"
    delivered = spans_of("notifications", "deliver")
    assert {span.attributes["mediation.notification.outcome"] for span in delivered} == {"sent"}
    # The events themselves carry the trace on: what scheduling published for the booking.
    [scheduled] = await wait_for(
        lambda: events_of(js, case.tenant, "meeting.scheduled"), what="MeetingScheduled"
    )
    assert scheduled["traceparent"].split("-")[1] == trace_id
    # Each span of a service hangs under another span of the same trace (none is orphaned
    # into a trace of its own): the consumer spans' parents are the producers' spans.
    ids = {span.span_id for span in receiver.of_trace(trace_id)} | {f"{context.span_id:016x}"}
    for span in receiver.of_trace(trace_id):
        assert span.parent_span_id in ids or span.parent_span_id == "", span.name


async def test_metrics_count_the_events_sent_and_a_dead_letter(
    traced: dict[str, tuple[ServiceProcess, str]], bus: LiveBus, js: JetStreamContext
) -> None:
    case = Scenario.new()
    booked = await drive_a_case_to_its_booking(bus, js, case, otel_context.get_current())
    assert booked.ok, booked.error
    # Invalid: a consent without the party; intake dead-letters it.
    broken = json.loads(case.consent(case.citizen).to_json())
    del broken["data"]["party_id"]
    await js.publish(f"mediation.v1.{case.tenant}.consent.given", json.dumps(broken).encode())

    intake_url = traced["intake"][1]
    scheduling_url = traced["scheduling"][1]
    notifications_url = traced["notifications"][1]
    tenant = case.tenant

    async def intake_counted() -> dict[str, Any] | None:
        samples = await scrape(intake_url)
        counted = (
            value(
                samples,
                "mediation_events_handled_total",
                tenant=tenant,
                event_type="case.requested",
                outcome="acked",
            )
            >= 1
            and value(
                samples,
                "mediation_events_handled_total",
                tenant=tenant,
                event_type="consent.given",
                outcome="dead_lettered",
            )
            >= 1
            and value(samples, "mediation_dead_letters_total", event_type="consent.given") >= 1
        )
        return samples if counted else None

    samples = await wait_for(intake_counted, what="intake's metrics to count the case")
    assert value(samples, "mediation_event_handler_seconds_count", event_type="case.requested")
    assert "mediation_consumer_pending_messages" in samples
    assert "mediation_outbox_oldest_age_seconds" in samples

    async def ready() -> bool:
        return value(await scrape(intake_url), "mediation_service_ready", service="intake") == 1

    await wait_for(ready, what="intake's readiness gauge")
    # Ready comes after what start built is frozen (mediation_runtime.service): the full
    # collections under a backlog skip it.
    for url in (intake_url, scheduling_url, notifications_url):
        assert value(await scrape(url), "mediation_gc_frozen_objects") > 10_000, url

    scheduling = await scrape(scheduling_url)
    assert value(
        scheduling, "mediation_command_seconds_count", command="book_meeting", outcome="ok"
    )
    # FastStream's own counts (the dashboard's panel): commands, and every publish.
    assert any(
        labels["handler"].endswith(".book_meeting") and count >= 1
        for labels, count in scheduling.get("faststream_received_processed_messages_total", [])
    )
    assert value(samples, "faststream_published_messages_total") >= 1

    async def sent() -> bool:
        found = await scrape(notifications_url)
        return (
            value(found, "mediation_notifications_total", outcome="sent", code="none") >= 1
            # The administration has no contact details in this case: nobody to send to.
            and value(found, "mediation_notifications_total", outcome="failed", code="no_address")
            >= 1
        )

    await wait_for(sent, what="notifications to count what it sent and could not send")


async def test_no_span_attribute_or_metric_label_carries_personal_data(
    traced: dict[str, tuple[ServiceProcess, str]],
    receiver: OtlpReceiver,
    bus: LiveBus,
    js: JetStreamContext,
) -> None:
    """Names, contact details and the conflict's description are in the request; none of it
    may reach a span (name, attribute, event, status) or a metric label, in any service."""
    case = Scenario.new()
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request"):
        booked = await drive_a_case_to_its_booking(bus, js, case, otel_context.get_current())
    assert booked.ok, booked.error

    async def delivered() -> bool:
        return any(
            "deliver" in span.name and span.attributes.get("mediation.tenant") == case.tenant
            for span in receiver.all()
        )

    await wait_for(delivered, what="the booking's notifications")

    assert {span.service for span in receiver.all()} >= {f"mediation-{s}" for s in SERVICES}
    texts: list[str] = []
    for span in receiver.all():
        texts += [span.name, span.status_message, *map(str, span.attributes.values())]
        texts += [str(event) for event in span.events]
    for _, url in traced.values():
        for samples in (await scrape(url)).values():
            texts += [label for labels, _ in samples for label in labels.values()]
    haystack = "\n".join(texts)
    for personal in PERSONAL_DATA:
        assert personal not in haystack
        for part in personal.split():
            if len(part) > 4:  # a surname or a word of the description on its own
                assert part not in haystack, part
    # Labels are short codes and subjects' parts, never free text.
    for _, url in traced.values():
        for samples in (await scrape(url)).values():
            for labels, _ in samples:
                for label in labels.values():
                    assert len(label) <= 80, label
                    assert "@" not in label, label
                    assert " " not in label, label
