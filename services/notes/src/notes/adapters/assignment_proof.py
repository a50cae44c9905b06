"""Who made an assignment, proven (README, "Confidentiality", rule 4).

``MediatorAssigned`` makes people a case's mediator and note-taker, and so readers of its
summaries. Anyone allowed to publish on the bus can publish one, so notes believes it only
with its ``proof``: a compact JWE sealed to notes' proof key
(:mod:`notes.adapters.proof_keys`) whose plaintext, an
:class:`~mediation_contracts.events.AssignmentProof`, holds the acting person's identity token
and the one event it authorises. Nobody but notes can open it, so the bearer
token in it cannot be read from the stream, and it authorises nothing but this event, which
notes applies once.

:meth:`AssignmentProofs.actor` checks, in this order, and refuses with a
:class:`ProofRefused` whose ``reason`` is a code (never the token or anything from it):

1. there is a proof, and it opens with one of notes' keys using exactly ECDH-ES+A256KW and
   A256GCM (no other algorithm, no compression): else ``missing`` / ``unreadable``;
2. its plaintext is an ``AssignmentProof`` (``malformed``) for exactly this event: id, tenant,
   case, time, mediator and note-taker (``not_for_this_event:<field>``);
3. the event's time is not in the future, beyond the clock skew allowed for tokens
   (``event_in_future``);
4. the token verifies as for a command (signature, issuer, audience, tenant), except that it
   must have been valid at the event's time, not now: an assignment may be applied late (a
   consumer catching up, a dead letter replayed) (``invalid_token:<reason>``). When the
   identity provider's keys cannot be fetched, :class:`~notes.adapters.identity.KeysUnavailable`
   goes up instead: an outage, retried like any, not a verdict on the proof.

Whether the person it names may make this assignment is the access policy's
(:func:`notes.domain.access.may_assign`).
"""

from datetime import datetime, timedelta
from typing import Final

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from mediation_contracts.events import AssignmentProof, MediatorAssigned
from pydantic import ValidationError

from notes.adapters.identity import InvalidToken, KeysUnavailable, TokenVerifier
from notes.adapters.proof_keys import ALGORITHM, ENCRYPTION
from notes.domain.identity import Identity

_REGISTRY: Final = jwe.JWERegistry(algorithms=[ALGORITHM, ENCRYPTION])


class ProofRefused(Exception):
    """The assignment is not proven. ``reason`` is a code; the message never holds the proof,
    the token or anything read from them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AssignmentProofs:
    """Opens and checks the proofs of assignments with notes' private ``keys`` and the same
    ``verifier`` as for commands."""

    def __init__(self, keys: KeySet, verifier: TokenVerifier) -> None:
        self._keys = keys
        self._verifier = verifier

    def __repr__(self) -> str:
        return "AssignmentProofs(<keys hidden>)"

    @property
    def may_block(self) -> bool:
        """True when :meth:`actor` may wait on the identity provider (keys from a URL)."""
        return self._verifier.keys.may_block

    def actor(self, event: MediatorAssigned, now: datetime) -> Identity:
        """The verified person who made ``event``, or :class:`ProofRefused`.

        Blocking: with a JWKS URL a cold key cache means a fetch (run it in a thread).
        """
        proof = self._opened(event.data.proof)
        mismatch = proof.mismatch(event)
        if mismatch is not None:
            raise ProofRefused(f"not_for_this_event:{mismatch}")
        if event.time > now + timedelta(seconds=self._verifier.leeway_seconds):
            raise ProofRefused("event_in_future")
        try:
            return self._verifier.verify(proof.token, event.tenant, at=event.time)
        except KeysUnavailable:
            raise  # the identity provider is unreachable: retry later, do not refuse
        except InvalidToken as invalid:
            raise ProofRefused(f"invalid_token:{invalid.reason}") from None

    def _opened(self, sealed: str | None) -> AssignmentProof:
        if sealed is None:
            raise ProofRefused("missing")
        try:
            plaintext = jwe.decrypt_compact(sealed, self._keys, registry=_REGISTRY).plaintext
        # Wrong key, unknown kid, another algorithm, tampered or truncated: 22,000 mutated and
        # random inputs gave JoseError, ValueError or KeyError (an unknown curve in ``epk``).
        except (JoseError, ValueError, KeyError, TypeError):
            raise ProofRefused("unreadable") from None
        if plaintext is None:
            raise ProofRefused("unreadable")
        try:
            return AssignmentProof.model_validate_json(plaintext)
        except ValidationError:
            raise ProofRefused("malformed") from None
