"""NATS subjects of the contract: ``mediation.v1.<tenant>.<aggregate>.<event>``."""

import re
from dataclasses import dataclass

from mediation_contracts.envelope import TENANT_PATTERN

PREFIX = "mediation"
MAJOR = "v1"
_TOKEN = re.compile(r"^[a-z][a-z_]*$")
_TENANT = re.compile(TENANT_PATTERN)


class InvalidSubject(ValueError):
    pass


@dataclass(frozen=True)
class EventSubject:
    tenant: str
    aggregate: str
    event: str

    def __str__(self) -> str:
        return event_subject(self.tenant, self.aggregate, self.event)


def event_subject(tenant: str, aggregate: str, event: str) -> str:
    if not _TENANT.match(tenant):
        raise InvalidSubject(f"tenant {tenant!r} is not a slug ([a-z0-9-]+)")
    for token in (aggregate, event):
        if not _TOKEN.match(token):
            raise InvalidSubject(f"subject token {token!r} must be lower-case letters or '_'")
    return f"{PREFIX}.{MAJOR}.{tenant}.{aggregate}.{event}"


def subscription_subject(aggregate: str, event: str) -> str:
    """Subject matching one event type for every tenant."""
    return f"{PREFIX}.{MAJOR}.*.{aggregate}.{event}"


def parse_subject(subject: str) -> EventSubject:
    parts = subject.split(".")
    if len(parts) != 5 or parts[0] != PREFIX or parts[1] != MAJOR:
        raise InvalidSubject(f"{subject!r} is not mediation.{MAJOR}.<tenant>.<aggregate>.<event>")
    parsed = EventSubject(tenant=parts[2], aggregate=parts[3], event=parts[4])
    event_subject(parsed.tenant, parsed.aggregate, parsed.event)  # validates the tokens
    return parsed
