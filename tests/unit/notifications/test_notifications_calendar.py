"""Calendar files (notifications/domain/calendar.py and the .ics of meeting messages): they
parse, keep the local time across daylight-saving changes, and a move or cancellation
updates the same entry."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from icalendar import Calendar, Event
from mediation_contracts.envelope import CloudEvent
from notifications.domain.calendar import invitation, meeting_uid
from notifications.domain.compose import SEQUENCE_EPOCH, compose
from notifications.domain.contacts import CaseContacts
from notifications.domain.message import Message, Recipient

from tests.data.events import ADMINISTRATION, CITIZEN
from tests.data.notifications import (
    CITIZEN_EMAIL,
    CPH,
    OFFICE,
    cancelled,
    contacts_of,
    local,
    requested,
    rescheduled,
    scheduled,
)

ANNA = Recipient(
    person_id=CITIZEN, name="Anna Jensen", language="da", channel="email", email=CITIZEN_EMAIL
)


def citizens_message(event: CloudEvent, contacts: CaseContacts) -> Message:
    contacts.apply(event)  # type: ignore[arg-type]
    (message,) = [m for m in compose(event, contacts, OFFICE) if m.recipient.person_id == CITIZEN]
    return message


def parsed(message: Message) -> tuple[Calendar, Event]:
    (attachment,) = message.attachments
    assert attachment.content_type.startswith("text/calendar; method=")
    calendar = Calendar.from_ical(attachment.data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.mark.parametrize(
    ("wall_clock", "utc"),
    [
        # Winter time (+01:00) the Friday before the 2026 change on Sunday 29 March ...
        ("2026-03-27 09:00", datetime(2026, 3, 27, 8, 0, tzinfo=UTC)),
        # ... and summer time (+02:00) the Monday after: the same 09:00 on the wall.
        ("2026-03-30 09:00", datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        # And back to winter time after Sunday 25 October.
        ("2026-10-26 09:00", datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    ],
)
def test_the_invitation_keeps_the_local_time_across_daylight_saving(
    wall_clock: str, utc: datetime
) -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    booking = scheduled(case_id, local(wall_clock), booked_at=local("2026-03-01 09:00"))
    assert booking.data.starts_at == utc  # the contract carries UTC

    message = citizens_message(booking, contacts)

    calendar, event = parsed(message)
    raw = message.attachments[0].data.decode()
    stamp = wall_clock.replace("-", "").replace(" ", "T").replace(":", "") + "00"
    assert f"DTSTART;TZID=Europe/Copenhagen:{stamp}" in raw
    assert event.start == local(wall_clock)
    assert event.start.astimezone(UTC) == utc
    assert event.end.astimezone(UTC) == booking.data.ends_at
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    # The VTIMEZONE itself resolves the wall time right (for programs that do not know tzdata).
    (vtimezone,) = calendar.walk("VTIMEZONE")
    own = vtimezone.to_tz(lookup_tzid=False)
    assert local(wall_clock).replace(tzinfo=own).astimezone(UTC) == utc


def test_schedule_move_and_cancel_update_one_calendar_entry() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    booking = scheduled(case_id, local("2026-03-27 09:00"), booked_at=local("2026-03-01 09:00"))
    move = rescheduled(booking, local("2026-03-30 09:00"), moved_at=local("2026-03-02 09:00"))
    cancellation = cancelled(move, cancelled_at=local("2026-03-03 09:00"))

    files = [parsed(citizens_message(e, contacts)) for e in (booking, move, cancellation)]

    methods = [str(calendar["METHOD"]) for calendar, _ in files]
    uids = {str(event["UID"]) for _, event in files}
    sequences = [int(event["SEQUENCE"]) for _, event in files]
    statuses = [str(event["STATUS"]) for _, event in files]
    assert methods == ["REQUEST", "REQUEST", "CANCEL"]
    assert uids == {meeting_uid("meeting-1")} == {"meeting-1@mediation"}
    assert sequences[0] == 0 < sequences[1] < sequences[2] < 2**31
    assert sequences[1] == int((move.time - SEQUENCE_EPOCH).total_seconds())
    assert statuses == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    moved, cancelled_event = files[1][1], files[2][1]
    assert moved.start == local("2026-03-30 09:00")
    assert cancelled_event.start == local("2026-03-30 09:00")
    assert cancelled_event.end == local("2026-03-30 10:30")  # known from the booking
    assert files[2][0]["METHOD"] == "CANCEL"


def test_each_file_names_only_its_own_attendee_and_the_office() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    booking = scheduled(case_id, local("2026-03-30 09:00"))
    contacts.apply(booking)

    for message in compose(booking, contacts, OFFICE):
        _, event = parsed(message)
        attendee = event["ATTENDEE"]
        assert not isinstance(attendee, list)
        assert str(attendee) == f"mailto:{message.recipient.email}"
        assert attendee.params["CN"] == message.recipient.name
        assert str(event["ORGANIZER"]) == f"mailto:{OFFICE.organizer_email}"
        assert str(event["LOCATION"]) == OFFICE.address
        assert str(event["SUMMARY"]).startswith(("Mæglingsmøde, ", "Mediation meeting, "))
        assert OFFICE.phone in str(event["DESCRIPTION"])


def test_the_same_event_gives_the_same_file() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    booking = scheduled(case_id, local("2026-03-30 09:00"))

    first = citizens_message(booking, contacts).attachments
    again = citizens_message(booking, contacts).attachments

    assert first == again


def test_an_english_recipient_gets_an_english_entry() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    contacts.people[ADMINISTRATION].language = "en"
    booking = scheduled(case_id, local("2026-03-30 09:00"))
    contacts.apply(booking)

    (message,) = [m for m in compose(booking, contacts, OFFICE) if m.recipient.language == "en"]

    _, event = parsed(message)
    assert str(event["SUMMARY"]) == "Mediation meeting, Borgerrådgiveren"
    assert str(event["DESCRIPTION"]).startswith("Questions, or cannot come?")


def test_invitation_directly() -> None:
    data = invitation(
        meeting_id="m-1",
        starts_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        ends_at=None,
        summary="Mæglingsmøde",
        location=None,
        description="Mødet er aflyst.",
        method="CANCEL",
        sequence=7,
        organizer_email="o@kk.example",
        attendee=ANNA,
        tz=CPH,
        stamp=datetime(2026, 11, 1, tzinfo=UTC),
    )

    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    assert calendar["PRODID"]
    assert str(calendar["VERSION"]) == "2.0"
    assert event.start == datetime(2026, 12, 1, 10, tzinfo=CPH)
    assert "DTEND" not in event
    assert "LOCATION" not in event
    assert event["DTSTAMP"].dt == datetime(2026, 11, 1, tzinfo=UTC)
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (7, "CANCELLED")


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(
            meeting_id="m-1",
            starts_at=datetime(2026, 12, 1, 9),  # naive: the point of the test
            ends_at=None,
            summary="s",
            location=None,
            description="d",
            method="REQUEST",
            sequence=0,
            organizer_email="o@kk.example",
            attendee=ANNA,
            tz=CPH,
            stamp=datetime(2026, 11, 1, tzinfo=UTC),
        )
