"""A meeting of a case and what may happen to it (DOMAIN.md steps 5–7). No I/O.

Each rule is a method named after what happens; it changes the meeting and returns the events
it causes, or raises :class:`BookingRefused` (the case or the calendar says no) or
:class:`ImpossibleTransition` (the meeting's status says no), each with a code.

Lifecycle::

    book --> scheduled --move (before it starts)--> scheduled, at the new time
                |  \\--cancel (before it starts)--> cancelled
                \\--mark held (once it started, by its mediator)--> held
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    Caller,
    Location,
    MeetingCancelled,
    MeetingCancelledData,
    MeetingFormat,
    MeetingHeld,
    MeetingHeldData,
    MeetingKind,
    MeetingRescheduled,
    MeetingRescheduledData,
    MeetingScheduled,
    MeetingScheduledData,
    Participant,
)

from scheduling.domain import formats
from scheduling.domain.case_view import CaseEnd, CaseView
from scheduling.domain.errors import ImpossibleTransition
from scheduling.domain.policy import SchedulingPolicy
from scheduling.domain.slots import Busy, Slot, check_slot, free_slots

CancelReason = Literal["requested"] | CaseEnd


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


@dataclass
class Meeting:
    meeting_id: str
    tenant: str
    case_id: UUID
    kind: MeetingKind
    format: MeetingFormat
    starts_at: datetime
    ends_at: datetime
    location: Location
    participants: list[Participant]
    mediator_id: str
    note_taker_id: str | None = None  # only when the note-taker takes part
    party_id: str | None = None  # the one party of a pre-meeting or individual session
    status: MeetingStatus = MeetingStatus.SCHEDULED
    cancel_reason: CancelReason | None = None
    source: str = "/mediation/scheduling"
    correlation_id: UUID | None = None

    @classmethod
    def book(
        cls,
        *,
        meeting_id: str,
        case: CaseView,
        policy: SchedulingPolicy,
        busy: Iterable[Busy],
        kind: MeetingKind,
        format: MeetingFormat,
        starts_at: datetime,
        now: datetime,
        source: str,
        party_id: str | None = None,
        with_note_taker: bool = False,
        room_ids: Sequence[str] | None = None,
        join_url: str | None = None,
        phone_callers: Mapping[str, Caller] | None = None,
    ) -> tuple["Meeting", list[CloudEvent]]:
        """Book a meeting of the policy's length for ``kind``; ``busy`` is every other meeting
        that could clash. ``join_url`` is a video meeting's link, ``phone_callers`` who calls
        in a phone meeting, by party (the mediator, unless named): see :mod:`.formats`."""
        attendees = case.attendees(kind, party_id, with_note_taker, format=format)
        party_ids = [party for party, _ in attendees.parties]
        formats.check_options(format, party_ids, policy, join_url, phone_callers or {})
        slot = check_slot(
            policy,
            busy,
            starts_at=starts_at,
            length=policy.length_of(kind),
            mediator_id=attendees.mediator_id,
            note_taker_id=attendees.note_taker_id,
            needed_rooms=formats.rooms_needed(format, len(party_ids)),
            room_ids=room_ids,
            now=now,
        )
        meeting = cls(
            meeting_id=meeting_id,
            tenant=case.tenant,
            case_id=case.case_id,
            kind=kind,
            format=format,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            location=formats.location(
                format, slot, policy, party_ids, join_url, phone_callers or {}
            ),
            participants=attendees.participants(),
            mediator_id=attendees.mediator_id,
            note_taker_id=attendees.note_taker_id,
            party_id=party_id,
            source=source,
            correlation_id=case.correlation_id,
        )
        return meeting, [
            meeting._event(MeetingScheduled, MeetingScheduledData(**meeting._booking()))
        ]

    def move(
        self,
        *,
        case: CaseView,
        policy: SchedulingPolicy,
        busy: Iterable[Busy],
        starts_at: datetime,
        now: datetime,
        room_ids: Sequence[str] | None = None,
    ) -> list[CloudEvent]:
        """Reschedule to ``starts_at``, same length and people, under the same rules as a new
        booking; the meeting's own time does not count as busy."""
        self._require_scheduled("moved")
        self._require_not_started(now, "moved")
        case.may_book(self.kind, self.party_id, format=self._rules_format())
        slot = check_slot(
            policy,
            (b for b in busy if b.meeting_id != self.meeting_id),
            starts_at=starts_at,
            length=self.ends_at - self.starts_at,
            mediator_id=self.mediator_id,
            note_taker_id=self.note_taker_id,
            needed_rooms=formats.rooms_needed(self.format, len(self._party_ids())),
            room_ids=room_ids,
            now=now,
        )
        previous = {"previous_starts_at": self.starts_at, "previous_ends_at": self.ends_at}
        self.starts_at, self.ends_at = slot.starts_at, slot.ends_at
        if self.location.kind == "premises":
            # The rooms free at the new time, each party seated anew (shuttle mediation).
            self.location = formats.premises(self.format, slot, policy, self._party_ids())
        data = MeetingRescheduledData(**self._booking(), **previous)
        return [self._event(MeetingRescheduled, data)]

    def cancel(
        self, reason: CancelReason, now: datetime, cause: CloudEvent | None = None
    ) -> list[CloudEvent]:
        """Call off a meeting that has not started; the reason is a neutral code."""
        self._require_scheduled("cancelled")
        self._require_not_started(now, "cancelled")
        self.status = MeetingStatus.CANCELLED
        self.cancel_reason = reason
        data = MeetingCancelledData(
            meeting_id=self.meeting_id, starts_at=self.starts_at, reason_code=reason
        )
        return [self._event(MeetingCancelled, data, cause)]

    def mark_held(self, marked_by: str, now: datetime) -> list[CloudEvent]:
        """The meeting's mediator confirms it took place; not before it started."""
        self._require_scheduled("marked held")
        if now < self.starts_at:
            raise ImpossibleTransition(
                "not_started_yet", f"meeting {self.meeting_id} has not started yet"
            )
        if marked_by != self.mediator_id:
            raise ImpossibleTransition(
                "not_the_mediator", f"{marked_by} is not the mediator of {self.meeting_id}"
            )
        self.status = MeetingStatus.HELD
        data = MeetingHeldData(
            meeting_id=self.meeting_id, held_at=self.starts_at, marked_by=marked_by
        )
        return [self._event(MeetingHeld, data)]

    def busy(self) -> Busy:
        """The time, staff and rooms this meeting occupies unless it is cancelled."""
        staff = frozenset(s for s in (self.mediator_id, self.note_taker_id) if s is not None)
        rooms = frozenset(self.location.room_ids)
        return Busy(self.starts_at, self.ends_at, staff, rooms, self.meeting_id)

    # --- helpers --------------------------------------------------------------------------

    def _rules_format(self) -> MeetingFormat:
        """The format whose case rules a move follows. An ``individual`` meeting booked before
        individual sessions named their one party was with every party: it moves as it was
        booked, under the rules of a meeting of every party."""
        if self.format == "individual" and self.party_id is None:
            return "joint"
        return self.format

    def _party_ids(self) -> list[str]:
        return [p.participant_id for p in self.participants if p.role == "party"]

    def _require_scheduled(self, action: str) -> None:
        if self.status is MeetingStatus.CANCELLED:
            raise ImpossibleTransition(
                "meeting_cancelled", f"meeting {self.meeting_id} is cancelled; not {action}"
            )
        if self.status is MeetingStatus.HELD:
            raise ImpossibleTransition(
                "meeting_held", f"meeting {self.meeting_id} was held; not {action}"
            )

    def _require_not_started(self, now: datetime, action: str) -> None:
        if now >= self.starts_at:
            raise ImpossibleTransition(
                "already_started", f"meeting {self.meeting_id} has started; not {action}"
            )

    def _booking(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id,
            "kind": self.kind,
            "format": self.format,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "location": self.location,
            "participants": self.participants,
        }

    def _event(
        self, kind: type[CloudEvent], data: object, cause: CloudEvent | None = None
    ) -> CloudEvent:
        return kind.create(
            tenant=self.tenant,
            case_id=self.case_id,
            source=self.source,
            data=data,
            cause=cause,
            correlationid=self.correlation_id,
        )


def busy_of(meetings: Iterable[Meeting]) -> list[Busy]:
    """What the meetings occupy: a cancelled meeting frees its mediator and rooms."""
    return [m.busy() for m in meetings if m.status is not MeetingStatus.CANCELLED]


def cancel_future_meetings(
    meetings: Iterable[Meeting], reason: CaseEnd, now: datetime, cause: CloudEvent
) -> list[CloudEvent]:
    """A withdrawal or a closed case calls off every meeting of the case not yet begun."""
    return [
        event
        for meeting in meetings
        if meeting.status is MeetingStatus.SCHEDULED and meeting.starts_at > now
        for event in meeting.cancel(reason, now, cause)
    ]


def suggest_slots(
    *,
    case: CaseView,
    policy: SchedulingPolicy,
    busy: Iterable[Busy],
    kind: MeetingKind,
    format: MeetingFormat,
    after: datetime,
    count: int,
    party_id: str | None = None,
    with_note_taker: bool = False,
) -> list[Slot]:
    """The next ``count`` times this meeting could be booked (refused like a booking when the
    case does not allow it)."""
    attendees = case.attendees(kind, party_id, with_note_taker, format=format)
    return free_slots(
        policy,
        busy,
        mediator_id=attendees.mediator_id,
        note_taker_id=attendees.note_taker_id,
        needed_rooms=formats.rooms_needed(format, len(attendees.parties)),
        length=policy.length_of(kind),
        after=after,
        count=count,
    )
