"""Contract events as other systems send them, with defaults that make a valid case: the one
place every test builds events from (the services' own views of a case are in the modules
next to this one, an integration test's whole case in :mod:`tests.data.scenario`).

Every factory takes ``tenant`` and an optional ``cause`` (the event this one answers), so tests
can follow correlation and causation through a conversation.
"""

from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from uuid import UUID, uuid4

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseAssessedData,
    CaseClosed,
    CaseClosedData,
    CaseReadyForScheduling,
    CaseReadyForSchedulingData,
    CaseRequested,
    CaseRequestedData,
    CaseworkerChecklist,
    Companion,
    CompanionChanged,
    CompanionChangedData,
    ConsentAnswerData,
    ConsentDeclined,
    ConsentGiven,
    ConsentRequested,
    ConsentRequestedData,
    ContactDetails,
    EvaluationRequested,
    EvaluationRequestedData,
    FollowUpContact,
    FollowUpDue,
    FollowUpDueData,
    FollowUpRecorded,
    FollowUpRecordedData,
    MediatorAssigned,
    MediatorAssignedData,
    OutcomeRecorded,
    OutcomeRecordedData,
    Party,
    PartyDetailsCorrected,
    PartyDetailsCorrectedData,
    PartyTopicsRecorded,
    PartyTopicsRecordedData,
    PartyWithdrew,
    PartyWithdrewData,
    Requester,
    SummaryConsentData,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummaryShared,
    SummarySharedData,
    SummarySharingAgreed,
    SummarySharingAgreedData,
)

TENANT = "kk"
OTHER_TENANT = "aarhus"
SOURCE = "/tests/data"
CITIZEN = "citizen-1"
SECOND_CITIZEN = "citizen-2"
ADMINISTRATION = "adm-jobcenter"
REPRESENTATIVE = "staff-31"  # the administration's employee in every case_requested
COMPANION = "companion-5"  # the citizen's companion (bisidder) in requested_with_companion
MEDIATOR = "mediator-7"
NOTE_TAKER = "note-taker-3"

E = TypeVar("E", bound=CloudEvent)


def at(event: E, time: datetime) -> E:
    """The same event, as if it had happened at ``time``."""
    return event.model_copy(update={"time": time.astimezone(UTC)})


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
                representative_ids=[REPRESENTATIVE],
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


def requested_with_companion(
    case_id: UUID, *, tenant: str = TENANT, cause: CloudEvent | None = None
) -> CaseRequested:
    """CITIZEN (who asked and consents, with COMPANION) and ADMINISTRATION, represented by
    REPRESENTATIVE."""
    request = case_requested(tenant, case_id, cause=cause)
    citizen = request.data.parties[0].model_copy(
        update={"companion": Companion(companion_id=COMPANION, name="Carl Hansen")}
    )
    data = request.data.model_copy(update={"parties": [citizen, *request.data.parties[1:]]})
    return request.model_copy(update={"data": data})


CASEWORKER = "caseworker-12"  # who answered the checklist in requested_with_checklist


def caseworker_checklist(**changes: Any) -> CaseworkerChecklist:
    """A caseworker's answers before proposing mediation; ``changes`` replace some."""
    checklist = CaseworkerChecklist(
        citizen_has_answer="partly",
        both_interested="unknown",
        alternatives_offered=True,
        discussed_with_colleagues_or_leader=True,
        ombudsman_office_consulted="not_needed",
        suitable_for_mediation="yes",
        completed_by=CASEWORKER,
    )
    return checklist.model_copy(update=changes)


def requested_with_checklist(
    case_id: UUID | None = None,
    *,
    tenant: str = TENANT,
    checklist: CaseworkerChecklist | None = None,
    cause: CloudEvent | None = None,
) -> CaseRequested:
    """ADMINISTRATION asks (and consents), with its caseworker's checklist (by default
    :func:`caseworker_checklist`)."""
    request = case_requested(tenant, case_id, requester="administration", cause=cause)
    data = request.data.model_copy(update={"checklist": checklist or caseworker_checklist()})
    return request.model_copy(update={"data": data})


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


# --- what intake announces -----------------------------------------------------------------


def consent_requested(
    case_id: UUID,
    party_id: str = ADMINISTRATION,
    kind: Literal["citizen", "administration"] = "administration",
    *,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> ConsentRequested:
    data = ConsentRequestedData(party_id=party_id, party_kind=kind)
    return ConsentRequested.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def ready_for_scheduling(
    case_id: UUID,
    *,
    party_ids: tuple[str, ...] = (CITIZEN, ADMINISTRATION),
    mediator_id: str = MEDIATOR,
    note_taker_id: str | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> CaseReadyForScheduling:
    data = CaseReadyForSchedulingData(
        party_ids=list(party_ids), mediator_id=mediator_id, note_taker_id=note_taker_id
    )
    return CaseReadyForScheduling.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def case_closed(
    case_id: UUID,
    because: Literal[
        "outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"
    ] = "outcome_recorded",
    *,
    follow_up: FollowUpContact | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> CaseClosed:
    """With the outcome that goes with ``because`` (an agreement after an outcome)."""
    outcome: Literal["agreement", "withdrawn", "declined"] = (
        "agreement"
        if because == "outcome_recorded"
        else "withdrawn"
        if because == "withdrawn"
        else "declined"
    )
    data = CaseClosedData(outcome=outcome, closed_because=because, follow_up_contact=follow_up)
    return CaseClosed.create(tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause)


# --- summaries: the mediator records the citizen's wishes; notes announces a shared one -----


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


def summary_shared(
    case_id: UUID, *, shared_by: str = MEDIATOR, tenant: str = TENANT
) -> SummaryShared:
    data = SummarySharedData(summary_id="summary-1", shared_by=shared_by)
    return SummaryShared.create(tenant=tenant, case_id=case_id, source=SOURCE, data=data)


# --- people change during a case (the mediator client) -------------------------------------


def companion_changed(
    case_id: UUID,
    party_id: str = CITIZEN,
    companion: Companion | None = None,
    *,
    changed_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> CompanionChanged:
    """``party_id``'s companion from now on; None (the default) removes it."""
    data = CompanionChangedData(party_id=party_id, companion=companion, changed_by=changed_by)
    return CompanionChanged.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def details_corrected(
    case_id: UUID,
    party_id: str = CITIZEN,
    *,
    name: str = "Anna Jensen",
    contact: ContactDetails | None = None,
    changed_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> PartyDetailsCorrected:
    """``party_id``'s name and contact details from now on (default: a new email address)."""
    data = PartyDetailsCorrectedData(
        party_id=party_id,
        name=name,
        contact=contact or ContactDetails(email="anna.new@example.dk"),
        changed_by=changed_by,
    )
    return PartyDetailsCorrected.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


# --- the agenda: topics agreed at the pre-meetings (the mediator client) --------------------

CITIZEN_TOPICS = ("Tonen i breve fra kommunen", "At blive ringet op som aftalt")
ADMINISTRATION_TOPICS = ("Hvordan vi svarer på henvendelser",)


def topics_recorded(
    case_id: UUID,
    party_id: str = CITIZEN,
    topics: tuple[str, ...] | list[str] = CITIZEN_TOPICS,
    *,
    agreed: bool = True,
    shared: bool = False,
    recorded_by: str = MEDIATOR,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> PartyTopicsRecorded:
    """``party_id``'s topics from now on, agreed with the party (not shared by default)."""
    data = PartyTopicsRecordedData(
        party_id=party_id,
        topics=list(topics),
        agreed_by_party=agreed,
        share_with_other_parties=shared,
        recorded_by=recorded_by,
    )
    return PartyTopicsRecorded.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


# --- learning from mediations: evaluation and follow-up (insights) -----------------------

LINK_TOKEN = "evaluation-link-secret-0123456789abcdef"


def evaluation_requested(
    case_id: UUID,
    party_id: str = CITIZEN,
    *,
    occasion: Literal["meeting_held", "case_closed"] = "case_closed",
    link_token: str = LINK_TOKEN,
    reminder: bool = False,
    expires_at: datetime | None = None,
    tenant: str = TENANT,
    cause: CloudEvent | None = None,
) -> EvaluationRequested:
    """``party_id`` invited to evaluate (their one-time link's secret is ``link_token``)."""
    data = EvaluationRequestedData(
        party_id=party_id,
        occasion=occasion,
        link_token=link_token,
        expires_at=expires_at or datetime(2030, 1, 1, tzinfo=UTC),
        reminder=reminder,
    )
    return EvaluationRequested.create(
        tenant=tenant, case_id=case_id, source=SOURCE, data=data, cause=cause
    )


def follow_up_due(
    case_id: UUID,
    *,
    mediator_id: str = MEDIATOR,
    closed_at: datetime | None = None,
    due_at: datetime | None = None,
    tenant: str = TENANT,
) -> FollowUpDue:
    closed = closed_at or datetime(2026, 10, 1, tzinfo=UTC)
    data = FollowUpDueData(mediator_id=mediator_id, closed_at=closed, due_at=due_at or closed)
    return FollowUpDue.create(tenant=tenant, case_id=case_id, source=SOURCE, data=data)


def follow_up_recorded(
    case_id: UUID,
    result: Literal["held", "partly_held", "not_held", "no_contact"] = "held",
    *,
    recorded_by: str = MEDIATOR,
    tenant: str = TENANT,
) -> FollowUpRecorded:
    data = FollowUpRecordedData(result=result, recorded_by=recorded_by)
    return FollowUpRecorded.create(tenant=tenant, case_id=case_id, source=SOURCE, data=data)
