"""Events and people for the notes tests (tests.factories plus the summary events, which the
shared factories do not make)."""

from datetime import datetime
from typing import Literal, TypeVar
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    CaseClosedData,
    CaseRequested,
    Companion,
    SummaryConsentData,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
    SummarySharingAgreedData,
)
from notes.domain.case_view import NotesCase, NotesEvent
from notes.domain.identity import Identity, Role

from tests.factories import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    NOTE_TAKER,
    SOURCE,
    TENANT,
    case_requested,
    mediator_assigned,
)

COMPANION = "companion-5"
REPRESENTATIVE = "staff-31"  # tests.factories makes this employee the administration's
OTHER_TENANT = "aarhus"

E = TypeVar("E", bound=CloudEvent)


def at(event: E, time: datetime) -> E:
    """The same event, as if it had happened at ``time``."""
    return event.model_copy(update={"time": time})


def requested_with_companion(
    case_id: UUID, *, tenant: str = TENANT, cause: CloudEvent | None = None
) -> CaseRequested:
    """CITIZEN (who asked, with COMPANION) and ADMINISTRATION, represented by REPRESENTATIVE."""
    request = case_requested(tenant, case_id, cause=cause)
    citizen = request.data.parties[0].model_copy(
        update={"companion": Companion(companion_id=COMPANION, name="Carl Hansen")}
    )
    data = request.data.model_copy(update={"parties": [citizen, *request.data.parties[1:]]})
    return request.model_copy(update={"data": data})


def summary_consent_given(
    case_id: UUID,
    party_id: str = CITIZEN,
    *,
    recorded_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> SummaryConsentGiven:
    data = SummaryConsentData(party_id=party_id, recorded_by=recorded_by)
    return SummaryConsentGiven.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def summary_consent_withdrawn(
    case_id: UUID,
    party_id: str = CITIZEN,
    *,
    recorded_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> SummaryConsentWithdrawn:
    data = SummaryConsentData(party_id=party_id, recorded_by=recorded_by)
    return SummaryConsentWithdrawn.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def sharing_agreed(
    case_id: UUID,
    party_id: str,
    *,
    recorded_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> SummarySharingAgreed:
    data = SummarySharingAgreedData(party_id=party_id, recorded_by=recorded_by)
    return SummarySharingAgreed.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def case_closed(
    case_id: UUID,
    because: Literal[
        "outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"
    ] = "outcome_recorded",
    *,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> CaseClosed:
    outcome: Literal["agreement", "withdrawn", "declined"] = (
        "agreement"
        if because == "outcome_recorded"
        else "withdrawn"
        if because == "withdrawn"
        else "declined"
    )
    data = CaseClosedData(outcome=outcome, closed_because=because)
    return CaseClosed.create(tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause)


def view_of(*events: NotesEvent) -> NotesCase:
    view = NotesCase.for_event(events[0])
    for event in events:
        view.apply(event)
    return view


def consented_case(case_id: UUID, *, tenant: str = TENANT) -> list[NotesEvent]:
    """Requested (with a companion), mediator and note-taker assigned, the citizen wants a
    summary, and both parties agreed that it may be shared with them."""
    return [
        requested_with_companion(case_id, tenant=tenant),
        mediator_assigned(case_id, note_taker_id=NOTE_TAKER, tenant=tenant),
        summary_consent_given(case_id, tenant=tenant),
        sharing_agreed(case_id, CITIZEN, tenant=tenant),
        sharing_agreed(case_id, ADMINISTRATION, tenant=tenant),
    ]


def person(subject: str, role: Role, tenant: str = TENANT) -> Identity:
    return Identity(subject=subject, role=role, tenant=tenant)
