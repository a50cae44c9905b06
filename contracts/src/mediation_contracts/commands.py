"""Request-reply commands and queries (the thin client and other systems use them).

Subjects ``mediation.cmd.v1.<tenant>.<service>.<command>``, outside the events stream so a
request is answered by the service, not acknowledged by JetStream. Every reply is a
:class:`Reply`: ``ok`` with a result, or a :class:`Refusal` with a stable ``code`` and a
message in Danish and English, fit to show a person.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    TypeAdapter,
    create_model,
    model_serializer,
)

from mediation_contracts.envelope import OpaqueId, Payload, TraceParent, UtcDatetime
from mediation_contracts.events import (
    Caller,
    CaseworkerChecklist,
    ContactDetails,
    EvaluationOccasion,
    FollowUpContact,
    FollowUpResult,
    LinkToken,
    Location,
    MeetingFormat,
    MeetingKind,
    Name,
    Outcome,
    Participant,
    Party,
    Requester,
    Topic,
)

COMMAND_PREFIX = "mediation.cmd.v1"


def command_subject(tenant: str, service: str, command: str) -> str:
    return f"{COMMAND_PREFIX}.{tenant}.{service}.{command}"


def command_subscription(service: str, command: str) -> str:
    """Subject matching one command for every tenant (``{tenant}`` is a FastStream path)."""
    return f"{COMMAND_PREFIX}.{{tenant}}.{service}.{command}"


class Command(Payload):
    command_id: UUID = Field(
        description="Idempotency key: sending the same command again gives the same answer."
    )
    case_id: UUID


# A plain https link: a host, then an optional port and path; no spaces, quotes or angle
# brackets, and no user part ("https://a.dk@b.dk" is refused) that could disguise the host.
HttpsUrl = Annotated[
    str,
    StringConstraints(
        max_length=500,
        pattern=r"^https://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
        r"(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]*)?$",
    ),
]


class BookMeeting(Command):
    """Book a meeting. The rules of each format are scheduling's (refused with a code): an
    `individual` session is with one named party; a `video` meeting needs its `join_url`; in a
    `phone` meeting, a party that calls is given the office's number from scheduling's policy."""

    kind: MeetingKind
    format: MeetingFormat
    starts_at: UtcDatetime
    party_id: OpaqueId | None = Field(
        default=None,
        description="The one party of a pre-meeting, or of an individual session (format "
        "`individual`) within the mediation; absent for a meeting with every party.",
    )
    with_note_taker: bool = False
    requested_by: OpaqueId
    join_url: HttpsUrl | None = Field(
        default=None,
        description="Video meetings only, and required there: the link the participants "
        "join by (https).",
    )
    phone_callers: dict[OpaqueId, Caller] = Field(
        default_factory=dict,
        description="Phone meetings only: who calls, by party id. A party not named is called "
        "by the mediator, on the number the party gave the office.",
    )


class MoveMeeting(Command):
    meeting_id: OpaqueId
    starts_at: UtcDatetime
    requested_by: OpaqueId


class CancelMeeting(Command):
    meeting_id: OpaqueId
    requested_by: OpaqueId


class MarkMeetingHeld(Command):
    meeting_id: OpaqueId
    marked_by: OpaqueId


class SuggestSlots(Payload):
    case_id: UUID
    kind: MeetingKind
    format: MeetingFormat
    party_id: OpaqueId | None = Field(
        default=None, description="The one party of a pre-meeting or of an individual session."
    )
    count: Annotated[int, Field(ge=1, le=20)] = 5
    after: UtcDatetime | None = Field(default=None, description="Default: now.")


class ListMeetings(Payload):
    case_id: UUID


class NotesRequest(Payload):
    """Every notes request names the case and carries the caller's signed token (JWT). Who
    the caller is in the case is decided by the notes service, never by the request."""

    case_id: UUID
    token: str = Field(min_length=1, max_length=8192, description="Signed JWT of the caller.")


class WriteSummary(NotesRequest):
    command_id: UUID
    text: str = Field(description="The short summary the citizen asked for. Confidential.")
    meeting_id: OpaqueId | None = None


class ReadSummaries(NotesRequest):
    pass


class ShareSummary(NotesRequest):
    command_id: UUID


class AuditTrail(NotesRequest):
    pass


# --- intake: the cases a mediator works on ----------------------------------------------

CaseStatus = Literal["refused", "requested", "accepted", "ready_for_scheduling", "closed"]
CaseAction = Literal[
    "take",
    "assess",
    "record_consent",
    "withdraw",
    "record_outcome",
    "name_note_taker",
    "change_people",
    "record_topics",
]


KEPT_SINCE_QUERIES = (
    "None only for a case opened before intake kept the request's details; such a case "
    "also shows each party's id as its name."
)


PageToken = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9T:.+-]{19,40}~[0-9a-f-]{36}$"),
    Field(description="Where a page of cases ended; pass it back as it is."),
]


class ListCases(Payload):
    """The cases ``viewer_id`` may see: those assigned to them, and the open unassigned ones
    they may take. Never another tenant's (the tenant is the subject's)."""

    viewer_id: OpaqueId = Field(description="Staff id of the mediator asking.")
    status: CaseStatus | None = Field(default=None, description="Only cases in this status.")
    limit: int = Field(
        default=50, ge=1, le=200, description="At most this many cases (newest request first)."
    )
    after: PageToken | None = Field(
        default=None,
        description="The `next_page` of the previous answer: the cases after its last one.",
    )


class GetCase(Payload):
    """One case, if ``viewer_id`` may see it (see :class:`ListCases`); else ``not_your_case``."""

    case_id: UUID
    viewer_id: OpaqueId


class CaseListItem(Payload):
    case_id: UUID
    case_kind: Literal["citizen_administration", "family"]
    status: CaseStatus
    requested_at: UtcDatetime
    matter_reference: str | None = Field(default=None, description=KEPT_SINCE_QUERIES)
    mediator_id: OpaqueId | None = None
    parties: list[Party] = Field(description="Without contact details.")
    consent_missing: list[OpaqueId] = Field(
        description="Parties whose consent to mediation is still missing (open cases)."
    )


class Assessment(Payload):
    decision: Literal["accepted", "declined"]
    reason: str | None = None
    assessed_by: OpaqueId
    assessed_at: UtcDatetime


class TimelineEntry(Payload):
    """One event intake applied or caused, oldest first. Ids and codes, no free text."""

    event_id: UUID
    type: str = Field(description="The event type, e.g. dk.mediation.case.assessed.v1.")
    at: UtcDatetime
    actor_id: OpaqueId | None = Field(
        default=None, description="Who did it: staff id or party id, when the event names one."
    )
    party_id: OpaqueId | None = Field(default=None, description="The party it concerns.")
    code: str | None = Field(
        default=None,
        description="The event's code, when it has one: decision (assessed), outcome "
        "(outcome_recorded), withdrawn_by (withdrew), closed_because (closed), reason_code "
        "(request_refused), changed or removed (companion_changed), agreed or not_agreed "
        "(topics_recorded).",
    )


class RejectedEvent(Payload):
    """An event intake refused for this case (it was dead-lettered); lets a sender see why."""

    event_id: UUID
    type: str
    at: UtcDatetime = Field(description="The rejected event's own time.")
    reason: str = Field(description="The rule that forbids it (ids only).")


class PartyTopics(Payload):
    """The topics a party wants to raise, as the case's mediator last recorded them."""

    party_id: OpaqueId
    topics: list[Topic]
    agreed_by_party: bool
    share_with_other_parties: bool
    recorded_by: OpaqueId
    recorded_at: UtcDatetime


class AgendaItem(Payload):
    """One topic on the mediation meeting's agenda, and the party that raises it."""

    party_id: OpaqueId
    topic: Topic


class CaseDetail(Payload):
    case_id: UUID
    case_kind: Literal["citizen_administration", "family"]
    status: CaseStatus
    requested_at: UtcDatetime
    requester: Requester | None = Field(default=None, description=KEPT_SINCE_QUERIES)
    parties: list[Party] = Field(description="With contact details and companions.")
    conflict_description: str | None = Field(default=None, description=KEPT_SINCE_QUERIES)
    matter_reference: str | None = Field(default=None, description=KEPT_SINCE_QUERIES)
    checklist: CaseworkerChecklist | None = Field(
        default=None,
        description="The caseworker's answers to the checklist, as the request carried them; "
        "null when none came with it.",
    )
    consented: list[OpaqueId]
    consent_missing: list[OpaqueId]
    declined_by: OpaqueId | None = None
    withdrawn_by: OpaqueId | None = None
    mediator_id: OpaqueId | None = None
    note_taker_id: OpaqueId | None = None
    assessment: Assessment | None = None
    outcome: Outcome | None = None
    closed_because: str | None = None
    follow_up_contact: FollowUpContact | None = None
    traceparent: TraceParent = Field(
        default=None,
        description="The W3C trace context the case's request came with (null: none). A "
        "caller that continues the case's work (the mediator client) sends it with the "
        "commands and events it sends for the case, so the case stays one trace.",
    )
    topics: list[PartyTopics] = Field(
        default_factory=list,
        description="Each party's topics for the mediation meeting as last recorded, agreed or "
        "not, in the parties' order; a party without recorded topics is absent.",
    )
    agenda: list[AgendaItem] = Field(
        default_factory=list,
        description="The mediation meeting's agenda: every party's agreed topics, party by "
        "party in the parties' order. Topics not (yet) agreed are not on it.",
    )
    timeline: list[TimelineEntry]
    rejected: list[RejectedEvent] = Field(default_factory=list)
    actions: list[CaseAction] = Field(
        description="What the viewer may do now, by the case's rules (the client offers these)."
    )


# --- insights: evaluations, follow-up and statistics -------------------------------------

Score = Annotated[int, Field(ge=1, le=5)]
EvaluationComment = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=r"\S")
]


class EvaluationAnswers(Payload):
    """1 (not at all) to 5 (very much); every question may be left out."""

    heard: Score | None = Field(
        default=None, description="Følte du dig hørt? / Did you feel heard?"
    )
    respected: Score | None = Field(
        default=None,
        description="Følte du dig mødt med respekt? / Did you feel met with respect?",
    )
    understood: Score | None = Field(
        default=None,
        description="Forstod du, hvordan mæglingen foregik? / Did you understand how the "
        "mediation worked?",
    )
    useful: Score | None = Field(
        default=None,
        description="Fik du noget ud af mæglingen? / Did the mediation help you?",
    )
    recommend: Score | None = Field(
        default=None,
        description="Vil du anbefale mægling til andre? / Would you recommend mediation to others?",
    )


EVALUATION_QUESTIONS: tuple[str, ...] = tuple(EvaluationAnswers.model_fields)


class OpenEvaluation(Payload):
    """Whether a link still works, before its questions are shown. One refusal,
    ``link_not_valid``, for a link that is unknown, used or expired: a guesser learns nothing."""

    link_token: LinkToken


class EvaluationForm(Payload):
    occasion: EvaluationOccasion
    expires_at: UtcDatetime
    questions: list[str] = Field(description="The keys of `EvaluationAnswers`, in order.")


class SubmitEvaluation(Payload):
    """Answer once. Kept without the link, the party or the case: from then on nobody can
    tell whose answer it is; the comment appears only in aggregate lists (see `Statistics`)."""

    link_token: LinkToken
    answers: EvaluationAnswers
    comment: EvaluationComment | None = Field(
        default=None,
        description="Optional free text. Never in events or logs; shown only in the "
        "statistics' list of comments of a period with at least 5 answers, in no order.",
    )


ReflectionFactor = Literal[
    "pre_meetings",
    "agreed_agenda",
    "companion",
    "separate_rooms",
    "breaks",
    "time_for_each_party",
    "administration_present",
    "follow_up_contact",
]


class RecordReflection(Command):
    """The mediator's own short, structured reflection on a case: codes only, never what
    was said. Once per case; sending it again replaces it."""

    mediator_id: OpaqueId
    format_used: MeetingFormat
    helped: list[ReflectionFactor] = Field(default_factory=list, max_length=8)
    mediation_suited: Literal["yes", "partly", "no"] = Field(
        description="Looking back: was mediation the right offer in this case?"
    )


class RecordFollowUp(Command):
    """Whether the agreement held, after the follow-up period; the case's mediator only."""

    recorded_by: OpaqueId
    result: FollowUpResult


class ListFollowUps(Payload):
    """The follow-ups of the cases ``viewer_id`` mediated, due ones first."""

    viewer_id: OpaqueId


class FollowUpView(Payload):
    case_id: UUID
    closed_at: UtcDatetime
    due_at: UtcDatetime
    status: Literal["pending", "due", "recorded"]
    result: FollowUpResult | None = None
    reflection_recorded: bool = False


YearMonth = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
SUPPRESSED = "<5"
Count = int | Literal["<5"]
"""A number of cases, or ``"<5"``: fewer than 5 cases (0 included) are never shown, and a
second cell is hidden where one hidden cell could be worked out from its total."""
Measure = float | Literal["<5"] | None
"""A median, percentile or average, or ``"<5"`` when fewer than 5 cases or answers give it;
``None`` when there is nothing to measure."""


class DaysToFirstMeeting(Payload):
    cases: Count = Field(description="Cases whose first meeting (of any kind) was held.")
    median: Measure
    p90: Measure


class EvaluationSummary(Payload):
    answers: Count
    averages: dict[str, Measure] = Field(description="By question (`EvaluationAnswers`).")
    comments: list[str] = Field(
        default_factory=list,
        description="The period's comments, in random order, only when it has at least 5 "
        "answers; never with a date, case or person.",
    )


class PeriodStatistics(Payload):
    """One period: each figure counts what happened in it (by the event's time)."""

    period: str = Field(description="e.g. 2026, 2026-Q3, 2026-09; `total` for all of them.")
    requests: Count
    refusals: dict[str, Count] = Field(
        description="By reason code: a refused request's code (e.g. in_complaint_handling), "
        "or assessment_declined."
    )
    acceptances: Count
    consents_declined: Count
    withdrawals: Count = Field(description="Never by whom.")
    meetings: dict[str, dict[str, Count]] = Field(description="Held meetings by kind, then format.")
    outcomes: dict[str, Count] = Field(description="Closed cases by outcome.")
    days_to_first_meeting: DaysToFirstMeeting
    follow_ups: dict[str, Count] = Field(description="Recorded follow-ups by result.")
    evaluations: EvaluationSummary


class GetStatistics(Payload):
    """The municipality's anonymous statistics from `from_month` to `to_month` (inclusive),
    one row per `period`, fed only by events. No names, ids or dates of a case."""

    from_month: YearMonth
    to_month: YearMonth
    period: Literal["month", "quarter", "year"] = "quarter"


class Statistics(Payload):
    from_month: YearMonth
    to_month: YearMonth
    period: Literal["month", "quarter", "year"]
    suppressed_below: int = Field(default=5, description="Fewer cases than this show as <5.")
    periods: list[PeriodStatistics]
    total: PeriodStatistics


# --- notes: what may be done with a case's summary ---------------------------------------


class SummaryStatus(NotesRequest):
    """What the caller may do with the case's summaries now, and the wishes recorded so far.
    Never content."""


class SummaryHistoryEntry(Payload):
    at: UtcDatetime
    type: str = Field(description="The event type, e.g. dk.mediation.summary.consent_withdrawn.v1.")
    party_id: OpaqueId | None = Field(default=None, description="The party it concerns.")


class SummaryState(Payload):
    """For the case's mediator or note-taker (others are refused). Party ids are sorted."""

    allowed: list[Literal["write", "read", "share", "audit"]] = Field(
        description="What the caller may do now: exactly what the commands would allow."
    )
    summary_consented: list[OpaqueId] = Field(
        description="Citizen parties who want a summary written."
    )
    summary_consent_missing: list[OpaqueId] = Field(
        description="Citizen parties whose wish for a summary is not recorded, or was "
        "withdrawn. Writing needs every citizen party's wish."
    )
    sharing_agreed: list[OpaqueId] = Field(description="Parties who agreed to sharing.")
    sharing_missing: list[OpaqueId] = Field(
        description="Parties (citizens and administrations) whose agreement to sharing is "
        "missing. Sharing needs every party's agreement."
    )
    summary_count: int = Field(description="Summaries held; 0 once destroyed.")
    shared: bool = Field(description="A summary was shared with the parties.")
    destroyed: bool = Field(
        description="The case's key was destroyed: its summaries can never be read again."
    )
    history: list[SummaryHistoryEntry] = Field(
        default_factory=list,
        description="What happened to the summary, oldest first: each citizen's latest word "
        "on a summary, each summary written (while it exists) and the destruction. Ids, "
        "event types and times only, never content.",
    )


# --- data rights (issue 21): what a service holds about a person, and erasing it ---------
# Sent by the municipality's data protection office to every service that keeps personal
# data (``DATA_HOLDERS``); each answers its own part. See README "Data protection".

PersonalDataKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,39}$")]
KnownValue = Annotated[str, StringConstraints(min_length=3, max_length=200)]


class PersonRequest(Payload):
    """A request about one person: their party id (as the case's request named them) and,
    where the office knows them, contact addresses the person gave (an e-mail address or a
    phone number), which also find cases where the person had another party id."""

    request_id: UUID = Field(description="The data protection office's reference.")
    party_id: OpaqueId
    contacts: list[KnownValue] = Field(
        default_factory=list,
        max_length=10,
        description="E-mail addresses or phone numbers the person is known by.",
    )
    requested_by: OpaqueId = Field(description="Staff id of the data protection officer.")


class PersonalDataRequest(PersonRequest):
    """Access (GDPR art. 15): everything the service holds that names the person."""


class ErasePerson(PersonRequest):
    """Erasure (GDPR art. 17) in the given closed cases: names and contact details are
    replaced; ids and codes stay, so statistics and audit stay whole. A case still open at
    the service is kept (``kept``, code ``case_open``)."""

    case_ids: list[UUID] = Field(
        min_length=1, max_length=200, description="The person's closed cases to erase them from."
    )
    values: list[KnownValue] = Field(
        default_factory=list,
        max_length=50,
        description="Names and addresses of the person other services reported, so a copy "
        "held here is erased as well; the service adds what it holds itself.",
    )


class CorrectPerson(PersonRequest):
    """Correction (GDPR art. 16) in the given closed cases: the person's name and contact
    details in the service's current records become these, whole (as in
    ``PartyDetailsCorrected``). Records of messages already sent stay as sent; a record
    already erased stays erased. A case still open is kept (``case_open``): its mediator
    corrects it (``PartyDetailsCorrected``), so that every service applies it in order."""

    case_ids: list[UUID] = Field(
        min_length=1, max_length=200, description="The person's closed cases to correct."
    )
    name: Name = Field(description="The person's name from now on.")
    contact: ContactDetails = Field(description="How the person is reached from now on, whole.")


class PersonalRecord(Payload):
    """One thing the service holds that names the person: the record as stored (only the
    part about the person; another person's data is left out and ``withheld`` says what)."""

    kind: PersonalDataKind = Field(description="e.g. party, timeline, meeting, message.")
    case_id: UUID | None = None
    data: dict[str, Any]
    withheld: list[str] = Field(
        default_factory=list,
        description="Codes of what was left out, e.g. message_text_of_another_person, "
        "summary_content.",
    )


class PersonalData(Payload):
    service: str
    party_id: OpaqueId
    cases: list[UUID] = Field(description="The cases the service holds the person in.")
    closed_cases: list[UUID] = Field(
        default_factory=list,
        description="Of `cases`, those the service knows to be closed (erasure is possible).",
    )
    records: list[PersonalRecord]
    retention: str = Field(description="How long the service keeps personal data, in Danish.")


class KeptCase(Payload):
    case_id: UUID
    reason: Literal["case_open", "unknown_case"]


class Correction(Payload):
    service: str
    corrected_cases: list[UUID]
    kept: list[KeptCase] = Field(default_factory=list)
    documents_changed: int = Field(description="Current records rewritten (not history).")


class Erasure(Payload):
    service: str
    erased_cases: list[UUID]
    kept: list[KeptCase] = Field(default_factory=list)
    documents_changed: int = Field(description="Stored records rewritten, history included.")
    stream_messages_deleted: int = Field(
        default=0, description="Events of those cases erased from the streams (intake only)."
    )


class Refusal(Payload):
    code: str = Field(description="Stable, for programs: e.g. mediator_busy, not_ready.")
    message_da: str
    message_en: str


class RoomView(Payload):
    room_id: OpaqueId
    name: str | None = None


class MeetingView(Payload):
    meeting_id: OpaqueId
    case_id: UUID
    kind: MeetingKind
    format: MeetingFormat
    status: Literal["scheduled", "cancelled", "held"]
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    local_time_zone: str = "Europe/Copenhagen"
    location: Location
    participants: list[Participant]
    rooms: list[RoomView] = Field(
        default_factory=list,
        description="The rooms of `location.room_ids`, in that order, with the names the "
        "municipality gave them in scheduling's policy (null when none).",
    )


class SlotView(Payload):
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    room_ids: list[OpaqueId]


class SummaryView(Payload):
    """Confidential: only in a reply to a caller the notes service allowed to read it."""

    summary_id: OpaqueId
    meeting_id: OpaqueId | None = None
    text: str
    recorded_by: OpaqueId
    recorded_at: UtcDatetime
    shared: bool


class AuditEntry(Payload):
    at: UtcDatetime
    subject: OpaqueId
    role: str
    action: Literal["write", "read", "share", "audit"]
    allowed: bool
    reason: str


class Reply(Payload):
    ok: bool
    meeting: MeetingView | None = None
    meetings: list[MeetingView] | None = None
    slots: list[SlotView] | None = None
    summaries: list[SummaryView] | None = None
    summary_id: OpaqueId | None = None
    audit: list[AuditEntry] | None = None
    cases: list[CaseListItem] | None = None
    next_page: PageToken | None = None
    case: CaseDetail | None = None
    summary_state: SummaryState | None = None
    evaluation: EvaluationForm | None = None
    follow_ups: list[FollowUpView] | None = None
    statistics: Statistics | None = None
    personal_data: PersonalData | None = None
    erasure: Erasure | None = None
    correction: Correction | None = None
    error: Refusal | None = None

    @model_serializer(mode="wrap")
    def _only_what_is_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``ok`` and the fields this reply carries: a result key that is not this command's
        is left out, never sent as ``null`` (each command's reply schema says which)."""
        dumped: dict[str, Any] = handler(self)
        return {key: value for key, value in dumped.items() if key == "ok" or value is not None}

    @classmethod
    def refused(cls, code: str, texts: Mapping[str, tuple[str, str]]) -> "Reply":
        """A refusal with the (Danish, English) text ``texts`` has for ``code``; a code
        without one gets a plain "not possible" (the code still tells a program why)."""
        danish, english = texts.get(code, ("Det kan ikke lade sig gøre.", "That is not possible."))
        return cls(ok=False, error=Refusal(code=code, message_da=danish, message_en=english))


# --- the command catalogue: each command's request and reply, as published schemas ------

RESULT_TYPES: Mapping[str, Any] = {
    "meeting": MeetingView,
    "meetings": list[MeetingView],
    "slots": list[SlotView],
    "summaries": list[SummaryView],
    "summary_id": OpaqueId,
    "audit": list[AuditEntry],
    "cases": list[CaseListItem],
    "next_page": PageToken,
    "case": CaseDetail,
    "summary_state": SummaryState,
    "evaluation": EvaluationForm,
    "follow_ups": list[FollowUpView],
    "statistics": Statistics,
    "personal_data": PersonalData,
    "erasure": Erasure,
    "correction": Correction,
}
"""The result fields of :class:`Reply`; an accepted command's reply carries the ones its
:class:`CommandSpec` names, and no other (absent, never ``null``)."""


@dataclass(frozen=True)
class CommandSpec:
    """One command of the contract: its request model, the result fields of its reply, and
    who may send it (the catalog's role names; NATS enforces it, see ``access``). Intake's
    and scheduling's answers trust the viewer or requester they are given, so only the
    mediator client may ask them; notes checks every caller's token itself."""

    request: type[Payload]
    result: tuple[str, ...]
    description: str
    callers: tuple[str, ...] = ("mediator client",)
    optional: tuple[str, ...] = ()
    """Result fields the reply carries only sometimes (absent otherwise)."""


COMMANDS: Mapping[str, Mapping[str, CommandSpec]] = {
    "intake": {
        "list_cases": CommandSpec(
            ListCases,
            ("cases",),
            "The cases a mediator may see: their own and the open ones no one has taken; "
            "newest request first, `limit` at a time. `next_page`, present when there are "
            "more, asks for the next page as `after`.",
            optional=("next_page",),
        ),
        "get_case": CommandSpec(
            GetCase,
            ("case",),
            "One case with its parties, timeline and what the viewer may do now; "
            "not_your_case when the viewer may not see it.",
        ),
    },
    "scheduling": {
        "book_meeting": CommandSpec(BookMeeting, ("meeting",), "Book a meeting for a case."),
        "move_meeting": CommandSpec(MoveMeeting, ("meeting",), "Move a booked meeting."),
        "cancel_meeting": CommandSpec(CancelMeeting, ("meeting",), "Cancel a booked meeting."),
        "mark_meeting_held": CommandSpec(
            MarkMeetingHeld, ("meeting",), "The mediator marks a meeting as held."
        ),
        "suggest_slots": CommandSpec(
            SuggestSlots, ("slots",), "The next free times for a meeting of the case."
        ),
        "list_meetings": CommandSpec(ListMeetings, ("meetings",), "The meetings of a case."),
    },
    "notes": {
        "write_summary": CommandSpec(
            WriteSummary,
            ("summary_id",),
            "The case's mediator or note-taker writes the summary the citizen asked for.",
        ),
        "read_summaries": CommandSpec(
            ReadSummaries,
            ("summaries",),
            "Read the case's summaries (staff of the case; parties once shared).",
            callers=("mediator client", "citizen portal", "case systems"),
        ),
        "share_summary": CommandSpec(
            ShareSummary,
            (),
            "The mediator shares the summaries with the parties, once all agreed.",
        ),
        "audit_trail": CommandSpec(
            AuditTrail, ("audit",), "Every access to the case's summaries; for its mediator."
        ),
        "summary_status": CommandSpec(
            SummaryStatus,
            ("summary_state",),
            "What the case's mediator or note-taker may do with its summaries now, and whose "
            "wish for a summary or agreement to sharing is missing; never content.",
        ),
    },
    "notifications": {},
    "insights": {
        "open_evaluation": CommandSpec(
            OpenEvaluation,
            ("evaluation",),
            "Whether an evaluation link works, and its questions; link_not_valid otherwise.",
            callers=("mediator client", "citizen portal"),
        ),
        "submit_evaluation": CommandSpec(
            SubmitEvaluation,
            (),
            "Answer an evaluation, once per link; link_not_valid for an unknown, used or "
            "expired link.",
            callers=("mediator client", "citizen portal"),
        ),
        "record_reflection": CommandSpec(
            RecordReflection,
            (),
            "The case's mediator records a short structured reflection (codes only).",
        ),
        "record_follow_up": CommandSpec(
            RecordFollowUp,
            (),
            "The case's mediator records whether the agreement held (FollowUpRecorded).",
        ),
        "list_follow_ups": CommandSpec(
            ListFollowUps, ("follow_ups",), "The follow-ups of a mediator's closed cases."
        ),
        "statistics": CommandSpec(
            GetStatistics,
            ("statistics",),
            "The municipality's statistics by period; every figure from fewer than 5 cases "
            "shows as <5.",
            callers=("mediator client", "ombudsman office", "case systems"),
        ),
    },
    # The HTTP gateway answers no command of its own on the bus, only the data-rights ones:
    # its delivery records keep copies of the events it sent to subscribing systems.
    "gateway": {},
}
"""Every command by service; :data:`mediation_contracts.access.COMMAND_CALLERS` says who
may send each."""

# --- data rights (issue 21): every service that keeps personal data answers these --------
DATA_PROTECTION_OFFICE = "data protection office"
DATA_HOLDERS = ("intake", "scheduling", "notes", "notifications", "insights", "gateway")
"""Every part of the system that keeps personal data: the five services and the HTTP gateway
(its delivery records and dead letters are copies of events, sent to subscribing systems)."""
DATA_RIGHTS_COMMANDS: Mapping[str, CommandSpec] = {
    "personal_data": CommandSpec(
        PersonalDataRequest,
        ("personal_data",),
        "Access: what the service holds that names a person (by party id or contact), "
        "for the municipality's data protection office.",
        callers=(DATA_PROTECTION_OFFICE,),
    ),
    "erase_person": CommandSpec(
        ErasePerson,
        ("erasure",),
        "Erasure: a person's names and contact details in the given closed cases are "
        "replaced, ids and codes kept; for the data protection office.",
        callers=(DATA_PROTECTION_OFFICE,),
    ),
    "correct_person": CommandSpec(
        CorrectPerson,
        ("correction",),
        "Correction: a person's name and contact details in the given closed cases become "
        "the given ones; for the data protection office.",
        callers=(DATA_PROTECTION_OFFICE,),
    ),
}
CONTACT_HOLDERS = ("intake", "notifications")
"""The services that keep names and contact details as their current records, and so answer
``correct_person``. The gateway does not: what it keeps are copies of events already sent,
which stay as sent (like notifications' sent messages); access and erasure reach them."""


def data_rights_commands(service: str) -> dict[str, CommandSpec]:
    """The data-rights commands ``service`` answers: access and erasure if it keeps personal
    data, correction too if it keeps names and contact details."""
    if service not in DATA_HOLDERS:
        return {}
    return {
        name: spec
        for name, spec in DATA_RIGHTS_COMMANDS.items()
        if name != "correct_person" or service in CONTACT_HOLDERS
    }


COMMANDS = {
    service: {**commands, **data_rights_commands(service)} for service, commands in COMMANDS.items()
}


class RefusedReply(Payload):
    """The service said no (or could not answer): ``code`` says why, for programs."""

    ok: Literal[False]
    error: Refusal


def _camel(command: str) -> str:
    return "".join(part.capitalize() for part in command.split("_"))


def reply_model(service: str, command: str) -> type[Payload]:
    """The reply of an accepted ``command``: ``ok`` true and exactly its result fields."""
    spec = COMMANDS[service][command]
    fields: dict[str, Any] = {name: (RESULT_TYPES[name], ...) for name in spec.result}
    fields.update({name: (RESULT_TYPES[name] | None, None) for name in spec.optional})
    model: type[Payload] = create_model(
        f"{_camel(command)}Accepted",
        __base__=Payload,
        __doc__=f"{service}.{command} was done; its result.",
        ok=(Literal[True], ...),
        **fields,
    )
    return model


def reply_adapter(service: str, command: str) -> TypeAdapter[Any]:
    """Validates (and describes) every reply ``command`` can get: accepted or refused."""
    accepted = reply_model(service, command)
    reply: Any = Annotated[accepted | RefusedReply, Field(title=f"{_camel(command)}Reply")]
    return TypeAdapter(reply)
