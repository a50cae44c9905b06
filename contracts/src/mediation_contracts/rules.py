"""Cross-field rules of the contract: one definition for the models and the JSON Schemas.

A payload lists its rules (``Payload.rules``). Each rule is checked by the model, in order,
raising its ``text``; and it is published in the payload's JSON Schema: as a JSON Schema
(``schema``, placed in the payload's ``allOf``) where JSON Schema can say it, and always by
name in the payload's ``description`` and its machine-readable ``x-rules`` list, with
``in_schema`` saying how much of it a JSON Schema validator checks:

- ``full``: the schema rejects exactly what the rule rejects;
- ``partial``: the schema rejects part of it (``schema`` is a necessary condition); the rest
  only the services check;
- ``none``: JSON Schema cannot express it (e.g. uniqueness of a property across array items,
  or a reference from one field to another array's items); only the services check it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Coverage = Literal["full", "partial", "none"]


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    """What must hold, as the error a violation raises; ids and codes only, never input."""
    holds: Callable[[Any], bool]
    schema: dict[str, Any] | None = None
    """The JSON Schema (of the payload object) that expresses the rule, or its necessary part."""
    in_schema: Coverage = "none"

    def __post_init__(self) -> None:
        if (self.schema is None) != (self.in_schema == "none"):
            raise ValueError(f"rule {self.id}: a schema exactly when in_schema is not 'none'")


IN_SCHEMA_WORDS: dict[Coverage, str] = {
    "full": "this schema checks it",
    "partial": "this schema checks it only in part, the services all of it",
    "none": "JSON Schema cannot express it; the services check it",
}


def check(rules: tuple[Rule, ...], payload: object) -> None:
    """Raise ``ValueError`` with the text of the first rule ``payload`` breaks."""
    for rule in rules:
        if not rule.holds(payload):
            raise ValueError(rule.text)


def publish(rules: tuple[Rule, ...], schema: dict[str, Any]) -> None:
    """Add ``rules`` to the JSON Schema of their payload (in place)."""
    if not rules:
        return
    expressed = [rule.schema for rule in rules if rule.schema is not None]
    if expressed:
        schema["allOf"] = [*schema.get("allOf", []), *expressed]
    named = "\n".join(f"- {rule.text} ({IN_SCHEMA_WORDS[rule.in_schema]})." for rule in rules)
    lead = schema.get("description", "")
    rules_part = (
        "Rules across fields, which the services enforce (also those JSON Schema cannot "
        f"express):\n{named}"
    )
    schema["description"] = f"{lead}\n\n{rules_part}" if lead else rules_part
    schema["x-rules"] = [
        {"id": rule.id, "rule": rule.text, "in_schema": rule.in_schema} for rule in rules
    ]


# --- building blocks for the rules' schemas ----------------------------------------------


def has(name: str, value: str) -> dict[str, Any]:
    """An object whose required property ``name`` is ``value``."""
    return {"properties": {name: {"const": value}}, "required": [name]}


def when(condition: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    return {"if": condition, "then": then}
