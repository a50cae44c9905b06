"""People change during a case, in the browser: the mediator adds a companion with an address
and corrects a party's e-mail, then books the meeting; the invitations go to the new addresses
(read from the stack's outbox, as a person would open the .eml files), and what was sent
before is not sent again."""

import email
import email.policy
import re
import secrets
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import Stack
from tests.browser.test_journey import (
    ADMINISTRATION,
    CITIZEN,
    flash,
    record_consent,
    register_case,
    reload_until,
    slot_starting_soon,
)

pytestmark = pytest.mark.browser


def mails_to(outbox: Path, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if address in str(message["To"]):
            found.append(message)
    return found


def invitations(mails: list[EmailMessage]) -> list[EmailMessage]:
    return [
        mail
        for mail in mails
        if any(part.get_content_type() == "text/calendar" for part in mail.iter_attachments())
    ]


async def wait_for_mail(page: Page, outbox: Path, address: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not invitations(mails_to(outbox, address)):
        assert time.monotonic() < deadline, f"no invitation to {address} within {seconds} s"
        await page.wait_for_timeout(500)


@pytest.mark.timeout(240)
async def test_a_corrected_email_and_a_new_companion_get_the_invitation(
    page: Page, stack: Stack
) -> None:
    tag = secrets.token_hex(3)
    reference = f"SAG-{tag.upper()}"
    old, new = f"birte-{tag}@example.dk", f"birte.ny-{tag}@example.dk"
    unit, companion = f"jobcenter-{tag}@example.dk", f"soes-{tag}@example.dk"

    # Another mediator than the journey's, and a meeting by phone (no room): this test books
    # a meeting whatever the other browser tests booked or held on the shared stack.
    await sign_in(page, "mediator2")
    await register_case(page, reference, citizen_email=old, unit_email=unit)
    await flash(page, "Anmodningen er registreret.")
    await page.get_by_role("button", name="Tag sagen").click()
    await flash(page, "Du har taget sagen.")
    assess = page.locator("#assess")
    await assess.get_by_label("Egnet til mægling", exact=True).check()
    await assess.get_by_role("button", name="Registrér vurderingen").click()
    await flash(page, "Vurderingen er registreret.")
    deadline = time.monotonic() + 30
    while not mails_to(stack.outbox, old):  # the consent request, to the address registered
        assert time.monotonic() < deadline, "no consent request to the registered address"
        await page.wait_for_timeout(500)

    # The citizen's e-mail was wrong: the mediator corrects it. A mistake first, in Danish.
    await page.get_by_text(f"Ret oplysninger om {CITIZEN}").click()
    details = page.locator("#party-1")
    await details.locator("#party-1-email").fill(new.replace("@", " at "))
    await details.get_by_role("button", name="Gem rettelserne").click()
    await expect(page.locator("#party-1-email-error")).to_contain_text(
        "Skriv en gyldig e-mailadresse"
    )
    await expect(page.locator("#party-1-error")).to_have_attribute("role", "alert")
    await snapshot(page, "16-correct-party-error")
    await page.locator("#party-1-email").fill(new)
    await page.locator("#party-1").get_by_role("button", name="Gem rettelserne").click()
    await flash(page, "Oplysningerne er rettet.")
    parties = page.locator("#parties")
    await expect(parties.get_by_role("row", name=re.compile(CITIZEN))).to_contain_text(new)

    # The unit brings a companion, who is to get the invitations.
    await page.get_by_text(f"Tilføj bisidder for {ADMINISTRATION}").click()
    add = page.locator("#companion-2")
    await add.locator("#companion-2-name").fill("Søs Sørensen")
    await add.locator("#companion-2-email").fill(companion)
    await expect(add.get_by_label("Bisidderen får selv invitationer")).to_be_checked()
    await add.get_by_role("button", name="Gem bisidderen").click()
    await flash(page, "Bisidderen er gemt.")
    await expect(parties.get_by_role("row", name=re.compile(ADMINISTRATION))).to_contain_text(
        "Søs Sørensen"
    )
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Partens oplysninger rettet")
    await expect(timeline).to_contain_text("Bisidder ændret")
    await expect(timeline).not_to_contain_text(new)  # the timeline names no addresses
    await snapshot(page, "17-people-changed")

    # Both consent; the meeting is booked, by phone.
    await record_consent(page, CITIZEN)
    await record_consent(page, ADMINISTRATION)
    await page.goto(page.url.split("#")[0] + "?kind=mediation&format=phone")
    slots = page.get_by_role("group", name=re.compile("Ledige tider til mæglingsmøde"))
    await reload_until(page, slots, seconds=15)
    values = [
        await radio.get_attribute("value") or "" for radio in await slots.get_by_role("radio").all()
    ]
    await slots.get_by_role("radio").nth(slot_starting_soon(values, timedelta(seconds=15))).check()
    await page.get_by_role("button", name="Book mødet").click()
    await flash(page, "Mødet er booket.")

    # The invitations go to the corrected address and to the new companion.
    await wait_for_mail(page, stack.outbox, new)
    await wait_for_mail(page, stack.outbox, companion)
    assert invitations(mails_to(stack.outbox, old)) == [], "nothing more to the old address"
    assert len(mails_to(stack.outbox, old)) == 1, "the consent request, sent once"
    assert len(mails_to(stack.outbox, new)) == 1, "only the invitation: nothing sent again"
    [invitation] = invitations(mails_to(stack.outbox, companion))
    assert "Søs Sørensen" in invitation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
