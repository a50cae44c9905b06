"""CSRF: every POST needs the session's token and must not come from another site."""

import pytest
from fastapi.testclient import TestClient
from mediator_client.security import csrf_valid, same_origin

from tests.unit.client.conftest import Browser
from tests.unit.client.fakes import STAFF_ID, FakeBus, case_detail


def test_csrf_tokens_are_compared_exactly() -> None:
    assert csrf_valid("a" * 43, "a" * 43)
    assert not csrf_valid("a" * 43, "b" * 43)
    assert not csrf_valid("a" * 43, None)
    assert not csrf_valid(None, None)
    assert not csrf_valid("", "")


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        (None, "mediation.kk.dk", True),
        ("https://mediation.kk.dk", "mediation.kk.dk", True),
        ("https://evil.example", "mediation.kk.dk", False),
        ("null", "mediation.kk.dk", False),
        ("https://mediation.kk.dk", None, False),
    ],
)
def test_origin(origin: str | None, host: str | None, same: bool) -> None:
    assert same_origin(origin, host) is same


@pytest.mark.parametrize(
    ("fetch_site", "same"),
    [("same-origin", True), ("cross-site", False), ("same-site", False), (None, False)],
)
def test_a_null_origin_passes_only_when_the_browser_says_the_form_is_this_sites(
    fetch_site: str | None, same: bool
) -> None:
    """A page sent with ``Referrer-Policy: no-referrer`` (the public evaluation) posts its
    own form with ``Origin: null``; the browser's ``Sec-Fetch-Site`` tells it apart."""
    assert same_origin("null", "mediation.kk.dk", fetch_site) is same


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_post_without_the_right_token_is_refused_and_changes_nothing(
    signed_in: Browser, bus: FakeBus, token: str | None
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["record_consent"]))
    form = {"party_id": "administration-1", "answer": "given"}
    if token is not None:
        form["csrf_token"] = token
    answer = browser.post(f"/cases/{case.case_id}/consent", data=form)
    assert answer.status_code == 403
    assert "Formularen kunne ikke modtages" in answer.text
    assert bus.published == []
    assert bus.requests == [] or all("get_case" not in s for s, _ in bus.requests)


def test_a_post_from_another_site_is_refused(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail())
    answer = browser.post(
        f"/cases/{case.case_id}/take",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert bus.published == []


def test_login_needs_the_token_too(browser: TestClient) -> None:
    browser.get("/login")
    answer = browser.post("/login", data={"username": "mediator1", "password": "x"})
    assert answer.status_code == 403


def test_a_token_from_before_the_login_is_worthless_after_it(browser: TestClient) -> None:
    from tests.unit.client.conftest import csrf_of, sign_in

    before = csrf_of(browser.get("/login").text)
    sign_in(browser)
    assert browser.post("/logout", data={"csrf_token": before}).status_code == 403


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_after_login_only_local_pages(browser: TestClient, target: str) -> None:
    from tests.unit.client.conftest import PASSWORD, csrf_of

    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login",
        data={"csrf_token": token, "username": "mediator1", "password": PASSWORD, "next": target},
    )
    assert answer.headers["location"] == "/cases"
