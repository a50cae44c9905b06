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

The case also keeps what the mediator's client is shown (:meth:`Case.visible_to`,
:meth:`Case.actions_for`): the request's details, the assessment, who declined or withdrew,
each party's topics and the agenda (:meth:`Case.agenda`), and a timeline of every event it
applied or caused (ids and codes only).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from mediation_contracts.commands import (
    AgendaItem,
    Assessment,
    CaseAction,
    PartyTopics,
    RejectedEvent,
    TimelineEntry,
)
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
    CaseworkerChecklist,
    CompanionChanged,
    ConsentDeclined,
    ConsentGiven,
    ConsentRequested,
    ConsentRequestedData,
    FollowUpContact,
    MediatorAssigned,
    OutcomeRecorded,
    Party,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
    PartyWithdrew,
    Requester,
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
# Accepted and not ended: the pre-meetings, where the topics are agreed, happen now.
PRE_MEETINGS = frozenset({Status.ACCEPTED, Status.READY_FOR_SCHEDULING})

CaseKind = Literal["citizen_administration", "family"]

MAX_REJECTED = 20
"""Rejected events kept per case: the latest, enough to tell a sender why its event failed."""

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
    # The request's time (for a case stored before intake kept it: when the case was opened).
    requested_at: datetime
    consented: set[str] = field(default_factory=set)
    mediator_id: str | None = None
    note_taker_id: str | None = None
    outcome: str | None = None
    source: str = "/mediation/intake"
    # Everything that follows from one request shares its correlation id, also when the
    # systems that send later events for the case do not carry it.
    correlation_id: UUID | None = None
    # The request's W3C trace context, for callers that continue the case's trace.
    traceparent: str | None = None
    # What the request said. None (empty) for a case opened before intake kept it.
    # Personal data: kept out of repr, so a logged case never shows a name or a contact.
    case_kind: CaseKind = "citizen_administration"
    requester: Requester | None = None
    party_details: list[Party] = field(default_factory=list, repr=False)
    conflict_description: str | None = field(default=None, repr=False)
    matter_reference: str | None = None
    checklist: CaseworkerChecklist | None = None
    # How it went.
    assessment: Assessment | None = field(default=None, repr=False)
    declined_by: str | None = None
    withdrawn_by: str | None = None
    closed_because: str | None = None
    # The stream sequence of the event that closed the case (None: closed before intake kept
    # it): an event the stream has before it, applied after it, was overtaken, not late.
    closed_at_sequence: int | None = None
    follow_up_contact: FollowUpContact | None = field(default=None, repr=False)
    timeline: list[TimelineEntry] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    # Each party's topics for the mediation meeting, in the parties' order. What a party
    # wants to talk about: kept out of repr too.
    party_topics: list[PartyTopics] = field(default_factory=list, repr=False)
    # "<what>:<party id>" -> (time, event id) of the newest change of that party's details
    # ("details"), companion ("companion") or topics ("topics") applied: an older one
    # arriving later is ignored.
    people_changed: dict[str, tuple[datetime, str]] = field(default_factory=dict)

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
            traceparent=request.traceparent,
            case_kind=data.case_kind,
            requested_at=request.time,
            requester=data.requester,
            party_details=list(data.parties),
            conflict_description=data.conflict_description,
            matter_reference=data.matter_reference,
            checklist=data.checklist,
        )
        if data.in_complaint_handling:
            # Mediation is an alternative to complaint handling, never parallel (seed 001).
            case.status = Status.REFUSED
            refusal = CaseRequestRefusedData(
                reason_code="in_complaint_handling", reason=COMPLAINT_HANDLING_REASON
            )
            outgoing = [case._event(CaseRequestRefused, refusal, request)]
        else:
            if data.requester.party_id is not None and data.requester.consents:
                case.consented.add(data.requester.party_id)
            outgoing = [
                case._event(
                    ConsentRequested,
                    ConsentRequestedData(party_id=party_id, party_kind=kind),
                    request,
                )
                for party_id, kind in case.parties.items()
                if party_id not in case.consented
            ]
        case._record(request, outgoing)
        return case, outgoing

    # --- the rules ------------------------------------------------------------------------

    def handle(self, event: CloudEvent) -> list[CloudEvent]:
        """Apply one event to the case; returns the events it causes. An event that changes
        the case goes on its timeline, followed by the events it causes; a no-op (a consent
        given again) leaves the case, timeline included, as it was."""
        before = self._rule_state()
        outgoing = self._apply_rule(event)
        if outgoing or self._rule_state() != before:
            self._record(event, outgoing)
        return outgoing

    def _apply_rule(self, event: CloudEvent) -> list[CloudEvent]:
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
        if isinstance(event, CompanionChanged | PartyDetailsCorrected):
            return self.change_people(event)
        if isinstance(event, PartyTopicsRecorded):
            return self.record_topics(event)
        raise ImpossibleTransition(f"intake does not handle {event.type}")

    def assess(self, event: CaseAssessed) -> list[CloudEvent]:
        self._require(Status.REQUESTED, "only a requested case that is not yet assessed")
        self.assessment = Assessment(
            decision=event.data.decision,
            reason=event.data.reason,
            assessed_by=event.data.assessed_by,
            assessed_at=event.time,
        )
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
        self.declined_by = event.data.party_id
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
        self.withdrawn_by = participant
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

    def change_people(self, event: CompanionChanged | PartyDetailsCorrected) -> list[CloudEvent]:
        """The case's mediator corrects a party's details or adds, changes or removes its
        companion, while the case is open. The newest change of each wins, in any order."""
        self._require_open()
        party_id = event.data.party_id
        self._require_party(party_id)
        if event.data.changed_by != self.mediator_id:
            raise ImpossibleTransition(
                f"only the case's mediator changes its people, not {event.data.changed_by}"
            )
        index = next((i for i, p in enumerate(self.party_details) if p.party_id == party_id), None)
        if index is None:
            raise ImpossibleTransition(f"case {self.case_id} keeps no details of {party_id}")
        party = self.party_details[index]
        update: dict[str, object]
        if isinstance(event, CompanionChanged):
            companion = event.data.companion
            if companion is not None and companion.companion_id in self._people_ids(party_id):
                raise ImpossibleTransition(
                    f"{companion.companion_id} is already someone else in case {self.case_id}"
                )
            key, update = f"companion:{party_id}", {"companion": companion}
        else:
            key = f"details:{party_id}"
            update = {"name": event.data.name, "contact": event.data.contact}
        if not self._is_newest(key, event):
            return []  # a newer change was applied already
        self.party_details = [
            *self.party_details[:index],
            party.model_copy(update=update),
            *self.party_details[index + 1 :],
        ]
        return []

    def record_topics(self, event: PartyTopicsRecorded) -> list[CloudEvent]:
        """The case's mediator records the topics a party wants to raise, as agreed with it
        at its pre-meetings (seed 001): from acceptance until the case ends. The newest record
        of a party's topics replaces the earlier ones, in any order."""
        data = event.data
        if self.status not in PRE_MEETINGS:
            raise ImpossibleTransition(
                f"case {self.case_id} is {self.status.value}; topics are recorded once the "
                "case is accepted, until it ends"
            )
        self._require_party(data.party_id)
        if data.recorded_by != self.mediator_id:
            raise ImpossibleTransition(
                f"only the case's mediator records a party's topics, not {data.recorded_by}"
            )
        if not self._is_newest(f"topics:{data.party_id}", event):
            return []
        recorded = PartyTopics(
            party_id=data.party_id,
            topics=data.topics,
            agreed_by_party=data.agreed_by_party,
            share_with_other_parties=data.share_with_other_parties,
            recorded_by=data.recorded_by,
            recorded_at=event.time,
        )
        others = {t.party_id: t for t in self.party_topics if t.party_id != data.party_id}
        if data.topics:
            others[data.party_id] = recorded
        self.party_topics = [others[p] for p in self.parties if p in others]
        return []

    def _is_newest(self, key: str, event: CloudEvent) -> bool:
        """Whether ``event`` is the newest change of ``key`` so far (by time, then id); if it
        is, it is remembered as such."""
        this = (event.time, str(event.id))
        newest = self.people_changed.get(key)
        if newest is not None and newest > this:
            return False
        self.people_changed[key] = this
        return True

    def _people_ids(self, except_companion_of: str) -> set[str]:
        """Party ids and the companion ids of every other party."""
        return set(self.parties) | {
            p.companion.companion_id
            for p in self.party_details
            if p.companion is not None and p.party_id != except_companion_of
        }

    # --- what the mediator's client is shown ---------------------------------------------

    def agenda(self) -> list[AgendaItem]:
        """The mediation meeting's agenda: each party's agreed topics, in the parties' order."""
        return [
            AgendaItem(party_id=recorded.party_id, topic=topic)
            for recorded in self.party_topics
            if recorded.agreed_by_party
            for topic in recorded.topics
        ]

    def visible_to(self, viewer_id: str) -> bool:
        """A mediator sees the cases assigned to them, and the open cases no one has taken
        (so they can take one). Not another mediator's case, not an ended case no one took."""
        if self.mediator_id is not None:
            return self.mediator_id == viewer_id
        return self.status in OPEN

    def consent_missing(self) -> list[str]:
        """Parties whose consent is still missing, in the request's order; none once ended."""
        if self.status not in OPEN:
            return []
        return [party_id for party_id in self.parties if party_id not in self.consented]

    def actions_for(self, viewer_id: str) -> list[CaseAction]:
        """What ``viewer_id`` may do with the case now, by the same rules :meth:`handle`
        applies. Assessing, recording consent, withdrawing, recording the outcome and naming
        a note-taker are offered to the case's mediator only: whoever else wants to act takes
        the case first.
        (:meth:`assess` itself accepts an assessment before anyone took the case: another
        system may send one. The client offers it to the mediator, who is then accountable.)"""
        if self.status not in OPEN:
            return []
        if self.mediator_id != viewer_id:
            return ["take"]
        actions: list[CaseAction] = []
        if self.status is Status.REQUESTED:
            actions.append("assess")
        if self.consent_missing():
            actions.append("record_consent")
        actions.append("withdraw")
        if self.status is Status.READY_FOR_SCHEDULING:
            actions.append("record_outcome")
        # A new assignment naming a note-taker, as :meth:`assign_mediator` applies to any open case.
        actions.append("name_note_taker")
        if self.party_details:
            actions.append("change_people")  # :meth:`change_people`
        if self.status in PRE_MEETINGS:
            actions.append("record_topics")  # :meth:`record_topics`
        return actions

    def reject(self, event: CloudEvent, reason: str) -> bool:
        """Remember that ``event`` was refused and why (ids only), so its sender can be told.
        Keeps the latest :data:`MAX_REJECTED`; False when it is already remembered."""
        if any(rejected.event_id == event.id for rejected in self.rejected):
            return False
        entry = RejectedEvent(event_id=event.id, type=event.type, at=event.time, reason=reason)
        self.rejected = [*self.rejected, entry][-MAX_REJECTED:]
        return True

    # --- helpers --------------------------------------------------------------------------

    def _rule_state(self) -> tuple[Status, frozenset[str], str | None, str | None, str]:
        # Topics without their time: the same topics recorded again change nothing.
        people = "".join(party.model_dump_json() for party in self.party_details) + "".join(
            topics.model_dump_json(exclude={"recorded_at"}) for topics in self.party_topics
        )
        return self.status, frozenset(self.consented), self.mediator_id, self.note_taker_id, people

    def _record(self, applied: CloudEvent, outgoing: list[CloudEvent]) -> None:
        self.timeline.extend(timeline_entry(event) for event in (applied, *outgoing))

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
        self.closed_because = because
        self.follow_up_contact = follow_up
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


def timeline_entry(event: CloudEvent) -> TimelineEntry:
    """The event as a line of the case's timeline: who did it, whom it concerns, its code.
    Ids and codes only: never a name, a contact, a reason's text or a description."""
    actor: str | None = None
    party: str | None = None
    code: str | None = None
    if isinstance(event, CaseRequested):
        actor = event.data.requester.party_id
    elif isinstance(event, CaseAssessed):
        actor, code = event.data.assessed_by, event.data.decision
    elif isinstance(event, MediatorAssigned):
        actor = event.data.mediator_id
    elif isinstance(event, ConsentGiven | ConsentDeclined):
        party = event.data.party_id
        actor = event.data.recorded_by or party
    elif isinstance(event, PartyWithdrew):
        actor, code = event.data.participant_id, event.data.withdrawn_by
        if event.data.withdrawn_by == "party":
            party = actor
    elif isinstance(event, OutcomeRecorded):
        actor, code = event.data.recorded_by, event.data.outcome
    elif isinstance(event, ConsentRequested):
        party = event.data.party_id
    elif isinstance(event, CaseClosed):
        code = event.data.closed_because
    elif isinstance(event, CaseRequestRefused):
        code = event.data.reason_code
    elif isinstance(event, CompanionChanged | PartyDetailsCorrected):
        actor, party = event.data.changed_by, event.data.party_id
        if isinstance(event, CompanionChanged):
            code = "changed" if event.data.companion is not None else "removed"
    elif isinstance(event, PartyTopicsRecorded):
        actor, party = event.data.recorded_by, event.data.party_id
        code = "agreed" if event.data.agreed_by_party else "not_agreed"
    return TimelineEntry(
        event_id=event.id, type=event.type, at=event.time, actor_id=actor, party_id=party, code=code
    )
