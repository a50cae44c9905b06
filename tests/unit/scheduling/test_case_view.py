"""Scheduling's view of a case (scheduling/domain/case_view.py): what it learns from each event,
in whatever order the events arrive, and which meetings the case allows."""

import itertools
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from mediation_contracts.events import MeetingKind, Participant
from scheduling.domain.case_view import CaseEvent, CaseView
from scheduling.domain.errors import BookingRefused

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    NOTE_TAKER,
    assessed,
    case_closed,
    case_requested,
    consent_given,
    mediator_assigned,
    ready_for_scheduling,
    requested_with_companion,
    withdrew,
)
from tests.data.scheduling import accepted_case, ready_case, view_of

OTHER_MEDIATOR = "mediator-9"
STRANGER = "citizen-99"


def lifecycle(case_id: UUID) -> list[CaseEvent]:
    """A case from request to ready, in the order intake sees it."""
    return [
        requested_with_companion(case_id),
        assessed(case_id),
        mediator_assigned(case_id, note_taker_id=NOTE_TAKER),
        consent_given(case_id, ADMINISTRATION),
        ready_for_scheduling(case_id, note_taker_id=NOTE_TAKER),
    ]


def refusal(view: CaseView, kind: MeetingKind, party_id: str | None = None, **kw: bool) -> str:
    with pytest.raises(BookingRefused) as refused:
        view.may_book(kind, party_id, **kw)
    return refused.value.code


# --- building the view ---------------------------------------------------------------------


def test_the_view_holds_what_scheduling_needs_from_the_case() -> None:
    case_id = uuid4()
    view = view_of(*lifecycle(case_id))
    assert view.case_id == case_id
    assert view.parties == {CITIZEN: "citizen", ADMINISTRATION: "administration"}
    assert view.companions == {CITIZEN: COMPANION}
    assert (view.mediator_id, view.note_taker_id) == (MEDIATOR, NOTE_TAKER)
    assert view.consented == {CITIZEN, ADMINISTRATION}
    assert view.assessment == "accepted"
    assert view.ready
    assert view.ended is None


def test_events_in_any_order_give_the_same_view() -> None:
    case_id = uuid4()
    events = lifecycle(case_id)
    expected = view_of(*events)
    for order in itertools.permutations(events):
        assert view_of(*order) == expected


def test_the_requester_consents_by_asking() -> None:
    case_id = uuid4()
    view = view_of(case_requested(case_id=case_id, requester="administration"))
    assert view.consented == {ADMINISTRATION}


def test_the_request_carries_the_conversations_correlation_id() -> None:
    case_id = uuid4()
    request = requested_with_companion(case_id)
    assert view_of(request).correlation_id == request.id


def test_the_latest_mediator_assignment_wins_whatever_arrives_first() -> None:
    case_id = uuid4()
    first = mediator_assigned(case_id, MEDIATOR, note_taker_id=NOTE_TAKER)
    later = mediator_assigned(case_id, OTHER_MEDIATOR)
    later = later.model_copy(update={"time": first.time + timedelta(minutes=5)})
    for order in ([first, later], [later, first]):
        view = view_of(requested_with_companion(case_id), *order)
        assert (view.mediator_id, view.note_taker_id) == (OTHER_MEDIATOR, None)


@pytest.mark.parametrize("declined_first", [True, False])
def test_a_declined_assessment_is_never_overturned(declined_first: bool) -> None:
    case_id = uuid4()
    both = [assessed(case_id, "declined"), assessed(case_id, "accepted")]
    view = view_of(requested_with_companion(case_id), *(both if declined_first else both[::-1]))
    assert view.assessment == "declined"


def test_an_event_of_another_case_is_refused() -> None:
    view = view_of(requested_with_companion(uuid4()))
    with pytest.raises(ValueError, match="another case"):
        view.apply(consent_given(uuid4(), CITIZEN))


# --- when the case ends --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "ended"),
    [
        (lambda case_id: withdrew(case_id, CITIZEN), "case_withdrawn"),
        (lambda case_id: withdrew(case_id, ADMINISTRATION), "case_withdrawn"),
        (lambda case_id: withdrew(case_id, MEDIATOR, "mediator"), "case_withdrawn"),
        (lambda case_id: case_closed(case_id, "withdrawn"), "case_withdrawn"),
        (lambda case_id: case_closed(case_id, "outcome_recorded"), "case_closed"),
        (lambda case_id: case_closed(case_id, "consent_declined"), "case_closed"),
        (lambda case_id: withdrew(case_id, STRANGER), None),
        (lambda case_id: withdrew(case_id, OTHER_MEDIATOR, "mediator"), None),
    ],
)
def test_a_withdrawal_or_a_close_ends_the_case(
    ending: Callable[[UUID], CaseEvent], ended: str | None
) -> None:
    case_id = uuid4()
    view = view_of(*lifecycle(case_id), ending(case_id))
    assert view.ended == ended


def test_a_withdrawal_that_arrives_before_the_request_still_counts() -> None:
    case_id = uuid4()
    early = withdrew(case_id, ADMINISTRATION)
    view = view_of(early, *lifecycle(case_id))
    assert view.ended == "case_withdrawn"


# --- which meetings the case allows --------------------------------------------------------


def test_a_pre_meeting_is_allowed_once_that_party_consented() -> None:
    view = accepted_case()
    view.may_book("pre_meeting", CITIZEN)
    assert refusal(view, "pre_meeting", ADMINISTRATION) == "party_not_consented"
    view.apply(consent_given(view.case_id, ADMINISTRATION))
    view.may_book("pre_meeting", ADMINISTRATION)


def test_the_mediation_meeting_only_after_the_case_is_ready() -> None:
    view = accepted_case()
    view.apply(consent_given(view.case_id, ADMINISTRATION))
    assert refusal(view, "mediation") == "not_ready"
    assert refusal(view, "follow_up") == "not_ready"
    view.apply(ready_for_scheduling(view.case_id))
    view.may_book("mediation")
    view.may_book("follow_up")
    view.may_book("pre_meeting", ADMINISTRATION)


def test_readiness_alone_is_enough_when_other_events_are_still_on_their_way() -> None:
    case_id = uuid4()
    view = view_of(requested_with_companion(case_id), ready_for_scheduling(case_id))
    view.may_book("mediation")
    view.may_book("pre_meeting", ADMINISTRATION)


def _unknown() -> CaseView:
    case_id = uuid4()
    return view_of(assessed(case_id), mediator_assigned(case_id))


def _not_assessed() -> CaseView:
    case_id = uuid4()
    return view_of(requested_with_companion(case_id), mediator_assigned(case_id))


def _declined() -> CaseView:
    case_id = uuid4()
    return view_of(
        requested_with_companion(case_id), assessed(case_id, "declined"), mediator_assigned(case_id)
    )


def _without_mediator() -> CaseView:
    case_id = uuid4()
    return view_of(requested_with_companion(case_id), assessed(case_id))


def _with(event: Callable[[UUID], CaseEvent]) -> Callable[[], CaseView]:
    def build() -> CaseView:
        view = ready_case()
        view.apply(event(view.case_id))
        return view

    return build


@pytest.mark.parametrize(
    ("case", "kind", "party_id", "with_note_taker", "code"),
    [
        (_unknown, "pre_meeting", CITIZEN, False, "case_unknown"),
        (_with(lambda c: withdrew(c, CITIZEN)), "mediation", None, False, "case_withdrawn"),
        (_with(lambda c: withdrew(c, CITIZEN)), "pre_meeting", CITIZEN, False, "case_withdrawn"),
        (_with(case_closed), "follow_up", None, False, "case_closed"),
        (_not_assessed, "pre_meeting", CITIZEN, False, "not_accepted"),
        (_declined, "pre_meeting", CITIZEN, False, "not_accepted"),
        (_without_mediator, "pre_meeting", CITIZEN, False, "no_mediator"),
        (accepted_case, "pre_meeting", CITIZEN, True, "no_note_taker"),
        (accepted_case, "pre_meeting", None, False, "party_required"),
        (accepted_case, "pre_meeting", STRANGER, False, "not_a_party"),
        (accepted_case, "pre_meeting", COMPANION, False, "not_a_party"),
        (accepted_case, "pre_meeting", ADMINISTRATION, False, "party_not_consented"),
        (ready_case, "mediation", CITIZEN, False, "party_not_expected"),
        (accepted_case, "mediation", None, False, "not_ready"),
    ],
)
def test_a_meeting_the_case_does_not_allow_is_refused_with_its_reason(
    case: Callable[[], CaseView],
    kind: MeetingKind,
    party_id: str | None,
    with_note_taker: bool,
    code: str,
) -> None:
    view = case()
    assert refusal(view, kind, party_id, with_note_taker=with_note_taker) == code


def test_a_refusal_names_ids_only() -> None:
    view = accepted_case()
    with pytest.raises(BookingRefused) as refused:
        view.may_book("pre_meeting", ADMINISTRATION)
    assert refused.value.message == (
        f"party {ADMINISTRATION} of case {view.case_id} has not consented to mediation yet"
    )


# --- who takes part ------------------------------------------------------------------------


def roles(participants: list[Participant]) -> list[tuple[str, str]]:
    return [(p.participant_id, p.role) for p in participants]


def test_a_pre_meeting_is_one_party_with_its_companion_and_the_mediator() -> None:
    view = accepted_case(note_taker=True)
    attendees = view.attendees("pre_meeting", CITIZEN)
    assert roles(attendees.participants()) == [
        (CITIZEN, "party"),
        (COMPANION, "companion"),
        (MEDIATOR, "mediator"),
    ]
    assert attendees.staff_ids == {MEDIATOR}


def test_the_note_taker_joins_a_pre_meeting_only_when_asked() -> None:
    view = accepted_case(note_taker=True)
    attendees = view.attendees("pre_meeting", CITIZEN, with_note_taker=True)
    assert roles(attendees.participants())[-1] == (NOTE_TAKER, "note_taker")
    assert attendees.staff_ids == {MEDIATOR, NOTE_TAKER}


@pytest.mark.parametrize("kind", ["mediation", "follow_up"])
def test_the_mediation_meeting_is_every_party_their_companions_and_the_staff(
    kind: MeetingKind,
) -> None:
    attendees = ready_case(note_taker=True).attendees(kind)
    assert roles(attendees.participants()) == [
        (CITIZEN, "party"),
        (COMPANION, "companion"),
        (ADMINISTRATION, "party"),
        (MEDIATOR, "mediator"),
        (NOTE_TAKER, "note_taker"),
    ]


def test_without_a_note_taker_the_mediator_holds_the_meeting_alone() -> None:
    attendees = ready_case(note_taker=False).attendees("mediation")
    assert [role for _, role in roles(attendees.participants())].count("note_taker") == 0
    assert attendees.staff_ids == {MEDIATOR}


def test_attendees_are_refused_like_the_booking() -> None:
    with pytest.raises(BookingRefused) as refused:
        accepted_case().attendees("mediation")
    assert refused.value.code == "not_ready"
