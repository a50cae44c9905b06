"""The mediation case and its lifecycle rules (DOMAIN.md; seeds 001 and 004). No I/O.

Each rule is a method named after what happens; it either changes the case and returns the
events it causes, or raises :class:`ImpossibleTransition` naming the rule that forbids it.

Lifecycle::

    requested --assessed: accepted--> accepted --(mediator + every consent)--> ready
        |  \\--assessed: declined--> closed (declined)
        \\--in complaint handling--> refused (never opened)
    any open state --party or mediator withdrew--> closed (withdrawn)
    any open state --a party declined consent--> closed (declined)
    ready --outcome recorded--> closed (agreement / partial / none)
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseClosedData,
    CaseReadyForScheduling,
    CaseReadyForSchedulingData,
    CaseRequested,
    CaseRequestRefused,
    CaseRequestRefusedData,
    ConsentDeclined,
    ConsentGiven,
    ConsentRequested,
    ConsentRequestedData,
    FollowUpContact,
    MediatorAssigned,
    OutcomeRecorded,
    PartyWithdrew,
)


class ImpossibleTransition(Exception):
    """The event contradicts the case's state; the reason names the rule (ids only)."""


class Status(StrEnum):
    REFUSED = "refused"
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    READY_FOR_SCHEDULING = "ready_for_scheduling"
    CLOSED = "closed"


OPEN = frozenset({Status.REQUESTED, Status.ACCEPTED, Status.READY_FOR_SCHEDULING})

COMPLAINT_HANDLING_REASON = (
    "The matter is in formal complaint handling. Mediation cannot run in parallel with a "
    "complaint about the same matter; ask again when the complaint handling has ended."
)


@dataclass
class Case:
    case_id: UUID
    tenant: str
    status: Status
    parties: dict[str, Literal["citizen", "administration"]]
    consented: set[str] = field(default_factory=set)
    mediator_id: str | None = None
    note_taker_id: str | None = None
    outcome: str | None = None
    source: str = "/mediation/intake"
    # Everything that follows from one request shares its correlation id, also when the
    # systems that send later events for the case do not carry it.
    correlation_id: UUID | None = None

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, request: CaseRequested, source: str) -> tuple["Case", list[CloudEvent]]:
        """Open a case, ask every party that has not consented yet, or refuse the request."""
        data = request.data
        case = cls(
            case_id=request.subject,
            tenant=request.tenant,
            status=Status.REQUESTED,
            parties={party.party_id: party.kind for party in data.parties},
            source=source,
            correlation_id=request.correlationid or request.id,
        )
        if data.in_complaint_handling:
            # Mediation is an alternative to complaint handling, never parallel (seed 001).
            case.status = Status.REFUSED
            refusal = CaseRequestRefusedData(
                reason_code="in_complaint_handling", reason=COMPLAINT_HANDLING_REASON
            )
            return case, [case._event(CaseRequestRefused, refusal, request)]
        if data.requester.party_id is not None and data.requester.consents:
            case.consented.add(data.requester.party_id)
        asks: list[CloudEvent] = [
            case._event(
                ConsentRequested,
                ConsentRequestedData(party_id=party_id, party_kind=kind),
                request,
            )
            for party_id, kind in case.parties.items()
            if party_id not in case.consented
        ]
        return case, asks

    # --- the rules ------------------------------------------------------------------------

    def handle(self, event: CloudEvent) -> list[CloudEvent]:
        """Apply one event to the case; returns the events it causes."""
        if isinstance(event, CaseAssessed):
            return self.assess(event)
        if isinstance(event, MediatorAssigned):
            return self.assign_mediator(event)
        if isinstance(event, ConsentGiven):
            return self.give_consent(event)
        if isinstance(event, ConsentDeclined):
            return self.decline_consent(event)
        if isinstance(event, PartyWithdrew):
            return self.withdraw(event)
        if isinstance(event, OutcomeRecorded):
            return self.record_outcome(event)
        raise ImpossibleTransition(f"intake does not handle {event.type}")

    def assess(self, event: CaseAssessed) -> list[CloudEvent]:
        self._require(Status.REQUESTED, "only a requested case that is not yet assessed")
        if event.data.decision == "declined":
            return self._close(event, "declined", "assessment_declined")
        self.status = Status.ACCEPTED
        return self._ready_if_complete(event)

    def assign_mediator(self, event: MediatorAssigned) -> list[CloudEvent]:
        """A mediator takes (or takes over) an open case."""
        self._require_open()
        first_assignment = self.mediator_id is None
        self.mediator_id = event.data.mediator_id
        self.note_taker_id = event.data.note_taker_id
        return self._ready_if_complete(event) if first_assignment else []

    def give_consent(self, event: ConsentGiven) -> list[CloudEvent]:
        """Participation is voluntary: each party says yes for itself. Saying it twice is fine."""
        self._require_open()
        self._require_party(event.data.party_id)
        if event.data.party_id in self.consented:
            return []
        self.consented.add(event.data.party_id)
        return self._ready_if_complete(event)

    def decline_consent(self, event: ConsentDeclined) -> list[CloudEvent]:
        """Without every party's consent there is no mediation: the case closes as declined."""
        self._require_open()
        self._require_party(event.data.party_id)
        return self._close(event, "declined", "consent_declined")

    def withdraw(self, event: PartyWithdrew) -> list[CloudEvent]:
        """Any party, and the mediator, may end the mediation at any time (seed 001)."""
        self._require_open()
        participant = event.data.participant_id
        if event.data.withdrawn_by == "party":
            self._require_party(participant)
        elif participant != self.mediator_id:
            raise ImpossibleTransition(
                f"{participant} is not the mediator of case {self.case_id} and cannot withdraw it"
            )
        return self._close(event, "withdrawn", "withdrawn")

    def record_outcome(self, event: OutcomeRecorded) -> list[CloudEvent]:
        self._require(Status.READY_FOR_SCHEDULING, "an outcome only after the case was ready")
        if event.data.recorded_by != self.mediator_id:
            raise ImpossibleTransition(
                f"only the case's mediator records its outcome, not {event.data.recorded_by}"
            )
        return self._close(
            event, event.data.outcome, "outcome_recorded", event.data.follow_up_contact
        )

    # --- helpers --------------------------------------------------------------------------

    def _ready_if_complete(self, cause: CloudEvent) -> list[CloudEvent]:
        """The mediation meeting may only be booked once the case is accepted, has a mediator
        and every party consented. Announced exactly once."""
        if self.status is not Status.ACCEPTED or self.mediator_id is None:
            return []
        if self.consented != set(self.parties):
            return []
        self.status = Status.READY_FOR_SCHEDULING
        data = CaseReadyForSchedulingData(
            party_ids=sorted(self.parties),
            mediator_id=self.mediator_id,
            note_taker_id=self.note_taker_id,
        )
        return [self._event(CaseReadyForScheduling, data, cause)]

    def _close(
        self,
        cause: CloudEvent,
        outcome: Literal["agreement", "partial_agreement", "no_agreement", "withdrawn", "declined"],
        because: Literal[
            "outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"
        ],
        follow_up: FollowUpContact | None = None,
    ) -> list[CloudEvent]:
        self.status = Status.CLOSED
        self.outcome = outcome
        data = CaseClosedData(outcome=outcome, closed_because=because, follow_up_contact=follow_up)
        return [self._event(CaseClosed, data, cause)]

    def _require_open(self) -> None:
        if self.status not in OPEN:
            raise ImpossibleTransition(f"case {self.case_id} is {self.status.value}")

    def _require(self, status: Status, rule: str) -> None:
        if self.status is not status:
            raise ImpossibleTransition(
                f"case {self.case_id} is {self.status.value}; allowed {rule}"
            )

    def _require_party(self, party_id: str) -> None:
        if party_id not in self.parties:
            raise ImpossibleTransition(f"{party_id} is not a party of case {self.case_id}")

    def _event(self, kind: type[CloudEvent], data: object, cause: CloudEvent) -> CloudEvent:
        return kind.create(
            tenant=self.tenant,
            case_id=self.case_id,
            source=self.source,
            data=data,
            cause=cause,
            correlationid=self.correlation_id,
        )
