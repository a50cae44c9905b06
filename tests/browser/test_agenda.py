"""The agenda from the pre-meetings, in the browser: after the acceptance the mediator records
each party's topics (a mistake first, told in Danish next to the field), sees the agenda with
the topics not yet agreed marked, books the mediation meeting, and the invitations carry the
agenda each party may see (read from the stack's outbox, as a person would open the .eml
files): the citizen its own topics, the unit its own and the citizen's, which she agreed to
share."""

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
from tests.browser.test_people import invitations, mails_to, wait_for_mail

pytestmark = pytest.mark.browser

CITIZEN_TOPICS = ("Tonen i brevene fra jobcentret", "At blive ringet op som aftalt")
UNIT_TOPIC = "Hvordan vi svarer på henvendelser"
AGREED = "Parten har godkendt emnerne"
SHARED = "Parten er indforstået med, at de andre parter får emnerne med indkaldelsen"


def plain(mail: object) -> str:
    text: str = mail.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    return text.replace("\r\n", "\n")  # lines as written, however the file ends them


async def accepted_case(page: Page, tag: str, citizen: str, unit: str) -> None:
    """Registered, taken and found suitable by mediator4: the pre-meetings may begin. A
    mediator of its own: its meeting is booked whatever the other browser tests booked on the
    shared stack (scheduling's reservations hold whole granules of the default policy, so a
    meeting of the same mediator that ends minutes before can block the first free time)."""
    await sign_in(page, "mediator4")
    await register_case(page, f"SAG-{tag.upper()}", citizen_email=citizen, unit_email=unit)
    await flash(page, "Anmodningen er registreret.")
    await page.get_by_role("button", name="Tag sagen").click()
    await flash(page, "Du har taget sagen.")
    await expect(page.locator("#agenda")).to_have_count(0)  # no pre-meetings before acceptance
    assess = page.locator("#assess")
    await assess.get_by_label("Egnet til mægling", exact=True).check()
    await assess.get_by_role("button", name="Registrér vurderingen").click()
    await flash(page, "Vurderingen er registreret.")


async def save_topics(
    page: Page, n: int, party: str, topics: str | None = None, *, tick: tuple[str, ...] = ()
) -> None:
    """Open party ``n``'s topics form, write ``topics`` (else keep what it shows), tick the
    boxes named and save."""
    form = page.locator(f"#topics-{n}")
    if await form.get_attribute("open") is None:  # a disclosure, open after a mistake
        await form.get_by_text(f"Registrér emner for {party}").click()
    if topics is not None:
        await form.locator(f"#topics-{n}-topics").fill(topics)
    for box in tick:
        await form.get_by_label(box).check()
    await form.get_by_role("button", name="Gem emnerne").click()


async def book_by_phone(page: Page) -> None:
    """The mediation meeting by phone (no room), at the first free time."""
    await page.goto(page.url.split("#")[0] + "?kind=mediation&format=phone")
    slots = page.get_by_role("group", name=re.compile("Ledige tider til mæglingsmøde"))
    await reload_until(page, slots, seconds=15)
    values = [
        await radio.get_attribute("value") or "" for radio in await slots.get_by_role("radio").all()
    ]
    await slots.get_by_role("radio").nth(slot_starting_soon(values, timedelta(seconds=15))).check()
    await page.get_by_role("button", name="Book mødet").click()
    await flash(page, "Mødet er booket.")


@pytest.mark.timeout(240)
async def test_the_agenda_is_recorded_shown_and_sent_with_the_invitation(
    page: Page, stack: Stack
) -> None:
    tag = secrets.token_hex(3)
    citizen, unit = f"birte-{tag}@example.dk", f"jobcenter-{tag}@example.dk"
    await accepted_case(page, tag, citizen, unit)
    agenda = page.locator("#agenda")
    await expect(agenda.get_by_role("heading", name="Dagsorden for mæglingsmødet")).to_be_visible()
    await expect(agenda).to_contain_text("Der er ikke registreret emner endnu.")

    # The citizen's topics from her pre-meeting. A mistake first: sharing them before she
    # agreed them. Nothing written is lost.
    await save_topics(page, 1, CITIZEN, "\n".join(CITIZEN_TOPICS), tick=(SHARED,))
    await expect(page.locator("#topics-1-share_with_other_parties-error")).to_have_text(
        "Emnerne kan kun sendes til de andre parter, når parten har godkendt dem."
    )
    await expect(page.locator("#topics-1-error")).to_have_attribute("role", "alert")
    await expect(page.locator("#topics-1-topics")).to_have_value("\n".join(CITIZEN_TOPICS))
    await snapshot(page, "18-topics-error")
    form = page.locator("#topics-1")
    await form.get_by_label(AGREED).check()
    await form.get_by_role("button", name="Gem emnerne").click()
    await flash(page, "Emnerne er gemt.")

    # The unit's topic, not agreed yet: on the page, marked, and on nobody's agenda.
    await save_topics(page, 2, ADMINISTRATION, UNIT_TOPIC)
    await flash(page, "Emnerne er gemt.")
    citizen_topics, unit_topics = page.locator("#agenda-party-1"), page.locator("#agenda-party-2")
    await expect(citizen_topics).to_contain_text("Godkendt af parten")
    await expect(citizen_topics).to_contain_text("Sendes med indkaldelsen til alle parter.")
    await expect(unit_topics).to_contain_text("Ikke godkendt endnu")
    await expect(unit_topics.locator("li.topic--pending")).to_have_text(
        f"{UNIT_TOPIC} (ikke godkendt)"
    )
    await snapshot(page, "19-agenda-not-agreed")
    # At its own pre-meeting the unit agrees its topic, for itself only.
    await save_topics(page, 2, ADMINISTRATION, tick=(AGREED,))
    await flash(page, "Emnerne er gemt.")
    await expect(unit_topics).to_contain_text("Sendes kun til parten selv med indkaldelsen.")
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Emner registreret")
    await expect(timeline).to_contain_text("ikke godkendt endnu")
    await expect(timeline).not_to_contain_text(UNIT_TOPIC)  # the timeline names no topics

    # Both consent; the mediation meeting is booked; the agenda is a link away from it.
    await record_consent(page, CITIZEN)
    await record_consent(page, ADMINISTRATION)
    await book_by_phone(page)
    await expect(page.get_by_role("link", name="Se dagsordenen (3 emner)")).to_be_visible()
    await snapshot(page, "20-agenda-at-the-meeting")
    await invitations_carry_the_agenda(page, stack, citizen, unit)


async def invitations_carry_the_agenda(page: Page, stack: Stack, citizen: str, unit: str) -> None:
    """The citizen is sent her own topics; the unit its own and the citizen's, which she
    agreed to share. Recording topics sent nothing of its own: only the invitation names
    them."""
    await wait_for_mail(page, stack.outbox, citizen)
    await wait_for_mail(page, stack.outbox, unit)
    [to_citizen] = invitations(mails_to(stack.outbox, citizen))
    [to_unit] = invitations(mails_to(stack.outbox, unit))
    own = "Dine emner:\n" + "\n".join(f"- {topic}" for topic in CITIZEN_TOPICS)
    assert own in plain(to_citizen)
    assert UNIT_TOPIC not in plain(to_citizen), "the unit did not agree to share its topic"
    unit_text = plain(to_unit)
    assert f"Jeres emner:\n- {UNIT_TOPIC}" in unit_text
    assert f"Emner fra {CITIZEN}:\n- {CITIZEN_TOPICS[0]}" in unit_text
    for address, topic in ((citizen, CITIZEN_TOPICS[0]), (unit, UNIT_TOPIC)):
        naming = [mail for mail in mails_to(stack.outbox, address) if topic in plain(mail)]
        assert len(naming) == 1, address
