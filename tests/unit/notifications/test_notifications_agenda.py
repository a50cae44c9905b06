"""The agenda in the invitation to the mediation meeting (notifications/domain/contacts.py and
compose.py): each party is sent its own agreed topics, another party's only when that party
agreed to share them, a companion what its party is sent; topics a party has not agreed go to
nobody; recording topics tells nobody; the topics are forgotten with the contact details."""

from datetime import timedelta
from itertools import permutations
from uuid import UUID, uuid4

import pytest
from mediation_contracts.envelope import CloudEvent
from notifications.domain.compose import audience, compose
from notifications.domain.contacts import CaseContacts
from notifications.domain.message import Message
from notifications.domain.reminders import plan
from pydantic import TypeAdapter

from tests.data.events import (
    ADMINISTRATION,
    ADMINISTRATION_TOPICS,
    CITIZEN,
    CITIZEN_TOPICS,
    COMPANION,
    at,
    topics_recorded,
)
from tests.data.notifications import (
    OFFICE,
    contact,
    contacts_of,
    local,
    participants,
    requested,
    rescheduled,
    scheduled,
)

ADAPTER = TypeAdapter(CaseContacts)
BOOKED = local("2026-03-01 09:00")
MEETING = local("2026-03-31 10:00")
EVERY_TOPIC = (*CITIZEN_TOPICS, *ADMINISTRATION_TOPICS)


def texts(event: CloudEvent, contacts: CaseContacts) -> dict[str, Message]:
    """The message each person is sent, by person id."""
    return {message.recipient.person_id: message for message in compose(event, contacts, OFFICE)}


def invited(case_id: UUID, *recorded: CloudEvent) -> tuple[CloudEvent, CaseContacts]:
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    return booking, contacts_of(requested(case_id), *recorded, booking)


def test_each_party_is_sent_its_own_agreed_topics_and_the_shared_topics_of_the_other() -> None:
    case_id = uuid4()
    booking, contacts = invited(
        case_id,
        topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS, shared=False),
        topics_recorded(case_id, ADMINISTRATION, ADMINISTRATION_TOPICS, shared=True),
    )
    sent = texts(booking, contacts)
    citizen, unit = sent[CITIZEN].text, sent[ADMINISTRATION].text
    assert "Dagsorden: emnerne, der er aftalt til mæglingsmødet" in citizen
    assert "Dine emner:\n- Tonen i breve fra kommunen\n- At blive ringet op som aftalt" in citizen
    assert "Emner fra Jobcenter:\n- Hvordan vi svarer på henvendelser" in citizen
    assert "Mæglingen holder sig til de aftalte emner." in citizen
    # The citizen did not agree to share: the unit is sent only its own topics.
    assert "Jeres emner:\n- Hvordan vi svarer på henvendelser" in unit
    assert not any(topic in unit for topic in CITIZEN_TOPICS)
    assert "Anna Jensen" not in unit


def test_a_companion_is_sent_what_its_party_is_sent() -> None:
    case_id = uuid4()
    booking, contacts = invited(
        case_id,
        topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS),
        topics_recorded(case_id, ADMINISTRATION, ADMINISTRATION_TOPICS),
    )
    companion = texts(booking, contacts)[COMPANION].text
    assert "Emner fra Anna Jensen:\n- Tonen i breve fra kommunen" in companion
    assert not any(topic in companion for topic in ADMINISTRATION_TOPICS)


def test_topics_the_party_has_not_agreed_go_to_nobody() -> None:
    case_id = uuid4()
    booking, contacts = invited(
        case_id,
        topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS, agreed=False),
        topics_recorded(case_id, ADMINISTRATION, ADMINISTRATION_TOPICS, agreed=False),
    )
    for message in texts(booking, contacts).values():
        assert "Dagsorden" not in message.text
        assert not any(topic in message.text for topic in EVERY_TOPIC)
    assert all(not agenda.topics for agenda in contacts.agendas.values())  # not even kept


def test_no_topics_no_agenda() -> None:
    booking, contacts = invited(uuid4())
    for message in texts(booking, contacts).values():
        assert "Dagsorden" not in message.text


def test_the_agenda_is_in_english_for_an_english_recipient() -> None:
    case_id = uuid4()
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    contacts = contacts_of(
        requested(case_id, administration=contact("unit@example.dk", None, language="en")),
        topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS, shared=True),
        topics_recorded(case_id, ADMINISTRATION, ADMINISTRATION_TOPICS),
        booking,
    )
    unit = texts(booking, contacts)[ADMINISTRATION].text
    assert "Agenda: the topics agreed for the mediation meeting" in unit
    assert "Topics from Anna Jensen:\n- Tonen i breve fra kommunen" in unit
    assert "Your topics:\n- Hvordan vi svarer på henvendelser" in unit
    assert "The mediation keeps to the agreed topics." in unit


def test_only_the_invitation_to_the_mediation_meeting_carries_the_agenda() -> None:
    case_id = uuid4()
    recorded = topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS, shared=True)
    pre_meeting = scheduled(
        case_id,
        MEETING,
        kind="pre_meeting",
        booked_at=BOOKED,
        people=participants(CITIZEN, companions=()),
    )
    booking = scheduled(case_id, MEETING, meeting_id="meeting-2", booked_at=BOOKED)
    contacts = contacts_of(requested(case_id), recorded, pre_meeting, booking)
    reminder = plan(None, booking).reminder
    assert reminder is not None
    for event in (pre_meeting, reminder):
        for message in compose(event, contacts, OFFICE):
            assert not any(topic in message.text for topic in CITIZEN_TOPICS)


def test_an_sms_invitation_carries_no_topics() -> None:
    case_id = uuid4()
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    contacts = contacts_of(
        requested(case_id, citizen=contact(None, "+45 20 20 20 20", channel="sms")),
        topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS),
        booking,
    )
    sms = texts(booking, contacts)[CITIZEN]
    assert sms.recipient.channel == "sms"
    assert not any(topic in sms.text for topic in CITIZEN_TOPICS)


def test_a_moved_mediation_meeting_lists_the_agenda_of_the_moment() -> None:
    case_id = uuid4()
    first = at(topics_recorded(case_id, CITIZEN, ["Det første emne"]), BOOKED)
    booking, contacts = invited(case_id, first)
    assert "- Det første emne" in texts(booking, contacts)[CITIZEN].text
    later = at(topics_recorded(case_id, CITIZEN, ["Det nye emne"]), BOOKED + timedelta(days=1))
    contacts.apply(later)
    moved = rescheduled(booking, local("2026-04-02 10:00"), moved_at=BOOKED + timedelta(days=2))
    contacts.apply(moved)
    text = texts(moved, contacts)[CITIZEN].text
    assert "- Det nye emne" in text
    assert "Det første emne" not in text


def test_recording_topics_tells_nobody() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    recorded = topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS, shared=True)
    contacts.apply(recorded)
    assert audience(recorded, contacts) == []
    assert compose(recorded, contacts, OFFICE) == []


def test_the_newest_record_wins_in_any_order_and_the_view_round_trips() -> None:
    case_id = uuid4()
    first = at(topics_recorded(case_id, CITIZEN, ["Gammelt"], shared=True), BOOKED)
    second = at(topics_recorded(case_id, CITIZEN, ["Nyt"]), BOOKED + timedelta(minutes=5))
    unit = at(topics_recorded(case_id, ADMINISTRATION, ADMINISTRATION_TOPICS), BOOKED)
    events = [requested(case_id), first, second, unit]
    view, *others = [contacts_of(*order) for order in permutations(events)]
    assert all(other == view for other in others)
    assert ADAPTER.validate_json(ADAPTER.dump_json(view)) == view
    assert view.agenda_for(CITIZEN) == [(CITIZEN, ["Nyt"])]  # no longer shared, either
    assert view.agenda_for(ADMINISTRATION) == [(ADMINISTRATION, list(ADMINISTRATION_TOPICS))]


def test_a_view_stored_before_the_agenda_loads_without_topics() -> None:
    contacts = contacts_of(requested(uuid4()))
    stored = ADAPTER.dump_python(contacts, mode="json")
    del stored["agendas"]
    assert ADAPTER.validate_python(stored).agendas == {}


@pytest.mark.parametrize("late", [False, True], ids=["recorded before", "recorded after"])
def test_the_topics_are_forgotten_with_the_contact_details(late: bool) -> None:
    case_id = uuid4()
    recorded = topics_recorded(case_id, CITIZEN, CITIZEN_TOPICS, shared=True)
    contacts = contacts_of(requested(case_id), *([] if late else [recorded]))
    contacts.forget()
    contacts.apply(recorded)
    assert contacts.agenda_for(CITIZEN) == []
    assert contacts.agenda_for(ADMINISTRATION) == []
    assert not any(topic in ADAPTER.dump_json(contacts).decode() for topic in CITIZEN_TOPICS)
