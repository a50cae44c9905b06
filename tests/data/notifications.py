"""People with contact details, an office and meetings, for the notifications tests (the
other events: :mod:`tests.data.events`).

The request carries distinctive strings (conflict description, matter reference, every
person's email and phone) so tests can assert exactly which of them reach which message.
"""

from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from mediation_contracts.events import (
    CaseRequested,
    Channel,
    Companion,
    ContactDetails,
    FollowUpContact,
    Language,
    Location,
    MeetingCancelled,
    MeetingCancelledData,
    MeetingFormat,
    MeetingKind,
    MeetingRescheduled,
    MeetingRescheduledData,
    MeetingScheduled,
    MeetingScheduledData,
    Participant,
)
from notifications.domain.compose import Office
from notifications.domain.contacts import CaseContacts, ContactsEvent

from tests.data import folded
from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    NOTE_TAKER,
    SECOND_CITIZEN,
    SOURCE,
    TENANT,
    at,
    case_requested,
)

CPH = ZoneInfo("Europe/Copenhagen")
SECOND_COMPANION = "companion-6"

CONFLICT = "Borgeren XYZZY-KONFLIKT blev talt ned til"
MATTER = "SAG-PLUGH-4711"
CITIZEN_EMAIL = "anna.private@example.dk"
CITIZEN_PHONE = "+45 11 22 33 44"
ADMIN_EMAIL = "jobcenter.unit@kk.example"
ADMIN_PHONE = "+45 55 66 77 88"
COMPANION_EMAIL = "carl.companion@example.dk"
COMPANION_PHONE = "+45 99 88 77 66"
SECOND_EMAIL = "bo.private@example.dk"
SECOND_PHONE = "+45 44 33 22 11"
SECOND_COMPANION_EMAIL = "dorte.companion@example.dk"
# What nobody may ever read in a message or calendar file about someone else.
EVERY_ADDRESS = {
    CITIZEN: (CITIZEN_EMAIL, CITIZEN_PHONE),
    ADMINISTRATION: (ADMIN_EMAIL, ADMIN_PHONE),
    COMPANION: (COMPANION_EMAIL, COMPANION_PHONE),
    SECOND_CITIZEN: (SECOND_EMAIL, SECOND_PHONE),
    SECOND_COMPANION: (SECOND_COMPANION_EMAIL,),
}

EVALUATION_URL = "https://maegling.kk.example/evaluering"
OFFICE = Office(
    name="Borgerrådgiveren",
    phone="33 66 14 00",
    email="borgerraadgiveren@kk.example",
    address="Vester Voldgade 2A, 1552 København V",
    organizer_email="maegling@kk.example",
    evaluation_url=EVALUATION_URL,
)


def local(text: str) -> datetime:
    """A wall-clock time in Copenhagen, e.g. ``local("2026-03-30 09:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


def contact(
    email: str | None,
    phone: str | None,
    channel: Channel = "email",
    language: Language = "da",
) -> ContactDetails:
    return ContactDetails(email=email, phone=phone, preferred_channel=channel, language=language)


def requested(
    case_id: UUID | None = None,
    *,
    family: bool = False,
    citizen_name: str = "Anna Jensen",
    administration_name: str | None = None,
    citizen: ContactDetails | None = None,
    administration: ContactDetails | None = None,
    companion: ContactDetails | None = None,
    with_companion: bool = True,
    second: ContactDetails | None = None,
    second_companion: bool = False,
    requester: Literal["citizen", "administration", "ombudsman_office"] = "citizen",
) -> CaseRequested:
    """CITIZEN (with COMPANION unless ``with_companion=False``) and ADMINISTRATION, or for a
    family case CITIZEN and SECOND_CITIZEN (with SECOND_COMPANION when asked); everyone with
    the distinctive addresses above unless given."""
    base = case_requested(
        case_id=case_id or uuid4(),
        case_kind="family" if family else "citizen_administration",
        requester=requester,
    )
    parties = []
    for party in base.data.parties:
        update: dict[str, object] = {}
        if party.party_id == CITIZEN:
            update["name"] = citizen_name
            update["contact"] = citizen or contact(CITIZEN_EMAIL, CITIZEN_PHONE)
            if with_companion:
                update["companion"] = Companion(
                    companion_id=COMPANION,
                    name="Carl Hansen",
                    contact=companion or contact(COMPANION_EMAIL, COMPANION_PHONE),
                )
        elif party.party_id == ADMINISTRATION:
            update["contact"] = administration or contact(ADMIN_EMAIL, ADMIN_PHONE)
            if administration_name is not None:
                update["name"] = administration_name
        elif party.party_id == SECOND_CITIZEN:
            update["contact"] = second or contact(SECOND_EMAIL, SECOND_PHONE)
            if second_companion:
                update["companion"] = Companion(
                    companion_id=SECOND_COMPANION,
                    name="Dorte Holm",
                    contact=contact(SECOND_COMPANION_EMAIL, None),
                )
        parties.append(party.model_copy(update=update))
    data = base.data.model_copy(
        update={"parties": parties, "conflict_description": CONFLICT, "matter_reference": MATTER}
    )
    return base.model_copy(update={"data": data})


def contacts_of(*events: ContactsEvent) -> CaseContacts:
    return folded(CaseContacts, *events)


def participants(*party_ids: str, companions: tuple[str, ...] = (COMPANION,)) -> list[Participant]:
    people = [Participant(participant_id=p, role="party") for p in party_ids]
    people += [Participant(participant_id=c, role="companion") for c in companions]
    people.append(Participant(participant_id=MEDIATOR, role="mediator"))
    people.append(Participant(participant_id=NOTE_TAKER, role="note_taker"))
    return people


PREMISES = Location(kind="premises", room_ids=["room-1"], address=OFFICE.address)


def scheduled(
    case_id: UUID,
    starts_at: datetime,
    *,
    meeting_id: str = "meeting-1",
    minutes: int = 90,
    kind: MeetingKind = "mediation",
    format: MeetingFormat = "joint",
    location: Location = PREMISES,
    people: list[Participant] | None = None,
    booked_at: datetime | None = None,
) -> MeetingScheduled:
    data = MeetingScheduledData(
        meeting_id=meeting_id,
        kind=kind,
        format=format,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        location=location,
        participants=people or participants(CITIZEN, ADMINISTRATION),
    )
    event = MeetingScheduled.create(tenant=TENANT, case_id=case_id, source=SOURCE, data=data)
    return at(event, booked_at) if booked_at is not None else event


def rescheduled(
    booking: MeetingScheduled | MeetingRescheduled, starts_at: datetime, *, moved_at: datetime
) -> MeetingRescheduled:
    old = booking.data
    length = old.ends_at - old.starts_at
    data = MeetingRescheduledData(
        **{
            **old.model_dump(),
            "starts_at": starts_at,
            "ends_at": starts_at + length,
            "previous_starts_at": old.starts_at,
            "previous_ends_at": old.ends_at,
        }
    )
    event = MeetingRescheduled.create(
        tenant=TENANT, case_id=booking.subject, source=SOURCE, data=data
    )
    return at(event, moved_at)


def cancelled(
    booking: MeetingScheduled | MeetingRescheduled,
    *,
    cancelled_at: datetime,
    reason: Literal["requested", "case_withdrawn", "case_closed"] = "requested",
) -> MeetingCancelled:
    data = MeetingCancelledData(
        meeting_id=booking.data.meeting_id, starts_at=booking.data.starts_at, reason_code=reason
    )
    event = MeetingCancelled.create(
        tenant=TENANT, case_id=booking.subject, source=SOURCE, data=data
    )
    return at(event, cancelled_at)


CONTACT_EMAIL = "mette.lund@kk.example"
CONTACT_PHONE = "+45 12 12 12 12"
FOLLOW_UP = FollowUpContact(
    name="Mette Lund",
    unit="Jobcenter Nord",
    contact=ContactDetails(email=CONTACT_EMAIL, phone=CONTACT_PHONE),
)
"""A follow-up contact the citizen did not agree we tell (``inform`` false): only named."""


def informed(**changes: object) -> FollowUpContact:
    """:data:`FOLLOW_UP`, whom the citizen agreed we tell (``inform``), with ``changes``."""
    return FOLLOW_UP.model_copy(update={"inform": True, **changes})
