"""CloudEvents in the HTTP binding (structured, binary and batch mode) read into the contract's
events, or refused naming the field, never quoting what was sent (it may be personal data).

- **structured**: ``Content-Type: application/cloudevents+json``, the body is the event;
- **batch**: ``Content-Type: application/cloudevents-batch+json``, the body is a JSON array of
  events (all valid, or none is taken);
- **binary**: the attributes in ``ce-*`` headers (percent-encoded), ``Content-Type`` is the
  ``datacontenttype`` (``application/json``) and the body is ``data``.

The extension attributes ``tenant``, ``correlationid`` and ``causationid`` travel as
``ce-tenant`` etc. in binary mode, like every attribute.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.registry import UnknownEventType, event_class
from pydantic import ValidationError

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
Mode = Literal["structured", "binary", "batch"]
_CE = "ce-"
# Messages of pydantic's that quote the input itself; said in our words instead.
_OWN_WORDS = {
    "uuid_parsing": "Input should be a valid UUID",
    "uuid_type": "Input should be a valid UUID",
    "datetime_from_date_parsing": "Input should be a date and time with a time zone",
    "datetime_parsing": "Input should be a date and time with a time zone",
    "json_invalid": "not valid JSON",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


@dataclass
class Invalid(Exception):
    """Input that is not a valid event of the contract; nothing of it is published."""

    code: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 422

    def __str__(self) -> str:
        return self.detail


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def mode_of(headers: Mapping[str, str]) -> Mode:
    kind = media_type(headers.get("content-type"))
    if kind == BATCH:
        return "batch"
    if kind == STRUCTURED:
        return "structured"
    if "ce-specversion" in headers:
        return "binary"
    raise Invalid(
        "unsupported_media_type",
        f"send {STRUCTURED}, {BATCH}, or binary mode (ce-* headers with application/json)",
        status=415,
    )


def read_events(headers: Mapping[str, str], body: bytes, max_batch: int) -> list[CloudEvent]:
    """Every event of the request, validated; raises :class:`Invalid` for the first problem
    (a batch names the index of the event: ``[3].data.parties``)."""
    mode = mode_of(headers)
    if mode == "binary":
        return [validate(_binary_document(headers, body), prefix="")]
    document = _json(body)
    if mode == "structured":
        return [validate(document, prefix="")]
    if not isinstance(document, list):
        raise Invalid("not_a_batch", "a batch is a JSON array of events", status=400)
    if not document:
        raise Invalid("empty_batch", "a batch holds at least one event", status=400)
    if len(document) > max_batch:
        raise Invalid("batch_too_large", f"at most {max_batch} events in one batch", status=413)
    events = [validate(item, prefix=f"[{index}]") for index, item in enumerate(document)]
    ids = [event.id for event in events]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i, value in enumerate(ids) if ids.index(value) != i)
        raise Invalid(
            "duplicate_id",
            "two events of the batch have the same id",
            [FieldError(f"[{duplicate}].id", "duplicate", "the same id as an earlier event")],
        )
    return events


def validate(document: Any, prefix: str) -> CloudEvent:
    """One event document against the contract's model of its ``type``."""
    where = f"{prefix}." if prefix else ""
    if not isinstance(document, dict):
        raise Invalid(
            "not_an_event",
            "an event is a JSON object",
            [FieldError(prefix or "<document>", "object_type", "must be a JSON object")],
        )
    if document.get("specversion") != "1.0":
        raise Invalid(
            "invalid_event",
            "only CloudEvents 1.0",
            [FieldError(f"{where}specversion", "literal_error", "must be '1.0'")],
        )
    kind = document.get("type")
    try:
        cls = event_class(kind if isinstance(kind, str) else "")
    except UnknownEventType:
        raise Invalid(
            "unknown_type",
            "not an event type of the contract",
            [
                FieldError(
                    f"{where}type",
                    "unknown_type",
                    "not an event type of the contract (see the event catalog)",
                )
            ],
        ) from None
    try:
        return cls.model_validate(document)
    except ValidationError as error:
        raise Invalid(
            "invalid_event",
            f"not a valid {cls.type_name()}",
            [
                FieldError(
                    where + _path(problem["loc"]),
                    problem["type"],
                    _OWN_WORDS.get(problem["type"], problem["msg"]),
                )
                for problem in error.errors(
                    include_input=False, include_url=False, include_context=False
                )
            ],
        ) from None


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<document>"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise Invalid("malformed_json", "the body is not valid JSON (UTF-8)", status=400) from None


def _binary_document(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The structured form of a binary-mode event: attributes from ``ce-*`` (decoded), the
    content type as ``datacontenttype`` and the body as ``data``."""
    content_type = media_type(headers.get("content-type"))
    if content_type != "application/json":
        raise Invalid(
            "invalid_event",
            "data must be application/json",
            [FieldError("datacontenttype", "literal_error", "must be application/json")],
            status=415,
        )
    document: dict[str, Any] = {
        name[len(_CE) :]: unquote(value)
        for name, value in headers.items()
        if name.startswith(_CE) and len(name) > len(_CE)
    }
    document["datacontenttype"] = content_type
    try:
        document["data"] = json.loads(body)
    except (ValueError, RecursionError):
        raise Invalid(
            "invalid_event",
            "data is not valid JSON",
            [FieldError("data", "json_invalid", "not valid JSON")],
            status=400,
        ) from None
    return document
