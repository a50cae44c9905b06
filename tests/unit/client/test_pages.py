"""The pages as a mediator meets them, against a fake bus: what is shown, what is offered,
what is sent, and the plain-Danish errors."""

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from fastapi.testclient import TestClient
from mediation_contracts.commands import SummaryState
from mediation_devstack.dev_identity import DevIdentity
from notes.domain.identity import Identity

from tests.unit.client.conftest import Browser, csrf_of, proven_actor, sign_in
from tests.unit.client.fakes import (
    OTHER_STAFF_ID,
    STAFF_ID,
    TENANT,
    FakeBus,
    case_detail,
    meeting,
    refused,
)


def test_pages_need_a_signed_in_mediator(browser: TestClient) -> None:
    answer = browser.get("/cases")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/cases"


def test_login_with_a_wrong_password_says_so_in_danish(browser: TestClient) -> None:
    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login", data={"csrf_token": token, "username": "mediator1", "password": "wrong"}
    )
    assert answer.status_code == 401
    assert "Brugernavnet eller adgangskoden er forkert" in answer.text
    assert browser.get("/cases").status_code == 303  # still signed out


def test_login_starts_a_new_session_with_a_new_csrf_token(browser: TestClient) -> None:
    before = csrf_of(browser.get("/login").text)
    after = sign_in(browser)
    assert after != before
    cookie = next(c for c in browser.cookies.jar if c.name == "__Host-mediator")
    assert cookie.secure
    assert cookie.path == "/"


def test_session_cookie_is_httponly_secure_and_lax(browser: TestClient) -> None:
    answer = browser.get("/login")
    header = answer.headers["set-cookie"].lower()
    assert header.startswith("__host-mediator=")
    assert "httponly" in header
    assert "secure" in header
    assert "samesite=lax" in header


def test_logout_is_a_post_with_csrf_and_ends_the_session(signed_in: Browser) -> None:
    browser, token = signed_in
    assert browser.post("/logout", data={}).status_code == 403
    assert browser.get("/cases").status_code == 200
    answer = browser.post("/logout", data={"csrf_token": token})
    assert answer.headers["location"] == "/login"
    assert browser.get("/cases").status_code == 303


def test_case_list_shows_mine_and_free_cases_with_what_is_missing(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    mine = bus.add(case_detail(mediator_id=STAFF_ID, status="accepted", matter_reference="MINE-1"))
    bus.meetings[mine.case_id] = [meeting(mine.case_id, timedelta(days=2))]
    bus.add(case_detail(matter_reference="FREE-1"))
    bus.add(case_detail(mediator_id=OTHER_STAFF_ID, matter_reference="OTHER-1"))
    page = browser.get("/cases").text
    assert "MINE-1" in page
    assert "FREE-1" in page
    assert "OTHER-1" not in page
    assert "Egnet – afventer samtykke" in page
    assert "Jobcenter Nord" in page  # whose consent is missing
    assert "Mæglingsmøde:" in page  # the next meeting


def test_case_list_filters_by_status(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    bus.add(case_detail(mediator_id=STAFF_ID, status="closed", matter_reference="DONE-1"))
    bus.add(case_detail(mediator_id=STAFF_ID, status="accepted", matter_reference="OPEN-1"))
    page = browser.get("/cases?status=closed").text
    assert "DONE-1" in page
    assert "OPEN-1" not in page
    assert bus.commands("list_cases")[-1]["status"] == "closed"


def test_a_long_case_list_comes_in_pages_of_fifty(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for n in range(55):  # SAG-00 oldest ... SAG-54 newest
        bus.add(
            case_detail(matter_reference=f"SAG-{n:02d}", requested_at=start + timedelta(hours=n))
        )
    first = browser.get("/cases").text
    assert "SAG-54" in first
    assert "SAG-05" in first
    assert "SAG-04" not in first
    older = re.search(r'<a rel="next" href="([^"]+)">Ældre sager', first)
    assert older is not None, "a link to the older cases"
    assert bus.commands("list_cases")[-1]["limit"] == 50
    second = browser.get(html.unescape(older.group(1))).text
    assert "SAG-04" in second
    assert "SAG-00" in second
    assert "SAG-05" not in second
    assert 'rel="next"' not in second, "the last page has no next"
    assert 'href="/cases">Nyeste sager' in second
    # A mangled token in the address shows the first page, not an error.
    assert "SAG-54" in browser.get("/cases?after=not-a-page").text


def test_another_mediators_case_is_a_danish_no_access_page_without_its_data(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=OTHER_STAFF_ID))
    answer = browser.get(f"/cases/{case.case_id}")
    assert answer.status_code == 403
    assert "Ingen adgang" in answer.text
    assert "Birte Borger" not in answer.text
    assert "SAG-2026-0042" not in answer.text


def test_the_case_page_offers_exactly_what_intake_allows(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(actions=["take"]))
    page = browser.get(f"/cases/{case.case_id}").text
    assert f'action="/cases/{case.case_id}/take"' in page
    for other in ("assess", "consent", "close"):
        assert f'action="/cases/{case.case_id}/{other}"' not in page
    mine = bus.add(case_detail(mediator_id=STAFF_ID, actions=["assess", "record_consent"]))
    page = browser.get(f"/cases/{mine.case_id}").text
    assert f'action="/cases/{mine.case_id}/assess"' in page
    assert f'action="/cases/{mine.case_id}/consent"' in page
    assert f'action="/cases/{mine.case_id}/take"' not in page
    assert f'action="/cases/{mine.case_id}/close"' not in page


def test_taking_a_case_publishes_mediator_assigned_and_waits_for_intake(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail())
    answer = browser.post(f"/cases/{case.case_id}/take", data={"csrf_token": token})
    assert answer.status_code == 303
    [event] = bus.published
    assert event["type"] == "dk.mediation.mediator.assigned.v1"
    assert event["data"].keys() == {"mediator_id", "proof"}
    assert event["data"]["mediator_id"] == STAFF_ID
    assert event["source"] == "/mediation/mediator-client"
    assert event["tenant"] == "kk"
    assert "Du har taget sagen" in browser.get(answer.headers["location"]).text


def test_taking_a_case_proves_to_notes_who_took_it(
    signed_in: Browser,
    bus: FakeBus,
    dev_identity: DevIdentity,
    proof_key_files: tuple[Path, Path],
) -> None:
    """Notes (its own code, with its private key) opens the proof and finds the mediator."""
    browser, token = signed_in
    case = bus.add(case_detail())
    browser.post(f"/cases/{case.case_id}/take", data={"csrf_token": token})
    [published] = bus.published
    assert proven_actor(published, dev_identity, proof_key_files) == Identity(
        STAFF_ID, "mediator", TENANT
    )
    assert published["data"]["proof"].count(".") == 4  # a compact JWE
    assert not re.search(r"eyJ[\w-]*\.eyJ", json.dumps(published))  # no JWT in clear


def test_a_double_submit_is_one_event(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail())
    form = {"csrf_token": token, "submission_id": "5a4b9c1e-0a77-4d53-a1a6-1f7a3c0f3e11"}
    browser.post(f"/cases/{case.case_id}/take", data=form)
    browser.post(f"/cases/{case.case_id}/take", data=form)
    assert {event["id"] for event in bus.published} == {form["submission_id"]}


def test_an_event_intake_refused_is_shown_next_to_its_form(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["assess"]))
    bus.reject_next = "case is accepted; allowed only a requested case"
    answer = browser.post(
        f"/cases/{case.case_id}/assess", data={"csrf_token": token, "decision": "accepted"}
    )
    assert answer.status_code == 409
    assert 'id="assess-error" role="alert"' in answer.text
    assert "Sagen tillod det ikke" in answer.text


def test_an_event_not_applied_in_time_is_registered_and_being_processed(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail())
    bus.apply_events = False
    answer = browser.post(f"/cases/{case.case_id}/take", data={"csrf_token": token})
    assert answer.status_code == 303
    assert "bliver behandlet" in browser.get(answer.headers["location"]).text


def test_an_action_the_case_does_not_offer_is_not_published(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["withdraw"]))
    answer = browser.post(
        f"/cases/{case.case_id}/close",
        data={"csrf_token": token, "outcome": "agreement", "follow_up_name": "Anne"},
    )
    assert answer.status_code == 409
    assert "Det kan ikke lade sig gøre i sagen lige nu" in answer.text
    assert bus.published == []


def test_a_declined_assessment_needs_a_reason(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["assess"]))
    answer = browser.post(
        f"/cases/{case.case_id}/assess", data={"csrf_token": token, "decision": "declined"}
    )
    assert answer.status_code == 422
    assert "Skriv en begrundelse" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert bus.published == []


def test_recording_consent_by_phone(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["record_consent", "withdraw"]))
    answer = browser.post(
        f"/cases/{case.case_id}/consent",
        data={"csrf_token": token, "party_id": "administration-1", "answer": "given"},
    )
    assert answer.status_code == 303
    [event] = bus.published
    assert event["type"] == "dk.mediation.consent.given.v1"
    assert event["data"] == {"party_id": "administration-1", "recorded_by": STAFF_ID}


def test_a_booking_refusal_is_shown_in_danish_next_to_the_booking(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    bus.answers["book_meeting"] = lambda _: refused(
        "mediator_busy", "Mægleren er optaget på det tidspunkt."
    )
    page = browser.get(f"/cases/{case.case_id}").text
    assert 'name="starts_at"' in page  # the suggested slots
    answer = browser.post(
        f"/cases/{case.case_id}/meetings",
        data={
            "csrf_token": token,
            "kind": "mediation",
            "format": "joint",
            "starts_at": "2030-01-02T09:00:00+00:00",
        },
    )
    assert answer.status_code == 409
    assert 'id="book-error" role="alert">Mægleren er optaget på det tidspunkt.' in answer.text
    [command] = bus.commands("book_meeting")
    assert command["requested_by"] == STAFF_ID
    assert UUID(command["command_id"])


def test_booking_without_a_chosen_time_asks_for_one(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    answer = browser.post(
        f"/cases/{case.case_id}/meetings",
        data={"csrf_token": token, "kind": "mediation", "format": "joint"},
    )
    assert answer.status_code == 422
    assert "Vælg et tidspunkt." in answer.text
    assert bus.commands("book_meeting") == []


def test_mark_held_is_offered_only_once_the_meeting_began(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    later = meeting(case.case_id, timedelta(hours=2))
    begun = meeting(case.case_id, -timedelta(minutes=5))
    bus.meetings[case.case_id] = [later, begun]
    page = browser.get(f"/cases/{case.case_id}").text
    assert f"/meetings/{begun.meeting_id}/held" in page
    assert f"/meetings/{later.meeting_id}/held" not in page
    assert f"/meetings/{later.meeting_id}/move" in page
    assert f"/meetings/{begun.meeting_id}/move" not in page


def test_the_summary_is_offered_only_as_notes_allows(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    bus.summary_state = SummaryState(
        allowed=[],
        summary_consented=[],
        summary_consent_missing=["citizen-1"],
        sharing_agreed=[],
        sharing_missing=["citizen-1", "administration-1"],
        summary_count=0,
        shared=False,
        destroyed=False,
    )
    page = browser.get(f"/cases/{case.case_id}").text
    assert "Registrér at Birte Borger ønsker et referat" in page
    assert f'action="/cases/{case.case_id}/summary"' not in page
    bus.summary_state = bus.summary_state.model_copy(
        update={"allowed": ["write"], "summary_consented": ["citizen-1"]}
    )
    page = browser.get(f"/cases/{case.case_id}").text
    assert f'action="/cases/{case.case_id}/summary"' in page
    answer = browser.post(
        f"/cases/{case.case_id}/summary", data={"csrf_token": token, "text": "Aftale om møde."}
    )
    assert answer.status_code == 303
    [command] = bus.commands("write_summary")
    assert command["text"] == "Aftale om møde."
    assert command["token"].count(".") == 2  # a signed JWT


def test_the_summary_section_is_not_shown_to_who_is_not_the_mediator(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail())
    page = browser.get(f"/cases/{case.case_id}").text
    assert 'id="summary"' not in page
    assert bus.commands("summary_status") == []


def test_registering_a_request_publishes_case_requested(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    answer = browser.post(
        "/cases",
        data={
            "csrf_token": token,
            "case_kind": "citizen_administration",
            "requester_kind": "citizen",
            "requester_consents": "true",
            "party1_name": "Birte Borger",
            "party1_email": "birte@example.dk",
            "party2_name": "Jobcenter Nord",
            "conflict_description": "Borgeren føler sig ikke hørt",
            "matter_reference": "SAG-1",
            "in_complaint_handling": "no",
        },
    )
    assert answer.status_code == 303
    [event] = bus.published
    assert event["type"] == "dk.mediation.case.requested.v1"
    assert event["id"] == event["subject"]
    assert event["data"]["requester"] == {
        "kind": "citizen",
        "party_id": "citizen-1",
        "consents": True,
    }


def test_a_request_with_mistakes_shows_danish_messages_next_to_the_fields(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    answer = browser.post(
        "/cases",
        data={"csrf_token": token, "party1_name": "Birte", "party1_email": "birte-at-example"},
    )
    assert answer.status_code == 422
    assert "Skriv en gyldig e-mailadresse" in answer.text
    assert "Udfyld feltet." in answer.text
    assert "Vælg en af mulighederne." in answer.text
    assert 'value="Birte"' in answer.text  # what was typed stays
    assert bus.published == []


def test_unknown_pages_and_bad_ids_are_a_danish_404(signed_in: Browser) -> None:
    browser, _ = signed_in
    for path in ("/nowhere", "/cases/not-a-uuid"):
        answer = browser.get(path)
        assert answer.status_code == 404
        assert "Siden findes ikke" in answer.text


def test_a_failure_is_a_danish_page_without_a_stack_trace(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in

    def broken(_: object) -> None:
        raise RuntimeError("secret detail: Birte Borger")

    bus.answers["list_cases"] = broken  # type: ignore[assignment]
    answer = browser.get("/cases")
    assert answer.status_code == 500
    assert "Der skete en fejl" in answer.text
    assert "Traceback" not in answer.text
    assert "Birte" not in answer.text


def test_services_that_do_not_answer_are_explained(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    bus.down = True
    answer = browser.get("/cases")
    assert answer.status_code == 503
    assert "Systemet svarer ikke lige nu" in answer.text


def test_pages_carry_security_headers_and_are_not_cached(browser: TestClient) -> None:
    answer = browser.get("/login")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_case_not_taken_cannot_be_planned(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(status="accepted"))  # visible, but no one's yet
    page = browser.get(f"/cases/{case.case_id}").text
    assert f'action="/cases/{case.case_id}/meetings"' not in page
    answer = browser.post(
        f"/cases/{case.case_id}/meetings",
        data={
            "csrf_token": token,
            "kind": "pre_meeting",
            "format": "joint",
            "party_id": "citizen-1",
            "starts_at": "2030-01-02T09:00:00+00:00",
        },
    )
    assert answer.status_code == 409
    assert bus.commands("book_meeting") == []
    assert bus.commands("suggest_slots") == []


def test_the_citizens_wish_for_a_summary_is_published_and_waited_for(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    state = SummaryState(
        allowed=[],
        summary_consented=[],
        summary_consent_missing=["citizen-1"],
        sharing_agreed=[],
        sharing_missing=["citizen-1", "administration-1"],
        summary_count=0,
        shared=False,
        destroyed=False,
    )
    bus.summary_state = state
    url = f"/cases/{case.case_id}/summary/consent"
    answer = browser.post(url, data={"csrf_token": token, "party_id": "citizen-1"})
    [event] = bus.published
    assert event["type"] == "dk.mediation.summary.consent_given.v1"
    assert event["data"] == {"party_id": "citizen-1", "recorded_by": STAFF_ID}
    # Notes has not shown it yet: registered and being processed.
    assert "bliver behandlet" in browser.get(answer.headers["location"]).text

    bus.summary_state = state.model_copy(update={"summary_consented": ["citizen-1"]})
    answer = browser.post(url, data={"csrf_token": token, "party_id": "citizen-1"})
    assert (
        "Borgerens ønske om et referat er registreret."
        in browser.get(answer.headers["location"]).text
    )


def test_a_share_refused_by_notes_is_shown_next_to_the_button(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    bus.answers["share_summary"] = lambda _: refused(
        "not_all_parties_agreed", "Alle parter skal være enige, før referatet kan deles."
    )
    answer = browser.post(f"/cases/{case.case_id}/summary/share", data={"csrf_token": token})
    assert answer.status_code == 409
    assert 'id="share-error" role="alert">Alle parter skal være enige' in answer.text
