"""Who the mediator is: the local sign-in and the short-lived token for the notes service."""

import json
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from joserfc.jwk import OKPKey
from jwt import PyJWK
from mediation_devstack.dev_identity import DevIdentity
from mediator_client.assignment_proof import ProofSealer
from mediator_client.identity import DevTokenSigner, IdentityError, LocalIdentity, User
from mediator_client.users import load_users

from tests.unit.client.conftest import PASSWORD

USER = User(username="mediator1", staff_id="mediator-1", tenant="kk", display_name="Mette")


def test_the_notes_token_says_who_the_mediator_is_for_five_minutes(
    dev_identity: DevIdentity,
) -> None:
    signer = DevTokenSigner(dev_identity.directory, timedelta(minutes=5))
    token = signer.sign(USER)
    [key] = dev_identity.jwks()["keys"]
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(
        token,
        PyJWK(key).key,
        algorithms=["EdDSA"],
        audience="mediation-notes",
        issuer=dev_identity.issuer,
    )
    assert claims["sub"] == "mediator-1"
    assert claims["role"] == "mediator"
    assert claims["tenant"] == "kk"
    assert claims["exp"] - claims["iat"] == 300
    assert "Mette" not in str(claims)  # ids, not names


def test_a_missing_development_identity_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(IdentityError, match=r"mediation_devstack\.dev_identity init"):
        DevTokenSigner(tmp_path, timedelta(minutes=5))


def test_the_client_needs_notes_public_proof_key(
    tmp_path: Path, proof_key_files: tuple[Path, Path]
) -> None:
    with pytest.raises(IdentityError, match=r"MEDIATOR_NOTES_PUBLIC_KEY_FILE"):
        ProofSealer.from_file(tmp_path / "absent.json")
    (tmp_path / "garbage.json").write_text("{")
    with pytest.raises(IdentityError, match="must hold notes' public proof key"):
        ProofSealer.from_file(tmp_path / "garbage.json")
    signing = OKPKey.generate_key("Ed25519", auto_kid=True).as_dict(private=False)
    (tmp_path / "signing.json").write_text(json.dumps(signing))
    with pytest.raises(IdentityError, match="must hold notes' public proof key"):
        ProofSealer.from_file(tmp_path / "signing.json")
    private = proof_key_files[0]
    with pytest.raises(IdentityError, match="holds a private key") as raised:
        ProofSealer.from_file(private)
    assert json.loads(private.read_text())["d"] not in str(raised.value)
    assert ProofSealer.from_file(proof_key_files[1])


def test_local_sign_in(users_file: Path, dev_identity: DevIdentity) -> None:
    identity = LocalIdentity(
        load_users(users_file), DevTokenSigner(dev_identity.directory, timedelta(minutes=5))
    )
    signed_in = identity.login("Mediator1 ", PASSWORD)
    assert signed_in is not None
    assert (signed_in.staff_id, signed_in.tenant) == ("mediator-1", "kk")
    assert identity.login("mediator1", "wrong") is None
    assert identity.login("nobody", PASSWORD) is None
    assert identity.user("mediator2") is not None
    assert identity.user("nobody") is None
