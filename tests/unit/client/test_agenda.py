"""The agenda from the pre-meetings, in the client: the form to record a party's topics, its
Danish errors next to the fields, the event it publishes, and the agenda on the case page
with the topics not yet agreed marked."""

import html
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from mediation_contracts.commands import AgendaItem, CaseDetail, PartyTopics, TimelineEntry
from mediator_client.forms import TopicsForm, parse

from tests.unit.client.conftest import Browser
from tests.unit.client.fakes import STAFF_ID, FakeBus, case_detail, meeting

CITIZEN_TOPICS = ["Tonen i brevene", "At blive ringet op som aftalt"]
UNIT_TOPICS = ["Hvordan vi svarer på henvendelser"]

# --- the form --------------------------------------------------------------------------------


def test_the_topics_are_one_per_line_with_their_spaces_tidied() -> None:
    form, errors = parse(
        TopicsForm,
        {
            "party_id": "citizen-1",
            "topics": "  Tonen i  brevene \r\n\n\tAt blive ringet op som aftalt\n",
            "agreed_by_party": "yes",
            "share_with_other_parties": "yes",
        },
        "da",
    )
    assert errors == {}
    assert form is not None
    recorded = form.recorded(STAFF_ID)
    assert recorded.topics == ["Tonen i brevene", "At blive ringet op som aftalt"]
    assert (recorded.agreed_by_party, recorded.share_with_other_parties) == (True, True)
    assert recorded.recorded_by == STAFF_ID


def test_unticked_boxes_are_no_and_an_empty_field_removes_the_topics() -> None:
    form, errors = parse(TopicsForm, {"party_id": "citizen-1", "topics": "  \n "}, "da")
    assert errors == {}
    assert form is not None
    recorded = form.recorded(STAFF_ID)
    assert (recorded.topics, recorded.agreed_by_party, recorded.share_with_other_parties) == (
        [],
        False,
        False,
    )


@pytest.mark.parametrize(
    ("values", "field", "danish"),
    [
        ({"topics": "\n".join(f"Emne {n}" for n in range(11))}, "topics", "Skriv højst 10 emner."),
        ({"topics": "Kort\n" + "x" * 121}, "topics", "Hvert emne må højst være 120 tegn."),
        ({"topics": "Tonen\nTonen"}, "topics", "Et emne står der to gange."),
        ({"topics": "Klokke\x07lyd"}, "topics", "Et emne må kun være almindelig tekst"),
        (
            {"share_with_other_parties": "yes"},
            "share_with_other_parties",
            "Emnerne kan kun sendes til de andre parter, når parten har godkendt dem.",
        ),
    ],
)
def test_mistakes_are_told_in_danish_next_to_the_field(
    values: dict[str, str], field: str, danish: str
) -> None:
    _, errors = parse(TopicsForm, {"party_id": "citizen-1", "topics": "Tonen", **values}, "da")
    assert errors[field].startswith(danish)


def test_the_errors_are_in_english_when_english_is_chosen() -> None:
    _, errors = parse(
        TopicsForm, {"party_id": "citizen-1", "share_with_other_parties": "yes"}, "en"
    )
    assert errors == {
        "share_with_other_parties": "The topics can only be sent to the other parties once "
        "the party agreed them."
    }


# --- the pages ---------------------------------------------------------------------------------


def recorded(party_id: str, topics: list[str], agreed: bool, shared: bool = False) -> PartyTopics:
    return PartyTopics(
        party_id=party_id,
        topics=topics,
        agreed_by_party=agreed,
        share_with_other_parties=shared,
        recorded_by=STAFF_ID,
        recorded_at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
    )


def mine(bus: FakeBus, **changes: object) -> CaseDetail:
    return bus.add(
        case_detail(mediator_id=STAFF_ID, status="accepted", actions=["record_topics"], **changes)
    )


def test_the_forms_are_offered_only_when_intake_offers_recording_topics(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="accepted", actions=["withdraw"]))
    page = browser.get(f"/cases/{case.case_id}").text
    assert "/topics" not in page
    assert 'id="agenda"' not in page  # no topics and nothing to do: no section
    case = mine(bus, topics=[recorded("citizen-1", CITIZEN_TOPICS, agreed=True)])
    page = html.unescape(browser.get(f"/cases/{case.case_id}").text)
    assert "Dagsorden for mæglingsmødet" in page
    assert "Registrér emner for Birte Borger" in page
    assert "Registrér emner for Jobcenter Nord" in page
    # The form starts from what is recorded: one topic per line, the boxes as answered.
    assert "Tonen i brevene\nAt blive ringet op som aftalt</textarea>" in page
    assert 'id="topics-1-agreed_by_party" name="agreed_by_party" value="yes" checked' in page
    shared = 'id="topics-1-share_with_other_parties" name="share_with_other_parties" value="yes">'
    assert shared in page


def test_the_agenda_marks_the_topics_not_yet_agreed(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(
        case_detail(
            mediator_id=STAFF_ID,
            status="ready_for_scheduling",
            actions=["withdraw", "record_outcome", "record_topics"],
            consented=["citizen-1", "administration-1"],
            consent_missing=[],
            topics=[
                recorded("citizen-1", CITIZEN_TOPICS, agreed=True, shared=True),
                recorded("administration-1", UNIT_TOPICS, agreed=False),
            ],
            agenda=[AgendaItem(party_id="citizen-1", topic=topic) for topic in CITIZEN_TOPICS],
        )
    )
    page = html.unescape(browser.get(f"/cases/{case.case_id}").text)
    citizen = page[page.index('id="agenda-party-1"') : page.index('id="agenda-party-2"')]
    unit = page[page.index('id="agenda-party-2"') :]
    assert "Godkendt af parten" in citizen
    assert "<li>Tonen i brevene</li>" in citizen
    assert "Sendes med indkaldelsen til alle parter." in citizen
    assert "Ikke godkendt endnu" in unit
    assert (
        '<li class="topic--pending">Hvordan vi svarer på henvendelser '
        '<span class="muted">(ikke godkendt)</span></li>' in unit
    )
    assert "Er ikke på dagsordenen og sendes ikke, før parten har godkendt dem." in unit
    # Before the booking, the agenda comes first: it goes out with the invitation.
    assert page.index('id="agenda"') < page.index('id="meetings"')


def test_at_the_booked_meeting_the_agenda_is_right_below_it(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(
        case_detail(
            mediator_id=STAFF_ID,
            status="ready_for_scheduling",
            actions=["withdraw", "record_outcome", "record_topics"],
            topics=[recorded("citizen-1", CITIZEN_TOPICS, agreed=True)],
            agenda=[AgendaItem(party_id="citizen-1", topic=topic) for topic in CITIZEN_TOPICS],
        )
    )
    bus.meetings[case.case_id] = [meeting(case.case_id, timedelta(hours=2))]
    page = html.unescape(browser.get(f"/cases/{case.case_id}").text)
    assert page.index('id="meetings"') < page.index('id="agenda"') < page.index('id="timeline"')
    assert '<a href="#agenda">Se dagsordenen (2 emner)</a>' in page


def test_recording_topics_publishes_them_whole(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = mine(bus)
    submission = "2f0c7f3e-8d21-4b3c-9a64-5d1e7b0a9c44"
    answer = browser.post(
        f"/cases/{case.case_id}/topics",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "party_id": "administration-1",
            "topics": "Hvordan vi svarer på henvendelser\nVentetid på svar",
            "agreed_by_party": "yes",
            "share_with_other_parties": "yes",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("#topics-2")
    [event] = bus.published
    assert (event["type"], event["id"]) == ("dk.mediation.party.topics_recorded.v1", submission)
    assert event["data"] == {
        "party_id": "administration-1",
        "topics": ["Hvordan vi svarer på henvendelser", "Ventetid på svar"],
        "agreed_by_party": True,
        "share_with_other_parties": True,
        "recorded_by": STAFF_ID,
    }
    assert "Emnerne er gemt." in html.unescape(browser.get(answer.headers["location"]).text)


def test_the_same_topics_again_publish_nothing(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = mine(bus, topics=[recorded("citizen-1", CITIZEN_TOPICS, agreed=True)])
    answer = browser.post(
        f"/cases/{case.case_id}/topics",
        data={
            "csrf_token": token,
            "party_id": "citizen-1",
            "topics": "\n".join(CITIZEN_TOPICS),
            "agreed_by_party": "yes",
        },
    )
    assert answer.status_code == 303
    assert bus.published == []
    assert "Intet er ændret" in html.unescape(browser.get(answer.headers["location"]).text)


def test_a_mistake_is_shown_next_to_the_field_and_nothing_is_published(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = mine(bus)
    answer = browser.post(
        f"/cases/{case.case_id}/topics",
        data={
            "csrf_token": token,
            "party_id": "citizen-1",
            "topics": "Tonen i brevene",
            "share_with_other_parties": "yes",
        },
    )
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert 'id="topics-1-error"' in page
    assert '<details class="change" id="topics-1" open>' in page
    assert (
        '<p class="field-error" id="topics-1-share_with_other_parties-error">Emnerne kan kun '
        "sendes til de andre parter, når parten har godkendt dem.</p>" in page
    )
    assert "Tonen i brevene</textarea>" in page  # nothing written is lost
    assert bus.published == []


def test_topics_for_a_case_that_does_not_offer_it_are_not_published(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="requested", actions=["assess"]))
    answer = browser.post(
        f"/cases/{case.case_id}/topics",
        data={"csrf_token": token, "party_id": "citizen-1", "topics": "Tonen"},
    )
    assert answer.status_code == 409
    assert "Det kan ikke lade sig gøre i sagen lige nu" in html.unescape(answer.text)
    assert bus.published == []


def test_topics_without_the_csrf_token_are_refused(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = mine(bus)
    answer = browser.post(
        f"/cases/{case.case_id}/topics", data={"party_id": "citizen-1", "topics": "Tonen"}
    )
    assert answer.status_code == 403
    assert bus.published == []


def test_the_timeline_says_topics_were_recorded_and_whether_agreed_never_which(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    entry = TimelineEntry(
        event_id=uuid4(),
        type="dk.mediation.party.topics_recorded.v1",
        at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
        actor_id=STAFF_ID,
        party_id="citizen-1",
        code="not_agreed",
    )
    case = mine(bus, timeline=[entry])
    page = html.unescape(browser.get(f"/cases/{case.case_id}").text)
    history = page[page.index('id="timeline"') :]
    assert "Emner registreret" in history
    assert "Birte Borger · ikke godkendt endnu" in history
