"""JetStream layout shared by every producer and consumer of the contract.

Plain data so that operators' tooling and the services agree on one definition.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

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


MIN_STREAM_AGE = timedelta(days=1)
"""The shortest age limit a stream may have. The services need a message on the stream until
they are done with it: through its redeliveries (minutes) and through an outage of a consuming
service, during which valid events wait on the stream; and a dead letter until an operator
had a chance to replay it. A day bridges a night's outage; longer is better, up to the
personal-data retention (``MEDIATION_*_MAX_AGE``)."""

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str
    key: str
    """Names its settings: ``MEDIATION_<KEY>_MAX_AGE`` and ``MEDIATION_<KEY>_MAX_BYTES``."""
    personal: bool
    """May hold names and contact details, so its age is bounded by the personal-data
    retention of the services."""
    max_bytes: int
    """Default size limit; protects the server's disk."""
    discard: Literal["new", "old"]
    """When full: ``new`` refuses new messages (nothing accepted is dropped unread), ``old``
    drops the oldest."""
    own_age: bool = True
    """``False``: no age setting of its own; it keeps the events stream's."""

    @property
    def age_variable(self) -> str:
        return f"MEDIATION_{self.key.upper()}_MAX_AGE"

    @property
    def bytes_variable(self) -> str:
        return f"MEDIATION_{self.key.upper()}_MAX_BYTES"


STREAMS = (
    StreamSpec(
        EVENTS_STREAM,
        EVENTS_SUBJECTS,
        "All mediation lifecycle events, every tenant.",
        key="events",
        personal=True,
        max_bytes=10 * GIB,
        discard="new",
    ),
    StreamSpec(
        DLQ_STREAM,
        DLQ_SUBJECTS,
        "Dead letters: rejected input with reason, per service.",
        key="dlq",
        personal=True,
        max_bytes=1 * GIB,
        discard="old",
    ),
    StreamSpec(
        ADVISORIES_STREAM,
        ADVISORIES_SUBJECTS,
        "Max-deliveries advisories of the events stream, so exhausted messages get dead-lettered.",
        key="advisories",
        # Stream and consumer names and sequence numbers only. An advisory is of no use once the
        # message it names has left the events stream, so it is kept as long as that stream's.
        personal=False,
        max_bytes=100 * MIB,
        discard="old",
        own_age=False,
    ),
)


def dlq_subject(service: str) -> str:
    """Dead-letter subject of one service, e.g. ``mediation.dlq.intake``."""
    return f"{DLQ_SUBJECT_PREFIX}.{service}"


def events_consumer(service: str) -> str:
    """A service's one durable consumer of its events, ``<service>-events``."""
    return f"{service}-events"


def consumer_name(service: str, aggregate: str, event: str) -> str:
    """Durable consumer name ``<service>-<aggregate>-<event>``, e.g. ``intake-consent-given``."""
    return f"{service}-{aggregate}-{event}"
