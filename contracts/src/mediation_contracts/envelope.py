"""The CloudEvents 1.0 envelope (structured JSON mode) that wraps every event.

Extension attributes: ``tenant`` (the municipality's slug), ``correlationid`` (one id for a
whole conversation, e.g. everything that follows from one request) and ``causationid`` (the id
of the event that caused this one); optionally ``traceparent`` and ``tracestate``, the
CloudEvents distributed-tracing extension (W3C Trace Context).
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from mediation_contracts import rules as contract_rules

TENANT_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
Tenant = Annotated[str, StringConstraints(pattern=TENANT_PATTERN)]

# Opaque ids issued by the system that owns the thing: a party within a case, a staff member in
# the municipality's identity provider. Restricted so they are safe in logs and subjects.
OpaqueId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]

CONVERSATION = """\
A case is one conversation. Its id is the `correlationid` of the `CaseRequested` that opened
the case, or that event's `id` when it carried none; every event the services publish about
the case carries it as `correlationid`.

An outside system that sends a follow-up event about a case (e.g. `ConsentGiven` answering
`ConsentRequested`, or `PartyWithdrew`) puts the case's conversation id in `correlationid`:
the `correlationid` of any event it received about the case. When its event answers one it
received, it puts that event's `id` in `causationid`; otherwise it leaves `causationid` out.
Only if it cannot know the conversation id, it leaves `correlationid` out: the event is
applied all the same, and intake's and scheduling's answers carry the case's conversation,
but consumers that keep no case (notifications, other systems) then take the event's own `id`
as its conversation. It never makes up a new id for a follow-up: the services' answers would
carry that id and the case's conversation would split. A system that opens a case may choose its
conversation id by setting `correlationid` on its `CaseRequested` (e.g. its own ticket's UUID)."""

TRACE_CONTEXT = """\
Events carry the W3C trace context of the work that caused them in the CloudEvents
distributed-tracing extension: `traceparent` (e.g.
`00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`) and, when there is one,
`tracestate`. Both are optional: an event without them is valid, and so is one whose values
are malformed, which the services then ignore (W3C: a broken trace context never fails the
request; the event starts a new trace). The services' events also carry the same context in
the NATS header `traceparent` (and `tracestate`), naming the span that published them; a
consumer that reads headers may use either.

An outside system that traces its work puts its span's context in `traceparent` (and the
header, if it can). A follow-up event that answers one it received (e.g. `ConsentGiven`
answering `ConsentRequested`) should continue that event's trace: use the received
`traceparent` as its parent, as it uses the received `id` as `causationid`. Then a case's
request, consents, meetings and notifications appear as one trace in the operators' tracing
system. Trace context holds ids and flags only, never anything about people; `tracestate`
must not either."""

TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[0-9a-zA-Z._-]*)?$"
# tracestate: at most 32 list members, 512 characters in all (W3C Trace Context, 3.3.1).
TRACESTATE_PATTERN = r"^[\x20-\x7e]{0,512}$"
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)
_TRACESTATE = re.compile(TRACESTATE_PATTERN)


def _valid_or_none(pattern: "re.Pattern[str]") -> Any:
    """W3C Trace Context: a receiver ignores a malformed trace context and starts a new
    trace; it never fails the request. So such a value is dropped, not an invalid event."""

    def check(value: object) -> str | None:
        if isinstance(value, str) and len(value) <= 512 and pattern.fullmatch(value):
            return value
        return None

    return BeforeValidator(check)


TraceParent = Annotated[str | None, _valid_or_none(_TRACEPARENT)]
TraceState = Annotated[str | None, _valid_or_none(_TRACESTATE)]

Sensitivity = Literal["internal", "personal"]
"""``internal``: ids, codes and times only. ``personal``: names or contact details of people,
or what a party wants to talk about, for the consumers that must reach them or keep the case;
such events never carry free text about the conflict beyond the short description given at
request time and the topics a party agreed for the mediation meeting (short headings agreed
with the party, never what was said at a meeting). No event ever carries note content."""


class Payload(BaseModel):
    """Base of every ``data`` model: consumers tolerate fields added later in the same major.

    ``rules`` are its cross-field rules: the model checks them, and its JSON Schema states
    them (``mediation_contracts.rules``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    rules: ClassVar[tuple[contract_rules.Rule, ...]] = ()

    @model_validator(mode="after")
    def _follows_its_rules(self) -> Self:
        contract_rules.check(self.rules, self)
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        contract_rules.publish(cls.rules, handler.resolve_ref_schema(schema))
        return schema


class CloudEvent(BaseModel):
    """Envelope fields common to every event; subclasses fix ``type`` and ``data``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # Contract metadata, documented in the catalog and the JSON Schemas.
    aggregate: ClassVar[str]
    event: ClassVar[str]
    sensitivity: ClassVar[Sensitivity]
    producers: ClassVar[tuple[str, ...]]
    consumers: ClassVar[tuple[str, ...]]

    specversion: Literal["1.0"] = Field(description="CloudEvents version.")
    # Required on input: a receiver-made id would defeat idempotency on redelivery.
    id: UUID = Field(description="Unique event id; also Nats-Msg-Id.")
    source: str = Field(
        min_length=1,
        max_length=256,
        description="URI-reference of the producing system, e.g. /kk/intake.",
    )
    type: str = Field(description="Event type: dk.mediation.<aggregate>.<event>.v<major>.")
    time: UtcDatetime = Field(
        description="When it happened; timezone-aware, normalised to UTC.",
    )
    subject: UUID = Field(description="The case id.")
    datacontenttype: Literal["application/json"] = Field(
        default="application/json", description="Always application/json."
    )
    tenant: Tenant = Field(description="Extension: the municipality's slug, e.g. kk.")
    correlationid: UUID | None = Field(
        default=None,
        description="Extension: one id for a whole conversation, e.g. everything that follows "
        "from one request.",
    )
    causationid: UUID | None = Field(
        default=None, description="Extension: the id of the event that caused this one."
    )
    traceparent: TraceParent = Field(
        default=None,
        description="Extension (distributed tracing): the W3C traceparent of the work that "
        "caused this event; optional, ignored when malformed.",
        json_schema_extra={"pattern": TRACEPARENT_PATTERN, "maxLength": 512},
    )
    tracestate: TraceState = Field(
        default=None,
        description="Extension (distributed tracing): the W3C tracestate that goes with "
        "traceparent; optional.",
        json_schema_extra={"maxLength": 512},
    )
    data: Payload = Field(description="The event's payload; its model depends on the type.")

    @classmethod
    def type_name(cls) -> str:
        return f"dk.mediation.{cls.aggregate}.{cls.event}.v1"

    @classmethod
    def create(
        cls,
        *,
        tenant: str,
        case_id: UUID,
        source: str,
        data: Any,
        cause: "CloudEvent | None" = None,
        correlationid: UUID | None = None,
        causationid: UUID | None = None,
    ) -> Self:
        """A new event. Its correlation id is the cause's, else ``correlationid`` (e.g. the
        case's conversation), else the cause's own id. Its causation id is the cause's id,
        else ``causationid``: for an event that answers another one later, when only the
        cause's ids were kept (e.g. a notification sent after retries)."""
        if cause is not None and cause.correlationid is not None:
            correlationid = cause.correlationid
        elif correlationid is None and cause is not None:
            correlationid = cause.id
        if cause is not None:
            causationid = cause.id
        return cls(
            specversion="1.0",
            id=uuid4(),
            time=datetime.now(UTC),
            type=cls.type_name(),
            tenant=tenant,
            subject=case_id,
            source=source,
            data=data,
            correlationid=correlationid,
            causationid=causationid,
        )

    def nats_subject(self) -> str:
        from mediation_contracts.subjects import event_subject

        return event_subject(self.tenant, self.aggregate, self.event)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()
