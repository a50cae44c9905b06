"""The people of one case as notifications needs them, built from the contract's events.

Notifications keeps only what it needs to reach people: each party's and companion's name,
email, phone, preferred channel and language, which party a companion supports, who asked for
mediation and who was asked to consent, who withdrew, who is invited to which meeting, and when
the case closed. The mediator may correct a party's details and add, change or remove a
companion during the case (``PartyDetailsCorrected``, ``CompanionChanged``): the view then
holds the details of the moment, and a removed companion keeps only its id. For the invitation
to the mediation meeting it keeps each party's agreed topics (``PartyTopicsRecorded``; topics a
party has not agreed are never kept) and whether the party shares them with the other parties.
It never keeps the description of the conflict, the matter reference or anything else from
the request. The
administration is one party reached at the unit's contact details; its representatives are
staff and are not stored here. Of the close it keeps the follow-up contact (their name and
how to reach them) only when the citizen agreed that they are told (``inform``).

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
    Companion,
    CompanionChanged,
    ConsentRequested,
    ContactDetails,
    MeetingKind,
    MeetingRescheduled,
    MeetingScheduled,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
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
    | CompanionChanged
    | PartyDetailsCorrected
    | PartyTopicsRecorded
)
PersonKind = Literal["citizen", "administration", "companion", "follow_up_contact"]
FOLLOW_UP_CONTACT = "follow-up-contact"
"""The recipient id of the follow-up contact named at close (not a party: no party id)."""
ClosedBecause = Literal["outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"]


@dataclass
class Person:
    """A party (citizen or administrative unit), a companion, or the follow-up contact, with
    how to reach them."""

    person_id: str
    kind: PersonKind
    name: str
    preferred_channel: Channel = "email"
    language: Language = "da"
    email: str | None = None
    phone: str | None = None
    supports: str | None = None  # companion: the party id it supports
    # False for a companion who is not to receive messages, or who was removed: told nothing.
    receives_messages: bool = True


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
class PartyAgenda:
    """One party's topics for the mediation meeting, from the newest record of them: the
    agreed ones only (none while the party has not agreed them), and whether the other parties
    may be sent them."""

    topics: list[str]
    shared: bool
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
    # "<details|companion>:<party id>" -> (time, event id) of the newest change applied: it
    # beats the request's details and older changes, in any order.
    people_changed: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    agendas: dict[str, PartyAgenda] = field(default_factory=dict)  # by party id
    # The follow-up contact of the close that counts, when the citizen agreed they are told.
    follow_up_contact: Person | None = None

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
            self.follow_up_contact = _told_contact(event) if not self.forgotten else None
        elif isinstance(event, CompanionChanged | PartyDetailsCorrected):
            self._people_changed(event)
        elif isinstance(event, PartyTopicsRecorded):
            self._topics_recorded(event)

    def _requested(self, event: CaseRequested) -> None:
        self.requested = True
        data = event.data
        self.requester_id = data.requester.party_id
        self.party_ids = [p.party_id for p in data.parties]
        for party in data.parties:
            corrected = self.people.get(party.party_id)
            if f"details:{party.party_id}" in self.people_changed and corrected is not None:
                corrected.kind = party.kind  # a correction came first: its details stand
            else:
                self.people[party.party_id] = _person(
                    party.party_id, party.kind, party.name, party.contact
                )
            companion = party.companion
            if companion is None:
                continue
            if f"companion:{party.party_id}" not in self.people_changed:
                self._companion(party.party_id, companion)
            elif companion.companion_id not in self.people:
                # A change came first and replaced this one: as if removed after the request.
                self.people[companion.companion_id] = _removed(companion.companion_id)

    def _people_changed(self, event: CompanionChanged | PartyDetailsCorrected) -> None:
        """The newest change of a party's details or companion wins. Nothing is re-sent: only
        what is composed from now on reads the new details."""
        if self.forgotten:
            return  # the case's personal data is gone for good; none comes back
        party_id = event.data.party_id
        what = "companion" if isinstance(event, CompanionChanged) else "details"
        this, newest = (event.time, str(event.id)), self.people_changed.get(f"{what}:{party_id}")
        if newest is not None and newest > this:
            if isinstance(event, CompanionChanged) and event.data.companion is not None:
                # Replaced already: kept as if removed since, as it would be in the other order.
                self.people.setdefault(
                    event.data.companion.companion_id, _removed(event.data.companion.companion_id)
                )
            return
        self.people_changed[f"{what}:{party_id}"] = this
        if isinstance(event, PartyDetailsCorrected):
            known = self.people.get(party_id)
            # The kind comes with the request; until it arrives, a citizen stands in.
            kind: PersonKind = known.kind if known is not None else "citizen"
            self.people[party_id] = _person(party_id, kind, event.data.name, event.data.contact)
            return
        for person in self.people.values():
            if person.supports == party_id:
                _remove(person)
        if event.data.companion is not None:
            self._companion(party_id, event.data.companion)

    def _topics_recorded(self, event: PartyTopicsRecorded) -> None:
        """The newest record of a party's topics wins. What was sent before is not sent
        again; the invitations composed from now on list the new topics."""
        if self.forgotten:
            return  # the case's personal data is gone for good; none comes back
        data = event.data
        known = self.agendas.get(data.party_id)
        if known is not None and (known.as_of, known.event_id) > (event.time, str(event.id)):
            return
        agreed = data.agreed_by_party
        self.agendas[data.party_id] = PartyAgenda(
            topics=list(data.topics) if agreed else [],
            shared=agreed and data.share_with_other_parties,
            as_of=event.time,
            event_id=str(event.id),
        )

    def _companion(self, party_id: str, companion: Companion) -> None:
        person = _person(companion.companion_id, "companion", companion.name, companion.contact)
        person.supports = party_id
        person.receives_messages = companion.receives_invitations
        self.people[companion.companion_id] = person

    # --- what follows from it -------------------------------------------------------------

    def is_party(self, person_id: str) -> bool:
        return person_id in self.party_ids

    def follow_up_contact_id(self) -> str:
        """The follow-up contact's recipient id: :data:`FOLLOW_UP_CONTACT`, or when a party or
        companion of the case has that id (ids come from outside), the first of
        ``follow-up-contact-2``, ``-3``, ... that nobody has. So a delivery to the contact can
        never be taken for one to a party."""
        taken = {*self.party_ids, *self.people}
        candidate, n = FOLLOW_UP_CONTACT, 1
        while candidate in taken:
            n += 1
            candidate = f"{FOLLOW_UP_CONTACT}-{n}"
        return candidate

    def person(self, person_id: str) -> Person | None:
        """A party, a companion, or the follow-up contact, by recipient id."""
        person = self.people.get(person_id)
        if person is None and person_id == self.follow_up_contact_id():
            return self.follow_up_contact
        return person

    def may_be_told(self, person_id: str) -> bool:
        """False for a companion who was removed or is not to receive messages. (Someone this
        view does not know is "told": the caller then records that they cannot be reached.)"""
        person = self.person(person_id)
        return person is None or person.receives_messages

    def companion_of(self, party_id: str) -> str | None:
        """The companion supporting ``party_id``, if it brings one."""
        return next((p.person_id for p in self.people.values() if p.supports == party_id), None)

    def supported_by(self, companion_id: str) -> str | None:
        """The party a companion supports (None for anyone who is not a companion)."""
        person = self.people.get(companion_id)
        return person.supports if person is not None else None

    def agenda_for(self, person_id: str) -> list[tuple[str, list[str]]]:
        """The agreed topics ``person_id`` may be sent, as (party id, topics) in the parties'
        order: their own party's always (a companion's own party is the one it supports),
        another party's only when that party shares them. Parties without any are left out."""
        own = person_id if self.is_party(person_id) else self.supported_by(person_id)
        shown = []
        for party_id in self.party_ids:
            agenda = self.agendas.get(party_id)
            if agenda is not None and agenda.topics and (party_id == own or agenda.shared):
                shown.append((party_id, list(agenda.topics)))
        return shown

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
        person = self.person(person_id)
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
                    person_id=person_id,
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
        """Drop every name, address and topic, keeping only ids and what happened: nobody can
        be reached through this view any more."""
        self.forgotten = True
        everyone = [*self.people.values()]
        if self.follow_up_contact is not None:
            everyone.append(self.follow_up_contact)
        for person in everyone:
            person.name = ""
            person.email = None
            person.phone = None
        for agenda in self.agendas.values():
            agenda.topics = []


def _told_contact(event: CaseClosed) -> Person | None:
    """The follow-up contact named at close, kept only when the citizen agreed they are told
    (without contact details they are kept too: the caller records they cannot be reached)."""
    named = event.data.follow_up_contact
    if named is None or not named.inform:
        return None
    return _person(FOLLOW_UP_CONTACT, "follow_up_contact", named.name, named.contact)


def _remove(person: Person) -> None:
    """A companion no longer supporting anyone: only the id stays, and nobody is told."""
    removed = _removed(person.person_id)
    for name in ("name", "email", "phone", "preferred_channel", "language", "supports"):
        setattr(person, name, getattr(removed, name))
    person.receives_messages = False


def _removed(person_id: str) -> Person:
    return Person(person_id=person_id, kind="companion", name="", receives_messages=False)


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
