"""A case as scheduling sees it, built from contract events (:mod:`tests.data.events`)."""

from uuid import uuid4

from scheduling.domain.case_view import CaseEvent, CaseView

from tests.data import folded
from tests.data.events import (
    MEDIATOR,
    NOTE_TAKER,
    assessed,
    mediator_assigned,
    ready_for_scheduling,
    requested_with_companion,
)


def view_of(*events: CaseEvent) -> CaseView:
    return folded(CaseView, *events)


def accepted_case(*, note_taker: bool = False) -> CaseView:
    """Accepted, mediator assigned, only the citizen (the requester) has consented."""
    case_id = uuid4()
    return view_of(
        requested_with_companion(case_id),
        assessed(case_id),
        mediator_assigned(case_id, note_taker_id=NOTE_TAKER if note_taker else None),
    )


def ready_case(*, note_taker: bool = True, mediator_id: str = MEDIATOR) -> CaseView:
    """Every party consented and intake announced the case ready for scheduling."""
    case_id = uuid4()
    note_taker_id = NOTE_TAKER if note_taker else None
    return view_of(
        requested_with_companion(case_id),
        assessed(case_id),
        mediator_assigned(case_id, mediator_id, note_taker_id=note_taker_id),
        ready_for_scheduling(case_id, mediator_id=mediator_id, note_taker_id=note_taker_id),
    )
