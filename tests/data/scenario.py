"""One mediation case as the outside world drives it: the events other systems publish, for a
tenant of its own. Built by the factories of :mod:`tests.data.events`; what this case adds is
personal data in the request, which no service may ever write to its log."""

import secrets
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID, uuid4

from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseRequested,
    CaseRequestedData,
    Companion,
    ConsentDeclined,
    ConsentGiven,
    ContactDetails,
    FollowUpContact,
    MediatorAssigned,
    OutcomeRecorded,
    Party,
    PartyWithdrew,
    Requester,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
)

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    REPRESENTATIVE,
    SOURCE,
    assessed,
    case_closed,
    consent_declined,
    consent_given,
    mediator_assigned,
    outcome_recorded,
    sharing_agreed,
    summary_consent_given,
    summary_consent_withdrawn,
    withdrew,
)

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
    citizen: str = CITIZEN
    administration: str = ADMINISTRATION
    mediator: str = MEDIATOR
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
                    representative_ids=[REPRESENTATIVE],
                ),
            ],
            conflict_description=DESCRIPTION,
            matter_reference="SAG-2026-0042",
            in_complaint_handling=in_complaint_handling,
        )
        event = CaseRequested.create(
            tenant=self.tenant, case_id=self.case_id, source=SOURCE, data=data
        )
        self.request_id = event.id
        return event

    def assess(self, decision: Literal["accepted", "declined"]) -> CaseAssessed:
        reason = "Parterne ønsker ikke dialog" if decision == "declined" else None
        return assessed(
            self.case_id, decision, reason=reason, assessed_by=self.mediator, tenant=self.tenant
        )

    def assign(
        self, note_taker: str | None = None, *, mediator: str | None = None
    ) -> MediatorAssigned:
        """The case's mediator (or ``mediator``) assigned, without a proof (see tests.proofs)."""
        return mediator_assigned(
            self.case_id, mediator or self.mediator, note_taker_id=note_taker, tenant=self.tenant
        )

    def consent(self, party_id: str) -> ConsentGiven:
        return consent_given(self.case_id, party_id, tenant=self.tenant)

    def decline(self, party_id: str) -> ConsentDeclined:
        return consent_declined(self.case_id, party_id, tenant=self.tenant)

    def withdraw(self, participant_id: str, by: Literal["party", "mediator"]) -> PartyWithdrew:
        return withdrew(self.case_id, participant_id, by, tenant=self.tenant)

    def outcome(
        self, outcome: Literal["agreement", "partial_agreement", "no_agreement"]
    ) -> OutcomeRecorded:
        return outcome_recorded(
            self.case_id,
            outcome,
            recorded_by=self.mediator,
            follow_up_contact=FollowUpContact(name=FOLLOW_UP_NAME, unit="Jobcentret"),
            tenant=self.tenant,
        )

    def summary_consent(self) -> SummaryConsentGiven:
        return summary_consent_given(
            self.case_id, self.citizen, recorded_by=self.mediator, tenant=self.tenant
        )

    def withdraw_summary_consent(self) -> SummaryConsentWithdrawn:
        return summary_consent_withdrawn(
            self.case_id, self.citizen, recorded_by=self.mediator, tenant=self.tenant
        )

    def agree_to_share(self, party_id: str) -> SummarySharingAgreed:
        return sharing_agreed(self.case_id, party_id, recorded_by=self.mediator, tenant=self.tenant)

    def closed(self) -> CaseClosed:
        """As intake announces it after the outcome is recorded."""
        return case_closed(self.case_id, tenant=self.tenant)
