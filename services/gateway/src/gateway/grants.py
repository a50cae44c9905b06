"""Whether a subscription may still receive an event, asked before every delivery.

Permission is checked when subscribing, but a client can lose it later: its certificate is
revoked or the integration removed (``bus_access revoke``/``remove``), its roles change, or a
new contract no longer lets its roles hear a (personal) event type. So the owner's grants are
checked again at each attempt, from what is known now:

- a client certificate's integration: the bus's ``principals.json`` as it is now;
- a token client: the roles and extra types of its most recent token (recorded at each of its
  calls; the identity provider's change is seen at the client's next call), checked against
  the contract as it is now.

A delivery that is no longer allowed is not sent: it becomes a dead letter with the error code
(``not_allowed:<code>``), so the client sees why, and redelivering it checks again.
"""

from typing import Any

from mediation_contracts.registry import UnknownEventType, event_class

from gateway.adapters.clients import ClientRegistry
from gateway.domain.callers import Caller, NotAllowed


class Grants:
    def __init__(self, certificates: ClientRegistry | None) -> None:
        self.certificates = certificates

    def refusal(self, subscription: dict[str, Any], type_name: str) -> str | None:
        """None when the subscription's owner may hear ``type_name`` now, else a code."""
        try:
            caller = self._owner(subscription)
            caller.for_tenant(subscription["tenant"])
            caller.may_hear(event_class(type_name))
        except NotAllowed as refused:
            return f"not_allowed:{refused.code}"
        except UnknownEventType:
            return "not_allowed:unknown_type"
        return None

    def _owner(self, subscription: dict[str, Any]) -> Caller:
        if subscription.get("via") == "certificate":
            if self.certificates is None:
                raise NotAllowed("unknown_client", "client certificates are not accepted now")
            return self.certificates.current(subscription["owner"])
        return Caller(
            subscription["owner"],
            subscription["tenant"],
            tuple(subscription.get("roles", ())),
            tuple(subscription.get("consume", ())),
        )
