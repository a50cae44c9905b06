"""What a person can get wrong in a form, said in plain Danish next to the field."""

from mediation_contracts.events import CaseRequested
from mediator_client.forms import AssessForm, CloseForm, NewCaseForm, SummaryForm, parse

REQUEST = {
    "case_kind": "citizen_administration",
    "requester_kind": "citizen",
    "requester_consents": "true",
    "party1_name": "Birte Borger",
    "party1_email": "birte@example.dk",
    "party1_phone": "+45 12 34 56 78",
    "party1_companion": "Bo Bisidder",
    "party2_name": "Jobcenter Nord",
    "party2_representatives": "m-1, m-2",
    "conflict_description": "Borgeren føler sig ikke hørt",
    "matter_reference": "SAG-1",
    "in_complaint_handling": "no",
}


def test_a_complete_request_becomes_a_valid_case_requested() -> None:
    form, errors = parse(NewCaseForm, REQUEST, "da")
    assert errors == {}
    assert form is not None
    data = form.request()
    citizen, administration = data.parties
    assert (citizen.party_id, citizen.kind, administration.kind) == (
        "citizen-1",
        "citizen",
        "administration",
    )
    assert citizen.companion is not None
    assert citizen.companion.name == "Bo Bisidder"
    assert administration.representative_ids == ["m-1", "m-2"]
    assert data.requester.party_id == "citizen-1"
    assert data.requester.consents
    assert not data.in_complaint_handling
    CaseRequested.model_validate(
        {
            "specversion": "1.0",
            "id": "0d7f6c1e-0a77-4d53-a1a6-1f7a3c0f3e11",
            "source": "/test",
            "type": "dk.mediation.case.requested.v1",
            "time": "2026-03-03T09:30:00Z",
            "subject": "1d7f6c1e-0a77-4d53-a1a6-1f7a3c0f3e11",
            "tenant": "kk",
            "data": data.model_dump(),
        }
    )


def test_a_family_case_has_two_citizens() -> None:
    form, _ = parse(
        NewCaseForm,
        {**REQUEST, "case_kind": "family", "party2_name": "Carl", "party2_representatives": ""},
        "da",
    )
    assert form is not None
    assert [p.party_id for p in form.request().parties] == ["citizen-1", "citizen-2"]


def test_missing_and_malformed_fields_get_danish_messages() -> None:
    form, errors = parse(
        NewCaseForm,
        {"party1_name": "  ", "party1_email": "birte(at)example", "party1_phone": "ring"},
        "da",
    )
    assert form is None
    assert errors["party1_name"] == "Udfyld feltet."
    assert errors["party1_email"].startswith("Skriv en gyldig e-mailadresse")
    assert errors["party1_phone"].startswith("Skriv et telefonnummer")
    assert errors["case_kind"] == "Vælg en af mulighederne."
    assert errors["conflict_description"] == "Udfyld feltet."


def test_too_long_text_says_how_long_it_may_be() -> None:
    _, errors = parse(NewCaseForm, {**REQUEST, "conflict_description": "x" * 501}, "da")
    assert errors["conflict_description"] == "Teksten er for lang (højst 500 tegn)."
    _, errors = parse(SummaryForm, {"text": "x" * 4001}, "en")
    assert errors["text"] == "Too long (at most 4000 characters)."


def test_mistakes_across_fields() -> None:
    _, errors = parse(
        NewCaseForm,
        {**REQUEST, "case_kind": "family", "requester_kind": "administration"},
        "da",
    )
    assert errors["requester_kind"] == "I en familiesag er det en af borgerne, der anmoder."
    _, errors = parse(NewCaseForm, {**REQUEST, "requester_kind": "ombudsman_office"}, "da")
    assert "ikke part" in errors["requester_consents"]


def test_a_declined_assessment_needs_its_reason() -> None:
    _, errors = parse(AssessForm, {"decision": "declined"}, "da")
    assert errors == {"reason": "Skriv en begrundelse, når sagen ikke er egnet til mægling."}
    form, errors = parse(AssessForm, {"decision": "accepted"}, "da")
    assert form is not None
    assert errors == {}


def test_closing_needs_an_outcome_and_a_contact_person() -> None:
    _, errors = parse(CloseForm, {}, "da")
    assert errors == {"outcome": "Vælg en af mulighederne.", "follow_up_name": "Udfyld feltet."}
    form, _ = parse(
        CloseForm,
        {"outcome": "agreement", "follow_up_name": "Anne", "follow_up_email": "anne@kk.dk"},
        "da",
    )
    assert form is not None
    contact = form.follow_up()
    assert contact.contact is not None
    assert contact.contact.email == "anne@kk.dk"
