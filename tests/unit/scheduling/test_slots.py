"""Finding and checking meeting times (scheduling/domain/slots.py, policy.py).

Times are written as Copenhagen wall-clock (what people at the office see) and compared in UTC
(what is stored). Daylight saving in 2026: summer time from 2026-03-29, winter from 2026-10-25.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from scheduling.domain.errors import BookingRefused
from scheduling.domain.policy import SchedulingPolicy
from scheduling.domain.slots import Busy, Slot, check_slot, free_slots

CPH = ZoneInfo("Europe/Copenhagen")
POLICY = SchedulingPolicy()
MEDIATOR = "mediator-7"
OTHER_MEDIATOR = "mediator-9"
NOTE_TAKER = "note-taker-3"
NINETY = timedelta(minutes=90)


def local(text: str) -> datetime:
    """A Copenhagen wall-clock time, e.g. '2026-03-30 09:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def busy(
    start: str, end: str, *staff: str, rooms: tuple[str, ...] = (), meeting_id: str = "other"
) -> Busy:
    return Busy(local(start), local(end), frozenset(staff), frozenset(rooms), meeting_id)


def starts(slots: list[Slot]) -> list[str]:
    """Slot starts as Copenhagen wall-clock text."""
    return [f"{s.starts_at.astimezone(CPH):%Y-%m-%d %H:%M}" for s in slots]


def first_slots(
    after: datetime,
    busy_times: list[Busy] | None = None,
    *,
    policy: SchedulingPolicy = POLICY,
    count: int = 1,
    needed_rooms: int = 1,
    length: timedelta = NINETY,
    note_taker_id: str | None = None,
    horizon: timedelta = timedelta(days=90),
) -> list[Slot]:
    return free_slots(
        policy,
        busy_times or [],
        mediator_id=MEDIATOR,
        note_taker_id=note_taker_id,
        needed_rooms=needed_rooms,
        length=length,
        after=after,
        count=count,
        horizon=horizon,
    )


NOW = local("2026-03-02 08:00")  # a Monday morning, winter time


def check(
    start: datetime,
    busy_times: list[Busy] | None = None,
    *,
    policy: SchedulingPolicy = POLICY,
    needed_rooms: int = 1,
    room_ids: tuple[str, ...] | None = None,
    length: timedelta = NINETY,
    now: datetime = NOW,
) -> Slot:
    return check_slot(
        policy,
        busy_times or [],
        starts_at=start,
        length=length,
        mediator_id=MEDIATOR,
        note_taker_id=NOTE_TAKER,
        needed_rooms=needed_rooms,
        room_ids=room_ids,
        now=now,
    )


# --- the policy ----------------------------------------------------------------------------


def test_the_default_policy_is_an_ordinary_copenhagen_office_week() -> None:
    assert POLICY.timezone.key == "Europe/Copenhagen"
    assert POLICY.working_days == {1, 2, 3, 4, 5}
    assert (POLICY.day_starts, POLICY.day_ends) == (time(8, 30), time(15, 30))
    assert POLICY.length_of("mediation") == timedelta(minutes=90)
    assert POLICY.length_of("pre_meeting") == timedelta(minutes=45)
    assert POLICY.length_of("follow_up") == timedelta(minutes=60)
    assert POLICY.buffer == POLICY.granularity == timedelta(minutes=15)
    assert len(POLICY.rooms) == 2


def test_a_tenant_configures_its_own_policy_from_plain_values() -> None:
    policy = SchedulingPolicy.model_validate(
        {
            "timezone": "Europe/Copenhagen",
            "working_days": [1, 2, 3, 4],
            "closed_dates": ["2026-12-24"],
            "day_starts": "09:00",
            "day_ends": "14:00",
            "mediation_length": "PT2H",
            "rooms": ["lokale-1"],
            "address": "Rådhuspladsen 1, 1550 København V",
        }
    )
    assert policy.length_of("mediation") == timedelta(hours=2)
    assert not policy.is_working_day(date(2026, 12, 24))  # a Thursday, but closed
    assert not policy.is_working_day(date(2026, 12, 25))  # a Friday: not a working day here
    assert policy.is_working_day(date(2026, 12, 23))


@pytest.mark.parametrize(
    "override",
    [
        {"timezone": "Europe/Atlantis"},
        {"working_days": []},
        {"working_days": [0, 1]},
        {"working_days": [8]},
        {"day_starts": "15:30", "day_ends": "08:30"},
        {"day_starts": "09:00", "day_ends": "09:00"},
        {"granularity": "PT0S"},
        {"granularity": "PT90S"},
        {"buffer": "-PT15M"},
        {"mediation_length": "PT0S"},
        {"pre_meeting_length": "PT8H"},
        {"rooms": ["room-1", "room-1"]},
        {"rooms": ["room 1"]},
        {"unknown_setting": True},
    ],
)
def test_a_policy_that_cannot_work_is_rejected(override: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SchedulingPolicy.model_validate(override)


# --- free slots: working hours -------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "first_start", "first_start_utc"),
    [
        ("2026-03-23 00:00", "2026-03-23 08:30", "2026-03-23 07:30"),  # Monday, winter time
        (
            "2026-03-27 16:00",
            "2026-03-30 08:30",
            "2026-03-30 06:30",
        ),  # Friday late → Monday, summer
        ("2026-10-23 00:00", "2026-10-23 08:30", "2026-10-23 06:30"),  # Friday, summer time
        ("2026-10-24 10:00", "2026-10-26 08:30", "2026-10-26 07:30"),  # Saturday → Monday, winter
    ],
)
def test_the_working_day_starts_at_the_same_local_time_on_both_sides_of_daylight_saving(
    after: str, first_start: str, first_start_utc: str
) -> None:
    [slot] = first_slots(local(after))
    assert starts([slot]) == [first_start]
    assert slot.starts_at == utc(first_start_utc)
    assert slot.starts_at.tzinfo is UTC
    assert slot.ends_at - slot.starts_at == NINETY


def test_slots_step_by_the_granularity_from_the_start_of_the_day() -> None:
    slots = first_slots(local("2026-03-02 00:00"), count=3)
    assert starts(slots) == ["2026-03-02 08:30", "2026-03-02 08:45", "2026-03-02 09:00"]


def test_a_search_from_between_two_starts_begins_at_the_next_start() -> None:
    assert starts(first_slots(local("2026-03-02 09:07"))) == ["2026-03-02 09:15"]


def test_the_last_slot_of_a_day_ends_exactly_when_the_day_ends() -> None:
    slots = first_slots(local("2026-03-02 13:45"), count=3)
    assert starts(slots) == ["2026-03-02 13:45", "2026-03-02 14:00", "2026-03-03 08:30"]
    assert slots[1].ends_at.astimezone(CPH).time() == time(15, 30)


def test_weekends_and_closed_dates_have_no_slots() -> None:
    policy = SchedulingPolicy(closed_dates=frozenset({date(2026, 4, 6)}))  # Easter Monday
    assert starts(first_slots(local("2026-04-03 15:00"), policy=policy)) == ["2026-04-07 08:30"]


def test_a_meeting_longer_than_what_is_left_of_the_day_moves_to_the_next_day() -> None:
    slots = first_slots(local("2026-03-02 14:30"), length=timedelta(hours=2))
    assert starts(slots) == ["2026-03-03 08:30"]


# --- free slots: who and what is busy ------------------------------------------------------


def test_the_mediator_keeps_a_buffer_before_and_after_other_meetings() -> None:
    taken = [busy("2026-03-02 10:30", "2026-03-02 12:00", MEDIATOR)]
    slots = first_slots(local("2026-03-02 08:30"), taken, count=3)
    # 08:45 would end 10:15, exactly the buffer before 10:30; 09:00 would end inside it.
    assert starts(slots) == ["2026-03-02 08:30", "2026-03-02 08:45", "2026-03-02 12:15"]


def test_another_mediators_meetings_do_not_block_this_mediator() -> None:
    taken = [busy("2026-03-02 08:30", "2026-03-02 15:30", OTHER_MEDIATOR)]
    assert starts(first_slots(local("2026-03-02 08:30"), taken)) == ["2026-03-02 08:30"]


def test_a_participating_note_taker_must_be_free_too() -> None:
    taken = [busy("2026-03-02 08:30", "2026-03-02 10:00", OTHER_MEDIATOR, NOTE_TAKER)]
    without = first_slots(local("2026-03-02 08:30"), taken)
    with_note_taker = first_slots(local("2026-03-02 08:30"), taken, note_taker_id=NOTE_TAKER)
    assert starts(without) == ["2026-03-02 08:30"]
    assert starts(with_note_taker) == ["2026-03-02 10:15"]


def test_a_slot_gets_the_first_free_room_in_the_policys_order() -> None:
    taken = [busy("2026-03-02 08:00", "2026-03-02 12:00", OTHER_MEDIATOR, rooms=("room-1",))]
    [slot] = first_slots(local("2026-03-02 08:30"), taken)
    assert slot.room_ids == ("room-2",)


def test_shuttle_mediation_waits_for_two_free_rooms_at_the_same_time() -> None:
    taken = [busy("2026-03-02 08:30", "2026-03-02 11:00", OTHER_MEDIATOR, rooms=("room-1",))]
    [joint] = first_slots(local("2026-03-02 08:30"), taken, needed_rooms=1)
    [shuttle] = first_slots(local("2026-03-02 08:30"), taken, needed_rooms=2)
    assert (starts([joint]), joint.room_ids) == (["2026-03-02 08:30"], ("room-2",))
    assert (starts([shuttle]), shuttle.room_ids) == (["2026-03-02 11:15"], ("room-1", "room-2"))


def test_phone_and_video_meetings_need_no_free_room() -> None:
    taken = [
        busy("2026-03-02 08:00", "2026-03-02 16:00", OTHER_MEDIATOR, rooms=("room-1", "room-2"))
    ]
    [slot] = first_slots(local("2026-03-02 08:30"), taken, needed_rooms=0)
    assert (starts([slot]), slot.room_ids) == (["2026-03-02 08:30"], ())


def test_no_slots_when_the_office_has_fewer_rooms_than_the_format_needs() -> None:
    policy = SchedulingPolicy(rooms=("room-1",))
    assert first_slots(local("2026-03-02 08:30"), policy=policy, needed_rooms=2) == []


def test_a_full_calendar_gives_fewer_slots_than_asked_within_the_horizon() -> None:
    taken = [busy("2026-03-02 08:00", "2026-03-02 14:30", MEDIATOR)]
    slots = first_slots(
        local("2026-03-02 08:00"),
        taken,
        count=5,
        length=timedelta(minutes=45),
        horizon=timedelta(hours=12),
    )
    assert starts(slots) == ["2026-03-02 14:45"]


def test_asking_for_no_slots_gives_none() -> None:
    assert first_slots(local("2026-03-02 08:00"), count=0) == []


# --- free slots: daylight-saving days, with a policy that works every day ------------------


@pytest.mark.parametrize(
    ("day", "nine_local_in_utc"),
    [
        ("2026-03-28", "2026-03-28 08:00"),  # Saturday, winter time
        ("2026-03-29", "2026-03-29 07:00"),  # Sunday: summer time from 02:00
        ("2026-10-24", "2026-10-24 07:00"),  # Saturday, summer time
        ("2026-10-25", "2026-10-25 08:00"),  # Sunday: winter time from 03:00
    ],
)
def test_wall_clock_working_hours_hold_on_the_day_the_clocks_change(
    day: str, nine_local_in_utc: str
) -> None:
    every_day = SchedulingPolicy(working_days=frozenset(range(1, 8)), day_starts=time(9))
    [slot] = first_slots(local(f"{day} 00:00"), policy=every_day)
    assert slot.starts_at == utc(nine_local_in_utc)


NIGHT_OWLS = SchedulingPolicy(
    working_days=frozenset(range(1, 8)),
    day_starts=time(0),
    day_ends=time(5),
    granularity=timedelta(minutes=30),
    pre_meeting_length=timedelta(minutes=30),
)


def test_a_start_in_the_hour_that_spring_forward_skips_does_not_exist() -> None:
    slots = first_slots(
        local("2026-03-29 00:00"), policy=NIGHT_OWLS, count=8, length=timedelta(minutes=30)
    )
    assert [f"{s.starts_at.astimezone(CPH):%H:%M %Z}" for s in slots] == [
        "00:00 CET", "00:30 CET", "01:00 CET", "01:30 CET",
        "03:00 CEST", "03:30 CEST", "04:00 CEST", "04:30 CEST",
    ]  # fmt: skip


def test_each_start_in_the_hour_repeated_in_autumn_is_offered_twice() -> None:
    slots = first_slots(
        local("2026-10-25 01:30"), policy=NIGHT_OWLS, count=6, length=timedelta(minutes=30)
    )
    assert [f"{s.starts_at.astimezone(CPH):%H:%M %Z}" for s in slots] == [
        "01:30 CEST", "02:00 CEST", "02:30 CEST", "02:00 CET", "02:30 CET", "03:00 CET",
    ]  # fmt: skip
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)


def test_a_meeting_across_the_clock_change_lasts_its_real_length() -> None:
    slot = check(local("2026-03-29 01:30"), policy=NIGHT_OWLS, now=local("2026-03-28 00:00"))
    assert slot.ends_at - slot.starts_at == NINETY
    assert f"{slot.ends_at.astimezone(CPH):%H:%M %Z}" == "04:00 CEST"


# --- checking one requested time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start_utc", "bookable"),
    [
        ("2026-03-27 07:00", False),  # Friday 08:00 CET: before the day starts
        ("2026-03-27 07:30", True),  # Friday 08:30 CET
        ("2026-03-30 06:30", True),  # Monday 08:30 CEST
        ("2026-03-30 06:00", False),  # Monday 08:00 CEST
        ("2026-03-30 12:30", False),  # Monday 14:30 CEST: would end 16:00
        ("2026-10-26 07:30", True),  # Monday 08:30 CET
        ("2026-10-26 06:30", False),  # Monday 07:30 CET
    ],
)
def test_working_hours_are_judged_on_the_local_wall_clock(start_utc: str, bookable: bool) -> None:
    if bookable:
        assert check(utc(start_utc)).starts_at == utc(start_utc)
    else:
        with pytest.raises(BookingRefused) as refused:
            check(utc(start_utc))
        assert refused.value.code == "outside_working_hours"


def test_a_free_time_is_booked_in_utc_with_the_first_free_rooms() -> None:
    slot = check(local("2026-03-02 10:00"), needed_rooms=2)
    assert slot == Slot(utc("2026-03-02 09:00"), utc("2026-03-02 10:30"), ("room-1", "room-2"))


def test_a_requested_room_is_used_when_free() -> None:
    assert check(local("2026-03-02 10:00"), room_ids=("room-2",)).room_ids == ("room-2",)


def test_the_buffer_is_exactly_enough() -> None:
    before = busy("2026-03-02 08:30", "2026-03-02 09:45", MEDIATOR, rooms=("room-1",))
    after = busy("2026-03-02 11:45", "2026-03-02 12:30", MEDIATOR, rooms=("room-1",))
    slot = check(local("2026-03-02 10:00"), [before, after], room_ids=("room-1",))
    assert slot.starts_at == local("2026-03-02 10:00")


ROOM_1_TAKEN = busy("2026-03-02 09:00", "2026-03-02 10:00", OTHER_MEDIATOR, rooms=("room-1",))
BOTH_ROOMS_TAKEN = busy(
    "2026-03-02 09:00", "2026-03-02 10:00", OTHER_MEDIATOR, rooms=("room-1", "room-2")
)


@pytest.mark.parametrize(
    ("start", "taken", "needed_rooms", "room_ids", "code"),
    [
        ("2026-03-02 07:45", [], 1, None, "in_the_past"),
        ("2026-03-02 08:15", [], 1, None, "outside_working_hours"),
        ("2026-03-02 14:15", [], 1, None, "outside_working_hours"),
        ("2026-03-07 10:00", [], 1, None, "outside_working_hours"),  # Saturday
        ("2026-03-02 09:10", [], 1, None, "not_aligned"),
        ("2026-03-02 10:00", [], 1, ("room-9",), "unknown_room"),
        ("2026-03-02 10:00", [], 2, ("room-1",), "wrong_number_of_rooms"),
        ("2026-03-02 10:00", [], 0, ("room-1",), "wrong_number_of_rooms"),
        ("2026-03-02 10:00", [], 1, ("room-1", "room-1"), "wrong_number_of_rooms"),
        (
            "2026-03-02 10:00",
            [busy("2026-03-02 11:30", "2026-03-02 12:00", MEDIATOR)],
            1,
            None,
            "mediator_busy",
        ),
        (
            "2026-03-02 10:00",
            [busy("2026-03-02 09:00", "2026-03-02 09:50", OTHER_MEDIATOR, NOTE_TAKER)],
            1,
            None,
            "note_taker_busy",
        ),
        ("2026-03-02 09:30", [ROOM_1_TAKEN], 1, ("room-1",), "room_busy"),
        ("2026-03-02 09:30", [ROOM_1_TAKEN], 2, None, "no_room_free"),
        ("2026-03-02 09:30", [BOTH_ROOMS_TAKEN], 1, None, "no_room_free"),
    ],
)
def test_a_time_that_cannot_be_booked_is_refused_with_its_reason(
    start: str,
    taken: list[Busy],
    needed_rooms: int,
    room_ids: tuple[str, ...] | None,
    code: str,
) -> None:
    with pytest.raises(BookingRefused) as refused:
        check(local(start), taken, needed_rooms=needed_rooms, room_ids=room_ids)
    assert refused.value.code == code
    assert "Anna" not in refused.value.message


def test_a_busy_room_does_not_stop_a_phone_meeting() -> None:
    slot = check(local("2026-03-02 09:30"), [BOTH_ROOMS_TAKEN], needed_rooms=0)
    assert slot.room_ids == ()


def test_a_refusal_names_the_local_time() -> None:
    with pytest.raises(BookingRefused) as refused:
        check(local("2026-03-02 08:15"))
    assert "2026-03-02 08:15 (Europe/Copenhagen)" in refused.value.message


def test_times_without_a_timezone_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check(datetime(2026, 3, 2, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        first_slots(datetime(2026, 3, 2, 10, 0))
