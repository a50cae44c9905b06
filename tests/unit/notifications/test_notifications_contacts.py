"""The people of a case as notifications keeps them (notifications/domain/contacts.py): built
from events in any order, storable, nothing beyond what is needed, and the channel choice."""

from datetime import timedelta
from itertools import permutations
from uuid import uuid4

import pytest
from mediation_contracts.events import Location
from notifications.domain.contacts import CaseContacts
from pydantic import TypeAdapter

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    SECOND_CITIZEN,
    at,
    case_closed,
    consent_requested,
    withdrew,
)
from tests.data.notifications import (
    ADMIN_EMAIL,
    CITIZEN_EMAIL,
    CITIZEN_PHONE,
    COMPANION_EMAIL,
    CONFLICT,
    MATTER,
    SECOND_COMPANION,
    contact,
    contacts_of,
    local,
    participants,
    requested,
    rescheduled,
    scheduled,
)

ADAPTER = TypeAdapter(CaseContacts)


def test_parties_and_companions_become_people_with_their_own_details() -> None:
    contacts = contacts_of(requested())

    assert contacts.requested
    assert contacts.party_ids == [CITIZEN, ADMINISTRATION]
    assert contacts.requester_id == CITIZEN
    citizen, unit, companion = (contacts.people[p] for p in (CITIZEN, ADMINISTRATION, COMPANION))
    assert (citizen.kind, citizen.name, citizen.email, citizen.phone) == (
        "citizen",
        "Anna Jensen",
        CITIZEN_EMAIL,
        CITIZEN_PHONE,
    )
    # The administration is reached at the unit's details; its representatives are staff.
    assert (unit.kind, unit.name, unit.email) == ("administration", "Jobcenter", ADMIN_EMAIL)
    assert "staff-31" not in contacts.people
    assert (companion.kind, companion.supports, companion.email) == (
        "companion",
        CITIZEN,
        COMPANION_EMAIL,
    )
    assert contacts.companion_of(CITIZEN) == COMPANION
    assert contacts.companion_of(ADMINISTRATION) is None
    assert contacts.supported_by(COMPANION) == CITIZEN
    assert contacts.supported_by(CITIZEN) is None
    assert contacts.is_party(CITIZEN)
    assert not contacts.is_party(COMPANION)


def test_nothing_about_the_conflict_is_kept() -> None:
    stored = ADAPTER.dump_json(contacts_of(requested())).decode()

    assert CONFLICT not in stored
    assert MATTER not in stored


def test_it_is_stored_and_loaded_with_a_type_adapter() -> None:
    case_id = uuid4()
    booking = scheduled(case_id, local("2026-03-30 09:00"), booked_at=local("2026-03-01 09:00"))
    contacts = contacts_of(
        requested(case_id),
        consent_requested(case_id),
        booking,
        withdrew(case_id, CITIZEN),
        case_closed(case_id, "withdrawn"),
    )

    loaded = ADAPTER.validate_json(ADAPTER.dump_json(contacts))

    assert loaded == contacts
    assert loaded.recipient(CITIZEN) == contacts.recipient(CITIZEN)


def test_events_give_the_same_view_in_any_order() -> None:
    case_id = uuid4()
    booking = scheduled(case_id, local("2026-03-30 09:00"), booked_at=local("2026-03-01 09:00"))
    events = [
        requested(case_id),
        consent_requested(case_id),
        booking,
        rescheduled(booking, local("2026-04-02 09:00"), moved_at=local("2026-03-02 09:00")),
        at(withdrew(case_id, ADMINISTRATION), local("2026-03-03 09:00")),
        at(case_closed(case_id, "withdrawn"), local("2026-03-03 09:01")),
    ]
    views = set()
    for order in permutations(events):
        views.add(ADAPTER.dump_json(contacts_of(*order)))

    assert len(views) == 1
    view = ADAPTER.validate_json(views.pop())
    assert view.meetings["meeting-1"].starts_at == local("2026-04-02 09:00")
    assert view.closed_because == "withdrawn"
    assert view.withdrawn_parties() == {ADMINISTRATION}


def test_a_meeting_keeps_only_parties_and_companions_of_its_newest_booking() -> None:
    case_id = uuid4()
    booking = scheduled(
        case_id,
        local("2026-03-30 09:00"),
        kind="pre_meeting",
        people=participants(CITIZEN),
        booked_at=local("2026-03-01 09:00"),
    )
    contacts = contacts_of(requested(case_id), booking)

    assert contacts.meetings["meeting-1"].person_ids == [CITIZEN, COMPANION]
    assert MEDIATOR not in contacts.meetings["meeting-1"].person_ids


def test_the_first_close_counts() -> None:
    case_id = uuid4()
    first = at(case_closed(case_id, "consent_declined"), local("2026-03-01 09:00"))
    later = at(case_closed(case_id, "outcome_recorded"), local("2026-03-05 09:00"))

    contacts = contacts_of(requested(case_id), later, first)

    assert (contacts.closed_at, contacts.closed_because) == (first.time, "consent_declined")


def test_a_mediators_withdrawal_ends_the_mediation_without_naming_a_party() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id), withdrew(case_id, MEDIATOR, "mediator"))

    assert contacts.ended
    assert contacts.withdrawn_parties() == set()


def test_someone_elses_withdrawal_does_not_end_it() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id), withdrew(case_id, "not-a-party"))

    assert not contacts.ended


def test_an_event_of_another_case_is_refused() -> None:
    contacts = contacts_of(requested())

    with pytest.raises(ValueError, match="another case"):
        contacts.apply(requested())


def test_contact_details_are_kept_until_some_time_after_the_close() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    assert contacts.retain_until(timedelta(days=30)) is None

    close = at(case_closed(case_id), local("2026-05-01 12:00"))
    contacts.apply(close)
    assert contacts.retain_until(timedelta(days=30)) == close.time + timedelta(days=30)

    contacts.forget()
    assert all(p.email is None and p.phone is None and not p.name for p in contacts.people.values())
    assert contacts.recipient(CITIZEN) is None


# --- the channel ---------------------------------------------------------------------------


def test_the_preferred_channel_is_used_with_only_its_address() -> None:
    contacts = contacts_of(requested(citizen=contact(CITIZEN_EMAIL, CITIZEN_PHONE, "sms")))

    recipient = contacts.recipient(CITIZEN)

    assert recipient is not None
    assert (recipient.channel, recipient.phone, recipient.email) == ("sms", CITIZEN_PHONE, None)


def test_email_is_the_default() -> None:
    recipient = contacts_of(requested()).recipient(CITIZEN)

    assert recipient is not None
    assert (recipient.channel, recipient.email, recipient.phone) == ("email", CITIZEN_EMAIL, None)
    assert recipient.language == "da"


@pytest.mark.parametrize(
    ("preferred", "email", "phone", "expected"),
    [
        ("sms", CITIZEN_EMAIL, None, "email"),  # no phone: email
        ("email", None, CITIZEN_PHONE, "sms"),  # no email: SMS
        ("sms", None, CITIZEN_PHONE, "sms"),
        ("email", None, None, None),  # no address at all
    ],
)
def test_without_the_preferred_address_email_then_sms(
    preferred: str, email: str | None, phone: str | None, expected: str | None
) -> None:
    details = contact(email, phone, "sms" if preferred == "sms" else "email")
    contacts = contacts_of(requested(companion=details))

    recipient = contacts.recipient(COMPANION)

    assert (recipient.channel if recipient else None) == expected


def test_digital_post_reaches_a_citizen_without_any_address() -> None:
    contacts = contacts_of(requested(citizen=contact(None, None, "digital_post")))

    recipient = contacts.recipient(CITIZEN)

    assert recipient is not None
    assert (recipient.channel, recipient.email, recipient.phone) == ("digital_post", None, None)


@pytest.mark.parametrize("who", [ADMINISTRATION, COMPANION])
def test_digital_post_is_for_citizen_parties_only(who: str) -> None:
    details = contact(COMPANION_EMAIL, None, "digital_post")
    contacts = contacts_of(requested(administration=details, companion=details))

    recipient = contacts.recipient(who)

    assert recipient is not None
    assert recipient.channel == "email"


def test_without_contact_details_nobody_but_a_citizen_on_digital_post_is_reached() -> None:
    event = requested(family=True, second_companion=True)
    parties = [p.model_copy(update={"contact": None}) for p in event.data.parties]
    bare = event.model_copy(update={"data": event.data.model_copy(update={"parties": parties})})
    contacts = contacts_of(bare)

    assert contacts.recipient(CITIZEN) is None
    assert contacts.recipient(SECOND_CITIZEN) is None
    assert contacts.recipient("nobody") is None
    second_companion = contacts.recipient(SECOND_COMPANION)
    assert second_companion is not None  # its own details came with the companion


def test_english_is_kept_per_person() -> None:
    contacts = contacts_of(requested(administration=contact(ADMIN_EMAIL, None, language="en")))

    unit, citizen = contacts.recipient(ADMINISTRATION), contacts.recipient(CITIZEN)

    assert unit is not None
    assert citizen is not None
    assert (unit.language, citizen.language) == ("en", "da")


def test_locations_are_not_people() -> None:
    # A meeting's location never adds a person (only parties and companions are reached).
    case_id = uuid4()
    video = Location(kind="video", join_url="https://meet.example/a")
    contacts = contacts_of(
        requested(case_id), scheduled(case_id, local("2026-03-30 09:00"), location=video)
    )

    assert set(contacts.people) == {CITIZEN, ADMINISTRATION, COMPANION}
