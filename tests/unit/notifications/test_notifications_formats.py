"""Each party is told its own arrangement of a meeting and nobody else's (issue 16, point 2):
in shuttle mediation its own room, in a phone meeting whether it calls (and the office's
number) or is called; its companion is told the same as its party. In every channel: the
message, the SMS and the calendar file."""

from uuid import UUID, uuid4

import icalendar
from mediation_contracts.events import (
    Location,
    MeetingFormat,
    MeetingScheduled,
    PhoneCall,
    Seat,
)
from notifications.domain.compose import compose
from notifications.domain.contacts import CaseContacts
from notifications.domain.message import Message
from notifications.domain.reminders import plan

from tests.data.events import ADMINISTRATION, CITIZEN, COMPANION
from tests.data.notifications import (
    CITIZEN_PHONE,
    COMPANION_PHONE,
    OFFICE,
    contact,
    contacts_of,
    local,
    participants,
    requested,
    rescheduled,
    scheduled,
)

BOOKED = local("2026-03-01 09:00")
MEETING = local("2026-03-31 10:00")
OFFICE_LINE = "+45 70 10 20 30"
SHUTTLE = Location(
    kind="premises",
    room_ids=["moede-1", "vent-1"],
    address=OFFICE.address,
    seats=[
        Seat(party_id=CITIZEN, room_id="moede-1", room_name="Mødelokale Øst"),
        Seat(party_id=ADMINISTRATION, room_id="vent-1", room_name="Venterummet"),
    ],
)
PHONE = Location(
    kind="phone",
    calls=[
        PhoneCall(party_id=CITIZEN, caller="mediator"),
        PhoneCall(party_id=ADMINISTRATION, caller="party", number=OFFICE_LINE),
    ],
)


def told(
    location: Location, format: MeetingFormat, contacts: CaseContacts | None = None
) -> dict[str, Message]:
    case_id = uuid4()
    contacts = contacts or contacts_of(requested(case_id))
    booking = _booked(contacts.case_id, location, format)
    contacts.apply(booking)
    return {m.recipient.person_id: m for m in compose(booking, contacts, OFFICE)}


def _booked(case_id: UUID, location: Location, format: MeetingFormat) -> MeetingScheduled:
    return scheduled(case_id, MEETING, booked_at=BOOKED, location=location, format=format)


def calendar_location(message: Message) -> str:
    [entry] = message.attachments
    event = icalendar.Calendar.from_ical(entry.data).walk("VEVENT")[0]
    return str(event.get("LOCATION", ""))


# --- shuttle mediation ---------------------------------------------------------------------


def test_each_party_of_a_shuttle_mediation_is_told_its_own_room_only() -> None:
    messages = told(SHUTTLE, "shuttle")
    citizen, unit, companion = messages[CITIZEN], messages[ADMINISTRATION], messages[COMPANION]

    assert "Lokale: Mødelokale Øst. Lokalet er dit eget." in citizen.text
    assert "Venterummet" not in citizen.text + calendar_location(citizen)
    assert "Lokale: Venterummet. Lokalet er jeres eget." in unit.text
    assert "Mødelokale Øst" not in unit.text + calendar_location(unit)
    # The companion sits with its party, and hears of that room only.
    assert "Lokale: Mødelokale Øst, sammen med Anna Jensen." in companion.text
    assert "Venterummet" not in companion.text + calendar_location(companion)
    assert calendar_location(citizen) == f"{OFFICE.address}, Mødelokale Øst"
    assert calendar_location(unit) == f"{OFFICE.address}, Venterummet"
    assert "Mødeform: Parterne sidder i hvert sit lokale" in citizen.text


def test_a_room_without_a_name_is_shown_on_arrival() -> None:
    unnamed = SHUTTLE.model_copy(
        update={"seats": [s.model_copy(update={"room_name": None}) for s in SHUTTLE.seats]}
    )
    messages = told(unnamed, "shuttle")

    assert "Vi viser dig hen til dit eget lokale, når du kommer." in messages[CITIZEN].text
    assert "Vi viser jer hen til jeres eget lokale" in messages[ADMINISTRATION].text
    assert "lokalet, hvor Anna Jensen sidder" in messages[COMPANION].text
    assert "moede-1" not in messages[CITIZEN].text  # room ids are not for people


def test_the_room_is_told_in_english_by_sms_on_a_move_and_in_the_reminder() -> None:
    case_id = uuid4()
    contacts = contacts_of(
        requested(
            case_id,
            citizen=contact(None, CITIZEN_PHONE, "sms", "en"),
            companion=contact(None, COMPANION_PHONE, "sms"),
        )
    )
    booking = _booked(case_id, SHUTTLE, "shuttle")
    contacts.apply(booking)
    move = rescheduled(booking, local("2026-04-01 13:00"), moved_at=local("2026-03-02 09:00"))
    reminder = plan(None, booking).reminder
    assert reminder is not None
    for event in (booking, move, reminder):
        messages = {m.recipient.person_id: m for m in compose(event, contacts, OFFICE)}
        assert "Room: Mødelokale Øst." in messages[CITIZEN].text
        assert "Lokale: Mødelokale Øst." in messages[COMPANION].text
        assert "Venterummet" not in messages[CITIZEN].text + messages[COMPANION].text
        assert "Lokale: Venterummet." in messages[ADMINISTRATION].text


def test_a_joint_meeting_tells_no_room() -> None:
    joint = Location(kind="premises", room_ids=["moede-1"], address=OFFICE.address)
    assert all("Lokale:" not in m.text for m in told(joint, "joint").values())


# --- by phone ------------------------------------------------------------------------------


def test_each_party_of_a_phone_meeting_is_told_its_own_call_only() -> None:
    messages = told(PHONE, "phone")
    citizen, unit, companion = messages[CITIZEN], messages[ADMINISTRATION], messages[COMPANION]

    assert "Mægleren ringer dig op på det telefonnummer, du har givet os." in citizen.text
    assert OFFICE_LINE not in citizen.text + calendar_location(citizen)
    assert f"Ring til os på {OFFICE_LINE}, når mødet begynder." in unit.text
    assert "Mægleren ringer" not in unit.text
    assert "Mægleren ringer Anna Jensen op på det nummer, vi har fået." in companion.text
    assert OFFICE_LINE not in companion.text
    assert calendar_location(unit) == f"Telefonmøde: ring {OFFICE_LINE}"
    assert calendar_location(citizen) == "Telefonmøde"


def test_no_message_about_a_phone_meeting_shows_a_partys_own_number() -> None:
    for message in told(PHONE, "phone").values():
        body = message.text + message.attachments[0].data.decode()
        assert CITIZEN_PHONE not in body
        assert COMPANION_PHONE not in body


def test_the_companion_of_a_party_that_calls_hears_that_its_party_calls() -> None:
    calls_in = PHONE.model_copy(
        update={"calls": [PhoneCall(party_id=CITIZEN, caller="party", number=OFFICE_LINE)]}
    )
    messages = told(calls_in, "phone")

    assert f"Ring til os på {OFFICE_LINE}" in messages[CITIZEN].text
    assert f"Anna Jensen ringer til os på {OFFICE_LINE}" in messages[COMPANION].text


def test_the_call_is_told_by_sms_and_in_english() -> None:
    case_id = uuid4()
    contacts = contacts_of(
        requested(
            case_id,
            citizen=contact(None, CITIZEN_PHONE, "sms"),
            administration=contact("unit@kk.example", None, "email", "en"),
        )
    )
    messages = told(PHONE, "phone", contacts)

    assert "Mægleren ringer dig op." in messages[CITIZEN].text
    assert OFFICE_LINE not in messages[CITIZEN].text
    assert f"Please call us on {OFFICE_LINE} when the meeting begins." in (
        messages[ADMINISTRATION].text
    )


def test_an_individual_session_by_phone_is_told_to_its_party_alone() -> None:
    alone = Location(
        kind="phone", calls=[PhoneCall(party_id=ADMINISTRATION, caller="party", number=OFFICE_LINE)]
    )
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    booking = scheduled(
        case_id,
        MEETING,
        booked_at=BOOKED,
        location=alone,
        format="phone",
        people=participants(ADMINISTRATION, companions=()),
    )
    contacts.apply(booking)

    [message] = compose(booking, contacts, OFFICE)

    assert message.recipient.person_id == ADMINISTRATION
    assert OFFICE_LINE in message.text
