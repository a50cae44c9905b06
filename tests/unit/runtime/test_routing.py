"""Each service's app, as bootstrap builds it, on FastStream's test broker: every event type it
consumes reaches the right handler through the events router, an event that does not belong
on its subject is dead-lettered and reaches none, and every command is answered on the
commands router. The handlers are spies; no server runs."""

import functools
import importlib
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from faststream.nats import JStream, NatsMessage, TestNatsBroker
from mediation_contracts.commands import COMMANDS, DATA_RIGHTS_COMMANDS, Reply
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import CaseRequested, FollowUpDue, PartyWithdrew
from mediation_contracts.streams import DLQ_REASON_HEADER, DLQ_STREAM, EVENTS_STREAM, dlq_subject
from mediation_runtime.service import ServiceApp

from tests.unit.contracts.test_contract import SAMPLES

SERVICES = ["intake", "scheduling", "notes", "notifications", "insights"]
SAMPLE_OF = {type(event): event for event in SAMPLES}
CASE_ID = UUID("6f1c3a52-9a43-4b43-a2c4-1d2c8e1b7a11")
# A value for every required field of a command's request (the spies never read them).
REQUEST_FIELDS: dict[str, Any] = {
    "command_id": "0b0f8d0e-5a31-4f3c-9f0e-2f7c6f1d8a90",
    "case_id": str(CASE_ID),
    "kind": "mediation",
    "format": "joint",
    "starts_at": "2026-03-02T09:00:00Z",
    "requested_by": "mediator-7",
    "marked_by": "mediator-7",
    "meeting_id": "meeting-1",
    "viewer_id": "mediator-7",
    "token": "a.signed.token",
    "text": "A summary",
    "link_token": "evaluation-link-secret-0123456789abcdef",
    "answers": {"heard": 4},
    "mediator_id": "mediator-7",
    "format_used": "joint",
    "mediation_suited": "yes",
    "recorded_by": "mediator-7",
    "result": "held",
    "from_month": "2026-01",
    "to_month": "2026-12",
}


@dataclass
class Service:
    name: str
    app: ServiceApp
    handled: list[tuple[str, type[CloudEvent]]] = field(default_factory=list)
    answered: list[tuple[str, type[Any], str]] = field(default_factory=list)
    dead_letters: list[dict[str, str]] = field(default_factory=list)
    refusing: bool = False  # the command spies' models refuse a value (see spy_command)

    @property
    def consumes(self) -> tuple[type[CloudEvent], ...]:
        module = importlib.import_module(f"{self.name}.entrypoints.subscribers")
        consumes: tuple[type[CloudEvent], ...] = module.CONSUMES
        return consumes


@functools.cache
def settings_of(name: str) -> Any:
    """The settings the AsyncAPI documents are made with: nothing connects (made once: notes'
    make a key pair)."""
    return importlib.import_module(f"{name}.asyncapi").settings()


@functools.cache
def built(name: str) -> Service:
    """The service's app, built once: its command handlers are spies, and a listener hears
    its dead-letter subject. (Its event handlers are looked up when an event comes, so each
    test puts in its own spies: :func:`spying`.)"""
    subscribers = importlib.import_module(f"{name}.entrypoints.subscribers")
    bootstrap = importlib.import_module(f"{name}.bootstrap")
    service: Service

    def spy_command(command: str) -> Any:
        async def spy(request: Any, tenant: str, deps: Any) -> Reply:
            service.answered.append((command, type(request), tenant))
            if service.refusing:
                CaseRequested.model_validate({})  # as stored data that no longer loads
            return Reply(ok=True)

        return spy

    with pytest.MonkeyPatch.context() as patch:
        for command in getattr(subscribers, "COMMANDS", {}):
            patch.setitem(subscribers.COMMANDS, command, spy_command(command))
        service = Service(name, bootstrap.create_app(settings_of(name)))

    @service.app.broker.subscriber(dlq_subject(name), stream=JStream(DLQ_STREAM, declare=False))
    async def dead_letter(body: bytes, msg: NatsMessage) -> None:
        service.dead_letters.append(dict(msg.headers))

    return service


def spying(name: str, monkeypatch: pytest.MonkeyPatch) -> Service:
    """The service's app, with spies for the handlers its subscribers call and nothing
    heard yet."""
    service = built(name)
    service.handled.clear()
    service.answered.clear()
    service.dead_letters.clear()
    service.refusing = False
    handlers = importlib.import_module(f"{name}.handlers")

    def spy_event(handler: str) -> Any:
        async def spy(event: CloudEvent, *deps: Any) -> None:
            service.handled.append((handler, type(event)))

        return spy

    for handler in [n for n in vars(handlers) if n.startswith("when_")]:
        monkeypatch.setattr(handlers, handler, spy_event(handler))
    return service


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Service:
    return spying(request.param, monkeypatch)


def handler_of(service: str, event: type[CloudEvent]) -> str:
    """The handler each service's subscribers hand an event type to."""
    if service == "intake":
        return (
            "when_case_requested_open_case"
            if event is CaseRequested
            else "when_case_event_apply_it"
        )
    return {
        "scheduling": "when_case_event_update_view",
        "notes": "when_case_event_update_view",
        "notifications": "when_event_notify",
        "insights": "when_case_event_record_it",
    }[service]


async def publish(broker: Any, event: CloudEvent | bytes, subject: str | None = None) -> None:
    """As JetStream has it: the event's JSON on its subject (or ``subject``)."""
    if isinstance(event, bytes):
        assert subject is not None
        body = event
    else:
        body, subject = event.to_json(), subject or event.nats_subject()
    await broker.publish(body, subject, stream=EVENTS_STREAM)


async def test_every_consumed_event_type_reaches_its_handler(service: Service) -> None:
    async with TestNatsBroker(service.app.broker) as broker:
        for event_type in service.consumes:
            await publish(broker, SAMPLE_OF[event_type])
    assert service.handled == [(handler_of(service.name, t), t) for t in service.consumes]
    assert service.dead_letters == []


async def test_an_event_whose_type_does_not_belong_on_its_subject_is_dead_lettered(
    service: Service,
) -> None:
    # Both types are consumed by every service, so the subscriber would accept either:
    # only the subject check stops a type from getting round the subject's permissions.
    requested, withdrew = SAMPLE_OF[CaseRequested], SAMPLE_OF[PartyWithdrew]
    async with TestNatsBroker(service.app.broker) as broker:
        await publish(broker, requested, withdrew.nats_subject())
    assert service.handled == []
    [letter] = service.dead_letters
    assert letter[DLQ_REASON_HEADER] == (
        "event type 'dk.mediation.case.requested.v1' does not belong on "
        f"{withdrew.aggregate}.{withdrew.event}"
    )


async def test_an_event_for_another_tenants_subject_is_dead_lettered(service: Service) -> None:
    requested = SAMPLE_OF[CaseRequested]
    async with TestNatsBroker(service.app.broker) as broker:
        await publish(broker, requested, requested.nats_subject().replace(".kk.", ".aarhus."))
    assert service.handled == []
    [letter] = service.dead_letters
    assert letter[DLQ_REASON_HEADER] == ("event tenant 'kk' does not match subject tenant 'aarhus'")


async def test_a_type_the_service_does_not_consume_is_dead_lettered_as_invalid(
    service: Service,
) -> None:
    due = SAMPLE_OF[FollowUpDue]  # consumed by none of the services
    subject = due.nats_subject().replace("follow_up.due", "case.requested")
    async with TestNatsBroker(service.app.broker) as broker:
        await publish(broker, due, subject)
    assert service.handled == []
    [letter] = service.dead_letters
    assert letter[DLQ_REASON_HEADER] == (
        "invalid event: type: not one of the event types this service consumes"
    )


async def test_garbage_on_an_event_subject_is_dead_lettered(service: Service) -> None:
    async with TestNatsBroker(service.app.broker) as broker:
        await publish(broker, b"\x00 not json", "mediation.v1.kk.case.requested")
    assert service.handled == []
    assert "not JSON" in service.dead_letters[0][DLQ_REASON_HEADER]


async def test_a_model_refusing_a_value_inside_a_handler_is_not_blamed_on_the_event(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The event was read and validated; a model the handler then uses refused a value
    # (stored data that no longer loads, say): a bug, retried, not an "invalid event"
    # dead-lettered on its first delivery.
    name = handler_of(service.name, CaseRequested)

    async def refuses(event: CloudEvent, *deps: Any) -> None:
        service.handled.append((name, type(event)))
        CaseRequested.model_validate({})

    monkeypatch.setattr(importlib.import_module(f"{service.name}.handlers"), name, refuses)
    async with TestNatsBroker(service.app.broker) as broker:
        await publish(broker, SAMPLE_OF[CaseRequested])
    assert service.handled == [(name, CaseRequested)]
    assert service.dead_letters == []


def own_commands(name: str) -> dict[str, Any]:
    """A service's own commands (the data-rights ones are answered by the runtime's
    personal_data module, tested against the running services)."""
    return {c: spec for c, spec in COMMANDS[name].items() if c not in DATA_RIGHTS_COMMANDS}


@pytest.mark.parametrize("name", [name for name in SERVICES if own_commands(name)])
async def test_every_command_is_answered_by_its_handler(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = spying(name, monkeypatch)
    async with TestNatsBroker(service.app.broker) as broker:
        for command, contract in own_commands(name).items():
            fields = contract.request.model_fields
            body = {f: REQUEST_FIELDS[f] for f, info in fields.items() if info.is_required()}
            subject = f"mediation.cmd.v1.aarhus.{name}.{command}"
            reply = await broker.request(json.dumps(body).encode(), subject)
            assert json.loads(reply.body) == {"ok": True}, command
    assert service.answered == [
        (command, contract.request, "aarhus") for command, contract in own_commands(name).items()
    ]
    assert service.handled == []
    assert service.dead_letters == []


@pytest.mark.parametrize("name", [name for name in SERVICES if COMMANDS.get(name)])
async def test_a_command_that_cannot_be_read_is_answered_not_dead_lettered(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = spying(name, monkeypatch)
    command = next(iter(COMMANDS[name]))
    async with TestNatsBroker(service.app.broker) as broker:
        garbage = await broker.request(b"not json", f"mediation.cmd.v1.kk.{name}.{command}")
        empty = await broker.request(b"{}", f"mediation.cmd.v1.kk.{name}.{command}")
    for reply in (garbage, empty):
        answer = json.loads(reply.body)
        assert (answer["ok"], answer["error"]["code"]) == (False, "invalid_request")
    assert service.answered == []
    assert service.dead_letters == []


@pytest.mark.parametrize("name", [name for name in SERVICES if own_commands(name)])
async def test_a_model_refusing_a_value_inside_a_command_handler_is_not_blamed_on_the_caller(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The request was read and validated; a model the handler then uses refused a value:
    # the service failed (``unavailable``, try again), the request was not invalid.
    service = spying(name, monkeypatch)
    service.refusing = True
    command, contract = next(iter(own_commands(name).items()))
    fields = contract.request.model_fields
    body = {f: REQUEST_FIELDS[f] for f, info in fields.items() if info.is_required()}
    async with TestNatsBroker(service.app.broker) as broker:
        reply = await broker.request(
            json.dumps(body).encode(), f"mediation.cmd.v1.aarhus.{name}.{command}"
        )
    answer = json.loads(reply.body)
    assert (answer["ok"], answer["error"]["code"]) == (False, "unavailable")
    assert service.answered == [(command, contract.request, "aarhus")]


def test_events_and_commands_are_on_routers_of_their_own(service: Service) -> None:
    routers = service.app.broker.routers
    assert len(routers) == 2
    events, commands = routers
    assert len(commands.subscribers) == len(COMMANDS.get(service.name, {}))
    assert len(events.subscribers) == 2, "the events' consumer and the advisories'"
