"""People change during a case, in the client: the forms to correct a party's details and to
add, change or remove a companion, their Danish errors, and the events they publish."""

import html

import pytest
from mediation_contracts.commands import CaseDetail
from mediation_contracts.events import Companion, ContactDetails, Party
from mediator_client.forms import CompanionForm, PartyDetailsForm, parse

from tests.unit.client.conftest import Browser
from tests.unit.client.fakes import STAFF_ID, FakeBus, case_detail

# --- the forms -------------------------------------------------------------------------------


def test_a_corrected_party_gets_the_whole_new_contact() -> None:
    form, errors = parse(
        PartyDetailsForm,
        {
            "name": " Birte Borger-Holm ",
            "email": "birte.ny@example.dk",
            "phone": "",
            "preferred_channel": "email",
            "language": "en",
        },
        "da",
    )
    assert errors == {}
    assert form is not None
    assert form.name == "Birte Borger-Holm"
    assert form.contact() == ContactDetails(
        email="birte.ny@example.dk", preferred_channel="email", language="en"
    )


@pytest.mark.parametrize(
    ("values", "field", "danish"),
    [
        ({"name": ""}, "name", "Udfyld feltet."),
        ({"email": "birte.example.dk"}, "email", "Skriv en gyldig e-mailadresse"),
        ({"phone": "ring mig op"}, "phone", "Skriv et telefonnummer med cifre"),
        ({"email": "", "preferred_channel": "email"}, "email", "Skriv en e-mailadresse, eller"),
        ({"preferred_channel": "sms"}, "phone", "Skriv et telefonnummer, eller"),
        ({"preferred_channel": "fax"}, "preferred_channel", "Vælg en af mulighederne."),
    ],
)
def test_a_party_form_with_mistakes_says_what_to_fix_in_danish(
    values: dict[str, str], field: str, danish: str
) -> None:
    filled = {"name": "Birte", "email": "birte@example.dk", "preferred_channel": "email", **values}
    _form, errors = parse(PartyDetailsForm, filled, "da")
    assert errors[field].startswith(danish)


def test_the_errors_are_in_english_when_english_is_chosen() -> None:
    _, errors = parse(PartyDetailsForm, {"name": "Birte", "preferred_channel": "sms"}, "en")
    assert errors == {"phone": "Enter a phone number, or choose another way to send messages."}


def test_a_companion_who_gets_invitations_needs_an_address() -> None:
    _, errors = parse(CompanionForm, {"name": "Søs", "receives_invitations": "yes"}, "da")
    assert errors["email"].startswith("Skriv bisidderens e-mailadresse eller telefonnummer")
    form, errors = parse(CompanionForm, {"name": "Søs"}, "da")
    assert errors == {}
    assert form is not None
    assert form.companion("companion-7") == Companion(
        companion_id="companion-7", name="Søs", receives_invitations=False
    )


def test_a_companion_is_reached_by_email_or_sms_not_digital_post() -> None:
    _, errors = parse(
        CompanionForm,
        {"name": "Søs", "email": "s@example.dk", "preferred_channel": "digital_post"},
        "da",
    )
    assert "preferred_channel" in errors


# --- the pages ---------------------------------------------------------------------------------

WITH_COMPANION = Party(
    party_id="citizen-1",
    kind="citizen",
    name="Birte Borger",
    contact=ContactDetails(email="birte@example.dk"),
    companion=Companion(
        companion_id="companion-1",
        name="Bo Bisidder",
        contact=ContactDetails(email="bo@example.dk"),
    ),
)


def mine(bus: FakeBus, **changes: object) -> CaseDetail:
    return bus.add(
        case_detail(mediator_id=STAFF_ID, status="accepted", actions=["change_people"], **changes)
    )


def test_the_forms_are_offered_only_when_intake_offers_changing_people(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, actions=["withdraw"]))
    page = browser.get(f"/cases/{case.case_id}").text
    assert "/people/" not in page
    case = mine(bus)
    page = html.unescape(browser.get(f"/cases/{case.case_id}").text)
    assert "Ret oplysninger om Birte Borger" in page
    assert "Tilføj bisidder for Jobcenter Nord" in page
    assert 'value="birte@example.dk"' in page  # the form starts from what is known
    assert page.count('action="/cases/') >= 4


def test_correcting_a_partys_email_publishes_the_whole_new_details(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = mine(bus)
    answer = browser.post(
        f"/cases/{case.case_id}/people/details",
        data={
            "csrf_token": token,
            "party_id": "citizen-1",
            "name": "Birte Borger",
            "email": "birte.ny@example.dk",
            "phone": "+45 12 34 56 78",
            "preferred_channel": "email",
            "language": "da",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("#party-1")
    [event] = bus.published
    assert event["type"] == "dk.mediation.party.details_corrected.v1"
    assert event["data"] == {
        "party_id": "citizen-1",
        "name": "Birte Borger",
        "contact": {
            "email": "birte.ny@example.dk",
            "phone": "+45 12 34 56 78",
            "preferred_channel": "email",
            "language": "da",
        },
        "changed_by": STAFF_ID,
    }
    assert "Oplysningerne er rettet" in browser.get(answer.headers["location"]).text


def test_the_same_details_again_publish_nothing(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = mine(bus)
    answer = browser.post(
        f"/cases/{case.case_id}/people/details",
        data={
            "csrf_token": token,
            "party_id": "citizen-1",
            "name": "Birte Borger",
            "email": "birte@example.dk",
            "phone": "+45 12 34 56 78",
        },
    )
    assert answer.status_code == 303
    assert bus.published == []
    assert "Intet er ændret" in browser.get(answer.headers["location"]).text


def test_digital_post_is_refused_for_an_administration(signed_in: Browser, bus: FakeBus) -> None:
    browser, token = signed_in
    case = mine(bus)
    answer = browser.post(
        f"/cases/{case.case_id}/people/details",
        data={
            "csrf_token": token,
            "party_id": "administration-1",
            "name": "Jobcenter Nord",
            "preferred_channel": "digital_post",
        },
    )
    assert answer.status_code == 422
    assert "Digital Post kan kun bruges til en borger" in html.unescape(answer.text)
    assert 'id="party-2-error"' in answer.text
    assert bus.published == []


def test_adding_a_companion_gives_it_a_new_id_and_publishes_it(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = mine(bus)
    submission = "5a4b9c1e-0a77-4d53-a1a6-1f7a3c0f3e11"
    answer = browser.post(
        f"/cases/{case.case_id}/people/companion",
        data={
            "csrf_token": token,
            "submission_id": submission,
            "party_id": "administration-1",
            "name": "Søs Jensen",
            "email": "soes@example.dk",
            "preferred_channel": "email",
            "receives_invitations": "yes",
        },
    )
    assert answer.status_code == 303
    [event] = bus.published
    assert event["type"] == "dk.mediation.party.companion_changed.v1"
    assert event["id"] == submission
    companion = event["data"]["companion"]
    assert companion["companion_id"] == f"companion-{submission}"
    assert (companion["name"], companion["receives_invitations"]) == ("Søs Jensen", True)
    assert companion["contact"]["email"] == "soes@example.dk"
    assert event["data"]["party_id"] == "administration-1"
    assert event["data"]["changed_by"] == STAFF_ID


def test_changing_a_companion_keeps_its_id_and_removing_it_sends_none(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    parties = [WITH_COMPANION, case_detail().parties[1]]
    case = mine(bus, parties=parties)
    base = f"/cases/{case.case_id}/people/companion"
    browser.post(
        base,
        data={
            "csrf_token": token,
            "party_id": "citizen-1",
            "name": "Bo Bisidder",
            "phone": "+45 87 65 43 21",
            "preferred_channel": "sms",
            "receives_invitations": "yes",
        },
    )
    browser.post(f"{base}/remove", data={"csrf_token": token, "party_id": "citizen-1"})
    changed, removed = bus.published
    assert changed["data"]["companion"]["companion_id"] == "companion-1"
    assert changed["data"]["companion"]["contact"]["preferred_channel"] == "sms"
    assert removed["data"] == {"party_id": "citizen-1", "changed_by": STAFF_ID}  # no companion


def test_a_change_of_a_case_that_does_not_offer_it_is_not_published(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="closed", actions=[]))
    answer = browser.post(
        f"/cases/{case.case_id}/people/companion/remove",
        data={"csrf_token": token, "party_id": "citizen-1"},
    )
    assert answer.status_code == 409
    assert "Det kan ikke lade sig gøre i sagen lige nu" in answer.text
    assert bus.published == []


def test_a_change_without_the_csrf_token_is_refused(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = mine(bus)
    answer = browser.post(
        f"/cases/{case.case_id}/people/details",
        data={"party_id": "citizen-1", "name": "X", "email": "x@example.dk"},
    )
    assert answer.status_code == 403
    assert bus.published == []
