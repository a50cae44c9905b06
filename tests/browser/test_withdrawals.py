"""What a mediator may do besides the main road: name a note-taker, record that the citizen no
longer wants a summary (which destroys it), and withdraw from the case; the destructive ones
after a page that says what will happen."""

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import Stack
from tests.browser.test_access import CITIZEN, mediator1_case
from tests.browser.test_journey import flash, reload_until

pytestmark = pytest.mark.browser


@pytest.mark.timeout(180)
async def test_note_taker_summary_wish_withdrawn_and_mediator_withdraws(
    page: Page, stack: Stack
) -> None:
    case_id, _ = await mediator1_case(stack)
    await sign_in(page, "mediator1")
    await page.goto(f"/cases/{case_id}")
    summary = page.locator("#summary")

    # The citizen wants a summary; it is written.
    wish = summary.get_by_role("button", name=f"Registrér at {CITIZEN} ønsker et referat")
    await reload_until(page, wish, seconds=15)  # notes hears of the case a moment later
    await wish.click()
    await flash(page, "Borgerens ønske om et referat er registreret.")
    await summary.get_by_label("Kort referat").fill("Aftale om et nyt møde.")
    await summary.get_by_role("button", name="Gem referatet").click()
    await flash(page, "Referatet er gemt.")

    # A note-taker, named by the case's mediator (with the proof notes needs).
    await page.get_by_text("Udpeg en referent").click()
    await page.get_by_label("Referentens medarbejder-id").fill("referent-7")
    await page.get_by_role("button", name="Udpeg referenten").click()
    await flash(page, "Referenten er udpeget.")
    await expect(page.locator("#case-note-taker")).to_have_text("referent-7")

    # The citizen no longer wants it: confirmed first, then it is gone for good.
    await summary.get_by_role("link", name=f"{CITIZEN} ønsker ikke længere et referat").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{CITIZEN} ønsker ikke længere et referat"
    )
    await expect(page.locator("main")).to_contain_text("kan aldrig genskabes")
    await snapshot(page, "12-confirm-summary-wish-withdrawn")
    await page.get_by_role("button", name="Ja, slet referatet").click()
    await flash(page, "Sagens referater er slettet.")
    destroyed = summary.get_by_text("Referatet er slettet og kan ikke genskabes.")
    await reload_until(page, destroyed, seconds=15)
    await expect(summary.get_by_role("link", name="Læs referatet")).to_have_count(0)
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Borgeren ønsker ikke længere referat")
    await expect(timeline).to_contain_text("Referat slettet")
    await snapshot(page, "13-summary-destroyed")

    # The mediator withdraws: the page says what that does, and then the case is closed.
    await page.get_by_role("link", name="Træk dig som mægler").click()
    await expect(page.locator("main")).to_contain_text("Mæglingen afsluttes for alle parter")
    await snapshot(page, "14-confirm-mediator-withdraws")
    await page.get_by_role("button", name="Ja, træk mig som mægler").click()
    await flash(page, "Du har trukket dig som mægler.")
    await expect(page.locator("#case-status")).to_have_text("Afsluttet")
    await expect(page.locator("main")).to_contain_text("af mægleren")
    await expect(page.get_by_role("link", name="Træk dig som mægler")).to_have_count(0)
    await snapshot(page, "15-mediator-withdrew")
