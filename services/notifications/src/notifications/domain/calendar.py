"""iCalendar (RFC 5545) invitations and cancellations for one meeting and one attendee.

Each person gets an invitation of their own (``METHOD:REQUEST``, one ``ATTENDEE``): nobody
learns from the file who else takes part or how to reach them. A moved meeting is the same
``UID`` with a higher ``SEQUENCE``; a cancelled one is ``METHOD:CANCEL`` with ``STATUS:
CANCELLED``, so calendar programs update or remove the entry they already have.

Times are written as local wall time with ``TZID`` (the office's zone) and the matching
``VTIMEZONE``, so the meeting stays at 10.00 in the citizen's calendar on both sides of a
daylight-saving change. Pure: the caller passes every value, ``DTSTAMP`` included (the time of
the event that caused the message), so the same event always gives the same bytes.
"""

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from notifications.domain.message import Recipient

PRODID = "-//Mediation//Notifications//DA"
Method = Literal["REQUEST", "CANCEL"]


def meeting_uid(meeting_id: str) -> str:
    """The one UID of a meeting across its invitation, updates and cancellation."""
    return f"{meeting_id}@mediation"


def invitation(
    meeting_id: str,
    starts_at: datetime,
    ends_at: datetime | None,
    summary: str,
    location: str | None,
    description: str,
    method: Method,
    sequence: int,
    organizer_email: str,
    attendee: Recipient,
    tz: ZoneInfo,
    *,
    stamp: datetime,
    organizer_name: str | None = None,
) -> bytes:
    """One VCALENDAR with one VEVENT for ``attendee``.

    ``ends_at`` may be unknown for a cancellation (the contract's MeetingCancelled carries only
    the start); ``stamp`` is DTSTAMP. ``summary``, ``location`` and ``description`` must hold
    nothing confidential: they are written as given (the composer makes them).
    """
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ValueError("meeting times must be timezone-aware")
    local_start = starts_at.astimezone(tz)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", meeting_uid(meeting_id))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", local_start)
    if ends_at is not None:
        event.add("dtend", ends_at.astimezone(tz))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("description", description)
    event.add("transp", "OPAQUE")
    _add_people(event, organizer_email, organizer_name, attendee)
    calendar.add_component(event)

    # The VTIMEZONE covers the meeting's year and the next, both DST changes included; a
    # narrow window keeps the file small (icalendar derives it from the zoneinfo database).
    calendar.add_missing_timezones(
        first_date=date(local_start.year, 1, 1), last_date=date(local_start.year + 2, 1, 1)
    )
    data: bytes = calendar.to_ical()
    return data


def _add_people(
    event: Event, organizer_email: str, organizer_name: str | None, attendee: Recipient
) -> None:
    """The office organises; the one attendee is the recipient, if they have an address."""
    organizer = vCalAddress(f"mailto:{organizer_email}")
    if organizer_name:
        organizer.params["CN"] = vText(organizer_name)
    event.add("organizer", organizer)
    if attendee.email is not None:
        person = vCalAddress(f"mailto:{attendee.email}")
        person.params["CN"] = vText(attendee.name)
        person.params["ROLE"] = vText("REQ-PARTICIPANT")
        person.params["PARTSTAT"] = vText("NEEDS-ACTION")
        # Answers go to the office by phone or mail, not as calendar replies nobody reads.
        person.params["RSVP"] = vText("FALSE")
        event.add("attendee", person)
