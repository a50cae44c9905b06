"""Notes' proof key: made once, readable by its owner only, and a key notes cannot use stops
it at start-up with a message that says what to fix (never the key)."""

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import ECKey, OKPKey
from notes.adapters.proof_keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    ProofKeyError,
    load_private_keys,
    main,
    make_key_pair,
    proof_keys_from_settings,
)


def test_the_key_pair_is_made_once_and_the_private_half_only_its_owner_reads(
    tmp_path: Path,
) -> None:
    private, public = make_key_pair(tmp_path / "keys")
    assert (private.name, public.name) == (PRIVATE_KEY_FILE, PUBLIC_KEY_FILE)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    private_jwk, public_jwk = json.loads(private.read_text()), json.loads(public.read_text())
    assert private_jwk["crv"] == "X25519"
    assert "d" in private_jwk
    assert "d" not in public_jwk
    assert public_jwk["kid"] == private_jwk["kid"]
    assert public_jwk["use"] == "enc"

    public.unlink()
    make_key_pair(tmp_path / "keys")  # again: the same key, its public half written again
    assert json.loads(private.read_text()) == private_jwk
    assert json.loads(public.read_text()) == public_jwk


def test_the_cli_prints_the_settings_for_notes_and_the_client(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert f"NOTES_PROOF_KEY_FILE={(tmp_path / PRIVATE_KEY_FILE).resolve()}" in printed
    assert f"MEDIATOR_NOTES_PUBLIC_KEY_FILE={(tmp_path / PUBLIC_KEY_FILE).resolve()}" in printed
    assert json.loads((tmp_path / PRIVATE_KEY_FILE).read_text())["d"] not in printed


def test_notes_needs_a_proof_key() -> None:
    with pytest.raises(ProofKeyError, match="NOTES_PROOF_KEY_FILE"):
        proof_keys_from_settings(None)


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ProofKeyError, match=r"python -m notes\.adapters\.proof_keys init"):
        load_private_keys(tmp_path / "absent.json")


def private_okp() -> dict[str, Any]:
    return dict(OKPKey.generate_key("X25519", auto_kid=True).as_dict(private=True))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "does not hold JSON"),
        ([1, 2], "neither a JWK nor a JWK Set"),
        ({"keys": "x"}, "neither a JWK nor a JWK Set"),
        ({"keys": []}, "holds no key"),
        ({"kty": "nope"}, "unusable JWK"),
        ({"kty": "OKP", "crv": "X25519", "x": "!!"}, "unusable JWK"),
        (dict(OKPKey.generate_key("X25519").as_dict(private=False)), "holds a public key"),
        (dict(OKPKey.generate_key("Ed25519").as_dict(private=True)), "for ECDH-ES"),
        (dict(ECKey.generate_key("secp256k1").as_dict(private=True)), "for ECDH-ES"),
        ({**private_okp(), "use": "sig"}, "meant for another use"),
        ({**private_okp(), "alg": "ECDH-ES"}, "meant for another use"),
        ({"keys": [{**private_okp(), "kid": "a"}, {**private_okp(), "kid": "a"}]}, "same kid"),
    ],
)
def test_a_key_notes_cannot_use_is_refused_at_start_up(
    tmp_path: Path, content: Any, message: str
) -> None:
    path = tmp_path / "key.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(ProofKeyError, match=message) as raised:
        load_private_keys(path)
    if isinstance(content, dict) and "d" in content:
        assert content["d"] not in str(raised.value)
