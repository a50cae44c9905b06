"""The access policy for summaries (notes/domain/access.py), as the notes issue states it:
who may write, read, share and see the audit trail, in which state of the case."""

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import uuid4

import pytest
from notes.domain.access import (
    MAX_SUMMARY_LENGTH,
    Action,
    Decision,
    InvalidSummary,
    decide,
    may_assign,
    validate_summary_text,
)
from notes.domain.case_view import NotesCase
from notes.domain.identity import ROLES, Identity

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

OTHER_MEDIATOR = "mediator-9"

ACTORS: dict[str, Identity] = {
    "mediator of the case": person(MEDIATOR, "mediator"),
    "another mediator": person(OTHER_MEDIATOR, "mediator"),
    "note-taker of the case": person(NOTE_TAKER, "note_taker"),
    "citizen party": person(CITIZEN, "citizen"),
    "administration representative": person(REPRESENTATIVE, "administration"),
    "administration staff, not representing": person("staff-99", "administration"),
    "companion": person(COMPANION, "companion"),
    "caseworker": person("caseworker-4", "caseworker"),
    "operator": person("operator-1", "operator"),
    "another tenant's mediator": person(MEDIATOR, "mediator", OTHER_TENANT),
}

# Each column: the action, and the state of the case's summary when it is tried. The case
# itself is the same throughout: the citizen wants a summary, and every party agreed to share.
COLUMNS: dict[str, tuple[Action, dict[str, bool]]] = {
    "write": ("write", {"summary_exists": False, "shared": False}),
    "read": ("read", {"summary_exists": True, "shared": False}),
    "share": ("share", {"summary_exists": True, "shared": False}),
    "read after share": ("read", {"summary_exists": True, "shared": True}),
    "audit": ("audit", {"summary_exists": True, "shared": True}),
}

# The matrix: as_<membership> means allowed; anything else is the refusal's code.
M, N, R = "as_mediator", "not_a_member", "role_may_not"
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    #                                         write  read  share  read after share  audit
    "mediator of the case": (M, M, M, M, M),
    "another mediator": (N, N, N, N, N),
    "note-taker of the case": ("as_note_taker", "as_note_taker", R, "as_note_taker", R),
    "citizen party": (R, "not_shared", R, "as_citizen_party", R),
    "administration representative": (
        R,
        "not_shared",
        R,
        "as_administration_representative",
        R,
    ),
    "administration staff, not representing": (N, N, N, N, N),
    "companion": (R, R, R, R, R),
    "caseworker": (R, R, R, R, R),
    "operator": (R, R, R, R, R),
    "another tenant's mediator": ("other_tenant",) * 5,
}


def case_ready_for_a_summary() -> NotesCase:
    return view_of(*consented_case(uuid4()))


def try_(
    action: Action,
    who: Identity,
    case: NotesCase | None,
    *,
    summary_exists: bool = True,
    shared: bool = False,
    destroyed: bool = False,
    tenant: str = TENANT,
) -> Decision:
    return decide(
        action,
        who,
        case,
        summary_exists=summary_exists,
        shared=shared,
        destroyed=destroyed,
        tenant=tenant,
    )


@pytest.mark.parametrize(
    ("actor", "column", "expected"),
    [
        pytest.param(actor, column, expected, id=f"{actor} / {column}")
        for actor, row in MATRIX.items()
        for column, expected in zip(COLUMNS, row, strict=True)
    ],
)
def test_the_access_matrix(actor: str, column: str, expected: str) -> None:
    action, state = COLUMNS[column]
    decision = try_(action, ACTORS[actor], case_ready_for_a_summary(), **state)
    assert decision == Decision(allowed=expected.startswith("as_"), reason=expected)


def test_the_matrix_covers_every_role() -> None:
    assert {identity.role for identity in ACTORS.values()} == set(ROLES)


# --- consent -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [ACTORS["mediator of the case"], ACTORS["note-taker of the case"]])
def test_nothing_is_written_before_the_citizen_asks_for_a_summary(who: Identity) -> None:
    case_id = uuid4()
    case = view_of(
        requested_with_companion(case_id), mediator_assigned(case_id, note_taker_id=NOTE_TAKER)
    )
    assert try_("write", who, case, summary_exists=False) == Decision(False, "no_summary_consent")
    case.apply(summary_consent_given(case_id))
    assert try_("write", who, case, summary_exists=False).allowed


def test_the_administrations_wish_alone_does_not_allow_writing() -> None:
    case_id = uuid4()
    case = view_of(
        requested_with_companion(case_id),
        mediator_assigned(case_id),
        summary_consent_given(case_id, ADMINISTRATION),
    )
    assert try_("write", ACTORS["mediator of the case"], case).reason == "no_summary_consent"


def test_a_family_case_needs_both_citizens_wish_to_write() -> None:
    case_id = uuid4()
    case = view_of(
        case_requested(case_id=case_id, case_kind="family"),
        mediator_assigned(case_id),
        summary_consent_given(case_id, CITIZEN),
    )
    mediator = ACTORS["mediator of the case"]
    assert try_("write", mediator, case).reason == "no_summary_consent"
    case.apply(summary_consent_given(case_id, SECOND_CITIZEN))
    assert try_("write", mediator, case).allowed


def test_nothing_more_is_written_once_the_case_closed() -> None:
    """CaseClosed: nothing further happens to the case. What was written can still be read."""
    case_id = uuid4()
    case = view_of(*consented_case(case_id), case_closed(case_id))
    mediator = ACTORS["mediator of the case"]
    assert try_("write", mediator, case) == Decision(False, "case_closed")
    assert try_("read", mediator, case).allowed


def test_after_consent_is_withdrawn_nothing_is_written_and_the_key_must_go() -> None:
    case_id = uuid4()
    case = view_of(*consented_case(case_id), summary_consent_withdrawn(case_id))
    mediator = ACTORS["mediator of the case"]
    assert try_("write", mediator, case) == Decision(False, "no_summary_consent")
    assert try_("share", mediator, case) == Decision(False, "no_summary_consent")
    assert case.shred_reason(datetime.now(UTC), timedelta(days=90)) == "consent_withdrawn"


# --- the state of the summary --------------------------------------------------------------


def test_after_destruction_nothing_is_read_written_or_shared_but_the_trail_remains() -> None:
    case = case_ready_for_a_summary()
    for actor, action in [
        ("mediator of the case", "write"),
        ("note-taker of the case", "write"),
        ("mediator of the case", "read"),
        ("note-taker of the case", "read"),
        ("citizen party", "read"),
        ("administration representative", "read"),
        ("mediator of the case", "share"),
    ]:
        decision = try_(cast(Action, action), ACTORS[actor], case, shared=True, destroyed=True)
        assert decision == Decision(False, "destroyed"), (actor, action)
    assert try_("audit", ACTORS["mediator of the case"], case, destroyed=True).allowed


def test_staff_read_nothing_before_a_summary_exists() -> None:
    case = case_ready_for_a_summary()
    for actor in ("mediator of the case", "note-taker of the case"):
        decision = try_("read", ACTORS[actor], case, summary_exists=False)
        assert decision == Decision(False, "no_summary")


def test_parties_read_nothing_that_has_not_been_shared() -> None:
    case = case_ready_for_a_summary()
    for actor in ("citizen party", "administration representative"):
        assert try_("read", ACTORS[actor], case, summary_exists=False).reason == "not_shared"
        assert try_("read", ACTORS[actor], case, shared=False).reason == "not_shared"
        # "shared" without any summary is not a state the adapter has; still nothing to read.
        assert not try_("read", ACTORS[actor], case, summary_exists=False, shared=True).allowed


def test_nothing_to_share_before_a_summary_exists() -> None:
    decision = try_(
        "share", ACTORS["mediator of the case"], case_ready_for_a_summary(), summary_exists=False
    )
    assert decision == Decision(False, "no_summary")


def test_sharing_needs_every_party_to_agree() -> None:
    case_id = uuid4()
    case = view_of(
        requested_with_companion(case_id),
        mediator_assigned(case_id),
        summary_consent_given(case_id),
        sharing_agreed(case_id, CITIZEN),
    )
    mediator = ACTORS["mediator of the case"]
    assert try_("share", mediator, case) == Decision(False, "not_all_parties_agreed")
    case.apply(sharing_agreed(case_id, ADMINISTRATION))
    assert try_("share", mediator, case).allowed


# --- who is who ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["write", "read", "share", "audit"])
def test_an_unknown_case_has_no_members(action: Action) -> None:
    assert try_(action, ACTORS["mediator of the case"], None) == Decision(False, "not_a_member")


def test_caseworkers_and_operators_learn_nothing_about_the_case() -> None:
    """Refused for their role before the case is looked at: same answer, known case or not."""
    for actor in ("caseworker", "operator"):
        known = try_("read", ACTORS[actor], case_ready_for_a_summary(), shared=True)
        unknown = try_("read", ACTORS[actor], None, shared=True)
        assert known == unknown == Decision(False, "role_may_not")


def test_a_case_of_another_tenant_is_not_this_tenants_case() -> None:
    case = view_of(*consented_case(uuid4(), tenant=OTHER_TENANT))
    assert try_("read", ACTORS["mediator of the case"], case) == Decision(False, "not_a_member")
    mediator_there = person(MEDIATOR, "mediator", OTHER_TENANT)
    assert try_("read", mediator_there, case) == Decision(False, "other_tenant")
    assert try_("read", mediator_there, case, tenant=OTHER_TENANT).allowed


@pytest.mark.parametrize(
    ("subject", "role", "action"),
    [
        pytest.param(MEDIATOR, "citizen", "read", id="mediator's id as citizen reads"),
        pytest.param(MEDIATOR, "note_taker", "write", id="mediator's id as note-taker writes"),
        pytest.param(MEDIATOR, "administration", "read", id="mediator's id as administration"),
        pytest.param(NOTE_TAKER, "citizen", "read", id="note-taker's id as citizen reads"),
        pytest.param(CITIZEN, "administration", "read", id="citizen's id as administration"),
        pytest.param(CITIZEN, "mediator", "audit", id="citizen's id as mediator audits"),
        pytest.param(REPRESENTATIVE, "citizen", "read", id="representative as citizen"),
        pytest.param(REPRESENTATIVE, "mediator", "write", id="representative as mediator"),
        pytest.param(ADMINISTRATION, "administration", "read", id="administration party id"),
        pytest.param(COMPANION, "citizen", "read", id="companion as citizen"),
        pytest.param(COMPANION, "mediator", "share", id="companion as mediator"),
    ],
)
def test_a_subject_in_a_token_of_the_wrong_role_is_no_member(
    subject: str, role: Any, action: Action
) -> None:
    decision = try_(action, person(subject, role), case_ready_for_a_summary(), shared=True)
    assert decision == Decision(False, "not_a_member")


def test_a_mediator_assigned_as_note_taker_acts_as_note_taker() -> None:
    case_id = uuid4()
    case = view_of(
        requested_with_companion(case_id),
        mediator_assigned(case_id, note_taker_id=OTHER_MEDIATOR),
        summary_consent_given(case_id),
        sharing_agreed(case_id, CITIZEN),
        sharing_agreed(case_id, ADMINISTRATION),
    )
    colleague = person(OTHER_MEDIATOR, "mediator")
    assert try_("write", colleague, case) == Decision(True, "as_note_taker")
    assert try_("read", colleague, case) == Decision(True, "as_note_taker")
    assert try_("share", colleague, case) == Decision(False, "role_may_not")
    assert try_("audit", colleague, case) == Decision(False, "role_may_not")


def test_a_replaced_mediator_loses_access() -> None:
    case_id = uuid4()
    case = view_of(*consented_case(case_id))
    case.apply(mediator_assigned(case_id, OTHER_MEDIATOR))
    for action in ("write", "read", "share", "audit"):
        decision = try_(cast(Action, action), ACTORS["mediator of the case"], case)
        assert decision == Decision(False, "not_a_member")


def test_a_party_that_withdrew_from_the_case_is_still_refused_content_after_destruction() -> None:
    case_id = uuid4()
    case = view_of(*consented_case(case_id), withdrew(case_id, CITIZEN))
    assert case.withdrawn
    assert try_("read", ACTORS["citizen party"], case, shared=True, destroyed=True).reason == (
        "destroyed"
    )


# --- who may make someone the mediator or note-taker ------------------------------------------


def test_a_mediator_takes_a_case_no_one_has_taken_as_its_mediator() -> None:
    case_id = uuid4()
    untaken = view_of(case_requested(TENANT, case_id))
    me = person(OTHER_MEDIATOR, "mediator")
    assert may_assign(me, untaken, OTHER_MEDIATOR) == Decision(True, "takes_the_case")
    assert may_assign(me, untaken, MEDIATOR) == Decision(False, "takes_for_another")
    # Before notes has heard of the case at all, as when the assignment overtakes the request.
    unknown = NotesCase(case_id=case_id, tenant=TENANT)
    assert may_assign(me, unknown, OTHER_MEDIATOR) == Decision(True, "takes_the_case")


def test_the_cases_mediator_hands_it_over_or_names_a_note_taker_and_nobody_else_may() -> None:
    case_id = uuid4()
    taken = view_of(case_requested(TENANT, case_id), mediator_assigned(case_id))
    assert may_assign(ACTORS["mediator of the case"], taken, OTHER_MEDIATOR) == Decision(
        True, "as_mediator"
    )
    assert may_assign(ACTORS["mediator of the case"], taken, MEDIATOR).allowed
    refused = {
        name: may_assign(actor, taken, actor.subject).reason
        for name, actor in ACTORS.items()
        if name != "mediator of the case"
    }
    assert refused == {
        "another mediator": "not_the_mediator",
        "note-taker of the case": "role_may_not",
        "citizen party": "role_may_not",
        "administration representative": "role_may_not",
        "administration staff, not representing": "role_may_not",
        "companion": "role_may_not",
        "caseworker": "role_may_not",
        "operator": "role_may_not",
        "another tenant's mediator": "other_tenant",
    }


def test_only_a_mediator_may_take_a_case_for_themselves() -> None:
    untaken = view_of(case_requested(TENANT, uuid4()))
    for role in ROLES:
        decision = may_assign(person("staff-1", role), untaken, "staff-1")
        assert decision.allowed == (role == "mediator"), role


@pytest.mark.parametrize("ending", ["closed", "withdrawn"])
def test_nobody_is_assigned_once_the_case_has_ended(ending: str) -> None:
    case_id = uuid4()
    events = [case_requested(TENANT, case_id), mediator_assigned(case_id)]
    end = case_closed(case_id) if ending == "closed" else withdrew(case_id, CITIZEN)
    case = view_of(*events, end)
    decision = may_assign(ACTORS["mediator of the case"], case, OTHER_MEDIATOR)
    assert decision == Decision(False, "case_ended")
    untaken = view_of(case_requested(TENANT, case_id), end)
    assert may_assign(person(OTHER_MEDIATOR, "mediator"), untaken, OTHER_MEDIATOR) == Decision(
        False, "case_ended"
    )


# --- deny by default -----------------------------------------------------------------------


def test_every_allowed_decision_follows_a_rule_and_every_reason_is_a_bare_code() -> None:
    """All roles x the people of the case x actions x states: nothing is allowed outside the
    rules, and no reason carries an id, a name or content."""
    case = case_ready_for_a_summary()
    subjects = [
        MEDIATOR,
        OTHER_MEDIATOR,
        NOTE_TAKER,
        CITIZEN,
        ADMINISTRATION,
        REPRESENTATIVE,
        COMPANION,
        "staff-99",
    ]
    actions: tuple[Action, ...] = ("write", "read", "share", "audit")
    flags = list(itertools.product((False, True), repeat=3))
    for subject, role, tenant, action, (exists, shared, destroyed) in itertools.product(
        subjects, ROLES, (TENANT, OTHER_TENANT), actions, flags
    ):
        who = person(subject, role, tenant)
        decision = try_(
            action, who, case, summary_exists=exists, shared=shared, destroyed=destroyed
        )
        assert re.fullmatch(r"[a-z_]+", decision.reason)
        if not decision.allowed:
            continue
        member = case.membership(who)
        assert tenant == TENANT
        assert member is not None
        assert member.kind != "companion"
        assert role not in ("caseworker", "operator")
        if action == "write":
            assert member.is_case_staff
            assert case.summary_consented
            assert not destroyed
        elif action == "read":
            assert exists
            assert not destroyed
            assert member.is_case_staff or shared
        elif action == "share":
            assert member.kind == "mediator"
            assert exists
            assert not destroyed
        else:
            assert member.kind == "mediator"


def test_an_unknown_action_is_refused() -> None:
    decision = try_(
        cast(Action, "delete"), ACTORS["mediator of the case"], case_ready_for_a_summary()
    )
    assert decision == Decision(False, "unknown_action")


# --- the summary text ----------------------------------------------------------------------


def test_a_summary_is_stored_without_surrounding_whitespace() -> None:
    assert validate_summary_text("  Vi aftalte et nyt møde.\n") == "Vi aftalte et nyt møde."


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_an_empty_summary_is_refused(text: str) -> None:
    with pytest.raises(InvalidSummary) as refused:
        validate_summary_text(text)
    assert refused.value.code == "summary_empty"


def test_a_summary_is_short() -> None:
    longest = "a" * MAX_SUMMARY_LENGTH
    assert validate_summary_text(f"  {longest}  ") == longest
    secret = "Borgeren fortalte om sin sygdom. " * 200
    with pytest.raises(InvalidSummary) as refused:
        validate_summary_text(secret)
    assert refused.value.code == "summary_too_long"
    assert "sygdom" not in str(refused.value)
    assert isinstance(refused.value, ValueError)
