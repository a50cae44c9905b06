"""Notes' view of a case (notes/domain/case_view.py): who belongs to the case and what the
citizen agreed to, in whatever order the events arrive, and when the case's key must go."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID, uuid4

import pytest
from notes.domain.case_view import Membership, NotesCase, NotesEvent
from notes.domain.identity import ROLES, Role
from pydantic import TypeAdapter

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    NOTE_TAKER,
    OTHER_TENANT,
    REPRESENTATIVE,
    SECOND_CITIZEN,
    at,
    case_closed,
    case_requested,
    mediator_assigned,
    requested_with_companion,
    sharing_agreed,
    summary_consent_given,
    summary_consent_withdrawn,
    withdrew,
)
from tests.data.notes import consented_case, person, view_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OTHER_MEDIATOR = "mediator-9"
RETENTION = timedelta(days=90)


def t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- building the view ---------------------------------------------------------------------


def test_the_view_knows_who_belongs_to_the_case() -> None:
    case_id = uuid4()
    view = view_of(*consented_case(case_id))
    assert view.case_id == case_id
    assert view.parties == {CITIZEN: "citizen", ADMINISTRATION: "administration"}
    assert view.representatives == {REPRESENTATIVE: ADMINISTRATION}
    assert view.companions == {COMPANION: CITIZEN}
    assert (view.mediator_id, view.note_taker_id) == (MEDIATOR, NOTE_TAKER)
    assert view.summary_consented
    assert view.all_parties_agreed_to_share
    assert not view.withdrawn
    assert view.closed_at is None


def test_events_in_any_order_give_the_same_view() -> None:
    case_id = uuid4()
    events: list[NotesEvent] = [
        requested_with_companion(case_id),
        at(mediator_assigned(case_id), t(1)),
        at(mediator_assigned(case_id, OTHER_MEDIATOR, note_taker_id=NOTE_TAKER), t(2)),
        at(summary_consent_given(case_id), t(3)),
        at(summary_consent_withdrawn(case_id), t(4)),
        sharing_agreed(case_id, ADMINISTRATION),
        at(case_closed(case_id), t(5)),
    ]
    expected = view_of(*events)
    assert expected.mediator_id == OTHER_MEDIATOR
    assert expected.summary_consent_withdrawn
    for order in itertools.permutations(events):
        assert view_of(*order) == expected


def test_the_latest_assignment_by_event_time_wins_in_any_order() -> None:
    case_id = uuid4()
    first = at(mediator_assigned(case_id, note_taker_id=NOTE_TAKER), t(1))
    later = at(mediator_assigned(case_id, OTHER_MEDIATOR), t(2))
    for order in ((first, later), (later, first)):
        view = view_of(requested_with_companion(case_id), *order)
        assert (view.mediator_id, view.note_taker_id) == (OTHER_MEDIATOR, None)


def test_assignments_at_the_same_time_are_ordered_by_event_id() -> None:
    case_id = uuid4()
    one = at(mediator_assigned(case_id), t(1))
    other = at(mediator_assigned(case_id, OTHER_MEDIATOR), t(1))
    winner = max((one, other), key=lambda e: str(e.id))
    assert view_of(one, other).mediator_id == winner.data.mediator_id
    assert view_of(other, one).mediator_id == winner.data.mediator_id


def test_an_event_of_another_case_or_tenant_is_refused() -> None:
    case_id = uuid4()
    view = view_of(requested_with_companion(case_id))
    with pytest.raises(ValueError, match="another case"):
        view.apply(mediator_assigned(uuid4()))
    with pytest.raises(ValueError, match="another case"):
        view.apply(mediator_assigned(case_id, tenant=OTHER_TENANT))


def test_the_view_survives_a_round_trip_through_storage() -> None:
    case_id = uuid4()
    view = view_of(
        *consented_case(case_id), withdrew(case_id, ADMINISTRATION), case_closed(case_id)
    )
    adapter = TypeAdapter(NotesCase)
    assert adapter.validate_json(adapter.dump_json(view)) == view
    assert adapter.validate_python(adapter.dump_python(view, mode="json")) == view


# --- summary consent -----------------------------------------------------------------------


def test_no_summary_consent_by_default() -> None:
    case_id = uuid4()
    view = view_of(requested_with_companion(case_id), mediator_assigned(case_id))
    assert not view.summary_consented


def test_consent_before_the_request_is_known_is_not_yet_enough() -> None:
    case_id = uuid4()
    view = view_of(summary_consent_given(case_id))
    assert not view.summary_consented  # no citizen party known yet
    view.apply(requested_with_companion(case_id))
    assert view.summary_consented


def test_the_administrations_wish_is_not_the_citizens_consent() -> None:
    case_id = uuid4()
    view = view_of(
        requested_with_companion(case_id),
        summary_consent_given(case_id, ADMINISTRATION),
        summary_consent_given(case_id, "citizen-99"),  # not a party of the case
    )
    assert not view.summary_consented


def test_a_family_case_needs_both_citizens_consent() -> None:
    case_id = uuid4()
    view = view_of(case_requested(case_id=case_id, case_kind="family"))
    view.apply(summary_consent_given(case_id, CITIZEN))
    assert not view.summary_consented
    view.apply(summary_consent_given(case_id, SECOND_CITIZEN))
    assert view.summary_consented
    view.apply(summary_consent_withdrawn(case_id, SECOND_CITIZEN))
    assert not view.summary_consented
    assert view.shred_reason(T0, RETENTION) == "consent_withdrawn"


@pytest.mark.parametrize(
    ("given_at", "withdrawn_at", "consented"),
    [
        pytest.param(1, 2, False, id="withdrawn after consent"),
        pytest.param(3, 2, True, id="consent again after withdrawal"),
    ],
)
def test_the_latest_consent_decision_by_event_time_wins_in_any_order(
    given_at: int, withdrawn_at: int, consented: bool
) -> None:
    case_id = uuid4()
    request = requested_with_companion(case_id)
    first = at(summary_consent_given(case_id), t(0))
    again = at(summary_consent_given(case_id), t(given_at))
    withdrawal = at(summary_consent_withdrawn(case_id), t(withdrawn_at))
    for order in itertools.permutations((first, again, withdrawal)):
        view = view_of(request, *order)
        assert view.summary_consented is consented
        assert (view.shred_reason(T0, RETENTION) == "consent_withdrawn") is not consented


def test_sharing_needs_every_party_to_agree() -> None:
    case_id = uuid4()
    view = view_of(requested_with_companion(case_id), sharing_agreed(case_id, CITIZEN))
    assert not view.all_parties_agreed_to_share
    view.apply(sharing_agreed(case_id, COMPANION))  # a companion is no party
    assert not view.all_parties_agreed_to_share
    view.apply(sharing_agreed(case_id, ADMINISTRATION))
    assert view.all_parties_agreed_to_share


def test_sharing_agreed_before_the_request_is_known_is_not_everyone() -> None:
    case_id = uuid4()
    view = view_of(sharing_agreed(case_id, CITIZEN))
    assert not view.all_parties_agreed_to_share


# --- withdrawal and shredding --------------------------------------------------------------


@pytest.mark.parametrize(
    ("participant", "by", "withdrawn"),
    [
        pytest.param(CITIZEN, "party", True, id="the citizen"),
        pytest.param(ADMINISTRATION, "party", True, id="the administration"),
        pytest.param(MEDIATOR, "mediator", True, id="the case's mediator"),
        pytest.param(OTHER_MEDIATOR, "mediator", False, id="another mediator"),
        pytest.param("citizen-99", "party", False, id="a stranger"),
        pytest.param(COMPANION, "party", False, id="a companion"),
        pytest.param(MEDIATOR, "party", False, id="the mediator claiming to be a party"),
    ],
)
def test_only_a_party_or_the_cases_mediator_withdraws_the_case(
    participant: str, by: Literal["party", "mediator"], withdrawn: bool
) -> None:
    case_id = uuid4()
    withdrawal = withdrew(case_id, participant, by)
    for events in (
        (requested_with_companion(case_id), mediator_assigned(case_id), withdrawal),
        (withdrawal, mediator_assigned(case_id), requested_with_companion(case_id)),
    ):
        view = view_of(*events)
        assert view.withdrawn is withdrawn
        expected = "case_withdrawn" if withdrawn else None
        assert view.shred_reason(T0, RETENTION) == expected


def test_withdrawal_by_a_replaced_mediator_is_ignored() -> None:
    case_id = uuid4()
    view = view_of(
        at(mediator_assigned(case_id), t(1)),
        at(mediator_assigned(case_id, OTHER_MEDIATOR), t(2)),
        withdrew(case_id, MEDIATOR, "mediator"),
    )
    assert not view.withdrawn


def test_a_case_closed_as_withdrawn_is_withdrawn() -> None:
    case_id = uuid4()
    view = view_of(case_closed(case_id, "withdrawn"))
    assert view.withdrawn
    assert view.shred_reason(T0, RETENTION) == "case_withdrawn"


def test_the_key_stays_while_the_case_is_open_and_wanted() -> None:
    view = view_of(*consented_case(uuid4()))
    assert view.shred_reason(T0 + timedelta(days=10_000), RETENTION) is None


def test_the_key_goes_when_the_retention_period_after_closing_has_passed() -> None:
    case_id = uuid4()
    view = view_of(*consented_case(case_id), at(case_closed(case_id), T0))
    assert view.closed_at == T0
    assert view.shred_reason(T0 + RETENTION - timedelta(microseconds=1), RETENTION) is None
    assert view.shred_reason(T0 + RETENTION, RETENTION) == "retention_expired"
    assert view.shred_reason(T0 + RETENTION, timedelta(days=365)) is None


def test_the_earlier_close_counts_in_any_order() -> None:
    case_id = uuid4()
    early, late = at(case_closed(case_id), t(1)), at(case_closed(case_id), t(2))
    assert view_of(early, late).closed_at == view_of(late, early).closed_at == t(1)


def test_consent_withdrawal_is_named_before_the_other_reasons() -> None:
    case_id = uuid4()
    view = view_of(
        *consented_case(case_id),
        summary_consent_withdrawn(case_id),
        withdrew(case_id, CITIZEN),
        at(case_closed(case_id, "withdrawn"), T0),
    )
    assert view.shred_reason(T0 + RETENTION, RETENTION) == "consent_withdrawn"


# --- membership ----------------------------------------------------------------------------


def members_view() -> NotesCase:
    return view_of(*consented_case(uuid4()))


@pytest.mark.parametrize(
    ("subject", "role", "expected"),
    [
        (MEDIATOR, "mediator", Membership("mediator")),
        (NOTE_TAKER, "note_taker", Membership("note_taker")),
        (NOTE_TAKER, "mediator", Membership("note_taker")),
        (CITIZEN, "citizen", Membership("citizen_party", CITIZEN)),
        (
            REPRESENTATIVE,
            "administration",
            Membership("administration_representative", ADMINISTRATION),
        ),
        (COMPANION, "companion", Membership("companion", CITIZEN)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_members_are_recognised_by_subject_and_role(
    subject: str, role: Role, expected: Membership
) -> None:
    assert members_view().membership(person(subject, role)) == expected


@pytest.mark.parametrize(
    ("subject", "role"),
    [
        pytest.param(MEDIATOR, "citizen", id="the mediator's id in a citizen token"),
        pytest.param(MEDIATOR, "note_taker", id="the mediator's id in a note-taker token"),
        pytest.param(MEDIATOR, "administration", id="the mediator's id as administration"),
        pytest.param(NOTE_TAKER, "citizen", id="the note-taker's id in a citizen token"),
        pytest.param(OTHER_MEDIATOR, "mediator", id="another mediator"),
        pytest.param(CITIZEN, "administration", id="the citizen's id as administration"),
        pytest.param(CITIZEN, "companion", id="the citizen's id as companion"),
        pytest.param(ADMINISTRATION, "administration", id="the administration's party id"),
        pytest.param(ADMINISTRATION, "citizen", id="the administration's party id as citizen"),
        pytest.param(REPRESENTATIVE, "citizen", id="the representative as citizen"),
        pytest.param("staff-99", "administration", id="administration staff, no representative"),
        pytest.param(COMPANION, "citizen", id="the companion as citizen"),
        pytest.param("citizen-99", "citizen", id="a citizen who is no party"),
    ],
)
def test_a_subject_with_the_wrong_role_is_no_member(subject: str, role: Role) -> None:
    assert members_view().membership(person(subject, role)) is None


@pytest.mark.parametrize("role", ROLES)
def test_no_role_makes_anyone_of_another_tenant_a_member(role: Role) -> None:
    view = members_view()
    for subject in (MEDIATOR, NOTE_TAKER, CITIZEN, REPRESENTATIVE, COMPANION):
        assert view.membership(person(subject, role, OTHER_TENANT)) is None


def test_caseworkers_and_operators_are_never_members() -> None:
    view = members_view()
    for subject in (MEDIATOR, NOTE_TAKER, CITIZEN, REPRESENTATIVE, COMPANION):
        assert view.membership(person(subject, "caseworker")) is None
        assert view.membership(person(subject, "operator")) is None


def test_a_replaced_mediator_is_no_longer_a_member() -> None:
    case_id: UUID = uuid4()
    view = view_of(
        requested_with_companion(case_id),
        at(mediator_assigned(case_id, note_taker_id=NOTE_TAKER), t(1)),
        at(mediator_assigned(case_id, OTHER_MEDIATOR), t(2)),
    )
    assert view.membership(person(MEDIATOR, "mediator")) is None
    assert view.membership(person(NOTE_TAKER, "note_taker")) is None
    assert view.membership(person(OTHER_MEDIATOR, "mediator")) == Membership("mediator")
