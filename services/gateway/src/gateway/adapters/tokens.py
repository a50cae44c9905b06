"""Who a client-credentials token is: verified with the shared verifier
(``mediation_runtime.tokens``: signature against the identity provider's keys, expiry,
audience, issuer), then the gateway's claims:

- ``sub`` (or ``client_id``): the client, as the identity provider knows it;
- ``tenant``: the municipality's slug, the only one whose data it may send and hear;
- ``roles``: its roles in the event catalog (``case systems``, ``citizen portal``,
  ``ombudsman office``, ``requesting systems``), a list or a space-separated string;
- ``consume`` (optional): further event types (``aggregate.event``) it may hear; a personal
  one only where the catalog lists one of its roles as its consumer.

See docs/gateway.md for what an identity provider's administrator configures.
"""

from typing import Any

from mediation_runtime.tokens import JwtVerifier, TokenRefused

from gateway.domain.callers import Caller


def _strings(value: Any, claim: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part for part in value.split(" ") if part)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise TokenRefused("malformed_claim", claim)


class TokenCallers:
    def __init__(self, verifier: JwtVerifier) -> None:
        self.verifier = verifier

    def caller(self, token: str) -> Caller:
        claims = self.verifier.verify(token)
        name = claims.get("client_id", claims.get("sub"))
        tenant = claims.get("tenant")
        if not isinstance(name, str) or not name:
            raise TokenRefused("missing_claim", "sub")
        if not isinstance(tenant, str) or not tenant:
            raise TokenRefused("missing_claim", "tenant")
        if "roles" not in claims:
            raise TokenRefused("missing_claim", "roles")
        roles = _strings(claims["roles"], "roles")
        consume = _strings(claims.get("consume", []), "consume")
        return Caller(name, tenant, roles, consume, via="token")
