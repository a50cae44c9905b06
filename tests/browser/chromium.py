"""Debian's Chromium, headless, under Playwright: never a browser Playwright downloads."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> Path:
    """Missing is a failure, never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install chromium; .ci/run installs it)",
            pytrace=False,
        )
    return CHROMIUM


@asynccontextmanager
async def launched_chromium() -> AsyncIterator[Browser]:
    executable = require_chromium()
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            await browser.close()
    finally:
        await playwright.stop()
