"""The case lifecycle (intake/domain/case.py): what each event does to a case, what it may not.

Every allowed transition is checked for the resulting status and the exact events it causes;
every forbidden one for ImpossibleTransition and an unchanged case.
"""

import copy
import itertools
from collections.abc import Callable
from typing import Any, Literal

import pytest
from intake.domain.case import Case, ImpossibleTransition, Status
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseReadyForScheduling,
    CaseRequestRefused,
    ConsentRequested,
    ContactDetails,
    FollowUpContact,
    MeetingHeld,
    MeetingHeldData,
)

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    NOTE_TAKER,
    SECOND_CITIZEN,
    assessed,
    case_requested,
    consent_declined,
    consent_given,
    mediator_assigned,
    outcome_recorded,
    withdrew,
)

INTAKE = "/kk/intake"
OTHER_STAFF = "mediator-9"
STRANGER = "citizen-99"


def names(events: list[CloudEvent]) -> list[str]:
    return [type(event).__name__ for event in events]


def open_case(**request: Any) -> tuple[Case, list[CloudEvent]]:
    return Case.open(case_requested(**request), INTAKE)


def assert_refused(case: Case, event: CloudEvent) -> None:
    before = copy.deepcopy(case)
    with pytest.raises(ImpossibleTransition):
        case.handle(event)
    assert case == before


def closed_data(events: list[CloudEvent]) -> tuple[str, str, FollowUpContact | None]:
    assert names(events) == ["CaseClosed"]
    closed = events[0]
    assert isinstance(closed, CaseClosed)
    return closed.data.outcome, closed.data.closed_because, closed.data.follow_up_contact


# --- cases at each stage (the citizen asked and consented; the administration is asked) ----


def requested_case() -> Case:
    """Requested, mediator assigned; not yet assessed, the administration has not answered."""
    case, _ = open_case()
    assert case.handle(mediator_assigned(case.case_id)) == []
    assert case.status is Status.REQUESTED
    return case


def accepted_case() -> Case:
    """Accepted, mediator assigned; the administration has not answered."""
    case = requested_case()
    assert case.handle(assessed(case.case_id)) == []
    assert case.status is Status.ACCEPTED
    return case


def ready_case() -> Case:
    case = accepted_case()
    assert names(case.handle(consent_given(case.case_id, ADMINISTRATION))) == [
        "CaseReadyForScheduling"
    ]
    assert case.status is Status.READY_FOR_SCHEDULING
    return case


OPEN_STAGES = [requested_case, accepted_case, ready_case]


def refused_case() -> Case:
    case, _ = open_case(in_complaint_handling=True)
    return case


def closed_by_outcome() -> Case:
    case = ready_case()
    case.handle(outcome_recorded(case.case_id))
    return case


def closed_by_withdrawal() -> Case:
    case = accepted_case()
    case.handle(withdrew(case.case_id, CITIZEN))
    return case


def closed_by_declined_consent() -> Case:
    case = requested_case()
    case.handle(consent_declined(case.case_id, ADMINISTRATION))
    return case


def closed_by_declined_assessment() -> Case:
    case = requested_case()
    case.handle(assessed(case.case_id, "declined"))
    return case


ENDED = [
    refused_case,
    closed_by_outcome,
    closed_by_withdrawal,
    closed_by_declined_consent,
    closed_by_declined_assessment,
]


def stage_id(stage: Callable[[], Case]) -> str:
    return stage.__name__


# --- opening -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "asked", "consented"),
    [
        pytest.param(
            {"requester": "citizen", "requester_consents": True},
            [(ADMINISTRATION, "administration")],
            {CITIZEN},
            id="citizen asks and consents",
        ),
        pytest.param(
            {"requester": "citizen", "requester_consents": False},
            [(CITIZEN, "citizen"), (ADMINISTRATION, "administration")],
            set(),
            id="citizen asks without consenting",
        ),
        pytest.param(
            {"requester": "administration", "requester_consents": True},
            [(CITIZEN, "citizen")],
            {ADMINISTRATION},
            id="administration asks and consents",
        ),
        pytest.param(
            {"requester": "administration", "requester_consents": False},
            [(CITIZEN, "citizen"), (ADMINISTRATION, "administration")],
            set(),
            id="administration asks without consenting",
        ),
        pytest.param(
            {"requester": "ombudsman_office"},
            [(CITIZEN, "citizen"), (ADMINISTRATION, "administration")],
            set(),
            id="ombudsman office proposes",
        ),
        pytest.param(
            {"case_kind": "family", "requester_consents": True},
            [(SECOND_CITIZEN, "citizen")],
            {CITIZEN},
            id="family case",
        ),
    ],
)
def test_a_request_opens_the_case_and_asks_every_party_that_has_not_consented(
    request_kwargs: dict[str, Any], asked: list[tuple[str, str]], consented: set[str]
) -> None:
    case, events = open_case(**request_kwargs)

    assert case.status is Status.REQUESTED
    assert case.consented == consented
    assert case.mediator_id is None
    assert names(events) == ["ConsentRequested"] * len(asked)
    assert [
        (event.data.party_id, event.data.party_kind)
        for event in events
        if isinstance(event, ConsentRequested)
    ] == asked


@pytest.mark.parametrize("requester_consents", [True, False])
def test_a_request_for_a_matter_in_complaint_handling_is_refused(requester_consents: bool) -> None:
    case, events = open_case(in_complaint_handling=True, requester_consents=requester_consents)

    assert case.status is Status.REFUSED
    assert names(events) == ["CaseRequestRefused"]
    refusal = events[0]
    assert isinstance(refusal, CaseRequestRefused)
    assert refusal.data.reason_code == "in_complaint_handling"
    assert refusal.data.reason


@pytest.mark.parametrize("in_complaint_handling", [False, True])
def test_opening_events_carry_tenant_case_and_the_request_as_cause(
    in_complaint_handling: bool,
) -> None:
    request = case_requested("aarhus", in_complaint_handling=in_complaint_handling)
    case, events = Case.open(request, INTAKE)

    assert (case.tenant, case.case_id) == ("aarhus", request.subject)
    assert events
    for event in events:
        assert event.tenant == "aarhus"
        assert event.subject == request.subject
        assert event.source == INTAKE
        assert event.correlationid == request.id
        assert event.causationid == request.id
        assert event.nats_subject().startswith("mediation.v1.aarhus.")


# --- suitability assessment ----------------------------------------------------------------


def test_accepted_without_mediator_waits() -> None:
    case, _ = open_case()
    assert case.handle(assessed(case.case_id)) == []
    assert case.status is Status.ACCEPTED


def test_accepted_with_mediator_but_without_every_consent_waits() -> None:
    case = requested_case()
    assert case.handle(assessed(case.case_id)) == []
    assert case.status is Status.ACCEPTED
    assert case.consented == {CITIZEN}


def test_declined_assessment_closes_the_case_as_declined() -> None:
    case = requested_case()
    events = case.handle(assessed(case.case_id, "declined", reason="No added value"))

    assert case.status is Status.CLOSED
    assert case.outcome == "declined"
    assert closed_data(events) == ("declined", "assessment_declined", None)


@pytest.mark.parametrize("decision", ["accepted", "declined"])
@pytest.mark.parametrize("stage", [accepted_case, ready_case], ids=stage_id)
def test_a_case_is_assessed_only_once(
    stage: Callable[[], Case], decision: Literal["accepted", "declined"]
) -> None:
    case = stage()
    assert_refused(case, assessed(case.case_id, decision))


# --- readiness: accepted + mediator + every consent, in any order, announced once ----------

STEPS: dict[str, Callable[[Case], CloudEvent]] = {
    "accept": lambda case: assessed(case.case_id),
    "assign": lambda case: mediator_assigned(case.case_id, note_taker_id=NOTE_TAKER),
    "citizen consents": lambda case: consent_given(case.case_id, CITIZEN),
    "administration consents": lambda case: consent_given(case.case_id, ADMINISTRATION),
}


def _orders(requester_consents: bool, *steps: str) -> list[Any]:
    return [
        pytest.param(requester_consents, order, id=" > ".join(order))
        for order in itertools.permutations(steps)
    ]


@pytest.mark.parametrize(
    ("requester_consents", "order"),
    _orders(True, "accept", "assign", "administration consents") + _orders(False, *STEPS),
)
def test_ready_for_scheduling_exactly_once_when_the_last_condition_arrives(
    requester_consents: bool, order: tuple[str, ...]
) -> None:
    case, _ = open_case(requester_consents=requester_consents)

    emitted = [case.handle(STEPS[step](case)) for step in order]

    assert [names(events) for events in emitted[:-1]] == [[]] * (len(order) - 1)
    assert names(emitted[-1]) == ["CaseReadyForScheduling"]
    ready = emitted[-1][0]
    assert isinstance(ready, CaseReadyForScheduling)
    assert ready.data.party_ids == sorted([CITIZEN, ADMINISTRATION])
    assert ready.data.mediator_id == MEDIATOR
    assert ready.data.note_taker_id == NOTE_TAKER
    assert case.status is Status.READY_FOR_SCHEDULING


@pytest.mark.parametrize(
    "again",
    [
        pytest.param(lambda case: consent_given(case.case_id, CITIZEN), id="consent again"),
        pytest.param(lambda case: mediator_assigned(case.case_id, OTHER_STAFF), id="reassign"),
    ],
)
def test_a_ready_case_is_not_announced_again(again: Callable[[Case], CloudEvent]) -> None:
    case = ready_case()
    assert case.handle(again(case)) == []
    assert case.status is Status.READY_FOR_SCHEDULING


# --- mediator ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
def test_reassigning_the_mediator_replaces_it_and_emits_nothing(
    stage: Callable[[], Case],
) -> None:
    case = stage()
    status = case.status

    assert case.handle(mediator_assigned(case.case_id, OTHER_STAFF, note_taker_id="nt-2")) == []

    assert case.status is status
    assert (case.mediator_id, case.note_taker_id) == (OTHER_STAFF, "nt-2")


def test_readiness_names_the_mediator_assigned_last() -> None:
    case, _ = open_case()
    case.handle(mediator_assigned(case.case_id, note_taker_id=NOTE_TAKER))
    case.handle(mediator_assigned(case.case_id, OTHER_STAFF))
    case.handle(assessed(case.case_id))

    events = case.handle(consent_given(case.case_id, ADMINISTRATION))

    ready = events[0]
    assert isinstance(ready, CaseReadyForScheduling)
    assert (ready.data.mediator_id, ready.data.note_taker_id) == (OTHER_STAFF, None)


# --- consent -------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
def test_consenting_twice_is_a_no_op(stage: Callable[[], Case]) -> None:
    case = stage()
    before = copy.deepcopy(case)
    assert case.handle(consent_given(case.case_id, CITIZEN)) == []
    assert case == before


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda case: consent_given(case.case_id, STRANGER), id="given"),
        pytest.param(lambda case: consent_declined(case.case_id, STRANGER), id="declined"),
        pytest.param(lambda case: consent_given(case.case_id, MEDIATOR), id="mediator gives"),
    ],
)
def test_only_a_party_answers_for_consent(
    stage: Callable[[], Case], answer: Callable[[Case], CloudEvent]
) -> None:
    case = stage()
    assert_refused(case, answer(case))


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
@pytest.mark.parametrize("party", [CITIZEN, ADMINISTRATION])
def test_a_declined_consent_closes_the_case_as_declined(
    stage: Callable[[], Case], party: str
) -> None:
    case = stage()
    events = case.handle(consent_declined(case.case_id, party))

    assert case.status is Status.CLOSED
    assert case.outcome == "declined"
    assert closed_data(events) == ("declined", "consent_declined", None)


# --- withdrawal ----------------------------------------------------------------------------


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
@pytest.mark.parametrize(
    ("participant", "by"),
    [(CITIZEN, "party"), (ADMINISTRATION, "party"), (MEDIATOR, "mediator")],
)
def test_a_party_or_the_mediator_may_withdraw_at_any_open_stage(
    stage: Callable[[], Case], participant: str, by: Literal["party", "mediator"]
) -> None:
    case = stage()
    events = case.handle(withdrew(case.case_id, participant, by))

    assert case.status is Status.CLOSED
    assert case.outcome == "withdrawn"
    assert closed_data(events) == ("withdrawn", "withdrawn", None)


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
@pytest.mark.parametrize(
    ("participant", "by"),
    [
        pytest.param(OTHER_STAFF, "mediator", id="another mediator"),
        pytest.param(CITIZEN, "mediator", id="a party as mediator"),
        pytest.param(STRANGER, "party", id="not a party"),
        pytest.param(MEDIATOR, "party", id="the mediator as a party"),
    ],
)
def test_withdrawal_by_someone_not_in_that_role_is_refused(
    stage: Callable[[], Case], participant: str, by: Literal["party", "mediator"]
) -> None:
    case = stage()
    assert_refused(case, withdrew(case.case_id, participant, by))


def test_without_a_mediator_no_one_withdraws_as_mediator() -> None:
    case, _ = open_case()
    assert_refused(case, withdrew(case.case_id, MEDIATOR, "mediator"))


def test_a_replaced_mediator_can_no_longer_withdraw_the_case() -> None:
    case = accepted_case()
    case.handle(mediator_assigned(case.case_id, OTHER_STAFF))

    assert_refused(case, withdrew(case.case_id, MEDIATOR, "mediator"))
    closed_data(case.handle(withdrew(case.case_id, OTHER_STAFF, "mediator")))


# --- outcome -------------------------------------------------------------------------------

FOLLOW_UP = FollowUpContact(
    name="Team leader Ingrid Sørensen",
    unit="Jobcenter",
    contact=ContactDetails(email="ingrid@example.dk"),
)


@pytest.mark.parametrize("outcome", ["agreement", "partial_agreement", "no_agreement"])
@pytest.mark.parametrize("follow_up", [FOLLOW_UP, None], ids=["follow-up", "no follow-up"])
def test_the_mediator_records_the_outcome_of_a_ready_case_and_it_closes(
    outcome: Literal["agreement", "partial_agreement", "no_agreement"],
    follow_up: FollowUpContact | None,
) -> None:
    case = ready_case()
    events = case.handle(outcome_recorded(case.case_id, outcome, follow_up_contact=follow_up))

    assert case.status is Status.CLOSED
    assert case.outcome == outcome
    assert closed_data(events) == (outcome, "outcome_recorded", follow_up)


@pytest.mark.parametrize("stage", [requested_case, accepted_case], ids=stage_id)
def test_no_outcome_before_the_case_is_ready(stage: Callable[[], Case]) -> None:
    case = stage()
    assert_refused(case, outcome_recorded(case.case_id))


@pytest.mark.parametrize("recorded_by", [OTHER_STAFF, CITIZEN, NOTE_TAKER])
def test_only_the_cases_mediator_records_the_outcome(recorded_by: str) -> None:
    case = ready_case()
    assert_refused(case, outcome_recorded(case.case_id, recorded_by=recorded_by))


# --- nothing happens to a refused or closed case -------------------------------------------

ANY_EVENT: list[Any] = [
    pytest.param(lambda case: assessed(case.case_id), id="assessed accepted"),
    pytest.param(lambda case: assessed(case.case_id, "declined"), id="assessed declined"),
    pytest.param(lambda case: mediator_assigned(case.case_id), id="mediator assigned"),
    pytest.param(lambda case: consent_given(case.case_id, CITIZEN), id="citizen consents"),
    pytest.param(lambda case: consent_given(case.case_id, ADMINISTRATION), id="adm consents"),
    pytest.param(lambda case: consent_declined(case.case_id, CITIZEN), id="consent declined"),
    pytest.param(lambda case: withdrew(case.case_id, CITIZEN), id="party withdrew"),
    pytest.param(lambda case: withdrew(case.case_id, MEDIATOR, "mediator"), id="mediator withdrew"),
    pytest.param(lambda case: outcome_recorded(case.case_id), id="outcome recorded"),
]


@pytest.mark.parametrize("ended", ENDED, ids=stage_id)
@pytest.mark.parametrize("event", ANY_EVENT)
def test_a_refused_or_closed_case_accepts_nothing(
    ended: Callable[[], Case], event: Callable[[Case], CloudEvent]
) -> None:
    case = ended()
    assert case.status in {Status.REFUSED, Status.CLOSED}
    assert_refused(case, event(case))


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(lambda case: case_requested(case_id=case.case_id), id="request again"),
        pytest.param(
            lambda case: MeetingHeld.create(
                tenant=case.tenant,
                case_id=case.case_id,
                source="/kk/scheduling",
                data=MeetingHeldData(
                    meeting_id="m-1", held_at="2026-03-02T09:00:00Z", marked_by=MEDIATOR
                ),
            ),
            id="meeting held",
        ),
    ],
)
def test_events_the_case_has_no_rule_for_are_refused(event: Callable[[Case], CloudEvent]) -> None:
    case = ready_case()
    assert_refused(case, event(case))


# --- what outgoing events carry ------------------------------------------------------------


def test_outgoing_events_follow_the_conversation_they_belong_to() -> None:
    request = case_requested("aarhus")
    case, asks = Case.open(request, INTAKE)
    case.handle(assessed(case.case_id, tenant="aarhus"))
    case.handle(mediator_assigned(case.case_id, tenant="aarhus"))
    # The administration answers the consent request: same conversation as the request.
    answer = consent_given(case.case_id, ADMINISTRATION, tenant="aarhus", cause=asks[0])

    (ready,) = case.handle(answer)

    assert isinstance(ready, CaseReadyForScheduling)
    assert (ready.tenant, ready.subject, ready.source) == ("aarhus", request.subject, INTAKE)
    assert ready.correlationid == request.id
    assert ready.causationid == answer.id


def test_later_events_stay_in_the_conversation_of_the_request() -> None:
    """Systems that send later events need not carry the correlation id: the case keeps it."""
    request = case_requested()
    case, _ = Case.open(request, INTAKE)
    withdrawal = withdrew(case.case_id, CITIZEN)
    assert withdrawal.correlationid is None

    (closed,) = case.handle(withdrawal)

    assert (closed.tenant, closed.subject, closed.source) == ("kk", case.case_id, INTAKE)
    assert closed.correlationid == request.id
    assert closed.causationid == withdrawal.id
