"""Reminders before meetings: when each is due and how booking, moving and cancelling change it.

Each meeting has at most one reminder, kept under its meeting id. The functions here are pure:
:func:`plan` takes the stored :class:`ReminderPlan` of a meeting (or ``None``) and a meeting
event and returns the plan to store in its place; the adapter stores it, sends
:attr:`ReminderPlan.reminder` when :func:`due_now` says so, and hands it to ``compose``.

Meeting events arrive on separate consumers (one per event type), so they can come in any order
and be redelivered. The plan remembers the time and id of the event that decided it: an older
event never overrides a newer one, and a cancellation is final (scheduling never revives a
cancelled meeting), so a late ``MeetingScheduled`` cannot bring back a dropped reminder.

Decisions:
- The lead is two days by default, counted on the office's wall clock when a zone is given
  (a meeting Monday 09.00 is reminded Saturday 09.00, also across a daylight-saving change).
- A meeting booked (or moved) less than ``lead`` before it starts gets no reminder: the
  booking message itself has just told the participants, and a reminder right after it would
  only repeat it. Sending "at booking + something" would do the same.
- A reminder whose time has passed while the service was down is still sent until the meeting
  starts (:func:`due_now`), never after.
- Moving a meeting replaces its reminder (new due time, new data; a reminder already sent for
  the old time does not stop the new one); cancelling drops it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from mediation_contracts.events import (
    Location,
    MeetingCancelled,
    MeetingFormat,
    MeetingKind,
    MeetingRescheduled,
    MeetingScheduled,
    Participant,
)

DEFAULT_LEAD = timedelta(days=2)

MeetingEvent = MeetingScheduled | MeetingRescheduled | MeetingCancelled


@dataclass(frozen=True)
class Reminder:
    """A reminder to send to a meeting's parties and companions (``compose`` words it).

    Plain fields (contract models included), so pydantic's TypeAdapter stores and loads it.
    """

    case_id: UUID
    tenant: str
    meeting_id: str
    kind: MeetingKind
    format: MeetingFormat
    starts_at: datetime
    ends_at: datetime
    location: Location
    participants: tuple[Participant, ...]
    due_at: datetime
    trigger_event_id: UUID  # the booking or move it reminds of (NotificationSent's trigger)
    # That event's conversation, which the reminder's NotificationSent carries on. None in
    # plans stored before it was kept: the booking's own id stands in then.
    correlation_id: UUID | None = None


@dataclass(frozen=True)
class ReminderPlan:
    """The reminder state of one meeting after the newest event about it.

    ``reminder`` is ``None`` when there is nothing to send: the meeting is cancelled, or it
    was booked too close to its start. Store it under ``meeting_id``, replacing what was there.
    """

    tenant: str
    case_id: UUID
    meeting_id: str
    decided_at: datetime  # time of the event that decided it
    decided_by: str  # id of that event (ties on time are broken by id, as everywhere)
    cancelled: bool
    reminder: Reminder | None


def reminder_due(
    starts_at: datetime, lead: timedelta = DEFAULT_LEAD, tz: ZoneInfo | None = None
) -> datetime:
    """When the reminder of a meeting starting at ``starts_at`` is due, in UTC.

    Without ``tz`` the lead is exact elapsed time; with it, the lead is taken on that zone's
    wall clock (aware datetimes in one zone subtract as wall time), so "two days before" keeps
    the meeting's time of day across a daylight-saving change.
    """
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    # Python subtracts on the wall clock of the datetime's own zone: convert first.
    zone = UTC if tz is None else tz
    return (starts_at.astimezone(zone) - lead).astimezone(UTC)


def due_now(reminder: Reminder, now: datetime) -> bool:
    """Send it now: its time has come and the meeting has not started yet."""
    return reminder.due_at <= now < reminder.starts_at


def plan(
    current: ReminderPlan | None,
    event: MeetingEvent,
    lead: timedelta = DEFAULT_LEAD,
    tz: ZoneInfo | None = None,
) -> ReminderPlan:
    """The meeting's reminder state after ``event``, given the stored ``current`` (or None)."""
    if current is not None:
        if current.meeting_id != event.data.meeting_id or current.case_id != event.subject:
            raise ValueError("the stored plan belongs to another meeting")
        if current.cancelled or (current.decided_at, current.decided_by) >= (
            event.time,
            str(event.id),
        ):
            return current
    if isinstance(event, MeetingCancelled):
        return ReminderPlan(
            tenant=event.tenant,
            case_id=event.subject,
            meeting_id=event.data.meeting_id,
            decided_at=event.time,
            decided_by=str(event.id),
            cancelled=True,
            reminder=None,
        )
    data = event.data
    due_at = reminder_due(data.starts_at, lead, tz)
    reminder = None
    if due_at > event.time:
        reminder = Reminder(
            case_id=event.subject,
            tenant=event.tenant,
            meeting_id=data.meeting_id,
            kind=data.kind,
            format=data.format,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            location=data.location,
            participants=tuple(data.participants),
            due_at=due_at,
            trigger_event_id=event.id,
            correlation_id=event.correlationid or event.id,
        )
    return ReminderPlan(
        tenant=event.tenant,
        case_id=event.subject,
        meeting_id=data.meeting_id,
        decided_at=event.time,
        decided_by=str(event.id),
        cancelled=False,
        reminder=reminder,
    )
