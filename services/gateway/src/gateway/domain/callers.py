"""Who is calling and what the contract lets them send and hear.

A caller is one outside system of one municipality, authenticated by a client-credentials
token or a client certificate; either way it has the same shape as an integration on the bus
(``mediation_contracts.access.Principal``): a name, its municipality, its catalog roles and
any further event types granted to it. What it may send and hear follows from the contract
exactly as its NATS permissions would, so both ways in agree.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from mediation_contracts.access import OUTSIDE_ROLES, AccessError, heard_by, produced_by
from mediation_contracts.envelope import CloudEvent

Via = Literal["token", "certificate"]


class NotAllowed(Exception):
    """The caller may not do this; ``code`` is stable and safe to answer with."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Caller:
    name: str
    tenant: str
    roles: tuple[str, ...]
    consume: tuple[str, ...] = ()
    via: Via = "token"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.roles) - set(OUTSIDE_ROLES))
        if unknown or not self.roles:
            raise NotAllowed("unknown_role", f"roles must be among: {', '.join(OUTSIDE_ROLES)}")
        try:
            heard_by(self.roles, self.consume)
        except AccessError as error:
            raise NotAllowed("not_allowed", str(error)) from None

    @cached_property
    def sendable(self) -> tuple[type[CloudEvent], ...]:
        return tuple(produced_by(self.roles))

    @cached_property
    def hearable(self) -> tuple[type[CloudEvent], ...]:
        return tuple(heard_by(self.roles, self.consume))

    def for_tenant(self, tenant: str) -> None:
        """Only its own municipality's data, in and out."""
        if tenant != self.tenant:
            raise NotAllowed("wrong_tenant", "this client belongs to another municipality")

    def may_send(self, event: type[CloudEvent]) -> None:
        if event not in self.sendable:
            raise NotAllowed(
                "type_not_allowed",
                f"{event.type_name()} is not among the events this client's roles may send",
            )

    def may_hear(self, event: type[CloudEvent]) -> None:
        if event not in self.hearable:
            raise NotAllowed(
                "type_not_allowed",
                f"{event.type_name()} is not among the events this client may hear",
            )
