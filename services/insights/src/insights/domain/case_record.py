"""What insights keeps of a case: ids, kinds, codes and times, never a name, a contact detail or
free text. It is enough for three things: the statistics (each fact with the time of the event
that brought it), whom to invite to an evaluation and when, and the follow-up after an
agreement.

Pure: no I/O, the time comes in with the event or from the caller. ``apply`` says what the
event leads to (:class:`Consequence`); the handlers turn that into outgoing events.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from mediation_contracts.commands import ReflectionFactor
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseRequested,
    CaseRequestRefused,
    ConsentDeclined,
    EvaluationOccasion,
    FollowUpRecorded,
    FollowUpResult,
    MediatorAssigned,
    MeetingCancelled,
    MeetingFormat,
    MeetingHeld,
    MeetingKind,
    MeetingRescheduled,
    MeetingScheduled,
    Outcome,
    PartyWithdrew,
)
from pydantic import BaseModel, ConfigDict, Field

PartyKind = Literal["citizen", "administration"]
FollowUpState = Literal["pending", "due", "recorded"]

CaseEvent = (
    CaseRequested
    | CaseRequestRefused
    | CaseAssessed
    | MediatorAssigned
    | ConsentDeclined
    | PartyWithdrew
    | MeetingScheduled
    | MeetingRescheduled
    | MeetingCancelled
    | MeetingHeld
    | CaseClosed
    | FollowUpRecorded
)

INVITED_AFTER: frozenset[str] = frozenset({"outcome_recorded", "withdrawn"})
"""A case closed for these reasons had a mediation to evaluate; one declined never began."""
FOLLOWED_UP_AFTER: frozenset[str] = frozenset({"agreement", "partial_agreement"})
"""Only an agreement can be checked for whether it held."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Coded(_Model):
    """A code and when it happened (a refusal's reason, a follow-up's result)."""

    code: str
    at: datetime


class Meeting(_Model):
    kind: MeetingKind | None = None
    format: MeetingFormat | None = None
    held_at: datetime | None = Field(
        default=None, description="The time of the MeetingHeld event (its period)."
    )


class Closed(_Model):
    outcome: Outcome
    because: str
    at: datetime
    event_id: UUID


class Invited(_Model):
    """That a party was invited to evaluate, and whether reminded: never the link."""

    occasion: EvaluationOccasion
    at: datetime
    reminded: bool = False


class FollowUp(_Model):
    mediator_id: str
    closed_at: datetime
    due_at: datetime
    state: FollowUpState = "pending"
    result: FollowUpResult | None = None
    caused_by: UUID = Field(description="The CaseClosed that started the period.")


class Reflection(_Model):
    mediator_id: str
    format_used: MeetingFormat
    helped: list[ReflectionFactor]
    mediation_suited: Literal["yes", "partly", "no"]


class CaseRecord(_Model):
    tenant: str
    case_id: UUID
    correlation_id: UUID | None = None
    parties: dict[str, PartyKind] = Field(default_factory=dict)
    requested_at: datetime | None = None
    refusals: list[Coded] = Field(default_factory=list)
    accepted_at: datetime | None = None
    consents_declined: list[datetime] = Field(default_factory=list)
    withdrawals: list[datetime] = Field(default_factory=list)
    mediator_id: str | None = None
    meetings: dict[str, Meeting] = Field(default_factory=dict)
    closed: Closed | None = None
    invited: dict[str, Invited] = Field(default_factory=dict)
    follow_up: FollowUp | None = None
    follow_up_results: list[Coded] = Field(default_factory=list)
    reflection: Reflection | None = None

    @classmethod
    def opened_by(cls, event: CaseRequested) -> "CaseRecord":
        return cls(
            tenant=event.tenant,
            case_id=event.subject,
            correlation_id=event.correlationid or event.id,
        )

    # --- what the statistics read ---------------------------------------------------------

    @property
    def first_meeting_held_at(self) -> datetime | None:
        held = [m.held_at for m in self.meetings.values() if m.held_at is not None]
        return min(held) if held else None

    def days_to_first_meeting(self) -> float | None:
        first = self.first_meeting_held_at
        if first is None or self.requested_at is None:
            return None
        return max(0.0, (first - self.requested_at) / timedelta(days=1))


@dataclass(frozen=True)
class Consequence:
    """What applying an event leads to, besides the record's new state."""

    invite: tuple[str, ...] = ()
    occasion: EvaluationOccasion | None = None


def apply(record: CaseRecord, event: CloudEvent, *, follow_up_after: timedelta) -> Consequence:
    """Apply one event of the case (once: the caller remembers applied ids). Facts keep the
    event's time, so each figure falls in the period it happened in."""
    at = event.time
    if isinstance(event, CaseRequested):
        record.requested_at = at
        record.parties = {party.party_id: party.kind for party in event.data.parties}
        return Consequence()
    if isinstance(event, CaseRequestRefused):
        record.refusals.append(Coded(code=event.data.reason_code, at=at))
    elif isinstance(event, CaseAssessed):
        if event.data.decision == "accepted":
            record.accepted_at = at
        else:
            record.refusals.append(Coded(code="assessment_declined", at=at))
    elif isinstance(event, MediatorAssigned):
        record.mediator_id = event.data.mediator_id
    elif isinstance(event, ConsentDeclined):
        record.consents_declined.append(at)
    elif isinstance(event, PartyWithdrew):
        record.withdrawals.append(at)  # never who: the statistics count withdrawals only
    elif isinstance(event, MeetingScheduled | MeetingRescheduled):
        meeting = record.meetings.setdefault(event.data.meeting_id, Meeting())
        meeting.kind, meeting.format = event.data.kind, event.data.format
    elif isinstance(event, MeetingCancelled):
        pass  # a cancelled meeting was not held: nothing to count
    elif isinstance(event, MeetingHeld):
        meeting = record.meetings.setdefault(event.data.meeting_id, Meeting())
        meeting.held_at = meeting.held_at or at
        if meeting.kind == "mediation":
            return _invite(record, "meeting_held", at)
    elif isinstance(event, CaseClosed):
        return _close(record, event, follow_up_after)
    elif isinstance(event, FollowUpRecorded):
        record.follow_up_results.append(Coded(code=event.data.result, at=at))
    return Consequence()


def _close(record: CaseRecord, event: CaseClosed, follow_up_after: timedelta) -> Consequence:
    data, at = event.data, event.time
    record.closed = Closed(
        outcome=data.outcome, because=data.closed_because, at=at, event_id=event.id
    )
    if data.outcome in FOLLOWED_UP_AFTER and record.mediator_id is not None:
        record.follow_up = FollowUp(
            mediator_id=record.mediator_id,
            closed_at=at,
            due_at=at + follow_up_after,
            caused_by=event.id,
        )
    if data.closed_because in INVITED_AFTER:
        return _invite(record, "case_closed", at)
    return Consequence()


def _invite(record: CaseRecord, occasion: EvaluationOccasion, at: datetime) -> Consequence:
    """Every party not yet invited: once per case, at the first occasion."""
    new = tuple(party for party in record.parties if party not in record.invited)
    for party in new:
        record.invited[party] = Invited(occasion=occasion, at=at)
    return Consequence(invite=new, occasion=occasion if new else None)


# --- the follow-up and the reflection ---------------------------------------------------


def follow_up_due(record: CaseRecord, now: datetime) -> bool:
    """Whether the follow-up's period ran out and FollowUpDue is still to be published."""
    follow_up = record.follow_up
    return follow_up is not None and follow_up.state == "pending" and follow_up.due_at <= now


class NotAllowed(Exception):
    """A command the rules refuse; ``code`` is a refusal code of ``insights.refusals``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def require_mediator(record: CaseRecord | None, staff_id: str) -> CaseRecord:
    """Only the case's mediator records on it. A case insights does not know and a case of
    someone else get the same answer: a refusal never says whether a case exists."""
    if record is None or record.mediator_id is None or record.mediator_id != staff_id:
        raise NotAllowed("not_your_case")
    return record


def record_follow_up(record: CaseRecord, result: FollowUpResult) -> FollowUp:
    follow_up = record.follow_up
    if follow_up is None:
        raise NotAllowed("no_follow_up")
    if follow_up.state == "recorded":
        raise NotAllowed("follow_up_recorded")
    follow_up.state, follow_up.result = "recorded", result
    return follow_up
