"""The event contract as producers and consumers rely on it: subjects, envelope, parsing."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any, get_args
from uuid import UUID, uuid4

import pytest
from mediation_contracts import ALL_EVENTS, CloudEvent, UnknownEventType, event_class, parse_event
from mediation_contracts.events import (
    CaseAssessed,
    CaseAssessedData,
    CaseClosed,
    CaseClosedData,
    CaseReadyForScheduling,
    CaseReadyForSchedulingData,
    CaseRequested,
    CaseRequestedData,
    CaseRequestRefused,
    CaseRequestRefusedData,
    Companion,
    ConsentRequested,
    ConsentRequestedData,
    Location,
    MeetingCancelled,
    MeetingCancelledData,
    MeetingHeld,
    MeetingHeldData,
    MeetingRescheduled,
    MeetingRescheduledData,
    MeetingScheduled,
    MeetingScheduledData,
    NotificationData,
    NotificationFailed,
    NotificationFailedData,
    NotificationSent,
    Participant,
    SummaryConsentData,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummaryDestroyed,
    SummaryDestroyedData,
    SummaryRecorded,
    SummaryRecordedData,
    SummaryShared,
    SummarySharedData,
    SummarySharingAgreed,
    SummarySharingAgreedData,
)
from mediation_contracts.subjects import (
    EventSubject,
    InvalidSubject,
    event_subject,
    parse_subject,
    subscription_subject,
)
from pydantic import ValidationError

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    SOURCE,
    assessed,
    case_requested,
    companion_changed,
    consent_declined,
    consent_given,
    details_corrected,
    evaluation_requested,
    follow_up_due,
    follow_up_recorded,
    mediator_assigned,
    outcome_recorded,
    topics_recorded,
    withdrew,
)

CASE_ID = uuid4()
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event(cls: type[CloudEvent], data: object) -> CloudEvent:
    return cls.create(tenant="kk", case_id=CASE_ID, source=SOURCE, data=data)


def _booking() -> dict[str, Any]:
    return {
        "meeting_id": "meeting-1",
        "kind": "mediation",
        "format": "joint",
        "starts_at": START,
        "ends_at": START + timedelta(minutes=90),
        "location": Location(kind="premises", room_ids=["room-2"]),
        "participants": [
            Participant(participant_id=CITIZEN, role="party"),
            Participant(participant_id=MEDIATOR, role="mediator"),
        ],
    }


# One valid event of every type; a new type in ALL_EVENTS needs a sample here.
SAMPLES: list[CloudEvent] = [
    case_requested(case_id=CASE_ID),
    evaluation_requested(CASE_ID),
    follow_up_due(CASE_ID),
    follow_up_recorded(CASE_ID, "partly_held"),
    _event(
        CaseRequestRefused,
        CaseRequestRefusedData(reason_code="in_complaint_handling", reason="In complaint"),
    ),
    assessed(CASE_ID, "declined", reason="Not suitable"),
    mediator_assigned(CASE_ID, note_taker_id="note-taker-1"),
    _event(ConsentRequested, ConsentRequestedData(party_id=CITIZEN, party_kind="citizen")),
    consent_given(CASE_ID, CITIZEN, recorded_by="staff-1"),
    consent_declined(CASE_ID, ADMINISTRATION),
    withdrew(CASE_ID, MEDIATOR, "mediator"),
    _event(
        CaseReadyForScheduling,
        CaseReadyForSchedulingData(party_ids=[ADMINISTRATION, CITIZEN], mediator_id=MEDIATOR),
    ),
    _event(MeetingScheduled, MeetingScheduledData(**_booking())),
    _event(
        MeetingRescheduled,
        MeetingRescheduledData(
            **_booking(),
            previous_starts_at=START - timedelta(days=1),
            previous_ends_at=START - timedelta(days=1) + timedelta(minutes=90),
        ),
    ),
    _event(
        MeetingCancelled,
        MeetingCancelledData(meeting_id="meeting-1", starts_at=START, reason_code="requested"),
    ),
    _event(MeetingHeld, MeetingHeldData(meeting_id="meeting-1", held_at=START, marked_by=MEDIATOR)),
    outcome_recorded(CASE_ID, "partial_agreement"),
    _event(CaseClosed, CaseClosedData(outcome="withdrawn", closed_because="withdrawn")),
    _event(SummaryConsentGiven, SummaryConsentData(party_id=CITIZEN, recorded_by=MEDIATOR)),
    _event(SummaryConsentWithdrawn, SummaryConsentData(party_id=CITIZEN, recorded_by=MEDIATOR)),
    _event(SummarySharingAgreed, SummarySharingAgreedData(party_id=CITIZEN, recorded_by=MEDIATOR)),
    _event(SummaryRecorded, SummaryRecordedData(summary_id="summary-1", recorded_by=MEDIATOR)),
    _event(SummaryShared, SummarySharedData(summary_id="summary-1", shared_by=MEDIATOR)),
    _event(SummaryDestroyed, SummaryDestroyedData(reason_code="consent_withdrawn")),
    _event(
        NotificationSent,
        NotificationData(
            notification_id="n-1",
            recipient_id=CITIZEN,
            channel="email",
            trigger="dk.mediation.meeting.scheduled.v1",
            trigger_event_id="e-1",
        ),
    ),
    _event(
        NotificationFailed,
        NotificationFailedData(
            notification_id="n-1",
            recipient_id=CITIZEN,
            channel="sms",
            trigger="reminder",
            trigger_event_id="e-1",
            reason_code="smtp_550",
        ),
    ),
    companion_changed(CASE_ID, CITIZEN, Companion(companion_id="companion-1", name="Søs")),
    details_corrected(CASE_ID, CITIZEN),
    topics_recorded(CASE_ID, CITIZEN, shared=True),
]


def _document(event: CloudEvent) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(event.to_json())
    return document


# --- subjects ------------------------------------------------------------------------------


def test_samples_cover_every_event_type() -> None:
    assert sorted(type(event).__name__ for event in SAMPLES) == sorted(
        cls.__name__ for cls in ALL_EVENTS
    )


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda cls: cls.__name__)
def test_type_name_and_subject_follow_the_naming_rules(cls: type[CloudEvent]) -> None:
    assert cls.type_name() == f"dk.mediation.{cls.aggregate}.{cls.event}.v1"
    assert get_args(cls.model_fields["type"].annotation) == (cls.type_name(),)
    assert event_subject("kk", cls.aggregate, cls.event) == (
        f"mediation.v1.kk.{cls.aggregate}.{cls.event}"
    )


def test_each_event_type_has_its_own_subject() -> None:
    assert len({(cls.aggregate, cls.event) for cls in ALL_EVENTS}) == len(ALL_EVENTS)


@pytest.mark.parametrize("tenant", ["kk", "aarhus", "frederiksberg-2", "0", "a" * 63])
@pytest.mark.parametrize(
    ("aggregate", "event"), [("case", "requested"), ("case", "outcome_recorded")]
)
def test_subject_round_trip(tenant: str, aggregate: str, event: str) -> None:
    subject = event_subject(tenant, aggregate, event)
    parsed = parse_subject(subject)
    assert parsed == EventSubject(tenant=tenant, aggregate=aggregate, event=event)
    assert str(parsed) == subject


def test_an_event_knows_its_subject() -> None:
    event = consent_given(CASE_ID, CITIZEN, tenant="aarhus")
    assert event.nats_subject() == "mediation.v1.aarhus.consent.given"
    assert parse_subject(event.nats_subject()).tenant == event.tenant


def test_subscription_subject_matches_every_tenant() -> None:
    assert subscription_subject("consent", "given") == "mediation.v1.*.consent.given"


@pytest.mark.parametrize(
    "tenant", ["", "KK", "kk_1", "-kk", "kk-", "k.k", "*", ">", "æbeltoft", "a" * 64]
)
def test_subject_rejects_a_tenant_that_is_not_a_slug(tenant: str) -> None:
    with pytest.raises(InvalidSubject):
        event_subject(tenant, "case", "requested")


@pytest.mark.parametrize(("aggregate", "event"), [("Case", "requested"), ("case", "*"), ("", "x")])
def test_subject_rejects_bad_tokens(aggregate: str, event: str) -> None:
    with pytest.raises(InvalidSubject):
        event_subject("kk", aggregate, event)


@pytest.mark.parametrize(
    "subject",
    [
        "nats.v1.kk.case.requested",  # wrong prefix
        "mediation.v2.kk.case.requested",  # wrong major
        "mediation.kk.case.requested",  # too few tokens
        "mediation.v1.kk.case",
        "mediation.v1.kk.case.requested.extra",  # too many tokens
        "mediation.v1.KK.case.requested",  # tenant not a slug
        "mediation.v1.*.case.requested",  # a wildcard is not a tenant
        "mediation.v1.kk.case.>",
        "mediation.dlq.intake",
        "",
    ],
)
def test_parse_subject_rejects(subject: str) -> None:
    with pytest.raises(InvalidSubject):
        parse_subject(subject)


def test_invalid_subject_is_a_value_error() -> None:
    assert issubclass(InvalidSubject, ValueError)


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).__name__)
def test_parse_event_gives_the_typed_class(event: CloudEvent) -> None:
    parsed = parse_event(event.to_json())
    assert type(parsed) is type(event)
    assert parsed == event
    assert event_class(event.type) is type(event)


@pytest.mark.parametrize("form", ["bytes", "str", "dict"])
def test_parse_event_accepts_bytes_text_and_a_parsed_document(form: str) -> None:
    event = SAMPLES[0]
    forms: dict[str, bytes | str | dict[str, Any]] = {
        "bytes": event.to_json(),
        "str": event.to_json().decode(),
        "dict": _document(event),
    }
    assert parse_event(forms[form]) == event


def test_absent_optional_attributes_are_left_out_of_the_json() -> None:
    document = _document(case_requested())
    assert "correlationid" not in document
    assert "causationid" not in document
    assert document["specversion"] == "1.0"
    assert document["datacontenttype"] == "application/json"


@pytest.mark.parametrize(
    "type_name", ["dk.mediation.case.reopened.v1", "dk.mediation.case.requested.v2", None]
)
def test_unknown_type_is_rejected(type_name: str | None) -> None:
    document = _document(SAMPLES[0])
    if type_name is None:
        del document["type"]
    else:
        document["type"] = type_name
    with pytest.raises(UnknownEventType):
        parse_event(document)
    assert issubclass(UnknownEventType, ValueError)


@pytest.mark.parametrize("raw", [b"[]", b"1", b'"event"', b"null", "[{}]"])
def test_json_that_is_not_an_object_is_rejected(raw: bytes | str) -> None:
    with pytest.raises(ValueError, match="JSON object"):
        parse_event(raw)


@pytest.mark.parametrize("raw", [b"", b"{", b"{'type': 1}", b"\xff\xfe", "not json"])
def test_invalid_json_is_rejected(raw: bytes | str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json and unicode errors differ
        parse_event(raw)


def test_naive_time_is_rejected() -> None:
    document = _document(SAMPLES[0])
    document["time"] = "2026-03-02T10:00:00"
    with pytest.raises(ValidationError):
        parse_event(document)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-uuid"),
        ("subject", "CASE-1"),
        ("source", ""),
        ("tenant", "KK"),
        ("specversion", "0.3"),
        ("datacontenttype", "text/plain"),
        ("data", 7),
    ],
)
def test_a_malformed_envelope_attribute_is_rejected(field: str, value: object) -> None:
    document = _document(SAMPLES[0])
    document[field] = value
    with pytest.raises(ValidationError):
        parse_event(document)


def test_time_is_normalised_to_utc() -> None:
    document = _document(SAMPLES[0])
    document["time"] = "2026-03-02T10:00:00+02:00"
    parsed = parse_event(document)
    assert parsed.time == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert parsed.time.tzinfo == UTC
    assert parse_event(parsed.to_json()).time == parsed.time


def test_times_in_data_are_normalised_to_utc() -> None:
    held = _event(MeetingHeld, MeetingHeldData(meeting_id="m-1", held_at=START, marked_by=MEDIATOR))
    document = _document(held)
    document["data"]["held_at"] = "2026-03-02T11:30:00+01:00"
    parsed = parse_event(document)
    assert isinstance(parsed, MeetingHeld)
    assert parsed.data.held_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    assert parsed.data.held_at.tzinfo == UTC


def test_unknown_fields_are_tolerated_everywhere() -> None:
    """Forward compatibility: a v1 producer may add fields this consumer does not know yet."""
    event = case_requested(case_id=CASE_ID)
    document = _document(event)
    document["traceparent"] = "00-abc-def-01"
    document["data"]["priority"] = "high"
    document["data"]["requester"]["channel"] = "phone"
    document["data"]["parties"][0]["pronouns"] = "she/her"
    parsed = parse_event(json.dumps(document))
    assert parsed == event
    assert "traceparent" not in _document(parsed)


def test_events_are_immutable() -> None:
    event = SAMPLES[0]
    with pytest.raises(ValidationError):
        event.tenant = "aarhus"  # type: ignore[misc]


# --- CaseRequested -------------------------------------------------------------------------


def _request(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = case_requested().data.model_dump()
    data.update(changes)
    return data


def _citizen(party_id: str = CITIZEN) -> dict[str, Any]:
    return {"party_id": party_id, "kind": "citizen", "name": "Anna"}


def _administration(party_id: str = ADMINISTRATION) -> dict[str, Any]:
    return {"party_id": party_id, "kind": "administration", "name": "Jobcenter"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"parties": [_citizen(), _administration(), _citizen()]},
            "party_id must be unique",
            id="duplicate party id",
        ),
        pytest.param(
            {"parties": [_citizen(), _citizen("citizen-2")]},
            "needs a citizen and an administration",
            id="citizen-administration without administration",
        ),
        pytest.param(
            {
                "parties": [_administration(), _administration("adm-2")],
                "requester": {"kind": "administration", "party_id": ADMINISTRATION},
            },
            "needs a citizen and an administration",
            id="citizen-administration without citizen",
        ),
        pytest.param(
            {"case_kind": "family"},
            "needs at least two citizens",
            id="family with one citizen",
        ),
        pytest.param(
            {"parties": [_citizen()]},
            "at least 2 items",
            id="a single party",
        ),
        pytest.param(
            {"requester": {"kind": "citizen", "party_id": "citizen-9"}},
            "must name a party of the requester's kind",
            id="requester not a party",
        ),
        pytest.param(
            {"requester": {"kind": "citizen", "party_id": ADMINISTRATION}},
            "must name a party of the requester's kind",
            id="requester of another kind",
        ),
        pytest.param(
            {"requester": {"kind": "administration"}},
            "must name a party of the requester's kind",
            id="party requester without party id",
        ),
        pytest.param(
            {"requester": {"kind": "ombudsman_office", "party_id": CITIZEN}},
            "ombudsman office is not a party",
            id="ombudsman office as a party",
        ),
        pytest.param(
            {"requester": {"kind": "ombudsman_office", "consents": True}},
            "cannot consent",
            id="ombudsman office consents",
        ),
        pytest.param({"conflict_description": "   "}, "at least 1 character", id="blank text"),
    ],
)
def test_case_requested_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CaseRequestedData.model_validate(_request(**changes))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="citizen asks"),
        pytest.param(
            {"requester": {"kind": "administration", "party_id": ADMINISTRATION}},
            id="administration asks",
        ),
        pytest.param({"requester": {"kind": "ombudsman_office"}}, id="ombudsman office asks"),
        pytest.param(
            {"case_kind": "family", "parties": [_citizen(), _citizen("citizen-2")]},
            id="family case",
        ),
        pytest.param(
            {"parties": [_citizen(), _administration(), _administration("adm-2")]},
            id="two administrative units",
        ),
    ],
)
def test_case_requested_accepts(changes: dict[str, Any]) -> None:
    CaseRequestedData.model_validate(_request(**changes))


def test_case_requested_envelope_rejects_a_bad_tenant() -> None:
    document = _document(case_requested())
    document["tenant"] = "Copenhagen"
    with pytest.raises(ValidationError, match="tenant"):
        CaseRequested.model_validate(document)


# --- CaseAssessed --------------------------------------------------------------------------


def test_a_declined_assessment_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="declined assessment needs a reason"):
        CaseAssessedData(decision="declined", assessed_by=MEDIATOR)
    assert CaseAssessedData(decision="declined", reason="No", assessed_by=MEDIATOR).reason == "No"
    assert CaseAssessedData(decision="accepted", assessed_by=MEDIATOR).reason is None


def test_a_typed_event_rejects_another_type() -> None:
    document = _document(assessed(CASE_ID))
    document["type"] = CaseClosed.type_name()
    with pytest.raises(ValidationError):
        CaseAssessed.model_validate(document)


# --- create(): correlation and causation ---------------------------------------------------


def test_create_fills_the_envelope() -> None:
    before = datetime.now(UTC)
    event = consent_given(CASE_ID, CITIZEN, tenant="aarhus")
    assert event.type == "dk.mediation.consent.given.v1"
    assert (event.tenant, event.subject, event.source) == ("aarhus", CASE_ID, SOURCE)
    assert isinstance(event.id, UUID)
    assert before <= event.time <= datetime.now(UTC)
    assert event.correlationid is None
    assert event.causationid is None


def test_create_with_a_cause_that_has_no_correlation_id_correlates_to_the_cause() -> None:
    request = case_requested()
    answer = consent_given(request.subject, ADMINISTRATION, cause=request)
    assert answer.correlationid == request.id
    assert answer.causationid == request.id


def test_create_with_a_cause_inherits_its_correlation_id() -> None:
    request = case_requested()
    assessment = assessed(request.subject, cause=request)
    assignment = mediator_assigned(request.subject, cause=assessment)
    assert assignment.correlationid == request.id
    assert assignment.causationid == assessment.id
    assert assignment.id not in (request.id, assessment.id)


def test_create_falls_back_to_given_ids_before_the_cause_ids() -> None:
    """A case keeps its request's conversation for events whose senders do not carry one, and
    an answer sent later (a notification after retries) keeps the ids of what it answers."""
    conversation = uuid4()
    request = case_requested()
    correlated = consent_given(request.subject, CITIZEN, cause=request)

    def closed(cause: CloudEvent | None, causationid: UUID | None = None) -> CloudEvent:
        data = CaseClosedData(outcome="withdrawn", closed_because="withdrawn")
        return CaseClosed.create(
            tenant="kk",
            case_id=request.subject,
            source=SOURCE,
            data=data,
            cause=cause,
            correlationid=conversation,
            causationid=causationid,
        )

    assert (closed(None).correlationid, closed(None).causationid) == (conversation, None)
    assert closed(request).correlationid == conversation
    assert closed(request).causationid == request.id
    assert closed(correlated).correlationid == request.id  # the cause's own conversation wins
    kept = uuid4()
    assert closed(None, kept).causationid == kept  # a cause known only by its id
    assert closed(request, kept).causationid == request.id  # an event at hand wins


@pytest.mark.parametrize(
    "field", ["specversion", "id", "time", "source", "subject", "tenant", "type", "data"]
)
def test_a_missing_required_attribute_is_rejected(field: str) -> None:
    # A receiver-made id would give a redelivered event a new identity and defeat idempotency.
    document = _document(SAMPLES[0])
    del document[field]
    with pytest.raises(ValidationError):
        type(SAMPLES[0]).model_validate(document)


# --- people change during a case ---------------------------------------------------------


def test_a_companion_receives_invitations_unless_told_otherwise() -> None:
    companion = Companion(companion_id="companion-1", name="Søs")
    assert companion.receives_invitations is True
    quiet = Companion.model_validate(
        {"companion_id": "companion-1", "name": "Søs", "receives_invitations": False}
    )
    assert quiet.receives_invitations is False


def test_a_removal_carries_no_companion() -> None:
    removed = companion_changed(CASE_ID, CITIZEN)
    assert "companion" not in _document(removed)["data"]
    assert parse_event(removed.to_json()) == removed
    document = _document(removed)
    document["data"]["companion"] = None
    assert parse_event(json.dumps(document)) == removed


@pytest.mark.parametrize("event", [companion_changed(CASE_ID), details_corrected(CASE_ID)])
def test_people_changes_are_personal_and_only_for_the_services_that_keep_people(
    event: CloudEvent,
) -> None:
    kind = type(event)
    assert kind.sensitivity == "personal"
    assert kind.producers == ("mediator client",)
    assert "notes" not in kind.consumers  # notes keeps no names or addresses
    assert {"intake", "notifications"} <= set(kind.consumers)
    assert event.nats_subject().startswith("mediation.v1.kk.party.")


def test_a_correction_carries_the_whole_new_contact() -> None:
    data = type(details_corrected(CASE_ID).data)
    with pytest.raises(ValidationError):
        data.model_validate({"party_id": CITIZEN, "name": "Anna", "changed_by": MEDIATOR})


# --- the agenda: topics agreed at the pre-meetings ------------------------------------------


def test_topics_are_personal_and_only_for_intake_and_notifications() -> None:
    kind = type(topics_recorded(CASE_ID))
    assert kind.sensitivity == "personal"  # what a person wants to talk about
    assert kind.producers == ("mediator client",)
    assert kind.consumers == ("intake", "notifications")  # never notes, never scheduling
    assert topics_recorded(CASE_ID).nats_subject() == "mediation.v1.kk.party.topics_recorded"


def _topics_data(**changes: Any) -> dict[str, Any]:
    return {
        "party_id": CITIZEN,
        "topics": ["Tonen i brevene"],
        "agreed_by_party": True,
        "recorded_by": MEDIATOR,
        **changes,
    }


def test_topics_are_stripped_headings_and_not_shared_unless_said() -> None:
    data_model = type(topics_recorded(CASE_ID).data)
    data = data_model.model_validate(_topics_data(topics=["  Tonen i brevene  ", "Ventetid"]))
    assert data.topics == ["Tonen i brevene", "Ventetid"]
    assert data.share_with_other_parties is False
    assert data_model.model_validate(_topics_data(topics=[])).topics == []  # removes them


@pytest.mark.parametrize(
    "topics",
    [
        pytest.param(["Første linje\nanden linje"], id="a line break"),
        pytest.param(["Tab\tinde i"], id="a control character"),
        pytest.param(["   "], id="blank"),
        pytest.param(["x" * 121], id="longer than 120"),
        pytest.param([f"Emne {n}" for n in range(11)], id="more than 10"),
    ],
)
def test_topics_that_are_not_short_one_line_headings_are_refused(topics: list[str]) -> None:
    data_model = type(topics_recorded(CASE_ID).data)
    with pytest.raises(ValidationError):
        data_model.model_validate(_topics_data(topics=topics))


def test_topics_are_shared_only_when_the_party_agreed_them() -> None:
    data_model = type(topics_recorded(CASE_ID).data)
    with pytest.raises(ValidationError, match="only when the party agreed them"):
        data_model.model_validate(
            _topics_data(agreed_by_party=False, share_with_other_parties=True)
        )
