"""What intake shows the mediator's client (intake/domain/case.py, intake/queries.py): who sees
a case, what they may do with it, its timeline and the events rejected for it; and that a case
stored by the previous version (ids only) still loads."""

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from intake.adapters.case_repository import _case_from, _state_of
from intake.domain.case import MAX_REJECTED, Case, ImpossibleTransition, Status
from intake.queries import detail, list_item
from mediation_contracts.commands import CaseAction, TimelineEntry
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    Companion,
    ContactDetails,
    FollowUpContact,
    Party,
)

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    NOTE_TAKER,
    assessed,
    case_requested,
    consent_declined,
    consent_given,
    details_corrected,
    mediator_assigned,
    outcome_recorded,
    topics_recorded,
    withdrew,
)

INTAKE = "/kk/intake"
OTHER_MEDIATOR = "mediator-9"


def opened(**request: Any) -> Case:
    case, _ = Case.open(case_requested(**request), INTAKE)
    return case


def steps(case: Case, *events: Callable[[Case], CloudEvent]) -> Case:
    for event in events:
        case.handle(event(case))
    return case


def take(case: Case) -> CloudEvent:
    return mediator_assigned(case.case_id)


def accept(case: Case) -> CloudEvent:
    return assessed(case.case_id)


def administration_consents(case: Case) -> CloudEvent:
    return consent_given(case.case_id, ADMINISTRATION)


def unassigned_requested() -> Case:
    return opened()


def unassigned_accepted() -> Case:
    return steps(opened(), accept)


def taken_requested() -> Case:
    return steps(opened(), take)


def taken_accepted() -> Case:
    return steps(opened(), take, accept)


def taken_ready() -> Case:
    return steps(opened(), take, accept, administration_consents)


def taken_and_closed() -> Case:
    return steps(taken_ready(), lambda case: outcome_recorded(case.case_id))


def withdrawn_before_anyone_took_it() -> Case:
    return steps(opened(), lambda case: withdrew(case.case_id, CITIZEN))


def refused() -> Case:
    return opened(in_complaint_handling=True)


def name(stage: Callable[[], Case]) -> str:
    return stage.__name__


def timeline(case: Case) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(short(e.type), e.actor_id, e.party_id, e.code) for e in case.timeline]


def short(event_type: str) -> str:
    return ".".join(event_type.split(".")[2:4])


# --- visibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "mediator_sees", "another_mediator_sees"),
    [
        (unassigned_requested, True, True),
        (unassigned_accepted, True, True),
        (taken_requested, True, False),
        (taken_accepted, True, False),
        (taken_ready, True, False),
        (taken_and_closed, True, False),
        (withdrawn_before_anyone_took_it, False, False),
        (refused, False, False),
    ],
    ids=lambda value: name(value) if callable(value) else str(value),
)
def test_a_mediator_sees_their_own_cases_and_the_open_ones_no_one_took(
    stage: Callable[[], Case], mediator_sees: bool, another_mediator_sees: bool
) -> None:
    case = stage()
    assert case.visible_to(MEDIATOR) is mediator_sees
    assert case.visible_to(OTHER_MEDIATOR) is another_mediator_sees


def test_a_case_taken_over_is_no_longer_visible_to_the_mediator_before() -> None:
    case = steps(taken_accepted(), lambda case: mediator_assigned(case.case_id, OTHER_MEDIATOR))
    assert not case.visible_to(MEDIATOR)
    assert case.visible_to(OTHER_MEDIATOR)


def test_the_note_taker_is_not_shown_the_case_by_intake() -> None:
    case = steps(opened(), lambda case: mediator_assigned(case.case_id, note_taker_id=NOTE_TAKER))
    assert not case.visible_to(NOTE_TAKER)


# --- actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "viewer", "actions"),
    [
        (unassigned_requested, MEDIATOR, ["take"]),
        (unassigned_accepted, MEDIATOR, ["take"]),
        (
            taken_requested,
            MEDIATOR,
            ["assess", "record_consent", "withdraw", "name_note_taker", "change_people"],
        ),
        (taken_requested, OTHER_MEDIATOR, ["take"]),
        (
            taken_accepted,
            MEDIATOR,
            ["record_consent", "withdraw", "name_note_taker", "change_people", "record_topics"],
        ),
        (
            taken_ready,
            MEDIATOR,
            ["withdraw", "record_outcome", "name_note_taker", "change_people", "record_topics"],
        ),
        (taken_ready, OTHER_MEDIATOR, ["take"]),
        (taken_and_closed, MEDIATOR, []),
        (withdrawn_before_anyone_took_it, MEDIATOR, []),
        (refused, MEDIATOR, []),
    ],
    ids=lambda value: name(value) if callable(value) else str(value),
)
def test_what_the_viewer_may_do_follows_the_case_rules(
    stage: Callable[[], Case], viewer: str, actions: list[CaseAction]
) -> None:
    assert stage().actions_for(viewer) == actions


def test_assessing_is_for_the_cases_mediator_so_an_unassigned_case_is_taken_first() -> None:
    case = unassigned_requested()
    assert "assess" not in case.actions_for(MEDIATOR)
    case.handle(take(case))
    assert "assess" in case.actions_for(MEDIATOR)


def test_record_consent_is_offered_until_every_party_consented() -> None:
    case = opened(requester_consents=False)
    case.handle(take(case))
    assert case.consent_missing() == [CITIZEN, ADMINISTRATION]
    case.handle(consent_given(case.case_id, CITIZEN))
    assert case.consent_missing() == [ADMINISTRATION]
    assert "record_consent" in case.actions_for(MEDIATOR)
    case.handle(administration_consents(case))
    assert case.consent_missing() == []
    assert "record_consent" not in case.actions_for(MEDIATOR)


@pytest.mark.parametrize("stage", [taken_and_closed, refused], ids=name)
def test_an_ended_case_misses_no_consent(stage: Callable[[], Case]) -> None:
    assert stage().consent_missing() == []


def test_each_offered_action_is_one_the_case_accepts() -> None:
    """The actions are not a second set of rules: what is offered, the case then applies."""
    doing: dict[CaseAction, Callable[[Case], CloudEvent]] = {
        "take": take,
        "assess": accept,
        "record_consent": administration_consents,
        "withdraw": lambda case: withdrew(case.case_id, MEDIATOR, "mediator"),
        "record_outcome": lambda case: outcome_recorded(case.case_id),
        "name_note_taker": lambda case: mediator_assigned(case.case_id, note_taker_id=NOTE_TAKER),
        "change_people": lambda case: details_corrected(case.case_id),
        "record_topics": lambda case: topics_recorded(case.case_id),
    }
    for stage in (unassigned_requested, taken_requested, taken_accepted, taken_ready):
        for action in stage().actions_for(MEDIATOR):
            case = stage()
            case.handle(doing[action](case))  # raises ImpossibleTransition if not allowed


# --- timeline ------------------------------------------------------------------------------


def test_opening_puts_the_request_and_the_consent_requests_on_the_timeline() -> None:
    request = case_requested()
    case, outgoing = Case.open(request, INTAKE)

    assert timeline(case) == [
        ("case.requested", CITIZEN, None, None),
        ("consent.requested", None, ADMINISTRATION, None),
    ]
    assert [entry.event_id for entry in case.timeline] == [request.id, outgoing[0].id]
    assert case.timeline[0].at == request.time
    assert case.requested_at == request.time


def test_a_refused_request_is_on_the_timeline_with_its_reason_code() -> None:
    assert timeline(refused()) == [
        ("case.requested", CITIZEN, None, None),
        ("case.request_refused", None, None, "in_complaint_handling"),
    ]


def test_the_ombudsman_office_asking_names_no_actor() -> None:
    assert timeline(opened(requester="ombudsman_office"))[0] == ("case.requested", None, None, None)


def test_the_timeline_follows_the_case_to_its_outcome_in_order() -> None:
    case = opened()
    case.handle(take(case))
    case.handle(assessed(case.case_id, assessed_by=MEDIATOR))
    case.handle(consent_given(case.case_id, ADMINISTRATION, recorded_by=MEDIATOR))
    case.handle(outcome_recorded(case.case_id, "partial_agreement"))

    assert timeline(case) == [
        ("case.requested", CITIZEN, None, None),
        ("consent.requested", None, ADMINISTRATION, None),
        ("mediator.assigned", MEDIATOR, None, None),
        ("case.assessed", MEDIATOR, None, "accepted"),
        ("consent.given", MEDIATOR, ADMINISTRATION, None),
        ("case.ready_for_scheduling", None, None, None),
        ("case.outcome_recorded", MEDIATOR, None, "partial_agreement"),
        ("case.closed", None, None, "outcome_recorded"),
    ]
    times = [entry.at for entry in case.timeline]
    assert times == sorted(times)


@pytest.mark.parametrize(
    ("event", "entries", "declined_by", "withdrawn_by"),
    [
        pytest.param(
            lambda case: consent_declined(case.case_id, ADMINISTRATION),
            [
                ("consent.declined", ADMINISTRATION, ADMINISTRATION, None),
                ("case.closed", None, None, "consent_declined"),
            ],
            ADMINISTRATION,
            None,
            id="consent declined",
        ),
        pytest.param(
            lambda case: withdrew(case.case_id, CITIZEN),
            [
                ("party.withdrew", CITIZEN, CITIZEN, "party"),
                ("case.closed", None, None, "withdrawn"),
            ],
            None,
            CITIZEN,
            id="party withdrew",
        ),
        pytest.param(
            lambda case: withdrew(case.case_id, MEDIATOR, "mediator"),
            [
                ("party.withdrew", MEDIATOR, None, "mediator"),
                ("case.closed", None, None, "withdrawn"),
            ],
            None,
            MEDIATOR,
            id="mediator withdrew",
        ),
        pytest.param(
            lambda case: assessed(case.case_id, "declined"),
            [
                ("case.assessed", MEDIATOR, None, "declined"),
                ("case.closed", None, None, "assessment_declined"),
            ],
            None,
            None,
            id="assessment declined",
        ),
    ],
)
def test_how_a_case_ended_is_kept(
    event: Callable[[Case], CloudEvent],
    entries: list[tuple[str, str | None, str | None, str | None]],
    declined_by: str | None,
    withdrawn_by: str | None,
) -> None:
    case = taken_requested()
    before = len(case.timeline)
    case.handle(event(case))

    assert timeline(case)[before:] == entries
    assert (case.declined_by, case.withdrawn_by) == (declined_by, withdrawn_by)
    assert case.closed_because == entries[-1][3]


def test_the_assessment_and_the_follow_up_contact_are_kept() -> None:
    case = taken_requested()
    decision = assessed(case.case_id)
    case.handle(decision)
    case.handle(administration_consents(case))
    follow_up = FollowUpContact(name="Ingrid Sørensen", unit="Jobcenter")
    case.handle(outcome_recorded(case.case_id, follow_up_contact=follow_up))

    assert case.assessment is not None
    assert (case.assessment.decision, case.assessment.assessed_by) == ("accepted", MEDIATOR)
    assert case.assessment.assessed_at == decision.time
    assert case.follow_up_contact == follow_up
    assert (case.outcome, case.closed_because) == ("agreement", "outcome_recorded")


def test_a_consent_given_again_changes_nothing_not_even_the_timeline() -> None:
    case = taken_accepted()
    before = copy.deepcopy(case)
    assert case.handle(consent_given(case.case_id, CITIZEN)) == []
    assert case == before


def test_a_refused_event_leaves_the_timeline_as_it_was() -> None:
    case = taken_accepted()
    entries = list(case.timeline)
    with pytest.raises(ImpossibleTransition):
        case.handle(outcome_recorded(case.case_id))
    assert case.timeline == entries


def test_the_timeline_carries_no_names_or_free_text() -> None:
    case = taken_ready()
    case.handle(withdrew(case.case_id, CITIZEN))
    text = " ".join(entry.model_dump_json() for entry in case.timeline)
    for personal in ("Anna Jensen", "talked down", "SAG-2026-0042"):
        assert personal not in text


# --- rejected events -----------------------------------------------------------------------


def test_a_rejected_event_is_remembered_once_with_its_reason() -> None:
    case = taken_accepted()
    early = outcome_recorded(case.case_id)
    with pytest.raises(ImpossibleTransition) as refusal:
        case.handle(early)

    assert case.reject(early, str(refusal.value)) is True
    assert case.reject(early, str(refusal.value)) is False

    (rejected,) = case.rejected
    assert (rejected.event_id, rejected.type, rejected.at) == (early.id, early.type, early.time)
    assert rejected.reason == f"case {case.case_id} is accepted; allowed an outcome only after " + (
        "the case was ready"
    )


def test_only_the_latest_rejections_are_kept() -> None:
    case = taken_accepted()
    events = [outcome_recorded(case.case_id) for _ in range(MAX_REJECTED + 5)]
    for event in events:
        case.reject(event, "not ready")
    assert [r.event_id for r in case.rejected] == [e.id for e in events[-MAX_REJECTED:]]


# --- the replies ---------------------------------------------------------------------------


def with_contacts() -> Case:
    case = opened()
    case.party_details[0] = case.party_details[0].model_copy(
        update={
            "contact": ContactDetails(email="anna@example.dk"),
            "companion": Companion(
                companion_id="companion-1",
                name="Poul Kjærgaard",
                contact=ContactDetails(phone="+45 21 43 65 87"),
            ),
        }
    )
    return case


def test_a_list_item_names_the_parties_without_their_contact_details() -> None:
    case = with_contacts()
    item = list_item(case)

    assert [(p.party_id, p.name) for p in item.parties] == [
        (CITIZEN, "Anna Jensen"),
        (ADMINISTRATION, "Jobcenter"),
    ]
    assert all(p.contact is None for p in item.parties)
    companion = item.parties[0].companion
    assert companion is not None
    assert companion.contact is None
    assert (item.status, item.consent_missing, item.mediator_id) == (
        "requested",
        [ADMINISTRATION],
        None,
    )
    assert item.matter_reference == "SAG-2026-0042"


def test_the_detail_has_everything_the_mediator_needs() -> None:
    case = with_contacts()
    case.handle(take(case))
    shown = detail(case, MEDIATOR)

    assert shown.parties == case.party_details
    assert shown.parties[0].contact == ContactDetails(email="anna@example.dk")
    assert shown.requester == case.requester
    assert shown.conflict_description == "The citizen felt talked down to at a meeting"
    assert (shown.consented, shown.consent_missing) == ([CITIZEN], [ADMINISTRATION])
    assert shown.mediator_id == MEDIATOR
    assert shown.timeline == case.timeline
    assert shown.actions == [
        "assess",
        "record_consent",
        "withdraw",
        "name_note_taker",
        "change_people",
    ]
    assert detail(case, OTHER_MEDIATOR).actions == ["take"]


# --- storage: the new fields round-trip; the previous version's documents load ---------------


def stored(case: Case) -> dict[str, Any]:
    return {**_state_of(case), "created_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC)}


@pytest.mark.parametrize(
    "stage", [unassigned_requested, taken_ready, taken_and_closed, refused], ids=name
)
def test_a_case_reads_back_as_it_was_stored(stage: Callable[[], Case]) -> None:
    case = stage()
    case.reject(outcome_recorded(case.case_id), "not ready")
    assert _case_from(stored(case)) == case


@pytest.mark.parametrize("family", [False, True])
def test_a_case_stored_by_the_previous_version_loads_and_answers(family: bool) -> None:
    second = ("citizen-2", "citizen") if family else (ADMINISTRATION, "administration")
    previous_version = {
        "_id": "kk:x",
        "tenant": "kk",
        "case_id": str(uuid4()),
        "status": "accepted",
        "parties": [
            {"party_id": CITIZEN, "kind": "citizen"},
            {"party_id": second[0], "kind": second[1]},
        ],
        "consented": [CITIZEN],
        "mediator_id": MEDIATOR,
        "note_taker_id": None,
        "outcome": None,
        "source": "/mediation/intake",
        "correlation_id": None,
        "version": 3,
        "applied": ["a", "b", "c"],
        "outbox": [],
        "created_at": datetime(2025, 11, 3, 8, 30, tzinfo=UTC),
        "updated_at": datetime(2025, 11, 4, 8, 30, tzinfo=UTC),
    }
    case = _case_from(previous_version)

    assert case.status is Status.ACCEPTED
    assert case.requested_at == previous_version["created_at"]
    assert case.case_kind == ("family" if family else "citizen_administration")
    assert (case.timeline, case.rejected, case.assessment) == ([], [], None)
    shown = detail(case, MEDIATOR)
    assert [(p.party_id, p.kind, p.name) for p in shown.parties] == [
        (CITIZEN, "citizen", CITIZEN),
        (second[0], second[1], second[0]),
    ]
    assert (shown.requester, shown.conflict_description, shown.matter_reference) == (
        None,
        None,
        None,
    )
    # Its parties' topics may be recorded (by id); none are yet.
    assert shown.actions == ["record_consent", "withdraw", "name_note_taker", "record_topics"]
    assert (shown.topics, shown.agenda) == ([], [])
    assert list_item(case).consent_missing == [second[0]]
    # The case keeps working under the rules and stores the new fields from then on.
    case.handle(consent_given(case.case_id, second[0]))
    assert case.status is Status.READY_FOR_SCHEDULING
    assert _case_from(stored(case)) == case


def test_a_logged_case_shows_no_names_contacts_or_description() -> None:
    case = with_contacts()
    case.handle(take(case))
    case.handle(assessed(case.case_id, "declined", reason="Parterne ønsker ikke dialog"))
    text = repr(case)
    for personal in (
        "Anna Jensen",
        "anna@example.dk",
        "Kjærgaard",
        "talked down",
        "ønsker ikke",
    ):
        assert personal not in text


def test_timeline_entries_are_contract_models() -> None:
    assert all(isinstance(entry, TimelineEntry) for entry in taken_ready().timeline)


def test_party_details_keep_the_requests_order() -> None:
    case = opened(case_kind="family")
    assert [p.party_id for p in case.party_details] == list(case.parties)
    assert all(isinstance(p, Party) for p in case.party_details)


def test_the_case_answers_the_trace_context_its_request_came_with() -> None:
    """The mediator client continues the case's trace with it (README, Traces); it survives
    the repository, and a case stored before intake kept it answers none."""
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    case, _ = Case.open(case_requested().model_copy(update={"traceparent": trace}), INTAKE)
    assert detail(case, MEDIATOR).traceparent == trace
    stored = _state_of(case)
    assert _case_from({**stored, "created_at": case.requested_at}).traceparent == trace
    old = {key: value for key, value in stored.items() if key != "traceparent"}
    assert _case_from({**old, "created_at": case.requested_at}).traceparent is None
    assert detail(opened(), MEDIATOR).traceparent is None
