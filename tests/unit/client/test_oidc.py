"""Signing in with the municipality's OpenID Connect provider (``MEDIATOR_IDENTITY=oidc``),
with the provider's discovery document given (no network; the real provider is Dex in
tests/integration/notes/test_provider_tokens.py and tests/browser_oidc): what the login page
offers, what the browser is sent to the provider with, who may get in and as what, the
session on the server, signing out at the provider, and a sign-in that can no longer get a
token for notes."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient
from mediator_client.app import create_app
from mediator_client.identity import IdentityError, SignInExpired, User
from mediator_client.oidc import (
    ClaimRules,
    LoginRefused,
    OidcConfig,
    OidcIdentity,
    SessionStore,
    Tokens,
)
from mediator_client.settings import MediatorSettings
from mediator_client.web import start_session
from starlette.requests import Request

from tests.unit.client.conftest import csrf_of
from tests.unit.client.fakes import STAFF_ID, TENANT, FakeBus, case_detail

ISSUER = "https://login.kommune.example/realms/kk"
REDIRECT = "https://mediator.kommune.example/auth/callback"
METADATA = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/protocol/openid-connect/auth",
    "token_endpoint": f"{ISSUER}/protocol/openid-connect/token",
    "jwks_uri": f"{ISSUER}/protocol/openid-connect/certs",
    "end_session_endpoint": f"{ISSUER}/protocol/openid-connect/logout",
    "id_token_signing_alg_values_supported": ["RS256"],
    "_loaded_at": time.time(),  # Authlib: already fetched, nothing goes to the network
}
GROUPS = ClaimRules(
    role_claim="groups", roles={"maeglere": "mediator", "kontorchefer": "head_of_office"}
)


def oidc_settings(proof_key_files: tuple[Path, Path], **changes: Any) -> MediatorSettings:
    values: dict[str, Any] = {
        "session_secret": "s" * 40,
        "notes_public_key_file": proof_key_files[1],
        "identity": "oidc",
        "oidc_issuer": ISSUER,
        "oidc_client_id": "mediator-client",
        "oidc_client_secret": "client-secret",
        "oidc_redirect_url": REDIRECT,
        "oidc_role_claim": "groups",
        "oidc_roles": {"maeglere": "mediator", "kontorchefer": "head_of_office"},
        "oidc_tenant": TENANT,
        "wait_seconds": 0.1,
    }
    return MediatorSettings(**(values | changes))


@pytest.fixture
def identity(proof_key_files: tuple[Path, Path]) -> OidcIdentity:
    provider = OidcIdentity(OidcConfig.from_settings(oidc_settings(proof_key_files)))
    provider._provider.server_metadata.update(METADATA)
    return provider


@pytest.fixture
def browser(
    proof_key_files: tuple[Path, Path], identity: OidcIdentity, bus: FakeBus
) -> Iterator[TestClient]:
    app = create_app(oidc_settings(proof_key_files), bus=bus, identity=identity)
    with TestClient(app, base_url="https://mediator.kommune.example", follow_redirects=False) as c:
        yield c


def signed_in_as(
    browser: TestClient, identity: OidcIdentity, monkeypatch: pytest.MonkeyPatch, tokens: Tokens
) -> User:
    """The provider's callback, its exchange replaced by a user and tokens (the exchange and
    the ID token's checks are Authlib's, run against Dex in the integration test)."""
    user = User(STAFF_ID, STAFF_ID, TENANT, "Mette Mægler")

    async def finish(request: Request) -> User:
        return identity.sessions.start(user, tokens)

    monkeypatch.setattr(identity, "finish", finish)
    answer = browser.get("/auth/callback?code=c&state=s")
    assert answer.status_code == 303
    [handle] = identity.sessions._sessions
    return identity.user(handle) or user


def tokens(seconds_left: float = 300, refresh: str | None = "refresh-1") -> Tokens:
    """Tokens issued for ten minutes, ``seconds_left`` of them left."""
    expires = time.time() + seconds_left
    return Tokens(
        access_token="access-1",
        expires_at=expires,
        refresh_token=refresh,
        id_token="id-token-1",
        issued_at=expires - 600,
    )


def test_the_login_page_offers_the_provider_and_no_password_form(browser: TestClient) -> None:
    page = browser.get("/login?next=/cases").text
    assert 'href="/login/start?next=/cases"' in page
    assert "Log ind med kommunens login" in page
    assert 'type="password"' not in page
    answer = browser.post("/login", data={"csrf_token": csrf_of(page), "username": "x"})
    assert answer.status_code == 404


def test_signing_in_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(
    browser: TestClient,
) -> None:
    answer = browser.get("/login/start?next=/cases")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == METADATA["authorization_endpoint"]
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "mediator-client"
    assert query["redirect_uri"] == REDIRECT
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256
    assert len(query["state"]) >= 20
    assert len(query["nonce"]) >= 20
    assert set(query["scope"].split()) >= {"openid", "offline_access"}
    # The verifier stays with us: neither it nor the client secret goes to the browser.
    assert "code_verifier" not in query
    assert "client-secret" not in answer.headers["location"]


def test_the_pages_may_send_the_browser_on_to_the_provider_only(browser: TestClient) -> None:
    policy = browser.get("/login").headers["content-security-policy"]
    assert "form-action 'self' https://login.kommune.example;" in policy


def test_a_callback_without_our_state_is_refused_and_starts_no_session(
    browser: TestClient, identity: OidcIdentity
) -> None:
    answer = browser.get("/auth/callback?code=stolen&state=not-ours")
    assert answer.status_code == 400
    assert "ikke kunne godkendes" in answer.text
    assert len(identity.sessions) == 0
    assert browser.get("/cases").headers["location"] == "/login?next=/cases"


def test_a_sign_in_cancelled_at_the_provider_says_so(browser: TestClient) -> None:
    answer = browser.get("/auth/callback?error=access_denied&error_description=Nej+Mette")
    assert answer.status_code == 401
    assert "afbrød eller afviste" in answer.text
    assert "Mette" not in answer.text  # the provider's own words are not repeated


def test_the_session_is_on_the_server_and_the_cookie_holds_only_its_key(
    browser: TestClient, identity: OidcIdentity, bus: FakeBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = signed_in_as(browser, identity, monkeypatch, tokens())
    bus.add(case_detail(mediator_id=STAFF_ID))
    assert browser.get("/cases").status_code == 200
    cookie = "".join(browser.cookies.values())
    assert "access-1" not in cookie
    assert "refresh-1" not in cookie
    assert "id-token-1" not in cookie
    assert user.session_handle
    # Ended on the server (e.g. by another tab's sign-out): the cookie is worth nothing.
    identity.sessions.end(user.session_handle)
    assert browser.get("/cases").headers["location"] == "/login?next=/cases"


def test_signing_out_ends_the_session_here_and_at_the_provider(
    browser: TestClient, identity: OidcIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = signed_in_as(browser, identity, monkeypatch, tokens())
    csrf = csrf_of(browser.get("/cases").text)
    answer = browser.post("/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == METADATA["end_session_endpoint"]
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert query["id_token_hint"] == "id-token-1"
    assert query["post_logout_redirect_uri"] == "https://mediator.kommune.example/login"
    assert query["client_id"] == "mediator-client"
    assert identity.user(user.session_handle) is None
    assert browser.get("/cases").status_code == 303


def test_without_an_end_session_endpoint_signing_out_ends_the_session_here(
    browser: TestClient, identity: OidcIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity._provider.server_metadata.pop("end_session_endpoint")
    signed_in_as(browser, identity, monkeypatch, tokens())
    csrf = csrf_of(browser.get("/cases").text)
    assert browser.post("/logout", data={"csrf_token": csrf}).headers["location"] == "/login"
    assert len(identity.sessions) == 0


async def test_the_access_token_goes_to_notes_while_it_has_time_left(
    identity: OidcIdentity,
) -> None:
    user = identity.sessions.start(User("u", STAFF_ID, TENANT, "M"), tokens(seconds_left=300))
    assert await identity.notes_token(user) == "access-1"


async def test_a_token_about_to_run_out_without_a_refresh_token_ends_the_sign_in(
    identity: OidcIdentity,
) -> None:
    user = identity.sessions.start(
        User("u", STAFF_ID, TENANT, "M"), tokens(seconds_left=10, refresh=None)
    )
    with pytest.raises(SignInExpired):
        await identity.notes_token(user)
    assert identity.user(user.session_handle) is None


def test_a_page_needing_notes_after_the_sign_in_ran_out_asks_to_sign_in_again(
    browser: TestClient, identity: OidcIdentity, bus: FakeBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = bus.add(case_detail(mediator_id=STAFF_ID))
    signed_in_as(browser, identity, monkeypatch, tokens(seconds_left=5, refresh=None))
    answer = browser.get(f"/cases/{case.case_id}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next=/cases/{case.case_id}"
    assert "Dit login er udløbet" in browser.get(answer.headers["location"]).text


def test_short_tokens_are_refreshed_a_quarter_of_their_life_early() -> None:
    now = time.time()
    assert Tokens("a", now + 100, issued_at=now).fresh(now + 74)
    assert not Tokens("a", now + 100, issued_at=now).fresh(now + 76)
    assert not Tokens("a", now + 3600, issued_at=now).fresh(now + 3541)  # at most a minute


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"sub": "s-1", "groups": ["alle", "maeglere"]}, "mediator"),
        ({"sub": "s-1", "groups": "kontorchefer"}, "head_of_office"),
    ],
)
def test_the_role_comes_from_the_groups_table(claims: dict[str, Any], role: str) -> None:
    rules = ClaimRules(**{**GROUPS.__dict__, "tenant": TENANT})
    user = rules.user(claims, handle="h")
    assert (user.role, user.staff_id, user.tenant, user.display_name) == (
        role,
        "s-1",
        TENANT,
        "s-1",
    )


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"sub": "s-1", "groups": ["alle"]}, "no_role"),
        ({"sub": "s-1", "groups": ["maeglere", "kontorchefer"]}, "no_role"),
        ({"sub": "s-1"}, "no_role"),
        ({"groups": ["maeglere"]}, "no_staff_id"),
        ({"sub": " ", "groups": ["maeglere"]}, "no_staff_id"),
        ({"sub": "s-1", "groups": ["maeglere"], "tenant": "Aarhus Kommune"}, "no_tenant"),
        ({"sub": "s-1", "groups": ["maeglere"]}, "no_tenant"),
    ],
)
def test_no_user_without_exactly_one_role_a_staff_id_and_a_municipality(
    claims: dict[str, Any], problem: str
) -> None:
    with pytest.raises(LoginRefused) as refused:
        GROUPS.user(claims, handle="h")
    assert refused.value.problem == problem


def test_without_a_table_the_claim_names_the_role_and_the_tenant_comes_from_a_claim() -> None:
    user = ClaimRules().user(
        {"sub": "s-1", "role": "mediator", "tenant": "kk", "name": "Mette"}, handle="h"
    )
    assert (user.role, user.tenant, user.display_name) == ("mediator", "kk", "Mette")


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"oidc_issuer": None}, "MEDIATOR_OIDC_ISSUER"),
        ({"oidc_client_id": None, "oidc_redirect_url": None}, "MEDIATOR_OIDC_CLIENT_ID"),
        ({"oidc_issuer": "http://login.kommune.example"}, "https"),
        ({"oidc_redirect_url": "https://mediator.kommune.example/callback"}, "/auth/callback"),
        ({"oidc_scopes": "profile groups"}, "openid"),
    ],
)
def test_an_unusable_provider_setup_fails_at_start_naming_what_to_fix(
    proof_key_files: tuple[Path, Path], changes: dict[str, Any], says: str
) -> None:
    with pytest.raises(IdentityError, match=says):
        create_app(oidc_settings(proof_key_files, **changes), bus=FakeBus())


def test_the_server_side_sessions_are_bounded_and_expire() -> None:
    store = SessionStore(max_age_seconds=3600, max_sessions=2)
    first, second, third = (
        store.start(User(f"u{n}", f"s{n}", TENANT, "M"), tokens()) for n in range(3)
    )
    assert store.get(first.session_handle) is None  # the oldest made room
    assert store.get(third.session_handle) is not None
    expired = SessionStore(max_age_seconds=0)
    user = expired.start(User("u", "s", TENANT, "M"), tokens())
    time.sleep(0.001)
    assert expired.get(user.session_handle) is None
    assert second.session_handle != third.session_handle


def test_the_local_session_starts_with_the_handle(identity: OidcIdentity) -> None:
    """The cookie names the server-side session, never the username, under OIDC."""
    user = identity.sessions.start(User("u", STAFF_ID, TENANT, "M"), tokens())
    scope = {"type": "http", "session": {}, "headers": [], "path": "/", "query_string": b""}
    request = Request(scope)
    start_session(request, user)
    assert request.session["user"] == user.session_handle != "u"


def token_endpoint(answer: httpx2.Response, seen: list[httpx2.Request]) -> httpx2.MockTransport:
    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return answer

    return httpx2.MockTransport(handle)


async def test_a_token_about_to_run_out_is_refreshed_once_and_the_new_one_goes_to_notes(
    proof_key_files: tuple[Path, Path],
) -> None:
    seen: list[httpx2.Request] = []
    fresh = {"access_token": "access-2", "expires_in": 600, "token_type": "Bearer"}
    transport = token_endpoint(httpx2.Response(200, json=fresh), seen)
    identity = OidcIdentity(
        OidcConfig.from_settings(oidc_settings(proof_key_files)), refresh_transport=transport
    )
    identity._provider.server_metadata.update(METADATA)
    user = identity.sessions.start(User("u", STAFF_ID, TENANT, "M"), tokens(seconds_left=20))
    first, second = await identity.notes_token(user), await identity.notes_token(user)
    assert first == second == "access-2"
    [request] = seen  # the second call found the refreshed token fresh
    assert str(request.url) == METADATA["token_endpoint"]
    form = dict(httpx2.QueryParams(request.content.decode()))
    assert form == {"grant_type": "refresh_token", "refresh_token": "refresh-1"}
    assert request.headers["authorization"].startswith("Basic ")  # the client's secret
    session = identity.sessions.get(user.session_handle)
    assert session is not None
    assert session.tokens.refresh_token == "refresh-1"  # kept: the answer named no new one
    assert session.tokens.id_token == "id-token-1"


async def test_a_refresh_the_provider_refuses_ends_the_sign_in(
    proof_key_files: tuple[Path, Path],
) -> None:
    seen: list[httpx2.Request] = []
    refused = httpx2.Response(400, content=json.dumps({"error": "invalid_grant"}).encode())
    identity = OidcIdentity(
        OidcConfig.from_settings(oidc_settings(proof_key_files)),
        refresh_transport=token_endpoint(refused, seen),
    )
    identity._provider.server_metadata.update(METADATA)
    user = identity.sessions.start(User("u", STAFF_ID, TENANT, "M"), tokens(seconds_left=20))
    with pytest.raises(SignInExpired):
        await identity.notes_token(user)
    assert identity.user(user.session_handle) is None


async def test_a_discovery_document_naming_another_issuer_is_not_used(
    identity: OidcIdentity,
) -> None:
    identity._provider.server_metadata["issuer"] = "https://evil.example"
    with pytest.raises(LoginRefused) as refused:
        await identity.start(Request({"type": "http", "session": {}, "headers": []}))
    assert refused.value.problem == "bad_response"
