"""After the close, against a fake bus: the follow-up (due ones on the case list, the result
recorded on the case page), the mediator's reflection (codes only), and the citizen's consent
that the contact person is told, given with the close."""

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from mediation_contracts.commands import FollowUpView, MeetingView

from tests.unit.client.conftest import Browser
from tests.unit.client.fakes import (
    OTHER_STAFF_ID,
    STAFF_ID,
    FakeBus,
    case_detail,
    meeting,
    refused,
)

CLOSED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def follow_up(case_id: UUID, status: str = "due", **changes: object) -> FollowUpView:
    view = FollowUpView.model_validate(
        {
            "case_id": case_id,
            "closed_at": CLOSED_AT,
            "due_at": CLOSED_AT + timedelta(days=28),
            "status": status,
        }
    )
    return view.model_copy(update=changes)


def closed_case(bus: FakeBus, **changes: object) -> UUID:
    closed: dict[str, object] = {
        "mediator_id": STAFF_ID,
        "status": "closed",
        "outcome": "agreement",
        "closed_because": "outcome_recorded",
        "actions": [],
    }
    return bus.add(case_detail(**{**closed, **changes})).case_id


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the case list --------------------------------------------------------------------------


def test_the_case_list_has_a_box_of_the_mediators_due_follow_ups(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    listed = closed_case(bus, matter_reference="SAG-LISTED")
    elsewhere = uuid4()  # a closed case on a later page of the list: intake names it
    bus.answers["get_case"] = lambda body: (
        bus._get_case(body)
        if UUID(body["case_id"]) != elsewhere
        else bus._get_case({**body, "case_id": str(listed)}).model_copy(
            update={"case": case_detail(case_id=elsewhere, matter_reference="SAG-OLDER")}
        )
    )
    pending = closed_case(bus, matter_reference="SAG-PENDING")
    bus.follow_ups = [
        follow_up(listed),
        follow_up(elsewhere, due_at=CLOSED_AT + timedelta(days=20)),
        follow_up(pending, status="pending"),
        follow_up(uuid4(), status="recorded", result="held"),
    ]
    page = browser.get("/cases").text
    assert bus.commands("list_follow_ups")[-1] == {"viewer_id": STAFF_ID}
    box = page[page.index('id="due-follow-ups"') : page.index('id="mine-heading"')]
    assert "Opfølgning, der venter" in box
    assert f'href="/cases/{listed}#follow-up">SAG-LISTED' in box
    assert f'href="/cases/{elsewhere}#follow-up">SAG-OLDER' in box
    assert box.index("SAG-OLDER") < box.index("SAG-LISTED")  # the longest waiting first
    assert "SAG-PENDING" not in box
    assert "30. marts 2026" in box  # due since


def test_no_due_follow_up_no_box(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    bus.follow_ups = [follow_up(closed_case(bus), status="pending")]
    assert 'id="due-follow-ups"' not in browser.get("/cases").text


def test_insights_not_answering_still_shows_the_cases(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    bus.add(case_detail(matter_reference="FREE-1"))
    bus.insights_down = True
    answer = browser.get("/cases")
    assert answer.status_code == 200
    assert "FREE-1" in answer.text
    assert "Opfølgningerne kan ikke vises lige nu" in answer.text


# --- the case page: the follow-up -----------------------------------------------------------


def test_a_due_follow_up_is_offered_on_the_closed_case(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id)]
    page = browser.get(f"/cases/{case_id}").text
    section = page[page.index('id="follow-up"') : page.index('id="timeline"')]
    assert "Opfølgningen har været klar siden 30. marts 2026." in section
    assert f'action="/cases/{case_id}/follow-up"' in section
    for label in ("Aftalen holdt", "Aftalen holdt delvist", "Aftalen holdt ikke", "Ingen kontakt"):
        assert f">{label}</label>" in section
    # Right after the close's facts: what to do now.
    assert page.index('id="closed-heading"') < page.index('id="follow-up"')


def test_a_pending_follow_up_may_be_recorded_already(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id, status="pending")]
    page = browser.get(f"/cases/{case_id}").text
    assert "Opfølgningen er planlagt til 30. marts 2026." in page
    assert f'action="/cases/{case_id}/follow-up"' in page


def test_recording_the_follow_up_sends_insights_the_result(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id)]
    submission = str(uuid4())
    answer = browser.post(
        f"/cases/{case_id}/follow-up",
        data={"csrf_token": token, "submission_id": submission, "result": "partly_held"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{case_id}#follow-up"
    assert bus.commands("record_follow_up") == [
        {
            "command_id": submission,
            "case_id": str(case_id),
            "recorded_by": STAFF_ID,
            "result": "partly_held",
        }
    ]
    assert bus.published == []  # insights publishes FollowUpRecorded, not the client
    bus.follow_ups = [follow_up(case_id, status="recorded", result="partly_held")]
    page = browser.get(f"/cases/{case_id}").text
    assert "Opfølgningen er registreret." in page
    assert "Registreret: Aftalen holdt delvist." in page
    assert f'action="/cases/{case_id}/follow-up"' not in page


def test_a_follow_up_without_a_result_is_said_next_to_the_form(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id)]
    answer = browser.post(f"/cases/{case_id}/follow-up", data={"csrf_token": token})
    assert answer.status_code == 422
    assert "Vælg en af mulighederne." in answer.text
    assert bus.commands("record_follow_up") == []


def test_insights_refusal_is_shown_next_to_the_follow_up(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id)]
    bus.answers["record_follow_up"] = lambda body: refused(
        "not_your_case", "Det er ikke din sag.", "Not your case."
    )
    answer = browser.post(
        f"/cases/{case_id}/follow-up", data={"csrf_token": token, "result": "held"}
    )
    assert answer.status_code == 409
    assert 'id="follow-up-error" role="alert">Det er ikke din sag.' in answer.text


def test_an_open_case_has_no_follow_up_and_nothing_is_sent(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    bus.requests.clear()  # the case list after signing in asked for the due follow-ups
    page = browser.get(f"/cases/{case.case_id}").text
    assert 'id="follow-up"' not in page
    assert not bus.commands("list_follow_ups")
    for path, data in (("follow-up", {"result": "held"}), ("reflection", {"format_used": "joint"})):
        answer = browser.post(f"/cases/{case.case_id}/{path}", data={"csrf_token": token, **data})
        assert answer.status_code == 409
        assert "Det kan ikke lade sig gøre i sagen lige nu" in answer.text
    assert not bus.commands("record_follow_up")
    assert not bus.commands("record_reflection")


def test_another_mediators_case_is_the_no_access_page(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=OTHER_STAFF_ID, status="closed"))
    answer = browser.post(
        f"/cases/{case.case_id}/follow-up", data={"csrf_token": token, "result": "held"}
    )
    assert answer.status_code == 403
    assert not bus.commands("record_follow_up")


def test_the_follow_up_forms_need_the_csrf_token(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus)
    assert browser.post(f"/cases/{case_id}/follow-up", data={"result": "held"}).status_code == 403
    answer = browser.post(f"/cases/{case_id}/reflection", data={"format_used": "joint"})
    assert answer.status_code == 403
    assert not bus.commands("record_follow_up")
    assert not bus.commands("record_reflection")


def test_a_case_without_a_follow_up_says_so_and_still_takes_a_reflection(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus, outcome="no_agreement")
    page = browser.get(f"/cases/{case_id}").text
    assert "Der er ingen opfølgning i denne sag" in page
    assert f'action="/cases/{case_id}/reflection"' in page


def test_insights_not_answering_leaves_the_rest_of_the_case_page(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus)
    bus.insights_down = True
    answer = browser.get(f"/cases/{case_id}")
    assert answer.status_code == 200
    section = answer.text[answer.text.index('id="follow-up"') :]
    assert "Denne del af systemet svarer ikke lige nu" in section
    assert f'action="/cases/{case_id}/follow-up"' not in answer.text
    assert "Birte Borger" in answer.text


# --- the case page: the reflection ----------------------------------------------------------


def test_the_reflection_offers_codes_only_with_the_held_format_first(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id)]
    held: MeetingView = meeting(case_id, -timedelta(days=3), status="held", format="shuttle")
    bus.meetings[case_id] = [held]
    page = browser.get(f"/cases/{case_id}").text
    form = page[page.index(f'action="/cases/{case_id}/reflection"') :]
    form = form[: form.index("</form>")]
    assert "<textarea" not in form  # no free text
    assert 'type="text"' not in form
    assert re.search(r'value="shuttle"\s+checked', form)
    for text in ("Formøderne", "En aftalt dagsorden", "Pauser", "Tid til hver part for sig"):
        assert f">{text}</label>" in form
    assert "Set i bakspejlet: var mægling det rigtige tilbud i sagen?" in form


def test_recording_the_reflection_sends_the_codes_ticked(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case_id = closed_case(bus)
    submission = str(uuid4())
    answer = browser.post(
        f"/cases/{case_id}/reflection",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "format_used": "phone",
            "helped_pre_meetings": "yes",
            "helped_breaks": "yes",
            "helped_something_else": "yes",  # not a code: not sent
            "mediation_suited": "partly",
        },
    )
    assert answer.status_code == 303
    assert bus.commands("record_reflection") == [
        {
            "command_id": submission,
            "case_id": str(case_id),
            "mediator_id": STAFF_ID,
            "format_used": "phone",
            "helped": ["pre_meetings", "breaks"],
            "mediation_suited": "partly",
        }
    ]
    assert "Din refleksion er gemt." in browser.get(f"/cases/{case_id}").text


def test_a_reflection_needs_the_format_and_whether_mediation_suited(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case_id = closed_case(bus)
    answer = browser.post(
        f"/cases/{case_id}/reflection", data={"csrf_token": token, "helped_breaks": "yes"}
    )
    assert answer.status_code == 422
    section = answer.text[answer.text.index('id="follow-up"') :]
    assert 'id="reflection-format_used-error"' in section
    assert 'id="reflection-mediation_suited-error"' in section
    assert re.search(
        r'id="reflection-helped_breaks" name="helped_breaks" value="yes" checked', section
    )
    assert not bus.commands("record_reflection")


def test_a_recorded_reflection_may_be_sent_again_from_a_disclosure(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case_id = closed_case(bus)
    bus.follow_ups = [follow_up(case_id, reflection_recorded=True)]
    page = browser.get(f"/cases/{case_id}").text
    assert "Din refleksion er registreret." in page
    assert "<summary>Ret din refleksion</summary>" in page


# --- the close: the citizen's consent that the contact person is told -----------------------


def close(browser: Browser, case_id: UUID, **fields: str) -> object:
    client, token = browser
    return client.post(
        f"/cases/{case_id}/close",
        data={
            "csrf_token": token,
            "outcome": "agreement",
            "follow_up_name": "Anne Andersen",
            **fields,
        },
    )


def test_the_close_form_asks_for_the_citizens_consent_to_tell_the_contact(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["record_outcome"]))
    page = browser.get(f"/cases/{case.case_id}").text
    box = r'<input type="checkbox" id="close-follow_up_inform" name="follow_up_inform"'
    assert re.search(box + r' value="yes"\s*>', page)
    assert (
        '<label for="close-follow_up_inform">Borgeren har givet samtykke til, at '
        "kontaktpersonen får besked</label>" in page
    )


def test_ticked_the_close_says_the_contact_is_told(signed_in: Browser, bus: FakeBus) -> None:
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["record_outcome"]))
    answer = close(
        signed_in, case.case_id, follow_up_email="anne@example.dk", follow_up_inform="yes"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    [event] = bus.published
    assert event["data"]["follow_up_contact"] == {
        "name": "Anne Andersen",
        "contact": {
            "email": "anne@example.dk",
            "preferred_channel": "email",
            "language": "da",
        },
        "inform": True,
    }


def test_unticked_nobody_tells_the_contact(signed_in: Browser, bus: FakeBus) -> None:
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["record_outcome"]))
    close(signed_in, case.case_id, follow_up_email="anne@example.dk")
    [event] = bus.published
    assert event["data"]["follow_up_contact"]["inform"] is False


def test_telling_the_contact_needs_an_address(signed_in: Browser, bus: FakeBus) -> None:
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["record_outcome"]))
    answer = close(signed_in, case.case_id, follow_up_inform="yes")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    text = flat(answer.text)  # type: ignore[attr-defined]
    assert "Skriv kontaktpersonens e-mail eller telefonnummer, så vedkommende kan få besked" in text
    assert 'name="follow_up_inform" value="yes" checked' in text
    assert bus.published == []


def test_the_closed_case_says_the_contact_is_told(signed_in: Browser, bus: FakeBus) -> None:
    from mediation_contracts.events import ContactDetails, FollowUpContact

    browser, _ = signed_in
    contact = FollowUpContact(
        name="Anne Andersen", contact=ContactDetails(email="anne@example.dk"), inform=True
    )
    case_id = closed_case(bus, follow_up_contact=contact)
    page = browser.get(f"/cases/{case_id}").text
    assert 'id="follow-up-informed">får besked (borgerens samtykke)' in page
