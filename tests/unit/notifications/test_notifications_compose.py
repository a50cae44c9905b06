"""Who is told what (notifications/domain/compose.py): the audience of every event, the
channel and language of each message, and that nothing confidential or belonging to someone
else ever appears in a text or a calendar file."""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

import icalendar
import pytest
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    ContactDetails,
    FollowUpContact,
    Location,
    PhoneCall,
    Seat,
)
from notifications.domain.compose import SMS_MAX_CHARS, Office, audience, compose
from notifications.domain.contacts import CaseContacts
from notifications.domain.message import Message
from notifications.domain.reminders import Reminder, plan

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    NOTE_TAKER,
    SECOND_CITIZEN,
    assessed,
    at,
    case_closed,
    consent_requested,
    summary_shared,
    withdrew,
)
from tests.data.notifications import (
    ADMIN_EMAIL,
    ADMIN_PHONE,
    CITIZEN_EMAIL,
    CITIZEN_PHONE,
    COMPANION_EMAIL,
    COMPANION_PHONE,
    CONFLICT,
    EVERY_ADDRESS,
    FOLLOW_UP,
    MATTER,
    OFFICE,
    cancelled,
    contact,
    contacts_of,
    local,
    participants,
    requested,
    rescheduled,
    scheduled,
)

BOOKED = local("2026-03-01 09:00")
MEETING = local("2026-03-31 10:00")  # a Tuesday, summer time


def people(messages: list[Message]) -> list[str]:
    return [m.recipient.person_id for m in messages]


@dataclass
class Case:
    case_id: UUID
    contacts: CaseContacts


def a_case(**options: object) -> Case:
    case_id = uuid4()
    return Case(case_id, contacts_of(requested(case_id, **options)))  # type: ignore[arg-type]


def booked(case: Case, **options: object) -> CloudEvent:
    event = scheduled(case.case_id, MEETING, booked_at=BOOKED, **options)  # type: ignore[arg-type]
    case.contacts.apply(event)
    return event


# --- who -----------------------------------------------------------------------------------


def test_consent_is_asked_of_that_party_only() -> None:
    case = a_case()

    messages = compose(consent_requested(case.case_id), case.contacts, OFFICE)

    assert people(messages) == [ADMINISTRATION]
    text = messages[0].text
    assert "frivilligt" in text
    assert OFFICE.phone in text
    assert messages[0].subject == "Vil I deltage i konfliktmægling?"  # a unit is "I"


def test_a_citizen_is_asked_as_du() -> None:
    case = a_case(requester="administration")

    (message,) = compose(consent_requested(case.case_id, CITIZEN, "citizen"), case.contacts, OFFICE)

    assert message.subject == "Vil du deltage i konfliktmægling?"
    assert message.text.startswith("Kære Anna Jensen\n\n")


def test_a_booking_is_told_to_parties_and_companions_not_staff() -> None:
    case = a_case()

    messages = compose(booked(case), case.contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION, COMPANION]
    assert MEDIATOR not in people(messages)
    assert NOTE_TAKER not in people(messages)
    assert all(len(m.attachments) == 1 for m in messages)


def test_a_pre_meeting_is_told_only_to_its_party() -> None:
    case = a_case()
    booking = booked(case, kind="pre_meeting", people=participants(CITIZEN, companions=()))

    assert people(compose(booking, case.contacts, OFFICE)) == [CITIZEN]
    cancellation = cancelled(booking, cancelled_at=local("2026-03-02 09:00"))  # type: ignore[arg-type]
    assert people(compose(cancellation, case.contacts, OFFICE)) == [CITIZEN]


def test_a_move_gives_the_old_and_the_new_time() -> None:
    case = a_case()
    booking = booked(case)
    move = rescheduled(booking, local("2026-04-01 13:00"), moved_at=local("2026-03-02 09:00"))  # type: ignore[arg-type]
    case.contacts.apply(move)

    messages = compose(move, case.contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION, COMPANION]
    citizen = messages[0]
    assert citizen.subject == "Mæglingsmødet er flyttet til 1. april 2026"
    assert "Tidligere tidspunkt: tirsdag den 31. marts 2026 kl. 10.00–11.30" in citizen.text
    assert "Tidspunkt: onsdag den 1. april 2026 kl. 13.00–14.30" in citizen.text


@pytest.mark.parametrize(
    ("reason", "wording"),
    [
        ("requested", "Skal der aftales et nyt tidspunkt"),
        ("case_withdrawn", "fordi mæglingsforløbet er afsluttet"),
        ("case_closed", "fordi mæglingsforløbet er afsluttet"),
    ],
)
def test_a_cancellation_goes_to_whoever_was_invited(reason: str, wording: str) -> None:
    case = a_case()
    booking = booked(case)
    case.contacts.apply(withdrew(case.case_id, ADMINISTRATION))
    cancellation = cancelled(booking, cancelled_at=local("2026-03-02 09:00"), reason=reason)  # type: ignore[arg-type]

    messages = compose(cancellation, case.contacts, OFFICE)

    # The one who withdrew too: it clears the meeting from its calendar.
    assert people(messages) == [CITIZEN, ADMINISTRATION, COMPANION]
    text = messages[0].text
    assert "Mæglingsmødet tirsdag den 31. marts 2026 kl. 10.00 er aflyst." in text
    assert wording in text
    assert "trukket" not in text  # never who withdrew
    assert "Jobcenter" not in text.split("\n", 1)[1]


def test_a_cancellation_of_an_unknown_meeting_tells_nobody_yet() -> None:
    case = a_case()
    other = scheduled(case.case_id, MEETING, meeting_id="meeting-9")

    cancellation = cancelled(other, cancelled_at=local("2026-03-02 09:00"))

    assert audience(cancellation, case.contacts) == []
    assert compose(cancellation, case.contacts, OFFICE) == []


def test_a_withdrawal_is_told_to_the_others_without_saying_who() -> None:
    case = a_case(family=True, second_companion=True)
    withdrawal = withdrew(case.case_id, SECOND_CITIZEN)
    case.contacts.apply(withdrawal)

    messages = compose(withdrawal, case.contacts, OFFICE)

    # Not the one who withdrew, and not its companion either.
    assert people(messages) == [CITIZEN, COMPANION]
    for message in messages:
        assert "Bo Jensen" not in message.text
        assert "Dorte Holm" not in message.text
        assert message.subject == "Mæglingen er afsluttet"
    assert "bisidder for Anna Jensen" in messages[1].text


def test_a_mediators_withdrawal_is_told_to_everyone() -> None:
    case = a_case()
    withdrawal = withdrew(case.case_id, MEDIATOR, "mediator")

    assert people(compose(withdrawal, case.contacts, OFFICE)) == [
        CITIZEN,
        COMPANION,
        ADMINISTRATION,
    ]


def test_only_the_withdrawal_that_ended_the_mediation_is_announced() -> None:
    case = a_case()
    first = at(withdrew(case.case_id, ADMINISTRATION), local("2026-03-02 09:00"))
    second = at(withdrew(case.case_id, CITIZEN), local("2026-03-02 10:00"))
    case.contacts.apply(first)
    case.contacts.apply(second)

    # The citizen withdrew after the end; it is told of the end all the same.
    assert people(compose(first, case.contacts, OFFICE)) == [CITIZEN, COMPANION]
    assert compose(second, case.contacts, OFFICE) == []


def test_a_withdrawal_by_someone_who_is_no_party_is_ignored() -> None:
    case = a_case()

    assert compose(withdrew(case.case_id, COMPANION), case.contacts, OFFICE) == []


def test_the_close_is_told_to_the_parties_with_the_follow_up_contact() -> None:
    case = a_case()

    messages = compose(case_closed(case.case_id, follow_up=FOLLOW_UP), case.contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION]  # companions are not told
    text = messages[0].text
    assert "Tak, fordi du deltog." in text
    assert "kan du kontakte:\nMette Lund, Jobcenter Nord\nTelefon +45 12 12 12 12" in text
    assert "E-mail mette.lund@kk.example" in text


def test_the_close_without_follow_up_contact_names_nobody() -> None:
    case = a_case()

    (citizen, _) = compose(case_closed(case.case_id), case.contacts, OFFICE)

    assert "kan du kontakte:" not in citizen.text
    assert "Har du spørgsmål" in citizen.text


def test_a_close_after_a_withdrawal_says_nothing_twice() -> None:
    case = a_case()

    assert compose(case_closed(case.case_id, "withdrawn"), case.contacts, OFFICE) == []
    # ... unless it names someone to contact later: then every party hears it.
    messages = compose(
        case_closed(case.case_id, "withdrawn", follow_up=FOLLOW_UP), case.contacts, OFFICE
    )
    assert people(messages) == [CITIZEN, ADMINISTRATION]
    assert "Tak, fordi" not in messages[0].text
    assert "Mette Lund" in messages[0].text


def test_a_declined_case_is_told_to_the_parties_who_know_of_the_request() -> None:
    case = a_case()  # the citizen asked

    declined = case_closed(case.case_id, "assessment_declined")
    messages = compose(declined, case.contacts, OFFICE)

    assert people(messages) == [CITIZEN]
    assert messages[0].subject == "Mægling finder ikke sted"
    assert "Mediation is unlikely" not in messages[0].text  # never the assessment's reason

    case.contacts.apply(consent_requested(case.case_id))
    assert people(compose(declined, case.contacts, OFFICE)) == [CITIZEN, ADMINISTRATION]
    not_consented = case_closed(case.case_id, "consent_declined")
    assert people(compose(not_consented, case.contacts, OFFICE)) == [CITIZEN, ADMINISTRATION]


def test_a_declined_proposal_of_the_office_tells_no_party_it_never_asked() -> None:
    case = a_case(requester="ombudsman_office")

    assert compose(case_closed(case.case_id, "assessment_declined"), case.contacts, OFFICE) == []


def test_a_shared_summary_is_announced_to_the_parties_without_content() -> None:
    case = a_case()

    messages = compose(summary_shared(case.case_id), case.contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION]
    assert "referat" in messages[0].text
    assert "summary-1" not in messages[0].text


def test_a_reminder_goes_to_the_participants_until_the_mediation_ends() -> None:
    case = a_case()
    reminder = plan(None, booked(case)).reminder  # type: ignore[arg-type]
    assert reminder is not None

    messages = compose(reminder, case.contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION, COMPANION]
    assert messages[0].subject == "Påmindelse: mæglingsmøde 31. marts 2026"
    assert "Vi minder om mæglingsmødet." in messages[0].text
    assert all(m.attachments == () for m in messages)

    case.contacts.apply(withdrew(case.case_id, CITIZEN))
    assert compose(reminder, case.contacts, OFFICE) == []


def test_events_with_nothing_to_tell_give_no_messages() -> None:
    case = a_case()

    assert compose(assessed(case.case_id), case.contacts, OFFICE) == []


def test_an_unreachable_person_is_in_the_audience_but_gets_no_message() -> None:
    case = a_case(companion=ContactDetails())

    booking = booked(case)

    assert COMPANION in audience(booking, case.contacts)
    assert COMPANION not in people(compose(booking, case.contacts, OFFICE))


# --- channel and language ------------------------------------------------------------------


def test_each_channel_gets_its_form() -> None:
    case = a_case(
        citizen=contact(None, None, "digital_post"),
        companion=contact(COMPANION_EMAIL, COMPANION_PHONE, "sms"),
    )

    by_person = {m.recipient.person_id: m for m in compose(booked(case), case.contacts, OFFICE)}

    email, letter, sms = by_person[ADMINISTRATION], by_person[CITIZEN], by_person[COMPANION]
    assert email.channel == "email"
    assert len(email.attachments) == 1
    assert letter.channel == "digital_post"
    assert letter.attachments == ()  # the full text, no calendar file
    assert "Tidspunkt: tirsdag den 31. marts 2026 kl. 10.00–11.30" in letter.text
    assert "kalenderinvitation" not in letter.text
    assert sms.channel == "sms"
    assert sms.attachments == ()
    assert len(sms.text) <= SMS_MAX_CHARS
    assert "\n" not in sms.text
    assert sms.text.startswith("Borgerrådgiveren: Du er inviteret som bisidder")
    assert "31. marts 2026 kl. 10.00-11.30" in sms.text


def test_danish_by_default_english_when_asked() -> None:
    case = a_case(administration=contact(ADMIN_EMAIL, None, language="en"))

    danish, english, _ = compose(booked(case), case.contacts, OFFICE)

    assert danish.subject == "Indkaldelse til mæglingsmøde 31. marts 2026"
    assert danish.text.startswith("Kære Anna Jensen\n\nDu er indkaldt til et mæglingsmøde")
    assert "Tidspunkt: tirsdag den 31. marts 2026 kl. 10.00–11.30" in danish.text
    assert english.subject == "Invitation: mediation meeting on 31 March 2026"
    assert english.text.startswith("To Jobcenter\n\nYou are invited to a mediation meeting")
    assert "Time: Tuesday 31 March 2026, 10:00–11:30 (Danish time)" in english.text
    assert "Kind regards" in english.text
    for danish_word in ("Tidspunkt", "Venlig hilsen", "mødet"):
        assert danish_word not in english.text


@pytest.mark.parametrize(
    ("make", "subject"),
    [
        (lambda c: consent_requested(c, CITIZEN, "citizen"), "Would you like to take part"),
        (lambda c: withdrew(c, ADMINISTRATION), "The mediation has ended"),
        (lambda c: case_closed(c, follow_up=FOLLOW_UP), "The mediation has ended"),
        (lambda c: case_closed(c, "consent_declined"), "Mediation will not take place"),
        (lambda c: summary_shared(c), "A summary of the mediation is available"),
    ],
)
def test_every_message_exists_in_english(make: Callable[[UUID], CloudEvent], subject: str) -> None:
    case = a_case(citizen=contact(CITIZEN_EMAIL, None, language="en"))

    messages = [
        m
        for m in compose(make(case.case_id), case.contacts, OFFICE)
        if m.recipient.person_id == CITIZEN
    ]

    assert len(messages) == 1
    assert messages[0].subject.startswith(subject)
    assert messages[0].text.startswith("Dear Anna Jensen\n\n")
    assert "Kære" not in messages[0].text


# --- places --------------------------------------------------------------------------------


def test_a_video_link_is_given_verbatim_when_it_is_a_plain_https_url() -> None:
    case = a_case()
    link = "https://meet.example/j/123?pwd=a1&lang=da"
    video = Location(kind="video", join_url=link)

    (message, *_) = compose(booked(case, location=video, format="video"), case.contacts, OFFICE)

    assert f"Brug dette link: {link}" in message.text
    assert "Mødeform: Et møde på video." in message.text
    assert link in message.attachments[0].data.decode()


@pytest.mark.parametrize(
    "link",
    ['https://x.example/"><script>alert(1)</script>', "javascript:alert(1)", "http://x.example/a"],
)
def test_any_other_link_is_left_out(link: str) -> None:
    case = a_case()
    video = Location(kind="video", join_url=link)

    (message, *_) = compose(booked(case, location=video), case.contacts, OFFICE)

    assert "får linket fra os" in message.text
    assert "script" not in message.text
    assert "alert" not in message.attachments[0].data.decode()


def test_a_phone_meeting_says_the_mediator_calls() -> None:
    case = a_case()

    (message, *_) = compose(
        booked(case, location=Location(kind="phone"), format="phone"), case.contacts, OFFICE
    )

    assert (
        "Sted: Mødet foregår over telefonen. Mægleren ringer dig op på det telefonnummer, "
        "du har givet os." in message.text
    )


def test_a_meeting_at_the_premises_without_address_is_at_the_office() -> None:
    case = a_case()

    (message, *_) = compose(
        booked(case, location=Location(kind="premises", room_ids=["r"])), case.contacts, OFFICE
    )

    assert f"Sted: {OFFICE.address}" in message.text


# --- nothing confidential, nobody else's details --------------------------------------------


def every_event(case_id: UUID) -> list[object]:
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    move = rescheduled(booking, local("2026-04-01 13:00"), moved_at=local("2026-03-02 09:00"))
    reminder = plan(None, booking).reminder
    return [
        consent_requested(case_id),
        consent_requested(case_id, CITIZEN, "citizen"),
        booking,
        move,
        cancelled(move, cancelled_at=local("2026-03-03 09:00")),
        reminder,
        withdrew(case_id, MEDIATOR, "mediator"),
        case_closed(case_id),
        case_closed(case_id, "consent_declined"),
        summary_shared(case_id),
    ]


@pytest.mark.parametrize("channel", ["email", "sms", "digital_post"])
def test_no_message_holds_the_conflict_or_anyone_elses_contact_details(channel: str) -> None:
    case_id = uuid4()
    details = {
        "citizen": contact(CITIZEN_EMAIL, CITIZEN_PHONE, channel),  # type: ignore[arg-type]
        "administration": contact(ADMIN_EMAIL, ADMIN_PHONE, channel),  # type: ignore[arg-type]
        "companion": contact(COMPANION_EMAIL, COMPANION_PHONE, channel),  # type: ignore[arg-type]
    }
    contacts = contacts_of(requested(case_id, **details))  # type: ignore[arg-type]
    contacts.apply(consent_requested(case_id))
    messages: list[Message] = []
    for event in every_event(case_id):
        if isinstance(event, CloudEvent):
            contacts.apply(event)  # type: ignore[arg-type]
        messages += compose(event, contacts, OFFICE)  # type: ignore[arg-type]

    assert len(messages) > 20
    for message in messages:
        everything = message.subject + message.text
        everything += "".join(a.data.decode() for a in message.attachments)
        assert CONFLICT not in everything
        assert MATTER not in everything
        for person, addresses in EVERY_ADDRESS.items():
            if person == message.recipient.person_id:
                continue
            for address in addresses:
                assert address not in everything, (person, message.recipient.person_id)


@pytest.mark.parametrize("channel", ["email", "sms", "digital_post"])
def test_names_and_places_read_as_written_in_plain_text_and_calendars(channel: str) -> None:
    # Mail bodies, Digital Post letters, SMS and .ics files are plain text, not HTML: an
    # escaped "&" would reach the person as "&amp;".
    unit = "Center for Børn & Familie"
    citizen = "Anna <Jensen> O'Hara"
    place = "Børne- & Ungehuset, Vej 1"
    reach = {
        who: contact(email, phone, channel)  # type: ignore[arg-type]
        for who, email, phone in (
            ("citizen", CITIZEN_EMAIL, CITIZEN_PHONE),
            ("administration", ADMIN_EMAIL, ADMIN_PHONE),
            ("companion", COMPANION_EMAIL, COMPANION_PHONE),
        )
    }
    case = a_case(citizen_name=citizen, administration_name=unit, **reach)

    messages = compose(
        booked(case, location=Location(kind="premises", address=place)), case.contacts, OFFICE
    )

    by_person = {m.recipient.person_id: m for m in messages}
    if channel == "sms":
        assert f"Sted: {place}." in by_person[CITIZEN].text
    else:
        assert f"Til {unit}" in by_person[ADMINISTRATION].text
        assert f"Kære {citizen}" in by_person[CITIZEN].text
        assert f"bisidder for {citizen}" in by_person[COMPANION].text
        assert place in by_person[CITIZEN].text
    for message in messages:
        everything = message.subject + message.text
        everything += "".join(a.data.decode() for a in message.attachments)
        for entity in ("&amp;", "&lt;", "&gt;", "&#39;", "&#34;"):
            assert entity not in everything
    if channel == "email":
        ics = icalendar.Calendar.from_ical(by_person[CITIZEN].attachments[0].data)
        [event] = ics.walk("VEVENT")
        assert str(event["LOCATION"]) == place


# --- SMS -----------------------------------------------------------------------------------

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(
    "location",
    [
        Location(kind="premises", address="A" * 500),
        Location(kind="premises", address="&<>" * 26),  # what HTML would escape, as written
        Location(kind="premises", address="Vester Voldgade 2A, 1552 København V"),
        Location(kind="video", join_url="https://meet.example/" + "x" * 470),
        Location(kind="video", join_url="https://meet.example/j/1234567890?pwd=abcdef&x=1"),
        Location(kind="phone"),
        Location(
            kind="premises",
            address="A" * 50,  # with a room of 40, the longest place an SMS names
            room_ids=["r-1", "r-2"],
            seats=[
                Seat(party_id=CITIZEN, room_id="r-1", room_name="Æ" * 40),
                Seat(party_id=ADMINISTRATION, room_id="r-2", room_name="Æ" * 500),
            ],
        ),
        Location(
            kind="phone",
            calls=[
                PhoneCall(party_id=p, caller="party", number="+" + "9" * 20)
                for p in (CITIZEN, ADMINISTRATION)
            ],
        ),
    ],
)
def test_every_sms_fits_whatever_the_event_holds(language: str, location: Location) -> None:
    case_id = uuid4()
    sms = contact(None, "+45 12 34 56 78", "sms", language)  # type: ignore[arg-type]
    longest = "Æ" * 200
    contacts = contacts_of(
        requested(case_id, citizen_name=longest, citizen=sms, administration=sms, companion=sms)
    )
    contacts.apply(consent_requested(case_id))
    booking = scheduled(
        case_id, local("2026-09-30 10:00"), location=location, booked_at=BOOKED, kind="follow_up"
    )
    move = rescheduled(booking, local("2026-11-25 10:00"), moved_at=local("2026-03-02 09:00"))
    contacts.apply(booking)
    follow_up = FollowUpContact(
        name=longest, unit=longest, contact=ContactDetails(email="a" * 60 + "@kk.example")
    )
    events: list[CloudEvent | Reminder | None] = [
        consent_requested(case_id),
        booking,
        move,
        cancelled(move, cancelled_at=local("2026-03-03 09:00")),
        plan(None, booking).reminder,
        withdrew(case_id, MEDIATOR, "mediator"),
        case_closed(case_id, follow_up=follow_up),
        case_closed(case_id, "consent_declined", follow_up=FOLLOW_UP),
        case_closed(case_id, "assessment_declined", follow_up=FollowUpContact(name="&" * 40)),
        summary_shared(case_id),
    ]
    office = Office(
        name="B" * 40,
        phone="+45 33 66 14 00 1234",
        email="x@kk.example",
        address="y",
        organizer_email="z@kk.example",
    )
    count = 0
    for event in events:
        assert event is not None
        for message in compose(event, contacts, office):
            count += 1
            assert message.channel == "sms"
            assert len(message.text) <= SMS_MAX_CHARS, message.text
    assert count == 24  # 1 asked; 3 people x 5 meeting messages and the end; 2 parties x 4


@pytest.mark.parametrize("language", ["da", "en"])
def test_sms_texts_use_only_the_gsm_alphabet(language: str) -> None:
    case_id = uuid4()
    sms = contact(None, CITIZEN_PHONE, "sms", language)  # type: ignore[arg-type]
    contacts = contacts_of(requested(case_id, citizen=sms, with_companion=False))
    booking = scheduled(case_id, MEETING, booked_at=BOOKED, people=participants(CITIZEN))
    contacts.apply(booking)
    move = rescheduled(booking, local("2026-04-01 13:00"), moved_at=local("2026-03-02 09:00"))
    for event in [
        consent_requested(case_id, CITIZEN, "citizen"),
        booking,
        move,
        cancelled(move, cancelled_at=local("2026-03-03 09:00"), reason="case_closed"),
        withdrew(case_id, ADMINISTRATION),
        case_closed(case_id, follow_up=FOLLOW_UP),
        summary_shared(case_id),
    ]:
        (message,) = [m for m in compose(event, contacts, OFFICE) if m.channel == "sms"]
        assert set(message.text) <= GSM7, set(message.text) - GSM7


def test_the_office_name_is_bounded_so_every_sms_fits() -> None:
    with pytest.raises(ValueError, match="office name"):
        Office(name="B" * 41, phone="1", email="e", address="a", organizer_email="o")
