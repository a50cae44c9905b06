"""Learning from mediations, in the browser, against the real stack with the insights service:

- a mediator holds a mediation meeting (by phone), closes the case with an agreement and the
  citizen's consent that the contact person is told, records a short reflection, and once the
  follow-up is due (the stack's follow-up period is seconds long) finds it on the case list
  and records that the agreement held;
- a party opens the evaluation link from the notifications outbox (as a person would open the
  .eml file), without an account, answers once, and is told kindly that the link is used the
  second time;
- a head of office (kontorchef) sees the statistics page with its "<5" cells explained, the
  charts drawn on the server, and downloads the CSV; a mediator is refused that page.

What it needs from the stack (tests/browser/stack.py): an ``insights`` process, a
``head_of_office`` user ``kontorchef1`` in the stack's tenant, a mediator of its own,
``mediator6``, a follow-up period of seconds, and notifications' evaluation link setting
(the link's host need not be the client's: the test opens the token on the stack's client).
"""

import email.message
import re
import secrets
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import PASSWORD, Stack
from tests.browser.test_journey import (
    ADMINISTRATION,
    CITIZEN,
    flash,
    record_consent,
    register_case,
    reload_until,
    slot_starting_soon,
)
from tests.browser.test_people import mails_to

pytestmark = pytest.mark.browser

MEDIATOR = "mediator6"  # the insights test's own: its meeting is booked whatever others booked
HEAD_OF_OFFICE = "kontorchef1"
CONTACT = "Anne Andersen"
LINK = re.compile(r"/evaluering/([A-Za-z0-9_-]{32,64})")


def evaluation_tokens(outbox: Path, address: str) -> list[str]:
    """The evaluation links' tokens in the mails to ``address``, in the order sent."""
    tokens: list[str] = []
    for mail in mails_to(outbox, address):
        for part in mail.walk():
            if isinstance(part, email.message.EmailMessage) and part.get_content_maintype() == (
                "text"
            ):
                tokens += LINK.findall(part.get_content())
    return list(dict.fromkeys(tokens))


async def wait_for_token(page: Page, outbox: Path, address: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while not (tokens := evaluation_tokens(outbox, address)):
        assert time.monotonic() < deadline, f"no evaluation link to {address} within {seconds} s"
        await page.wait_for_timeout(500)
    return tokens[0]


async def wait_for_any_mail(page: Page, outbox: Path, address: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not mails_to(outbox, address):
        assert time.monotonic() < deadline, f"nothing sent to {address} within {seconds} s"
        await page.wait_for_timeout(500)


async def ready_case(page: Page, reference: str, citizen: str, unit: str) -> None:
    """Registered, taken, found suitable and agreed to by both parties: ready for the meeting."""
    await sign_in(page, MEDIATOR)
    await register_case(page, reference, citizen_email=citizen, unit_email=unit)
    await flash(page, "Anmodningen er registreret.")
    await page.get_by_role("button", name="Tag sagen").click()
    await flash(page, "Du har taget sagen.")
    assess = page.locator("#assess")
    await assess.get_by_label("Egnet til mægling", exact=True).check()
    await assess.get_by_role("button", name="Registrér vurderingen").click()
    await flash(page, "Vurderingen er registreret.")
    await record_consent(page, CITIZEN)
    await record_consent(page, ADMINISTRATION)


async def hold_mediation_by_phone(page: Page) -> None:
    """Book the mediation meeting by phone at the first free time, and mark it held once it
    has begun (the stack's policy: it begins within a minute or two)."""
    await page.goto(page.url.split("#")[0].split("?")[0] + "?kind=mediation&format=phone")
    slots = page.get_by_role("group", name=re.compile("Ledige tider til mæglingsmøde"))
    await reload_until(page, slots, seconds=15)
    values = [
        await radio.get_attribute("value") or "" for radio in await slots.get_by_role("radio").all()
    ]
    await slots.get_by_role("radio").nth(slot_starting_soon(values, timedelta(seconds=15))).check()
    await page.get_by_role("button", name="Book mødet").click()
    await flash(page, "Mødet er booket.")
    held = page.get_by_role("button", name="Markér mødet som afholdt")
    await reload_until(page, held, seconds=150)
    await held.click()
    await flash(page, "Mødet er markeret som afholdt.")


async def close_with_agreement(page: Page, contact_email: str) -> None:
    """The outcome, the contact person from now on, and the citizen's consent that the
    contact person is told: first without an address to tell them by (said in Danish next to
    the box, nothing lost), then with it."""
    consent = "Borgeren har givet samtykke til, at kontaktpersonen får besked"
    close = page.locator("#close")
    await close.get_by_label("Aftale", exact=True).check()
    contact = close.get_by_role("group", name="Kontaktperson fremover")
    await contact.get_by_label("Navn").fill(CONTACT)
    await contact.get_by_label("Enhed").fill("Jobcenter Nord, borgerservice")
    await contact.get_by_label(consent).check()
    await close.get_by_role("button", name="Afslut sagen").click()
    await expect(page.locator("#close-follow_up_inform-error")).to_contain_text(
        "Skriv kontaktpersonens e-mail eller telefonnummer"
    )
    await expect(page.locator("#close-error")).to_have_attribute("role", "alert")
    contact = page.locator("#close").get_by_role("group", name="Kontaktperson fremover")
    await expect(contact.get_by_label("Navn")).to_have_value(CONTACT)
    await expect(contact.get_by_label(consent)).to_be_checked()
    await contact.get_by_label("E-mail").fill(contact_email)
    await page.locator("#close").get_by_role("button", name="Afslut sagen").click()
    await flash(page, "Sagen er afsluttet.")
    await expect(page.locator("#case-outcome")).to_have_text("Aftale")
    await expect(page.locator("#follow-up-informed")).to_have_text(
        "får besked (borgerens samtykke)"
    )


async def reflect(page: Page) -> None:
    """Codes only: the format (the held meeting's is chosen already), what helped, and
    whether mediation suited the case."""
    form = page.locator("#reflection")
    formats = form.get_by_role("group", name="Hvilken mødeform blev brugt?")
    await expect(formats.get_by_label("Telefon", exact=True)).to_be_checked()
    await expect(form.locator("textarea")).to_have_count(0)
    helped = form.get_by_role("group", name=re.compile("Hvad hjalp?"))
    await helped.get_by_label("Pauser", exact=True).check()
    await helped.get_by_label("Tid til hver part for sig").check()
    suited = form.get_by_role("group", name=re.compile("var mægling det rigtige tilbud"))
    await suited.get_by_label("Ja", exact=True).check()
    await form.get_by_role("button", name="Gem refleksionen").click()
    await flash(page, "Din refleksion er gemt.")


async def evaluate_once(browser: Browser, stack: Stack, token: str) -> None:
    """The party, in a browser of its own (no account): answers, is thanked; the same link
    again says it is used."""
    context = await browser.new_context(base_url=stack.url, locale="da-DK")
    context.set_default_timeout(15_000)
    party = await context.new_page()
    try:
        opened = await party.goto(f"/evaluering/{token}")
        assert opened is not None
        assert opened.status == 200
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert opened.headers["cache-control"] == "no-store"
        await expect(party.get_by_role("heading", level=1)).to_have_text("Evaluering af mæglingen")
        await expect(party.locator("#evaluation-voluntary")).to_contain_text(
            "Det er frivilligt at svare, og du er anonym"
        )
        await expect(party.get_by_role("navigation")).to_have_count(0)  # no menu, no login
        await (
            party.get_by_role("group", name=re.compile("Følte du dig hørt"))
            .get_by_label("4", exact=True)
            .check()
        )
        await (
            party.get_by_role("group", name=re.compile("Følte du dig mødt med respekt"))
            .get_by_label("5 – i meget høj grad")
            .check()
        )
        # "Forstod du ..." is left out: every question is optional.
        await (
            party.get_by_role("group", name=re.compile("Vil du anbefale mægling"))
            .get_by_label("4", exact=True)
            .check()
        )
        await party.get_by_label("Vil du sige mere?").fill("Rart at blive lyttet til.")
        await snapshot(party, "22-evaluation-form")
        await party.get_by_role("button", name="Send dit svar").click()
        await expect(party.get_by_role("heading", level=1)).to_have_text("Tak for dit svar")
        again = await party.goto(f"/evaluering/{token}")
        assert again is not None
        assert again.status == 410
        await expect(party.get_by_role("heading", level=1)).to_have_text(
            "Linket kan ikke bruges mere"
        )
        await expect(party.locator("main")).to_contain_text("allerede besvaret")
        await snapshot(party, "23-evaluation-link-used")
    finally:
        await context.close()


@pytest.mark.timeout(420)
async def test_a_mediator_closes_reflects_and_follows_up_and_a_party_evaluates_once(
    page: Page, browser: Browser, stack: Stack
) -> None:
    tag = secrets.token_hex(3)
    reference = f"SAG-I{tag.upper()}"
    citizen, unit = f"birte-{tag}@example.dk", f"jobcenter-{tag}@example.dk"
    contact_email = f"anne-{tag}@example.dk"

    await ready_case(page, reference, citizen, unit)
    await hold_mediation_by_phone(page)
    case_url = page.url.split("#")[0].split("?")[0]

    # The held mediation meeting invites each party to evaluate it: a link in the outbox.
    token = await wait_for_token(page, stack.outbox, citizen)

    await page.goto(case_url)
    await close_with_agreement(page, contact_email)
    # The citizen agreed: the contact person is told (by notifications).
    await wait_for_any_mail(page, stack.outbox, contact_email)

    # Right after the close: the reflection, and the follow-up planned (not due yet).
    section = page.locator("#follow-up")
    await expect(section.get_by_role("heading", name="Opfølgning")).to_be_visible()
    await reflect(page)
    await snapshot(page, "21-reflection-recorded")

    # The party answers the evaluation, once.
    await evaluate_once(browser, stack, token)
    assert evaluation_tokens(stack.outbox, citizen) == [token], "one invitation per case"

    # Once the follow-up is due it waits on the case list; the mediator records the result.
    await page.goto("/cases")
    due = page.locator("#due-follow-ups")
    await reload_until(page, due.get_by_role("link", name=reference), seconds=90)
    await expect(due.get_by_role("heading", name="Opfølgning, der venter")).to_be_visible()
    await snapshot(page, "24-follow-up-due")
    await due.get_by_role("link", name=reference).click()
    await expect(page.locator("#follow-up-when")).to_contain_text(
        "Opfølgningen har været klar siden"
    )
    await expect(page.locator("#reflection-recorded")).to_contain_text(
        "Din refleksion er registreret."
    )
    result = page.locator("#follow-up").get_by_role("group", name="Holdt aftalen?")
    await result.get_by_label("Aftalen holdt", exact=True).check()
    await page.get_by_role("button", name="Registrér opfølgningen").click()
    await flash(page, "Opfølgningen er registreret.")
    await expect(page.locator("#follow-up-result")).to_have_text("Registreret: Aftalen holdt.")
    await page.goto("/cases")
    await expect(page.locator("#due-follow-ups").get_by_text(reference)).to_have_count(0)


def csv_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()  # without the byte order mark


async def sign_in_as_head_of_office(page: Page) -> None:
    await page.goto("/login")
    await page.get_by_label("Brugernavn").fill(HEAD_OF_OFFICE)
    await page.get_by_label("Adgangskode").fill(PASSWORD)
    await page.get_by_role("button", name="Log ind").click()
    await page.get_by_role("heading", name="Statistik", exact=True).wait_for()


@pytest.mark.timeout(120)
async def test_a_head_of_office_sees_the_statistics_with_small_numbers_hidden_and_charts(
    page: Page, stack: Stack
) -> None:
    # A mediator is refused the page, and not offered it.
    await sign_in(page, "mediator1")
    navigation = page.get_by_role("navigation", name="Hovedmenu")
    await expect(navigation.get_by_role("link", name="Statistik")).to_have_count(0)
    refused = await page.goto("/statistics")
    assert refused is not None
    assert refused.status == 403
    await expect(page.locator("main")).to_contain_text("Siden hører ikke til din rolle")
    await page.get_by_role("button", name="Log ud").click()

    # The head of office starts on the statistics; cases are not theirs.
    await sign_in_as_head_of_office(page)
    await expect(page).to_have_url(re.compile(r"/statistics$"))
    await expect(navigation.get_by_role("link", name="Statistik")).to_be_visible()
    await expect(navigation.get_by_role("link", name="Sager")).to_have_count(0)
    # This year so far, by quarter.
    await expect(page.get_by_label("Opdelt pr.")).to_have_value("quarter")

    # Small numbers are hidden, and the page says why.
    await expect(page.locator("#stats-hidden")).to_contain_text(
        "Små tal vises ikke, så ingen person eller sag kan genkendes"
    )
    hidden = page.locator("td.num--hidden")
    assert await hidden.count() > 0
    await expect(hidden.first).to_have_text("<5")
    await expect(page.locator("#stats-follow_ups")).to_be_visible()
    await expect(page.locator("#stats-evaluations")).to_contain_text("Følte du dig hørt?")

    # The charts: images with a name, drawn on the server, hidden values hatched.
    charts = page.locator("svg.chart")
    await expect(charts).to_have_count(5)
    await expect(
        page.get_by_role("img", name="Anmodninger og accepterede sager pr. periode")
    ).to_be_visible()
    await expect(page.get_by_role("img", name=re.compile("Parternes evaluering"))).to_be_visible()
    assert await page.locator("svg.chart .bar--hidden").count() > 0
    await snapshot(page, "25-statistics")

    # The same figures as CSV, Danish headers, "<5" kept as text.
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Hent tallene som CSV (dansk)").click()
    download = await info.value
    assert re.fullmatch(r"statistik-\d{4}-01-\d{4}-\d{2}-kvartal\.csv", download.suggested_filename)
    lines = csv_lines(await download.path())
    assert lines[0] == "periode;område;tal;kode;værdi"
    assert any(line.endswith(";<5") for line in lines[1:])
    assert any(line.startswith("total;") for line in lines[1:])

    # A year by month, in English.
    await page.get_by_label("Fra måned").fill(f"{time.gmtime().tm_year}-01")
    await page.get_by_label("Opdelt pr.").select_option("month")
    await page.get_by_role("button", name="Vis statistikken").click()
    await expect(page.get_by_role("columnheader", name="I alt").first).to_be_visible()
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    await expect(page.get_by_role("columnheader", name="Total").first).to_be_visible()
    await expect(page.locator("#stats-hidden")).to_contain_text("Small numbers are hidden")
    await snapshot(page, "26-statistics-by-month-english")

    # Cases are not the head of office's.
    answer = await page.goto("/cases")
    assert answer is not None
    assert answer.status == 403
