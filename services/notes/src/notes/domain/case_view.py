"""Notes' own view of a case, built from events: who belongs to the case, and what the citizen
agreed to about a summary (DOMAIN.md, "Confidentiality"). No I/O.

Who a person is *in the case* (its mediator, a party, ...) is decided here from events, never
from the token; the token only says who the person is and what they are in the municipality
(:class:`notes.domain.identity.Identity`). :meth:`NotesCase.membership` needs both to fit.

The events of one case arrive on separate consumers, one per event type, so in any order. Every
``apply`` therefore gives the same view whatever the order: raw facts are kept (sets, and for
things that can change, the latest by event time then event id) and everything that depends on
several events (is this a party? did the mediator withdraw?) is worked out when asked.

Whether the case's data key still exists is not part of the view: the storage adapter knows.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from mediation_contracts.events import (
    CaseClosed,
    CaseRequested,
    MediatorAssigned,
    PartyWithdrew,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
)

from notes.domain.identity import Identity

NotesEvent = (
    CaseRequested
    | MediatorAssigned
    | PartyWithdrew
    | CaseClosed
    | SummaryConsentGiven
    | SummaryConsentWithdrawn
    | SummarySharingAgreed
)
PartyKind = Literal["citizen", "administration"]
ConsentDecision = Literal["given", "withdrawn"]
ShredReason = Literal["consent_withdrawn", "case_withdrawn", "retention_expired"]
MemberKind = Literal[
    "mediator", "note_taker", "citizen_party", "administration_representative", "companion"
]
CASE_STAFF: frozenset[MemberKind] = frozenset({"mediator", "note_taker"})
PARTY_SIDE: frozenset[MemberKind] = frozenset({"citizen_party", "administration_representative"})


@dataclass(frozen=True)
class Membership:
    """What a verified person is in one case. ``party_id`` names the party a citizen is,
    represents (administration staff) or supports (companion); ``None`` for staff."""

    kind: MemberKind
    party_id: str | None = None

    @property
    def is_case_staff(self) -> bool:
        """The case's mediator or note-taker."""
        return self.kind in CASE_STAFF

    @property
    def is_party_side(self) -> bool:
        """A citizen party, or an employee representing an administration party. Companions
        support a party but are never one."""
        return self.kind in PARTY_SIDE


@dataclass
class NotesCase:
    case_id: UUID
    tenant: str
    requested: bool = False
    case_kind: Literal["citizen_administration", "family"] | None = None
    correlation_id: UUID | None = None
    parties: dict[str, PartyKind] = field(default_factory=dict)
    # Staff id -> the administration party that employee represents in this case.
    representatives: dict[str, str] = field(default_factory=dict)
    # Companion id -> the party the companion supports.
    companions: dict[str, str] = field(default_factory=dict)
    mediator_id: str | None = None
    note_taker_id: str | None = None
    # (time, id) of the assignment that set mediator and note-taker: a later one replaces them.
    staff_assigned_by: tuple[datetime, str] | None = None
    # Party id -> (time, event id, decision) of that party's latest summary-consent event.
    # Kept for any party id: whether it is a citizen party of the case is known only once the
    # request has arrived, which may be after the consent; it is checked when asked.
    summary_consent: dict[str, tuple[datetime, str, ConsentDecision]] = field(default_factory=dict)
    sharing_agreed: set[str] = field(default_factory=set)
    # (participant id, withdrawn by); judged against parties and mediator when asked.
    withdrawals: set[tuple[str, Literal["party", "mediator"]]] = field(default_factory=set)
    closed_at: datetime | None = None
    closed_because: str | None = None
    # (time, id) of the CaseClosed event that counts.
    closed_by: tuple[datetime, str] | None = None

    @classmethod
    def for_event(cls, event: NotesEvent) -> "NotesCase":
        """An empty view of the event's case; apply the event to it next."""
        return cls(case_id=event.subject, tenant=event.tenant)

    # --- building the view ----------------------------------------------------------------

    def apply(self, event: NotesEvent) -> None:
        if event.subject != self.case_id or event.tenant != self.tenant:
            raise ValueError(f"event {event.id} belongs to another case than {self.case_id}")
        if isinstance(event, CaseRequested):
            self._requested(event)
        elif isinstance(event, MediatorAssigned):
            assigned_by = (event.time, str(event.id))
            if self.staff_assigned_by is None or assigned_by > self.staff_assigned_by:
                self.mediator_id = event.data.mediator_id
                self.note_taker_id = event.data.note_taker_id
                self.staff_assigned_by = assigned_by
        elif isinstance(event, SummaryConsentGiven | SummaryConsentWithdrawn):
            # Per party the latest decision by event time (then event id, so that two events
            # with the same time still give one answer in any order) wins: consent given after
            # a withdrawal counts again, a withdrawal after a consent ends it, whichever of
            # the two arrives first. (Once a withdrawal has destroyed the case's key, a later
            # consent cannot bring the key back: the access policy refuses writing then.)
            decision: ConsentDecision = (
                "given" if isinstance(event, SummaryConsentGiven) else "withdrawn"
            )
            record = (event.time, str(event.id), decision)
            current = self.summary_consent.get(event.data.party_id)
            if current is None or record[:2] > current[:2]:
                self.summary_consent[event.data.party_id] = record
        elif isinstance(event, SummarySharingAgreed):
            self.sharing_agreed.add(event.data.party_id)
        elif isinstance(event, PartyWithdrew):
            self.withdrawals.add((event.data.participant_id, event.data.withdrawn_by))
        elif isinstance(event, CaseClosed) and (
            # A case closes once; should two closes ever arrive, the earlier counts (the
            # retention period then ends sooner, never later), in any order.
            self.closed_by is None or (event.time, str(event.id)) < self.closed_by
        ):
            self.closed_by = (event.time, str(event.id))
            self.closed_at = event.time
            self.closed_because = event.data.closed_because

    def _requested(self, event: CaseRequested) -> None:
        self.requested = True
        self.case_kind = event.data.case_kind
        self.correlation_id = event.correlationid or event.id
        for party in event.data.parties:
            self.parties[party.party_id] = party.kind
            if party.kind == "administration":
                for staff_id in party.representative_ids:
                    self.representatives[staff_id] = party.party_id
            if party.companion is not None:
                self.companions[party.companion.companion_id] = party.party_id

    # --- what follows from it -------------------------------------------------------------

    @property
    def citizen_parties(self) -> frozenset[str]:
        return frozenset(p for p, kind in self.parties.items() if kind == "citizen")

    @property
    def summary_consented(self) -> bool:
        """Every citizen party of the case wants a summary, and none has withdrawn that wish.

        Every citizen, not just one: the summary is about the meeting, and each citizen owns
        their part of the conflict and of what was said. In a family case (two citizens) a
        summary written because one of them asked would record the other's confidential words
        without their wish, so it needs both. In a citizen-administration case there is one
        citizen, whose wish it is; the administration's wish does not count (DOMAIN.md: "only
        if the citizen explicitly wants it"). Before the request is known there are no citizen
        parties, and so no consent.
        """
        citizens = self.citizen_parties
        return bool(citizens) and citizens == self.citizens_wanting_summary

    @property
    def citizens_wanting_summary(self) -> frozenset[str]:
        """The citizen parties whose latest word on the summary is that they want one."""
        return frozenset(
            p
            for p in self.citizen_parties
            if (decision := self.summary_consent.get(p)) is not None and decision[2] == "given"
        )

    @property
    def summary_consent_withdrawn(self) -> bool:
        """A citizen party's latest word on the summary is that they no longer want it."""
        return any(
            (decision := self.summary_consent.get(p)) is not None and decision[2] == "withdrawn"
            for p in self.citizen_parties
        )

    @property
    def all_parties_agreed_to_share(self) -> bool:
        """Every party (citizens and administrations) agreed the parties may read it."""
        return bool(self.parties) and set(self.parties) <= self.sharing_agreed

    @property
    def withdrawn(self) -> bool:
        """A party of the case or its mediator withdrew, or intake closed the case as withdrawn.
        Anyone else's withdrawal is ignored (intake rejects it)."""
        if self.closed_because == "withdrawn":
            return True
        return any(
            who in self.parties if by == "party" else who == self.mediator_id
            for who, by in self.withdrawals
        )

    @property
    def ended(self) -> bool:
        """Closed, or withdrawn: nothing may start in the case any more."""
        return self.closed_at is not None or self.withdrawn

    def shred_reason(self, now: datetime, retention: timedelta) -> ShredReason | None:
        """Why the case's data key must be destroyed by ``now``, or ``None`` to keep it.

        The view cannot know whether a summary exists; the caller destroys a key only if one
        exists. The reasons are checked in this order, and the first one that holds is given:
        a citizen withdrew their wish for a summary; the case was withdrawn; the case closed at
        least ``retention`` ago.
        """
        if self.summary_consent_withdrawn:
            return "consent_withdrawn"
        if self.withdrawn:
            return "case_withdrawn"
        if self.retention_over(now, retention):
            return "retention_expired"
        return None

    def retention_over(self, now: datetime, retention: timedelta) -> bool:
        """The case closed at least ``retention`` before ``now``: its summaries are gone from
        that moment, whether or not the key has been destroyed yet."""
        return self.closed_at is not None and self.closed_at + retention <= now

    def membership(self, identity: Identity) -> Membership | None:
        """What the verified person is in this case, or ``None``.

        The subject alone is not enough: the role in the token must fit too, so that an id
        that happens to equal the mediator's in a citizen's token is not the mediator. A
        mediator may act as note-taker when assigned as such.
        """
        if identity.tenant != self.tenant:
            return None
        subject, role = identity.subject, identity.role
        if role == "mediator" and subject == self.mediator_id:
            return Membership("mediator")
        if role in ("note_taker", "mediator") and subject == self.note_taker_id:
            return Membership("note_taker")
        if role == "citizen" and self.parties.get(subject) == "citizen":
            return Membership("citizen_party", subject)
        if role == "administration" and subject in self.representatives:
            party_id = self.representatives[subject]
            if self.parties.get(party_id) == "administration":
                return Membership("administration_representative", party_id)
        if role == "companion" and subject in self.companions:
            return Membership("companion", self.companions[subject])
        return None
