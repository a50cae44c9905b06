"""Erase a closed case's personal events from the streams (data rights, issue 21).

JetStream cannot rewrite a message, and its subjects name the municipality and the event
type, not the case (``mediation.v1.<tenant>.<aggregate>.<event>``), so a case's events
cannot be purged by subject. Instead the events that carry names or contact details (the
catalog's ``personal`` types) are read one type at a time for the tenant, and those of the
erased cases are deleted by sequence; JetStream's delete overwrites the message on disk
(``no_erase`` false). Dead letters of those cases go the same way. Everything else about the
case (ids and codes) stays until the streams' age limit takes it.
"""

import json
from typing import Any

import structlog
from mediation_contracts.events import ALL_EVENTS
from mediation_contracts.streams import DLQ_STREAM, DLQ_SUBJECT_PREFIX, EVENTS_STREAM
from mediation_contracts.subjects import MAJOR, PREFIX
from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

log = structlog.get_logger("mediation.stream_erasure")

PERSONAL_EVENTS = tuple(event for event in ALL_EVENTS if event.sensitivity == "personal")


def personal_subjects(tenant: str) -> list[str]:
    return [f"{PREFIX}.{MAJOR}.{tenant}.{e.aggregate}.{e.event}" for e in PERSONAL_EVENTS]


async def _messages(js: JetStreamContext, stream: str, subject: str) -> Any:
    """Every message of ``stream`` on ``subject`` (wildcards allowed), oldest first."""
    seq = 1
    while True:
        try:
            message = await js.get_msg(stream, seq=seq, subject=subject, next=True)
        except NotFoundError:
            return
        yield message
        seq = int(message.seq or seq) + 1


def _case_of(data: bytes | None) -> str | None:
    try:
        body = json.loads(data or b"")
    except ValueError:
        return None
    subject = body.get("subject") if isinstance(body, dict) else None
    return subject if isinstance(subject, str) else None


async def _delete(js: JetStreamContext, stream: str, seq: int) -> int:
    """1 if this call deleted the message; 0 if it was gone already (another replica's
    retention sweep, or an erasure request, deleted it first)."""
    try:
        await js.delete_msg(stream, seq)
    except NotFoundError:
        return 0
    except APIError as error:
        if "no message found" in (error.description or "").lower():
            return 0
        raise
    return 1


async def erase_case_events(js: JetStreamContext, tenant: str, case_ids: set[str]) -> int:
    """Delete the tenant's personal events of ``case_ids`` from the events stream, and every
    dead letter whose body names one of them; returns how many messages were deleted."""
    deleted = 0
    for subject in personal_subjects(tenant):
        async for message in _messages(js, EVENTS_STREAM, subject):
            if _case_of(message.data) in case_ids:
                deleted += await _delete(js, EVENTS_STREAM, int(message.seq))
    async for letter in _messages(js, DLQ_STREAM, f"{DLQ_SUBJECT_PREFIX}.>"):
        body = letter.data or b""
        if any(case_id.encode() in body for case_id in case_ids):
            deleted += await _delete(js, DLQ_STREAM, int(letter.seq))
    log.info("case_events_erased", tenant=tenant, cases=len(case_ids), messages=deleted)
    return deleted
