"""The ``summary_status`` answer (notes/domain/status.py and access.may_see_status): who may
see it, what it says they may do now, and whose wishes it lists as missing."""

import itertools
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from mediation_contracts.commands import SummaryHistoryEntry, SummaryState
from notes.domain.access import Decision, decide, may_see_status
from notes.domain.case_view import NotesCase, NotesEvent
from notes.domain.identity import Identity
from notes.domain.status import ACTIONS, summary_state

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    NOTE_TAKER,
    OTHER_TENANT,
    REPRESENTATIVE,
    SECOND_CITIZEN,
    TENANT,
    case_requested,
    mediator_assigned,
    requested_with_companion,
    sharing_agreed,
    summary_consent_given,
    summary_consent_withdrawn,
    withdrew,
)
from tests.data.notes import consented_case, person, view_of

MEDIATOR_OF_CASE = person(MEDIATOR, "mediator")
NOTE_TAKER_OF_CASE = person(NOTE_TAKER, "note_taker")


def opened(case_id: UUID, *more: NotesEvent) -> NotesCase:
    """Requested (CITIZEN with COMPANION, ADMINISTRATION), mediator and note-taker assigned."""
    return view_of(
        requested_with_companion(case_id),
        mediator_assigned(case_id, note_taker_id=NOTE_TAKER),
        *more,
    )


def state(
    who: Identity,
    case: NotesCase,
    *,
    summary_count: int = 0,
    shared: bool = False,
    destroyed: bool = False,
) -> SummaryState:
    return summary_state(
        who,
        case,
        summary_count=summary_count,
        shared=shared,
        destroyed=destroyed,
        tenant=TENANT,
    )


# --- who may ask ---------------------------------------------------------------------------

WHO_MAY_ASK: dict[str, tuple[Identity, str]] = {
    "mediator of the case": (MEDIATOR_OF_CASE, "as_mediator"),
    "note-taker of the case": (NOTE_TAKER_OF_CASE, "as_note_taker"),
    "mediator assigned as note-taker": (
        person(NOTE_TAKER, "mediator"),
        "as_note_taker",
    ),
    "another mediator": (person("mediator-9", "mediator"), "not_a_member"),
    "citizen party": (person(CITIZEN, "citizen"), "role_may_not"),
    "administration representative": (person(REPRESENTATIVE, "administration"), "role_may_not"),
    "administration staff, not representing": (
        person("staff-99", "administration"),
        "not_a_member",
    ),
    "companion": (person(COMPANION, "companion"), "role_may_not"),
    "caseworker": (person("caseworker-4", "caseworker"), "role_may_not"),
    "operator": (person("operator-1", "operator"), "role_may_not"),
    "another tenant's mediator": (person(MEDIATOR, "mediator", OTHER_TENANT), "other_tenant"),
}


@pytest.mark.parametrize(("who", "expected"), list(WHO_MAY_ASK.values()), ids=list(WHO_MAY_ASK))
def test_only_the_cases_staff_may_see_the_state(who: Identity, expected: str) -> None:
    case = view_of(*consented_case(uuid4()))
    assert may_see_status(who, case, tenant=TENANT) == Decision(
        allowed=expected.startswith("as_"), reason=expected
    )


OUTSIDERS = [
    "another mediator",
    "administration staff, not representing",
    "caseworker",
    "operator",
    "another tenant's mediator",
]


@pytest.mark.parametrize("name", OUTSIDERS)
def test_outsiders_get_the_same_refusal_as_from_every_other_notes_command(name: str) -> None:
    """Someone who is nothing in the case learns nothing new by asking for the state."""
    who = WHO_MAY_ASK[name][0]
    case = view_of(*consented_case(uuid4()))
    refusal = may_see_status(who, case, tenant=TENANT)
    assert not refusal.allowed
    for action in ACTIONS:
        decision = decide(
            action, who, case, summary_exists=True, shared=False, destroyed=False, tenant=TENANT
        )
        assert decision == refusal, action


def test_a_case_notes_does_not_know_is_not_the_callers() -> None:
    assert may_see_status(MEDIATOR_OF_CASE, None, tenant=TENANT) == Decision(False, "not_a_member")


def test_a_replaced_mediator_may_no_longer_ask() -> None:
    case_id = uuid4()
    case = opened(case_id)
    case.apply(mediator_assigned(case_id, "mediator-8"))
    assert may_see_status(MEDIATOR_OF_CASE, case, tenant=TENANT) == Decision(False, "not_a_member")


# --- what it says, as the case goes on -----------------------------------------------------


def test_before_the_citizens_wish_nothing_may_be_written_and_the_citizen_is_missing() -> None:
    case = opened(uuid4())
    assert state(MEDIATOR_OF_CASE, case) == SummaryState(
        allowed=["audit"],
        summary_consented=[],
        summary_consent_missing=[CITIZEN],
        sharing_agreed=[],
        sharing_missing=sorted([ADMINISTRATION, CITIZEN]),
        summary_count=0,
        shared=False,
        destroyed=False,
    )
    assert state(NOTE_TAKER_OF_CASE, case).allowed == []


def test_after_the_citizens_wish_the_staff_may_write() -> None:
    case_id = uuid4()
    case = opened(case_id, summary_consent_given(case_id))
    mediator = state(MEDIATOR_OF_CASE, case)
    assert mediator.allowed == ["write", "audit"]
    assert (mediator.summary_consented, mediator.summary_consent_missing) == ([CITIZEN], [])
    assert state(NOTE_TAKER_OF_CASE, case).allowed == ["write"]


def test_the_administrations_wish_is_not_listed_and_does_not_count() -> None:
    case_id = uuid4()
    case = opened(case_id, summary_consent_given(case_id, ADMINISTRATION))
    answer = state(MEDIATOR_OF_CASE, case)
    assert "write" not in answer.allowed
    assert (answer.summary_consented, answer.summary_consent_missing) == ([], [CITIZEN])


def test_a_family_case_lists_the_citizen_whose_wish_is_still_missing() -> None:
    case_id = uuid4()
    case = view_of(
        case_requested(case_id=case_id, case_kind="family"),
        mediator_assigned(case_id),
        summary_consent_given(case_id, SECOND_CITIZEN),
    )
    answer = state(MEDIATOR_OF_CASE, case)
    assert "write" not in answer.allowed
    assert answer.summary_consented == [SECOND_CITIZEN]
    assert answer.summary_consent_missing == [CITIZEN]
    assert answer.sharing_missing == [CITIZEN, SECOND_CITIZEN]

    case.apply(summary_consent_given(case_id, CITIZEN))
    answer = state(MEDIATOR_OF_CASE, case)
    assert "write" in answer.allowed
    assert (answer.summary_consented, answer.summary_consent_missing) == (
        [CITIZEN, SECOND_CITIZEN],
        [],
    )


def test_once_a_summary_exists_the_staff_may_read_it() -> None:
    case_id = uuid4()
    case = opened(case_id, summary_consent_given(case_id))
    mediator = state(MEDIATOR_OF_CASE, case, summary_count=1)
    assert mediator.allowed == ["write", "read", "audit"]
    assert mediator.summary_count == 1
    assert state(NOTE_TAKER_OF_CASE, case, summary_count=1).allowed == ["write", "read"]


def test_sharing_is_allowed_only_once_every_party_agreed() -> None:
    case_id = uuid4()
    case = opened(case_id, summary_consent_given(case_id), sharing_agreed(case_id, CITIZEN))
    answer = state(MEDIATOR_OF_CASE, case, summary_count=1)
    assert "share" not in answer.allowed
    assert (answer.sharing_agreed, answer.sharing_missing) == ([CITIZEN], [ADMINISTRATION])

    case.apply(sharing_agreed(case_id, ADMINISTRATION))
    answer = state(MEDIATOR_OF_CASE, case, summary_count=1)
    assert answer.allowed == ["write", "read", "share", "audit"]
    assert (answer.sharing_agreed, answer.sharing_missing) == (
        sorted([ADMINISTRATION, CITIZEN]),
        [],
    )
    # The note-taker writes and reads, but only the mediator shares.
    assert state(NOTE_TAKER_OF_CASE, case, summary_count=1).allowed == ["write", "read"]


def test_sharing_needs_a_summary_to_share() -> None:
    case = view_of(*consented_case(uuid4()))
    answer = state(MEDIATOR_OF_CASE, case)
    assert answer.sharing_missing == []
    assert answer.allowed == ["write", "audit"]


def test_an_agreement_recorded_for_someone_who_is_no_party_is_not_listed() -> None:
    case_id = uuid4()
    case = opened(case_id, sharing_agreed(case_id, COMPANION), sharing_agreed(case_id, "nobody"))
    answer = state(MEDIATOR_OF_CASE, case)
    assert answer.sharing_agreed == []
    assert answer.sharing_missing == sorted([ADMINISTRATION, CITIZEN])


def test_after_sharing_it_says_shared() -> None:
    case = view_of(*consented_case(uuid4()))
    answer = state(MEDIATOR_OF_CASE, case, summary_count=2, shared=True)
    assert (answer.summary_count, answer.shared) == (2, True)
    assert answer.allowed == ["write", "read", "share", "audit"]


def test_a_withdrawn_wish_is_missing_again() -> None:
    case_id = uuid4()
    case = view_of(*consented_case(case_id), summary_consent_withdrawn(case_id))
    answer = state(MEDIATOR_OF_CASE, case, summary_count=1)
    assert (answer.summary_consented, answer.summary_consent_missing) == ([], [CITIZEN])
    assert "write" not in answer.allowed
    assert "share" not in answer.allowed


def test_the_history_says_when_the_wish_changed_a_summary_was_written_and_destroyed() -> None:
    case_id = uuid4()
    given = summary_consent_given(case_id)
    withdrawn = summary_consent_withdrawn(case_id)
    withdrawn = withdrawn.model_copy(update={"time": given.time + timedelta(minutes=10)})
    written = given.time + timedelta(minutes=5)
    gone = given.time + timedelta(minutes=11)
    case = view_of(*consented_case(case_id), withdrawn)
    answer = summary_state(
        MEDIATOR_OF_CASE,
        case,
        summary_count=0,
        shared=False,
        destroyed=True,
        tenant=TENANT,
        recorded_at=[written],
        destroyed_at=gone,
    )
    assert [(e.type, e.party_id) for e in answer.history] == [
        ("dk.mediation.summary.recorded.v1", None),
        ("dk.mediation.summary.consent_withdrawn.v1", CITIZEN),
        ("dk.mediation.summary.destroyed.v1", None),
    ]


def test_after_destruction_only_the_trail_remains() -> None:
    case_id = uuid4()
    case = view_of(*consented_case(case_id), withdrew(case_id, CITIZEN, "party"))
    answer = state(MEDIATOR_OF_CASE, case, destroyed=True)
    assert answer.allowed == ["audit"]
    assert (answer.destroyed, answer.summary_count) == (True, 0)
    assert state(NOTE_TAKER_OF_CASE, case, destroyed=True).allowed == []


# --- it never disagrees with the commands --------------------------------------------------

STATES = list(itertools.product([0, 1, 3], [False, True], [False, True]))


def cases() -> dict[str, NotesCase]:
    case_id = uuid4()
    family = uuid4()
    return {
        "opened": opened(case_id),
        "consented": view_of(*consented_case(uuid4())),
        "consent withdrawn": view_of(*consented_case(case_id), summary_consent_withdrawn(case_id)),
        "family, one wish": view_of(
            case_requested(case_id=family, case_kind="family"),
            mediator_assigned(family, note_taker_id=NOTE_TAKER),
            summary_consent_given(family, CITIZEN),
            sharing_agreed(family, CITIZEN),
            sharing_agreed(family, SECOND_CITIZEN),
        ),
    }


@pytest.mark.parametrize("name", list(cases()))
@pytest.mark.parametrize("who", [MEDIATOR_OF_CASE, NOTE_TAKER_OF_CASE], ids=["mediator", "nt"])
def test_allowed_is_exactly_what_the_access_policy_allows(name: str, who: Identity) -> None:
    case = cases()[name]
    for count, shared, destroyed in STATES:
        answer = state(who, case, summary_count=count, shared=shared, destroyed=destroyed)
        expected = [
            action
            for action in ACTIONS
            if decide(
                action,
                who,
                case,
                summary_exists=count > 0,
                shared=shared,
                destroyed=destroyed,
                tenant=TENANT,
            ).allowed
        ]
        assert answer.allowed == expected, (count, shared, destroyed)


def test_every_action_is_asked_about() -> None:
    assert set(ACTIONS) == {"write", "read", "share", "audit"}


def test_the_answer_has_no_field_that_could_carry_content() -> None:
    assert set(SummaryState.model_fields) == {
        "allowed",
        "summary_consented",
        "summary_consent_missing",
        "sharing_agreed",
        "sharing_missing",
        "summary_count",
        "shared",
        "destroyed",
        "history",
    }
    assert set(SummaryHistoryEntry.model_fields) == {"at", "type", "party_id"}
