"""Request-reply commands and queries (the thin client and other systems use them).

Subjects ``mediation.cmd.v1.<tenant>.<service>.<command>``, outside the events stream so a
request is answered by the service, not acknowledged by JetStream. Every reply is a
:class:`Reply`: ``ok`` with a result, or a :class:`Refusal` with a stable ``code`` and a
message in Danish and English, fit to show a person.
"""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from mediation_contracts.envelope import OpaqueId, Payload, UtcDatetime
from mediation_contracts.events import Location, MeetingFormat, MeetingKind, Participant

COMMAND_PREFIX = "mediation.cmd.v1"


def command_subject(tenant: str, service: str, command: str) -> str:
    return f"{COMMAND_PREFIX}.{tenant}.{service}.{command}"


def command_subscription(service: str, command: str) -> str:
    """Subject matching one command for every tenant (``{tenant}`` is a FastStream path)."""
    return f"{COMMAND_PREFIX}.{{tenant}}.{service}.{command}"


class Command(Payload):
    command_id: UUID = Field(
        description="Idempotency key: sending the same command again gives the same answer."
    )
    case_id: UUID


class BookMeeting(Command):
    kind: MeetingKind
    format: MeetingFormat
    starts_at: UtcDatetime
    party_id: OpaqueId | None = Field(default=None, description="The party of a pre-meeting.")
    with_note_taker: bool = False
    requested_by: OpaqueId


class MoveMeeting(Command):
    meeting_id: OpaqueId
    starts_at: UtcDatetime
    requested_by: OpaqueId


class CancelMeeting(Command):
    meeting_id: OpaqueId
    requested_by: OpaqueId


class MarkMeetingHeld(Command):
    meeting_id: OpaqueId
    marked_by: OpaqueId


class SuggestSlots(Payload):
    case_id: UUID
    kind: MeetingKind
    format: MeetingFormat
    party_id: OpaqueId | None = None
    count: Annotated[int, Field(ge=1, le=20)] = 5
    after: UtcDatetime | None = Field(default=None, description="Default: now.")


class ListMeetings(Payload):
    case_id: UUID


class NotesRequest(Payload):
    """Every notes request names the case and carries the caller's signed token (JWT). Who
    the caller is in the case is decided by the notes service, never by the request."""

    case_id: UUID
    token: str = Field(min_length=1, max_length=8192, description="Signed JWT of the caller.")


class WriteSummary(NotesRequest):
    command_id: UUID
    text: str = Field(description="The short summary the citizen asked for. Confidential.")
    meeting_id: OpaqueId | None = None


class ReadSummaries(NotesRequest):
    pass


class ShareSummary(NotesRequest):
    command_id: UUID


class AuditTrail(NotesRequest):
    pass


class Refusal(Payload):
    code: str = Field(description="Stable, for programs: e.g. mediator_busy, not_ready.")
    message_da: str
    message_en: str


class MeetingView(Payload):
    meeting_id: OpaqueId
    case_id: UUID
    kind: MeetingKind
    format: MeetingFormat
    status: Literal["scheduled", "cancelled", "held"]
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    local_time_zone: str = "Europe/Copenhagen"
    location: Location
    participants: list[Participant]


class SlotView(Payload):
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    room_ids: list[OpaqueId]


class SummaryView(Payload):
    """Confidential: only in a reply to a caller the notes service allowed to read it."""

    summary_id: OpaqueId
    meeting_id: OpaqueId | None = None
    text: str
    recorded_by: OpaqueId
    recorded_at: UtcDatetime
    shared: bool


class AuditEntry(Payload):
    at: UtcDatetime
    subject: OpaqueId
    role: str
    action: Literal["write", "read", "share", "audit"]
    allowed: bool
    reason: str


class Reply(Payload):
    ok: bool
    meeting: MeetingView | None = None
    meetings: list[MeetingView] | None = None
    slots: list[SlotView] | None = None
    summaries: list[SummaryView] | None = None
    summary_id: OpaqueId | None = None
    audit: list[AuditEntry] | None = None
    error: Refusal | None = None
