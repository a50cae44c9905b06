"""Test-side view of the bus and the database: publish as any NATS client would, read back."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mediation_contracts.commands import COMMANDS, Reply, command_subject, reply_adapter
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import DLQ_STREAM, EVENTS_STREAM
from mediation_runtime import dead_letters as dead_letters_tool
from nats.aio.client import Client
from nats.js import JetStreamContext
from pydantic import BaseModel

T = TypeVar("T")


def documented_reply(service: str, command: str, raw: bytes) -> Reply:
    """A reply as the contract publishes it: it fits the command's reply schema and carries
    ``ok`` with exactly its result fields, and its optional ones when they apply (or
    ``error``), never an unrelated key as null."""
    document = json.loads(raw)
    reply_adapter(service, command).validate_python(document)
    spec = COMMANDS[service][command]
    expected = set(spec.result) if document["ok"] else {"error"}
    allowed = set(spec.optional) if document["ok"] else set()
    assert {"ok", *expected} <= set(document) <= {"ok", *expected, *allowed}, (
        f"{service}.{command} replied {sorted(document)}"
    )
    return Reply.model_validate(document)


def service_of(command: str) -> str:
    """The service that answers ``command`` (command names are unique in the contract)."""
    [service] = [service for service, commands in COMMANDS.items() if command in commands]
    return service


async def asked(nc: Client, tenant: str, command: str, request: BaseModel | bytes) -> bytes:
    """The raw reply to one of the documented request-reply commands, sent as the client does
    (``request`` as a model, or as bytes to try what the service does with them)."""
    body = request if isinstance(request, bytes) else request.model_dump_json().encode()
    subject = command_subject(tenant, service_of(command), command)
    return (await nc.request(subject, body, timeout=10)).data


async def ask(nc: Client, tenant: str, command: str, request: BaseModel | bytes) -> Reply:
    """The reply to a documented command, checked against its documentation."""
    raw = await asked(nc, tenant, command, request)
    return documented_reply(service_of(command), command, raw)


async def wait_for(
    probe: Callable[[], Awaitable[T]], *, timeout: float = 60.0, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout``.
    What holds is seen at once; the timeout is for a loaded machine (a CI runner, two cores
    shared with other suites), where 20 s was measured too short."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {result!r}")
        await asyncio.sleep(0.1)


async def publish(js: JetStreamContext, event: CloudEvent | bytes, subject: str = "") -> None:
    """Publish like an external system: plain JetStream publish, no Nats-Msg-Id."""
    if isinstance(event, CloudEvent):
        await js.publish(subject or event.nats_subject(), event.to_json())
    else:
        await js.publish(subject, event)


@dataclass
class StoredMessage:
    subject: str
    data: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.data)
        return document


async def read_stream(js: JetStreamContext, stream: str, subject: str) -> list[StoredMessage]:
    return [
        StoredMessage(msg.subject, msg.data, dict(msg.headers or {}))
        for msg in await dead_letters_tool.read_stream(js, stream, subject)
    ]


async def events_of(js: JetStreamContext, tenant: str, event: str = "*.*") -> list[dict[str, Any]]:
    return [
        m.json() for m in await read_stream(js, EVENTS_STREAM, f"mediation.v1.{tenant}.{event}")
    ]


async def dead_letters(js: JetStreamContext, tenant: str) -> list[StoredMessage]:
    """Dead letters of intake whose original subject belongs to ``tenant``."""
    messages = await read_stream(js, DLQ_STREAM, "mediation.dlq.intake")
    return [
        m
        for m in messages
        if m.headers.get("Mediation-Original-Subject", "").startswith(f"mediation.v1.{tenant}.")
    ]
