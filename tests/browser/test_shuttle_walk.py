"""A shuttle mediation walked from the request to the close, as a mediator does it (issue 16,
point 5; seeds 000 and 001): the citizen brings a companion, whose contact details the
mediator adds; each party has a pre-meeting, held, where its topics are agreed; the mediation
is booked as shuttle mediation; each party, and the companion, is invited to its own room
with the agenda it may see (read from the stack's outbox, as a person opens the .eml files);
the meeting is held and the case closed with an agreement.

Its own mediator (mediator5), so its meetings keep no other test's mediator busy. Pre-meetings
last a minute on the browser stack (`quick_meetings_policy`), so the walk waits minutes, not
quarters of an hour, for each meeting to begin."""

import re
import secrets
from datetime import timedelta

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
from tests.browser.test_meeting_formats import SHUTTLE, invitation

pytestmark = pytest.mark.browser

ROOMS = "Mødelokale \\w+|Venterummet|Venterum Syd"  # the browser stack's rooms

COMPANION = "Bo Bisidder"  # named in the request by register_case
CITIZEN_TOPIC = "Tonen i afgørelsen om min ydelse"
UNIT_TOPIC = "Hvordan vi forklarer en afgørelse"
AGREED = "Parten har godkendt emnerne"
SHARED = "Parten er indforstået med, at de andre parter får emnerne med indkaldelsen"


async def book(
    page: Page, kind: str, kind_label: str, meeting_format: str, party: str | None = None
) -> None:
    """Book ``kind`` (a label of the form's Mødetype) in ``meeting_format`` (a label of its
    Mødeform) at the first free time at least 15 s away."""
    booking = page.locator("#book")
    if not await booking.get_by_label("Mødetype").is_visible():
        await page.get_by_text("Book et møde mere").click()
    await booking.get_by_label("Mødetype").select_option(label=kind)
    await booking.get_by_label("Mødeform").select_option(label=meeting_format)
    if party is not None:
        await booking.get_by_label("Part", exact=True).select_option(label=party)
    await booking.get_by_role("button", name="Find ledige tider").click()
    slots = page.get_by_role("group", name=re.compile(f"Ledige tider til {kind_label}"))
    await reload_until(page, slots, seconds=15)
    values = [
        await radio.get_attribute("value") or "" for radio in await slots.get_by_role("radio").all()
    ]
    await slots.get_by_role("radio").nth(slot_starting_soon(values, timedelta(seconds=15))).check()
    await page.get_by_role("button", name="Book mødet").click()
    await flash(page, "Mødet er booket.")


async def hold(page: Page, heading: str) -> None:
    """Once the meeting headed ``heading`` has begun, mark it held."""
    meeting = page.locator("#meetings article").filter(has_text=heading)
    held = meeting.get_by_role("button", name="Markér mødet som afholdt")
    await reload_until(page, held, seconds=240)
    await held.click()
    await flash(page, "Mødet er markeret som afholdt.")
    await expect(page.locator("#meetings article").filter(has_text=heading)).to_contain_text(
        "Afholdt"
    )


async def agree_topics(page: Page, n: int, party: str, topic: str, *, shared: bool) -> None:
    form = page.locator(f"#topics-{n}")
    await form.get_by_text(f"Registrér emner for {party}").click()
    await form.locator(f"#topics-{n}-topics").fill(topic)
    await form.get_by_label(AGREED).check()
    if shared:
        await form.get_by_label(SHARED).check()
    await form.get_by_role("button", name="Gem emnerne").click()
    await flash(page, "Emnerne er gemt.")


@pytest.mark.timeout(600)
async def test_a_shuttle_mediation_with_pre_meetings_and_a_companion(
    page: Page, stack: Stack
) -> None:
    tag = secrets.token_hex(3)
    citizen, unit = f"birte-{tag}@example.dk", f"jobcenter-{tag}@example.dk"
    companion = f"bo-{tag}@example.dk"

    # The request, by phone: the citizen brings a companion. Taken and found suitable.
    await sign_in(page, "mediator5")
    await register_case(page, f"SAG-{tag.upper()}", citizen_email=citizen, unit_email=unit)
    await flash(page, "Anmodningen er registreret.")
    await page.get_by_role("button", name="Tag sagen").click()
    await flash(page, "Du har taget sagen.")
    assess = page.locator("#assess")
    await assess.get_by_label("Egnet til mægling", exact=True).check()
    await assess.get_by_role("button", name="Registrér vurderingen").click()
    await flash(page, "Vurderingen er registreret.")

    # The companion was a name only: the mediator adds how to reach him.
    await page.get_by_text(f"Ret eller fjern bisidder for {CITIZEN}").click()
    await page.locator("#companion-1-email").fill(companion)
    change = page.locator("#companion-1")
    await expect(change.get_by_label("Bisidderen får selv invitationer")).to_be_checked()
    await change.get_by_role("button", name="Gem bisidderen").click()
    await flash(page, "Bisidderen er gemt.")

    # Both say yes; each has a pre-meeting with the mediator, held, where its topics are
    # agreed: the citizen's may go to the unit, the unit's stay its own.
    await record_consent(page, CITIZEN)
    await record_consent(page, ADMINISTRATION)
    # By phone (the mediator calls), so no room of the shared stack is needed for them.
    await book(page, "Formøde", "formøde", "Telefon", CITIZEN)
    await book(page, "Formøde", "formøde", "Telefon", ADMINISTRATION)
    await hold(page, f"Formøde – {CITIZEN}")
    await agree_topics(page, 1, CITIZEN, CITIZEN_TOPIC, shared=True)
    await hold(page, f"Formøde – {ADMINISTRATION}")
    await agree_topics(page, 2, ADMINISTRATION, UNIT_TOPIC, shared=False)
    agenda = page.locator("#agenda")
    await expect(agenda).to_contain_text(CITIZEN_TOPIC)
    await expect(agenda).to_contain_text(UNIT_TOPIC)
    await snapshot(page, "21-walk-pre-meetings-held")

    # The mediation, as shuttle mediation: the parties in rooms of their own.
    await book(page, "Mæglingsmøde", "mæglingsmøde", "Parterne i hver sit lokale")
    shuttle = page.locator("#meetings article").filter(has_text="Parterne i hver sit lokale")
    # The citizen in a meeting room, the unit in a waiting room (or, when the other tests'
    # meetings hold those, in another meeting room): which ones depends on what is free.
    await expect(shuttle).to_contain_text(
        re.compile(f"Lokaler: {CITIZEN} – Mødelokale \\w+; {ADMINISTRATION} – ({ROOMS})")
    )
    await expect(shuttle.get_by_role("link", name=re.compile("Se dagsordenen"))).to_be_visible()

    # Each invitation: the person's own room and the agenda the person may see.
    to_citizen = await invitation(page, stack.outbox, citizen, SHUTTLE)
    to_companion = await invitation(page, stack.outbox, companion, SHUTTLE)
    to_unit = await invitation(page, stack.outbox, unit, SHUTTLE)
    own = re.search(r"Lokale: (Mødelokale \w+)\. Lokalet er dit eget\.", to_citizen)
    assert own is not None, to_citizen
    theirs = re.search(f"Lokale: ({ROOMS})\\. Lokalet er jeres eget\\.", to_unit)
    assert theirs is not None, to_unit
    assert own[1] != theirs[1]
    assert f"Lokale: {own[1]}, sammen med {CITIZEN}." in to_companion
    assert own[1] not in to_unit
    assert theirs[1] not in to_citizen + to_companion
    assert f"Dine emner:\n- {CITIZEN_TOPIC}" in plain_text(to_citizen)
    assert f"Emner fra {CITIZEN}:\n- {CITIZEN_TOPIC}" in plain_text(to_companion)
    assert f"Emner fra {CITIZEN}:\n- {CITIZEN_TOPIC}" in plain_text(to_unit)
    assert f"Jeres emner:\n- {UNIT_TOPIC}" in plain_text(to_unit)
    assert UNIT_TOPIC not in to_citizen + to_companion, "the unit kept its topics to itself"

    # The meeting is held; the case closes with an agreement and a contact person.
    await hold(page, "Mæglingsmøde")
    close = page.locator("#close")
    await close.get_by_label("Aftale", exact=True).check()
    contact = close.get_by_role("group", name="Kontaktperson fremover")
    await contact.get_by_label("Navn").fill("Anne Andersen")
    await contact.get_by_label("Enhed").fill("Jobcenter Nord, borgerservice")
    await close.get_by_role("button", name="Afslut sagen").click()
    await flash(page, "Sagen er afsluttet.")
    await expect(page.locator("#case-status")).to_have_text("Afsluttet")
    await expect(page.locator("#case-outcome")).to_have_text("Aftale")
    await expect(page.locator("#agenda form")).to_have_count(0)  # nothing more to record
    await snapshot(page, "22-walk-closed")


def plain_text(text: str) -> str:
    return text.replace("\r\n", "\n")
