"""Intake keeps the caseworker's checklist that came with a request and answers it in
``get_case`` to whoever may see the case; the case list does not carry it."""

from uuid import uuid4

from intake.adapters.case_repository import LIST_PROJECTION, _case_from
from intake.domain.case import Case
from intake.queries import detail, list_item
from mediation_contracts.commands import CaseListItem

from tests.data.events import (
    MEDIATOR,
    assessed,
    case_requested,
    caseworker_checklist,
    mediator_assigned,
    requested_with_checklist,
)
from tests.unit.intake.test_intake_queries import stored

INTAKE = "/kk/intake"


def test_the_checklist_is_kept_with_the_case_and_answered_in_its_detail() -> None:
    case, _ = Case.open(requested_with_checklist(), INTAKE)
    assert case.checklist == caseworker_checklist()
    assert detail(case, MEDIATOR).checklist == caseworker_checklist()


def test_a_case_without_a_checklist_answers_none() -> None:
    case, _ = Case.open(case_requested(), INTAKE)
    assert case.checklist is None
    assert detail(case, MEDIATOR).checklist is None


def test_the_checklist_stays_through_the_assessment() -> None:
    case, _ = Case.open(requested_with_checklist(), INTAKE)
    case.handle(mediator_assigned(case.case_id))
    case.handle(assessed(case.case_id))
    assert detail(case, MEDIATOR).checklist == caseworker_checklist()


def test_the_checklist_reads_back_as_stored() -> None:
    case, _ = Case.open(requested_with_checklist(), INTAKE)
    assert stored(case)["checklist"]["both_interested"] == "unknown"
    assert _case_from(stored(case)) == case
    without_staff_id = caseworker_checklist(completed_by=None)
    case.checklist = without_staff_id
    assert _case_from(stored(case)).checklist == without_staff_id


def test_a_case_stored_before_checklists_loads_without_one() -> None:
    case, _ = Case.open(case_requested(case_id=uuid4()), INTAKE)
    before_checklists = stored(case)
    del before_checklists["checklist"]
    assert _case_from(before_checklists).checklist is None


def test_the_case_list_does_not_read_or_carry_the_checklist() -> None:
    assert LIST_PROJECTION["checklist"] == 0
    assert "checklist" not in CaseListItem.model_fields
    case, _ = Case.open(requested_with_checklist(), INTAKE)
    assert "checklist" not in list_item(case).model_dump()
