"""Learning from mediations (issue 17) as notifications tells it: the invitation to the
anonymous evaluation (EvaluationRequested) and its one reminder, and the follow-up contact
named at close, told only when the citizen agreed (FollowUpContact.inform)."""

from datetime import UTC, datetime
from typing import Literal
from uuid import uuid4

import pytest
from mediation_contracts.events import CaseClosed, ContactDetails, FollowUpContact
from notifications.domain.compose import (
    DEV_EVALUATION_URL,
    SMS_MAX_CHARS,
    Office,
    audience,
    compose,
)
from notifications.domain.contacts import FOLLOW_UP_CONTACT, CaseContacts
from notifications.domain.message import Message
from notifications.settings import NotificationsSettings
from pydantic import ValidationError

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    LINK_TOKEN,
    SECOND_CITIZEN,
    case_closed,
    evaluation_requested,
)
from tests.data.notifications import (
    ADMIN_EMAIL,
    CITIZEN_EMAIL,
    CITIZEN_PHONE,
    CONFLICT,
    CONTACT_EMAIL,
    CONTACT_PHONE,
    EVALUATION_URL,
    EVERY_ADDRESS,
    FOLLOW_UP,
    MATTER,
    OFFICE,
    contact,
    contacts_of,
    informed,
    requested,
)
from tests.unit.notifications.test_notifications_compose import GSM7

LINK = f"{EVALUATION_URL}/{LINK_TOKEN}"
# 23:30 UTC on 13 April is 01:30 on the 14th in Copenhagen (summer time): the local date.
EXPIRES = datetime(2026, 4, 13, 23, 30, tzinfo=UTC)


def people(messages: list[Message]) -> list[str]:
    return [m.recipient.person_id for m in messages]


def a_case(**options: object) -> CaseContacts:
    return contacts_of(requested(uuid4(), **options))  # type: ignore[arg-type]


def closed(
    contacts: CaseContacts,
    because: Literal["outcome_recorded", "withdrawn"] = "outcome_recorded",
    *,
    follow_up: FollowUpContact,
) -> CaseClosed:
    """The close, applied to the view first (as the handler does)."""
    event = case_closed(contacts.case_id, because, follow_up=follow_up)
    contacts.apply(event)
    return event


# --- the evaluation ------------------------------------------------------------------------


def test_the_invitation_goes_to_the_party_invited_only_in_danish_with_link_and_expiry() -> None:
    contacts = a_case()

    event = evaluation_requested(contacts.case_id, CITIZEN, expires_at=EXPIRES)
    (message,) = compose(event, contacts, OFFICE)

    assert message.recipient.person_id == CITIZEN
    assert message.recipient.email == CITIZEN_EMAIL
    assert message.subject == "Hvordan oplevede du mæglingen?"
    assert message.text.startswith("Kære Anna Jensen\n\n")
    assert f"Svar her:\n{LINK}\n" in message.text
    assert "Tak, fordi du deltog i mæglingsforløbet." in message.text
    assert "frivilligt" in message.text
    assert "anonyme" in message.text
    assert "virker indtil 14. april 2026 kl. 01.30." in message.text  # the office's time
    assert "påmindelse" not in message.text
    for secret in (CONFLICT, MATTER, ADMIN_EMAIL, CITIZEN_PHONE):
        assert secret not in message.text


def test_a_held_meeting_is_evaluated_as_the_meeting() -> None:
    contacts = a_case()

    event = evaluation_requested(contacts.case_id, CITIZEN, occasion="meeting_held")
    (message,) = compose(event, contacts, OFFICE)

    assert "Tak, fordi du deltog i mæglingsmødet." in message.text


def test_the_invitation_is_in_english_for_an_english_speaking_party() -> None:
    contacts = a_case(citizen=contact(CITIZEN_EMAIL, None, language="en"))

    event = evaluation_requested(contacts.case_id, CITIZEN, expires_at=EXPIRES)
    (message,) = compose(event, contacts, OFFICE)

    assert message.subject == "How was the mediation for you?"
    assert message.text.startswith("Dear Anna Jensen\n\n")
    assert f"Answer here:\n{LINK}\n" in message.text
    assert "voluntary" in message.text
    assert "anonymous" in message.text
    assert "works until 14 April 2026, 01:30 (Danish time)." in message.text


def test_the_administration_is_invited_at_the_unit_as_i() -> None:
    contacts = a_case()

    (message,) = compose(evaluation_requested(contacts.case_id, ADMINISTRATION), contacts, OFFICE)

    assert message.recipient.email == ADMIN_EMAIL
    assert message.subject == "Hvordan oplevede I mæglingen?"
    assert message.text.startswith("Til Jobcenter\n\n")
    assert "Tak, fordi I deltog" in message.text
    assert "tilbage til jer eller sagen" in message.text
    assert LINK in message.text


@pytest.mark.parametrize(
    ("language", "opening"), [("da", "En påmindelse: "), ("en", "A reminder: ")]
)
def test_the_reminder_says_it_is_one(language: str, opening: str) -> None:
    contacts = a_case(citizen=contact(CITIZEN_EMAIL, None, language=language))  # type: ignore[arg-type]

    event = evaluation_requested(contacts.case_id, CITIZEN, reminder=True)
    (message,) = compose(event, contacts, OFFICE)

    assert message.subject.startswith(opening)
    assert f"\n\n{opening}" in message.text
    assert LINK in message.text
    assert "Tak, fordi" not in message.text
    assert "Thank you for taking part" not in message.text


def test_companions_and_strangers_are_not_invited() -> None:
    contacts = a_case()  # the citizen brings COMPANION

    assert audience(evaluation_requested(contacts.case_id, CITIZEN), contacts) == [CITIZEN]
    assert compose(evaluation_requested(contacts.case_id, COMPANION), contacts, OFFICE) == []
    assert audience(evaluation_requested(contacts.case_id, "someone-else"), contacts) == []


def test_a_party_without_an_address_is_in_the_audience_but_gets_no_message() -> None:
    """The caller records NotificationFailed (no_address) for them, as for every trigger."""
    contacts = a_case(administration=ContactDetails())

    event = evaluation_requested(contacts.case_id, ADMINISTRATION)

    assert audience(event, contacts) == [ADMINISTRATION]
    assert compose(event, contacts, OFFICE) == []


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("reminder", [False, True])
def test_the_sms_is_short_with_the_link_whatever_the_sizes(language: str, reminder: bool) -> None:
    sms = contact(None, CITIZEN_PHONE, "sms", language)  # type: ignore[arg-type]
    contacts = a_case(citizen=sms, citizen_name="Æ" * 200)
    office = Office(
        name="B" * 40,
        phone="+45 33 66 14 00 1234",
        email="x@kk.example",
        address="y",
        organizer_email="z@kk.example",
        evaluation_url="https://" + "m" * 78 + ".dk/evaluering",
    )
    assert len(office.evaluation_url) == 100
    token = "T" * 64
    expires = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)  # the longest month name

    event = evaluation_requested(
        contacts.case_id, CITIZEN, link_token=token, reminder=reminder, expires_at=expires
    )
    (message,) = compose(event, contacts, office)

    assert message.channel == "sms"
    assert message.text.endswith(f"{office.evaluation_url}/{token}")
    assert len(message.text) <= SMS_MAX_CHARS, len(message.text)
    by = "senest 30. september 2026" if language == "da" else "by 30 September 2026"
    assert by in message.text
    assert ("En påmindelse" in message.text or "A reminder" in message.text) == reminder
    assert set(message.text) <= GSM7, set(message.text) - GSM7


# --- the setting ---------------------------------------------------------------------------

BASE = {"nats_url": "nats://localhost:4222", "mongodb_url": "mongodb://localhost"}


def test_the_evaluation_url_defaults_to_the_local_stack_and_drops_a_trailing_slash() -> None:
    assert NotificationsSettings(**BASE).evaluation_url == DEV_EVALUATION_URL  # type: ignore[arg-type]
    settings = NotificationsSettings(**BASE, evaluation_url=EVALUATION_URL + "/")  # type: ignore[arg-type]
    assert settings.evaluation_url == EVALUATION_URL
    assert settings.office_for("kk").evaluation_url == EVALUATION_URL


@pytest.mark.parametrize(
    "url",
    [
        "http://maegling.kk.dk/evaluering",  # not https, not this machine
        "ftp://maegling.kk.dk/evaluering",
        "maegling.kk.dk/evaluering",
        "https://maegling.kk.dk/evaluering?x=1",
        "https://maegling.kk.dk/evaluering#top",
        "https://maegling.kk.dk/eval uering",
        "https://",
        "https://maegling.kk.dk/" + "e" * 100,  # the SMS would not hold it
        "",
    ],
)
def test_a_bad_evaluation_url_stops_the_service_at_start(url: str) -> None:
    with pytest.raises(ValidationError, match="NOTIFICATIONS_EVALUATION_URL must be"):
        NotificationsSettings(**BASE, evaluation_url=url)  # type: ignore[arg-type]


def test_a_local_evaluation_url_is_refused_in_live_mode() -> None:
    with pytest.raises(ValidationError, match="NOTIFICATIONS_EVALUATION_URL points at localhost"):
        NotificationsSettings(**BASE, mode="live", evaluation_url="http://127.0.0.1:8080/e")  # type: ignore[arg-type]
    live = NotificationsSettings(**BASE, mode="live", evaluation_url=EVALUATION_URL)  # type: ignore[arg-type]
    assert live.evaluation_url == EVALUATION_URL


# --- the follow-up contact -----------------------------------------------------------------


def test_the_contact_is_told_only_when_the_citizen_agreed() -> None:
    contacts = a_case()

    messages = compose(closed(contacts, follow_up=FOLLOW_UP), contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION]  # the parties, as before
    assert contacts.follow_up_contact is None  # nothing kept about them either


def test_the_contact_is_told_they_were_named_with_the_citizens_name() -> None:
    contacts = a_case()

    messages = compose(closed(contacts, follow_up=informed()), contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION, FOLLOW_UP_CONTACT]
    told = messages[-1]
    assert told.recipient.email == CONTACT_EMAIL
    assert told.subject == "Du er nævnt som kontaktperson"
    assert told.text.startswith("Kære Mette Lund\n\n")
    assert "har Anna Jensen nævnt dig som kontaktperson" in told.text
    assert "kan kontakte dig, hvis der senere er brug for at tale om det" in told.text
    for addresses in EVERY_ADDRESS.values():
        for address in addresses:
            assert address not in told.text
    assert CONFLICT not in told.text
    assert MATTER not in told.text
    assert "Jobcenter\n" not in told.text  # the other party is not named
    # The parties still read who their contact is.
    assert "Mette Lund, Jobcenter Nord" in messages[0].text


def test_the_contact_is_told_in_their_language_on_their_channel() -> None:
    contacts = a_case()
    details = ContactDetails(phone=CONTACT_PHONE, preferred_channel="sms", language="en")

    messages = compose(closed(contacts, follow_up=informed(contact=details)), contacts, OFFICE)

    told = messages[-1]
    assert told.recipient.person_id == FOLLOW_UP_CONTACT
    assert told.channel == "sms"
    assert told.recipient.phone == CONTACT_PHONE
    assert "Anna Jensen named you as their contact person" in told.text


def test_a_contact_without_details_is_in_the_audience_but_gets_no_message() -> None:
    """The caller records NotificationFailed (no_address), so staff can tell them."""
    contacts = a_case()

    event = closed(contacts, follow_up=informed(contact=None))

    assert audience(event, contacts)[-1] == FOLLOW_UP_CONTACT
    assert people(compose(event, contacts, OFFICE)) == [CITIZEN, ADMINISTRATION]


def test_the_contact_is_told_after_a_withdrawal_too() -> None:
    contacts = a_case()

    messages = compose(closed(contacts, "withdrawn", follow_up=informed()), contacts, OFFICE)

    assert people(messages) == [CITIZEN, ADMINISTRATION, FOLLOW_UP_CONTACT]


def test_in_a_family_case_the_contact_hears_both_citizens() -> None:
    contacts = a_case(family=True)

    messages = compose(closed(contacts, follow_up=informed()), contacts, OFFICE)

    assert people(messages) == [CITIZEN, SECOND_CITIZEN, FOLLOW_UP_CONTACT]
    assert "har Anna Jensen og Bo Jensen nævnt dig" in messages[-1].text


def test_the_contacts_id_never_collides_with_a_party() -> None:
    case_id = uuid4()
    request = requested(case_id)
    parties = [
        party.model_copy(update={"party_id": FOLLOW_UP_CONTACT})
        if party.party_id == ADMINISTRATION
        else party
        for party in request.data.parties
    ]
    data = request.data.model_copy(update={"parties": parties})
    contacts = contacts_of(request.model_copy(update={"data": data}))

    messages = compose(closed(contacts, follow_up=informed()), contacts, OFFICE)

    assert people(messages) == [CITIZEN, FOLLOW_UP_CONTACT, f"{FOLLOW_UP_CONTACT}-2"]
    assert messages[1].subject == "Mæglingen er afsluttet"  # the party hears of the close
    assert messages[2].subject == "Du er nævnt som kontaktperson"


def test_the_contact_is_known_whatever_the_order_and_forgotten_with_the_case() -> None:
    case_id = uuid4()
    close = case_closed(case_id, follow_up=informed())
    contacts = contacts_of(close, requested(case_id))  # the close arrived first

    assert people(compose(close, contacts, OFFICE))[-1] == FOLLOW_UP_CONTACT

    contacts.forget()
    assert contacts.follow_up_contact is not None
    assert contacts.follow_up_contact.name == ""
    assert contacts.follow_up_contact.email is None
    assert contacts.recipient(FOLLOW_UP_CONTACT) is None


def test_a_later_close_does_not_tell_the_contact_of_the_first() -> None:
    contacts = a_case()
    first = closed(contacts, follow_up=FOLLOW_UP)  # not to be told

    second = case_closed(contacts.case_id, follow_up=informed())
    contacts.apply(second)  # later: the first close counts

    assert FOLLOW_UP_CONTACT not in audience(second, contacts)
    assert FOLLOW_UP_CONTACT not in audience(first, contacts)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("citizen_name", ["Anna Jensen", "Æ" * 200])
def test_the_contacts_sms_fits_whatever_the_names(language: str, citizen_name: str) -> None:
    contacts = a_case(family=True, citizen_name=citizen_name)
    details = ContactDetails(phone=CONTACT_PHONE, preferred_channel="sms", language=language)  # type: ignore[arg-type]
    office = Office(
        name="B" * 40,
        phone="+45 33 66 14 00 1234",
        email="x@kk.example",
        address="y",
        organizer_email="z@kk.example",
    )

    event = closed(contacts, follow_up=informed(name="Æ" * 200, contact=details))
    told = compose(event, contacts, office)[-1]

    assert told.recipient.person_id == FOLLOW_UP_CONTACT
    assert len(told.text) <= SMS_MAX_CHARS, len(told.text)
    assert set(told.text) <= GSM7, set(told.text) - GSM7
    assert (citizen_name in told.text) == (citizen_name == "Anna Jensen")
