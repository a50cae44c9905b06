"""The client built as in production, with a fake bus instead of NATS (unit tests only)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from mediation_contracts.events import MediatorAssigned
from mediation_devstack.dev_identity import DevIdentity
from mediator_client import identity, users
from mediator_client.app import create_app
from mediator_client.settings import MediatorSettings
from mediator_client.users import add_user
from notes.adapters.assignment_proof import AssignmentProofs
from notes.adapters.identity import TokenVerifier
from notes.adapters.proof_keys import load_private_keys, make_key_pair
from notes.domain.identity import Identity

from tests.unit.client.fakes import HEAD_STAFF_ID, OTHER_STAFF_ID, STAFF_ID, TENANT, FakeBus

PASSWORD = "correct horse battery"
Browser = tuple[TestClient, str]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id with the smallest cost: production's costs are deliberately slow (tens of ms
    and 64 MiB per sign-in), which the unit tests would pay a hundred times over. The hash's
    format and checks stay the same; the costs are in each hash."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", cheap)
        patch.setattr(identity, "DUMMY_HASH", cheap.hash("not a password"))
        yield


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.json"
    for username, staff_id in (("mediator1", STAFF_ID), ("mediator2", OTHER_STAFF_ID)):
        add_user(
            path,
            username=username,
            staff_id=staff_id,
            tenant=TENANT,
            display_name=f"Mægler {username[-1]}",
            password=PASSWORD,
        )
    add_user(
        path,
        username="kontorchef",
        staff_id=HEAD_STAFF_ID,
        tenant=TENANT,
        display_name="Karen Kontorchef",
        password=PASSWORD,
        role="head_of_office",
    )
    return path


@pytest.fixture(scope="session")
def dev_identity(tmp_path_factory: pytest.TempPathFactory) -> DevIdentity:
    return DevIdentity.create(tmp_path_factory.mktemp("dev-identity"))


@pytest.fixture(scope="session")
def proof_key_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Notes' proof key pair: (private, public)."""
    return make_key_pair(tmp_path_factory.mktemp("proof-key"))


@pytest.fixture
def settings(
    users_file: Path, dev_identity: DevIdentity, proof_key_files: tuple[Path, Path]
) -> MediatorSettings:
    return MediatorSettings(
        session_secret="s" * 40,
        users_file=users_file,
        dev_identity_dir=dev_identity.directory,
        notes_public_key_file=proof_key_files[1],
        wait_seconds=0.1,  # the fakes answer at once; what never comes is waited out briefly
    )


@pytest.fixture
def bus() -> FakeBus:
    return FakeBus()


@pytest.fixture
def browser(settings: MediatorSettings, bus: FakeBus) -> Iterator[TestClient]:
    """A browser that is not signed in (HTTPS, as the cookies are Secure)."""
    with TestClient(
        create_app(settings, bus=bus), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


def csrf_of(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def sign_in(browser: TestClient, username: str = "mediator1") -> str:
    """Signs in; returns the session's CSRF token."""
    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(browser.get("/cases").text)


@pytest.fixture
def signed_in(browser: TestClient) -> tuple[TestClient, str]:
    """A browser signed in as mediator1, and its CSRF token."""
    return browser, sign_in(browser)


@pytest.fixture
def head_signed_in(browser: TestClient) -> tuple[TestClient, str]:
    """A browser signed in as the head of office (kontorchef), and its CSRF token."""
    return browser, sign_in(browser, "kontorchef")


def proven_actor(
    published: dict[str, Any], dev_identity: DevIdentity, proof_key_files: tuple[Path, Path]
) -> Identity:
    """Who notes (its own code, with its private key) finds behind an assignment's proof."""
    event = MediatorAssigned.model_validate(published)
    verifier = TokenVerifier(dev_identity.jwks(), audience="mediation-notes")
    notes = AssignmentProofs(load_private_keys(proof_key_files[0]), verifier)
    actor: Identity = notes.actor(event, datetime.now(UTC))
    return actor
