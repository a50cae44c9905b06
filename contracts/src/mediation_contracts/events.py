"""Every event type of the contract, version 1.

Each class documents its producers, consumers and sensitivity; the JSON Schemas in
``contracts/schemas/`` and the catalog in ``docs/events.md`` are generated from these classes.
Within v1, fields may be added but never removed or retyped.
"""

from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import Field, StringConstraints

from mediation_contracts.envelope import CloudEvent, OpaqueId, Payload, Tenant, UtcDatetime
from mediation_contracts.rules import Rule, has, when

# Stripped of surrounding whitespace; the pattern (some non-space) is what makes the published
# schema refuse blank text too, as the models do after stripping.
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"\S")
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"\S")
]
Language = Literal["da", "en"]
Channel = Literal["email", "sms", "digital_post"]

# --- building blocks -----------------------------------------------------------------------


class ContactDetails(Payload):
    """How to reach a person. Personal data: only in events whose consumers must reach them."""

    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")] | None = None
    preferred_channel: Channel = "email"
    language: Language = "da"


class Companion(Payload):
    """A bisidder: supports a party at meetings; never a party."""

    companion_id: OpaqueId
    name: Name
    contact: ContactDetails | None = None
    receives_invitations: bool = Field(
        default=True,
        description="The office sends this companion the invitations, changes, reminders and "
        "cancellations of the meetings they attend with their party, and the notice that the "
        "mediation ended. False: the party passes them on; the companion is told nothing.",
    )


class Party(Payload):
    party_id: OpaqueId = Field(description="Unique within the case.")
    kind: Literal["citizen", "administration"]
    name: Name = Field(description="The citizen's name, or the administrative unit's name.")
    contact: ContactDetails | None = None
    representative_ids: list[OpaqueId] = Field(
        default_factory=list,
        description="Administration only: staff ids of the employees representing the unit.",
    )
    companion: Companion | None = None


class Requester(Payload):
    kind: Literal["citizen", "administration", "ombudsman_office"]
    party_id: OpaqueId | None = Field(
        default=None, description="The requesting party; absent when the ombudsman office asks."
    )
    consents: bool = Field(
        default=False,
        description="The requesting party already consents to mediation by this request.",
    )


class FollowUpContact(Payload):
    """Who the citizen can contact later about the core problem (seed 001)."""

    name: Name
    unit: Name | None = None
    contact: ContactDetails | None = None
    inform: bool = Field(
        default=False,
        description="The citizen agreed that this person is told they were named as the "
        "contact (notifications then tells them, with the citizen's name). False: nobody "
        "tells them; the name is only given to the citizen.",
    )


class Participant(Payload):
    participant_id: OpaqueId
    role: Literal["party", "mediator", "note_taker", "companion"]


PhoneNumber = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")]
Caller = Literal["party", "mediator"]


class Seat(Payload):
    """Shuttle mediation (seed 000): the room one party sits in, with its companion, while the
    mediator goes between the rooms. Office data, no personal data."""

    party_id: OpaqueId
    room_id: OpaqueId = Field(description="One of the location's `room_ids`.")
    room_name: ShortText | None = Field(
        default=None,
        description="The name people know the room by, as the office named it when the "
        "meeting was booked or moved; null when it has none.",
    )


class PhoneCall(Payload):
    """A meeting by phone: how one party is connected. Never carries a party's own number."""

    party_id: OpaqueId
    caller: Caller = Field(
        description="`party`: the party calls `number` at the meeting's start; `mediator`: "
        "the mediator calls the party on the number the party gave the office."
    )
    number: PhoneNumber | None = Field(
        default=None,
        description="The office's number the party calls; present exactly when the party calls.",
    )

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule(
            "number_when_the_party_calls",
            "number is given exactly when the party calls",
            lambda c: (c.number is not None) == (c.caller == "party"),
            {
                "if": has("caller", "party"),
                "then": {"properties": {"number": {"type": "string"}}, "required": ["number"]},
                "else": {"properties": {"number": {"type": "null"}}},
            },
            "full",
        ),
    )


def _seats_in_rooms(location: "Location") -> bool:
    return all(seat.room_id in location.room_ids for seat in location.seats)


def _one_each(location: "Location") -> bool:
    seated = [seat.party_id for seat in location.seats]
    called = [call.party_id for call in location.calls]
    return len(set(seated)) == len(seated) and len(set(called)) == len(called)


class Location(Payload):
    """Where a meeting takes place: the premises (rooms, address), the phone or a video link.
    Added within v1 and empty in events published before: ``seats`` (shuttle mediation: each
    party's own room) and ``calls`` (phone: who calls whom, per party)."""

    kind: Literal["premises", "phone", "video"]
    room_ids: list[OpaqueId] = Field(default_factory=list)
    address: ShortText | None = None
    join_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    seats: list[Seat] = Field(
        default_factory=list,
        description="Shuttle mediation: the room of each party (each party and its companion "
        "are told only their own). Empty for other formats.",
    )
    calls: list[PhoneCall] = Field(
        default_factory=list,
        description="A phone meeting: per party, who calls (each party and its companion are "
        "told only their own). Empty for other formats.",
    )

    rules: ClassVar[tuple[Rule, ...]] = (
        Rule("seats_in_rooms", "every seat's room_id is one of room_ids", _seats_in_rooms),
        Rule("one_seat_and_call_per_party", "a party has at most one seat and one call", _one_each),
    )


MeetingKind = Literal["pre_meeting", "mediation", "follow_up"]
MeetingFormat = Literal["joint", "shuttle", "individual", "phone", "video"]
Outcome = Literal["agreement", "partial_agreement", "no_agreement", "withdrawn", "declined"]

# --- the caseworker's checklist before proposing mediation (seed 004) ---------------------

CitizenHasAnswer = Literal["yes", "partly", "no"]
BothInterested = Literal["yes", "no", "unknown"]
OmbudsmanOfficeConsulted = Literal["yes", "no", "not_needed"]
SuitableForMediation = Literal["yes", "no", "unsure"]


class CaseworkerChecklist(Payload):
    """The caseworker's answers to the checklist the administration goes through before it
    proposes mediation. Codes only, no free text: two of the checklist's questions are
    answered by the request itself, "what is the core of the conflict?" by
    `conflict_description` and "who are the parties?" by `parties`. It informs the mediator's
    suitability assessment (`CaseAssessed`) and decides nothing."""

    citizen_has_answer: CitizenHasAnswer = Field(
        description="Has the citizen had an answer to what the complaint is about? "
        "`partly`: to some of it."
    )
    both_interested: BothInterested = Field(
        description="Are both parties interested in finding a solution to the conflict? "
        "`unknown`: the caseworker cannot tell (the office asks each party for consent anyway)."
    )
    alternatives_offered: bool = Field(
        description="The citizen was offered something other than traditional written "
        "complaint handling before this request, e.g. a talk or a meeting with the unit."
    )
    discussed_with_colleagues_or_leader: bool = Field(
        description="The caseworker talked with colleagues or their leader about ways to "
        "solve the conflict."
    )
    ombudsman_office_consulted: OmbudsmanOfficeConsulted = Field(
        description="Was the ombudsman office (Borgerrådgiveren) consulted about the "
        "conflict? `not_needed`: the caseworker judged it unnecessary."
    )
    suitable_for_mediation: SuitableForMediation = Field(
        description="The caseworker's view: is the conflict suited to a mediation or "
        "conflict-resolution meeting? The mediator's assessment decides."
    )
    completed_by: OpaqueId | None = Field(
        default=None, description="Staff id of the caseworker who answered the checklist."
    )


# --- case ----------------------------------------------------------------------------------

_CITIZEN = has("kind", "citizen")
_ADMINISTRATION = has("kind", "administration")


def _requester_is(kind: str) -> dict[str, Any]:
    return {"properties": {"requester": has("kind", kind)}, "required": ["requester"]}


def _unique_party_ids(data: "CaseRequestedData") -> bool:
    ids = [p.party_id for p in data.parties]
    return len(set(ids)) == len(ids)


def _kinds(data: "CaseRequestedData") -> list[str]:
    return [p.kind for p in data.parties]


def _requester_is_its_party(data: "CaseRequestedData") -> bool:
    requester = data.requester
    if requester.kind == "ombudsman_office":
        return True
    party = next((p for p in data.parties if p.party_id == requester.party_id), None)
    return party is not None and party.kind == requester.kind


CASE_REQUEST_RULES = (
    Rule(
        "party_ids_unique",
        "party_id must be unique within the case",
        _unique_party_ids,
    ),
    Rule(
        "citizen_administration_parties",
        "a citizen-administration case needs a citizen and an administration",
        lambda d: (
            d.case_kind != "citizen_administration"
            or ("citizen" in _kinds(d) and "administration" in _kinds(d))
        ),
        # case_kind defaults to citizen_administration: absent, the rule applies too.
        when(
            {"properties": {"case_kind": {"const": "citizen_administration"}}},
            {
                "properties": {
                    "parties": {"allOf": [{"contains": _CITIZEN}, {"contains": _ADMINISTRATION}]}
                }
            },
        ),
        "full",
    ),
    Rule(
        "family_citizens",
        "a family case needs at least two citizens",
        lambda d: d.case_kind != "family" or _kinds(d).count("citizen") >= 2,
        when(
            has("case_kind", "family"),
            {"properties": {"parties": {"contains": _CITIZEN, "minContains": 2}}},
        ),
        "full",
    ),
    Rule(
        "ombudsman_office_not_a_party",
        "the ombudsman office is not a party and cannot consent",
        lambda d: (
            d.requester.kind != "ombudsman_office"
            or (d.requester.party_id is None and not d.requester.consents)
        ),
        when(
            _requester_is("ombudsman_office"),
            {
                "properties": {
                    "requester": {
                        "properties": {"party_id": {"type": "null"}, "consents": {"const": False}}
                    }
                }
            },
        ),
        "full",
    ),
    Rule(
        "requester_is_a_party",
        "requester.party_id must name a party of the requester's kind",
        _requester_is_its_party,
        # The schema checks that a requesting party gives its party_id and that a party of its
        # kind exists; not that the id is that party's (a reference into another array).
        {
            "allOf": [
                when(
                    _requester_is(kind),
                    {
                        "properties": {
                            "requester": {
                                "required": ["party_id"],
                                "properties": {"party_id": {"type": "string"}},
                            },
                            "parties": {"contains": has("kind", kind)},
                        }
                    },
                )
                for kind in ("citizen", "administration")
            ]
        },
        "partial",
    ),
)


class CaseRequestedData(Payload):
    case_kind: Literal["citizen_administration", "family"] = "citizen_administration"
    requester: Requester
    parties: list[Party] = Field(min_length=2, max_length=10)
    conflict_description: ShortText = Field(
        description="Short, non-confidential description of the core of the conflict "
        "(how the citizen was met, not the matter itself)."
    )
    matter_reference: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    in_complaint_handling: bool = Field(
        description="The matter is in formal complaint handling; mediation cannot run in parallel."
    )
    checklist: CaseworkerChecklist | None = Field(
        default=None,
        description="The caseworker's answers to the checklist before proposing mediation. "
        "Sent when the administration asks (`requester.kind` `administration`); other "
        "requesters leave it out, but a request is never refused for carrying one. Absent: "
        "none came with the request. Not confidential: codes and a staff id.",
    )

    rules = CASE_REQUEST_RULES


class CaseRequested(CloudEvent):
    """Someone asks for mediation. Opens a case unless the matter is in complaint handling."""

    aggregate = "case"
    event = "requested"
    sensitivity = "personal"
    producers = ("citizen portal", "case systems", "ombudsman office", "mediator client")
    consumers = ("intake", "scheduling", "notes", "notifications", "insights")
    type: Literal["dk.mediation.case.requested.v1"]
    data: CaseRequestedData


class CaseRequestRefusedData(Payload):
    reason_code: Literal["in_complaint_handling"]
    reason: ShortText


class CaseRequestRefused(CloudEvent):
    """The request was not opened for mediation; the requester is told why."""

    aggregate = "case"
    event = "request_refused"
    sensitivity = "internal"
    producers = ("intake",)
    consumers = ("requesting systems", "insights")
    type: Literal["dk.mediation.case.request_refused.v1"]
    data: CaseRequestRefusedData


DECLINED_HAS_REASON = Rule(
    "declined_has_reason",
    "a declined assessment needs a reason",
    lambda d: d.decision != "declined" or d.reason is not None,
    when(
        has("decision", "declined"),
        {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
    ),
    "full",
)


class CaseAssessedData(Payload):
    decision: Literal["accepted", "declined"]
    reason: ShortText | None = Field(default=None, description="Required when declined.")
    assessed_by: OpaqueId

    rules = (DECLINED_HAS_REASON,)


class CaseAssessed(CloudEvent):
    """The mediator's suitability assessment: can mediation add value here?"""

    aggregate = "case"
    event = "assessed"
    sensitivity = "internal"
    producers = ("mediator client",)
    consumers = ("intake", "scheduling", "insights")
    type: Literal["dk.mediation.case.assessed.v1"]
    data: CaseAssessedData


# A compact JWE; room for an identity token of 16 KiB once sealed and base64url-encoded.
SealedProof = Annotated[str, StringConstraints(min_length=1, max_length=32_768)]


class MediatorAssignedData(Payload):
    mediator_id: OpaqueId
    note_taker_id: OpaqueId | None = None
    proof: SealedProof | None = Field(
        default=None,
        description="Who made this assignment, for notes, which grants the mediator and "
        "note-taker access to the case's summaries only with it. A compact JWE "
        "(alg ECDH-ES+A256KW, enc A256GCM, kid of the key) sealed to notes' public proof key, "
        "so only notes can open it. Its plaintext is a JSON object: `token`, the acting "
        "person's identity token (the signed JWT they use for notes' commands), and the one "
        "event it authorises: `event_id`, `tenant`, `case_id`, `time` (this event's), "
        "`mediator_id` and `note_taker_id` (null when none). Intake and scheduling ignore it.",
    )


class MediatorAssigned(CloudEvent):
    """A mediator (and optionally a note-taker) takes the case; a later one replaces them.
    Notes lets them read the case's summaries only with a proof of who made it (`proof`)."""

    aggregate = "mediator"
    event = "assigned"
    sensitivity = "internal"
    producers = ("mediator client",)
    consumers = ("intake", "scheduling", "notes", "insights")
    type: Literal["dk.mediation.mediator.assigned.v1"]
    data: MediatorAssignedData


class AssignmentProof(Payload):
    """The plaintext of ``MediatorAssignedData.proof``: the identity token of the person who
    made the assignment, bound to the one event it authorises. Never sent in clear: the
    producer seals it to notes' public key, and only notes opens it."""

    BINDING: ClassVar[tuple[str, ...]] = (
        "event_id",
        "tenant",
        "case_id",
        "time",
        "mediator_id",
        "note_taker_id",
    )

    token: str = Field(
        min_length=1,
        max_length=16_384,
        repr=False,  # a bearer token: never in a repr, a log line or an error
        description="The acting person's identity token, as sent with notes' commands.",
    )
    event_id: UUID
    tenant: Tenant
    case_id: UUID
    time: UtcDatetime
    mediator_id: OpaqueId
    note_taker_id: OpaqueId | None

    @classmethod
    def of(cls, event: MediatorAssigned, token: str) -> Self:
        """The proof that whoever ``token`` names made exactly ``event``."""
        return cls(
            token=token,
            event_id=event.id,
            tenant=event.tenant,
            case_id=event.subject,
            time=event.time,
            mediator_id=event.data.mediator_id,
            note_taker_id=event.data.note_taker_id,
        )

    def mismatch(self, event: MediatorAssigned) -> str | None:
        """The first bound field in which ``event`` is not the one this proof authorises."""
        expected = AssignmentProof.of(event, self.token)
        return next(
            (name for name in self.BINDING if getattr(self, name) != getattr(expected, name)),
            None,
        )


class ConsentRequestedData(Payload):
    party_id: OpaqueId
    party_kind: Literal["citizen", "administration"]


class ConsentRequested(CloudEvent):
    """Ask a party whether it wants to take part (participation is voluntary)."""

    aggregate = "consent"
    event = "requested"
    sensitivity = "internal"
    producers = ("intake",)
    consumers = ("notifications",)
    type: Literal["dk.mediation.consent.requested.v1"]
    data: ConsentRequestedData


class ConsentAnswerData(Payload):
    party_id: OpaqueId
    recorded_by: OpaqueId | None = Field(
        default=None, description="Staff id when recorded on the party's behalf (phone, letter)."
    )


class ConsentGiven(CloudEvent):
    """A party agrees to take part in the mediation."""

    aggregate = "consent"
    event = "given"
    sensitivity = "internal"
    producers = ("citizen portal", "mediator client")
    consumers = ("intake", "scheduling")
    type: Literal["dk.mediation.consent.given.v1"]
    data: ConsentAnswerData


class ConsentDeclined(CloudEvent):
    """A party does not want mediation; the case closes as declined."""

    aggregate = "consent"
    event = "declined"
    sensitivity = "internal"
    producers = ("citizen portal", "mediator client")
    consumers = ("intake", "insights")
    type: Literal["dk.mediation.consent.declined.v1"]
    data: ConsentAnswerData


class PartyWithdrewData(Payload):
    participant_id: OpaqueId = Field(description="The party's id, or the mediator's staff id.")
    withdrawn_by: Literal["party", "mediator"]


class PartyWithdrew(CloudEvent):
    """A party or the mediator ends the mediation. Carries no reason: withdrawal needs none."""

    aggregate = "party"
    event = "withdrew"
    sensitivity = "internal"
    producers = ("citizen portal", "mediator client")
    consumers = ("intake", "scheduling", "notes", "notifications", "insights")
    type: Literal["dk.mediation.party.withdrew.v1"]
    data: PartyWithdrewData


# --- people: who a party brings and how a party is reached change during a case ----------


class CompanionChangedData(Payload):
    party_id: OpaqueId = Field(description="The party the companion supports.")
    companion: Companion | None = Field(
        default=None,
        description="The party's companion from now on, whole: the same companion_id changes "
        "that companion's details, another id replaces them; absent (or null) removes the "
        "companion.",
    )
    changed_by: OpaqueId = Field(description="Staff id of the case's mediator.")


class CompanionChanged(CloudEvent):
    """The mediator adds, changes or removes a party's companion (bisidder). Later messages
    follow it; nothing already sent is sent again."""

    aggregate = "party"
    event = "companion_changed"
    sensitivity = "personal"
    producers = ("mediator client",)
    consumers = ("intake", "scheduling", "notifications")
    type: Literal["dk.mediation.party.companion_changed.v1"]
    data: CompanionChangedData


class PartyDetailsCorrectedData(Payload):
    party_id: OpaqueId
    name: Name = Field(description="The party's name from now on (the citizen's, or the unit's).")
    contact: ContactDetails = Field(description="How the party is reached from now on, whole.")
    changed_by: OpaqueId = Field(description="Staff id of the case's mediator.")


class PartyDetailsCorrected(CloudEvent):
    """The mediator corrects a party's name or contact details. Later messages go to the new
    address; nothing already sent is sent again."""

    aggregate = "party"
    event = "details_corrected"
    sensitivity = "personal"
    producers = ("mediator client",)
    consumers = ("intake", "notifications")
    type: Literal["dk.mediation.party.details_corrected.v1"]
    data: PartyDetailsCorrectedData


# --- agenda: the topics each party agreed at its pre-meetings (seed 001) -----------------

# A heading on one line: no control characters (so no line breaks), some non-space. Linear to
# match (the first two classes are disjoint), also for validators that backtrack.
TOPIC_PATTERN = r"^[^\S\x00-\x1f\x7f\u2028\u2029]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f\u2028\u2029]*$"
TOPIC_MAX_LENGTH = 120
MAX_TOPICS = 10
Topic = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=TOPIC_MAX_LENGTH, pattern=TOPIC_PATTERN
    ),
]

SHARED_TOPICS_AGREED = Rule(
    "shared_topics_agreed",
    "topics are shared with the other parties only when the party agreed them",
    lambda d: not d.share_with_other_parties or d.agreed_by_party,
    when(
        {
            "properties": {"share_with_other_parties": {"const": True}},
            "required": ["share_with_other_parties"],
        },
        {"properties": {"agreed_by_party": {"const": True}}},
    ),
    "full",
)


class PartyTopicsRecordedData(Payload):
    party_id: OpaqueId = Field(description="The party whose topics these are.")
    topics: list[Topic] = Field(
        max_length=MAX_TOPICS,
        description="The topics the party wants to raise at the mediation meeting, whole: "
        "short headings agreed with the party (at most 10, each one line of at most 120 "
        "characters), never what was said at a meeting. They replace the party's earlier "
        "topics; an empty list removes them.",
    )
    agreed_by_party: bool = Field(
        description="The party agreed these headings. Only agreed topics are on the agenda."
    )
    share_with_other_parties: bool = Field(
        default=False,
        description="The party agrees that the other parties are sent these topics with "
        "their invitation to the mediation meeting. False: only the party itself (and its "
        "companion) and the mediator see them.",
    )
    recorded_by: OpaqueId = Field(description="Staff id of the case's mediator.")

    rules = (SHARED_TOPICS_AGREED,)


class PartyTopicsRecorded(CloudEvent):
    """The mediator records the topics a party wants to raise, as agreed with the party at
    its pre-meetings. The mediation meeting's agenda is every party's agreed topics: the
    mediator sees it, and each party's invitation lists its own agreed topics and those the
    other parties agreed to share. Headings only, never meeting content; notes is not told."""

    aggregate = "party"
    event = "topics_recorded"
    sensitivity = "personal"
    producers = ("mediator client",)
    consumers = ("intake", "notifications")
    type: Literal["dk.mediation.party.topics_recorded.v1"]
    data: PartyTopicsRecordedData


class CaseReadyForSchedulingData(Payload):
    party_ids: list[OpaqueId]
    mediator_id: OpaqueId
    note_taker_id: OpaqueId | None = None


class CaseReadyForScheduling(CloudEvent):
    """Accepted, mediator assigned, every party consented: the meeting may be booked. Once."""

    aggregate = "case"
    event = "ready_for_scheduling"
    sensitivity = "internal"
    producers = ("intake",)
    consumers = ("scheduling",)
    type: Literal["dk.mediation.case.ready_for_scheduling.v1"]
    data: CaseReadyForSchedulingData


class OutcomeRecordedData(Payload):
    outcome: Literal["agreement", "partial_agreement", "no_agreement"]
    recorded_by: OpaqueId
    follow_up_contact: FollowUpContact | None = None


class OutcomeRecorded(CloudEvent):
    """The mediator records how the mediation ended; intake then closes the case."""

    aggregate = "case"
    event = "outcome_recorded"
    sensitivity = "personal"
    producers = ("mediator client",)
    consumers = ("intake",)
    type: Literal["dk.mediation.case.outcome_recorded.v1"]
    data: OutcomeRecordedData


class CaseClosedData(Payload):
    outcome: Outcome
    closed_because: Literal[
        "outcome_recorded", "assessment_declined", "consent_declined", "withdrawn"
    ]
    follow_up_contact: FollowUpContact | None = None


class CaseClosed(CloudEvent):
    """The case has ended, with its outcome. Nothing further happens to it."""

    aggregate = "case"
    event = "closed"
    sensitivity = "personal"
    producers = ("intake",)
    consumers = ("scheduling", "notes", "notifications", "insights")
    type: Literal["dk.mediation.case.closed.v1"]
    data: CaseClosedData


# --- meeting -------------------------------------------------------------------------------


class MeetingScheduledData(Payload):
    meeting_id: OpaqueId
    kind: MeetingKind
    format: MeetingFormat
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    location: Location
    participants: list[Participant]


class MeetingScheduled(CloudEvent):
    """A pre-meeting, mediation meeting or follow-up is booked."""

    aggregate = "meeting"
    event = "scheduled"
    sensitivity = "internal"
    producers = ("scheduling",)
    consumers = ("notifications", "insights")
    type: Literal["dk.mediation.meeting.scheduled.v1"]
    data: MeetingScheduledData


class MeetingRescheduledData(MeetingScheduledData):
    previous_starts_at: UtcDatetime
    previous_ends_at: UtcDatetime


class MeetingRescheduled(CloudEvent):
    """A booked meeting moved; carries the whole new booking and the old time."""

    aggregate = "meeting"
    event = "rescheduled"
    sensitivity = "internal"
    producers = ("scheduling",)
    consumers = ("notifications", "insights")
    type: Literal["dk.mediation.meeting.rescheduled.v1"]
    data: MeetingRescheduledData


class MeetingCancelledData(Payload):
    meeting_id: OpaqueId
    starts_at: UtcDatetime
    reason_code: Literal["requested", "case_withdrawn", "case_closed"]


class MeetingCancelled(CloudEvent):
    """A booked meeting will not take place. The reason is a neutral code."""

    aggregate = "meeting"
    event = "cancelled"
    sensitivity = "internal"
    producers = ("scheduling",)
    consumers = ("notifications", "insights")
    type: Literal["dk.mediation.meeting.cancelled.v1"]
    data: MeetingCancelledData


class MeetingHeldData(Payload):
    meeting_id: OpaqueId
    held_at: UtcDatetime
    marked_by: OpaqueId


class MeetingHeld(CloudEvent):
    """The mediator marks a meeting as held."""

    aggregate = "meeting"
    event = "held"
    sensitivity = "internal"
    producers = ("scheduling",)
    consumers = ("insights",)
    type: Literal["dk.mediation.meeting.held.v1"]
    data: MeetingHeldData


# --- summary (the notes service; content never leaves it) --------------------------------


class SummaryConsentData(Payload):
    party_id: OpaqueId = Field(description="The citizen party whose wish this is.")
    recorded_by: OpaqueId = Field(description="Staff id of who recorded it.")


class SummaryConsentGiven(CloudEvent):
    """The citizen explicitly wants a short summary written. Without it no note may exist."""

    aggregate = "summary"
    event = "consent_given"
    sensitivity = "internal"
    producers = ("mediator client",)
    consumers = ("notes",)
    type: Literal["dk.mediation.summary.consent_given.v1"]
    data: SummaryConsentData


class SummaryConsentWithdrawn(CloudEvent):
    """The citizen no longer wants a summary: any summary of the case is destroyed."""

    aggregate = "summary"
    event = "consent_withdrawn"
    sensitivity = "internal"
    producers = ("mediator client",)
    consumers = ("notes",)
    type: Literal["dk.mediation.summary.consent_withdrawn.v1"]
    data: SummaryConsentData


class SummarySharingAgreedData(Payload):
    party_id: OpaqueId = Field(description="The party agreeing that the parties may read it.")
    recorded_by: OpaqueId


class SummarySharingAgreed(CloudEvent):
    """One party agrees that the summary may be shared with the parties."""

    aggregate = "summary"
    event = "sharing_agreed"
    sensitivity = "internal"
    producers = ("mediator client",)
    consumers = ("notes",)
    type: Literal["dk.mediation.summary.sharing_agreed.v1"]
    data: SummarySharingAgreedData


class SummaryRecordedData(Payload):
    summary_id: OpaqueId
    meeting_id: OpaqueId | None = None
    recorded_by: OpaqueId


class SummaryRecorded(CloudEvent):
    """A summary exists (its content stays in the notes service, encrypted)."""

    aggregate = "summary"
    event = "recorded"
    sensitivity = "internal"
    producers = ("notes",)
    consumers = ("mediator client",)
    type: Literal["dk.mediation.summary.recorded.v1"]
    data: SummaryRecordedData


class SummarySharedData(Payload):
    summary_id: OpaqueId
    shared_by: OpaqueId


class SummaryShared(CloudEvent):
    """The summary may now be read by the parties (they all agreed)."""

    aggregate = "summary"
    event = "shared"
    sensitivity = "internal"
    producers = ("notes",)
    consumers = ("notifications",)
    type: Literal["dk.mediation.summary.shared.v1"]
    data: SummarySharedData


class SummaryDestroyedData(Payload):
    reason_code: Literal["consent_withdrawn", "case_withdrawn", "retention_expired"]


class SummaryDestroyed(CloudEvent):
    """The case's data key is destroyed: its summaries can never be read again."""

    aggregate = "summary"
    event = "destroyed"
    sensitivity = "internal"
    producers = ("notes",)
    consumers = ("mediator client",)
    type: Literal["dk.mediation.summary.destroyed.v1"]
    data: SummaryDestroyedData


# --- notification --------------------------------------------------------------------------


class NotificationData(Payload):
    notification_id: OpaqueId
    recipient_id: OpaqueId = Field(description="The party's or companion's id; never an address.")
    channel: Channel
    trigger: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="What it was about: the CloudEvents type, or 'reminder'."
    )
    trigger_event_id: OpaqueId


class NotificationSent(CloudEvent):
    """A person was told something (no content, no address)."""

    aggregate = "notification"
    event = "sent"
    sensitivity = "internal"
    producers = ("notifications",)
    consumers = ("mediator client",)
    type: Literal["dk.mediation.notification.sent.v1"]
    data: NotificationData


class NotificationFailedData(NotificationData):
    reason_code: Annotated[str, StringConstraints(max_length=100)] = Field(
        description="e.g. smtp_550, no_address, gave_up_after_retries."
    )


class NotificationFailed(CloudEvent):
    """A person could not be told; staff should reach them another way."""

    aggregate = "notification"
    event = "failed"
    sensitivity = "internal"
    producers = ("notifications",)
    consumers = ("mediator client",)
    type: Literal["dk.mediation.notification.failed.v1"]
    data: NotificationFailedData


# --- evaluation and follow-up: learning from mediations (insights) -------------------------

EvaluationOccasion = Literal["meeting_held", "case_closed"]
LinkToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{32,64}$")]
"""The secret of a one-time evaluation link (random, URL-safe); insights keeps only its hash."""
FollowUpResult = Literal["held", "partly_held", "not_held", "no_contact"]


class EvaluationRequestedData(Payload):
    party_id: OpaqueId = Field(
        description="The party invited; notifications knows how to reach them."
    )
    occasion: EvaluationOccasion = Field(
        description="What is evaluated: the mediation meeting just held, or the case just "
        "closed. A party is invited once per case, at the first of the two."
    )
    link_token: LinkToken = Field(
        description="The secret of the party's one-time link to the questionnaire (no account "
        "needed). Whoever holds it can answer once; hence only notifications hears this event."
    )
    expires_at: UtcDatetime = Field(description="After this the link no longer works.")
    reminder: bool = Field(
        default=False,
        description="True for the one reminder, sent when the link is still unused after "
        "insights' reminder period; there is never a second.",
    )


class EvaluationRequested(CloudEvent):
    """A party is invited to evaluate the mediation: a few questions on a 1-5 scale and one
    optional comment, anonymous and voluntary. The answers are never linked to the party or
    the case, and never go on the bus."""

    aggregate = "evaluation"
    event = "requested"
    sensitivity = "personal"
    producers = ("insights",)
    consumers = ("notifications",)
    type: Literal["dk.mediation.evaluation.requested.v1"]
    data: EvaluationRequestedData


class FollowUpDueData(Payload):
    mediator_id: OpaqueId = Field(description="The case's mediator, who follows it up.")
    closed_at: UtcDatetime
    due_at: UtcDatetime


class FollowUpDue(CloudEvent):
    """The follow-up period after the case closed with an agreement has run out: its mediator
    checks with the parties whether the agreement held (seed 001: the good from the meeting
    continues). The mediator client lists it; a municipality's task system may too."""

    aggregate = "follow_up"
    event = "due"
    sensitivity = "internal"
    producers = ("insights",)
    consumers = ("case systems",)
    type: Literal["dk.mediation.follow_up.due.v1"]
    data: FollowUpDueData


class FollowUpRecordedData(Payload):
    result: FollowUpResult = Field(
        description="Whether the agreement held: held, partly_held, not_held, or no_contact "
        "(the mediator could not reach the parties)."
    )
    recorded_by: OpaqueId


class FollowUpRecorded(CloudEvent):
    """The mediator recorded how the follow-up went; ids and a code, nothing said."""

    aggregate = "follow_up"
    event = "recorded"
    sensitivity = "internal"
    producers = ("insights",)
    consumers = ("insights", "case systems")
    type: Literal["dk.mediation.follow_up.recorded.v1"]
    data: FollowUpRecordedData


ALL_EVENTS: tuple[type[CloudEvent], ...] = (
    CaseRequested,
    CaseRequestRefused,
    CaseAssessed,
    MediatorAssigned,
    ConsentRequested,
    ConsentGiven,
    ConsentDeclined,
    PartyWithdrew,
    CaseReadyForScheduling,
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    MeetingHeld,
    OutcomeRecorded,
    CaseClosed,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
    SummaryRecorded,
    SummaryShared,
    SummaryDestroyed,
    NotificationSent,
    NotificationFailed,
    CompanionChanged,
    PartyDetailsCorrected,
    PartyTopicsRecorded,
    EvaluationRequested,
    FollowUpDue,
    FollowUpRecorded,
)
