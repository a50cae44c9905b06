"""A mediator takes a case from the request to the close, in the browser, as a person would:
reading what the pages say, choosing from what they offer."""

import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import ROOM_NAME, Stack

pytestmark = pytest.mark.browser

CITIZEN = "Birte Borger"
ADMINISTRATION = "Jobcenter Nord"


async def flash(page: Page, text: str) -> None:
    await expect(page.get_by_role("status")).to_contain_text(text)


async def register_case(
    page: Page,
    reference: str,
    citizen_email: str = "birte@example.dk",
    unit_email: str = "jobcenter@example.dk",
) -> None:
    await page.get_by_role("link", name="Registrér anmodning").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Registrér en anmodning om mægling"
    )
    await snapshot(page, "03-new-case-form")
    await page.get_by_label("Borger og forvaltning").check()
    citizen = page.get_by_role("group", name="Borgeren", exact=True)
    await citizen.get_by_label("Borgerens navn").fill(CITIZEN)
    await citizen.get_by_label("E-mail").fill(citizen_email)
    await citizen.get_by_label("Telefon").fill("+45 12 34 56 78")
    await citizen.get_by_label("Bisidders navn").fill("Bo Bisidder")
    other = page.get_by_role("group", name="Den anden part")
    await other.get_by_label("Enhedens eller borgerens navn").fill(ADMINISTRATION)
    await other.get_by_label("E-mail").fill(unit_email)
    await (
        page.get_by_role("group", name="Hvem anmoder om mægling?").get_by_label("Borgeren").check()
    )
    await page.get_by_label("Kort beskrivelse af konflikten").fill(
        "Borgeren oplever ikke at være blevet hørt"
    )
    await page.get_by_label("Sagsnummer i fagsystemet").fill(reference)
    await (
        page.get_by_role("group", name="Er sagen til klagebehandling")
        .get_by_label("Nej", exact=True)
        .check()
    )
    await page.get_by_role("button", name="Registrér anmodningen").click()


async def record_consent(page: Page, party: str) -> None:
    form = page.locator("#consent")
    await form.get_by_role("group", name="Hvilken part?").get_by_label(party, exact=True).check()
    await form.get_by_label("Siger ja til mægling").check()
    await form.get_by_role("button", name="Registrér svaret").click()
    await flash(page, "Samtykket er registreret.")


def slot_starting_soon(values: list[str], margin: timedelta) -> int:
    """The first suggested slot that is still ``margin`` away (booking one that begins while
    the form is sent would be refused as past)."""
    now = datetime.now(UTC)
    for index, value in enumerate(values):
        if datetime.fromisoformat(value) - now >= margin:
            return index
    raise AssertionError(f"no slot starts {margin} from now among {values}")


async def reload_until(page: Page, target: Locator, seconds: float) -> None:
    """Reload the page until ``target`` is offered, as a person would when the services have
    not caught up yet, or the meeting has not begun."""
    deadline = time.monotonic() + seconds
    while not await target.is_visible():
        assert time.monotonic() < deadline, f"not offered within {seconds} s"
        await page.wait_for_timeout(1_000)
        await page.reload()


@pytest.mark.timeout(300)
async def test_a_mediator_takes_a_case_from_request_to_close(
    page: Page, context: BrowserContext, stack: Stack
) -> None:
    reference = f"SAG-{secrets.token_hex(3).upper()}"

    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login"))
    await expect(page.locator("html")).to_have_attribute("lang", "da")
    await snapshot(page, "01-login")
    await sign_in(page, "mediator1")
    await snapshot(page, "02-case-list")

    # The request came by phone: register it.
    await register_case(page, reference)
    await flash(page, "Anmodningen er registreret.")
    await expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    await expect(page.locator("#case-status")).to_have_text("Modtaget – afventer vurdering")
    await expect(page.locator("#timeline")).to_contain_text("Anmodning modtaget")
    await snapshot(page, "04-case-registered")

    # Take it, assess it, record both parties' consent (given by phone).
    await page.get_by_role("button", name="Tag sagen").click()
    await flash(page, "Du har taget sagen.")
    await expect(page.locator("#timeline")).to_contain_text("Mægler tildelt")
    assess = page.locator("#assess")
    await assess.get_by_label("Egnet til mægling", exact=True).check()
    await assess.get_by_role("button", name="Registrér vurderingen").click()
    await flash(page, "Vurderingen er registreret.")
    await expect(page.locator("#case-status")).to_have_text("Egnet – afventer samtykke")
    await record_consent(page, CITIZEN)
    await record_consent(page, ADMINISTRATION)
    await expect(page.locator("#case-status")).to_have_text("Klar til mæglingsmøde")
    await expect(page.locator("#now")).to_contain_text("Book mæglingsmødet.")
    parties = page.locator("#parties")
    await expect(parties.get_by_role("row", name=re.compile(CITIZEN))).to_contain_text("Givet")
    # Closing is possible now, but it is not the next step, and the page says so.
    await expect(page.locator("#close-no-meeting")).to_contain_text(
        "Der er ikke holdt noget mæglingsmøde endnu."
    )
    await expect(page.get_by_role("button", name="Afslut sagen")).to_be_hidden()
    await snapshot(page, "05-case-ready")

    # Book the mediation meeting from the suggested slots. A second tab still shows the same
    # suggestion; booking it there too is refused, in Danish, next to the booking form.
    slots = page.get_by_role("group", name=re.compile("Ledige tider til mæglingsmøde"))
    await reload_until(page, slots, seconds=15)  # scheduling hears "ready" a moment later
    second = await context.new_page()
    await second.goto(page.url)
    values = [
        await radio.get_attribute("value") or "" for radio in await slots.get_by_role("radio").all()
    ]
    chosen = slot_starting_soon(values, timedelta(seconds=15))
    await slots.get_by_role("radio").nth(chosen).check()
    await page.get_by_role("button", name="Book mødet").click()
    await flash(page, "Mødet er booket.")
    meetings = page.locator("#meetings")
    await expect(meetings.get_by_role("article")).to_contain_text("Mæglingsmøde")
    await expect(meetings.get_by_role("article")).to_contain_text("Booket")
    await expect(meetings.get_by_role("article")).to_contain_text(f"lokale {ROOM_NAME}")
    await expect(page.locator("#case-status")).to_have_text("Mæglingsmøde booket")
    await expect(page.locator("#timeline")).to_contain_text("Mæglingsmøde")
    await snapshot(page, "05b-meeting-booked")

    stale = second.get_by_role("group", name=re.compile("Ledige tider til mæglingsmøde"))
    await stale.locator(f'input[value="{values[chosen]}"]').check()
    await second.get_by_role("button", name="Book mødet").click()
    error = second.locator("#book-error")
    await expect(error).to_have_attribute("role", "alert")
    await expect(error).to_contain_text("optaget")
    await expect(second.get_by_role("button", name="Book mødet")).to_have_attribute(
        "aria-describedby", "book-error"
    )
    await snapshot(second, "06-double-booking-refused")
    await second.close()

    # At the start of the meeting the citizen asks for a short summary.
    summary = page.locator("#summary")
    wish = summary.get_by_role("button", name=f"Registrér at {CITIZEN} ønsker et referat")
    await reload_until(page, wish, seconds=15)
    await wish.click()
    await flash(page, "Borgerens ønske om et referat er registreret.")
    await expect(summary).to_contain_text(f"{CITIZEN} ønsker et referat")

    # Once the meeting has begun it can be marked held.
    held = page.get_by_role("button", name="Markér mødet som afholdt")
    await reload_until(page, held, seconds=120)
    await held.click()
    await flash(page, "Mødet er markeret som afholdt.")
    await expect(meetings.get_by_role("article")).to_contain_text("Afholdt")
    await expect(page.locator("#case-status")).to_have_text("Mæglingsmøde afholdt")
    await expect(page.locator("#close-no-meeting")).to_have_count(0)
    await expect(page.locator("#timeline")).to_contain_text("Borgeren ønsker referat")
    await snapshot(page, "06b-meeting-held")

    # The summary: written, read back, agreed by every party, shared.
    await summary.get_by_label("Kort referat").fill("Parterne aftalte et opfølgende møde.")
    await summary.get_by_role("button", name="Gem referatet").click()
    await flash(page, "Referatet er gemt.")
    await expect(summary).to_contain_text("Der er skrevet referat (1).")
    await summary.get_by_role("link", name="Læs referatet").click()
    await expect(page.locator("main")).to_contain_text("Parterne aftalte et opfølgende møde.")
    await page.go_back()
    for party in (CITIZEN, ADMINISTRATION):
        await summary.get_by_role("button", name=f"Registrér at {party} accepterer deling").click()
        await flash(page, "Partens accept af deling er registreret.")
    await expect(page.locator("#timeline")).to_contain_text("Referat skrevet")
    await snapshot(page, "07-summary-ready-to-share")
    await summary.get_by_role("button", name="Del referatet med parterne").click()
    await flash(page, "Referatet er delt med parterne.")
    await expect(summary).to_contain_text("Det er delt med parterne.")

    # Close with the outcome and who the citizen can contact from now on.
    close = page.locator("#close")
    await close.get_by_label("Aftale", exact=True).check()
    contact = close.get_by_role("group", name="Kontaktperson fremover")
    await contact.get_by_label("Navn").fill("Anne Andersen")
    await contact.get_by_label("Enhed").fill("Jobcenter Nord, borgerservice")
    await contact.get_by_label("E-mail").fill("anne@example.dk")
    await close.get_by_role("button", name="Afslut sagen").click()
    await flash(page, "Sagen er afsluttet.")
    await expect(page.locator("#case-status")).to_have_text("Afsluttet")
    await expect(page.locator("#case-outcome")).to_have_text("Aftale")
    await expect(page.locator("main")).to_contain_text("Anne Andersen")
    await expect(page.locator("#timeline")).to_contain_text("Sagen afsluttet")
    # Nothing further happens to a closed case: no more summaries (notes refuses them too).
    await expect(page.get_by_text("Skriv et referat mere")).to_have_count(0)
    await expect(page.get_by_role("button", name="Gem referatet")).to_have_count(0)
    await expect(page.locator("#now")).to_contain_text("Der sker ikke mere i den.")
    await snapshot(page, "08-case-closed")
    await page.set_viewport_size({"width": 768, "height": 1024})
    await snapshot(page, "09-case-closed-tablet")
    await page.set_viewport_size({"width": 1280, "height": 900})

    # Who accessed the summary: ids, actions and outcomes, never its text.
    await page.locator("#summary").get_by_role("link", name="Se hvem der har tilgået").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Adgang til referatet")
    trail = page.get_by_role("table")
    await expect(trail).to_contain_text("Skrive")
    await expect(trail).to_contain_text("Læse")
    await expect(page.locator("main")).not_to_contain_text("Parterne aftalte")
    await snapshot(page, "11-audit-trail")

    # The closed case is in the list under its status.
    await page.goto("/cases?status=closed")
    await expect(page.get_by_role("link", name=reference)).to_be_visible()
