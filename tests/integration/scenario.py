"""One mediation case as the outside world drives it: the events other systems publish."""

import secrets
from dataclasses import dataclass, field
from typing import Literal, TypeVar
from uuid import UUID, uuid4

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseAssessedData,
    CaseClosed,
    CaseClosedData,
    CaseRequested,
    CaseRequestedData,
    Companion,
    ConsentAnswerData,
    ConsentDeclined,
    ConsentGiven,
    ContactDetails,
    FollowUpContact,
    MediatorAssigned,
    MediatorAssignedData,
    OutcomeRecorded,
    OutcomeRecordedData,
    Party,
    PartyWithdrew,
    PartyWithdrewData,
    Requester,
    SummaryConsentData,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
    SummarySharingAgreedData,
)

SOURCE = "/tests/citizen-portal"
E = TypeVar("E", bound=CloudEvent)

# Personal data the request carries; none of it may ever appear in a service's log.
CITIZEN_NAME = "Karen Margrethe Østergaard"
CITIZEN_EMAIL = "karen.oestergaard@example.dk"
CITIZEN_PHONE = "+45 21 43 65 87"
COMPANION_NAME = "Bisidder Poul Kjærgaard"
DESCRIPTION = "Borgeren føler sig talt ned til ved mødet om sygedagpenge"
FOLLOW_UP_NAME = "Teamleder Ingrid Sørensen"
PERSONAL_DATA = (
    CITIZEN_NAME,
    CITIZEN_EMAIL,
    CITIZEN_PHONE,
    COMPANION_NAME,
    DESCRIPTION,
    FOLLOW_UP_NAME,
)


@dataclass
class Scenario:
    tenant: str
    case_id: UUID = field(default_factory=uuid4)
    citizen: str = "citizen-1"
    administration: str = "adm-jobcenter"
    mediator: str = "mediator-7"
    request_id: UUID | None = None

    @classmethod
    def new(cls) -> "Scenario":
        """A case of its own tenant, so tests sharing the servers never see each other."""
        return cls(tenant=f"t-{secrets.token_hex(4)}")

    def request(
        self, *, requester_consents: bool = True, in_complaint_handling: bool = False
    ) -> CaseRequested:
        data = CaseRequestedData(
            requester=Requester(kind="citizen", party_id=self.citizen, consents=requester_consents),
            parties=[
                Party(
                    party_id=self.citizen,
                    kind="citizen",
                    name=CITIZEN_NAME,
                    contact=ContactDetails(email=CITIZEN_EMAIL, phone=CITIZEN_PHONE),
                    companion=Companion(companion_id="companion-1", name=COMPANION_NAME),
                ),
                Party(
                    party_id=self.administration,
                    kind="administration",
                    name="Jobcenter",
                    representative_ids=["staff-31"],
                ),
            ],
            conflict_description=DESCRIPTION,
            matter_reference="SAG-2026-0042",
            in_complaint_handling=in_complaint_handling,
        )
        event = self._event(CaseRequested, data)
        self.request_id = event.id
        return event

    def assess(self, decision: Literal["accepted", "declined"]) -> CaseAssessed:
        reason = "Parterne ønsker ikke dialog" if decision == "declined" else None
        return self._event(
            CaseAssessed,
            CaseAssessedData(decision=decision, reason=reason, assessed_by=self.mediator),
        )

    def assign(
        self, note_taker: str | None = None, *, mediator: str | None = None
    ) -> MediatorAssigned:
        """The case's mediator (or ``mediator``) assigned, without a proof (see tests.proofs)."""
        return self._event(
            MediatorAssigned,
            MediatorAssignedData(mediator_id=mediator or self.mediator, note_taker_id=note_taker),
        )

    def consent(self, party_id: str) -> ConsentGiven:
        return self._event(ConsentGiven, ConsentAnswerData(party_id=party_id))

    def decline(self, party_id: str) -> ConsentDeclined:
        return self._event(ConsentDeclined, ConsentAnswerData(party_id=party_id))

    def withdraw(self, participant_id: str, by: Literal["party", "mediator"]) -> PartyWithdrew:
        return self._event(
            PartyWithdrew, PartyWithdrewData(participant_id=participant_id, withdrawn_by=by)
        )

    def outcome(
        self, outcome: Literal["agreement", "partial_agreement", "no_agreement"]
    ) -> OutcomeRecorded:
        data = OutcomeRecordedData(
            outcome=outcome,
            recorded_by=self.mediator,
            follow_up_contact=FollowUpContact(name=FOLLOW_UP_NAME, unit="Jobcentret"),
        )
        return self._event(OutcomeRecorded, data)

    def summary_consent(self) -> SummaryConsentGiven:
        data = SummaryConsentData(party_id=self.citizen, recorded_by=self.mediator)
        return self._event(SummaryConsentGiven, data)

    def withdraw_summary_consent(self) -> SummaryConsentWithdrawn:
        data = SummaryConsentData(party_id=self.citizen, recorded_by=self.mediator)
        return self._event(SummaryConsentWithdrawn, data)

    def agree_to_share(self, party_id: str) -> SummarySharingAgreed:
        data = SummarySharingAgreedData(party_id=party_id, recorded_by=self.mediator)
        return self._event(SummarySharingAgreed, data)

    def closed(self) -> CaseClosed:
        """As intake announces it after the outcome is recorded."""
        data = CaseClosedData(outcome="agreement", closed_because="outcome_recorded")
        return self._event(CaseClosed, data)

    def _event(self, kind: type[E], data: object) -> E:
        return kind.create(tenant=self.tenant, case_id=self.case_id, source=SOURCE, data=data)
