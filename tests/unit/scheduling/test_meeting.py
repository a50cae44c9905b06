"""Meetings (scheduling/domain/meeting.py): booking, moving, cancelling and marking held, the
events each causes, and that nobody and no room is ever in two meetings at once."""

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    MeetingCancelled,
    MeetingFormat,
    MeetingHeld,
    MeetingKind,
    MeetingRescheduled,
    MeetingScheduled,
)
from scheduling.domain.case_view import CaseView
from scheduling.domain.errors import BookingRefused, ImpossibleTransition
from scheduling.domain.formats import rooms_needed
from scheduling.domain.meeting import (
    Meeting,
    MeetingStatus,
    busy_of,
    cancel_future_meetings,
    suggest_slots,
)
from scheduling.domain.policy import SchedulingPolicy

from tests.data.events import ADMINISTRATION, CITIZEN, MEDIATOR, NOTE_TAKER, case_closed, withdrew
from tests.data.scheduling import accepted_case, ready_case

CPH = ZoneInfo("Europe/Copenhagen")
POLICY = SchedulingPolicy(address="Rådhuspladsen 1, 1550 København V")
SCHEDULING = "/kk/scheduling"
OTHER_MEDIATOR = "mediator-9"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


NOW = local("2026-03-02 08:00")  # Monday morning
MONDAY_10 = local("2026-03-02 10:00")


def book(
    case: CaseView,
    starts_at: datetime = MONDAY_10,
    *,
    kind: MeetingKind = "mediation",
    format: MeetingFormat = "joint",
    others: list[Meeting] | None = None,
    **options: Any,
) -> Meeting:
    meeting, _ = Meeting.book(
        meeting_id=f"meeting-{uuid4().hex[:8]}",
        case=case,
        policy=POLICY,
        busy=busy_of(others or []),
        kind=kind,
        format=format,
        starts_at=starts_at,
        now=NOW,
        source=SCHEDULING,
        **options,
    )
    return meeting


def refused_booking(case: CaseView, **booking: Any) -> str:
    with pytest.raises(BookingRefused) as refused:
        book(case, **booking)
    return refused.value.code


def impossible(action: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ImpossibleTransition) as refused:
        action(*args, **kwargs)
    return refused.value.code


def only(events: list[CloudEvent]) -> CloudEvent:
    [event] = events
    return event


# --- booking -------------------------------------------------------------------------------


def test_booking_announces_the_meeting_with_everything_people_need() -> None:
    case = ready_case()
    meeting, events = Meeting.book(
        meeting_id="meeting-1",
        case=case,
        policy=POLICY,
        busy=[],
        kind="mediation",
        format="joint",
        starts_at=MONDAY_10,
        now=NOW,
        source=SCHEDULING,
    )
    event = only(events)
    assert isinstance(event, MeetingScheduled)
    assert (event.tenant, event.subject, event.source) == ("kk", case.case_id, SCHEDULING)
    assert event.correlationid == case.correlation_id
    data = event.data
    assert (data.meeting_id, data.kind, data.format) == ("meeting-1", "mediation", "joint")
    assert (
        data.starts_at
        == local("2026-03-02 10:00")
        == datetime.fromisoformat("2026-03-02T09:00:00+00:00")
    )
    assert data.ends_at - data.starts_at == timedelta(minutes=90)
    assert data.location.kind == "premises"
    assert data.location.room_ids == ["room-1"]
    assert data.location.address == POLICY.address
    assert data.participants == meeting.participants
    assert meeting.status is MeetingStatus.SCHEDULED


@pytest.mark.parametrize(
    ("format", "rooms", "location_kind", "options"),
    [
        ("joint", ["room-1"], "premises", {}),
        ("individual", ["room-1"], "premises", {"party_id": CITIZEN}),
        ("shuttle", ["room-1", "room-2"], "premises", {}),
        ("phone", [], "phone", {}),
        ("video", [], "video", {"join_url": "https://video.example/m/42"}),
    ],
)
def test_each_format_takes_the_rooms_it_needs(
    format: MeetingFormat, rooms: list[str], location_kind: str, options: dict[str, str]
) -> None:
    meeting = book(ready_case(), format=format, **options)
    assert rooms_needed(format, parties=2) == len(rooms)
    assert meeting.location.kind == location_kind
    assert meeting.location.room_ids == rooms


def test_a_video_meeting_carries_its_link() -> None:
    meeting = book(ready_case(), format="video", join_url="https://video.example/m/42")
    assert meeting.location.join_url == "https://video.example/m/42"


@pytest.mark.parametrize(
    ("kind", "length"),
    [("pre_meeting", 45), ("mediation", 90), ("follow_up", 60)],
)
def test_a_meeting_lasts_the_policys_length_for_its_kind(kind: MeetingKind, length: int) -> None:
    meeting = book(ready_case(), kind=kind, party_id=CITIZEN if kind == "pre_meeting" else None)
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=length)


def test_a_pre_meeting_is_booked_for_one_consented_party_before_the_case_is_ready() -> None:
    meeting = book(accepted_case(), kind="pre_meeting", party_id=CITIZEN)
    assert meeting.party_id == CITIZEN
    assert {p.participant_id for p in meeting.participants if p.role == "party"} == {CITIZEN}


def test_the_case_rules_refuse_a_booking() -> None:
    assert refused_booking(accepted_case()) == "not_ready"
    assert refused_booking(accepted_case(), kind="pre_meeting", party_id=ADMINISTRATION) == (
        "party_not_consented"
    )


def test_the_calendar_rules_refuse_a_booking() -> None:
    assert refused_booking(ready_case(), starts_at=local("2026-03-02 15:00")) == (
        "outside_working_hours"
    )
    assert refused_booking(ready_case(), format="phone", room_ids=["room-1"]) == (
        "wrong_number_of_rooms"
    )


# --- no double booking ---------------------------------------------------------------------


def test_a_mediator_is_never_in_two_meetings_at_once() -> None:
    first = book(ready_case())
    assert refused_booking(ready_case(), others=[first]) == "mediator_busy"
    assert refused_booking(ready_case(), format="phone", others=[first]) == "mediator_busy"


def test_a_note_taker_is_never_in_two_meetings_at_once() -> None:
    first = book(ready_case(mediator_id=OTHER_MEDIATOR))
    assert first.note_taker_id == NOTE_TAKER
    assert refused_booking(ready_case(), others=[first]) == "note_taker_busy"


def test_a_room_is_never_in_two_meetings_at_once() -> None:
    first = book(ready_case(mediator_id=OTHER_MEDIATOR, note_taker=False))
    second = book(ready_case(note_taker=False), others=[first])
    assert (first.location.room_ids, second.location.room_ids) == (["room-1"], ["room-2"])
    third_mediator = ready_case(mediator_id="mediator-11", note_taker=False)
    assert refused_booking(third_mediator, others=[first, second]) == "no_room_free"
    assert refused_booking(
        ready_case(mediator_id="mediator-11", note_taker=False),
        others=[first],
        room_ids=["room-1"],
    ) == ("room_busy")


def test_a_cancelled_meeting_frees_its_mediator_and_room() -> None:
    first = book(ready_case())
    first.cancel("requested", NOW)
    assert book(ready_case(), others=[first]).location.room_ids == ["room-1"]


# --- moving --------------------------------------------------------------------------------


def test_moving_announces_the_new_time_and_the_old_one() -> None:
    case = ready_case()
    meeting = book(case)
    event = only(
        meeting.move(
            case=case,
            policy=POLICY,
            busy=busy_of([meeting]),
            starts_at=local("2026-03-02 10:30"),
            now=NOW,
        )
    )
    assert isinstance(event, MeetingRescheduled)
    data = event.data
    assert (data.previous_starts_at, data.starts_at) == (MONDAY_10, local("2026-03-02 10:30"))
    assert data.ends_at - data.starts_at == timedelta(minutes=90)
    assert data.participants == meeting.participants
    assert meeting.starts_at == local("2026-03-02 10:30")


def test_a_moved_meeting_keeps_its_length() -> None:
    case = ready_case()
    meeting = book(case, kind="pre_meeting", party_id=CITIZEN)
    meeting.move(case=case, policy=POLICY, busy=[], starts_at=local("2026-03-03 09:00"), now=NOW)
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=45)


def test_a_move_may_not_land_on_another_meeting() -> None:
    case = ready_case()
    other = book(ready_case(), local("2026-03-03 10:00"))
    meeting = book(case, others=[other])
    before = (meeting.starts_at, meeting.ends_at, meeting.location)
    with pytest.raises(BookingRefused) as refused:
        meeting.move(
            case=case,
            policy=POLICY,
            busy=busy_of([meeting, other]),
            starts_at=local("2026-03-03 10:30"),
            now=NOW,
        )
    assert refused.value.code == "mediator_busy"
    assert (meeting.starts_at, meeting.ends_at, meeting.location) == before


def test_a_move_takes_the_rooms_free_at_the_new_time() -> None:
    case = ready_case()
    meeting = book(case)
    blocker = book(
        ready_case(mediator_id=OTHER_MEDIATOR, note_taker=False), MONDAY_10 + timedelta(days=1)
    )
    meeting.move(
        case=case,
        policy=POLICY,
        busy=busy_of([meeting, blocker]),
        starts_at=MONDAY_10 + timedelta(days=1),
        now=NOW,
    )
    assert meeting.location.room_ids == ["room-2"]


def test_a_meeting_of_an_ended_case_cannot_be_moved() -> None:
    case = ready_case()
    meeting = book(case)
    case.apply(withdrew(case.case_id, CITIZEN))
    with pytest.raises(BookingRefused) as refused:
        meeting.move(case=case, policy=POLICY, busy=[], starts_at=MONDAY_10, now=NOW)
    assert refused.value.code == "case_withdrawn"


# --- what may not happen to a meeting ------------------------------------------------------


def cancelled() -> Meeting:
    meeting = book(ready_case())
    meeting.cancel("requested", NOW)
    return meeting


def held() -> Meeting:
    meeting = book(ready_case())
    meeting.mark_held(MEDIATOR, MONDAY_10 + timedelta(minutes=90))
    return meeting


def move_to_tuesday(meeting: Meeting, now: datetime) -> None:
    meeting.move(
        case=ready_case(), policy=POLICY, busy=[], starts_at=MONDAY_10 + timedelta(days=1), now=now
    )


STARTED = MONDAY_10 + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("meeting", "action", "code"),
    [
        (cancelled, lambda m: m.cancel("requested", NOW), "meeting_cancelled"),
        (cancelled, lambda m: move_to_tuesday(m, NOW), "meeting_cancelled"),
        (cancelled, lambda m: m.mark_held(MEDIATOR, STARTED), "meeting_cancelled"),
        (held, lambda m: m.cancel("requested", NOW), "meeting_held"),
        (held, lambda m: move_to_tuesday(m, NOW), "meeting_held"),
        (held, lambda m: m.mark_held(MEDIATOR, STARTED), "meeting_held"),
        (lambda: book(ready_case()), lambda m: m.cancel("requested", STARTED), "already_started"),
        (lambda: book(ready_case()), lambda m: move_to_tuesday(m, MONDAY_10), "already_started"),
        (lambda: book(ready_case()), lambda m: m.mark_held(MEDIATOR, NOW), "not_started_yet"),
        (
            lambda: book(ready_case()),
            lambda m: m.mark_held(NOTE_TAKER, STARTED),
            "not_the_mediator",
        ),
    ],
)
def test_an_impossible_change_is_refused_and_changes_nothing(
    meeting: Any, action: Any, code: str
) -> None:
    subject = meeting()
    before = (subject.status, subject.starts_at, subject.cancel_reason)
    assert impossible(action, subject) == code
    assert (subject.status, subject.starts_at, subject.cancel_reason) == before


def test_cancelling_announces_a_neutral_reason() -> None:
    meeting = book(ready_case())
    event = only(meeting.cancel("requested", NOW))
    assert isinstance(event, MeetingCancelled)
    assert (event.data.meeting_id, event.data.reason_code) == (meeting.meeting_id, "requested")
    assert event.data.starts_at == meeting.starts_at
    assert meeting.status is MeetingStatus.CANCELLED


def test_the_mediator_marks_a_meeting_held_once_it_started() -> None:
    meeting = book(ready_case())
    event = only(meeting.mark_held(MEDIATOR, STARTED))
    assert isinstance(event, MeetingHeld)
    assert (event.data.held_at, event.data.marked_by) == (MONDAY_10, MEDIATOR)
    assert meeting.status is MeetingStatus.HELD


# --- when the case ends --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "reason"),
    [
        (lambda case_id: withdrew(case_id, ADMINISTRATION), "case_withdrawn"),
        (lambda case_id: case_closed(case_id, "withdrawn"), "case_withdrawn"),
        (lambda case_id: case_closed(case_id, "outcome_recorded"), "case_closed"),
    ],
)
def test_an_ended_case_cancels_every_meeting_not_yet_begun(ending: Any, reason: str) -> None:
    case = ready_case()
    past = book(case, kind="pre_meeting", party_id=CITIZEN, starts_at=local("2026-03-02 08:30"))
    past.mark_held(MEDIATOR, local("2026-03-02 09:00"))
    under_way = book(case, starts_at=local("2026-03-03 09:00"))
    later = book(case, starts_at=local("2026-03-10 09:00"))
    follow_up = book(case, kind="follow_up", starts_at=local("2026-03-24 09:00"))
    already_cancelled = book(case, starts_at=local("2026-03-17 09:00"))
    already_cancelled.cancel("requested", NOW)

    cause = ending(case.case_id)
    case.apply(cause)
    assert case.ended == reason
    now = local("2026-03-03 09:30")
    meetings = [past, under_way, later, follow_up, already_cancelled]
    events = cancel_future_meetings(meetings, case.ended, now, cause)

    cancellations = [e for e in events if isinstance(e, MeetingCancelled)]
    assert cancellations == events
    assert [e.data.meeting_id for e in cancellations] == [later.meeting_id, follow_up.meeting_id]
    assert {e.data.reason_code for e in cancellations} == {reason}
    assert {e.causationid for e in cancellations} == {cause.id}
    assert [m.status for m in meetings] == [
        MeetingStatus.HELD,
        MeetingStatus.SCHEDULED,
        MeetingStatus.CANCELLED,
        MeetingStatus.CANCELLED,
        MeetingStatus.CANCELLED,
    ]
    assert already_cancelled.cancel_reason == "requested"


# --- suggestions ---------------------------------------------------------------------------


def test_suggestions_for_shuttle_mediation_wait_for_two_rooms() -> None:
    case = ready_case()
    room_1_taken = book(
        ready_case(mediator_id=OTHER_MEDIATOR, note_taker=False), local("2026-03-02 08:30")
    )
    slots = suggest_slots(
        case=case,
        policy=POLICY,
        busy=busy_of([room_1_taken]),
        kind="mediation",
        format="shuttle",
        after=NOW,
        count=2,
    )
    assert [s.starts_at for s in slots] == [local("2026-03-02 10:15"), local("2026-03-02 10:30")]
    assert all(s.room_ids == ("room-1", "room-2") for s in slots)


def test_suggestions_are_refused_when_the_case_does_not_allow_the_meeting() -> None:
    with pytest.raises(BookingRefused) as refused:
        suggest_slots(
            case=accepted_case(),
            policy=POLICY,
            busy=[],
            kind="mediation",
            format="joint",
            after=NOW,
            count=3,
        )
    assert refused.value.code == "not_ready"


def test_a_suggested_slot_can_be_booked() -> None:
    case = ready_case()
    other = book(ready_case(), local("2026-03-02 08:30"))
    [slot] = suggest_slots(
        case=case,
        policy=POLICY,
        busy=busy_of([other]),
        kind="mediation",
        format="joint",
        after=NOW,
        count=1,
    )
    assert book(case, slot.starts_at, others=[other]).starts_at == slot.starts_at
