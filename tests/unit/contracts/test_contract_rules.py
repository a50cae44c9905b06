"""The published JSON Schemas say what the services accept (issue 11, point 4).

For documents that break each cross-field rule of the contract, and for valid ones, a real
JSON Schema validator (``jsonschema``, draft 2020-12) on the committed schema file and the
pydantic model (what every service parses with) must agree wherever the rule is expressible
in JSON Schema; where it is not, the model still refuses the document, and the schema names
the rule in its description and ``x-rules``.
"""

import json
from collections.abc import Callable
from functools import cache
from typing import Any
from uuid import uuid4

import pytest
from jsonschema import Draft202012Validator
from mediation_contracts import ALL_EVENTS, schemas
from mediation_contracts.envelope import CloudEvent, Payload
from mediation_contracts.events import CaseAssessed, CaseRequested, PartyTopicsRecorded
from mediation_contracts.rules import Rule
from mediation_contracts.schemas import data_model
from pydantic import BaseModel, ValidationError

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    assessed,
    case_requested,
    topics_recorded,
)

Change = Callable[[dict[str, Any]], None]


@cache
def published(cls: type[CloudEvent]) -> Draft202012Validator:
    """A validator for the committed schema file of ``cls`` (the drift test keeps it current)."""
    path = schemas.ROOT / schemas.SCHEMA_DIR / f"{cls.type_name()}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def document(cls: type[CloudEvent], change: Change) -> dict[str, Any]:
    samples = {
        CaseRequested: case_requested,
        CaseAssessed: lambda: assessed(uuid4()),
        PartyTopicsRecorded: lambda: topics_recorded(uuid4()),
    }
    event = samples[cls]()
    doc: dict[str, Any] = json.loads(event.to_json())
    change(doc["data"])
    return doc


def schema_accepts(cls: type[CloudEvent], doc: dict[str, Any]) -> bool:
    return published(cls).is_valid(doc)


def model_error(cls: type[CloudEvent], doc: dict[str, Any]) -> str | None:
    try:
        cls.model_validate(doc)
    except ValidationError as error:
        return str(error)
    return None


def setting(**values: Any) -> Change:
    return lambda data: data.update(values)


def citizen(party_id: str = CITIZEN, **more: Any) -> dict[str, Any]:
    return {"party_id": party_id, "kind": "citizen", "name": "Anna", **more}


def administration(party_id: str = ADMINISTRATION) -> dict[str, Any]:
    return {"party_id": party_id, "kind": "administration", "name": "Jobcenter"}


def without(name: str) -> Change:
    return lambda data: data.pop(name)


# (event, rule id, change, whether JSON Schema can see the violation)
VIOLATIONS = [
    pytest.param(
        CaseRequested,
        "party_ids_unique",
        setting(parties=[citizen(), administration(), citizen(name="Bo")]),
        False,
        id="duplicate party id",
    ),
    pytest.param(
        CaseRequested,
        "party_ids_unique",
        setting(parties=[citizen(), administration(), {**administration(), "party_id": CITIZEN}]),
        False,
        id="party id reused by a party of another kind",
    ),
    pytest.param(
        CaseRequested,
        "citizen_administration_parties",
        setting(parties=[citizen(), citizen("citizen-2")]),
        True,
        id="citizen-administration without administration",
    ),
    pytest.param(
        CaseRequested,
        "citizen_administration_parties",
        setting(
            case_kind="citizen_administration",
            parties=[administration(), administration("adm-2")],
            requester={"kind": "administration", "party_id": ADMINISTRATION},
        ),
        True,
        id="citizen-administration without citizen",
    ),
    pytest.param(
        CaseRequested,
        "citizen_administration_parties",
        lambda data: (
            data.pop("case_kind"),
            data.update(
                parties=[administration(), administration("adm-2")],
                requester={"kind": "ombudsman_office"},
            ),
        ),
        True,
        id="default case kind without citizen",
    ),
    pytest.param(
        CaseRequested,
        "family_citizens",
        setting(case_kind="family"),
        True,
        id="family case with one citizen",
    ),
    pytest.param(
        CaseRequested,
        "family_citizens",
        setting(
            case_kind="family",
            parties=[administration(), administration("adm-2")],
            requester={"kind": "ombudsman_office"},
        ),
        True,
        id="family case without citizens",
    ),
    pytest.param(
        CaseRequested,
        "ombudsman_office_not_a_party",
        setting(requester={"kind": "ombudsman_office", "party_id": CITIZEN}),
        True,
        id="ombudsman office names a party",
    ),
    pytest.param(
        CaseRequested,
        "ombudsman_office_not_a_party",
        setting(requester={"kind": "ombudsman_office", "consents": True}),
        True,
        id="ombudsman office consents",
    ),
    pytest.param(
        CaseRequested,
        "requester_is_a_party",
        setting(requester={"kind": "administration"}),
        True,
        id="requesting party without party id",
    ),
    pytest.param(
        CaseRequested,
        "requester_is_a_party",
        setting(requester={"kind": "citizen", "party_id": None, "consents": True}),
        True,
        id="requesting party with a null party id",
    ),
    pytest.param(
        CaseRequested,
        "requester_is_a_party",
        setting(
            case_kind="family",
            parties=[citizen(), citizen("citizen-2")],
            requester={"kind": "administration", "party_id": CITIZEN},
        ),
        True,
        id="requester of a kind no party has",
    ),
    pytest.param(
        CaseRequested,
        "requester_is_a_party",
        setting(requester={"kind": "citizen", "party_id": "citizen-9"}),
        False,
        id="requester names no party",
    ),
    pytest.param(
        CaseRequested,
        "requester_is_a_party",
        setting(requester={"kind": "citizen", "party_id": ADMINISTRATION}),
        False,
        id="requester names a party of another kind",
    ),
    pytest.param(
        CaseAssessed,
        "declined_has_reason",
        lambda data: (data.update(decision="declined"), data.pop("reason", None)),
        True,
        id="declined without reason",
    ),
    pytest.param(
        CaseAssessed,
        "declined_has_reason",
        setting(decision="declined", reason=None),
        True,
        id="declined with a null reason",
    ),
    pytest.param(
        PartyTopicsRecorded,
        "shared_topics_agreed",
        setting(agreed_by_party=False, share_with_other_parties=True),
        True,
        id="topics shared that the party did not agree",
    ),
]

VALID = [
    pytest.param(CaseRequested, lambda data: None, id="citizen asks"),
    pytest.param(CaseRequested, without("case_kind"), id="default case kind"),
    pytest.param(
        CaseRequested,
        setting(requester={"kind": "administration", "party_id": ADMINISTRATION}),
        id="administration asks",
    ),
    pytest.param(
        CaseRequested,
        setting(requester={"kind": "ombudsman_office"}),
        id="ombudsman office asks",
    ),
    pytest.param(
        CaseRequested,
        setting(requester={"kind": "ombudsman_office", "party_id": None, "consents": False}),
        id="ombudsman office, nulls spelled out",
    ),
    pytest.param(
        CaseRequested,
        setting(case_kind="family", parties=[citizen(), citizen("citizen-2")]),
        id="family case",
    ),
    pytest.param(
        CaseRequested,
        setting(
            case_kind="family",
            parties=[citizen(), citizen("citizen-2"), administration()],
            requester={"kind": "administration", "party_id": ADMINISTRATION},
        ),
        id="family case an administration asks for",
    ),
    pytest.param(
        CaseRequested,
        setting(parties=[citizen(), administration(), administration("adm-2")]),
        id="two administrative units",
    ),
    pytest.param(CaseAssessed, setting(decision="accepted", reason=None), id="accepted"),
    pytest.param(
        CaseAssessed, setting(decision="declined", reason="Sagen er for gammel."), id="declined"
    ),
    pytest.param(PartyTopicsRecorded, lambda data: None, id="agreed topics"),
    pytest.param(
        PartyTopicsRecorded,
        setting(agreed_by_party=True, share_with_other_parties=True),
        id="agreed topics the party shares",
    ),
    pytest.param(
        PartyTopicsRecorded,
        lambda data: (
            data.update(agreed_by_party=False),
            data.pop("share_with_other_parties", None),
        ),
        id="topics not agreed yet, sharing left out",
    ),
]


def rule(cls: type[CloudEvent], rule_id: str) -> Rule:
    return next(r for r in data_model(cls).rules if r.id == rule_id)


def published_data_schema(cls: type[CloudEvent]) -> dict[str, Any]:
    schema: dict[str, Any] = published(cls).schema
    return dict(schema["$defs"][data_model(cls).__name__])


@pytest.mark.parametrize(("cls", "rule_id", "change", "schema_sees_it"), VIOLATIONS)
def test_a_document_breaking_a_rule_is_refused_by_the_model_and_where_expressible_the_schema(
    cls: type[CloudEvent], rule_id: str, change: Change, schema_sees_it: bool
) -> None:
    doc = document(cls, change)
    broken = rule(cls, rule_id)

    error = model_error(cls, doc)
    assert error is not None
    assert broken.text in error

    if schema_sees_it:
        assert broken.in_schema in ("full", "partial")
        assert not schema_accepts(cls, doc), f"the published schema accepts a {rule_id} breach"
    else:
        # The schema cannot see it, so it must say so: named, and marked as not (fully) in it.
        assert broken.in_schema in ("none", "partial")
        assert schema_accepts(cls, doc)
        described = published_data_schema(cls)
        assert broken.text in described["description"]
        assert {"id": rule_id, "rule": broken.text, "in_schema": broken.in_schema} in described[
            "x-rules"
        ]


@pytest.mark.parametrize(("cls", "change"), VALID)
def test_a_valid_document_is_accepted_by_both(cls: type[CloudEvent], change: Change) -> None:
    doc = document(cls, change)
    assert model_error(cls, doc) is None
    assert schema_accepts(cls, doc)


def test_every_rule_has_breaches_and_a_fully_expressed_one_only_breaches_the_schema_sees() -> None:
    tried: dict[tuple[type[CloudEvent], str], set[bool]] = {}
    for param in VIOLATIONS:
        cls, rule_id, _, schema_sees_it = param.values
        tried.setdefault((cls, rule_id), set()).add(bool(schema_sees_it))
    for cls in ALL_EVENTS:
        for each in data_model(cls).rules:
            assert (cls, each.id) in tried, f"no document breaks {cls.__name__} {each.id}"
            expected = {"full": {True}, "partial": {True, False}, "none": {False}}
            assert tried[(cls, each.id)] == expected[each.in_schema], each.id


def test_every_rule_is_named_in_its_published_schema() -> None:
    for cls in ALL_EVENTS:
        model = data_model(cls)
        if not model.rules:
            continue
        described = published_data_schema(cls)
        assert [r["id"] for r in described["x-rules"]] == [r.id for r in model.rules]
        for each in model.rules:
            assert each.text in described["description"]
            if each.schema is not None:
                assert each.schema in described["allOf"]


def test_only_rules_check_across_fields() -> None:
    """A cross-field check written as a model validator of its own would escape the schema:
    every payload model's only model validator is the one that checks its ``rules``."""

    def models(root: type[BaseModel]) -> list[type[BaseModel]]:
        return [root, *(m for sub in root.__subclasses__() for m in models(sub))]

    for model in models(Payload):
        validators = model.__pydantic_decorators__.model_validators
        assert set(validators) <= {"_follows_its_rules"}, model.__name__


def test_the_catalog_lists_every_rule() -> None:
    catalog = schemas.generate()[schemas.CATALOG]
    for cls in ALL_EVENTS:
        for each in data_model(cls).rules:
            assert f"`{each.id}` | {each.text} |" in catalog


def test_blank_text_is_refused_by_both() -> None:
    doc = document(CaseRequested, setting(conflict_description="   "))
    assert model_error(CaseRequested, doc) is not None
    assert not schema_accepts(CaseRequested, doc)


@pytest.mark.parametrize(
    ("topic", "accepted"),
    [
        ("Tonen i brevene", True),
        ("Æbler – og pærer", True),
        ("  Mellemrum omkring  ", True),
        ("To\nlinjer", False),
        ("Tab\there", False),
        ("   ", False),
        ("", False),
        ("x" * 121, False),
    ],
)
def test_what_the_schema_accepts_as_a_topic_the_model_accepts(topic: str, accepted: bool) -> None:
    doc = document(PartyTopicsRecorded, setting(topics=[topic]))
    assert schema_accepts(PartyTopicsRecorded, doc) is accepted
    assert (model_error(PartyTopicsRecorded, doc) is None) is accepted
