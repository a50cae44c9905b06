"""Scheduling's own view of a case, built from intake's and the mediator client's events.

Scheduling never asks intake; it keeps what it needs to decide who may meet when. Its events
arrive on separate consumers, one per event type, so they can arrive in any order: every
``apply`` gives the same view whatever the order (sets, flags that never reset, the latest
staff assignment by event time).

The booking rules live in :meth:`CaseView.may_book`; :meth:`CaseView.attendees` says who comes.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

from mediation_contracts.events import (
    CaseAssessed,
    CaseClosed,
    CaseReadyForScheduling,
    CaseRequested,
    CompanionChanged,
    ConsentGiven,
    MediatorAssigned,
    MeetingFormat,
    MeetingKind,
    Participant,
    PartyWithdrew,
)

from scheduling.domain.errors import BookingRefused

CaseEvent = (
    CaseRequested
    | CaseAssessed
    | MediatorAssigned
    | ConsentGiven
    | CaseReadyForScheduling
    | PartyWithdrew
    | CaseClosed
    | CompanionChanged
)
CaseEnd = Literal["case_withdrawn", "case_closed"]


@dataclass(frozen=True)
class Attendees:
    """Who takes part in one meeting: parties (each with its companion, if any) and staff."""

    parties: tuple[tuple[str, str | None], ...]
    mediator_id: str
    note_taker_id: str | None = None

    @property
    def staff_ids(self) -> frozenset[str]:
        """Staff who cannot be in two meetings at once."""
        return frozenset(s for s in (self.mediator_id, self.note_taker_id) if s is not None)

    def participants(self) -> list[Participant]:
        """Each party followed by its companion (a companion is never a party), then staff."""
        people: list[Participant] = []
        for party_id, companion_id in self.parties:
            people.append(Participant(participant_id=party_id, role="party"))
            if companion_id is not None:
                people.append(Participant(participant_id=companion_id, role="companion"))
        people.append(Participant(participant_id=self.mediator_id, role="mediator"))
        if self.note_taker_id is not None:
            people.append(Participant(participant_id=self.note_taker_id, role="note_taker"))
        return people


@dataclass
class CaseView:
    case_id: UUID
    tenant: str
    requested: bool = False
    parties: dict[str, Literal["citizen", "administration"]] = field(default_factory=dict)
    companions: dict[str, str] = field(default_factory=dict)
    assessment: Literal["accepted", "declined"] | None = None
    mediator_id: str | None = None
    note_taker_id: str | None = None
    # (time, id) of the event that last set mediator and note-taker: a later one replaces them.
    staff_assigned_by: tuple[datetime, str] | None = None
    consented: set[str] = field(default_factory=set)
    ready: bool = False
    withdrawals: dict[str, Literal["party", "mediator"]] = field(default_factory=dict)
    closed_because: str | None = None
    correlation_id: UUID | None = None
    # Party id -> (time, id) of the newest companion change applied: it beats the request's
    # companion and older changes, in any order.
    companions_changed: dict[str, tuple[datetime, str]] = field(default_factory=dict)

    @classmethod
    def for_event(cls, event: CaseEvent) -> "CaseView":
        """An empty view of the event's case; apply the event to it next."""
        return cls(case_id=event.subject, tenant=event.tenant)

    # --- building the view ----------------------------------------------------------------

    def apply(self, event: CaseEvent) -> None:
        if event.subject != self.case_id or event.tenant != self.tenant:
            raise ValueError(f"event {event.id} belongs to another case than {self.case_id}")
        if isinstance(event, CaseRequested):
            self._requested(event)
        elif isinstance(event, CaseAssessed):
            # Intake accepts one assessment; should two ever arrive, declined wins in any order.
            if self.assessment != "declined":
                self.assessment = event.data.decision
        elif isinstance(event, MediatorAssigned):
            self._assign(event.data.mediator_id, event.data.note_taker_id, event)
        elif isinstance(event, ConsentGiven):
            self.consented.add(event.data.party_id)
        elif isinstance(event, CaseReadyForScheduling):
            # Intake announces readiness only when every party consented.
            self.ready = True
            self.consented.update(event.data.party_ids)
            self._assign(event.data.mediator_id, event.data.note_taker_id, event)
        elif isinstance(event, PartyWithdrew):
            self.withdrawals[event.data.participant_id] = event.data.withdrawn_by
        elif isinstance(event, CaseClosed):
            self.closed_because = self.closed_because or event.data.closed_because
        elif isinstance(event, CompanionChanged):
            self._companion_changed(event)

    def _requested(self, event: CaseRequested) -> None:
        self.requested = True
        self.correlation_id = event.correlationid or event.id
        for party in event.data.parties:
            self.parties[party.party_id] = party.kind
            if party.companion is not None and party.party_id not in self.companions_changed:
                self.companions[party.party_id] = party.companion.companion_id
        requester = event.data.requester
        if requester.party_id is not None and requester.consents:
            self.consented.add(requester.party_id)

    def _companion_changed(self, event: CompanionChanged) -> None:
        """Meetings booked from now on invite the party's companion of the moment (or none)."""
        party_id, changed = event.data.party_id, (event.time, str(event.id))
        newest = self.companions_changed.get(party_id)
        if newest is not None and newest > changed:
            return
        self.companions_changed[party_id] = changed
        if event.data.companion is None:
            self.companions.pop(party_id, None)
        else:
            self.companions[party_id] = event.data.companion.companion_id

    def _assign(
        self,
        mediator_id: str,
        note_taker_id: str | None,
        event: MediatorAssigned | CaseReadyForScheduling,
    ) -> None:
        assigned_by = (event.time, str(event.id))
        if self.staff_assigned_by is None or assigned_by > self.staff_assigned_by:
            self.mediator_id = mediator_id
            self.note_taker_id = note_taker_id
            self.staff_assigned_by = assigned_by

    # --- what follows from it -------------------------------------------------------------

    @property
    def withdrawn(self) -> bool:
        """A party of the case or its mediator withdrew (anyone else's withdrawal is ignored;
        intake rejects it)."""
        return any(
            who in self.parties if by == "party" else who == self.mediator_id
            for who, by in self.withdrawals.items()
        )

    @property
    def ended(self) -> CaseEnd | None:
        """Why the case is over, as the neutral reason its future meetings are cancelled with."""
        if self.withdrawn or self.closed_because == "withdrawn":
            return "case_withdrawn"
        if self.closed_because is not None:
            return "case_closed"
        return None

    def may_book(
        self,
        kind: MeetingKind,
        party_id: str | None = None,
        with_note_taker: bool = False,
        *,
        format: MeetingFormat = "joint",
    ) -> None:
        """The case rules for booking (or moving) a meeting; raises :class:`BookingRefused`.

        A pre-meeting is one party with the mediator, once that party has consented. The
        mediation meeting and a follow-up are for every party, only once intake announced the
        case ready for scheduling (accepted, mediator assigned, every party consented); as an
        individual session (seed 000: format ``individual``, or by phone or video with a
        party named) they are with that one party, on the same condition. A joint meeting and
        shuttle mediation are with every party; shuttle mediation is never a pre-meeting.
        """
        case = self.case_id
        if not self.requested:
            raise BookingRefused("case_unknown", f"case {case} is not known to scheduling")
        if (end := self.ended) is not None:
            raise BookingRefused(end, f"case {case} has ended; nothing more is booked for it")
        if self.assessment != "accepted" and not self.ready:
            raise BookingRefused("not_accepted", f"case {case} is not accepted for mediation")
        self._mediator()
        if with_note_taker and self.note_taker_id is None:
            raise BookingRefused("no_note_taker", f"case {case} has no note-taker assigned")
        if kind == "pre_meeting" and format == "shuttle":
            raise BookingRefused(
                "format_not_for_kind", "shuttle mediation is with every party, a pre-meeting one"
            )
        if _one_party(kind, format, party_id):
            self._one_party(party_id, kind)
            if kind == "pre_meeting":
                return
        elif party_id is not None:
            raise BookingRefused(
                "party_not_expected", f"a {format} {kind} meeting is with every party, not one"
            )
        if not self.ready:
            raise BookingRefused(
                "not_ready",
                f"case {case} is not ready for scheduling: a {kind} meeting is booked only "
                "after every party consented and the case is ready",
            )

    def _one_party(self, party_id: str | None, kind: MeetingKind) -> None:
        """A pre-meeting or individual session names a party of the case; a pre-meeting comes
        before the mediation is ready, so that party's own consent is what it needs."""
        case = self.case_id
        if party_id is None:
            raise BookingRefused("party_required", f"a {kind} of one party names that party")
        if party_id not in self.parties:
            raise BookingRefused("not_a_party", f"{party_id} is not a party of case {case}")
        if kind == "pre_meeting" and party_id not in self.consented:
            raise BookingRefused(
                "party_not_consented",
                f"party {party_id} of case {case} has not consented to mediation yet",
            )

    def attendees(
        self,
        kind: MeetingKind,
        party_id: str | None = None,
        with_note_taker: bool = False,
        *,
        format: MeetingFormat = "joint",
    ) -> Attendees:
        """Who takes part, once :meth:`may_book` allows the meeting: one party (and its
        companion) in a pre-meeting or an individual session, else every party. The note-taker
        joins the mediation meeting and follow-ups when assigned, a pre-meeting only when
        asked for."""
        self.may_book(kind, party_id, with_note_taker, format=format)
        one_party = _one_party(kind, format, party_id)
        party_ids = [p for p in self.parties if not one_party or p == party_id]
        joins = kind != "pre_meeting" or with_note_taker
        return Attendees(
            parties=tuple((p, self.companions.get(p)) for p in party_ids),
            mediator_id=self._mediator(),
            note_taker_id=self.note_taker_id if joins else None,
        )

    def _mediator(self) -> str:
        if self.mediator_id is None:
            raise BookingRefused("no_mediator", f"case {self.case_id} has no mediator assigned")
        return self.mediator_id


def _one_party(kind: MeetingKind, format: MeetingFormat, party_id: str | None) -> bool:
    """A pre-meeting and an individual session are with one party; a meeting by phone or
    video is one when a party is named (an individual session by phone, seed 000)."""
    if kind == "pre_meeting" or format == "individual":
        return True
    return format in ("phone", "video") and party_id is not None
