"""Who may say and hear what on the bus, derived from the contract (data only, no I/O).

The event catalog names each event type's producers and consumers, and :data:`COMMAND_CALLERS`
names who may send each command. NATS enforces the result: every connection is one
*principal* (a service, the mediator client, a municipal integration, or the operators'
admin), and its publish and subscribe permissions come from :func:`permissions_for`, so
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

PrincipalKind = Literal["service", "client", "integration", "admin"]
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
        if self.kind == "integration":
            if self.tenant is None or not _TENANT.match(self.tenant):
                raise AccessError("an integration belongs to one municipality: tenant slug")
            unknown = sorted(set(self.roles) - set(OUTSIDE_ROLES))
            if unknown or not self.roles:
                raise AccessError(
                    f"roles {unknown or '(none)'}: choose from {', '.join(OUTSIDE_ROLES)}"
                )
            for key in self.consume:
                event = event_by_key(key)
                if event.sensitivity == "personal" and not set(event.consumers) & set(self.roles):
                    raise AccessError(
                        f"{key} carries personal data; the catalog does not list "
                        f"{', '.join(self.roles)} as its consumer"
                    )
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
    heard = consumed_by(roles) + [event_by_key(key) for key in principal.consume]
    subscribe = [inbox_prefix(principal.name) + ".>"]
    for event in dict.fromkeys(heard):
        subject = _event_subject(tenant, event)
        subscribe.append(subject)
        name = consumer_name(principal.name, event.aggregate, event.event)
        publish += _durable_consumer(EVENTS_STREAM, name, subject)
        publish.append(f"{JS_API}.CONSUMER.DELETE.{EVENTS_STREAM}.{name}")
    return Permissions(tuple(publish), tuple(subscribe), False, inbox_prefix(principal.name))


def permissions_for(principal: Principal) -> Permissions:
    if principal.kind == "service":
        return service_permissions(principal.name)
    if principal.kind == "client":
        return client_permissions()
    if principal.kind == "integration":
        return integration_permissions(principal)
    # The operators' tool identity (streams, dead letters, replay): everything. Keep its
    # certificate with the operators, never in a service.
    return Permissions((">",), (">",), True, inbox_prefix(principal.name))


__all__ = [
    "ADMIN",
    "COMMAND_CALLERS",
    "MEDIATOR_CLIENT",
    "OUTSIDE_ROLES",
    "SERVICES",
    "AccessError",
    "Permissions",
    "Principal",
    "inbox_prefix",
    "permissions_for",
]
