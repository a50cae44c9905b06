"""The caseworker's checklist travels with a request (issue 16, point 4): an optional,
structured part of ``CaseRequested`` that the published schema documents field by field, and
that the models and the schema accept and refuse alike."""

import json
from typing import Any, Literal, get_args, get_origin

import pytest
from mediation_contracts import parse_event
from mediation_contracts.events import CaseRequested, CaseworkerChecklist

from tests.data.events import (
    CASEWORKER,
    CITIZEN,
    case_requested,
    caseworker_checklist,
    requested_with_checklist,
)
from tests.unit.contracts.test_contract_rules import model_error, published, schema_accepts


def with_checklist(**answers: Any) -> dict[str, Any]:
    """A request from the administration whose checklist has ``answers`` changed (a value
    ``...`` removes that answer)."""
    document: dict[str, Any] = json.loads(requested_with_checklist().to_json())
    checklist = document["data"]["checklist"]
    for name, value in answers.items():
        if value is ...:
            del checklist[name]
        else:
            checklist[name] = value
    return document


def test_a_request_carries_the_checklist_and_reads_back_the_same() -> None:
    request = requested_with_checklist()
    parsed = parse_event(request.to_json())
    assert isinstance(parsed, CaseRequested)
    assert parsed.data.checklist == caseworker_checklist()
    assert parsed.data.requester.kind == "administration"
    document = json.loads(request.to_json())
    assert document["data"]["checklist"] == {
        "citizen_has_answer": "partly",
        "both_interested": "unknown",
        "alternatives_offered": True,
        "discussed_with_colleagues_or_leader": True,
        "ombudsman_office_consulted": "not_needed",
        "suitable_for_mediation": "yes",
        "completed_by": CASEWORKER,
    }
    assert schema_accepts(CaseRequested, document)


def test_a_request_without_a_checklist_is_as_before() -> None:
    """Additive within v1: a request that has none sends no such key, and both accept it."""
    document = json.loads(case_requested().to_json())
    assert "checklist" not in document["data"]
    assert schema_accepts(CaseRequested, document)
    assert model_error(CaseRequested, document) is None


def test_a_checklist_on_a_citizens_request_is_accepted_not_refused() -> None:
    """It belongs to requests from the administration, but a request is never lost for it."""
    document = with_checklist()
    document["data"]["requester"] = {"kind": "citizen", "party_id": CITIZEN, "consents": True}
    assert schema_accepts(CaseRequested, document)
    assert model_error(CaseRequested, document) is None


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"citizen_has_answer": "maybe"}, id="an answer the question does not have"),
        pytest.param({"both_interested": True}, id="a boolean where a code is asked"),
        pytest.param({"alternatives_offered": "sometimes"}, id="not a yes or no"),
        pytest.param({"ombudsman_office_consulted": "later"}, id="unknown ombudsman answer"),
        pytest.param({"suitable_for_mediation": ...}, id="an unanswered question"),
        pytest.param({"discussed_with_colleagues_or_leader": ...}, id="another unanswered one"),
        pytest.param({"completed_by": "not a staff id"}, id="a staff id with spaces"),
    ],
)
def test_an_incomplete_or_wrong_checklist_is_refused_by_model_and_schema(
    answers: dict[str, Any],
) -> None:
    document = with_checklist(**answers)
    assert model_error(CaseRequested, document) is not None
    assert not schema_accepts(CaseRequested, document)


def answers_allowed(name: str) -> tuple[object, ...]:
    """The values the contract allows for one answer; none for the staff id."""
    annotation = CaseworkerChecklist.model_fields[name].annotation
    if annotation is bool:
        return (True, False)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def test_every_answer_the_contract_allows_is_accepted() -> None:
    for name in CaseworkerChecklist.model_fields:
        for value in answers_allowed(name):
            document = with_checklist(**{name: value})
            assert model_error(CaseRequested, document) is None, (name, value)
            assert schema_accepts(CaseRequested, document), (name, value)


def test_the_schema_documents_every_answer() -> None:
    schema = published(CaseRequested).schema
    definitions = schema["$defs"]
    checklist = definitions["CaseworkerChecklist"]
    assert set(checklist["properties"]) == set(CaseworkerChecklist.model_fields)
    for name, described in checklist["properties"].items():
        assert described.get("description"), f"{name} has no description"
    assert checklist["required"] == [
        "citizen_has_answer",
        "both_interested",
        "alternatives_offered",
        "discussed_with_colleagues_or_leader",
        "ombudsman_office_consulted",
        "suitable_for_mediation",
    ]
    # Where the checklist's other two questions are answered, and that it is not confidential.
    assert "conflict_description" in checklist["description"]
    assert "parties" in checklist["description"]
    request = definitions["CaseRequestedData"]["properties"]["checklist"]
    assert "administration" in request["description"]
    assert "Not confidential" in request["description"]
    assert "checklist" not in definitions["CaseRequestedData"].get("required", [])


def test_the_checklist_carries_codes_only() -> None:
    """No free text beyond the request's short description: every answer is a code or a
    yes or no; besides them only the staff id of who answered."""
    free = [name for name in CaseworkerChecklist.model_fields if not answers_allowed(name)]
    assert free == ["completed_by"]
