"""The proof a ``MediatorAssigned`` carries for notes: the signed-in mediator's notes token,
bound to that one event and sealed to notes' public proof key (``MEDIATOR_NOTES_PUBLIC_KEY_FILE``).

Notes lets a mediator read a case's summaries only when the assignment proves who made it
(see the contract's ``MediatorAssignedData.proof``). Sealed, the token cannot be read by
anyone else on the bus, nor later from the stream.
"""

import json
from pathlib import Path
from typing import Final

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, OKPKey, import_key
from mediation_contracts.events import AssignmentProof, MediatorAssigned

from mediator_client.identity import IdentityError

ALGORITHM: Final = "ECDH-ES+A256KW"
ENCRYPTION: Final = "A256GCM"
CURVES: Final = frozenset({"X25519", "X448", "P-256", "P-384", "P-521"})  # ECDH-ES


class ProofSealer:
    """Seals assignment proofs to notes' public proof key."""

    def __init__(self, public_key: Key) -> None:
        self._key = public_key

    @classmethod
    def from_file(cls, path: Path) -> "ProofSealer":
        """Notes' public proof key (a JWK), read once; :class:`IdentityError` names what to fix."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            key = import_key(document) if isinstance(document, dict) else None
        except OSError as error:
            raise IdentityError(
                f"cannot read notes' public proof key {path} ({error.strerror}): set "
                "MEDIATOR_NOTES_PUBLIC_KEY_FILE to the file "
                "`python -m notes.adapters.proof_keys init` made"
            ) from None
        except (ValueError, JoseError, TypeError, KeyError):
            key = None
        if not isinstance(key, ECKey | OKPKey) or key.curve_name not in CURVES:
            raise IdentityError(
                f"{path} must hold notes' public proof key: an EC or OKP JWK for ECDH-ES"
            )
        if key.is_private:
            raise IdentityError(
                f"{path} holds a private key: the client gets only notes' public proof key"
            )
        key.ensure_kid()
        return cls(key)

    def prove(self, event: MediatorAssigned, token: str) -> MediatorAssigned:
        """``event`` with the proof that whoever ``token`` names made exactly it."""
        plaintext = AssignmentProof.of(event, token).model_dump_json()
        sealed = jwe.encrypt_compact(
            {"alg": ALGORITHM, "enc": ENCRYPTION, "kid": self._key.kid},
            plaintext,
            self._key,
            algorithms=[ALGORITHM, ENCRYPTION],
        )
        return event.model_copy(update={"data": event.data.model_copy(update={"proof": sealed})})
