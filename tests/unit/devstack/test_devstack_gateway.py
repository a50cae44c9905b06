"""What `make run` gives the HTTP gateway: a TLS certificate of the bus's CA, the development
identity's keys for tokens, an encryption key; and tokens the gateway accepts."""

import base64
import ssl
from pathlib import Path

import pytest
from gateway.adapters.tokens import TokenCallers
from mediation_devstack.dev_identity import DevIdentity
from mediation_devstack.gateway import AUDIENCE, gateway_env, main, token_command
from mediation_devstack.stack import Stack, describe
from mediation_devstack.state import StateLayout
from mediation_runtime.bus_access import BusAccess
from mediation_runtime.tokens import JwtVerifier


@pytest.fixture
def made(tmp_path: Path) -> tuple[BusAccess, Path]:
    bus = BusAccess(tmp_path / "bus")
    bus.init()
    identity = tmp_path / "dev-identity"
    DevIdentity.create(identity)
    return bus, identity


def test_the_gateway_gets_https_of_the_bus_ca_and_the_dev_identity(
    made: tuple[BusAccess, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bus, identity = made
    monkeypatch.delenv("GATEWAY_SECRET_KEY", raising=False)
    env = gateway_env(bus, identity, 18090)

    assert env["GATEWAY_HTTP_PORT"] == "18090"
    assert env["GATEWAY_PUBLIC_URL"] == "https://localhost:18090"
    # A caller trusting the bus's CA trusts the gateway's certificate for localhost.
    context = ssl.create_default_context(cafile=env["GATEWAY_CLIENT_CA_FILE"])
    context.load_cert_chain(env["GATEWAY_TLS_CERT_FILE"], env["GATEWAY_TLS_KEY_FILE"])
    assert env["GATEWAY_JWKS_FILE"] == str(identity / "jwks.json")
    assert len(base64.b64decode(env["GATEWAY_SECRET_KEY"])) == 32
    # Made once: a restart keeps the key (else no stored subscription could sign).
    assert gateway_env(bus, identity, 18090)["GATEWAY_SECRET_KEY"] == env["GATEWAY_SECRET_KEY"]


def test_the_printed_token_command_gives_a_token_the_gateway_accepts(
    made: tuple[BusAccess, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, identity = made
    argv = ["token", "--client", "kk-esdh", "--tenant", "kk", "--role", "case systems"]
    assert main([*argv, "--dir", str(identity)]) == 0
    token = capsys.readouterr().out.strip()

    verifier = JwtVerifier.from_settings(
        jwks_file=identity / "jwks.json",
        jwks_url=None,
        audience=AUDIENCE,
        issuer=DevIdentity.load(identity).issuer,
        prefix="GATEWAY_",
    )
    caller = TokenCallers(verifier).caller(token)
    assert (caller.name, caller.tenant, caller.roles) == ("kk-esdh", "kk", ("case systems",))
    assert "--role" in token_command()
    assert "mediation_devstack.gateway token" in token_command()


def test_the_table_shows_the_gateway_and_how_to_get_a_token(tmp_path: Path) -> None:
    stack = Stack(StateLayout(tmp_path), gateway_url="https://localhost:8090")
    stack.bus_dir = tmp_path / "bus"
    table = describe(stack)
    assert "https://localhost:8090/v1/" in table
    assert str(tmp_path / "bus" / "ca.pem") in table
    assert token_command() in table
