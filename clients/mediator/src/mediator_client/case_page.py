"""Everything the case page shows, gathered from the services in parallel.

What may be done is what the services say: intake's ``actions``, scheduling's suggestions and
refusals, notes' ``allowed``. The page only arranges it.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from mediation_contracts.commands import (
    CaseDetail,
    FollowUpView,
    MeetingView,
    PartyTopics,
    Reply,
    SlotView,
    SuggestSlots,
    SummaryState,
)
from mediation_contracts.events import MeetingFormat, MeetingKind, Party, PhoneCall
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mediator_client import i18n
from mediator_client.bus import BusUnavailable
from mediator_client.forms import (
    FOLLOW_UP_RESULTS,
    HELPED_PREFIX,
    REFLECTION_FACTORS,
    SUITED,
    one_party_allowed,
    one_party_only,
)
from mediator_client.gateway import Gateway
from mediator_client.identity import User
from mediator_client.web import NoAccess, client, lang_of, render

SLOT_COUNT = 6
# Notes answers these when the mediator is not (yet) the case's: the summary section is not
# theirs to see, so it is left out rather than shown as an error.
NOT_A_MEMBER = frozenset({"not_a_member", "other_tenant", "role_may_not"})
SUMMARY_FORMS = frozenset({"summary-wish", "summary", "sharing", "share"})
# The section of the page each form is in (meetings' forms are named per meeting: move-<id>).
SECTION_OF_FORM = {
    "take": "take",
    "assess": "assessment",
    "consent": "parties",
    "close": "close",
    "book": "meetings",
    "move": "meetings",
    "held": "meetings",
    "cancel": "meetings",
    # People: "people" (the party is gone), "party-<n>" and "companion-<n>" (per party).
    "people": "parties",
    "party": "parties",
    "companion": "parties",
    # The agenda: "agenda" (the party is gone), "topics-<n>" (per party).
    "agenda": "agenda",
    "topics": "agenda",
    # After the close: "follow-up" and "reflection".
    "follow": "follow_up",
    "reflection": "follow_up",
}
Stage = Literal[
    "refused",
    "requested",
    "accepted",
    "ready_for_scheduling",
    "meeting_booked",
    "meeting_held",
    "closed",
]
MEETING_FORMATS: tuple[MeetingFormat, ...] = ("joint", "shuttle", "individual", "phone", "video")
MEETING_KINDS: tuple[MeetingKind, ...] = ("pre_meeting", "mediation", "follow_up")


@dataclass
class PartyRow:
    party: Party
    consent: Literal["given", "missing", "declined", "withdrew"]
    is_requester: bool


@dataclass
class TopicsRow:
    """One party on the agenda panel: its topics as recorded (None: none yet)."""

    party: Party
    topics: PartyTopics | None


@dataclass
class MeetingRow:
    meeting: MeetingView
    party_name: str | None
    can_change: bool
    can_mark_held: bool
    move_slots: list[SlotView] = field(default_factory=list)
    move_error: str | None = None
    # Each party's own arrangement, for the mediator: (party's name, room) in shuttle
    # mediation, (party's name, who calls and on which number) in a phone meeting.
    seats: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Booking:
    kind: MeetingKind
    format: MeetingFormat
    party_id: str | None
    slots: list[SlotView]
    error: str | None


@dataclass
class TimelineRow:
    at: datetime
    text: str
    detail: str
    actor: str
    rejected: bool = False


@dataclass(frozen=True)
class Layout:
    """Where the case stands, and the page's sections in order: what to do now first (``now``),
    then the case's details; the history (timeline) always comes last."""

    stage: Stage
    now: tuple[str, ...]
    details: tuple[str, ...]


@dataclass
class SummaryPanel:
    state: SummaryState | None
    error: str | None


@dataclass
class FollowUpPanel:
    """After the close, for the case's mediator: insights' follow-up of the case (None: none
    is planned, e.g. no agreement) and the reflection form's first choice of format."""

    follow_up: FollowUpView | None
    error: str | None
    format_used: MeetingFormat


@dataclass
class Problems:
    """What went wrong with a form, to show next to it: ``form`` -> message, field messages,
    and the values the person entered (so nothing typed is lost)."""

    form: dict[str, str] = field(default_factory=dict)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


async def load_case(gateway: Gateway, user: User, case_id: UUID) -> CaseDetail:
    reply = await gateway.get_case(user.tenant, case_id, user.staff_id)
    if not reply.ok or reply.case is None:
        raise NoAccess
    return reply.case


async def show_case(
    request: Request,
    user: User,
    case_id: UUID,
    *,
    problems: Problems | None = None,
    status_code: int = 200,
    booking: dict[str, str] | None = None,
) -> HTMLResponse:
    c = client(request)
    lang = lang_of(request)
    case = await load_case(c.gateway, user, case_id)
    meetings_reply, summary = await asyncio.gather(
        _quietly(c.gateway.list_meetings(user.tenant, case_id)),
        _summary(c.gateway, user, case, c.identity.notes_token, lang),
    )
    now = datetime.now(UTC)
    names = party_names(case)
    # Meetings are planned by the case's own mediator; others (before taking it) only look.
    mine = case.mediator_id == user.staff_id
    meetings = _meetings(meetings_reply, case, now, mine, lang) if meetings_reply else []
    follow_up = (
        await _follow_up(c.gateway, user, case, meetings, lang)
        if mine and case.status == "closed"
        else None
    )
    booking_panel = None
    if mine and case.status in {"accepted", "ready_for_scheduling"}:
        booking_panel, _ = await asyncio.gather(
            _booking(c.gateway, user, case, meetings, booking or {}, lang),
            _move_suggestions(c.gateway, user, meetings, lang),
        )
    problems = problems or Problems()
    if summary is None and SUMMARY_FORMS & problems.form.keys():
        summary = SummaryPanel(None, None)  # the section shows at least why it failed
    layout = with_problems(stage_layout(case, [row.meeting for row in meetings], mine), problems)
    context: dict[str, Any] = {
        "case": case,
        "base": f"/cases/{case.case_id}",
        "layout": layout,
        "meeting_held": any(
            row.meeting.kind == "mediation" and row.meeting.status == "held" for row in meetings
        ),
        "actions": set(case.actions),
        **_party_choices(case),
        "names": names,
        "party_phones": party_phones(case) if mine else {},
        "mine": mine,
        "meetings": meetings,
        "meetings_unavailable": meetings_reply is None,
        "booking": booking_panel,
        "booking_chosen": bool(booking),
        "meeting_kinds": MEETING_KINDS,
        "meeting_formats": MEETING_FORMATS,
        "summary": summary,
        "follow_up": follow_up,
        **_after_close_choices(lang),
        "timeline": timeline(
            case,
            names,
            user,
            lang,
            [row.meeting for row in meetings],
            summary.state if summary is not None else None,
        ),
        "problems": problems,
        # A fresh submission id per form on the page: submitting one twice is one action.
        "new_id": lambda: str(uuid4()),
    }
    return render(request, "case.html", context, status_code)


def _after_close_choices(lang: i18n.Language) -> dict[str, list[tuple[str, str]]]:
    """The follow-up's and the reflection's options: (value, label)."""
    return {
        "follow_up_options": [
            (result, i18n.label(lang, "follow_up_result", result)) for result in FOLLOW_UP_RESULTS
        ],
        "format_options": [(f, i18n.label(lang, "meeting_format", f)) for f in MEETING_FORMATS],
        "helped_options": [
            (f"{HELPED_PREFIX}{factor}", i18n.label(lang, "reflection_factor", factor))
            for factor in REFLECTION_FACTORS
        ],
        "suited_options": [(answer, i18n.label(lang, "suited", answer)) for answer in SUITED],
    }


def _party_choices(case: CaseDetail) -> dict[str, Any]:
    """The parties as the page lists them, and as the forms offer them."""
    return {
        "parties": _parties(case),
        "party_options": [(party.party_id, party.name) for party in case.parties],
        "consent_options": [
            (party.party_id, party.name)
            for party in case.parties
            if party.party_id in case.consent_missing
        ],
        "topics_rows": [
            TopicsRow(party, next((t for t in case.topics if t.party_id == party.party_id), None))
            for party in case.parties
        ],
    }


async def _follow_up(
    gateway: Gateway, user: User, case: CaseDetail, meetings: list[MeetingRow], lang: i18n.Language
) -> FollowUpPanel:
    held = [
        row.meeting.format
        for row in meetings
        if row.meeting.kind == "mediation" and row.meeting.status == "held"
    ]
    format_used: MeetingFormat = held[-1] if held else "joint"
    reply = await _quietly(gateway.list_follow_ups(user.tenant, user.staff_id))
    if reply is None:
        return FollowUpPanel(None, i18n.translate(lang, "unavailable_inline"), format_used)
    if not reply.ok:
        return FollowUpPanel(None, refusal_text(reply, lang), format_used)
    mine = next((f for f in reply.follow_ups or [] if f.case_id == case.case_id), None)
    return FollowUpPanel(mine, None, format_used)


async def _quietly(asking: Awaitable[Reply]) -> Reply | None:
    """The answer, or None when the service does not answer: the rest of the page still helps."""
    try:
        return await asking
    except BusUnavailable:
        return None


def party_names(case: CaseDetail) -> dict[str, str]:
    names = {party.party_id: party.name for party in case.parties}
    for party in case.parties:
        if party.companion is not None:
            names[party.companion.companion_id] = party.companion.name
    return names


def _parties(case: CaseDetail) -> list[PartyRow]:
    rows = []
    for party in case.parties:
        consent: Literal["given", "missing", "declined", "withdrew"] = "missing"
        if party.party_id == case.withdrawn_by:
            consent = "withdrew"
        elif party.party_id == case.declined_by:
            consent = "declined"
        elif party.party_id in case.consented:
            consent = "given"
        requester = case.requester.party_id if case.requester is not None else None
        rows.append(PartyRow(party, consent, party.party_id == requester))
    return rows


def _meetings(
    reply: Reply, case: CaseDetail, now: datetime, mine: bool, lang: i18n.Language
) -> list[MeetingRow]:
    names = party_names(case)
    rows = []
    for meeting in sorted(reply.meetings or [], key=lambda m: m.starts_at):
        party = _one_party(meeting)
        scheduled = mine and meeting.status == "scheduled"
        rows.append(
            MeetingRow(
                meeting=meeting,
                party_name=names.get(party, party) if party else None,
                can_change=scheduled and meeting.starts_at > now,
                # Scheduling refuses "held" before the meeting has begun.
                can_mark_held=scheduled and meeting.starts_at <= now,
                seats=[
                    (names.get(s.party_id, s.party_id), s.room_name or s.room_id)
                    for s in meeting.location.seats
                ],
                calls=[
                    (names.get(c.party_id, c.party_id), _call_text(c, case, lang))
                    for c in meeting.location.calls
                ],
            )
        )
    return rows


def _one_party(meeting: MeetingView) -> str | None:
    """The party of a pre-meeting or an individual session (one party among the people)."""
    parties = [p.participant_id for p in meeting.participants if p.role == "party"]
    return parties[0] if len(parties) == 1 else None


def _call_text(call: PhoneCall, case: CaseDetail, lang: i18n.Language) -> str:
    """Who calls whom: the mediator sees the party's own number (the event carries none)."""
    if call.caller == "party":
        return i18n.translate(lang, "call_by_party", number=call.number or "")
    phone = party_phones(case).get(call.party_id)
    if phone is None:
        return i18n.translate(lang, "call_by_mediator_no_phone")
    return i18n.translate(lang, "call_by_mediator", phone=phone)


def party_phones(case: CaseDetail) -> dict[str, str]:
    """Each party's phone number, as intake keeps it (parties without one are left out)."""
    return {
        party.party_id: party.contact.phone
        for party in case.parties
        if party.contact is not None and party.contact.phone
    }


async def _booking(
    gateway: Gateway,
    user: User,
    case: CaseDetail,
    meetings: list[MeetingRow],
    chosen: dict[str, str],
    lang: i18n.Language,
) -> Booking:
    kind, meeting_format, party_id = _what_to_book(case, meetings, chosen)
    query = SuggestSlots(
        case_id=case.case_id, kind=kind, format=meeting_format, party_id=party_id, count=SLOT_COUNT
    )
    try:
        reply = await gateway.suggest_slots(user.tenant, query)
    except BusUnavailable:
        return Booking(
            kind, meeting_format, party_id, [], i18n.translate(lang, "unavailable_inline")
        )
    if not reply.ok:
        return Booking(kind, meeting_format, party_id, [], refusal_text(reply, lang))
    slots = reply.slots or []
    error = None if slots else i18n.translate(lang, "no_free_slots")
    return Booking(kind, meeting_format, party_id, slots, error)


def _what_to_book(
    case: CaseDetail, meetings: list[MeetingRow], chosen: dict[str, str]
) -> tuple[MeetingKind, MeetingFormat, str | None]:
    """What the person asked for, else the next meeting the case usually needs."""
    kind = next((k for k in MEETING_KINDS if k == chosen.get("kind")), None)
    if kind is None:
        booked = {row.meeting.kind for row in meetings if row.meeting.status != "cancelled"}
        if case.status == "accepted":
            kind = "pre_meeting"
        else:
            kind = "follow_up" if "mediation" in booked else "mediation"
    meeting_format: MeetingFormat = next(
        (f for f in MEETING_FORMATS if f == chosen.get("format")), "joint"
    )
    ids = [party.party_id for party in case.parties]
    party_id = chosen.get("party_id") if chosen.get("party_id") in ids else None
    if not one_party_allowed(kind, meeting_format):
        party_id = None  # a joint meeting and shuttle mediation are with every party
    elif one_party_only(kind, meeting_format) and party_id is None:
        party_id = next((p for p in case.consented if p in ids), ids[0])
    return kind, meeting_format, party_id


async def _move_suggestions(
    gateway: Gateway, user: User, meetings: list[MeetingRow], lang: i18n.Language
) -> None:
    async def suggest(row: MeetingRow) -> None:
        party = _one_party(row.meeting)
        meeting_format = row.meeting.format
        if meeting_format == "individual" and party is None:
            meeting_format = "joint"  # booked with every party, before sessions named one
        query = SuggestSlots(
            case_id=row.meeting.case_id,
            kind=row.meeting.kind,
            format=meeting_format,
            party_id=party,
            count=SLOT_COUNT,
        )
        try:
            reply = await gateway.suggest_slots(user.tenant, query)
        except BusUnavailable:
            row.move_error = i18n.translate(lang, "unavailable_inline")
            return
        if reply.ok:
            row.move_slots = reply.slots or []
        else:
            row.move_error = refusal_text(reply, lang)

    await asyncio.gather(*(suggest(row) for row in meetings if row.can_change))


async def _summary(
    gateway: Gateway,
    user: User,
    case: CaseDetail,
    token: Callable[[User], Awaitable[str]],
    lang: i18n.Language,
) -> SummaryPanel | None:
    if case.mediator_id != user.staff_id or case.status == "refused":
        return None
    try:
        reply = await gateway.summary_status(user.tenant, case.case_id, await token(user))
    except BusUnavailable:
        return SummaryPanel(None, i18n.translate(lang, "unavailable_inline"))
    if reply.ok and reply.summary_state is not None:
        return SummaryPanel(reply.summary_state, None)
    if reply.error is not None and reply.error.code in NOT_A_MEMBER:
        return None
    return SummaryPanel(None, refusal_text(reply, lang))


def refusal_text(reply: Reply, lang: i18n.Language) -> str:
    if reply.error is None:
        return i18n.translate(lang, "not_possible")
    return reply.error.message_da if lang == "da" else reply.error.message_en


def stage_layout(case: CaseDetail, meetings: list[MeetingView], mine: bool) -> Layout:
    """The case's stage, from intake's status and scheduling's meetings, and what the page
    shows first at that stage. What may be done in each section is still what the services
    say; this only decides the order."""
    mediation = [m for m in meetings if m.kind == "mediation" and m.status != "cancelled"]
    stage: Stage = case.status
    if case.status == "ready_for_scheduling" and mediation:
        held = any(m.status == "held" for m in mediation)
        stage = "meeting_held" if held else "meeting_booked"
    if not mine:
        # Before taking the case (or a case the viewer only looks at): what it is about.
        return Layout(stage, ("take",), ("request", "parties", "assessment", "agenda", "meetings"))
    details: tuple[str, ...] = (
        "request",
        "parties",
        "assessment",
        "agenda",
        "meetings",
        "summary",
    )
    # The topics are agreed at the pre-meetings and go out with the invitation to the
    # mediation meeting: the agenda comes before the booking, and with the booked meeting.
    now: tuple[str, ...] = {
        "refused": (),
        "requested": ("assessment",),
        "accepted": ("parties", "agenda", "meetings"),
        "ready_for_scheduling": ("agenda", "meetings", "summary"),
        "meeting_booked": ("meetings", "agenda", "summary"),
        "meeting_held": ("summary", "close"),
        "closed": ("closed", "follow_up", "summary"),
    }[stage]
    if "record_outcome" in case.actions and "close" not in now:
        details = (*details, "close")  # possible, but not the next step: below, with a warning
    return Layout(stage, now, tuple(name for name in details if name not in now))


def with_problems(layout: Layout, problems: Problems) -> Layout:
    """A form that failed is shown, with why, even where its stage would not show it."""
    missing: list[str] = []
    for form in problems.form:
        section = SECTION_OF_FORM.get(form.split("-", 1)[0] if "-" in form else form)
        section = section or ("summary" if form in SUMMARY_FORMS else None)
        if section and section not in layout.now + layout.details + tuple(missing):
            missing.append(section)
    return Layout(layout.stage, (*missing, *layout.now), layout.details)


def timeline(
    case: CaseDetail,
    names: dict[str, str],
    user: User,
    lang: i18n.Language,
    meetings: list[MeetingView] | None = None,
    summary: SummaryState | None = None,
) -> list[TimelineRow]:
    """Intake's timeline and refusals, scheduling's meetings at their time (booked, held or
    cancelled) and notes' summary history: ids and codes made readable, never content."""

    def who(actor: str | None) -> str:
        if actor is None:
            return ""
        if actor == user.staff_id:
            return i18n.translate(lang, "actor_you")
        return names.get(actor, actor)

    rows = _intake_rows(case, names, who, lang)
    rows += [
        TimelineRow(
            at=meeting.starts_at,
            text=i18n.label(lang, "meeting_kind", meeting.kind),
            detail=i18n.label(lang, "meeting_status", meeting.status),
            actor="",
        )
        for meeting in meetings or []
    ]
    rows += [
        TimelineRow(
            at=entry.at,
            text=i18n.label(lang, "event", event_key(entry.type)),
            detail=names.get(entry.party_id, entry.party_id) if entry.party_id else "",
            actor="",
        )
        for entry in (summary.history if summary is not None else [])
    ]
    return sorted(rows, key=lambda row: row.at)


def _intake_rows(
    case: CaseDetail, names: dict[str, str], who: Callable[[str | None], str], lang: i18n.Language
) -> list[TimelineRow]:
    """What intake applied (with who and why), and what it refused."""
    rows = [
        TimelineRow(
            at=entry.at,
            text=i18n.label(lang, "event", event_key(entry.type)),
            detail=" · ".join(
                part
                for part in (
                    names.get(entry.party_id, entry.party_id) if entry.party_id else "",
                    code_text(entry.code, lang),
                )
                if part
            ),
            actor=who(entry.actor_id),
        )
        for entry in case.timeline
    ]
    return rows + [
        TimelineRow(
            at=rejected.at,
            text=i18n.label(lang, "event", event_key(rejected.type)),
            detail=i18n.translate(lang, "timeline_rejected"),
            actor="",
            rejected=True,
        )
        for rejected in case.rejected
    ]


def event_key(event_type: str) -> str:
    """``dk.mediation.case.assessed.v1`` -> ``case_assessed``."""
    parts = event_type.split(".")
    return "_".join(parts[2:4]) if len(parts) == 5 else event_type


def code_text(code: str | None, lang: i18n.Language) -> str:
    if code is None:
        return ""
    for prefix in (
        "decision",
        "outcome",
        "closed_because",
        "withdrawn_by",
        "reason",
        "companion",
        "topics",
    ):
        text = i18n.label(lang, prefix, code)
        if text != code:
            return text
    return code
