"""The people of one case as notifications needs them, built from the contract's events.

Notifications keeps only what it needs to reach people: each party's and companion's name,
email, phone, preferred channel and language, which party a companion supports, who asked for
mediation and who was asked to consent, who withdrew, who is invited to which meeting, and when
the case closed. It never keeps the description of the conflict, the matter reference or
anything else from the request. The administration is one party reached at the unit's contact
details; its representatives are staff and are not stored here.

No longer than needed: once the case is closed, :meth:`CaseContacts.retain_until` says until
when the adapter keeps it (it then deletes the document, or calls :meth:`CaseContacts.forget`).

Events arrive on separate consumers, one per event type, so in any order: every ``apply`` gives
the same view whatever the order (sets, earliest close, the newest booking of a meeting by
event time and id). A plain dataclass of plain fields: pydantic's ``TypeAdapter(CaseContacts)``
stores and loads it.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from mediation_contracts.events import (
    CaseClosed,
    CaseRequested,
    ConsentRequested,
    ContactDetails,
    MeetingKind,
    MeetingRescheduled,
    MeetingScheduled,
    PartyWithdrew,
)

from notifications.domain.message import Channel, Language, Recipient

ContactsEvent = (
    CaseRequested
    | ConsentRequested
    | MeetingScheduled
    | MeetingRescheduled
    | PartyWithdrew
    | CaseClosed
)
PersonKind = Literal["citizen", "administration", "companion"]
ClosedBecause = Literal["outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"]


@dataclass
class Person:
    """A party (citizen or administrative unit) or a companion, with how to reach them."""

    person_id: str
    kind: PersonKind
    name: str
    preferred_channel: Channel = "email"
    language: Language = "da"
    email: str | None = None
    phone: str | None = None
    supports: str | None = None  # companion: the party id it supports


@dataclass
class Withdrawal:
    by: Literal["party", "mediator"]
    at: datetime
    event_id: str


@dataclass
class Attendance:
    """One meeting from its newest booking: the parties and companions invited to it (staff
    are not reached here) and its time, so its cancellation can tell exactly those people."""

    person_ids: list[str]
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime
    as_of: datetime
    event_id: str


@dataclass
class CaseContacts:
    case_id: UUID
    tenant: str
    requested: bool = False
    people: dict[str, Person] = field(default_factory=dict)
    party_ids: list[str] = field(default_factory=list)  # in the request's order
    requester_id: str | None = None  # the requesting party; None when the office asked
    consent_asked: set[str] = field(default_factory=set)
    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)
    meetings: dict[str, Attendance] = field(default_factory=dict)
    closed_at: datetime | None = None
    closed_because: ClosedBecause | None = None
    forgotten: bool = False

    @classmethod
    def for_event(cls, event: ContactsEvent) -> "CaseContacts":
        """An empty view of the event's case; apply the event to it next."""
        return cls(case_id=event.subject, tenant=event.tenant)

    # --- building the view ----------------------------------------------------------------

    def apply(self, event: ContactsEvent) -> None:
        if event.subject != self.case_id or event.tenant != self.tenant:
            raise ValueError(f"event {event.id} belongs to another case than {self.case_id}")
        if isinstance(event, CaseRequested):
            self._requested(event)
        elif isinstance(event, ConsentRequested):
            self.consent_asked.add(event.data.party_id)
        elif isinstance(event, MeetingScheduled | MeetingRescheduled):
            data = event.data
            booked = Attendance(
                person_ids=[
                    p.participant_id for p in data.participants if p.role in ("party", "companion")
                ],
                kind=data.kind,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                as_of=event.time,
                event_id=str(event.id),
            )
            known = self.meetings.get(data.meeting_id)
            if known is None or (known.as_of, known.event_id) < (booked.as_of, booked.event_id):
                self.meetings[data.meeting_id] = booked
        elif isinstance(event, PartyWithdrew):
            withdrawal = Withdrawal(
                by=event.data.withdrawn_by, at=event.time, event_id=str(event.id)
            )
            known_withdrawal = self.withdrawals.get(event.data.participant_id)
            if known_withdrawal is None or (known_withdrawal.at, known_withdrawal.event_id) > (
                withdrawal.at,
                withdrawal.event_id,
            ):
                self.withdrawals[event.data.participant_id] = withdrawal
        elif isinstance(event, CaseClosed) and (
            self.closed_at is None or event.time < self.closed_at
        ):
            # Intake closes a case once; should two closes ever arrive, the first one counts.
            self.closed_at = event.time
            self.closed_because = event.data.closed_because

    def _requested(self, event: CaseRequested) -> None:
        self.requested = True
        data = event.data
        self.requester_id = data.requester.party_id
        self.party_ids = [p.party_id for p in data.parties]
        for party in data.parties:
            self.people[party.party_id] = _person(
                party.party_id, party.kind, party.name, party.contact
            )
            companion = party.companion
            if companion is not None:
                person = _person(
                    companion.companion_id, "companion", companion.name, companion.contact
                )
                person.supports = party.party_id
                self.people[companion.companion_id] = person

    # --- what follows from it -------------------------------------------------------------

    def is_party(self, person_id: str) -> bool:
        return person_id in self.party_ids

    def companion_of(self, party_id: str) -> str | None:
        """The companion supporting ``party_id``, if it brings one."""
        return next((p.person_id for p in self.people.values() if p.supports == party_id), None)

    def supported_by(self, companion_id: str) -> str | None:
        """The party a companion supports (None for anyone who is not a companion)."""
        person = self.people.get(companion_id)
        return person.supports if person is not None else None

    def withdrawn_parties(self) -> set[str]:
        """Parties who withdrew (a mediator's withdrawal ends the mediation but names no one)."""
        return {
            who for who, w in self.withdrawals.items() if w.by == "party" and self.is_party(who)
        }

    def first_withdrawal(self) -> tuple[datetime, str] | None:
        """(time, event id) of the withdrawal that ended the mediation, if any."""
        ends = [
            (w.at, w.event_id)
            for who, w in self.withdrawals.items()
            if w.by == "mediator" or self.is_party(who)
        ]
        return min(ends) if ends else None

    @property
    def ended(self) -> bool:
        """The mediation is over: closed, or ended by a withdrawal."""
        return self.closed_at is not None or self.first_withdrawal() is not None

    def recipient(self, person_id: str) -> Recipient | None:
        """How to reach ``person_id``, or None when they cannot be reached (the caller records
        that, so staff reach them another way).

        The preferred channel when its address is known, else email, else SMS. Digital Post
        needs no address here (the provider finds the citizen by id) but only citizen parties
        are addressed that way: a companion's identity is not known to it, and an authority is
        not a Digital Post citizen. Only the address of the chosen channel is handed on.
        """
        person = self.people.get(person_id)
        if person is None or self.forgotten:
            return None
        usable: dict[Channel, bool] = {
            "email": person.email is not None,
            "sms": person.phone is not None,
            "digital_post": person.kind == "citizen",
        }
        for channel in (person.preferred_channel, "email", "sms"):
            if usable[channel]:
                return Recipient(
                    person_id=person.person_id,
                    name=person.name,
                    language=person.language,
                    channel=channel,
                    email=person.email if channel == "email" else None,
                    phone=person.phone if channel == "sms" else None,
                )
        return None

    # --- keeping it no longer than needed -------------------------------------------------

    def retain_until(self, keep_for: timedelta) -> datetime | None:
        """Until when the contact details are kept: ``keep_for`` after the case closed (time for
        the closing message, its retries and a late cancellation); None while it is open."""
        return self.closed_at + keep_for if self.closed_at is not None else None

    def forget(self) -> None:
        """Drop every name and address, keeping only ids and what happened: nobody can be
        reached through this view any more."""
        self.forgotten = True
        for person in self.people.values():
            person.name = ""
            person.email = None
            person.phone = None


def _person(person_id: str, kind: PersonKind, name: str, contact: ContactDetails | None) -> Person:
    if contact is None:
        return Person(person_id=person_id, kind=kind, name=name)
    return Person(
        person_id=person_id,
        kind=kind,
        name=name,
        preferred_channel=contact.preferred_channel,
        language=contact.language,
        email=contact.email,
        phone=contact.phone,
    )
