"""The public evaluation page, ``/evaluering/{token}``, against a fake bus: no login, the five
questions in Danish (English on a click), answered once, a used or expired link told kindly,
CSRF-protected, never cached, never leaking its token to a log or another site."""

import re

import pytest
import structlog
from fastapi.testclient import TestClient
from mediator_client.app import evaluation_tenant
from mediator_client.settings import MediatorSettings

from tests.unit.client.conftest import csrf_of
from tests.unit.client.fakes import LINK_TOKEN, TENANT, USED, FakeBus

PAGE = f"/evaluering/{LINK_TOKEN}"
QUESTIONS = (
    "Følte du dig hørt?",
    "Følte du dig mødt med respekt?",
    "Forstod du, hvordan mæglingen foregik?",
    "Fik du noget ud af mæglingen?",
    "Vil du anbefale mægling til andre?",
)


@pytest.fixture
def link(bus: FakeBus) -> str:
    bus.links[LINK_TOKEN] = "open"
    return LINK_TOKEN


def test_the_page_needs_no_login_and_asks_the_five_questions(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    answer = browser.get(PAGE)
    assert answer.status_code == 200
    page = answer.text
    for question in QUESTIONS:
        assert f"<legend>{question} <span" in page
    assert page.count('value="5"') == 5
    flat = re.sub(r"\s+", " ", page)
    assert flat.count('value="" checked') == 5  # every question starts unanswered
    assert "Det er frivilligt at svare, og du er anonym" in page
    assert "Linket virker til og med 2. april 2026." in page
    assert 'maxlength="1000"' in page
    assert 'name="csrf_token"' in page
    assert f'action="{PAGE}"' in page
    # No menu, no account, nothing to sign in to.
    assert "Log ind" not in page
    assert 'href="/cases"' not in page
    assert 'href="/login"' not in page
    sent = bus.commands("open_evaluation")
    assert sent == [{"link_token": link}]
    assert bus.requests[-1][0] == f"mediation.cmd.v1.{TENANT}.insights.open_evaluation"


def test_the_pages_are_never_cached_nor_tell_another_site_their_address(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    for path in (PAGE, "/evaluering/tak", "/evaluering/not-a-token"):
        answer = browser.get(path)
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert answer.headers["cache-control"] == "no-store", path
        assert "noindex" in answer.headers["x-robots-tag"]
    # The other pages keep their own policy.
    assert browser.get("/login").headers["referrer-policy"] == "same-origin"


def test_answering_sends_the_answers_once_and_thanks(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    token = csrf_of(browser.get(PAGE).text)
    answer = browser.post(
        PAGE,
        data={
            "csrf_token": token,
            "heard": "4",
            "respected": "5",
            "understood": "",
            "useful": "2",
            "comment": "  Rart at blive lyttet til.  ",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/evaluering/tak"
    [sent] = bus.commands("submit_evaluation")
    assert sent == {
        "link_token": link,
        "answers": {
            "heard": 4,
            "respected": 5,
            "understood": None,
            "useful": 2,
            "recommend": None,
        },
        "comment": "Rart at blive lyttet til.",
    }
    thanks = browser.get("/evaluering/tak")
    assert thanks.status_code == 200
    assert "Tak for dit svar" in thanks.text


def test_nothing_answered_is_an_answer_too(browser: TestClient, bus: FakeBus, link: str) -> None:
    token = csrf_of(browser.get(PAGE).text)
    answer = browser.post(PAGE, data={"csrf_token": token, "heard": "", "comment": "   "})
    assert answer.status_code == 303
    [sent] = bus.commands("submit_evaluation")
    assert set(sent["answers"].values()) == {None}
    assert sent["comment"] is None


def test_a_used_link_is_told_kindly_the_second_time(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    token = csrf_of(browser.get(PAGE).text)
    assert browser.post(PAGE, data={"csrf_token": token, "heard": "3"}).status_code == 303
    again = browser.post(PAGE, data={"csrf_token": token, "heard": "1"})
    assert again.status_code == 410
    assert "Linket kan ikke bruges mere" in again.text
    assert "allerede besvaret, eller linket er udløbet" in again.text
    assert bus.links[link] == USED
    assert len(bus.answers_kept) == 1
    reopened = browser.get(PAGE)
    assert reopened.status_code == 410
    assert "Linket kan ikke bruges mere" in reopened.text
    assert '<form method="post" action="/evaluering' not in reopened.text


def test_an_unknown_or_malformed_link_gets_the_same_kind_page(
    browser: TestClient, bus: FakeBus
) -> None:
    unknown = browser.get(f"/evaluering/{'x' * 40}")
    assert unknown.status_code == 410
    assert "Linket kan ikke bruges mere" in unknown.text
    malformed = browser.get("/evaluering/<script>")
    assert malformed.status_code in {404, 410}
    short = browser.get("/evaluering/abc")
    assert short.status_code == 410
    assert "Linket kan ikke bruges mere" in short.text
    assert [body["link_token"] for body in bus.commands("open_evaluation")] == ["x" * 40]


def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_sent(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    browser.get(PAGE)
    answer = browser.post(PAGE, data={"heard": "5"})
    assert answer.status_code == 403
    assert "Formularen kunne ikke modtages" in answer.text
    other_site = browser.post(
        PAGE,
        data={"csrf_token": csrf_of(browser.get(PAGE).text), "heard": "5"},
        headers={"origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert bus.commands("submit_evaluation") == []


def test_a_too_long_comment_is_said_and_what_was_written_is_kept(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    token = csrf_of(browser.get(PAGE).text)
    answer = browser.post(PAGE, data={"csrf_token": token, "heard": "4", "comment": "å" * 1001})
    assert answer.status_code == 422
    assert "Teksten er for lang (højst 1000 tegn)." in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert 'value="4" checked' in re.sub(r"\s+", " ", answer.text)
    assert "å" * 1001 in answer.text
    assert bus.commands("submit_evaluation") == []


def test_a_score_outside_the_scale_is_refused(browser: TestClient, bus: FakeBus, link: str) -> None:
    token = csrf_of(browser.get(PAGE).text)
    answer = browser.post(PAGE, data={"csrf_token": token, "heard": "9"})
    assert answer.status_code == 422
    assert bus.commands("submit_evaluation") == []


def test_the_page_in_english(browser: TestClient, bus: FakeBus, link: str) -> None:
    token = csrf_of(browser.get(PAGE).text)
    switched = browser.post("/language", data={"csrf_token": token, "lang": "en", "next": PAGE})
    assert switched.headers["location"] == PAGE
    page = browser.get(PAGE).text
    assert '<html lang="en">' in page
    assert "Did you feel heard?" in page
    assert "Would you recommend mediation to others?" in page
    assert "Answering is voluntary and you are anonymous" in page


def test_the_token_never_reaches_the_log(browser: TestClient, bus: FakeBus, link: str) -> None:
    with structlog.testing.capture_logs() as logs:
        token = csrf_of(browser.get(PAGE).text)
        browser.post(PAGE, data={"heard": "2"})  # refused: no CSRF token
        browser.post(PAGE, data={"csrf_token": token, "heard": "2", "comment": "hemmelig"})
        browser.post(PAGE, data={"csrf_token": token, "heard": "2"})  # used
        bus.insights_down = True
        assert browser.get(PAGE).status_code == 503
    text = repr(logs)
    assert LINK_TOKEN not in text
    assert "hemmelig" not in text
    assert any(entry["event"] == "evaluation_answered" for entry in logs)
    answered = next(entry for entry in logs if entry["event"] == "evaluation_answered")
    assert set(answered) == {"event", "log_level"}  # nothing that could trace the answer


def test_insights_not_answering_is_the_try_later_page(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    bus.insights_down = True
    answer = browser.get(PAGE)
    assert answer.status_code == 503
    assert "Systemet svarer ikke lige nu" in answer.text
    assert 'href="/login"' not in answer.text


def test_the_municipality_of_the_links_is_the_setting_or_the_users_files_one(
    settings: MediatorSettings,
) -> None:
    from mediator_client.app import local_identity

    identity = local_identity(settings)
    assert evaluation_tenant(settings, identity) == TENANT
    chosen = settings.model_copy(update={"evaluation_tenant": "aarhus"})
    assert evaluation_tenant(chosen, identity) == "aarhus"


def test_a_signed_in_mediator_sees_the_public_page_without_the_menu(
    browser: TestClient, bus: FakeBus, link: str
) -> None:
    from tests.unit.client.conftest import sign_in

    sign_in(browser)
    page = browser.get(PAGE).text
    assert not re.search(r"<nav", page)
