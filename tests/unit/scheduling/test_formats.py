"""Each meeting format's rules (scheduling/domain/formats.py and the case's rules for who
comes): shuttle mediation seats each party in a room of its own, an individual session is one
party, a phone meeting says per party who calls, a video meeting carries its link."""

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from mediation_contracts.events import MeetingScheduled, PhoneCall, Seat
from pydantic import ValidationError
from scheduling.domain.case_view import CaseView
from scheduling.domain.errors import BookingRefused
from scheduling.domain.meeting import Meeting, busy_of, suggest_slots
from scheduling.domain.policy import SchedulingPolicy

from tests.data.events import ADMINISTRATION, CITIZEN, COMPANION, MEDIATOR, NOTE_TAKER
from tests.data.scheduling import accepted_case, ready_case

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=CPH)  # Monday morning
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=CPH)
OFFICE_LINE = "+45 33 66 33 66"
POLICY = SchedulingPolicy.model_validate(  # as a tenant's configuration gives it
    {
        "rooms": [
            {"id": "moede-1", "name": "Mødelokale Øst"},
            {"id": "moede-2", "name": "Mødelokale Vest"},
            {"id": "vent-1", "name": "Venterummet", "waiting_room": True},
        ],
        "address": "Rådhuspladsen 1, 1550 København V",
        "phone_number": OFFICE_LINE,
    }
)


def booked(
    case: CaseView,
    format: Any = "joint",
    *,
    policy: SchedulingPolicy = POLICY,
    others: list[Meeting] | None = None,
    starts_at: datetime = MONDAY_10,
    **options: Any,
) -> tuple[Meeting, MeetingScheduled]:
    meeting, [event] = Meeting.book(
        meeting_id=f"meeting-{uuid4().hex[:8]}",
        case=case,
        policy=policy,
        busy=busy_of(others or []),
        kind=options.pop("kind", "mediation"),
        format=format,
        starts_at=starts_at,
        now=NOW,
        source="/kk/scheduling",
        **options,
    )
    assert isinstance(event, MeetingScheduled)
    return meeting, event


def refused(case: CaseView, format: Any = "joint", **options: Any) -> str:
    with pytest.raises(BookingRefused) as refusal:
        booked(case, format, **options)
    return refusal.value.code


def other_mediators_joint_meeting() -> Meeting:
    meeting, _ = booked(ready_case(mediator_id="mediator-9", note_taker=False))
    return meeting


# --- shuttle mediation ---------------------------------------------------------------------


def test_shuttle_mediation_seats_each_party_in_a_room_of_its_own() -> None:
    two_rooms = SchedulingPolicy.model_validate(
        {"rooms": [{"id": "moede-1", "name": "Mødelokale Øst"}, "moede-2"]}
    )
    meeting, event = booked(ready_case(), "shuttle", policy=two_rooms)
    assert event.data.location.seats == [
        Seat(party_id=CITIZEN, room_id="moede-1", room_name="Mødelokale Øst"),
        Seat(party_id=ADMINISTRATION, room_id="moede-2", room_name=None),
    ]
    assert meeting.location.room_ids == ["moede-1", "moede-2"]
    # The companion sits with its party: it has no seat of its own.
    assert COMPANION not in {seat.party_id for seat in event.data.location.seats}


def test_shuttle_mediation_takes_a_meeting_room_and_the_waiting_room() -> None:
    """The second party waits in the waiting room; the other meeting room stays free."""
    meeting, event = booked(ready_case(), "shuttle")
    assert [(s.party_id, s.room_name) for s in event.data.location.seats] == [
        (CITIZEN, "Mødelokale Øst"),
        (ADMINISTRATION, "Venterummet"),
    ]
    _, joint = booked(ready_case(mediator_id="mediator-9", note_taker=False), others=[meeting])
    assert joint.data.location.room_ids == ["moede-2"]


def test_a_joint_or_individual_meeting_never_takes_a_waiting_room() -> None:
    first = other_mediators_joint_meeting()
    second, _ = booked(ready_case(mediator_id="mediator-10", note_taker=False), others=[first])
    assert second.location.room_ids == ["moede-2"]
    third = ready_case(note_taker=False)
    assert refused(third, others=[first, second]) == "no_room_free"  # vent-1 is free
    assert refused(third, "individual", party_id=CITIZEN, others=[first, second]) == (
        "no_room_free"
    )
    assert refused(third, room_ids=["vent-1"]) == "not_a_meeting_room"


def test_shuttle_mediation_needs_a_meeting_room_among_its_rooms() -> None:
    policy = SchedulingPolicy(
        rooms=["moede-1", "vent-1", "vent-2"], waiting_rooms=frozenset({"vent-1", "vent-2"})
    )
    assert refused(ready_case(), "shuttle", policy=policy, room_ids=["vent-1", "vent-2"]) == (
        "not_a_meeting_room"
    )
    meeting, _ = booked(ready_case(), "shuttle", policy=policy, room_ids=["vent-2", "moede-1"])
    assert [(s.party_id, s.room_id) for s in meeting.location.seats] == [
        (CITIZEN, "vent-2"),
        (ADMINISTRATION, "moede-1"),
    ]
    taken = other_mediators_joint_meeting()
    assert refused(ready_case(), "shuttle", policy=policy, others=[taken]) == "no_room_free"


def test_shuttle_suggestions_wait_for_a_free_meeting_room() -> None:
    policy = SchedulingPolicy(rooms=["moede-1", "vent-1"], waiting_rooms=frozenset({"vent-1"}))
    taken, _ = booked(
        ready_case(mediator_id="mediator-9", note_taker=False),
        policy=policy,
        starts_at=datetime(2026, 3, 2, 8, 30, tzinfo=CPH),
    )
    [slot] = suggest_slots(
        case=ready_case(),
        policy=policy,
        busy=busy_of([taken]),
        kind="mediation",
        format="shuttle",
        after=NOW,
        count=1,
    )
    assert slot.starts_at == datetime(2026, 3, 2, 10, 15, tzinfo=CPH)  # 08:30 + 90 + 15 min
    assert slot.room_ids == ("moede-1", "vent-1")


def test_a_moved_shuttle_mediation_seats_the_parties_in_the_rooms_free_then() -> None:
    case = ready_case()
    meeting, _ = booked(case, "shuttle")
    tuesday = MONDAY_10 + timedelta(days=1)
    blocker, _ = booked(ready_case(mediator_id="mediator-9", note_taker=False), starts_at=tuesday)
    meeting.move(
        case=case, policy=POLICY, busy=busy_of([meeting, blocker]), starts_at=tuesday, now=NOW
    )
    assert [(s.party_id, s.room_id) for s in meeting.location.seats] == [
        (CITIZEN, "moede-2"),
        (ADMINISTRATION, "vent-1"),
    ]
    assert meeting.location.room_ids == ["moede-2", "vent-1"]


def test_a_pre_meeting_is_never_shuttle_mediation() -> None:
    assert refused(ready_case(), "shuttle", kind="pre_meeting", party_id=CITIZEN) == (
        "format_not_for_kind"
    )


def test_waiting_rooms_are_rooms_of_the_policy_and_never_all_of_them() -> None:
    assert POLICY.waiting_rooms == {"vent-1"}
    assert POLICY.meeting_rooms == ("moede-1", "moede-2")
    with pytest.raises(ValidationError, match="waiting_rooms names rooms"):
        SchedulingPolicy(rooms=["moede-1"], waiting_rooms=frozenset({"vent-9"}))
    with pytest.raises(ValidationError, match="at least one room must be a meeting room"):
        SchedulingPolicy(rooms=["vent-1"], waiting_rooms=frozenset({"vent-1"}))


# --- individual sessions -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mediation", "follow_up"])
def test_an_individual_session_is_one_party_with_its_companion(kind: str) -> None:
    meeting, event = booked(ready_case(), "individual", kind=kind, party_id=CITIZEN)
    assert meeting.party_id == CITIZEN
    assert [(p.participant_id, p.role) for p in event.data.participants] == [
        (CITIZEN, "party"),
        (COMPANION, "companion"),
        (MEDIATOR, "mediator"),
        (NOTE_TAKER, "note_taker"),
    ]
    assert event.data.location.room_ids == ["moede-1"]
    _, other = booked(ready_case(), "individual", kind=kind, party_id=ADMINISTRATION)
    assert {p.participant_id for p in other.data.participants if p.role == "party"} == {
        ADMINISTRATION
    }


@pytest.mark.parametrize(
    ("case", "format", "options", "code"),
    [
        (ready_case, "individual", {}, "party_required"),
        (ready_case, "individual", {"party_id": "someone-else"}, "not_a_party"),
        (accepted_case, "individual", {"party_id": CITIZEN}, "not_ready"),
        (ready_case, "joint", {"party_id": CITIZEN}, "party_not_expected"),
        (ready_case, "shuttle", {"party_id": CITIZEN}, "party_not_expected"),
    ],
)
def test_an_individual_session_names_one_party_and_only_it_does(
    case: Any, format: str, options: dict[str, str], code: str
) -> None:
    assert refused(case(), format, **options) == code


def test_a_pre_meeting_stays_one_party_in_any_format_but_shuttle() -> None:
    for format, options in [("joint", {}), ("individual", {}), ("phone", {})]:
        meeting, _ = booked(
            accepted_case(), format, kind="pre_meeting", party_id=CITIZEN, **options
        )
        assert [p.participant_id for p in meeting.participants if p.role == "party"] == [CITIZEN]


def test_an_individual_session_by_phone_or_video_names_its_party() -> None:
    by_phone, event = booked(
        ready_case(), "phone", party_id=ADMINISTRATION, phone_callers={ADMINISTRATION: "party"}
    )
    assert [p.participant_id for p in by_phone.participants if p.role == "party"] == [
        ADMINISTRATION
    ]
    assert event.data.location.calls == [
        PhoneCall(party_id=ADMINISTRATION, caller="party", number=OFFICE_LINE)
    ]
    by_video, _ = booked(
        ready_case(), "video", party_id=CITIZEN, join_url="https://video.example/m/1"
    )
    assert by_video.party_id == CITIZEN


def test_a_moved_individual_session_keeps_its_one_party() -> None:
    case = ready_case()
    meeting, _ = booked(case, "individual", party_id=CITIZEN)
    events = meeting.move(
        case=case, policy=POLICY, busy=[], starts_at=MONDAY_10 + timedelta(days=1), now=NOW
    )
    assert [p.participant_id for p in events[0].data.participants if p.role == "party"] == [CITIZEN]


def test_an_individual_meeting_booked_with_every_party_before_still_moves() -> None:
    """Before individual sessions named their party, ``individual`` took every party."""
    case = ready_case()
    meeting, _ = booked(case)
    meeting.format = "individual"  # as stored by the earlier version
    [moved] = meeting.move(
        case=case, policy=POLICY, busy=[], starts_at=MONDAY_10 + timedelta(days=1), now=NOW
    )
    assert {p.participant_id for p in moved.data.participants if p.role == "party"} == {
        CITIZEN,
        ADMINISTRATION,
    }


# --- by phone ------------------------------------------------------------------------------


def test_by_default_the_mediator_calls_every_party() -> None:
    _, event = booked(ready_case(), "phone", policy=SchedulingPolicy())
    assert event.data.location.calls == [
        PhoneCall(party_id=CITIZEN, caller="mediator"),
        PhoneCall(party_id=ADMINISTRATION, caller="mediator"),
    ]
    assert event.data.location.room_ids == []


def test_a_party_that_calls_is_given_the_offices_number_and_no_party_number_is_carried() -> None:
    _, event = booked(ready_case(), "phone", phone_callers={ADMINISTRATION: "party"})
    assert event.data.location.calls == [
        PhoneCall(party_id=CITIZEN, caller="mediator", number=None),
        PhoneCall(party_id=ADMINISTRATION, caller="party", number=OFFICE_LINE),
    ]
    assert type(event).sensitivity == "internal"
    numbers = {call.number for call in event.data.location.calls} - {None}
    assert numbers == {OFFICE_LINE}, "only the office's number, never a citizen's"


@pytest.mark.parametrize(
    ("format", "options", "policy", "code"),
    [
        ("phone", {"phone_callers": {CITIZEN: "party"}}, SchedulingPolicy(), "no_phone_number"),
        ("phone", {"phone_callers": {"someone-else": "party"}}, POLICY, "not_a_party"),
        (
            "phone",
            {"party_id": CITIZEN, "phone_callers": {ADMINISTRATION: "party"}},
            POLICY,
            "not_a_party",
        ),
        ("joint", {"phone_callers": {CITIZEN: "mediator"}}, POLICY, "callers_not_expected"),
    ],
)
def test_phone_calls_are_refused_where_nobody_could_answer(
    format: str, options: dict[str, Any], policy: SchedulingPolicy, code: str
) -> None:
    assert refused(ready_case(), format, policy=policy, **options) == code


def test_a_moved_phone_meeting_keeps_who_calls() -> None:
    case = ready_case()
    meeting, event = booked(case, "phone", phone_callers={CITIZEN: "party"})
    [moved] = meeting.move(
        case=case, policy=POLICY, busy=[], starts_at=MONDAY_10 + timedelta(days=1), now=NOW
    )
    assert moved.data.location == event.data.location


# --- by video ------------------------------------------------------------------------------


def test_a_video_meeting_carries_its_link_and_needs_one() -> None:
    link = "https://video.example/m/42?pwd=x"
    case = ready_case()
    meeting, event = booked(case, "video", join_url=link)
    assert event.data.location.join_url == link
    assert refused(ready_case(), "video") == "join_url_required"
    [moved] = meeting.move(
        case=case, policy=POLICY, busy=[], starts_at=MONDAY_10 + timedelta(days=1), now=NOW
    )
    assert moved.data.location.join_url == link


@pytest.mark.parametrize("format", ["joint", "shuttle", "phone"])
def test_only_a_video_meeting_has_a_link(format: str) -> None:
    assert refused(ready_case(), format, join_url="https://video.example/m/42") == (
        "join_url_not_expected"
    )
