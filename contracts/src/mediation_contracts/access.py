"""Who may say and hear what on the bus, derived from the contract (data only, no I/O).

The event catalog names each event type's producers and consumers, and :data:`COMMAND_CALLERS`
names who may send each command. NATS enforces the result: every connection is one
*principal* (a service, the mediator client, the HTTP gateway, a municipal integration, or the
operators' admin), and its publish and subscribe permissions come from :func:`permissions_for`, so
nothing is written twice. ``mediation_runtime.bus_access`` renders them into the server's
configuration.

Requesters get private replies: each principal uses its own inbox prefix
(``_INBOX.<principal>``) and only it may subscribe there; services answer requests through
NATS's ``allow_responses`` instead of a publish permission on inboxes.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from mediation_contracts.commands import COMMAND_PREFIX, COMMANDS
from mediation_contracts.envelope import TENANT_PATTERN, CloudEvent
from mediation_contracts.events import ALL_EVENTS
from mediation_contracts.streams import (
    ADVISORIES_STREAM,
    ADVISORIES_SUBJECTS,
    DLQ_STREAM,
    EVENTS_STREAM,
    STREAMS,
    consumer_name,
    dlq_subject,
    events_consumer,
)
from mediation_contracts.subjects import MAJOR, PREFIX

SERVICES = ("intake", "scheduling", "notes", "notifications", "insights")
MEDIATOR_CLIENT_ROLE = "mediator client"
MEDIATOR_CLIENT = "mediator-client"
GATEWAY = "gateway"
ADMIN = "admin"
STREAM_ERASER = "intake"
"""The service that erases a closed case's personal events from the streams on a data
protection request: it owns the case lifecycle, so it knows which cases are closed."""
# The roles of systems outside this project, as the catalog names them.
OUTSIDE_ROLES = (
    "citizen portal",
    "case systems",
    "ombudsman office",
    "requesting systems",
    # The municipality's data protection staff: the data-rights commands only (issue 21).
    "data protection office",
)

# Who may send each command, in the catalog's role names (from the command table).
COMMAND_CALLERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    service: {name: spec.callers for name, spec in commands.items()}
    for service, commands in COMMANDS.items()
}

PrincipalKind = Literal["service", "client", "gateway", "integration", "admin"]
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_TENANT = re.compile(TENANT_PATTERN)
JS_API = "$JS.API"


class AccessError(ValueError):
    """A principal that the contract does not allow (unknown role, event or tenant)."""


@dataclass(frozen=True)
class Principal:
    """One identity on the bus. ``tenant`` and ``roles`` only for integrations; ``consume``
    adds event types (``aggregate.event``) an integration may hear beyond its roles'."""

    name: str
    kind: PrincipalKind
    tenant: str | None = None
    roles: tuple[str, ...] = ()
    consume: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise AccessError(f"principal name {self.name!r}: lower-case letters, digits, '-'")
        if self.kind == "service" and self.name not in SERVICES:
            raise AccessError(f"{self.name!r} is not a service ({', '.join(SERVICES)})")
        if self.kind == "gateway" and self.name != GATEWAY:
            raise AccessError(f"the gateway's principal is {GATEWAY!r}")
        if self.kind == "integration":
            if self.tenant is None or not _TENANT.match(self.tenant):
                raise AccessError("an integration belongs to one municipality: tenant slug")
            unknown = sorted(set(self.roles) - set(OUTSIDE_ROLES))
            if unknown or not self.roles:
                raise AccessError(
                    f"roles {unknown or '(none)'}: choose from {', '.join(OUTSIDE_ROLES)}"
                )
            heard_by(self.roles, self.consume)  # refuses personal events not for its roles
        elif self.tenant is not None or self.roles or self.consume:
            raise AccessError("only an integration has a tenant, roles or extra event types")


@dataclass(frozen=True)
class Permissions:
    """NATS permissions of one principal: subjects it may publish and subscribe to."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool = False
    inbox_prefix: str = field(default="")


def inbox_prefix(principal: str) -> str:
    """The private inbox prefix of ``principal``; its connections must use it."""
    return f"_INBOX.{principal}"


def event_key(event: type[CloudEvent]) -> str:
    return f"{event.aggregate}.{event.event}"


def event_by_key(key: str) -> type[CloudEvent]:
    for event in ALL_EVENTS:
        if event_key(event) == key:
            return event
    raise AccessError(f"unknown event {key!r} (aggregate.event, e.g. case.request_refused)")


def produced_by(roles: Iterable[str]) -> list[type[CloudEvent]]:
    wanted = set(roles)
    return [event for event in ALL_EVENTS if wanted & set(event.producers)]


def consumed_by(roles: Iterable[str]) -> list[type[CloudEvent]]:
    wanted = set(roles)
    return [event for event in ALL_EVENTS if wanted & set(event.consumers)]


def heard_by(roles: Iterable[str], consume: Iterable[str] = ()) -> list[type[CloudEvent]]:
    """What a system in ``roles`` hears: the events the catalog lists its roles as consumers
    of, plus the event types (``aggregate.event``) granted to it; a personal one only where
    the catalog lists one of its roles as its consumer."""
    roles = tuple(roles)
    heard = consumed_by(roles)
    for key in consume:
        event = event_by_key(key)
        if event.sensitivity == "personal" and not set(event.consumers) & set(roles):
            raise AccessError(
                f"{key} carries personal data; the catalog does not list "
                f"{', '.join(roles)} as its consumer"
            )
        heard.append(event)
    return list(dict.fromkeys(heard))


def outside_producible() -> list[type[CloudEvent]]:
    """Every event some outside system may send: what the gateway may publish for them."""
    return produced_by(OUTSIDE_ROLES)


def outside_hearable() -> list[type[CloudEvent]]:
    """Every event some outside system may hear: its roles' events, and any non-personal one
    (which an integration may be granted); what the gateway consumes for its subscribers."""
    return [
        event
        for event in ALL_EVENTS
        if event.sensitivity != "personal" or set(event.consumers) & set(OUTSIDE_ROLES)
    ]


def commands_for(roles: Iterable[str]) -> list[tuple[str, str]]:
    wanted = set(roles)
    return [
        (service, command)
        for service, commands in COMMAND_CALLERS.items()
        for command, callers in commands.items()
        if wanted & set(callers)
    ]


def _event_subject(tenant: str, event: type[CloudEvent]) -> str:
    return f"{PREFIX}.{MAJOR}.{tenant}.{event.aggregate}.{event.event}"


def _durable_consumer(stream: str, name: str, filter_subject: str | None) -> list[str]:
    """What a client needs to create, bind to, pull from and ack one durable consumer (with
    one filter subject, the server holds it to that subject; None: several filters)."""
    create = f"{JS_API}.CONSUMER.CREATE.{stream}.{name}"
    return [
        create if filter_subject is None else f"{create}.{filter_subject}",
        f"{JS_API}.CONSUMER.INFO.{stream}.{name}",
        f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{name}",
        f"$JS.ACK.{stream}.{name}.>",
    ]


def service_permissions(service: str) -> Permissions:
    """Publish its own events, dead letters and replies; consume what the catalog lists."""
    publish = [_event_subject("*", event) for event in produced_by([service])]
    publish.append(dlq_subject(service))
    if consumed := consumed_by([service]):
        # One consumer over several subjects: NATS cannot hold its filters to a list, so
        # the service's own code sets them (the catalog's, see delivery.event_subscriber).
        publish += _durable_consumer(EVENTS_STREAM, events_consumer(service), None)
    for event in consumed:
        # The per-event-type consumers of earlier versions: where they got to, then gone.
        legacy = consumer_name(service, event.aggregate, event.event)
        publish += [
            f"{JS_API}.CONSUMER.{verb}.{EVENTS_STREAM}.{legacy}" for verb in ("INFO", "DELETE")
        ]
    advisories = f"{service}-max-deliveries"
    publish += _durable_consumer(ADVISORIES_STREAM, advisories, ADVISORIES_SUBJECTS[0])
    # Streams: services create or update them at start; read one event to dead-letter it.
    for spec in STREAMS:
        publish += [f"{JS_API}.STREAM.{verb}.{spec.name}" for verb in ("INFO", "CREATE", "UPDATE")]
    publish += [f"{JS_API}.STREAM.MSG.GET.{EVENTS_STREAM}", f"{JS_API}.INFO"]
    if service == STREAM_ERASER:
        # Erasure (data rights): a closed case's personal events and dead letters go.
        publish += [
            f"{JS_API}.STREAM.MSG.DELETE.{EVENTS_STREAM}",
            f"{JS_API}.STREAM.MSG.GET.{DLQ_STREAM}",
            f"{JS_API}.STREAM.MSG.DELETE.{DLQ_STREAM}",
        ]
    subscribe = [inbox_prefix(service) + ".>"]
    subscribe += [f"{COMMAND_PREFIX}.*.{service}.{command}" for command in COMMAND_CALLERS[service]]
    return Permissions(tuple(publish), tuple(subscribe), True, inbox_prefix(service))


def client_permissions() -> Permissions:
    """The mediator client acts for mediators of every municipality it serves."""
    roles = [MEDIATOR_CLIENT_ROLE]
    publish = [_event_subject("*", event) for event in produced_by(roles)]
    publish += [f"{COMMAND_PREFIX}.*.{s}.{c}" for s, c in commands_for(roles)]
    subscribe = [inbox_prefix(MEDIATOR_CLIENT) + ".>"]
    subscribe += [_event_subject("*", event) for event in consumed_by(roles)]
    return Permissions(tuple(publish), tuple(subscribe), False, inbox_prefix(MEDIATOR_CLIENT))


def integration_permissions(principal: Principal) -> Permissions:
    """One municipality's system: its own tenant's subjects only, the events its roles may
    produce, the commands they may send, and the events they may hear, core or through a
    durable consumer named ``<integration>-<aggregate>-<event>``."""
    if principal.tenant is None:
        raise AccessError("an integration belongs to one municipality")
    tenant, roles = principal.tenant, principal.roles
    publish = [_event_subject(tenant, event) for event in produced_by(roles)]
    publish += [f"{COMMAND_PREFIX}.{tenant}.{s}.{c}" for s, c in commands_for(roles)]
    heard = heard_by(roles, principal.consume)
    subscribe = [inbox_prefix(principal.name) + ".>"]
    for event in heard:
        subject = _event_subject(tenant, event)
        subscribe.append(subject)
        name = consumer_name(principal.name, event.aggregate, event.event)
        publish += _durable_consumer(EVENTS_STREAM, name, subject)
        publish.append(f"{JS_API}.CONSUMER.DELETE.{EVENTS_STREAM}.{name}")
    return Permissions(tuple(publish), tuple(subscribe), False, inbox_prefix(principal.name))


GATEWAY_REPLAY_CONSUMERS = tuple(f"{GATEWAY}-replay-{slot}" for slot in range(4))
"""The gateway's short-lived consumers that read the stream again for a replay: a few fixed
names (NATS permissions match whole tokens, so a name cannot be a pattern), at most that many
replays at once."""


def gateway_permissions() -> Permissions:
    """The HTTP gateway speaks for outside systems of every municipality: it may publish what
    some outside role may send, for every tenant (it checks each caller's tenant and roles
    itself, as NATS does for an integration), and consume what some outside system may hear,
    through its one durable consumer and, for replays, short-lived consumers each held by the
    server to one such subject. It may dead-letter what it cannot read, like any service, and
    answers the commands the contract gives it (the data-rights ones: its delivery records
    hold copies of events) as a service does, through ``allow_responses``."""
    publish = [_event_subject("*", event) for event in outside_producible()]
    publish.append(dlq_subject(GATEWAY))
    publish += _durable_consumer(EVENTS_STREAM, events_consumer(GATEWAY), None)
    for event in outside_hearable():
        # Its per-event-type consumers of earlier versions (none yet: the runtime asks).
        legacy = consumer_name(GATEWAY, event.aggregate, event.event)
        publish += [
            f"{JS_API}.CONSUMER.{verb}.{EVENTS_STREAM}.{legacy}" for verb in ("INFO", "DELETE")
        ]
    for replay in GATEWAY_REPLAY_CONSUMERS:
        # Each held by the server to one subject an outside system may hear.
        create = f"{JS_API}.CONSUMER.CREATE.{EVENTS_STREAM}.{replay}"
        publish += [f"{create}.{_event_subject('*', event)}" for event in outside_hearable()]
        publish += [
            f"{JS_API}.CONSUMER.{verb}.{EVENTS_STREAM}.{replay}"
            for verb in ("INFO", "DELETE", "MSG.NEXT")
        ]
    advisories = f"{GATEWAY}-max-deliveries"
    publish += _durable_consumer(ADVISORIES_STREAM, advisories, ADVISORIES_SUBJECTS[0])
    for spec in STREAMS:
        publish += [f"{JS_API}.STREAM.{verb}.{spec.name}" for verb in ("INFO", "CREATE", "UPDATE")]
    publish += [f"{JS_API}.STREAM.MSG.GET.{EVENTS_STREAM}", f"{JS_API}.INFO"]
    subscribe = [inbox_prefix(GATEWAY) + ".>"]
    subscribe += [f"{COMMAND_PREFIX}.*.{GATEWAY}.{command}" for command in COMMAND_CALLERS[GATEWAY]]
    answers = bool(COMMAND_CALLERS[GATEWAY])
    return Permissions(tuple(publish), tuple(subscribe), answers, inbox_prefix(GATEWAY))


def permissions_for(principal: Principal) -> Permissions:
    if principal.kind == "service":
        return service_permissions(principal.name)
    if principal.kind == "client":
        return client_permissions()
    if principal.kind == "gateway":
        return gateway_permissions()
    if principal.kind == "integration":
        return integration_permissions(principal)
    # The operators' tool identity (streams, dead letters, replay): everything. Keep its
    # certificate with the operators, never in a service.
    return Permissions((">",), (">",), True, inbox_prefix(principal.name))


__all__ = [
    "ADMIN",
    "COMMAND_CALLERS",
    "GATEWAY",
    "GATEWAY_REPLAY_CONSUMERS",
    "MEDIATOR_CLIENT",
    "OUTSIDE_ROLES",
    "SERVICES",
    "AccessError",
    "Permissions",
    "Principal",
    "heard_by",
    "inbox_prefix",
    "outside_hearable",
    "outside_producible",
    "permissions_for",
]
