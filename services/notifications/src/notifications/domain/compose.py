"""Who is told what: from one event (or a due reminder) to the messages for the people of a case.

Pure: no I/O. :func:`audience` says whom an event concerns (person ids), :func:`compose` makes
one :class:`Message` for each of them who can be reached; the caller records a
``NotificationFailed`` (``no_address``) for everyone in the audience without a message.
Apply the event to :class:`CaseContacts` before composing (``compose`` also reads the event
itself, so the order of the two does not change who is told).

Who is told (decisions marked *):
- ``ConsentRequested``: the party asked, nobody else; not who asked or what about.
- ``MeetingScheduled`` / ``MeetingRescheduled`` / a :class:`Reminder`: each participant with
  role party or companion; mediator and note-taker are staff, told by their own tools.
  * Each party and its companion are told only their own arrangement: in shuttle mediation
  their own room (never the other party's), in a phone meeting whether they call (and the
  office's number) or are called (on the number they gave; the event carries no party's
  number, so no message can show one).
  * No reminder once the mediation has ended (its cancellation is on its way).
- ``MeetingCancelled``: the parties and companions of the meeting's newest booking (the event
  carries no participants; an unknown meeting gives nobody, and the caller retries later).
  * The one who withdrew also gets it: it clears the meeting from their calendar and says
  only that the meeting will not take place.
- ``PartyWithdrew``: every party and companion, except the party who withdrew and
  * its companion (who supports that party's decision and hears it from them). A mediator's
  withdrawal excludes nobody. Only the withdrawal that ended the mediation is announced; the
  text never says who withdrew or why. A withdrawal by someone who is not a party is ignored.
- ``CaseClosed``: every party (companions are not told).
  * ``withdrawn``: the withdrawal notice already said the mediation ended, so nothing is sent,
  unless a follow-up contact was named: then every party gets the closing message with it.
  * ``assessment_declined`` / ``consent_declined``: only the parties who know of the request
  (the requesting party and those asked for consent), so that nobody learns from us that
  someone wanted mediation with them before they were asked. The reason is never given.
  * The follow-up contact named at close (``follow_up_contact``) is told that they were
  named, with the citizen's name and what it means, only when the citizen agreed
  (``inform``); never anyone's contact details, never what the mediation was about. They are
  not a party: their recipient id is ``follow-up-contact``, or another that no person of the
  case has (:meth:`CaseContacts.follow_up_contact_id`). Without contact details they cannot
  be reached and the caller records that (``no_address``), like any unreachable person.
- ``SummaryShared``: every party; that a summary is available from the office, never content.
- ``EvaluationRequested``: the party invited (citizen or administration), nobody else; never a
  companion. The link (``<evaluation_url>/<link_token>``) and its expiry; the reminder says it
  is one. The token is in the message only: never in a log, an event or an error.
- * The invitation to a mediation meeting (``MeetingScheduled``, and ``MeetingRescheduled``
  as the invitation that replaces it; not SMS, not reminders) lists its agenda: to each
  party its own agreed topics, and another party's only when that party agreed to share
  them (:meth:`CaseContacts.agenda_for`); a companion gets what its party gets. Topics a
  party has not agreed are never sent. Topics recorded later are not sent on their own.
- * Never a companion who was removed, or who is not to receive invitations
  (``receives_invitations`` false), whatever the event or booking names: the party passes
  things on. A companion is told of the meetings booked while they are the party's
  companion (scheduling invites them from then on). ``CompanionChanged`` and
  ``PartyDetailsCorrected`` themselves tell nobody: what was sent before is never sent again,
  and what is composed from then on uses the new details.

Channels: email gets the full text and, for meetings, an .ics invitation or cancellation;
SMS gets a short text (``*.sms.j2``, at most :data:`SMS_MAX_CHARS`); * Digital Post gets the
full text but no .ics (it is a letter box, not a calendar; the letter carries time and place).

Texts come from ``notifications/templates/<da|en>/``: Danish, English when the recipient's
language is ``en``. See ``templates/README.md`` for the conventions.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseClosed,
    ConsentRequested,
    EvaluationRequested,
    FollowUpContact,
    Location,
    MeetingCancelled,
    MeetingFormat,
    MeetingKind,
    MeetingRescheduled,
    MeetingScheduled,
    Participant,
    PartyWithdrew,
    SummaryShared,
)
from mediation_contracts.wording import WEEKDAYS, clock_text, date_text

from notifications.domain.calendar import Method, invitation
from notifications.domain.contacts import CaseContacts
from notifications.domain.message import Attachment, Language, Message, Recipient
from notifications.domain.reminders import Reminder

SMS_MAX_CHARS = 320
# RFC 5545 SEQUENCE is a signed 32-bit INTEGER. Seconds since this epoch grow with every later
# event about a meeting and last until 2093 (plain Unix seconds would overflow in 2038).
SEQUENCE_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_COPENHAGEN = ZoneInfo("Europe/Copenhagen")

# No HTML escaping: every output is plain text (a text/plain mail body, a Digital Post
# letter's text, an SMS, .ics values, which icalendar escapes by iCalendar's own rules), so
# names and addresses appear as written ("Børn & Familie", never "Børn &amp; Familie").
# Values from outside (a citizen portal, case systems) cannot become markup in plain text;
# what they could do there is carry a forged link, which is why a video link is given only
# when it is a plain https URL (:func:`_safe_url`). An HTML part, should one be added, must
# be rendered from templates of its own with autoescaping on.
_ENV = Environment(
    loader=PackageLoader("notifications", "templates"),
    autoescape=False,  # noqa: S701 - plain text only, see above
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,  # a partial ends with its newline, as written
)
# SMS templates are one paragraph: every line break is a space (whitespace is collapsed).
_SMS_ENV = _ENV.overlay(trim_blocks=False, lstrip_blocks=False)

# Danish addresses a citizen as "du", an administrative unit as "I" (verbs do not change).
_PRONOUNS = {
    False: {"du": "du", "dig": "dig", "din": "din", "dit": "dit", "dine": "dine"},
    True: {"du": "I", "dig": "jer", "din": "jeres", "dit": "jeres", "dine": "jeres"},
}
_SAFE_URL = re.compile(r"https://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")
# Where the one-time evaluation link points: the page of the mediator client that opens it
# (``/evaluering``). https, or http on this machine (the local stack); a path, no query or
# fragment (the token follows it as the last path segment). Bounded so that the SMS with the
# link stays within SMS_MAX_CHARS.
EVALUATION_URL_MAX_CHARS = 100
DEV_EVALUATION_URL = "http://localhost:8080/evaluering"
_EVALUATION_URL = re.compile(
    r"(?:https://[A-Za-z0-9.-]+|http://(?:localhost|127\.0\.0\.1|\[::1\]))"
    r"(?::[0-9]{1,5})?(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)*"
)
_LOCALHOST = re.compile(r"https?://(?:localhost|127\.0\.0\.1|\[::1\])(?:[:/]|$)")


def evaluation_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the base of the evaluation links, or None when it can."""
    if len(url) > EVALUATION_URL_MAX_CHARS:
        return f"at most {EVALUATION_URL_MAX_CHARS} characters (it goes into an SMS)"
    if not _EVALUATION_URL.fullmatch(url):
        return (
            "an https URL with a host and a path, no query or fragment "
            "(http only for localhost), e.g. https://maegling.kk.dk/evaluering"
        )
    return None


def is_local_url(url: str) -> bool:
    """True for a URL on this machine, which nobody else can open."""
    return _LOCALHOST.match(url) is not None


@dataclass(frozen=True)
class Office:
    """The unit that runs mediation for one tenant: named in every message as the sender and
    the place to turn to. ``organizer_email`` is the ORGANIZER of calendar invitations."""

    name: str  # e.g. "Borgerrådgiveren"
    phone: str
    email: str
    address: str
    organizer_email: str
    timezone: ZoneInfo = field(default=_COPENHAGEN)
    evaluation_url: str = DEV_EVALUATION_URL
    """The base of the evaluation links: ``<evaluation_url>/<link_token>``."""

    def __post_init__(self) -> None:
        # Bounded so that every SMS stays within SMS_MAX_CHARS whatever the event holds.
        if not 1 <= len(self.name) <= 40:
            raise ValueError("the office name must be 1-40 characters (it opens every SMS)")
        if not 1 <= len(self.phone) <= 20:
            raise ValueError("the office phone must be 1-20 characters")
        problem = evaluation_url_problem(self.evaluation_url)
        if problem is not None:
            raise ValueError(f"the evaluation URL must be {problem}")


@dataclass(frozen=True)
class _Meeting:
    """One meeting in words for one language (times in the office's zone)."""

    kind: MeetingKind | None
    format: MeetingFormat | None
    location_kind: Literal["premises", "phone", "video"] | None
    address: str | None
    join_url: str | None
    date: str
    # This recipient's own arrangement (a party's, or the party's a companion supports),
    # never another party's: their room in shuttle mediation (``seated``; ``room`` its name
    # when it has one), and in a phone meeting the office's number when they call it.
    seated: bool
    room: str | None
    call_number: str | None
    when: str
    when_sms: str
    previous_when: str | None = None
    previous_when_sms: str | None = None


@dataclass(frozen=True)
class _FollowUp:
    name: str
    unit: str | None
    phone: str | None
    email: str | None


ComposeEvent = CloudEvent | Reminder


# --- per event: who is told, with which template, and what else it says -----------------

Calendar = tuple[Method, int, datetime, datetime | None]
"""An .ics entry: its method, SEQUENCE, start and end (None: unknown)."""


@dataclass(frozen=True)
class _To:
    """The one person a message is for."""

    person_id: str
    lang: Language
    party: str | None
    """Their party: their own (a party's), the one a companion supports, else None."""


@dataclass(frozen=True)
class _Told:
    """What one person's message needs besides the common context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    calendar: Calendar | None = None


Hook = Callable[[Any, _To, Office, CaseContacts], _Told]
"""(event, the recipient, office, contacts) -> what that recipient is told."""


@dataclass(frozen=True)
class _Composition:
    """How one kind of event becomes messages: whom it concerns (see the module text) and
    what it tells each of them."""

    audience: Callable[[Any, CaseContacts], list[str]]
    told: Hook


@dataclass(frozen=True)
class _AgendaPart:
    """One party's topics on the agenda, as one recipient reads them."""

    own: bool  # the recipient's own topics (a party's, not its companion's)
    name: str  # the party's name
    topics: tuple[str, ...]


def _attending(participants: list[Participant] | tuple[Participant, ...]) -> list[str]:
    ids = [p.participant_id for p in participants if p.role in ("party", "companion")]
    return list(dict.fromkeys(ids))


def _told_of_withdrawal(event: PartyWithdrew, contacts: CaseContacts) -> list[str]:
    who = event.data.participant_id
    by_party = event.data.withdrawn_by == "party"
    if by_party and not contacts.is_party(who):
        return []
    this = (event.time, str(event.id))
    earlier = contacts.first_withdrawal()
    if earlier is not None and earlier < this:
        return []  # the mediation had already ended; everyone was told then
    if contacts.closed_at is not None and contacts.closed_at < event.time:
        return []
    # The first withdrawal: nobody else had withdrawn before it. A party withdrawing later
    # is told like everyone (the result does not depend on what was applied since).
    gone = {who} if by_party else set()
    told: list[str] = []
    for party in contacts.party_ids:
        if party in gone:
            continue
        told.append(party)
        companion = contacts.companion_of(party)
        if companion is not None:
            told.append(companion)
    return told


def _told_of_cancellation(event: MeetingCancelled, contacts: CaseContacts) -> list[str]:
    booking = contacts.meetings.get(event.data.meeting_id)
    return list(booking.person_ids) if booking is not None else []


def _told_of_closing(event: CaseClosed, contacts: CaseContacts) -> list[str]:
    return _parties_told_of_closing(event, contacts) + _contact_told_of_closing(event, contacts)


def _parties_told_of_closing(event: CaseClosed, contacts: CaseContacts) -> list[str]:
    because = event.data.closed_because
    if because == "outcome_recorded":
        return list(contacts.party_ids)
    if because == "withdrawn":
        return list(contacts.party_ids) if event.data.follow_up_contact else []
    knows = {contacts.requester_id, *contacts.consent_asked}
    return [p for p in contacts.party_ids if p in knows]


def _contact_told_of_closing(event: CaseClosed, contacts: CaseContacts) -> list[str]:
    """The follow-up contact, when the citizen agreed they are told (of the close that counts:
    the view keeps its contact)."""
    named = event.data.follow_up_contact
    if named is None or not named.inform or contacts.follow_up_contact is None:
        return []
    return [contacts.follow_up_contact_id()]


def _invited(event: EvaluationRequested, contacts: CaseContacts) -> list[str]:
    """The party invited; never a companion (nor anyone who is not a party of the case)."""
    party = event.data.party_id
    return [party] if contacts.is_party(party) else []


def _plain(template: str) -> Hook:
    return lambda event, to, office, contacts: _Told(template)


def _booked(
    event: MeetingScheduled | MeetingRescheduled, to: _To, office: Office, contacts: CaseContacts
) -> _Told:
    data = event.data
    meeting = _meeting(
        to.lang,
        office,
        data.kind,
        data.format,
        data.location,
        data.starts_at,
        data.ends_at,
        to.party,
    )
    agenda = _agenda(event, contacts, to.person_id)
    if isinstance(event, MeetingScheduled):
        calendar: Calendar = ("REQUEST", 0, data.starts_at, data.ends_at)
        return _Told("meeting_scheduled", {"m": meeting, **agenda}, calendar)
    moved = event.data
    meeting = _with_previous(
        meeting, to.lang, office.timezone, moved.previous_starts_at, moved.previous_ends_at
    )
    calendar = ("REQUEST", _sequence(event.time), data.starts_at, data.ends_at)
    return _Told("meeting_rescheduled", {"m": meeting, **agenda}, calendar)


def _agenda(
    event: MeetingScheduled | MeetingRescheduled, contacts: CaseContacts, person_id: str
) -> dict[str, Any]:
    """The agenda of a mediation meeting, as ``person_id`` may be sent it."""
    if event.data.kind != "mediation":
        return {}
    parts = [
        _AgendaPart(
            own=party_id == person_id,
            name=contacts.people[party_id].name if party_id in contacts.people else "",
            topics=tuple(topics),
        )
        for party_id, topics in contacts.agenda_for(person_id)
    ]
    return {"agenda": parts}


def _reminded(event: Reminder, to: _To, office: Office, _: CaseContacts) -> _Told:
    meeting = _meeting(
        to.lang,
        office,
        event.kind,
        event.format,
        event.location,
        event.starts_at,
        event.ends_at,
        to.party,
    )
    return _Told("meeting_reminder", {"m": meeting})


def _cancelled(event: MeetingCancelled, to: _To, office: Office, contacts: CaseContacts) -> _Told:
    booking = contacts.meetings.get(event.data.meeting_id)
    ends_at = None
    if booking is not None and booking.starts_at == event.data.starts_at:
        ends_at = booking.ends_at
    kind = booking.kind if booking is not None else None
    meeting = _meeting(to.lang, office, kind, None, None, event.data.starts_at, None, None)
    calendar: Calendar = ("CANCEL", _sequence(event.time), event.data.starts_at, ends_at)
    return _Told("meeting_cancelled", {"m": meeting, "reason": event.data.reason_code}, calendar)


def _closed(event: CaseClosed, to: _To, office: Office, contacts: CaseContacts) -> _Told:
    if to.person_id == contacts.follow_up_contact_id():
        return _Told("follow_up_contact", {"citizens": _citizens(contacts)})
    because = event.data.closed_because
    ended = because in ("outcome_recorded", "withdrawn")
    context = {"closed_because": because, "follow_up": _follow_up(event.data.follow_up_contact)}
    return _Told("case_closed" if ended else "case_declined", context)


def _citizens(contacts: CaseContacts) -> list[str]:
    """The names of the case's citizen parties (the one who named the contact among them)."""
    people = [contacts.people.get(party_id) for party_id in contacts.party_ids]
    return [p.name for p in people if p is not None and p.kind == "citizen" and p.name]


def _evaluation(event: EvaluationRequested, to: _To, office: Office, _: CaseContacts) -> _Told:
    """The invitation (or its one reminder) with the party's one-time link and its expiry in
    the office's time: the full text gives the clock too, the SMS the date only."""
    data = event.data
    expires = data.expires_at.astimezone(office.timezone)
    at = " kl. " if to.lang == "da" else ", "
    zone = "" if to.lang == "da" else f" ({_zone_name(office.timezone)} time)"
    context = {
        "link": f"{office.evaluation_url}/{data.link_token}",
        "reminder": data.reminder,
        "occasion": data.occasion,
        "expires": date_text(to.lang, expires) + at + clock_text(to.lang, expires) + zone,
        "expires_date": date_text(to.lang, expires),
    }
    return _Told("evaluation_requested", context)


_COMPOSITIONS: dict[type, _Composition] = {
    ConsentRequested: _Composition(
        lambda event, _: [event.data.party_id], _plain("consent_requested")
    ),
    MeetingScheduled: _Composition(lambda event, _: _attending(event.data.participants), _booked),
    MeetingRescheduled: _Composition(lambda event, _: _attending(event.data.participants), _booked),
    Reminder: _Composition(
        lambda event, contacts: [] if contacts.ended else _attending(event.participants),
        _reminded,
    ),
    MeetingCancelled: _Composition(_told_of_cancellation, _cancelled),
    PartyWithdrew: _Composition(_told_of_withdrawal, _plain("mediation_ended")),
    CaseClosed: _Composition(_told_of_closing, _closed),
    SummaryShared: _Composition(
        lambda _, contacts: list(contacts.party_ids), _plain("summary_shared")
    ),
    EvaluationRequested: _Composition(_invited, _evaluation),
}
"""Every event that tells people something; any other event tells nobody."""


def audience(event: ComposeEvent, contacts: CaseContacts) -> list[str]:
    """The ids of the people ``event`` is told to, in a stable order (see the module text)."""
    composition = _COMPOSITIONS.get(type(event))
    if composition is None:
        return []
    return [p for p in composition.audience(event, contacts) if contacts.may_be_told(p)]


# --- what ----------------------------------------------------------------------------------


def compose(event: ComposeEvent, contacts: CaseContacts, office: Office) -> list[Message]:
    """The messages ``event`` causes: one per reachable person in :func:`audience`."""
    messages = []
    for person_id in audience(event, contacts):
        recipient = contacts.recipient(person_id)
        if recipient is not None:
            messages.append(_message(event, recipient, contacts, office))
    return messages


def _message(
    event: ComposeEvent, recipient: Recipient, contacts: CaseContacts, office: Office
) -> Message:
    lang: Language = recipient.language
    person = contacts.person(recipient.person_id)
    assert person is not None, "a recipient is a person of the case"
    supported = contacts.supported_by(recipient.person_id)
    supported_person = contacts.people.get(supported) if supported is not None else None
    party = recipient.person_id if contacts.is_party(recipient.person_id) else supported
    to = _To(person_id=recipient.person_id, lang=lang, party=party)
    told = _COMPOSITIONS[type(event)].told(event, to, office, contacts)
    template = told.template
    context: dict[str, Any] = {
        "name": recipient.name,
        "office": office,
        "administration": person.kind == "administration",
        "p": _PRONOUNS[person.kind == "administration"],
        "companion_for": supported_person.name if supported_person is not None else None,
        "invitation": False,
        "agenda": [],
        **told.context,
    }

    if recipient.channel == "sms":
        subject, _ = _render_text(lang, template, context)
        text = " ".join(_SMS_ENV.get_template(f"{lang}/{template}.sms.j2").render(context).split())
        if len(text) > SMS_MAX_CHARS:
            raise ValueError(f"{lang}/{template}.sms.j2 gave {len(text)} characters")
        return Message(recipient=recipient, subject=subject, text=text)

    attachments: tuple[Attachment, ...] = ()
    if told.calendar is not None and recipient.channel == "email" and recipient.email is not None:
        context["invitation"] = True
        attachments = (_calendar_entry(event, told.calendar, recipient, context, office),)
    subject, text = _render_text(lang, template, context)
    return Message(recipient=recipient, subject=subject, text=text, attachments=attachments)


def _calendar_entry(
    event: ComposeEvent,
    calendar: Calendar,
    recipient: Recipient,
    context: dict[str, Any],
    office: Office,
) -> Attachment:
    method, sequence, starts_at, ends_at = calendar
    summary, location, description = _render_calendar(
        recipient.language, context, method == "CANCEL"
    )
    ics = invitation(
        meeting_id=_meeting_id(event),
        starts_at=starts_at,
        ends_at=ends_at,
        summary=summary,
        location=location,
        description=description,
        method=method,
        sequence=sequence,
        organizer_email=office.organizer_email,
        attendee=recipient,
        tz=office.timezone,
        stamp=event.time if isinstance(event, CloudEvent) else event.due_at,
        organizer_name=office.name,
    )
    return Attachment(
        filename="invitation.ics" if method == "REQUEST" else "cancellation.ics",
        content_type=f'text/calendar; method={method}; charset="utf-8"',
        data=ics,
    )


def _meeting_id(event: ComposeEvent) -> str:
    if isinstance(event, MeetingScheduled | MeetingRescheduled | MeetingCancelled):
        return event.data.meeting_id
    raise ValueError("only meeting events carry a calendar entry")


def _sequence(at: datetime) -> int:
    """SEQUENCE of a move or cancellation: seconds since :data:`SEQUENCE_EPOCH` of the event
    that caused it. Deterministic (a redelivered event gives the same file), higher for every
    later change of the same meeting, and above the booking's 0."""
    return max(1, int((at - SEQUENCE_EPOCH).total_seconds()))


# --- rendering -----------------------------------------------------------------------------


def _render_text(lang: Language, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject (the first line) and body of ``<lang>/<template>.txt.j2``."""
    rendered = _ENV.get_template(f"{lang}/{template}.txt.j2").render(context)
    subject, _, body = rendered.strip().partition("\n")
    return subject.strip(), _tidy(body)


def _render_calendar(
    lang: Language, context: dict[str, Any], cancelled: bool
) -> tuple[str, str | None, str]:
    rendered = _ENV.get_template(f"{lang}/calendar.txt.j2").render(context, cancelled=cancelled)
    summary, location, description = [*rendered.strip().split("\n", 2), "", ""][:3]
    return summary.strip(), location.strip() or None, _tidy(description)


def _tidy(text: str) -> str:
    """No trailing spaces, no runs of blank lines, no blank lines at either end."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


# --- words ---------------------------------------------------------------------------------


def _meeting(
    lang: Language,
    office: Office,
    kind: MeetingKind | None,
    format: MeetingFormat | None,
    location: Location | None,
    starts_at: datetime,
    ends_at: datetime | None,
    party: str | None,
) -> _Meeting:
    """``office``'s address stands in for a meeting at the premises without one. Of the
    seats and calls, only ``party``'s own is told (see :class:`_Meeting`)."""
    tz = office.timezone
    address = None
    if location is not None and location.kind == "premises":
        address = location.address or office.address
    seat = next((s for s in location.seats if s.party_id == party), None) if location else None
    call = next((c for c in location.calls if c.party_id == party), None) if location else None
    return _Meeting(
        kind=kind,
        format=format,
        location_kind=location.kind if location is not None else None,
        address=address,
        join_url=_safe_url(location.join_url) if location is not None else None,
        seated=seat is not None,
        room=" ".join(seat.room_name.split()) if seat and seat.room_name else None,
        call_number=call.number if call is not None else None,
        date=date_text(lang, starts_at.astimezone(tz)),
        when=_when(lang, tz, starts_at, ends_at, sms=False),
        when_sms=_when(lang, tz, starts_at, ends_at, sms=True),
    )


def _with_previous(
    meeting: _Meeting, lang: Language, tz: ZoneInfo, starts_at: datetime, ends_at: datetime
) -> _Meeting:
    return replace(
        meeting,
        previous_when=_when(lang, tz, starts_at, ends_at, sms=False),
        previous_when_sms=_when(lang, tz, starts_at, None, sms=True),
    )


def _safe_url(url: str | None) -> str | None:
    """A video link only when it is a plain https URL: no spaces, quotes or angle brackets,
    so it cannot pass for text around it or lead a mail program elsewhere. Anything else is
    left out and the text says the link will come from the office."""
    if url is None or not _SAFE_URL.fullmatch(url):
        return None
    return url


def _when(
    lang: Language, tz: ZoneInfo, starts_at: datetime, ends_at: datetime | None, *, sms: bool
) -> str:
    """e.g. "tirsdag den 31. marts 2026 kl. 10.00–11.30" / "Tuesday 31 March 2026, 10:00–11:30
    (Danish time)"; SMS without "den" and with a hyphen (an en dash is not in the GSM-7 set)."""
    start = starts_at.astimezone(tz)
    weekday = WEEKDAYS[lang][start.weekday()]
    dash = "-" if sms else "–"
    if lang == "da":
        den = "" if sms else "den "
        text = f"{weekday} {den}{date_text(lang, start)} kl. {clock_text(lang, start)}"
    else:
        text = f"{weekday} {date_text(lang, start)}, {clock_text(lang, start)}"
    if ends_at is not None:
        end = ends_at.astimezone(tz)
        if end.date() == start.date():
            text += f"{dash}{clock_text(lang, end)}"
        else:
            text += f" {dash} {_when(lang, tz, end, None, sms=True)}"
    if lang == "en" and not sms:
        text += f" ({_zone_name(tz)} time)"
    return text


def _zone_name(tz: ZoneInfo) -> str:
    return "Danish" if tz.key == "Europe/Copenhagen" else tz.key


def _follow_up(contact: FollowUpContact | None) -> _FollowUp | None:
    if contact is None:
        return None
    details = contact.contact
    return _FollowUp(
        name=contact.name,
        unit=contact.unit,
        phone=details.phone if details is not None else None,
        email=details.email if details is not None else None,
    )
