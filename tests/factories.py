"""Contract events as other systems send them, with defaults that make a valid case.

Every factory takes ``tenant`` and an optional ``cause`` (the event this one answers), so tests
can follow correlation and causation through a conversation.
"""

from typing import Literal
from uuid import UUID, uuid4

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseAssessedData,
    CaseRequested,
    CaseRequestedData,
    ConsentAnswerData,
    ConsentDeclined,
    ConsentGiven,
    FollowUpContact,
    MediatorAssigned,
    MediatorAssignedData,
    OutcomeRecorded,
    OutcomeRecordedData,
    Party,
    PartyWithdrew,
    PartyWithdrewData,
    Requester,
)

TENANT = "kk"
SOURCE = "/tests/factories"
CITIZEN = "citizen-1"
SECOND_CITIZEN = "citizen-2"
ADMINISTRATION = "adm-jobcenter"
MEDIATOR = "mediator-7"
NOTE_TAKER = "note-taker-3"


def case_requested(
    tenant: str = TENANT,
    case_id: UUID | None = None,
    *,
    case_kind: Literal["citizen_administration", "family"] = "citizen_administration",
    requester: Literal["citizen", "administration", "ombudsman_office"] = "citizen",
    requester_consents: bool = True,
    in_complaint_handling: bool = False,
    cause: CloudEvent | None = None,
) -> CaseRequested:
    """Parties: CITIZEN and ADMINISTRATION, or CITIZEN and SECOND_CITIZEN for a family case.

    A citizen requester is CITIZEN, an administration requester ADMINISTRATION; the ombudsman
    office is no party, so ``requester_consents`` does not apply to it.
    """
    if case_kind == "family":
        parties = [
            Party(party_id=CITIZEN, kind="citizen", name="Anna Jensen"),
            Party(party_id=SECOND_CITIZEN, kind="citizen", name="Bo Jensen"),
        ]
    else:
        parties = [
            Party(party_id=CITIZEN, kind="citizen", name="Anna Jensen"),
            Party(
                party_id=ADMINISTRATION,
                kind="administration",
                name="Jobcenter",
                representative_ids=["staff-31"],
            ),
        ]
    if requester == "ombudsman_office":
        asking = Requester(kind="ombudsman_office")
    else:
        party_id = CITIZEN if requester == "citizen" else ADMINISTRATION
        asking = Requester(kind=requester, party_id=party_id, consents=requester_consents)
    data = CaseRequestedData(
        case_kind=case_kind,
        requester=asking,
        parties=parties,
        conflict_description="The citizen felt talked down to at a meeting",
        matter_reference="SAG-2026-0042",
        in_complaint_handling=in_complaint_handling,
    )
    return CaseRequested.create(
        tenant=tenant, case_id=case_id or uuid4(), source=SOURCE, data=data, cause=cause
    )


def assessed(
    case_id: UUID,
    decision: Literal["accepted", "declined"] = "accepted",
    *,
    reason: str | None = None,
    assessed_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> CaseAssessed:
    """A declined assessment gets a default reason unless one is given."""
    if decision == "declined" and reason is None:
        reason = "Mediation is unlikely to add value here"
    data = CaseAssessedData(decision=decision, reason=reason, assessed_by=assessed_by)
    return CaseAssessed.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def mediator_assigned(
    case_id: UUID,
    mediator_id: str = MEDIATOR,
    *,
    note_taker_id: str | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> MediatorAssigned:
    data = MediatorAssignedData(mediator_id=mediator_id, note_taker_id=note_taker_id)
    return MediatorAssigned.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def consent_given(
    case_id: UUID,
    party_id: str,
    *,
    recorded_by: str | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> ConsentGiven:
    data = ConsentAnswerData(party_id=party_id, recorded_by=recorded_by)
    return ConsentGiven.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def consent_declined(
    case_id: UUID,
    party_id: str,
    *,
    recorded_by: str | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> ConsentDeclined:
    data = ConsentAnswerData(party_id=party_id, recorded_by=recorded_by)
    return ConsentDeclined.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def withdrew(
    case_id: UUID,
    participant_id: str,
    by: Literal["party", "mediator"] = "party",
    *,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> PartyWithdrew:
    data = PartyWithdrewData(participant_id=participant_id, withdrawn_by=by)
    return PartyWithdrew.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def outcome_recorded(
    case_id: UUID,
    outcome: Literal["agreement", "partial_agreement", "no_agreement"] = "agreement",
    *,
    recorded_by: str = MEDIATOR,
    follow_up_contact: FollowUpContact | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> OutcomeRecorded:
    data = OutcomeRecordedData(
        outcome=outcome, recorded_by=recorded_by, follow_up_contact=follow_up_contact
    )
    return OutcomeRecorded.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )
