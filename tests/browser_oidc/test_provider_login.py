"""A mediator signs in at the municipality's OpenID Connect provider (a real one: Dex), takes a
case, writes and reads its summary through notes with the provider's own token, and signs
out; the browser never holds a token. Someone the provider knows but who is no mediator or
head of office is told so, in Danish, and gets no session."""

import asyncio
import base64
import json
import re
import secrets
import time
from uuid import UUID, uuid4

import pytest
from mediation_contracts.events import CaseRequested, CaseRequestedData, Party, Requester
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.stack import Stack
from tests.browser.test_access import ask_intake
from tests.browser_oidc.conftest import ARTIFACTS, HEAD, IT_STAFF, MEDIATOR
from tests.oidc_provider import PASSWORD, DexUser

pytestmark = pytest.mark.browser

CITIZEN = "Carla Citizen"
SUMMARY = "Parterne aftalte at mødes igen om en måned."


async def requested_case(stack: Stack) -> UUID:
    """A request without a mediator, sent the way another municipal system would."""
    case_id = uuid4()
    request = CaseRequestedData(
        requester=Requester(kind="citizen", party_id="citizen-1", consents=True),
        parties=[
            Party(party_id="citizen-1", kind="citizen", name=CITIZEN),
            Party(party_id="administration-1", kind="administration", name="Borgerservice"),
        ],
        conflict_description="Borgeren har ventet længe på svar",
        matter_reference=f"SAG-{secrets.token_hex(3).upper()}",
        in_complaint_handling=False,
    )
    event = CaseRequested.create(tenant=stack.tenant, case_id=case_id, source="/test", data=request)
    connection = await stack.bus.connect()
    try:
        await connection.jetstream().publish(
            event.nats_subject(), event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )
    finally:
        await connection.close()
    deadline = time.monotonic() + 30
    while (await ask_intake(stack, case_id, MEDIATOR.subject)).case is None:
        assert time.monotonic() < deadline, "intake did not register the request"
        await asyncio.sleep(0.1)
    return case_id


async def sign_in_at_provider(page: Page, user: DexUser, start: str = "/") -> None:
    """What the person does: the client's login page, on to the provider's, and back."""
    await page.goto(start)
    await expect(page).to_have_url(re.compile(r"/login"))
    await page.get_by_role("link", name="Log ind med kommunens login").click()
    await page.locator("#login").fill(user.email)  # Dex's own sign-in page
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit-login").click()


def session_contents(cookie_value: str) -> dict[str, object]:
    """The signed session cookie's payload (Starlette: base64 JSON, a timestamp, a signature)."""
    payload = cookie_value.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


async def test_a_mediator_signs_in_at_the_provider_and_reads_the_summary_through_notes(
    page: Page, context: BrowserContext, stack: Stack
) -> None:
    case_id = await requested_case(stack)
    await sign_in_at_provider(page, MEDIATOR, start=f"/cases/{case_id}")
    # Back on the page asked for, signed in under the provider's name for the person.
    await expect(page).to_have_url(f"{stack.url}/cases/{case_id}")
    await expect(page.get_by_text(MEDIATOR.name)).to_be_visible()

    # The browser holds the session's key, never the provider's tokens.
    [cookie] = [c for c in await context.cookies() if "mediator" in c["name"]]
    assert cookie["httpOnly"]
    contents = session_contents(cookie["value"])
    assert set(contents) >= {"user", "staff_id", "tenant", "csrf"}
    assert contents["staff_id"] == MEDIATOR.subject
    assert not any(str(value).startswith("eyJ") for value in contents.values())

    # Taking the case proves it to notes with the provider's token, sealed.
    await page.get_by_role("button", name="Tag sagen").click()
    await expect(page.get_by_role("status")).to_contain_text("Du har taget sagen")
    summary = page.locator("#summary")
    await summary.get_by_role("button", name=f"Registrér at {CITIZEN} ønsker et referat").click()
    await expect(summary).to_contain_text(f"{CITIZEN} ønsker et referat")
    await summary.get_by_label("Kort referat").fill(SUMMARY)
    await summary.get_by_role("button", name="Gem referatet").click()
    await expect(summary).to_contain_text("Der er skrevet referat (1).")
    await summary.get_by_role("link", name="Læs referatet").click()
    await expect(page.locator("main")).to_contain_text(SUMMARY)
    await page.screenshot(path=ARTIFACTS / "oidc-summary-read.png", full_page=True)

    # Signing out ends the session here: the old page now asks to sign in again.
    await page.get_by_role("button", name="Log ud").click()
    await expect(page.get_by_text("Du er logget ud.")).to_be_visible()
    await page.goto(f"/cases/{case_id}")
    await expect(page.get_by_role("link", name="Log ind med kommunens login")).to_be_visible()


async def test_a_head_of_office_lands_on_the_statistics(page: Page, stack: Stack) -> None:
    await sign_in_at_provider(page, HEAD)
    await expect(page).to_have_url(re.compile(r"/statistics"))
    await expect(page.get_by_text(HEAD.name)).to_be_visible()


async def test_someone_without_a_mediators_group_is_told_why_and_not_let_in(
    page: Page, context: BrowserContext, stack: Stack
) -> None:
    await sign_in_at_provider(page, IT_STAFF)
    await expect(page.get_by_role("alert")).to_contain_text(
        "Din bruger har ikke adgang til mæglerklienten"
    )
    await page.screenshot(path=ARTIFACTS / "oidc-no-role.png", full_page=True)
    await page.goto("/cases")
    await expect(page.get_by_role("link", name="Log ind med kommunens login")).to_be_visible()
