"""Danish first, English on request; every text in both; dates on the Copenhagen clock."""

import re
from datetime import UTC, datetime
from pathlib import Path

import mediator_client
import pytest
from fastapi.testclient import TestClient
from mediator_client.i18n import format_datetime, label, language, translate
from mediator_client.texts import TEXTS

from tests.unit.client.conftest import Browser, csrf_of
from tests.unit.client.fakes import STAFF_ID, FakeBus, case_detail

PACKAGE = Path(mediator_client.__file__).parent


def test_unknown_languages_fall_back_to_danish() -> None:
    assert language("en") == "en"
    assert language("de") == "da"
    assert language(None) == "da"


def test_every_text_a_page_or_the_code_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for template in (PACKAGE / "templates").glob("*.html"):
        text = template.read_text()
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", text))
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text()
        used |= set(re.findall(r'translate\([a-z_]+(?:\(request\))?,\s*"([a-z0-9_]+)"[,)]', text))
        used |= set(re.findall(r'flash\(request,\s*"([a-z0-9_]+)"', text))
        last_argument = r"""\((?:[^()]*?,\s*)"([a-z0-9_]+)"\s*\)"""
        used |= set(re.findall(rf"(?:refuse|publish_and_show|answered){last_argument}", text))
    assert {"flash_taken", "action_not_available", "choose_one", "login_title"} <= used
    missing = sorted(key for key in used if key not in TEXTS)
    assert not missing
    for key, (danish, english) in TEXTS.items():
        assert danish.strip(), key
        assert english.strip(), key


@pytest.mark.parametrize("page", ["error", "error_csrf", "error_no_access", "error_not_found"])
def test_error_page_texts_exist(page: str) -> None:
    for kind in ("csrf", "no_access", "not_found", "server", "unavailable"):
        assert f"error_{kind}_title" in TEXTS
        assert f"error_{kind}_text" in TEXTS


def test_codes_have_labels_and_unknown_codes_show_as_themselves() -> None:
    assert label("da", "status", "ready_for_scheduling") == "Klar til mæglingsmøde"
    assert label("en", "status", "ready_for_scheduling") == "Ready for the mediation meeting"
    assert label("da", "status", "something_new") == "something_new"
    assert translate("da", "too_long", max=500) == "Teksten er for lang (højst 500 tegn)."


def test_dates_are_shown_on_the_copenhagen_wall_clock() -> None:
    winter = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert format_datetime(winter, "da") == "tirsdag 3. marts 2026 kl. 10.30"
    assert format_datetime(summer, "da") == "onsdag 1. juli 2026 kl. 11.30"
    assert format_datetime(winter, "en") == "Tuesday 3 March 2026, 10:30"


def test_pages_are_danish_until_english_is_chosen(browser: TestClient) -> None:
    page = browser.get("/login").text
    assert '<html lang="da">' in page
    assert "Log ind" in page
    answer = browser.post(
        "/language", data={"csrf_token": csrf_of(page), "lang": "en", "next": "/login"}
    )
    assert answer.headers["location"] == "/login"
    page = browser.get("/login").text
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_the_language_survives_the_login(signed_in: Browser) -> None:
    browser, token = signed_in
    browser.post("/language", data={"csrf_token": token, "lang": "en", "next": "/cases"})
    assert "My cases" in browser.get("/cases").text


def test_switching_language_on_a_page_that_answered_a_form_returns_to_its_case(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["assess"]))
    page = browser.post(f"/cases/{case.case_id}/assess", data={"csrf_token": token}).text
    assert f'name="next" value="/cases/{case.case_id}"' in page
