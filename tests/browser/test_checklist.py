"""The caseworker's checklist travels with the request (issue 16, point 4): staff register a
request from the administration with the checklist's answers, in the browser, and the
mediator who assesses the case sees them there, Danish first."""

import secrets

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import Stack
from tests.browser.test_journey import flash

pytestmark = pytest.mark.browser

CITIZEN = "Dorthe Dam"
ADMINISTRATION = "Ydelsesservice"
DESCRIPTION = "Borgeren oplever ikke at være blevet taget alvorligt i telefonen"
ANSWERS = (
    ("Har borgeren fået svar på det, der klages over?", "Delvist"),
    ("Er begge parter interesserede i at finde en løsning på konflikten?", "Ja"),
    ("Er borgeren tilbudt andet end traditionel skriftlig klagebehandling", "Nej"),
    ("Har sagsbehandleren talt med kolleger eller sin leder", "Ja"),
    ("Er Borgerrådgiveren taget med på råd?", "Ikke nødvendigt"),
    ("Er konflikten egnet til et mæglings- eller konfliktløsningsmøde?", "Ja"),
)


async def fill_request_from_the_administration(page: Page, reference: str) -> None:
    await page.get_by_role("link", name="Registrér anmodning").first.click()
    await page.get_by_label("Borger og forvaltning").check()
    await (
        page.get_by_role("group", name="Borgeren", exact=True)
        .get_by_label("Borgerens navn")
        .fill(CITIZEN)
    )
    await (
        page.get_by_role("group", name="Den anden part")
        .get_by_label("Enhedens eller borgerens navn")
        .fill(ADMINISTRATION)
    )
    requester = page.get_by_role("group", name="Hvem anmoder om mægling?")
    await requester.get_by_label("Forvaltningen", exact=True).check()
    await page.get_by_label("Den, der anmoder, ønsker selv mægling").check()
    await page.get_by_label("Kort beskrivelse af konflikten").fill(DESCRIPTION)
    await page.get_by_label("Sagsnummer i fagsystemet").fill(reference)
    await (
        page.get_by_role("group", name="Er sagen til klagebehandling")
        .get_by_label("Nej", exact=True)
        .check()
    )


@pytest.mark.timeout(180)
async def test_staff_register_the_checklist_and_the_mediator_sees_it_when_assessing(
    page: Page, browser: Browser, stack: Stack
) -> None:
    reference = f"SAG-{secrets.token_hex(3).upper()}"
    await sign_in(page, "mediator2")  # registering what the administration sent
    await fill_request_from_the_administration(page, reference)

    # Without the checklist's answers the request is not registered; each question says so.
    await page.get_by_role("button", name="Registrér anmodningen").click()
    await expect(page.get_by_role("alert")).to_have_text("Ret de markerede felter.")
    checklist = page.get_by_role("group", name="Sagsbehandlerens tjekliste")
    for question, _ in ANSWERS:
        await expect(checklist.get_by_role("group", name=question)).to_contain_text(
            "Vælg et svar. Tjeklisten skal besvares, når forvaltningen anmoder om mægling."
        )
    await expect(page.get_by_label("Kort beskrivelse af konflikten")).to_have_value(DESCRIPTION)
    await snapshot(page, "03b-new-case-checklist-missing")

    for question, answer in ANSWERS:
        await checklist.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    await checklist.get_by_label("Sagsbehandlerens medarbejder-id").fill("m-4711")
    await page.get_by_role("button", name="Registrér anmodningen").click()
    await flash(page, "Anmodningen er registreret.")
    await expect(page.get_by_role("heading", level=1)).to_have_text(reference)

    # Another mediator takes the case and assesses it with the caseworker's answers before them.
    context = await browser.new_context(base_url=stack.url, locale="da-DK")
    mediator = await context.new_page()
    try:
        await sign_in(mediator, "mediator1")
        await mediator.get_by_role("link", name=reference).click()
        await mediator.get_by_role("button", name="Tag sagen").click()
        await flash(mediator, "Du har taget sagen.")
        assess = mediator.locator("#assess")
        answers = assess.locator("#checklist")
        await expect(answers.get_by_role("heading")).to_have_text("Sagsbehandlerens tjekliste")
        for question, answer in ANSWERS:
            row = answers.locator("div").filter(has_text=question)
            await expect(row.locator("dd")).to_have_text(answer)
        core = answers.locator("div").filter(has_text="Hvad er kernen i konflikten?")
        await expect(core.locator("dd")).to_have_text(DESCRIPTION)
        parties = answers.locator("div").filter(has_text="Hvem er konfliktens parter?")
        await expect(parties.locator("dd")).to_have_text(
            f"{CITIZEN} (borger), {ADMINISTRATION} (forvaltning)"
        )
        await expect(answers).to_contain_text("m-4711")
        await snapshot(mediator, "04b-checklist-at-assessment")

        # English on request.
        await mediator.get_by_role("button", name="English").click()
        await expect(answers.get_by_role("heading")).to_have_text("The caseworker's checklist")
        await expect(answers).to_contain_text("Has the citizen had an answer")
        await expect(answers).to_contain_text("Partly")
        await mediator.get_by_role("button", name="Dansk").click()

        await assess.get_by_label("Egnet til mægling", exact=True).check()
        await assess.get_by_role("button", name="Registrér vurderingen").click()
        await flash(mediator, "Vurderingen er registreret.")
        # Assessed: the answers stay with the assessment.
        await expect(assess).to_contain_text("Egnet til mægling")
        await expect(answers).to_contain_text("Ikke nødvendigt")
    finally:
        await context.close()
