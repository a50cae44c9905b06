"""Booking each meeting format in the client, against the fake bus (issue 16, point 2): the
form asks what the format needs (a video meeting's link, who calls in a phone meeting, the
party of an individual session), says in Danish what is missing, sends it to scheduling, and
the case page shows the mediator each party's room, call and the link."""

import html
from datetime import timedelta

import pytest
from mediation_contracts.events import Location, Participant, PhoneCall, Seat
from mediator_client.forms import BookForm, parse

from tests.unit.client.conftest import Browser
from tests.unit.client.fakes import STAFF_ID, FakeBus, case_detail, meeting, refused

CITIZEN, UNIT = "citizen-1", "administration-1"  # Birte Borger (+45 12 34 56 78), Jobcenter Nord
START = "2030-01-02T09:00:00+00:00"
LINK = "https://video.kk.dk/moede/123?pwd=abc"


def booking(**values: str) -> dict[str, str]:
    return {"kind": "mediation", "format": "joint", "starts_at": START} | values


# --- the form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "danish"),
    [
        (
            {"format": "video"},
            "join_url",
            "Skriv linket til videomødet. Det begynder med https://.",
        ),
        (
            {"format": "video", "join_url": "http://video.kk.dk/moede/123"},
            "join_url",
            "Skriv et link, der begynder med https://",
        ),
        (
            {"format": "video", "join_url": "https://video.kk.dk@evil.example/x"},
            "join_url",
            "Skriv et link, der begynder med https://",
        ),
        ({"format": "individual"}, "party_id", "Vælg hvilken part mødet er med."),
        ({"kind": "pre_meeting"}, "party_id", "Vælg hvilken part mødet er med."),
        ({"format": "phone", f"caller_{CITIZEN}": "nobody"}, "phone_callers", "Vælg en af"),
    ],
)
def test_what_a_format_needs_is_asked_for_in_danish(
    values: dict[str, str], field: str, danish: str
) -> None:
    _form, errors = parse(BookForm, booking(**values), "da")
    assert errors[field].startswith(danish), errors


def test_and_in_english() -> None:
    _, errors = parse(BookForm, booking(format="video"), "en")
    assert errors == {"join_url": "Enter the link to the video meeting; it begins with https://."}


def test_the_form_reads_who_calls_per_party_and_the_party_of_a_meeting() -> None:
    form, errors = parse(
        BookForm,
        booking(format="phone", party_id=UNIT, **{f"caller_{UNIT}": "party"}),
        "da",
    )
    assert errors == {}
    assert form is not None
    assert form.phone_callers == {UNIT: "party"}
    assert form.meeting_party() == UNIT  # an individual session by phone
    joint, _ = parse(BookForm, booking(party_id=UNIT), "da")
    assert joint is not None
    assert joint.meeting_party() is None


# --- the booking panel ---------------------------------------------------------------------


def ready(bus: FakeBus) -> str:
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    return f"/cases/{case.case_id}"


def test_a_video_booking_asks_for_its_link(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    page = browser.get(ready(bus) + "?kind=mediation&format=video").text
    assert 'id="book-join_url"' in page
    assert "Link til videomødet" in page
    assert 'name="caller_' not in page


def test_a_phone_booking_asks_per_party_who_calls(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    page = html.unescape(browser.get(ready(bus) + "?kind=mediation&format=phone").text)
    assert "Telefonopkald: Birte Borger" in page
    assert "Mægleren ringer op til +45 12 34 56 78" in page
    assert "Telefonopkald: Jobcenter Nord" in page
    assert "Mægleren ringer op (parten har intet telefonnummer registreret endnu)" in page
    assert page.count("Parten ringer selv til kontorets nummer") == 2
    # By default the mediator calls: that choice is checked for each party.
    assert f'name="caller_{CITIZEN}" value="mediator"\n      checked' in page
    one = html.unescape(
        browser.get(ready(bus) + f"?kind=mediation&format=phone&party_id={UNIT}").text
    )
    assert "Telefonopkald: Jobcenter Nord" in one
    assert "Telefonopkald: Birte Borger" not in one


def test_an_individual_session_is_booked_with_its_party(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    page = browser.get(ready(bus) + f"?kind=mediation&format=individual&party_id={UNIT}").text
    assert f'<input type="hidden" name="party_id" value="{UNIT}">' in page
    joint = browser.get(ready(bus) + f"?kind=mediation&format=joint&party_id={UNIT}").text
    assert '<input type="hidden" name="party_id"' not in joint


# --- what is sent --------------------------------------------------------------------------


def test_a_video_meeting_is_booked_with_its_link(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    answer = browser.post(
        ready(bus) + "/meetings",
        data=booking(csrf_token=token, format="video", join_url=LINK),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    [command] = bus.commands("book_meeting")
    assert (command["join_url"], command["phone_callers"]) == (LINK, {})


def test_a_phone_meeting_is_booked_with_who_calls(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    callers = {f"caller_{CITIZEN}": "mediator", f"caller_{UNIT}": "party"}
    browser.post(
        ready(bus) + "/meetings",
        data=booking(csrf_token=token, format="phone", **callers),
        follow_redirects=False,
    )
    [command] = bus.commands("book_meeting")
    assert command["phone_callers"] == {CITIZEN: "mediator", UNIT: "party"}
    assert (command["join_url"], command["party_id"]) == (None, None)


def test_an_individual_session_sends_its_party(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    browser.post(
        ready(bus) + "/meetings",
        data=booking(csrf_token=token, format="individual", party_id=CITIZEN),
        follow_redirects=False,
    )
    [command] = bus.commands("book_meeting")
    assert (command["format"], command["party_id"]) == ("individual", CITIZEN)


def test_what_another_format_needs_is_not_sent(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    browser.post(
        ready(bus) + "/meetings",
        data=booking(csrf_token=token, party_id=CITIZEN, join_url=LINK, caller_x="party"),
        follow_redirects=False,
    )
    [command] = bus.commands("book_meeting")
    assert (command["party_id"], command["join_url"], command["phone_callers"]) == (
        None,
        None,
        {},
    )


def test_a_wrong_link_is_not_sent_and_is_explained_in_danish(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    answer = browser.post(
        ready(bus) + "/meetings",
        data=booking(csrf_token=token, format="video", join_url="video.kk.dk/moede/123"),
    )
    assert answer.status_code == 422
    assert "Skriv et link, der begynder med https://" in answer.text
    assert 'value="video.kk.dk/moede/123"' in answer.text  # what was typed stays
    assert bus.commands("book_meeting") == []


def test_scheduling_refusing_a_call_is_shown_in_danish(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    bus.answers["book_meeting"] = lambda _: refused(
        "no_phone_number", "Kontoret har intet telefonnummer, som parterne kan ringe til."
    )
    answer = browser.post(
        ready(bus) + "/meetings?kind=mediation&format=phone",
        data=booking(csrf_token=token, format="phone", **{f"caller_{UNIT}": "party"}),
    )
    assert answer.status_code == 409
    assert "Kontoret har intet telefonnummer, som parterne kan ringe til." in answer.text
    # The choice made is still made.
    assert f'name="caller_{UNIT}" value="party"\n      checked' in answer.text


# --- what the mediator sees ----------------------------------------------------------------


def shown(signed_in: Browser, bus: FakeBus, **changes: object) -> str:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling"))
    bus.meetings[case.case_id] = [meeting(case.case_id, timedelta(days=2), **changes)]
    return html.unescape(browser.get(f"/cases/{case.case_id}").text)


def test_the_mediator_sees_who_sits_where(signed_in: Browser, bus: FakeBus) -> None:
    location = Location(
        kind="premises",
        room_ids=["moede-1", "vent-1"],
        seats=[
            Seat(party_id=CITIZEN, room_id="moede-1", room_name="Mødelokale Øst"),
            Seat(party_id=UNIT, room_id="vent-1"),
        ],
    )
    page = shown(signed_in, bus, format="shuttle", location=location)
    assert "Lokaler: Birte Borger – Mødelokale Øst; Jobcenter Nord – vent-1" in page


def test_the_mediator_sees_who_calls_whom_on_which_number(signed_in: Browser, bus: FakeBus) -> None:
    location = Location(
        kind="phone",
        calls=[
            PhoneCall(party_id=CITIZEN, caller="mediator"),
            PhoneCall(party_id=UNIT, caller="party", number="+45 70 10 20 30"),
        ],
    )
    page = shown(signed_in, bus, format="phone", location=location)
    assert "<li>Birte Borger: mægleren ringer op til +45 12 34 56 78</li>" in page
    assert "<li>Jobcenter Nord: ringer selv til +45 70 10 20 30</li>" in page


def test_the_mediator_sees_the_video_link(signed_in: Browser, bus: FakeBus) -> None:
    page = shown(signed_in, bus, format="video", location=Location(kind="video", join_url=LINK))
    assert f'Link: <a href="{LINK}" rel="noopener noreferrer">{LINK}</a>' in page


def test_an_individual_session_names_its_party(signed_in: Browser, bus: FakeBus) -> None:
    people = [
        Participant(participant_id=UNIT, role="party"),
        Participant(participant_id=STAFF_ID, role="mediator"),
    ]
    page = shown(signed_in, bus, format="individual", participants=people)
    assert "Mæglingsmøde – Jobcenter Nord" in page
    assert "Individuel samtale med én part" in page
