"""Look up and parse events by their CloudEvents ``type``."""

import json
from typing import Any

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import ALL_EVENTS

_BY_TYPE: dict[str, type[CloudEvent]] = {cls.type_name(): cls for cls in ALL_EVENTS}


class UnknownEventType(ValueError):
    pass


def event_class(type_name: str) -> type[CloudEvent]:
    try:
        return _BY_TYPE[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}") from None


def parse_event(raw: bytes | str | dict[str, Any]) -> CloudEvent:
    """Parse a structured-mode CloudEvent into its typed class.

    Raises ``ValueError`` (``json.JSONDecodeError``, ``UnknownEventType`` or pydantic's
    ``ValidationError``) for anything that is not a valid event of the contract.
    """
    document = json.loads(raw) if isinstance(raw, bytes | str) else raw
    if not isinstance(document, dict):
        raise ValueError("a CloudEvent must be a JSON object")
    return event_class(str(document.get("type"))).model_validate(document)
