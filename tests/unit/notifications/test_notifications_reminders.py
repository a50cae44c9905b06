"""Reminders (notifications/domain/reminders.py): when they are due, and how booking, moving
and cancelling a meeting replace or drop them, whatever order the events arrive in."""

from datetime import UTC, datetime, timedelta
from itertools import permutations
from uuid import uuid4

import pytest
from notifications.domain.reminders import (
    DEFAULT_LEAD,
    ReminderPlan,
    due_now,
    plan,
    reminder_due,
)
from pydantic import TypeAdapter

from tests.data.notifications import CPH, cancelled, local, rescheduled, scheduled


def test_the_default_is_two_days_before() -> None:
    assert timedelta(days=2) == DEFAULT_LEAD
    assert reminder_due(local("2026-03-27 10:00")) == local("2026-03-25 10:00")


def test_across_a_daylight_saving_change_the_wall_clock_or_the_hours_count() -> None:
    monday = local("2026-03-30 09:00")  # summer time; the clocks moved on Sunday 29 March

    # Two days on the office's wall clock: Saturday 09:00 (winter time), 47 hours before.
    assert reminder_due(monday, tz=CPH) == local("2026-03-28 09:00")
    assert reminder_due(monday, tz=CPH) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    # Without a zone: exactly 48 hours, Saturday 08:00 on the wall.
    assert reminder_due(monday) == local("2026-03-28 08:00")


def test_the_lead_is_configurable() -> None:
    assert reminder_due(local("2026-03-27 10:00"), timedelta(hours=20)) == local("2026-03-26 14:00")


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        reminder_due(datetime(2026, 3, 27, 10))  # naive: the point of the test


def test_a_booking_plans_its_reminder() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))

    planned = plan(None, booking, tz=CPH)

    reminder = planned.reminder
    assert reminder is not None
    assert not planned.cancelled
    assert reminder.due_at == local("2026-03-25 10:00")
    assert (reminder.meeting_id, reminder.kind, reminder.format) == (
        "meeting-1",
        "mediation",
        "joint",
    )
    assert reminder.starts_at == booking.data.starts_at
    assert reminder.participants == tuple(booking.data.participants)
    assert reminder.trigger_event_id == booking.id
    assert (planned.decided_at, planned.decided_by) == (booking.time, str(booking.id))


def test_a_meeting_booked_closer_than_the_lead_gets_no_reminder() -> None:
    soon = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-26 09:00"))

    planned = plan(None, soon)

    assert planned.reminder is None
    assert not planned.cancelled
    # With a shorter lead it gets one.
    assert plan(None, soon, lead=timedelta(hours=3)).reminder is not None


def test_moving_replaces_the_reminder() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    move = rescheduled(booking, local("2026-04-10 13:00"), moved_at=local("2026-03-26 09:00"))

    planned = plan(plan(None, booking), move)

    assert planned.reminder is not None
    assert planned.reminder.due_at == local("2026-04-08 13:00")
    assert planned.reminder.trigger_event_id == move.id


def test_moving_to_a_time_too_soon_drops_the_reminder() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    move = rescheduled(booking, local("2026-03-20 13:00"), moved_at=local("2026-03-19 09:00"))

    assert plan(plan(None, booking), move).reminder is None


def test_cancelling_drops_the_reminder_for_good() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    cancellation = cancelled(booking, cancelled_at=local("2026-03-02 09:00"))

    planned = plan(plan(None, booking), cancellation)

    assert planned.cancelled
    assert planned.reminder is None
    assert plan(planned, booking) is planned  # a late or redelivered booking changes nothing


def test_any_order_of_events_ends_in_the_same_plan() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    first = rescheduled(booking, local("2026-04-10 13:00"), moved_at=local("2026-03-02 09:00"))
    second = rescheduled(first, local("2026-04-20 13:00"), moved_at=local("2026-03-03 09:00"))

    outcomes = set()
    for order in permutations([booking, first, second, booking]):
        planned: ReminderPlan | None = None
        for event in order:
            planned = plan(planned, event)
        assert planned is not None
        assert planned.reminder is not None
        outcomes.add((planned.reminder.due_at, planned.decided_by))

    assert outcomes == {(local("2026-04-18 13:00"), str(second.id))}


def test_a_plan_of_another_meeting_is_refused() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    other = scheduled(
        booking.subject,
        local("2026-03-27 10:00"),
        meeting_id="meeting-2",
        booked_at=local("2026-03-01 09:00"),
    )

    with pytest.raises(ValueError, match="another meeting"):
        plan(plan(None, booking), other)


def test_a_reminder_is_sent_from_its_time_until_the_meeting_starts() -> None:
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    reminder = plan(None, booking).reminder
    assert reminder is not None

    assert not due_now(reminder, local("2026-03-25 09:59"))
    assert due_now(reminder, local("2026-03-25 10:00"))
    assert due_now(reminder, local("2026-03-27 09:59"))  # late, but still of use
    assert not due_now(reminder, local("2026-03-27 10:00"))


def test_a_plan_is_stored_and_loaded_with_a_type_adapter() -> None:
    adapter = TypeAdapter(ReminderPlan)
    booking = scheduled(uuid4(), local("2026-03-27 10:00"), booked_at=local("2026-03-01 09:00"))
    planned = plan(None, booking)

    assert adapter.validate_json(adapter.dump_json(planned)) == planned
