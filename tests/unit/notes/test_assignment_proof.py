"""An assignment grants nothing on the word of an event: notes opens its proof with its own key
and names the verified person who made it, or refuses with a code, never with the token.

The proofs here are made from the contract's description (``tests.proofs``), not with the
client's code, so that both sides are held to the documented format.
"""

import json
import time
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from joserfc.jwk import ECKey, Key, OKPKey
from mediation_contracts.events import MediatorAssigned
from mediation_devstack.dev_identity import DevIdentity
from notes.adapters.assignment_proof import AssignmentProofs, ProofRefused
from notes.adapters.identity import KeysUnavailable, TokenVerifier
from notes.adapters.proof_keys import load_private_keys, make_key_pair
from notes.domain.identity import Identity

from tests.data.events import MEDIATOR, NOTE_TAKER, TENANT, mediator_assigned
from tests.proofs import Prover, plaintext, public_key_of, seal, with_proof

AUDIENCE = "mediation-notes"


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevIdentity:
    return DevIdentity.create(tmp_path_factory.mktemp("dev-identity"))


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_key_pair(tmp_path_factory.mktemp("proof-key"))


@pytest.fixture(scope="module")
def proofs(dev: DevIdentity, key_files: tuple[Path, Path]) -> AssignmentProofs:
    verifier = TokenVerifier(dev.jwks(), audience=AUDIENCE, issuer=dev.issuer)
    return AssignmentProofs(load_private_keys(key_files[0]), verifier)


@pytest.fixture(scope="module")
def prove(dev: DevIdentity, key_files: tuple[Path, Path]) -> Prover:
    return Prover(dev, key_files[1])


def now() -> datetime:
    return datetime.now(UTC)


def assignment(**changes: Any) -> MediatorAssigned:
    return mediator_assigned(uuid4(), note_taker_id=NOTE_TAKER).model_copy(update=changes)


def refusal(proofs: AssignmentProofs, event: MediatorAssigned, token: str = "") -> str:
    """The reason code; neither the message nor the repr carries the proof or the token."""
    with pytest.raises(ProofRefused) as raised:
        proofs.actor(event, now())
    for text in (str(raised.value), repr(raised.value)):
        for secret in (event.data.proof, token, *token.split(".")):
            assert not secret or secret not in text
    return raised.value.reason


# --- the proof of a person who made exactly this event ---------------------------------------


def test_a_proof_sealed_to_notes_names_the_verified_person_who_made_the_event(
    proofs: AssignmentProofs, prove: Prover
) -> None:
    event = prove(assignment())
    assert proofs.actor(event, now()) == Identity(MEDIATOR, "mediator", TENANT)
    handed_over = prove(assignment(), by="mediator-2")
    assert proofs.actor(handed_over, now()) == Identity("mediator-2", "mediator", TENANT)


def test_the_token_cannot_be_read_from_the_published_event(dev: DevIdentity, prove: Prover) -> None:
    token = dev.mint(MEDIATOR, "mediator", TENANT)
    published = prove(assignment(), token=token).to_json()
    for part in (token, *token.split(".")):
        assert part.encode() not in published
    assert MediatorAssigned.model_validate_json(published).data.proof


def test_a_token_valid_when_the_event_happened_still_proves_it_later(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    """Applied an hour late (a consumer catching up, a dead letter replayed): the token has
    expired since, but it was valid when the mediator took the case."""
    then = int(time.time()) - 3600
    claims = {"iss": dev.issuer, "aud": AUDIENCE, "sub": MEDIATOR, "role": "mediator"}
    token = dev.sign({**claims, "tenant": TENANT, "iat": then - 5, "exp": then + 300})
    event = prove(assignment(time=datetime.fromtimestamp(then, UTC)), token=token)
    assert proofs.actor(event, now()).subject == MEDIATOR


# --- refused: no proof, not notes' key, not a proof ------------------------------------------


def test_an_assignment_without_a_proof_is_refused(proofs: AssignmentProofs) -> None:
    assert refusal(proofs, assignment()) == "missing"


def test_a_proof_sealed_to_another_key_is_refused(
    dev: DevIdentity, proofs: AssignmentProofs, tmp_path: Path, key_files: tuple[Path, Path]
) -> None:
    _, other_public = make_key_pair(tmp_path)
    event = assignment()
    token = dev.mint(MEDIATOR, "mediator", TENANT)
    other = public_key_of(other_public)
    assert refusal(proofs, with_proof(event, seal(plaintext(event, token), other)), token) == (
        "unreadable"
    )
    # Not even when it claims to be for notes' key.
    notes_kid = public_key_of(key_files[1]).kid
    forged = seal(plaintext(event, token), other, kid=notes_kid)
    assert refusal(proofs, with_proof(event, forged), token) == "unreadable"


@pytest.mark.parametrize("part", range(5))
def test_a_tampered_proof_is_refused(proofs: AssignmentProofs, prove: Prover, part: int) -> None:
    event = prove(assignment())
    assert event.data.proof is not None
    parts = event.data.proof.split(".")
    parts[part] = parts[part][:-3] + ("AAA" if not parts[part].endswith("AAA") else "BBB")
    assert refusal(proofs, with_proof(event, ".".join(parts))) == "unreadable"


@pytest.mark.parametrize(
    ("alg", "enc", "header"),
    [
        ("ECDH-ES", "A256GCM", {}),  # direct key agreement: not the documented algorithm
        ("ECDH-ES+A128KW", "A256GCM", {}),
        ("ECDH-ES+A256KW", "A128GCM", {}),
        ("ECDH-ES+A256KW", "A256CBC-HS512", {}),
        ("ECDH-ES+A256KW", "A256GCM", {"zip": "DEF"}),  # no compression (no zip bombs)
    ],
)
def test_only_the_documented_algorithms_are_accepted(
    dev: DevIdentity,
    proofs: AssignmentProofs,
    prove: Prover,
    alg: str,
    enc: str,
    header: dict[str, Any],
) -> None:
    event = assignment()
    token = dev.mint(MEDIATOR, "mediator", TENANT)
    sealed = seal(plaintext(event, token), prove.public_key, alg=alg, enc=enc, **header)
    assert refusal(proofs, with_proof(event, sealed), token) == "unreadable"


@pytest.mark.parametrize("garbage", ["x", "a.b.c.d.e", "....", "é" * 40, "eyJ" + "A" * 200])
def test_garbage_is_unreadable(proofs: AssignmentProofs, garbage: str) -> None:
    assert refusal(proofs, with_proof(assignment(), garbage)) == "unreadable"


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", {"token": None}, {"event_id": "not-a-uuid"}, {"time": "today"}],
)
def test_a_sealed_plaintext_that_is_not_an_assignment_proof_is_malformed(
    proofs: AssignmentProofs, prove: Prover, content: Any
) -> None:
    event = assignment()
    if isinstance(content, dict):
        content = {**plaintext(event, "x.y.z"), **content}
    assert refusal(proofs, with_proof(event, seal(content, prove.public_key))) == "malformed"


# --- refused: a proof of another event ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("event_id", {"id": uuid4()}),
        ("tenant", {"tenant": "aarhus"}),
        ("case_id", {"subject": uuid4()}),
        ("time", {"time": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}),
        ("mediator_id", {"data_mediator_id": "mediator-99"}),
        ("note_taker_id", {"data_note_taker_id": "note-taker-99"}),
        ("note_taker_id", {"data_note_taker_id": None}),
    ],
)
def test_a_proof_of_another_event_is_refused(
    proofs: AssignmentProofs, prove: Prover, field: str, changes: dict[str, Any]
) -> None:
    """The proof of a genuine assignment, moved to an event that differs in one thing."""
    genuine = prove(assignment())
    data = {k[5:]: v for k, v in changes.items() if k.startswith("data_")}
    envelope = {k: v for k, v in changes.items() if not k.startswith("data_")}
    moved = genuine.model_copy(update={**envelope, "data": genuine.data.model_copy(update=data)})
    assert refusal(proofs, moved) == f"not_for_this_event:{field}"


def test_a_time_given_with_another_offset_is_the_same_time(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    event = assignment()
    token = dev.mint(MEDIATOR, "mediator", TENANT)
    content = plaintext(event, token)
    content["time"] = event.time.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert proofs.actor(with_proof(event, seal(content, prove.public_key)), now()).subject == (
        MEDIATOR
    )


# --- refused: the token, judged at the event's time -----------------------------------------


def test_an_event_from_the_future_is_refused(proofs: AssignmentProofs, prove: Prover) -> None:
    event = prove(assignment(time=now() + timedelta(minutes=5)))
    assert refusal(proofs, event) == "event_in_future"


def test_a_token_that_had_expired_when_the_event_happened_is_refused(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    """A token found later cannot prove an assignment dated after it expired."""
    issued = int(time.time()) - 3600
    claims = {"iss": dev.issuer, "aud": AUDIENCE, "sub": MEDIATOR, "role": "mediator"}
    token = dev.sign({**claims, "tenant": TENANT, "iat": issued, "exp": issued + 300})
    event = prove(assignment(), token=token)
    assert refusal(proofs, event, token) == "invalid_token:expired"


def test_a_token_issued_after_the_event_happened_is_refused(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    """A valid token today cannot prove an assignment dated a day ago."""
    token = dev.mint(MEDIATOR, "mediator", TENANT)
    event = prove(assignment(time=now() - timedelta(days=1)), token=token)
    assert refusal(proofs, event, token) == "invalid_token:not_yet_valid"


def test_a_token_for_another_municipality_is_refused(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    token = dev.mint(MEDIATOR, "mediator", "aarhus")
    assert refusal(proofs, prove(assignment(), token=token), token) == "invalid_token:wrong_tenant"


def test_a_token_for_another_audience_is_refused(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    token = dev.mint(MEDIATOR, "mediator", TENANT, audience="another-service")
    event = prove(assignment(), token=token)
    assert refusal(proofs, event, token) == "invalid_token:wrong_audience"


def test_a_token_of_another_identity_provider_is_refused(
    proofs: AssignmentProofs, prove: Prover, tmp_path: Path
) -> None:
    impostor = DevIdentity.create(tmp_path / "impostor")
    token = impostor.mint(MEDIATOR, "mediator", TENANT)
    assert refusal(proofs, prove(assignment(), token=token), token) == "invalid_token:unknown_key"


def test_a_sealed_unsigned_token_is_refused(
    dev: DevIdentity, proofs: AssignmentProofs, prove: Prover
) -> None:
    token = ".".join(dev.mint(MEDIATOR, "mediator", TENANT).split(".")[:2]) + "."
    assert refusal(proofs, prove(assignment(), token=token), token) == "invalid_token:unsigned"


def test_an_unreachable_identity_provider_is_an_outage_not_a_refusal(
    dev: DevIdentity, key_files: tuple[Path, Path], prove: Prover
) -> None:
    """The assignment is retried later (and dead-lettered only when retries run out)."""
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    verifier = TokenVerifier.from_url(
        f"http://127.0.0.1:{port}/jwks", audience=AUDIENCE, timeout_seconds=2
    )
    proofs = AssignmentProofs(load_private_keys(key_files[0]), verifier)
    with pytest.raises(KeysUnavailable):
        proofs.actor(prove(assignment()), now())


# --- notes' keys ------------------------------------------------------------------------------


def test_during_a_rotation_proofs_sealed_to_either_key_open(
    dev: DevIdentity, tmp_path: Path, key_files: tuple[Path, Path]
) -> None:
    new_private, new_public = make_key_pair(tmp_path / "new")
    both = {
        "keys": [
            json.loads(new_private.read_text()),
            json.loads(key_files[0].read_text()),
        ]
    }
    (tmp_path / "both.json").write_text(json.dumps(both))
    verifier = TokenVerifier(dev.jwks(), audience=AUDIENCE, issuer=dev.issuer)
    proofs = AssignmentProofs(load_private_keys(tmp_path / "both.json"), verifier)
    for public in (new_public, key_files[1]):
        event = Prover(dev, public)(assignment())
        assert proofs.actor(event, now()).subject == MEDIATOR


@pytest.mark.parametrize("curve", ["P-256", "X25519"])
def test_an_ec_or_okp_key_of_the_operators_own_making_works(
    dev: DevIdentity, tmp_path: Path, curve: str
) -> None:
    key: Key = (
        ECKey.generate_key(curve, auto_kid=True)
        if curve.startswith("P-")
        else OKPKey.generate_key("X25519", auto_kid=True)
    )
    (tmp_path / "private.json").write_text(json.dumps(key.as_dict(private=True)))
    (tmp_path / "public.json").write_text(json.dumps(key.as_dict(private=False)))
    verifier = TokenVerifier(dev.jwks(), audience=AUDIENCE, issuer=dev.issuer)
    proofs = AssignmentProofs(load_private_keys(tmp_path / "private.json"), verifier)
    event = Prover(dev, tmp_path / "public.json")(assignment())
    assert proofs.actor(event, now()).subject == MEDIATOR
