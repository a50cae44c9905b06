"""Who may see and do what: another mediator sees nothing of a case that is not theirs, a form
posted without the session's CSRF token changes nothing, and the pages can be used with the
keyboard alone."""

import asyncio
import secrets
import time
from uuid import UUID, uuid4

import pytest
from mediation_contracts.commands import GetCase, Reply, command_subject
from mediation_contracts.events import (
    CaseRequested,
    CaseRequestedData,
    MediatorAssigned,
    MediatorAssignedData,
    Party,
    Requester,
)
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import sign_in, snapshot
from tests.browser.stack import PASSWORD, Stack

pytestmark = pytest.mark.browser

CITIZEN = "Carla Citizen"
DESCRIPTION = "Borgeren har ventet længe på svar"


async def ask_intake(stack: Stack, case_id: UUID, viewer: str) -> Reply:
    connection = await stack.bus.connect()
    try:
        answer = await connection.request(
            command_subject(stack.tenant, "intake", "get_case"),
            GetCase(case_id=case_id, viewer_id=viewer).model_dump_json().encode(),
            timeout=5,
        )
    finally:
        await connection.close()
    return Reply.model_validate_json(answer.data)


async def mediator1_case(stack: Stack, mediator: str = "mediator-1") -> tuple[UUID, str]:
    """A case that mediator1 (or ``mediator``) has taken (with the proof notes needs), sent
    the way another municipal system would."""
    case_id, reference = uuid4(), f"SAG-{secrets.token_hex(3).upper()}"
    request = CaseRequestedData(
        requester=Requester(kind="citizen", party_id="citizen-1", consents=True),
        parties=[
            Party(party_id="citizen-1", kind="citizen", name=CITIZEN),
            Party(party_id="administration-1", kind="administration", name="Borgerservice"),
        ],
        conflict_description=DESCRIPTION,
        matter_reference=reference,
        in_complaint_handling=False,
    )
    events = [
        CaseRequested.create(tenant=stack.tenant, case_id=case_id, source="/test", data=request),
        stack.prove(
            MediatorAssigned.create(
                tenant=stack.tenant,
                case_id=case_id,
                source="/test",
                data=MediatorAssignedData(mediator_id=mediator),
            )
        ),
    ]
    connection = await stack.bus.connect()
    try:
        js = connection.jetstream()
        for event in events:
            await js.publish(
                event.nats_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
            )
    finally:
        await connection.close()
    deadline = time.monotonic() + 30
    while True:  # until intake has applied both
        reply = await ask_intake(stack, case_id, mediator)
        if reply.case is not None and reply.case.mediator_id == mediator:
            return case_id, reference
        assert time.monotonic() < deadline, reply
        await asyncio.sleep(0.1)


async def test_a_long_case_list_leads_on_to_the_older_cases(browser: Browser, stack: Stack) -> None:
    # 51 cases of mediator2's: one more than a page.
    references = [(await mediator1_case(stack, "mediator-2"))[1] for _ in range(51)]
    context = await browser.new_context(base_url=stack.url, locale="da-DK")
    page = await context.new_page()
    await sign_in(page, "mediator2")
    mine = page.locator("#mine-heading + table")
    await expect(mine).to_contain_text(references[-1])
    await expect(mine).not_to_contain_text(references[0])
    await page.get_by_role("link", name="Ældre sager").click()
    await expect(page.locator("main")).to_contain_text(references[0])
    await expect(page.locator("main")).not_to_contain_text(references[-1])
    await page.get_by_role("link", name="Nyeste sager").click()
    await expect(mine).to_contain_text(references[-1])
    await context.close()


async def test_another_mediator_cannot_see_or_touch_the_case(
    browser: Browser, stack: Stack
) -> None:
    case_id, reference = await mediator1_case(stack)
    context = await browser.new_context(base_url=stack.url, locale="da-DK")
    page = await context.new_page()
    await sign_in(page, "mediator2")
    await expect(page.locator("main")).not_to_contain_text(reference)

    answer = await page.goto(f"/cases/{case_id}")
    assert answer is not None
    assert answer.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")
    html = await page.content()
    for secret in (reference, CITIZEN, DESCRIPTION, "citizen-1"):
        assert secret not in html
    await snapshot(page, "10-no-access")

    # Not by a form either, even with mediator2's own valid CSRF token.
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    posted = await context.request.post(
        f"/cases/{case_id}/take", form={"csrf_token": token or ""}, max_redirects=0
    )
    assert posted.status == 403
    reply = await ask_intake(stack, case_id, "mediator-1")
    assert reply.case is not None
    assert reply.case.mediator_id == "mediator-1"
    await context.close()


async def test_a_form_posted_without_the_csrf_token_is_refused_and_changes_nothing(
    page: Page, context: BrowserContext, stack: Stack
) -> None:
    case_id, _ = await mediator1_case(stack)
    await sign_in(page, "mediator1")
    await page.goto(f"/cases/{case_id}")
    await expect(page.locator("#parties")).to_contain_text("Mangler")
    before = await ask_intake(stack, case_id, "mediator-1")
    assert before.case is not None

    # The session cookie goes along (same browser profile), but no token.
    posted = await context.request.post(
        f"/cases/{case_id}/consent",
        form={"party_id": "administration-1", "answer": "given"},
        max_redirects=0,
    )
    assert posted.status == 403
    assert "Formularen kunne ikke modtages" in await posted.text()
    # Nor with the right token from another site.
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    posted = await context.request.post(
        f"/cases/{case_id}/consent",
        form={"csrf_token": token or "", "party_id": "administration-1", "answer": "given"},
        headers={"Origin": "https://evil.example"},
        max_redirects=0,
    )
    assert posted.status == 403

    after = await ask_intake(stack, case_id, "mediator-1")
    assert after.case is not None
    assert after.case.timeline == before.case.timeline
    assert after.case.consent_missing == ["administration-1"]
    await page.reload()
    await expect(page.locator("#parties")).to_contain_text("Mangler")


async def test_keyboard_only_sign_in_and_visible_focus(page: Page, stack: Stack) -> None:
    await page.goto("/login")
    await expect(page.get_by_label("Brugernavn")).to_be_focused()
    await page.keyboard.type("mediator1")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Adgangskode")).to_be_focused()
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Sager", exact=True)).to_be_visible()

    # The first Tab reaches the skip link, drawn with a visible focus outline.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Gå til indholdet")
    await expect(skip).to_be_focused()
    assert await skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    assert await skip.evaluate("e => e.getBoundingClientRect().top >= 0")
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()

    # English on request, Danish again after.
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    await page.get_by_role("button", name="Dansk").click()
    await expect(page.get_by_role("heading", name="Mine sager")).to_be_visible()


async def test_a_wrong_password_is_explained_next_to_the_form(page: Page, stack: Stack) -> None:
    await page.goto("/login")
    await page.get_by_label("Brugernavn").fill("mediator1")
    await page.get_by_label("Adgangskode").fill("not the password")
    await page.get_by_role("button", name="Log ind").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Brugernavnet eller adgangskoden er forkert. Prøv igen."
    )
    await expect(page.get_by_label("Brugernavn")).to_have_attribute("aria-invalid", "true")
    await snapshot(page, "11-login-error")
