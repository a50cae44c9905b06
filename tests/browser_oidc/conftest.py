"""The browser test with a real OpenID Connect provider: the whole stack as in
``tests/browser``, but the client signs mediators in at Dex and notes trusts Dex's tokens only
(no users file, no development identity). A package of its own: its stack runs after the other
browser tests' stack has stopped (two notes services on one bus would share its consumers)."""

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from mediation_devstack.ports import free_port
from playwright.async_api import Browser, BrowserContext, Page

from tests import oidc_provider
from tests.browser.chromium import launched_chromium, require_chromium
from tests.browser.stack import ProviderSetup, Stack, start_stack
from tests.oidc_provider import Dex, DexUser
from tests.secure_bus import LiveBus

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"
TENANT = f"p-{secrets.token_hex(4)}"
MEDIATOR = DexUser("mette@kommune.example", "Mette Mægler", "mediator-7")
HEAD = DexUser("karen@kommune.example", "Karen Kontorchef", "leader-1", (oidc_provider.HEAD_GROUP,))
IT_STAFF = DexUser("ole@kommune.example", "Ole IT", "it-3", ("it-afdelingen",))
CLIENT_PORT = free_port()


@pytest.fixture(scope="package")
async def provider(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Dex]:
    dex = await oidc_provider.start(
        tmp_path_factory.mktemp("dex"),
        [MEDIATOR, HEAD, IT_STAFF],
        [f"http://127.0.0.1:{CLIENT_PORT}/auth/callback"],
    )
    yield dex
    await dex.stop()


@pytest.fixture(scope="package")
def stack(
    provider: Dex, bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    setup = ProviderSetup(
        issuer=provider.issuer,
        jwks_url=provider.jwks_url,
        client_id=oidc_provider.CLIENT_ID,
        client_secret=provider.client_secret,
        client_port=CLIENT_PORT,
        scopes=oidc_provider.SCOPES,
        role_claim="groups",
        roles=oidc_provider.ROLE_TABLE,
        notes_roles=oidc_provider.NOTES_ROLE_TABLE,
        notes_audience=oidc_provider.NOTES_AUDIENCE,
    )
    started = start_stack(
        bus, mongodb_url, tmp_path_factory.mktemp("oidc-stack"), setup, tenant=TENANT
    )
    yield started
    started.stop()


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    require_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with launched_chromium() as launched:
        yield launched


@pytest.fixture
async def context(browser: Browser, stack: Stack) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(
        base_url=stack.url, locale="da-DK", viewport={"width": 1280, "height": 900}
    )
    opened.set_default_timeout(15_000)
    yield opened
    await opened.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a test fails, show what the services, the client and Dex logged."""
    report = yield
    if call.excinfo is not None and hasattr(item, "funcargs"):
        running = item.funcargs.get("stack")
        if isinstance(running, Stack):
            report.sections.append(("stack logs (tail)", running.tails()))
        dex = item.funcargs.get("provider")
        if isinstance(dex, Dex):
            report.sections.append(("dex log (tail)", dex.server.process.log_tail(30)))
    return report
