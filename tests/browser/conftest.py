"""The browser tests: Debian's Chromium, headless, driven by Playwright against the real stack.

The stack lives for this package only (it is torn down before the other tests run). The
screenshots of the main screens go to ``var/test-artifacts/browser/``.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.chromium import launched_chromium, require_chromium
from tests.browser.stack import PASSWORD, Stack, start_stack
from tests.secure_bus import LiveBus

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"


@pytest.fixture(scope="package")
def stack(
    bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    started = start_stack(bus, mongodb_url, tmp_path_factory.mktemp("browser-stack"))
    yield started
    started.stop()


@pytest.fixture(scope="package")
def chromium() -> Path:
    """Debian's Chromium; never a browser Playwright downloads. Missing is a failure."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return require_chromium()


@pytest.fixture(scope="package")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with launched_chromium() as launched:
        yield launched


@pytest.fixture
async def context(browser: Browser, stack: Stack) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (its own cookies), on a laptop-sized screen."""
    opened = await browser.new_context(
        base_url=stack.url, locale="da-DK", viewport={"width": 1280, "height": 900}
    )
    opened.set_default_timeout(15_000)
    yield opened
    await opened.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def sign_in(page: Page, username: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Brugernavn").fill(username)
    await page.get_by_label("Adgangskode").fill(PASSWORD)
    await page.get_by_role("button", name="Log ind").click()
    await page.get_by_role("heading", name="Sager", exact=True).wait_for()


async def snapshot(page: Page, name: str) -> None:
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a browser test fails, show what the services and the client logged."""
    report = yield
    if call.excinfo is not None:
        running = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
        if isinstance(running, Stack):
            report.sections.append(("stack logs (tail)", running.tails()))
    return report
