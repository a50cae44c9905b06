"""Meeting formats in the browser (issue 16, point 2): a mediator books shuttle mediation and
a phone meeting for a case; the case page shows who sits in which room and who calls whom;
each party's invitation (read from the stack's outbox as .eml files) names only its own room
and its own call.

The mediator is one of its own (mediator3), so these meetings keep no other test's mediator
busy. Shuttle mediation takes a meeting room and the waiting room for ten minutes: this
module runs after the journey (files run in name order), whose meeting is asserted to be in
room-1."""

import re
import secrets
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import PHONE_LINE, WAITING_ROOM_NAME, Stack
from tests.browser.test_journey import (
    ADMINISTRATION,
    CITIZEN,
    flash,
    record_consent,
    register_case,
    reload_until,
)
from tests.browser.test_people import invitations, mails_to

pytestmark = pytest.mark.browser

CITIZEN_PHONE = "+45 12 34 56 78"  # as register_case gives it
SHUTTLE = "Mødeform: Parterne sidder i hvert sit lokale"
PHONE = "Mødeform: Et møde over telefonen."


def body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


async def invitation(page: Page, outbox: Path, address: str, format_line: str) -> str:
    """The text of the invitation to ``address`` whose format is ``format_line``."""
    deadline = time.monotonic() + 30
    while True:
        found = [body(m) for m in invitations(mails_to(outbox, address)) if format_line in body(m)]
        if found:
            [text] = found
            return text
        assert time.monotonic() < deadline, f"no invitation ({format_line}) to {address}"
        await page.wait_for_timeout(500)


def free_slots(page: Page, kind_label: str) -> Locator:
    return page.get_by_role("group", name=re.compile(f"Ledige tider til {kind_label}"))


async def book_first_slot(page: Page, kind_label: str) -> None:
    slots = free_slots(page, kind_label)
    await reload_until(page, slots, seconds=15)
    await slots.get_by_role("radio").first.check()
    await page.get_by_role("button", name="Book mødet").click()
    await flash(page, "Mødet er booket.")


@pytest.mark.timeout(240)
async def test_shuttle_mediation_and_a_phone_meeting(page: Page, stack: Stack) -> None:
    tag = secrets.token_hex(3)
    citizen_mail, unit_mail = f"birte-{tag}@example.dk", f"jobcenter-{tag}@example.dk"
    await sign_in(page, "mediator3")
    await register_case(
        page, f"SAG-{tag.upper()}", citizen_email=citizen_mail, unit_email=unit_mail
    )
    await flash(page, "Anmodningen er registreret.")
    await page.get_by_role("button", name="Tag sagen").click()
    await flash(page, "Du har taget sagen.")
    assess = page.locator("#assess")
    await assess.get_by_label("Egnet til mægling", exact=True).check()
    await assess.get_by_role("button", name="Registrér vurderingen").click()
    await flash(page, "Vurderingen er registreret.")
    await record_consent(page, CITIZEN)
    await record_consent(page, ADMINISTRATION)

    # Shuttle mediation: chosen in the booking form, in Danish.
    booking = page.locator("#book")
    await booking.get_by_label("Mødeform").select_option(label="Parterne i hver sit lokale")
    await booking.get_by_role("button", name="Find ledige tider").click()
    await book_first_slot(page, "mæglingsmøde")
    shuttle = page.locator("#meetings article").filter(has_text="Parterne i hver sit lokale")
    await expect(shuttle).to_contain_text(
        re.compile(
            f"Lokaler: {CITIZEN} – Mødelokale (Øst|Vest); {ADMINISTRATION} – {WAITING_ROOM_NAME}"
        )
    )

    # A follow-up by phone, where the unit calls in and the mediator calls the citizen.
    await page.get_by_text("Book et møde mere").click()
    await booking.get_by_label("Mødetype").select_option(label="Opfølgningsmøde")
    await booking.get_by_label("Mødeform").select_option(label="Telefon")
    await booking.get_by_role("button", name="Find ledige tider").click()
    await reload_until(page, free_slots(page, "opfølgningsmøde"), seconds=15)
    unit_call = page.get_by_role("group", name=f"Telefonopkald: {ADMINISTRATION}")
    await expect(unit_call).to_be_visible()
    citizen_call = page.get_by_role("group", name=f"Telefonopkald: {CITIZEN}")
    await expect(
        citizen_call.get_by_label(f"Mægleren ringer op til {CITIZEN_PHONE}")
    ).to_be_checked()
    await unit_call.get_by_label("Parten ringer selv til kontorets nummer").check()
    await snapshot(page, "18-phone-meeting-callers")
    await book_first_slot(page, "opfølgningsmøde")
    phone = page.locator("#meetings article").filter(has_text="pr. telefon")
    await expect(phone).to_contain_text(f"{CITIZEN}: mægleren ringer op til {CITIZEN_PHONE}")
    await expect(phone).to_contain_text(f"{ADMINISTRATION}: ringer selv til {PHONE_LINE}")
    await snapshot(page, "19-shuttle-and-phone-booked")

    # Each party's invitations: its own room, its own call, nothing of the other party's.
    citizen_shuttle = await invitation(page, stack.outbox, citizen_mail, SHUTTLE)
    unit_shuttle = await invitation(page, stack.outbox, unit_mail, SHUTTLE)
    assert re.search(r"Lokale: Mødelokale (Øst|Vest)\. Lokalet er dit eget\.", citizen_shuttle)
    assert WAITING_ROOM_NAME not in citizen_shuttle
    assert f"Lokale: {WAITING_ROOM_NAME}. Lokalet er jeres eget." in unit_shuttle
    assert "Mødelokale" not in unit_shuttle
    citizen_phone = await invitation(page, stack.outbox, citizen_mail, PHONE)
    unit_phone = await invitation(page, stack.outbox, unit_mail, PHONE)
    assert "Mægleren ringer dig op på det telefonnummer, du har givet os." in citizen_phone
    assert PHONE_LINE not in citizen_phone
    assert f"Ring til os på {PHONE_LINE}, når mødet begynder." in unit_phone
    assert CITIZEN_PHONE not in unit_phone + unit_shuttle + citizen_phone
