"""Cases as scheduling sees them, built from contract events (tests.factories plus the events
intake sends that the shared factories do not make)."""

from typing import Literal
from uuid import UUID, uuid4

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseClosedData,
    CaseReadyForScheduling,
    CaseReadyForSchedulingData,
    CaseRequested,
    Companion,
)
from scheduling.domain.case_view import CaseEvent, CaseView

from tests.factories import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    NOTE_TAKER,
    SOURCE,
    TENANT,
    assessed,
    case_requested,
    mediator_assigned,
)

COMPANION = "companion-5"


def requested_with_companion(case_id: UUID, *, cause: CloudEvent | None = None) -> CaseRequested:
    """The citizen brings a companion (bisidder); the citizen asked and consents."""
    request = case_requested(case_id=case_id, cause=cause)
    citizen = request.data.parties[0].model_copy(
        update={"companion": Companion(companion_id=COMPANION, name="Carl Hansen")}
    )
    data = request.data.model_copy(update={"parties": [citizen, *request.data.parties[1:]]})
    return request.model_copy(update={"data": data})


def ready_for_scheduling(
    case_id: UUID,
    *,
    party_ids: tuple[str, ...] = (CITIZEN, ADMINISTRATION),
    mediator_id: str = MEDIATOR,
    note_taker_id: str | None = None,
    cause: CloudEvent | None = None,
) -> CaseReadyForScheduling:
    data = CaseReadyForSchedulingData(
        party_ids=list(party_ids), mediator_id=mediator_id, note_taker_id=note_taker_id
    )
    return CaseReadyForScheduling.create(
        tenant=TENANT, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def case_closed(
    case_id: UUID,
    because: Literal[
        "outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"
    ] = "outcome_recorded",
) -> CaseClosed:
    outcome: Literal["agreement", "withdrawn", "declined"] = (
        "agreement"
        if because == "outcome_recorded"
        else "withdrawn"
        if because == "withdrawn"
        else "declined"
    )
    data = CaseClosedData(outcome=outcome, closed_because=because)
    return CaseClosed.create(tenant=TENANT, case_id=case_id, source=SOURCE, data=data)


def view_of(*events: CaseEvent) -> CaseView:
    view = CaseView.for_event(events[0])
    for event in events:
        view.apply(event)
    return view


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
