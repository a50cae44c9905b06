"""The forms people fill in, validated with pydantic; errors become plain-language messages
next to the field that caused them.

The forms check what a person can get wrong while typing (a missing name, an e-mail address
without @). Whether an action is allowed is for the services to say, never the client.
"""

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar, get_args
from uuid import UUID, uuid4

from mediation_contracts.commands import (
    EVALUATION_QUESTIONS,
    EvaluationAnswers,
    EvaluationComment,
    HttpsUrl,
    ReflectionFactor,
    YearMonth,
)
from mediation_contracts.envelope import OpaqueId
from mediation_contracts.events import (
    MAX_TOPICS,
    TOPIC_MAX_LENGTH,
    TOPIC_PATTERN,
    BothInterested,
    Caller,
    CaseRequestedData,
    CaseworkerChecklist,
    Channel,
    CitizenHasAnswer,
    Companion,
    ContactDetails,
    FollowUpContact,
    FollowUpResult,
    MeetingFormat,
    MeetingKind,
    OmbudsmanOfficeConsulted,
    Party,
    PartyTopicsRecordedData,
    Requester,
    SuitableForMediation,
)
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from mediator_client.i18n import Language, translate

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{6,20}$")]
StaffIds = Annotated[
    str,
    StringConstraints(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}(\s*,\s*[A-Za-z0-9][A-Za-z0-9._:@-]{0,127})*$"
    ),
]
SUMMARY_MAX_LENGTH = 4000  # the notes service's limit: a short summary, not minutes

# Which message a pattern mismatch gets, by field.
_PATTERN_MESSAGES = {
    "email": "invalid_email",
    "phone": "invalid_phone",
    "representatives": "invalid_staff_ids",
    "completed_by": "invalid_staff_id",
    "join_url": "invalid_join_url",
    "_month": "invalid_month",
}
CALLER_PREFIX = "caller_"

# The caseworker's checklist in the request form: ``checklist_<field of CaseworkerChecklist>``;
# its questions are the contract's required answers.
CHECKLIST_PREFIX = "checklist_"
CHECKLIST_QUESTIONS = tuple(
    f"{CHECKLIST_PREFIX}{name}"
    for name, answer in CaseworkerChecklist.model_fields.items()
    if answer.is_required()
)

# Radio buttons: nothing chosen is "choose one", not "fill in".
_CHOICES = frozenset(
    {"case_kind", "requester_kind", "in_complaint_handling", "decision", "party_id", "answer"}
    | {"kind", "format", "outcome", "phone_callers"}
    | {"result", "format_used", "mediation_suited", "period", *EVALUATION_QUESTIONS}
    | set(CHECKLIST_QUESTIONS)
    | {"preferred_channel", "language"}
)

F = TypeVar("F", bound="Form")


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    def problems(self) -> dict[str, str]:
        """Mistakes that involve more than one field: field -> message key."""
        return {}


class NewCaseForm(Form):
    """A request received by phone or letter. Party 1 is a citizen; party 2 is the
    administration's unit, or the second citizen in a family case."""

    case_kind: Literal["citizen_administration", "family"]
    requester_kind: Literal["citizen", "administration", "ombudsman_office"]
    requester_consents: bool = False
    party1_name: Text
    party1_email: Email | None = None
    party1_phone: Phone | None = None
    party1_companion: Text | None = None
    party2_name: Text
    party2_email: Email | None = None
    party2_phone: Phone | None = None
    party2_representatives: StaffIds | None = None
    party2_companion: Text | None = None
    conflict_description: ShortText
    matter_reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    in_complaint_handling: Literal["yes", "no"]
    # The caseworker's checklist: asked when the administration asks for mediation. The
    # yes/no questions' radio values "yes" and "no" are read as booleans.
    checklist_citizen_has_answer: CitizenHasAnswer | None = None
    checklist_both_interested: BothInterested | None = None
    checklist_alternatives_offered: bool | None = None
    checklist_discussed_with_colleagues_or_leader: bool | None = None
    checklist_ombudsman_office_consulted: OmbudsmanOfficeConsulted | None = None
    checklist_suitable_for_mediation: SuitableForMediation | None = None
    checklist_completed_by: OpaqueId | None = None

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.case_kind == "family" and self.requester_kind == "administration":
            found["requester_kind"] = "requester_family_is_citizen"
        if self.requester_kind == "ombudsman_office" and self.requester_consents:
            found["requester_consents"] = "ombudsman_cannot_consent"
        if self.case_kind == "family" and self.party2_representatives:
            found["party2_representatives"] = "representatives_only_administration"
        if self.requester_kind == "administration":
            found.update(
                (question, "checklist_answer_required")
                for question in CHECKLIST_QUESTIONS
                if getattr(self, question) is None
            )
        return found

    def checklist(self) -> CaseworkerChecklist | None:
        """The caseworker's answers, when the administration asks; other requesters have no
        caseworker's checklist, so answers given for them are not sent."""
        if self.requester_kind != "administration":
            return None
        return CaseworkerChecklist.model_validate(
            {
                name.removeprefix(CHECKLIST_PREFIX): value
                for name, value in self
                if name.startswith(CHECKLIST_PREFIX)
            }
        )

    def request(self) -> CaseRequestedData:
        second_kind: Literal["citizen", "administration"] = (
            "citizen" if self.case_kind == "family" else "administration"
        )
        first = Party(
            party_id="citizen-1",
            kind="citizen",
            name=self.party1_name,
            contact=_contact(self.party1_email, self.party1_phone),
            companion=_companion("companion-1", self.party1_companion),
        )
        second = Party(
            party_id=f"{second_kind}-{2 if second_kind == 'citizen' else 1}",
            kind=second_kind,
            name=self.party2_name,
            contact=_contact(self.party2_email, self.party2_phone),
            representative_ids=[
                staff.strip()
                for staff in (self.party2_representatives or "").split(",")
                if staff.strip()
            ],
            companion=_companion("companion-2", self.party2_companion),
        )
        requester_party = {"citizen": first.party_id, "administration": second.party_id}
        requester = Requester(
            kind=self.requester_kind,
            party_id=requester_party.get(self.requester_kind),
            consents=self.requester_consents,
        )
        return CaseRequestedData(
            case_kind=self.case_kind,
            requester=requester,
            parties=[first, second],
            conflict_description=self.conflict_description,
            matter_reference=self.matter_reference,
            in_complaint_handling=self.in_complaint_handling == "yes",
            checklist=self.checklist(),
        )


def _contact(email: str | None, phone: str | None) -> ContactDetails | None:
    return ContactDetails(email=email, phone=phone) if email or phone else None


def _companion(companion_id: str, name: str | None) -> Companion | None:
    return Companion(companion_id=companion_id, name=name) if name else None


class AssessForm(Form):
    decision: Literal["accepted", "declined"]
    reason: ShortText | None = None

    def problems(self) -> dict[str, str]:
        if self.decision == "declined" and not self.reason:
            return {"reason": "reason_required_when_declined"}
        return {}


class ConsentForm(Form):
    party_id: OpaqueId
    answer: Literal["given", "declined", "withdrew"]


class PartyForm(Form):
    party_id: OpaqueId


class NoteTakerForm(Form):
    note_taker_id: OpaqueId


class BookForm(Form):
    """A meeting to book. Per format (README, *Meeting formats*): a pre-meeting and an
    individual session are with one party, and a phone or video meeting may be; a video
    meeting has its link; in a phone meeting each party is called by the mediator or calls
    the office (radio buttons ``caller_<party id>``)."""

    kind: MeetingKind
    format: MeetingFormat
    party_id: OpaqueId | None = None
    starts_at: AwareDatetime
    join_url: HttpsUrl | None = None
    phone_callers: dict[OpaqueId, Caller] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _callers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        callers = {
            name.removeprefix(CALLER_PREFIX): value
            for name, value in data.items()
            if name.startswith(CALLER_PREFIX)
        }
        return {**data, "phone_callers": callers}

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.format == "video" and not self.join_url:
            found["join_url"] = "join_url_needed"
        if one_party_only(self.kind, self.format) and not self.party_id:
            found["party_id"] = "party_needed_for_meeting"
        return found

    def meeting_party(self) -> str | None:
        """The one party of the meeting, where the format allows one (else every party)."""
        return self.party_id if one_party_allowed(self.kind, self.format) else None


def one_party_only(kind: MeetingKind, format: MeetingFormat) -> bool:
    """A pre-meeting and an individual session are with one party."""
    return kind == "pre_meeting" or format == "individual"


def one_party_allowed(kind: MeetingKind, format: MeetingFormat) -> bool:
    """... and a phone or video meeting may be: an individual session by phone or video."""
    return one_party_only(kind, format) or format in ("phone", "video")


class MoveForm(Form):
    starts_at: AwareDatetime


class SummaryForm(Form):
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SUMMARY_MAX_LENGTH)
    ]
    meeting_id: OpaqueId | None = None


class CloseForm(Form):
    outcome: Literal["agreement", "partial_agreement", "no_agreement"]
    follow_up_name: Text
    follow_up_unit: Text | None = None
    follow_up_email: Email | None = None
    follow_up_phone: Phone | None = None
    # A checkbox: the citizen agreed that the contact person is told (notifications tells
    # them, by the address given here).
    follow_up_inform: bool = False

    def problems(self) -> dict[str, str]:
        if self.follow_up_inform and not (self.follow_up_email or self.follow_up_phone):
            return {"follow_up_inform": "inform_needs_address"}
        return {}

    def follow_up(self) -> FollowUpContact:
        return FollowUpContact(
            name=self.follow_up_name,
            unit=self.follow_up_unit,
            contact=_contact(self.follow_up_email, self.follow_up_phone),
            inform=self.follow_up_inform,
        )


# --- learning from mediations: follow-up, reflection, evaluation, statistics ----------------

FOLLOW_UP_RESULTS: tuple[FollowUpResult, ...] = ("held", "partly_held", "not_held", "no_contact")
REFLECTION_FACTORS: tuple[ReflectionFactor, ...] = get_args(ReflectionFactor)
HELPED_PREFIX = "helped_"
SUITED: tuple[Literal["yes", "partly", "no"], ...] = ("yes", "partly", "no")


class FollowUpForm(Form):
    """Whether the agreement held, asked after the follow-up period."""

    result: FollowUpResult


class ReflectionForm(Form):
    """The mediator's short reflection: codes only (checkboxes ``helped_<factor>``)."""

    format_used: MeetingFormat
    helped: list[ReflectionFactor] = Field(default_factory=list)
    mediation_suited: Literal["yes", "partly", "no"]

    @model_validator(mode="before")
    @classmethod
    def _ticked(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        ticked = [factor for factor in REFLECTION_FACTORS if data.get(f"{HELPED_PREFIX}{factor}")]
        return {**data, "helped": ticked}


SCORES = ("1", "2", "3", "4", "5")


class AnswersForm(Form):
    """A party's answers: each question 1-5 or left out, and an optional comment."""

    heard: Annotated[int, Field(ge=1, le=5)] | None = None
    respected: Annotated[int, Field(ge=1, le=5)] | None = None
    understood: Annotated[int, Field(ge=1, le=5)] | None = None
    useful: Annotated[int, Field(ge=1, le=5)] | None = None
    recommend: Annotated[int, Field(ge=1, le=5)] | None = None
    comment: EvaluationComment | None = None

    def answers(self) -> EvaluationAnswers:
        return EvaluationAnswers.model_validate(
            {question: getattr(self, question) for question in EVALUATION_QUESTIONS}
        )


class StatisticsForm(Form):
    """The period the statistics cover, and how they are grouped."""

    from_month: YearMonth
    to_month: YearMonth
    period: Literal["month", "quarter", "year"] = "quarter"

    def problems(self) -> dict[str, str]:
        if self.from_month > self.to_month:
            return {"to_month": "to_before_from"}
        return {}


# --- people change during a case ------------------------------------------------------------


class ContactForm(Form):
    """How someone is reached: the address of the chosen way must be given."""

    email: Email | None = None
    phone: Phone | None = None
    preferred_channel: Channel = "email"
    language: Literal["da", "en"] = "da"

    def problems(self) -> dict[str, str]:
        if self.preferred_channel == "email" and not self.email:
            return {"email": "email_needed_for_channel"}
        if self.preferred_channel == "sms" and not self.phone:
            return {"phone": "phone_needed_for_channel"}
        return {}

    def contact(self) -> ContactDetails:
        return ContactDetails(
            email=self.email,
            phone=self.phone,
            preferred_channel=self.preferred_channel,
            language=self.language,
        )


class PartyDetailsForm(ContactForm):
    """A party's name and contact details, corrected (``PartyDetailsCorrected``)."""

    name: Text


class CompanionForm(ContactForm):
    """A party's companion (bisidder), added or changed (``CompanionChanged``). Messages to a
    companion go by e-mail or SMS: Digital Post does not know them."""

    name: Text
    preferred_channel: Literal["email", "sms"] = "email"
    receives_invitations: bool = False  # a checkbox: sent only when ticked

    def problems(self) -> dict[str, str]:
        if not self.receives_invitations:
            return {}  # the party passes the invitations on: an address is only for the record
        if not (self.email or self.phone):
            return {"email": "companion_address_needed"}
        return super().problems()

    def companion(self, companion_id: str) -> Companion:
        contact = self.contact() if self.email or self.phone else None
        return Companion(
            companion_id=companion_id,
            name=self.name,
            contact=contact,
            receives_invitations=self.receives_invitations,
        )


# --- the agenda: the topics a party agreed at its pre-meetings -----------------------------

_TOPIC = re.compile(TOPIC_PATTERN)


class TopicsForm(Form):
    """A party's topics, one per line, and what the party agreed (``PartyTopicsRecorded``).
    Nothing written: the party's topics are removed."""

    party_id: OpaqueId
    # Room for the most topics of the longest length, line breaks and stray spaces.
    topics: Annotated[str, StringConstraints(max_length=4 * MAX_TOPICS * TOPIC_MAX_LENGTH)] = ""
    agreed_by_party: bool = False  # checkboxes: sent only when ticked
    share_with_other_parties: bool = False

    def topic_list(self) -> list[str]:
        """One topic per line written, with its spaces tidied; empty lines left out."""
        lines = (" ".join(line.split()) for line in self.topics.splitlines())
        return [line for line in lines if line]

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        topics = self.topic_list()
        if len(topics) > MAX_TOPICS:
            found["topics"] = "too_many_topics"
        elif any(len(topic) > TOPIC_MAX_LENGTH for topic in topics):
            found["topics"] = "topic_too_long"
        elif any(not _TOPIC.match(topic) for topic in topics):
            found["topics"] = "topic_invalid"
        elif len(set(topics)) != len(topics):
            found["topics"] = "topic_twice"
        if self.share_with_other_parties and not self.agreed_by_party:
            found["share_with_other_parties"] = "share_needs_agreement"
        return found

    def recorded(self, recorded_by: str) -> PartyTopicsRecordedData:
        return PartyTopicsRecordedData(
            party_id=self.party_id,
            topics=self.topic_list(),
            agreed_by_party=self.agreed_by_party,
            share_with_other_parties=self.share_with_other_parties,
            recorded_by=recorded_by,
        )


def parse(
    form: type[F], data: Mapping[str, Any], lang: Language
) -> tuple[F | None, dict[str, str]]:
    """The filled-in form, or the messages for each field that is wrong (in ``lang``)."""
    values = {
        name: cleaned
        for name, value in data.items()
        if isinstance(value, str) and (cleaned := value.strip())
    }
    try:
        parsed = form.model_validate(values)
    except ValidationError as error:
        messages: dict[str, str] = {}
        for problem in error.errors(include_input=False, include_url=False):
            field = str(problem["loc"][0]) if problem["loc"] else "form"
            messages.setdefault(field, _message(field, problem["type"], problem.get("ctx"), lang))
        return None, messages
    return parsed, {field: translate(lang, key) for field, key in parsed.problems().items()}


def _message(field: str, kind: str, context: dict[str, Any] | None, lang: Language) -> str:
    if field == "starts_at":
        return translate(lang, "choose_slot")
    if field in _CHOICES and kind in {"missing", "literal_error", "bool_parsing"}:
        return translate(lang, "choose_one")
    if kind in {"missing", "string_too_short"}:
        return translate(lang, "field_required")
    if kind == "string_too_long":
        return translate(lang, "too_long", max=(context or {}).get("max_length", ""))
    if kind == "literal_error":
        return translate(lang, "choose_one")
    if kind == "string_pattern_mismatch":
        suffix = next((s for s in _PATTERN_MESSAGES if field.endswith(s)), None)
        return translate(lang, _PATTERN_MESSAGES[suffix] if suffix else "invalid_value")
    return translate(lang, "invalid_value")


def submission_id(data: Mapping[str, Any]) -> UUID:
    """The id the page gave this form (so a double submit is one action), else a new one."""
    value = data.get("submission_id")
    try:
        return UUID(str(value))
    except ValueError:
        return uuid4()
