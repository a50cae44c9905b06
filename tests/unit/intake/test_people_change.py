"""People change during a case (intake/domain/case.py, ``Case.change_people``): the case's
mediator corrects a party's details and adds, changes or removes its companion while the case
is open; the case detail shows the new details, the timeline records the change without them."""

import copy
from collections.abc import Callable
from datetime import timedelta

import pytest
from intake.adapters.case_repository import _case_from, _state_of
from intake.domain.case import Case, ImpossibleTransition, Status
from intake.queries import detail
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import Companion, ContactDetails

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    at,
    companion_changed,
    details_corrected,
)
from tests.unit.intake.test_case_lifecycle import (
    ENDED,
    OPEN_STAGES,
    OTHER_STAFF,
    STRANGER,
    accepted_case,
    assert_refused,
    stage_id,
)

SISTER = Companion(
    companion_id="companion-9",
    name="Søs Jensen",
    contact=ContactDetails(email="soes@example.dk", phone="+45 12 12 12 12"),
)
PERSONAL = ("Søs Jensen", "soes@example.dk", "+45 12 12 12 12", "anna.new@example.dk")


@pytest.mark.parametrize("stage", OPEN_STAGES, ids=stage_id)
def test_the_mediator_adds_changes_and_removes_a_companion_at_any_open_stage(
    stage: Callable[[], Case],
) -> None:
    case = stage()
    status = case.status
    assert case.handle(companion_changed(case.case_id, CITIZEN, SISTER)) == []
    assert case.party_details[0].companion == SISTER
    moved = SISTER.model_copy(update={"contact": ContactDetails(phone="+45 98 98 98 98")})
    assert case.handle(companion_changed(case.case_id, CITIZEN, moved)) == []
    assert case.party_details[0].companion == moved
    assert case.handle(companion_changed(case.case_id, CITIZEN)) == []
    assert case.party_details[0].companion is None
    assert case.status is status
    assert [entry.code for entry in case.timeline[-3:]] == ["changed", "changed", "removed"]


def test_a_companion_may_be_one_who_is_not_sent_invitations() -> None:
    case = accepted_case()
    quiet = SISTER.model_copy(update={"receives_invitations": False, "contact": None})
    case.handle(companion_changed(case.case_id, ADMINISTRATION, quiet))
    shown = detail(case, MEDIATOR).parties[1].companion
    assert shown is not None
    assert shown.receives_invitations is False


def test_the_mediator_corrects_a_partys_name_and_contact_details() -> None:
    case = accepted_case()
    contact = ContactDetails(email="anna.new@example.dk", preferred_channel="email", language="en")
    assert (
        case.handle(details_corrected(case.case_id, name="Anna Jensen-Holm", contact=contact)) == []
    )
    corrected = detail(case, MEDIATOR).parties[0]
    assert (corrected.name, corrected.contact) == ("Anna Jensen-Holm", contact)
    assert corrected.kind == "citizen"  # what the correction does not name stays
    assert case.status is Status.ACCEPTED


def test_the_timeline_names_who_changed_whom_and_never_the_details() -> None:
    case = accepted_case()
    case.handle(companion_changed(case.case_id, CITIZEN, SISTER))
    case.handle(details_corrected(case.case_id))
    companion, corrected = case.timeline[-2:]
    assert (companion.actor_id, companion.party_id, companion.code) == (
        MEDIATOR,
        CITIZEN,
        "changed",
    )
    assert (corrected.actor_id, corrected.party_id, corrected.code) == (MEDIATOR, CITIZEN, None)
    shown = "".join(entry.model_dump_json() for entry in case.timeline)
    assert not any(text in shown for text in PERSONAL)
    assert not any(text in repr(case) for text in PERSONAL)


def test_the_same_details_again_change_nothing_and_add_nothing_to_the_timeline() -> None:
    case = accepted_case()
    case.handle(details_corrected(case.case_id))
    before = copy.deepcopy(case.timeline)
    assert case.handle(details_corrected(case.case_id)) == []
    assert case.timeline == before


def test_the_newest_change_wins_whatever_the_order_they_arrive_in() -> None:
    case = accepted_case()
    older = details_corrected(case.case_id, contact=ContactDetails(email="old@example.dk"))
    newer = at(details_corrected(case.case_id), older.time + timedelta(minutes=1))
    case.handle(newer)
    assert case.handle(older) == []
    assert case.party_details[0].contact == ContactDetails(email="anna.new@example.dk")
    added = companion_changed(case.case_id, CITIZEN, SISTER)
    removed = at(companion_changed(case.case_id, CITIZEN), added.time + timedelta(minutes=1))
    case.handle(removed)
    case.handle(added)
    assert case.party_details[0].companion is None


def test_changes_survive_the_repository_round_trip() -> None:
    case = accepted_case()
    case.handle(companion_changed(case.case_id, CITIZEN, SISTER))
    case.handle(details_corrected(case.case_id))
    stored = _state_of(case)
    again = _case_from({**stored, "created_at": case.requested_at})
    assert again.party_details == case.party_details
    assert again.people_changed == case.people_changed


@pytest.mark.parametrize("changed_by", [OTHER_STAFF, CITIZEN])
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda case, by: companion_changed(case.case_id, CITIZEN, SISTER, changed_by=by),
            id="companion",
        ),
        pytest.param(lambda case, by: details_corrected(case.case_id, changed_by=by), id="details"),
    ],
)
def test_only_the_cases_mediator_changes_its_people(
    changed_by: str, change: Callable[[Case, str], CloudEvent]
) -> None:
    case = accepted_case()
    with pytest.raises(ImpossibleTransition) as refused:
        case.handle(change(case, changed_by))
    assert "only the case's mediator" in str(refused.value)
    assert case.reject(change(case, changed_by), str(refused.value))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda case: companion_changed(case.case_id, STRANGER, SISTER), id="not a party"
        ),
        pytest.param(
            lambda case: details_corrected(case.case_id, STRANGER), id="details of no party"
        ),
        pytest.param(
            lambda case: companion_changed(
                case.case_id, CITIZEN, SISTER.model_copy(update={"companion_id": ADMINISTRATION})
            ),
            id="a party as companion",
        ),
    ],
)
def test_changes_of_someone_who_is_not_in_the_case_are_refused(
    change: Callable[[Case], CloudEvent],
) -> None:
    case = accepted_case()
    assert_refused(case, change(case))


def test_one_person_is_not_two_parties_companion() -> None:
    case = accepted_case()
    case.handle(companion_changed(case.case_id, CITIZEN, SISTER))
    assert_refused(case, companion_changed(case.case_id, ADMINISTRATION, SISTER))


@pytest.mark.parametrize("ended", ENDED, ids=stage_id)
def test_an_ended_case_keeps_its_people_as_they_were(ended: Callable[[], Case]) -> None:
    case = ended()
    assert_refused(case, companion_changed(case.case_id, CITIZEN, SISTER))
    assert_refused(case, details_corrected(case.case_id))
    assert "change_people" not in case.actions_for(MEDIATOR)


def test_changing_people_is_offered_to_the_cases_mediator_only() -> None:
    case = accepted_case()
    assert "change_people" in case.actions_for(MEDIATOR)
    assert "change_people" not in case.actions_for(OTHER_STAFF)
