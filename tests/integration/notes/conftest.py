import base64
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from mediation_devstack.dev_identity import DevIdentity
from nats.aio.client import Client
from notes.adapters.proof_keys import make_key_pair

from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover
from tests.secure_bus import LiveBus


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory: pytest.TempPathFactory) -> DevIdentity:
    """The development identity provider that signs the tests' tokens."""
    return DevIdentity.create(tmp_path_factory.mktemp("dev-identity"))


@pytest.fixture(scope="session")
def master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(scope="session")
def proof_key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Notes' proof key pair: (private, public)."""
    return make_key_pair(tmp_path_factory.mktemp("proof-key"))


@pytest.fixture(scope="session")
def prove(identity_provider: DevIdentity, proof_key_files: tuple[Path, Path]) -> Prover:
    """Gives an assignment a valid proof, as the mediator client does."""
    return Prover(identity_provider, proof_key_files[1])


def notes_process(
    bus: LiveBus,
    mongodb_url: str,
    log: Path,
    identity: DevIdentity,
    master_key: str,
    proof_key_file: Path,
    **env: str,
) -> ServiceProcess:
    settings = {
        "NOTES_RETENTION": "PT2S",  # closed cases lose their key two seconds after closing
        "NOTES_RETENTION_SWEEP_SECONDS": "0.3",
        **env,
    }
    return ServiceProcess(
        "notes",
        bus,
        mongodb_url,
        log,
        NOTES_MASTER_KEY=master_key,
        NOTES_JWKS_FILE=str(identity.directory / "jwks.json"),
        NOTES_PROOF_KEY_FILE=str(proof_key_file),
        **settings,
    )


@pytest.fixture(scope="module")
def notes(
    request: pytest.FixtureRequest,
    bus: LiveBus,
    mongodb_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    identity_provider: DevIdentity,
    master_key: str,
    proof_key_files: tuple[Path, Path],
) -> Iterator[ServiceProcess]:
    """One notes process per test module; a module's ``NOTES_ENV`` (a dict) overrides
    settings for it."""
    process = notes_process(
        bus,
        mongodb_url,
        tmp_path_factory.mktemp("notes") / "log",
        identity_provider,
        master_key,
        proof_key_files[0],
        **getattr(request.module, "NOTES_ENV", {}),
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def nc(bus: LiveBus) -> AsyncIterator[Client]:
    connection = await bus.connect()
    yield connection
    await connection.close()
