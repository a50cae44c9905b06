"""A mediator signed in by a real OpenID Connect provider (Dex) reads a summary through notes
with the provider's own access token, which the mediator client refreshes when it runs out;
notes refuses a token from another provider and an expired one. Notes checks the provider's
keys from its JWKS URL, the issuer and notes' audience, and maps the provider's groups to the
role and its one municipality, as it would for a municipality's provider. On real NATS, a
MongoDB-wire server and two Dex processes; the client's sign-in is its own code
(``mediator_client.oidc``), driven as a browser would (Dex's sign-in form)."""

import asyncio
import base64
import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2
import pytest
from mediation_devstack.ports import free_port
from mediator_client.assignment_proof import ProofSealer
from mediator_client.identity import SignInExpired, User
from mediator_client.oidc import ClaimRules, LoginRefused, OidcConfig, OidcIdentity
from nats.aio.client import Client
from nats.js import JetStreamContext
from starlette.requests import Request

from tests import oidc_provider
from tests.data.scenario import Scenario
from tests.integration.bus import publish
from tests.integration.notes.people import SECRET, Caller, code
from tests.integration.service_process import ServiceProcess
from tests.oidc_provider import Dex, DexUser
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

TENANT = f"o-{secrets.token_hex(4)}"
TOKEN_SECONDS = 20  # Dex's token lifetime here: short, so a token runs out within the test
MEDIATOR = DexUser("mette@kommune.example", "Mette Mægler", "mediator-7")
HEAD = DexUser("karen@kommune.example", "Karen Kontorchef", "leader-1", (oidc_provider.HEAD_GROUP,))
IT_STAFF = DexUser("ole@kommune.example", "Ole IT", "it-3", ("it-afdelingen",))
CALLBACK_PORT = free_port()  # nobody listens: the browser stops at the callback's address
REDIRECT_URL = f"http://127.0.0.1:{CALLBACK_PORT}/auth/callback"


@pytest.fixture(scope="module")
async def provider(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Dex]:
    """The municipality's provider."""
    dex = await oidc_provider.start(
        tmp_path_factory.mktemp("dex"),
        [MEDIATOR, HEAD, IT_STAFF],
        [REDIRECT_URL],
        token_lifetime=f"{TOKEN_SECONDS}s",
    )
    yield dex
    await dex.stop()


@pytest.fixture(scope="module")
async def other_provider(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Dex]:
    """Another provider, with a user of the same id and groups: its tokens look the same."""
    dex = await oidc_provider.start(
        tmp_path_factory.mktemp("other-dex"), [MEDIATOR], [REDIRECT_URL], name="other"
    )
    yield dex
    await dex.stop()


@pytest.fixture(scope="module")
def notes_with_provider(
    provider: Dex,
    bus: LiveBus,
    mongodb_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    master_key: str,
    proof_key_files: tuple[Path, Path],
) -> Iterator[ServiceProcess]:
    """Notes trusting the municipality's provider only, and no development identity."""
    process = ServiceProcess(
        "notes",
        bus,
        mongodb_url,
        tmp_path_factory.mktemp("notes-oidc") / "log",
        NOTES_MASTER_KEY=master_key,
        NOTES_PROOF_KEY_FILE=str(proof_key_files[0]),
        NOTES_JWKS_URL=provider.jwks_url,
        NOTES_TOKEN_ISSUER=provider.issuer,
        NOTES_TOKEN_AUDIENCE=oidc_provider.NOTES_AUDIENCE,
        NOTES_TOKEN_ROLE_CLAIM="groups",
        NOTES_TOKEN_ROLES=json.dumps(oidc_provider.NOTES_ROLE_TABLE),
        NOTES_TOKEN_TENANT=TENANT,
        NOTES_TOKEN_LEEWAY_SECONDS="1",
    )
    process.env.pop("NOTES_JWKS_FILE", None)
    process.start()
    yield process
    process.stop()


def identity_for(dex: Dex) -> OidcIdentity:
    """The mediator client's sign-in, configured as an administrator would for ``dex``."""
    return OidcIdentity(
        OidcConfig(
            issuer=dex.issuer,
            client_id=oidc_provider.CLIENT_ID,
            client_secret=dex.client_secret,
            redirect_url=REDIRECT_URL,
            post_logout_redirect_url=f"http://127.0.0.1:{CALLBACK_PORT}/login",
            scopes=oidc_provider.SCOPES,
            rules=ClaimRules(role_claim="groups", roles=oidc_provider.ROLE_TABLE, tenant=TENANT),
        )
    )


def request_to(path: str, session: dict[str, Any], query: str = "") -> Request:
    """A request to the client as Starlette hands it over, the session already read."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [],
        "session": session,
    }
    return Request(scope)


async def signed_in(identity: OidcIdentity, dex: Dex, user: DexUser) -> User:
    """``user`` signs in through the provider's own sign-in page, as in a browser."""
    session: dict[str, Any] = {}
    authorize = await identity.start(request_to("/login/start", session))
    async with httpx2.AsyncClient(timeout=10) as browser:
        callback = await oidc_provider.sign_in(browser, authorize, user.email, REDIRECT_URL)
    return await identity.finish(request_to("/auth/callback", session, urlsplit(callback).query))


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, unverified (only to know when it runs out)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def denied_because(notes: ServiceProcess, reason: str) -> bool:
    return any(
        '"access_denied"' in line and f'"invalid_token:{reason}"' in line
        for line in notes.logs().splitlines()
    )


async def test_a_mediator_signed_in_at_the_provider_reads_the_summary_with_its_token(
    notes_with_provider: ServiceProcess,
    provider: Dex,
    other_provider: Dex,
    js: JetStreamContext,
    nc: Client,
    proof_key_files: tuple[Path, Path],
) -> None:
    identity = identity_for(provider)
    user = await signed_in(identity, provider, MEDIATOR)
    assert (user.staff_id, user.role, user.tenant) == (MEDIATOR.subject, "mediator", TENANT)
    assert user.display_name == MEDIATOR.name
    token = await identity.notes_token(user)
    assert claims_of(token)["aud"] == [oidc_provider.NOTES_AUDIENCE, oidc_provider.CLIENT_ID]

    # The mediator takes the case: the client seals the provider's token into the proof.
    case = Scenario(tenant=TENANT, mediator=user.staff_id)
    sealer = ProofSealer.from_file(proof_key_files[1])
    await publish(js, case.request())
    await publish(js, sealer.prove(case.assign(), token))
    await publish(js, case.summary_consent())
    mediator = Caller(nc, case, token)
    await mediator.state_when(lambda s: "write" in s.allowed, what="notes' view of the case")
    assert (await mediator.write()).ok
    read = await mediator.read()
    assert read.ok, read.error
    assert read.summaries is not None
    assert [s.text for s in read.summaries] == [SECRET]

    # The same person signed in at another provider: same groups, same user id, other keys.
    other = identity_for(other_provider)
    foreign_token = await other.notes_token(await signed_in(other, other_provider, MEDIATOR))
    assert code(await Caller(nc, case, foreign_token).read()) == "invalid_token"
    assert denied_because(notes_with_provider, "unknown_key")

    # Once the provider's token has run out, notes refuses it ...
    expires = claims_of(token)["exp"]
    await asyncio.sleep(max(0.0, expires + 1.5 - time.time()))  # its known end, not a guess
    assert code(await mediator.read()) == "invalid_token"
    assert denied_because(notes_with_provider, "expired")

    # ... and the client hands notes a refreshed one, which reads the summary again.
    fresh = await identity.notes_token(user)
    assert fresh != token
    assert claims_of(fresh)["exp"] > expires
    again = await Caller(nc, case, fresh).read()
    assert again.ok, again.error
    assert again.summaries is not None
    assert [s.text for s in again.summaries] == [SECRET]


async def test_the_provider_s_groups_say_who_may_sign_in_and_as_what(provider: Dex) -> None:
    identity = identity_for(provider)
    head = await signed_in(identity, provider, HEAD)
    assert (head.role, head.staff_id, head.tenant) == ("head_of_office", HEAD.subject, TENANT)
    with pytest.raises(LoginRefused) as refused:
        await signed_in(identity, provider, IT_STAFF)
    assert refused.value.problem == "no_role"
    assert len(identity.sessions) == 1  # the refused sign-in left nothing behind


async def test_a_callback_that_does_not_answer_our_own_request_is_refused(provider: Dex) -> None:
    """A code and state from someone else's sign-in (a forged or replayed callback): the
    browser's session has no such state, so nothing is exchanged."""
    identity = identity_for(provider)
    theirs: dict[str, Any] = {}
    authorize = await identity.start(request_to("/login/start", theirs))
    async with httpx2.AsyncClient(timeout=10) as browser:
        callback = await oidc_provider.sign_in(browser, authorize, MEDIATOR.email, REDIRECT_URL)
    mine: dict[str, Any] = {}
    await identity.start(request_to("/login/start", mine))
    with pytest.raises(LoginRefused) as refused:
        await identity.finish(request_to("/auth/callback", mine, urlsplit(callback).query))
    assert refused.value.problem == "bad_response"
    cancelled = urlencode({"error": "access_denied", "state": "x"})
    with pytest.raises(LoginRefused) as refused:
        await identity.finish(request_to("/auth/callback", mine, cancelled))
    assert refused.value.problem == "provider_error"
    # The rightful browser's callback still works once (the code is used up after it).
    user = await identity.finish(request_to("/auth/callback", theirs, urlsplit(callback).query))
    assert user.staff_id == MEDIATOR.subject


async def test_signing_out_ends_the_server_side_session(provider: Dex) -> None:
    """Dex 2.45 offers no end-session endpoint: the client ends its own session only (with a
    provider that offers one, the browser is sent there too; see the unit tests)."""
    identity = identity_for(provider)
    user = await signed_in(identity, provider, MEDIATOR)
    assert identity.user(user.session_handle) == user
    assert await identity.logout(user, user.session_handle) is None
    assert identity.user(user.session_handle) is None
    with pytest.raises(SignInExpired):
        await identity.notes_token(user)
