"""Proofs for ``MediatorAssigned``, made as the contract describes them (the field's
description in ``mediation_contracts.events``), not with the client's or notes' own code: a
test fails when either drifts from the documented format."""

import json
from pathlib import Path
from typing import Any

from joserfc import jwe
from joserfc.jwk import Key, import_key
from mediation_contracts.events import MediatorAssigned
from mediation_devstack.dev_identity import DevIdentity
from notes.domain.identity import Role

ALGORITHM = "ECDH-ES+A256KW"
ENCRYPTION = "A256GCM"


def plaintext(event: MediatorAssigned, token: str) -> dict[str, Any]:
    """The documented plaintext: the token and the one event it authorises."""
    return {
        "token": token,
        "event_id": str(event.id),
        "tenant": event.tenant,
        "case_id": str(event.subject),
        "time": event.time.isoformat(),
        "mediator_id": event.data.mediator_id,
        "note_taker_id": event.data.note_taker_id,
    }


def seal(
    content: dict[str, Any] | bytes,
    public_key: Key,
    *,
    alg: str = ALGORITHM,
    enc: str = ENCRYPTION,
    **header: Any,
) -> str:
    """A compact JWE of ``content`` to ``public_key``, naming its kid."""
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    protected = {"alg": alg, "enc": enc, "kid": public_key.kid, **header}
    algorithms = [alg, enc, *([header["zip"]] if "zip" in header else [])]
    return jwe.encrypt_compact(protected, data, public_key, algorithms=algorithms)


def with_proof(event: MediatorAssigned, proof: str | None) -> MediatorAssigned:
    return event.model_copy(update={"data": event.data.model_copy(update={"proof": proof})})


def public_key_of(path: Path) -> Key:
    key = import_key(json.loads(path.read_text(encoding="utf-8")))
    key.ensure_kid()
    return key


class Prover:
    """Proves assignments for people of the development identity provider ``idp``, sealed to
    the notes public key in ``public_key_file``."""

    def __init__(self, idp: DevIdentity, public_key_file: Path) -> None:
        self.idp = idp
        self.public_key = public_key_of(public_key_file)

    def __call__(
        self,
        event: MediatorAssigned,
        by: str | None = None,
        *,
        role: Role = "mediator",
        token: str | None = None,
    ) -> MediatorAssigned:
        """``event`` with a valid proof that ``by`` (default: the mediator it names) made it,
        or with ``token`` as the acting person's token."""
        token = token or self.idp.mint(by or event.data.mediator_id, role, event.tenant)
        return with_proof(event, seal(plaintext(event, token), self.public_key))
