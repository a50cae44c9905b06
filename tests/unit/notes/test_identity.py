"""Notes verifies identity, never trusts it.

Valid tokens from the configured keys become an Identity; forged, tampered, expired,
not-yet-valid, wrong-audience, wrong-issuer, wrong-tenant, unsigned, key-confused and
garbage tokens are refused with a reason code, and the refusal never repeats the token.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from mediation_devstack.dev_identity import DevIdentity, main
from notes.adapters.identity import (
    IdentityConfigurationError,
    InvalidToken,
    TokenVerifier,
    verifier_from_settings,
)
from notes.domain.identity import ROLES, Identity, Role

AUDIENCE = "mediation-notes"
TENANT = "kk"


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevIdentity:
    return DevIdentity.create(tmp_path_factory.mktemp("dev-identity"))


@pytest.fixture(scope="module")
def verifier(dev: DevIdentity) -> TokenVerifier:
    return TokenVerifier(dev.jwks(), audience=AUDIENCE, issuer=dev.issuer)


def claims(dev: DevIdentity, **changes: Any) -> dict[str, Any]:
    """Valid claims for a mediator in kk; a change to None removes the claim."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": dev.issuer,
        "sub": "mediator-1",
        "aud": AUDIENCE,
        "role": "mediator",
        "tenant": TENANT,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def refusal(verifier: TokenVerifier, token: str, tenant: str = TENANT) -> InvalidToken:
    """The InvalidToken raised for ``token``; it must never carry the token."""
    with pytest.raises(InvalidToken) as raised:
        verifier.verify(token, tenant)
    error = raised.value
    for text in (str(error), repr(error)):
        if token:
            assert token not in text
        for segment in token.split("."):
            if len(segment) > 8:
                assert segment not in text
    return error


# --- valid tokens --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_valid_token_for_every_role_becomes_that_identity(
    dev: DevIdentity, verifier: TokenVerifier, role: Role
) -> None:
    token = dev.mint(f"{role}-7", role, TENANT)
    assert verifier.verify(token, TENANT) == Identity(subject=f"{role}-7", role=role, tenant=TENANT)


def test_an_audience_list_containing_notes_is_accepted(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    token = dev.sign(claims(dev, aud=["account", AUDIENCE]))
    assert verifier.verify(token, TENANT).subject == "mediator-1"


def test_clock_skew_within_the_leeway_is_tolerated(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    now = int(time.time())
    token = dev.sign(claims(dev, exp=now - 10, nbf=now + 10, iat=now + 10))
    assert verifier.verify(token, TENANT).role == "mediator"


def test_without_a_configured_issuer_any_issuer_is_accepted(dev: DevIdentity) -> None:
    verifier = TokenVerifier(dev.jwks(), audience=AUDIENCE)
    assert verifier.verify(dev.sign(claims(dev, iss=None)), TENANT).tenant == TENANT


# --- forged and tampered -------------------------------------------------------------------


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    forger = Ed25519PrivateKey.generate()
    forged = jwt.encode(claims(dev), forger, algorithm="EdDSA", headers={"kid": dev.kid})
    assert refusal(verifier, forged).reason == "bad_signature"


def test_a_tampered_payload_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    header, _, signature = dev.mint("citizen-1", "citizen", TENANT).split(".")
    promoted = b64json(claims(dev, sub="citizen-1", role="mediator"))
    assert refusal(verifier, f"{header}.{promoted}.{signature}").reason == "bad_signature"


def test_a_tampered_header_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    _, payload, signature = dev.mint("mediator-1", "mediator", TENANT).split(".")
    header = b64json({"alg": "EdDSA", "kid": dev.kid, "typ": "JWT", "x": 1})
    assert refusal(verifier, f"{header}.{payload}.{signature}").reason == "bad_signature"


def test_an_unknown_kid_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    token = dev.sign(claims(dev), headers={"kid": "someone-elses-key"})
    assert refusal(verifier, token).reason == "unknown_key"


def test_a_token_without_kid_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    _, payload, signature = dev.mint("mediator-1", "mediator", TENANT).split(".")
    no_kid = b64json({"alg": "EdDSA", "typ": "JWT"})
    assert refusal(verifier, f"{no_kid}.{payload}.{signature}").reason == "unknown_key"


# --- time ----------------------------------------------------------------------------------


def test_an_expired_token_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    now = int(time.time())
    token = dev.sign(claims(dev, iat=now - 4000, nbf=now - 4000, exp=now - 120))
    assert refusal(verifier, token).reason == "expired"


def test_a_token_not_valid_yet_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    now = int(time.time())
    token = dev.sign(claims(dev, nbf=now + 600, exp=now + 1200))
    assert refusal(verifier, token).reason == "not_yet_valid"


def test_a_token_issued_in_the_future_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    now = int(time.time())
    token = dev.sign(claims(dev, iat=now + 600, nbf=None, exp=now + 1200))
    assert refusal(verifier, token).reason == "not_yet_valid"


def test_at_a_given_moment_the_token_must_have_been_valid_then_not_now(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    """For the token in an assignment's proof: valid at the event's time is what counts."""
    now = int(time.time())
    then = datetime.fromtimestamp(now - 3600, UTC)
    expired_now = dev.sign(claims(dev, iat=now - 3660, nbf=now - 3660, exp=now - 3300))
    assert verifier.verify(expired_now, TENANT, at=then).subject == "mediator-1"
    assert refusal(verifier, expired_now).reason == "expired"

    valid_now = dev.sign(claims(dev))
    with pytest.raises(InvalidToken) as raised:
        verifier.verify(valid_now, TENANT, at=then)
    assert raised.value.reason == "not_yet_valid"
    expired_then = dev.sign(claims(dev, iat=now - 7200, nbf=now - 7200, exp=now - 3700))
    with pytest.raises(InvalidToken) as raised:
        verifier.verify(expired_then, TENANT, at=then)
    assert raised.value.reason == "expired"


@pytest.mark.parametrize(
    "changes",
    [{"exp": "2099-01-01"}, {"exp": True}, {"exp": float("nan")}, {"nbf": "0"}, {"iat": [1]}],
)
def test_times_that_are_not_numbers_are_malformed(
    dev: DevIdentity, verifier: TokenVerifier, changes: dict[str, Any]
) -> None:
    assert refusal(verifier, dev.sign(claims(dev, **changes))).reason == "malformed"


# --- audience, issuer, tenant, role -------------------------------------------------------


def test_a_token_for_another_audience_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    token = dev.mint("mediator-1", "mediator", TENANT, audience="mediation-intake")
    assert refusal(verifier, token).reason == "wrong_audience"


def test_a_token_from_another_issuer_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    token = dev.sign(claims(dev, iss="https://idp.elsewhere.example"))
    assert refusal(verifier, token).reason == "wrong_issuer"


def test_a_token_for_another_municipality_is_refused(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    token = dev.mint("mediator-1", "mediator", "aarhus")
    assert refusal(verifier, token, tenant=TENANT).reason == "wrong_tenant"
    assert refusal(verifier, dev.mint("mediator-1", "mediator", TENANT), "").reason == (
        "wrong_tenant"
    )
    assert refusal(verifier, dev.sign(claims(dev, tenant=["kk"]))).reason == "wrong_tenant"


@pytest.mark.parametrize("role", ["admin", "Mediator", "", ["mediator"], 1])
def test_an_unknown_role_is_refused(
    dev: DevIdentity, verifier: TokenVerifier, role: object
) -> None:
    assert refusal(verifier, dev.sign(claims(dev, role=role))).reason == "unknown_role"


@pytest.mark.parametrize("claim", ["role", "tenant", "sub", "exp", "aud", "iss"])
def test_a_token_missing_a_required_claim_is_refused(
    dev: DevIdentity, verifier: TokenVerifier, claim: str
) -> None:
    error = refusal(verifier, dev.sign(claims(dev, **{claim: None})))
    assert (error.reason, error.claim) == ("missing_claim", claim)


def test_an_empty_subject_is_refused(dev: DevIdentity, verifier: TokenVerifier) -> None:
    assert refusal(verifier, dev.sign(claims(dev, sub=" "))).reason == "missing_claim"


# --- unsigned, key confusion, garbage -----------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_an_unsigned_token_is_refused(dev: DevIdentity, verifier: TokenVerifier, alg: str) -> None:
    header = b64json({"alg": alg, "typ": "JWT", "kid": dev.kid})
    token = f"{header}.{b64json(claims(dev))}."
    assert refusal(verifier, token).reason == "unsigned"


def test_an_allowed_alg_with_no_signature_is_unsigned(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    header, payload, _ = dev.mint("mediator-1", "mediator", TENANT).split(".")
    assert refusal(verifier, f"{header}.{payload}.").reason == "unsigned"


def hs256(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def test_hs256_signed_with_the_public_key_is_refused(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    """Key confusion: an attacker knows the public key and uses it as an HMAC secret."""
    public_key = jwt.PyJWK(dev.jwks()["keys"][0]).key
    secrets = [
        public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        public_key.public_bytes(Encoding.Raw, PublicFormat.Raw),
        json.dumps(dev.jwks()["keys"][0]).encode(),
        dev.jwks_path.read_bytes(),
    ]
    for alg in ("HS256", "HS384", "HS512"):
        for secret in secrets:
            token = hs256({"alg": alg, "typ": "JWT", "kid": dev.kid}, claims(dev), secret)
            assert refusal(verifier, token).reason == "algorithm_not_allowed"


def test_hs256_signed_with_an_rsa_public_key_is_refused() -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True), "kid": "rsa-1"}
    verifier = TokenVerifier({"keys": [jwk]}, audience=AUDIENCE)
    pem = private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    payload = {"sub": "x", "aud": AUDIENCE, "role": "mediator", "tenant": TENANT, "exp": now + 60}
    token = hs256({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, payload, pem)
    assert refusal(verifier, token).reason == "algorithm_not_allowed"


@pytest.mark.parametrize("alg", ["RS512", "ES512", "ES256K", "PS512", "Ed25519", 256, None])
def test_other_algorithms_are_refused(
    dev: DevIdentity, verifier: TokenVerifier, alg: object
) -> None:
    _, payload, signature = dev.mint("mediator-1", "mediator", TENANT).split(".")
    header = b64json({"alg": alg, "typ": "JWT", "kid": dev.kid})
    expected = "unsigned" if alg is None else "algorithm_not_allowed"
    assert refusal(verifier, f"{header}.{payload}.{signature}").reason == expected


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "Bearer x",
        "a.b",
        "a.b.c.d.e",
        "!!!.!!!.!!!",
        "e30.e30.e30",
        f"{b64(b'not json')}.e30.c2ln",
        f"{b64json([1, 2])}.e30.c2ln",
        "x" * 20_000,
    ],
)
def test_garbage_is_refused_as_malformed(verifier: TokenVerifier, garbage: str) -> None:
    assert refusal(verifier, garbage).reason in ("malformed", "unsigned")


def test_a_garbage_payload_under_a_valid_header_is_refused(
    dev: DevIdentity, verifier: TokenVerifier
) -> None:
    header, _, signature = dev.mint("mediator-1", "mediator", TENANT).split(".")
    assert refusal(verifier, f"{header}.{b64(b'not json')}.{signature}").reason in (
        "malformed",
        "bad_signature",
    )
    assert refusal(verifier, f"{header}.!!!.{signature}").reason == "malformed"


def test_refusals_never_carry_the_token(dev: DevIdentity, verifier: TokenVerifier) -> None:
    now = int(time.time())
    forger = Ed25519PrivateKey.generate()
    tokens = [
        jwt.encode(claims(dev), forger, algorithm="EdDSA", headers={"kid": dev.kid}),
        dev.sign(claims(dev, exp=now - 3600)),
        dev.sign(claims(dev, aud="other")),
        dev.sign(claims(dev, tenant="aarhus")),
        dev.sign(claims(dev, role="root")),
        dev.sign(claims(dev), headers={"kid": "secret-looking-kid-value"}),
        f"{b64json({'alg': 'none'})}.{b64json(claims(dev))}.",
        hs256({"alg": "HS256", "kid": dev.kid}, claims(dev), dev.jwks_path.read_bytes()),
        "definitely-not-a-token-but-long-enough",
    ]
    for token in tokens:
        error = refusal(verifier, token)
        assert error.__cause__ is None
        assert "secret-looking-kid-value" not in str(error)
        assert "aarhus" not in str(error)


# --- other key types, files, URLs ----------------------------------------------------------


def test_rsa_keys_from_an_idp_jwks_verify_rs256_and_declared_ps256() -> None:
    rs_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ps_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks = {
        "keys": [
            # as many IdPs publish them: no "alg", RS256 implied
            {**RSAAlgorithm.to_jwk(rs_key.public_key(), as_dict=True), "kid": "rs", "use": "sig"},
            {**RSAAlgorithm.to_jwk(ps_key.public_key(), as_dict=True), "kid": "ps", "alg": "PS256"},
            {**ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True), "kid": "es"},
            # ignored: a symmetric key and an encryption key
            {"kty": "oct", "k": b64(b"0" * 32), "kid": "hs", "alg": "HS256"},
            {**RSAAlgorithm.to_jwk(rs_key.public_key(), as_dict=True), "kid": "enc", "use": "enc"},
        ]
    }
    verifier = TokenVerifier(jwks, audience=AUDIENCE, issuer="https://idp.kk.dk")
    now = int(time.time())
    payload = {
        "iss": "https://idp.kk.dk",
        "sub": "caseworker-3",
        "aud": AUDIENCE,
        "role": "caseworker",
        "tenant": TENANT,
        "exp": now + 300,
    }
    expected = Identity("caseworker-3", "caseworker", TENANT)
    signers: list[tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, str, str]] = [
        (rs_key, "RS256", "rs"),
        (ps_key, "PS256", "ps"),
        (ec_key, "ES256", "es"),
    ]
    for key, alg, kid in signers:
        token = jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})
        assert verifier.verify(token, TENANT) == expected
    # a key is bound to its algorithm: RS256 with the PS256 key, PS256 with the RS256 key
    for rsa_key, alg, kid in [(ps_key, "RS256", "ps"), (rs_key, "PS256", "rs")]:
        token = jwt.encode(payload, rsa_key, algorithm=alg, headers={"kid": kid})
        assert refusal(verifier, token).reason == "algorithm_not_allowed"
    # the symmetric and encryption keys are not signing keys here
    token = jwt.encode(payload, rs_key, algorithm="RS256", headers={"kid": "enc"})
    assert refusal(verifier, token).reason == "unknown_key"


def test_a_jwks_without_usable_signing_keys_is_a_configuration_error() -> None:
    with pytest.raises(IdentityConfigurationError):
        TokenVerifier({"keys": [{"kty": "oct", "k": b64(b"0" * 32), "kid": "hs"}]}, audience="a")
    with pytest.raises(IdentityConfigurationError):
        TokenVerifier({"keys": []}, audience="a")
    with pytest.raises(IdentityConfigurationError):
        TokenVerifier({"nothing": 1}, audience="a")


def test_only_asymmetric_algorithms_can_be_configured(dev: DevIdentity) -> None:
    with pytest.raises(IdentityConfigurationError):
        TokenVerifier(dev.jwks(), audience=AUDIENCE, algorithms=["EdDSA", "HS256"])
    with pytest.raises(IdentityConfigurationError):
        TokenVerifier(dev.jwks(), audience="")


def test_the_jwks_file_path(dev: DevIdentity, tmp_path: Path) -> None:
    token = dev.mint("note-taker-2", "note_taker", TENANT)
    from_file = TokenVerifier.from_file(dev.jwks_path, audience=AUDIENCE, issuer=dev.issuer)
    assert from_file.verify(token, TENANT) == Identity("note-taker-2", "note_taker", TENANT)
    from_settings = verifier_from_settings(str(dev.jwks_path), None, AUDIENCE, dev.issuer)
    assert from_settings.verify(token, TENANT).role == "note_taker"
    with pytest.raises(IdentityConfigurationError, match="cannot read"):
        TokenVerifier.from_file(tmp_path / "missing.json", audience=AUDIENCE)


def test_settings_must_name_exactly_one_key_source(dev: DevIdentity) -> None:
    with pytest.raises(IdentityConfigurationError, match="NOTES_JWKS_URL"):
        verifier_from_settings(None, None, AUDIENCE, None)
    with pytest.raises(IdentityConfigurationError, match="only one"):
        verifier_from_settings(str(dev.jwks_path), "https://idp.kk.dk/jwks", AUDIENCE, None)


@pytest.fixture
def jwks_server(dev: DevIdentity) -> Iterator[tuple[str, list[str]]]:
    """A JWKS endpoint on loopback; yields its URL and the paths it was asked for."""
    requests: list[str] = []
    body = json.dumps(dev.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks", requests
    finally:
        server.shutdown()
        server.server_close()


def test_the_jwks_url_is_fetched_lazily_and_cached(
    dev: DevIdentity, jwks_server: tuple[str, list[str]]
) -> None:
    url, requests = jwks_server
    verifier = verifier_from_settings(None, url, AUDIENCE, dev.issuer)
    assert requests == []  # nothing fetched at construction
    token = dev.mint("companion-1", "companion", TENANT)
    assert verifier.verify(token, TENANT) == Identity("companion-1", "companion", TENANT)
    assert verifier.verify(token, TENANT).role == "companion"
    assert requests == ["/jwks"]
    forged = jwt.encode(
        claims(dev), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": dev.kid}
    )
    assert refusal(verifier, forged).reason == "bad_signature"


def test_an_unreachable_jwks_url_refuses_tokens(dev: DevIdentity) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    verifier = TokenVerifier.from_url(
        f"http://127.0.0.1:{port}/jwks", audience=AUDIENCE, timeout_seconds=2
    )
    error = refusal(verifier, dev.mint("mediator-1", "mediator", TENANT))
    assert error.reason == "keys_unavailable"


def test_a_jwks_url_must_use_https_off_loopback() -> None:
    with pytest.raises(IdentityConfigurationError, match="https"):
        TokenVerifier.from_url("http://idp.kk.dk/jwks", audience=AUDIENCE)
    with pytest.raises(IdentityConfigurationError, match="https"):
        TokenVerifier.from_url("file:///etc/jwks.json", audience=AUDIENCE)
    assert TokenVerifier.from_url("https://idp.kk.dk/jwks", audience=AUDIENCE)


# --- the development identity provider ----------------------------------------------------


def test_the_dev_identity_is_made_once_with_a_private_key_only_its_owner_reads(
    tmp_path: Path,
) -> None:
    first = DevIdentity.create(tmp_path / "idp")
    again = DevIdentity.create(tmp_path / "idp")
    loaded = DevIdentity.load(tmp_path / "idp")
    assert first.kid == again.kid == loaded.kid
    assert first.jwks() == loaded.jwks() == json.loads(first.jwks_path.read_text())
    assert (tmp_path / "idp" / "signing-key.pem").stat().st_mode & 0o777 == 0o600
    (key,) = first.jwks()["keys"]
    assert (key["kid"], key["alg"], key["use"]) == (first.kid, "EdDSA", "sig")
    assert "d" not in key
    with pytest.raises(ValueError, match="issuer"):
        DevIdentity.create(tmp_path / "idp", issuer="https://other.example")
    with pytest.raises(FileNotFoundError, match="init"):
        DevIdentity.load(tmp_path / "nothing")


def test_the_dev_identity_cli_makes_tokens_notes_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "cli"
    monkeypatch.setenv("NOTES_DEV_IDENTITY_DIR", str(directory))
    assert main(["init"]) == 0
    assert f"NOTES_JWKS_FILE={(directory / 'jwks.json').resolve()}" in capsys.readouterr().out
    argv = ["token", "--sub", "mediator-1", "--role", "mediator", "--tenant", "kk"]
    assert main([*argv, "--ttl-minutes", "5"]) == 0
    token = capsys.readouterr().out.strip()
    identity = DevIdentity.load(directory)
    verifier = verifier_from_settings(str(identity.jwks_path), None, AUDIENCE, identity.issuer)
    assert verifier.verify(token, "kk") == Identity("mediator-1", "mediator", "kk")
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert exp <= time.time() + 5 * 60 + 1
    assert main([*argv, "--dir", str(tmp_path / "none")]) == 2
