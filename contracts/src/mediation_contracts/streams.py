"""JetStream layout shared by every producer and consumer of the contract.

Plain data so that operators' tooling and the services agree on one definition.
"""

from dataclasses import dataclass

EVENTS_STREAM = "MEDIATION"
EVENTS_SUBJECTS = ("mediation.v1.>",)

DLQ_STREAM = "MEDIATION_DLQ"
DLQ_SUBJECT_PREFIX = "mediation.dlq"
DLQ_SUBJECTS = (f"{DLQ_SUBJECT_PREFIX}.>",)

# Headers of every dead letter on ``mediation.dlq.<service>``; its body is the original bytes.
DLQ_REASON_HEADER = "Mediation-Dead-Letter-Reason"
DLQ_ORIGINAL_SUBJECT_HEADER = "Mediation-Original-Subject"
DLQ_ORIGINAL_SEQUENCE_HEADER = "Mediation-Original-Sequence"
DLQ_DELIVERIES_HEADER = "Mediation-Deliveries"
DLQ_SERVICE_HEADER = "Mediation-Service"
DLQ_OMITTED_HEADER = "Mediation-Original-Omitted"
DLQ_HEADERS: tuple[tuple[str, str], ...] = (
    (DLQ_REASON_HEADER, "Why it was rejected: the rule or error, ids and codes only."),
    (DLQ_ORIGINAL_SUBJECT_HEADER, "The subject it was published on (replay sends it there)."),
    (DLQ_ORIGINAL_SEQUENCE_HEADER, f"Its sequence number in the {EVENTS_STREAM} stream."),
    (DLQ_DELIVERIES_HEADER, "How many times it was delivered before it was given up."),
    (DLQ_SERVICE_HEADER, "The service that rejected it."),
    (
        DLQ_OMITTED_HEADER,
        "Only when the original was too large to copy under the server's max_payload: the "
        f"body is empty and the original stays in {EVENTS_STREAM} at the sequence above "
        "(replay takes it from there).",
    ),
    ("Nats-Msg-Id", f"`<service>:{EVENTS_STREAM}:<sequence>`: one dead letter per message."),
)

# JetStream announces a message that ran out of deliveries only as a core NATS advisory, which
# is lost if nobody listens at that moment. Capturing the advisories in a stream lets each
# service dead-letter such messages even when it was down when the limit was hit.
ADVISORIES_STREAM = "MEDIATION_ADVISORIES"
MAX_DELIVERIES_ADVISORY_PREFIX = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{EVENTS_STREAM}"
ADVISORIES_SUBJECTS = (f"{MAX_DELIVERIES_ADVISORY_PREFIX}.*",)

# Nats-Msg-Id de-duplication window on the events stream (seconds).
DUPLICATE_WINDOW_SECONDS = 120.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str


STREAMS = (
    StreamSpec(EVENTS_STREAM, EVENTS_SUBJECTS, "All mediation lifecycle events, every tenant."),
    StreamSpec(DLQ_STREAM, DLQ_SUBJECTS, "Dead letters: rejected input with reason, per service."),
    StreamSpec(
        ADVISORIES_STREAM,
        ADVISORIES_SUBJECTS,
        "Max-deliveries advisories of the events stream, so exhausted messages get dead-lettered.",
    ),
)


def dlq_subject(service: str) -> str:
    """Dead-letter subject of one service, e.g. ``mediation.dlq.intake``."""
    return f"{DLQ_SUBJECT_PREFIX}.{service}"


def consumer_name(service: str, aggregate: str, event: str) -> str:
    """Durable consumer name ``<service>-<aggregate>-<event>``, e.g. ``intake-consent-given``."""
    return f"{service}-{aggregate}-{event}"
