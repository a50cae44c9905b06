"""When a meeting can take place: working hours, buffers, free staff and rooms. Pure.

A meeting lasts real time (UTC arithmetic); working days, working hours and slot starts are
read on the wall clock of the policy's timezone. So 09:00 in Copenhagen is 08:00 UTC in winter
and 07:00 UTC in summer; a start in the hour that spring-forward skips does not exist; and in
the hour repeated in autumn each wall-clock start exists twice (once per UTC offset).

Nobody is in two meetings at once: the mediator, a participating note-taker and every room
keep ``policy.buffer`` free before and after each meeting they are in. A meeting at the
premises needs a meeting room; the further rooms of a shuttle mediation may be waiting rooms.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from scheduling.domain.errors import BookingCode, BookingRefused
from scheduling.domain.policy import SchedulingPolicy

SEARCH_HORIZON = timedelta(days=90)


@dataclass(frozen=True)
class Busy:
    """A time in which staff and rooms are taken, usually by another meeting."""

    starts_at: datetime
    ends_at: datetime
    staff_ids: frozenset[str] = frozenset()
    room_ids: frozenset[str] = frozenset()
    meeting_id: str | None = None


@dataclass(frozen=True)
class Slot:
    """A bookable time (aware UTC) and the rooms it would use."""

    starts_at: datetime
    ends_at: datetime
    room_ids: tuple[str, ...] = ()


def check_slot(
    policy: SchedulingPolicy,
    busy: Iterable[Busy],
    *,
    starts_at: datetime,
    length: timedelta,
    mediator_id: str,
    needed_rooms: int,
    now: datetime,
    note_taker_id: str | None = None,
    room_ids: Sequence[str] | None = None,
) -> Slot:
    """The slot at ``starts_at`` if it can be booked, else :class:`BookingRefused` saying why.

    Without ``room_ids`` the first free rooms in the policy's order are taken.
    """
    _require_aware(starts_at, now)
    if starts_at < now:
        raise BookingRefused("in_the_past", f"{_local(policy, starts_at)} is in the past")
    if room_ids is not None:
        if unknown := sorted(set(room_ids) - set(policy.rooms)):
            raise BookingRefused("unknown_room", f"no such room: {', '.join(unknown)}")
        if len(room_ids) != needed_rooms or len(set(room_ids)) != len(room_ids):
            raise BookingRefused(
                "wrong_number_of_rooms", f"this format needs {needed_rooms} room(s)"
            )
        if room_ids and not set(room_ids) & set(policy.meeting_rooms):
            raise BookingRefused(
                "not_a_meeting_room", f"{', '.join(room_ids)}: waiting rooms, no meeting room"
            )
    result = _assess(
        policy, busy, starts_at, length, mediator_id, note_taker_id, needed_rooms, room_ids
    )
    if isinstance(result, BookingRefused):
        raise result
    return result


def free_slots(
    policy: SchedulingPolicy,
    busy: Iterable[Busy],
    *,
    mediator_id: str,
    needed_rooms: int,
    length: timedelta,
    after: datetime,
    count: int,
    note_taker_id: str | None = None,
    horizon: timedelta = SEARCH_HORIZON,
) -> list[Slot]:
    """The first ``count`` bookable slots starting at or after ``after``, earliest first.

    Searches ``horizon`` ahead; fewer (or no) slots come back when the calendar is full.
    """
    _require_aware(after)
    if count <= 0 or needed_rooms > len(policy.rooms):
        return []
    staff = frozenset(s for s in (mediator_id, note_taker_id) if s is not None)
    relevant = [b for b in busy if b.staff_ids & staff or b.room_ids & set(policy.rooms)]
    found: list[Slot] = []
    first_day = policy.local(after).date()
    last_day = policy.local(after + horizon).date()
    for ordinal in range(first_day.toordinal(), last_day.toordinal() + 1):
        day = date.fromordinal(ordinal)
        if not policy.is_working_day(day):
            continue
        for start in _aligned_starts(policy, day):
            if start < after:
                continue
            result = _assess(
                policy, relevant, start, length, mediator_id, note_taker_id, needed_rooms, None
            )
            if isinstance(result, Slot):
                found.append(result)
                if len(found) == count:
                    return found
    return found


def _aligned_starts(policy: SchedulingPolicy, day: date) -> list[datetime]:
    """Every start on ``day`` at the day's start plus a multiple of the granularity, local
    wall clock, as UTC: skipped wall-clock times left out, repeated ones given twice."""
    wall = datetime.combine(day, policy.day_starts)
    day_ends = datetime.combine(day, policy.day_ends)
    starts: set[datetime] = set()
    while wall < day_ends:
        for fold in (0, 1):
            moment = wall.replace(tzinfo=policy.timezone, fold=fold).astimezone(UTC)
            if policy.local(moment).replace(tzinfo=None) == wall:
                starts.add(moment)
        wall += policy.granularity
    return sorted(starts)


def _assess(
    policy: SchedulingPolicy,
    busy: Iterable[Busy],
    starts_at: datetime,
    length: timedelta,
    mediator_id: str,
    note_taker_id: str | None,
    needed_rooms: int,
    room_ids: Sequence[str] | None,
) -> Slot | BookingRefused:
    """The slot, or the refusal that explains why not (returned, so a search can skip on)."""
    starts_at = starts_at.astimezone(UTC)
    ends_at = starts_at + length
    start, end = policy.local(starts_at), policy.local(ends_at)
    when = f"{_local(policy, starts_at)}–{end:%H:%M}"
    if not (
        policy.is_working_day(start.date())
        and end.date() == start.date()
        and policy.day_starts <= start.time()
        and end.time() <= policy.day_ends
    ):
        return BookingRefused(
            "outside_working_hours",
            f"{when} is outside working hours ({policy.day_starts:%H:%M}–"
            f"{policy.day_ends:%H:%M} on working days)",
        )
    since_day_start = start.replace(tzinfo=None) - datetime.combine(start.date(), policy.day_starts)
    if since_day_start % policy.granularity:
        minutes = policy.granularity // timedelta(minutes=1)
        return BookingRefused(
            "not_aligned", f"meetings start every {minutes} minutes from {policy.day_starts:%H:%M}"
        )
    overlapping = [
        b
        for b in busy
        if b.starts_at < ends_at + policy.buffer and starts_at - policy.buffer < b.ends_at
    ]
    staff: tuple[tuple[str | None, BookingCode], ...] = (
        (mediator_id, "mediator_busy"),
        (note_taker_id, "note_taker_busy"),
    )
    for staff_id, code in staff:
        if staff_id is not None and any(staff_id in b.staff_ids for b in overlapping):
            return BookingRefused(code, f"{staff_id} is in another meeting at {when}")
    taken = {room for b in overlapping for room in b.room_ids}
    if room_ids is not None:
        if busy_rooms := sorted(taken.intersection(room_ids)):
            return BookingRefused("room_busy", f"{', '.join(busy_rooms)} taken at {when}")
        return Slot(starts_at, ends_at, tuple(room_ids))
    rooms = _free_rooms(policy, taken, needed_rooms)
    if rooms is None:
        return BookingRefused("no_room_free", f"{needed_rooms} room(s) needed, not free at {when}")
    return Slot(starts_at, ends_at, rooms)


def _free_rooms(
    policy: SchedulingPolicy, taken: set[str], needed_rooms: int
) -> tuple[str, ...] | None:
    """A free meeting room first, then (shuttle mediation) free waiting rooms before other
    meeting rooms, so meeting rooms stay free for other meetings; None if too few are free."""
    if needed_rooms == 0:
        return ()
    meeting = [room for room in policy.meeting_rooms if room not in taken]
    waiting = [room for room in policy.rooms if room in policy.waiting_rooms and room not in taken]
    if not meeting or len(meeting) + len(waiting) < needed_rooms:
        return None
    return (meeting[0], *(waiting + meeting[1:])[: needed_rooms - 1])


def _local(policy: SchedulingPolicy, moment: datetime) -> str:
    return f"{policy.local(moment):%Y-%m-%d %H:%M} ({policy.timezone.key})"


def _require_aware(*moments: datetime) -> None:
    if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
        raise ValueError("times must be timezone-aware")
