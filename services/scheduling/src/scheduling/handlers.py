"""What scheduling does with case events and with commands. Plain functions over the
repositories that bootstrap supplies; the rules themselves are in ``domain/``.

Every handler is idempotent: an event already applied changes nothing, and a command sent
again (same ``command_id``) gets the same answer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

import structlog
from mediation_contracts.commands import (
    BookMeeting,
    CancelMeeting,
    ListMeetings,
    MarkMeetingHeld,
    MeetingView,
    MoveMeeting,
    Refusal,
    Reply,
    RoomView,
    SlotView,
    SuggestSlots,
)
from mediation_runtime.documents import Decision
from mediation_runtime.views import ViewStore

from scheduling.adapters.meetings import Meetings
from scheduling.adapters.reservations import Reservations, SlotTaken, room, staff
from scheduling.domain.case_view import CaseEvent, CaseView
from scheduling.domain.errors import BookingCode, BookingRefused, ImpossibleTransition
from scheduling.domain.meeting import Meeting, busy_of, cancel_future_meetings, suggest_slots
from scheduling.domain.policy import SchedulingPolicy
from scheduling.domain.slots import SEARCH_HORIZON
from scheduling.refusals import refusal
from scheduling.settings import SchedulingSettings

log = structlog.get_logger("scheduling")
BOOKINGS = UUID("e0fa3486-b028-47b6-a6e0-72f9d9481903")
"""Namespace of the meeting ids derived from booking commands."""


@dataclass(frozen=True)
class Scheduling:
    """What the handlers need, wired once by bootstrap."""

    settings: SchedulingSettings
    views: ViewStore[CaseView]
    meetings: Meetings
    reservations: Reservations
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


# --- events ------------------------------------------------------------------------------


async def when_case_event_update_view(event: CaseEvent, scheduling: Scheduling) -> None:
    """Keep the case view; when the case ends, call off its future meetings (neutral reason)."""
    view = await scheduling.views.apply(event, CaseView.for_event, CaseView.apply)
    if view is None:
        log.info("duplicate_ignored")
        return
    if (reason := view.ended) is not None:
        for meeting in await scheduling.meetings.of_case(event.tenant, event.subject):

            async def decide(current: Meeting | None, commands: frozenset[str]) -> Decision[bool]:
                if current is None:
                    return Decision(False)
                cancelled = cancel_future_meetings([current], reason, scheduling.clock(), event)
                if not cancelled:
                    return Decision(False)
                return Decision(True, scheduling.meetings.document(current, commands), cancelled)

            if await scheduling.meetings.change(meeting.meeting_id, decide):
                await scheduling.reservations.release(meeting.meeting_id)
                log.info("meeting_cancelled", meeting_id=meeting.meeting_id, reason=reason)


# --- commands ----------------------------------------------------------------------------


def meeting_id_of(tenant: str, command_id: UUID) -> str:
    """The id of the meeting a booking command makes: the same for a repeated command, so two
    replicas answering one command (a retry) book one meeting."""
    return str(uuid5(BOOKINGS, f"{tenant}:{command_id}"))


async def book_meeting(command: BookMeeting, tenant: str, scheduling: Scheduling) -> Reply:
    if (done := await scheduling.meetings.by_command(tenant, command.command_id)) is not None:
        return answer(done, scheduling)

    async def decide(existing: Meeting | None, commands: frozenset[str]) -> Decision[Meeting]:
        if existing is not None:
            return Decision(existing)  # this command, done meanwhile by another replica
        view = await _view(tenant, command.case_id, scheduling)
        policy = scheduling.settings.policy_for(tenant)
        length = policy.length_of(command.kind)
        busy = await scheduling.meetings.scheduled_between(
            tenant, command.starts_at, command.starts_at + length + policy.buffer
        )
        meeting, outgoing = Meeting.book(
            meeting_id=meeting_id_of(tenant, command.command_id),
            case=view,
            policy=policy,
            busy=busy_of(busy),
            kind=command.kind,
            format=command.format,
            starts_at=command.starts_at,
            now=scheduling.clock(),
            source=scheduling.settings.source,
            party_id=command.party_id,
            with_note_taker=command.with_note_taker,
            join_url=command.join_url,
            phone_callers=command.phone_callers,
        )
        await _reserve(meeting, scheduling)
        document = scheduling.meetings.document(meeting, {str(command.command_id)})
        return Decision(meeting, document, outgoing)

    meeting = await scheduling.meetings.change(meeting_id_of(tenant, command.command_id), decide)
    log.info("meeting_booked", meeting_id=meeting.meeting_id, case_id=str(command.case_id))
    return answer(meeting, scheduling)


async def move_meeting(command: MoveMeeting, tenant: str, scheduling: Scheduling) -> Reply:
    async def decide(meeting: Meeting | None, commands: frozenset[str]) -> Decision[Meeting]:
        meeting = _found(meeting, tenant, command.case_id)
        if str(command.command_id) in commands:
            return Decision(meeting)
        view = await _view(tenant, command.case_id, scheduling)
        policy = scheduling.settings.policy_for(tenant)
        length = meeting.ends_at - meeting.starts_at
        busy = await scheduling.meetings.scheduled_between(
            tenant, command.starts_at, command.starts_at + length + policy.buffer
        )
        outgoing = meeting.move(
            case=view,
            policy=policy,
            busy=busy_of(busy),
            starts_at=command.starts_at,
            now=scheduling.clock(),
        )
        await _reserve(meeting, scheduling)
        document = scheduling.meetings.document(meeting, commands | {str(command.command_id)})
        return Decision(meeting, document, outgoing)

    meeting = await scheduling.meetings.change(command.meeting_id, decide)
    log.info("meeting_moved", meeting_id=meeting.meeting_id)
    return answer(meeting, scheduling)


async def cancel_meeting(command: CancelMeeting, tenant: str, scheduling: Scheduling) -> Reply:
    async def decide(meeting: Meeting | None, commands: frozenset[str]) -> Decision[Meeting]:
        meeting = _found(meeting, tenant, command.case_id)
        if str(command.command_id) in commands:
            return Decision(meeting)
        outgoing = meeting.cancel("requested", scheduling.clock())
        document = scheduling.meetings.document(meeting, commands | {str(command.command_id)})
        return Decision(meeting, document, outgoing)

    meeting = await scheduling.meetings.change(command.meeting_id, decide)
    await scheduling.reservations.release(meeting.meeting_id)
    log.info("meeting_cancelled", meeting_id=meeting.meeting_id, reason="requested")
    return answer(meeting, scheduling)


async def mark_meeting_held(command: MarkMeetingHeld, tenant: str, scheduling: Scheduling) -> Reply:
    async def decide(meeting: Meeting | None, commands: frozenset[str]) -> Decision[Meeting]:
        meeting = _found(meeting, tenant, command.case_id)
        if str(command.command_id) in commands:
            return Decision(meeting)
        outgoing = meeting.mark_held(command.marked_by, scheduling.clock())
        document = scheduling.meetings.document(meeting, commands | {str(command.command_id)})
        return Decision(meeting, document, outgoing)

    meeting = await scheduling.meetings.change(command.meeting_id, decide)
    log.info("meeting_held", meeting_id=meeting.meeting_id)
    return answer(meeting, scheduling)


async def suggest(query: SuggestSlots, tenant: str, scheduling: Scheduling) -> Reply:
    view = await _view(tenant, query.case_id, scheduling)
    policy = scheduling.settings.policy_for(tenant)
    now = scheduling.clock()
    after = max(query.after or now, now)
    busy = await scheduling.meetings.scheduled_between(tenant, after, after + SEARCH_HORIZON)
    slots = suggest_slots(
        case=view,
        policy=policy,
        busy=busy_of(busy),
        kind=query.kind,
        format=query.format,
        after=after,
        count=query.count,
        party_id=query.party_id,
    )
    return Reply(
        ok=True,
        slots=[
            SlotView(starts_at=x.starts_at, ends_at=x.ends_at, room_ids=list(x.room_ids))
            for x in slots
        ],
    )


async def list_meetings(query: ListMeetings, tenant: str, scheduling: Scheduling) -> Reply:
    meetings = await scheduling.meetings.of_case(tenant, query.case_id)
    policy = scheduling.settings.policy_for(tenant)
    return Reply(ok=True, meetings=[view_of(meeting, policy) for meeting in meetings])


# --- periodic work ---------------------------------------------------------------------

ORPHAN_AGE = timedelta(minutes=5)


async def release_orphan_reservations(scheduling: Scheduling) -> int:
    """A crash between reserving and saving a booking leaves reservations without a meeting;
    after a while (a booking takes milliseconds) they are released so the slot is free."""
    released = 0
    for meeting_id in await scheduling.reservations.held_before(scheduling.clock() - ORPHAN_AGE):
        # A booking in flight commits its meeting within milliseconds of reserving; five
        # minutes on, a reservation without its meeting is a crash's leftover.
        if await scheduling.meetings.exists(meeting_id):
            continue
        await scheduling.reservations.release(meeting_id)
        log.warning("orphan_reservations_released", meeting_id=meeting_id)
        released += 1
    return released


# --- helpers -----------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


async def _view(tenant: str, case_id: UUID, scheduling: Scheduling) -> CaseView:
    view = await scheduling.views.get(tenant, case_id)
    if view is None:
        raise BookingRefused("case_unknown", f"case {case_id} is not known to scheduling")
    return view


def _found(meeting: Meeting | None, tenant: str, case_id: UUID) -> Meeting:
    if meeting is None or meeting.tenant != tenant or meeting.case_id != case_id:
        raise Refused(refusal("meeting_unknown"))
    return meeting


async def _reserve(meeting: Meeting, scheduling: Scheduling) -> None:
    """The race-proof guard behind the domain's check: refused if another booking won."""
    policy = scheduling.settings.policy_for(meeting.tenant)
    resources = [staff(meeting.mediator_id)]
    if meeting.note_taker_id is not None:
        resources.append(staff(meeting.note_taker_id))
    resources += [room(room_id) for room_id in meeting.location.room_ids]
    try:
        await scheduling.reservations.reserve(
            meeting.tenant,
            meeting.meeting_id,
            resources,
            meeting.starts_at,
            meeting.ends_at + policy.buffer,
            granule=policy.granularity,
        )
    except SlotTaken as taken:
        code: BookingCode = "note_taker_busy"
        if taken.resource.startswith("room:"):
            code = "room_busy"
        elif taken.resource == staff(meeting.mediator_id):
            code = "mediator_busy"
        at = f"{taken.at:%Y-%m-%d %H:%M} UTC"
        raise BookingRefused(code, f"{taken.resource} is taken at {at}") from None


def view_of(meeting: Meeting, policy: SchedulingPolicy) -> MeetingView:
    """The meeting as the contract shows it, its rooms named as the policy names them now."""
    return MeetingView(
        meeting_id=meeting.meeting_id,
        case_id=meeting.case_id,
        kind=meeting.kind,
        format=meeting.format,
        status=meeting.status.value,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        participants=meeting.participants,
        rooms=[
            RoomView(room_id=room_id, name=policy.room_names.get(room_id))
            for room_id in meeting.location.room_ids
        ],
    )


def answer(meeting: Meeting, scheduling: Scheduling) -> Reply:
    return Reply(ok=True, meeting=view_of(meeting, scheduling.settings.policy_for(meeting.tenant)))


def refused(error: BookingRefused | ImpossibleTransition | Refused) -> Reply:
    if isinstance(error, Refused):
        return Reply(ok=False, error=error.refusal)
    return Reply(ok=False, error=refusal(error.code, error.message))
