"""People change during a case (notifications/domain/contacts.py and compose.py): a corrected
party is reached at its new address, a companion added later is told what follows, a removed
companion or one who is not to receive messages is told nothing more, and the changes
themselves tell nobody."""

from datetime import timedelta
from itertools import permutations
from uuid import uuid4

from mediation_contracts.events import Companion
from notifications.domain.compose import audience, compose
from notifications.domain.contacts import CaseContacts
from notifications.domain.reminders import plan
from pydantic import TypeAdapter

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    MEDIATOR,
    at,
    companion_changed,
    details_corrected,
    withdrew,
)
from tests.data.notifications import (
    CITIZEN_EMAIL,
    COMPANION_EMAIL,
    OFFICE,
    cancelled,
    contact,
    contacts_of,
    local,
    participants,
    requested,
    rescheduled,
    scheduled,
)

ADAPTER = TypeAdapter(CaseContacts)
NEW_EMAIL = "anna.new@example.dk"
SISTER = Companion(
    companion_id="companion-9", name="Søs Jensen", contact=contact("soes@example.dk", None)
)
BOOKED = local("2026-03-01 09:00")
MEETING = local("2026-03-31 10:00")


def test_a_corrected_party_is_reached_at_the_new_address_only() -> None:
    case_id = uuid4()
    contacts = contacts_of(
        requested(case_id),
        details_corrected(case_id, name="Anna Holm", contact=contact(NEW_EMAIL, None)),
    )
    recipient = contacts.recipient(CITIZEN)
    assert recipient is not None
    assert (recipient.name, recipient.email, recipient.phone) == ("Anna Holm", NEW_EMAIL, None)
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    contacts.apply(booking)
    to_citizen = [m for m in compose(booking, contacts, OFFICE) if m.recipient.person_id == CITIZEN]
    assert [m.recipient.email for m in to_citizen] == [NEW_EMAIL]
    assert CITIZEN_EMAIL not in to_citizen[0].text


def test_a_correction_may_change_the_channel_and_language() -> None:
    case_id = uuid4()
    phone_only = contact(None, "+45 20 20 20 20", channel="sms", language="en")
    contacts = contacts_of(requested(case_id), details_corrected(case_id, contact=phone_only))
    recipient = contacts.recipient(CITIZEN)
    assert recipient is not None
    assert (recipient.channel, recipient.phone, recipient.language) == (
        "sms",
        "+45 20 20 20 20",
        "en",
    )


def test_the_changes_themselves_tell_nobody() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    for change in (
        details_corrected(case_id),
        companion_changed(case_id, CITIZEN, SISTER),
        companion_changed(case_id, CITIZEN),
    ):
        contacts.apply(change)
        assert audience(change, contacts) == []
        assert compose(change, contacts, OFFICE) == []


def test_a_removed_companion_is_told_nothing_more_and_its_details_are_gone() -> None:
    case_id = uuid4()
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    contacts = contacts_of(requested(case_id), booking)
    assert COMPANION in audience(booking, contacts)
    contacts.apply(companion_changed(case_id, CITIZEN))

    moved = rescheduled(booking, local("2026-04-02 10:00"), moved_at=local("2026-03-02 09:00"))
    reminder = plan(None, booking).reminder
    assert reminder is not None
    called_off = cancelled(booking, cancelled_at=local("2026-03-03 09:00"))
    for later in (moved, reminder, called_off, withdrew(case_id, MEDIATOR, "mediator")):
        assert COMPANION not in audience(later, contacts), type(later).__name__
    gone = contacts.people[COMPANION]
    assert (gone.name, gone.email, gone.phone, gone.supports) == ("", None, None, None)
    assert contacts.companion_of(CITIZEN) is None


def test_a_companion_added_later_is_invited_to_the_meetings_booked_from_then_on() -> None:
    case_id = uuid4()
    before = scheduled(
        case_id,
        MEETING,
        booked_at=BOOKED,
        people=participants(CITIZEN, ADMINISTRATION, companions=()),
    )
    contacts = contacts_of(requested(case_id, with_companion=False), before)
    contacts.apply(companion_changed(case_id, ADMINISTRATION, SISTER))
    # Scheduling invites the companion of the moment to what it books from now on.
    after = scheduled(
        case_id,
        MEETING + timedelta(days=7),
        meeting_id="meeting-2",
        booked_at=BOOKED + timedelta(days=1),
        people=participants(CITIZEN, ADMINISTRATION, companions=("companion-9",)),
    )
    contacts.apply(after)
    assert audience(after, contacts) == [CITIZEN, ADMINISTRATION, "companion-9"]
    to_sister = [
        m for m in compose(after, contacts, OFFICE) if m.recipient.person_id == "companion-9"
    ]
    assert [m.recipient.email for m in to_sister] == ["soes@example.dk"]
    # Who comes to a meeting booked before is scheduling's booking: the party passes it on.
    moved = rescheduled(before, local("2026-04-02 10:00"), moved_at=local("2026-03-02 09:00"))
    assert audience(moved, contacts) == [CITIZEN, ADMINISTRATION]


def test_a_companion_who_is_not_to_receive_messages_is_not_in_any_audience() -> None:
    case_id = uuid4()
    quiet = Companion(
        companion_id=COMPANION,
        name="Carl Hansen",
        contact=contact(COMPANION_EMAIL, None),
        receives_invitations=False,
    )
    booking = scheduled(case_id, MEETING, booked_at=BOOKED)
    contacts = contacts_of(requested(case_id), companion_changed(case_id, CITIZEN, quiet), booking)
    assert COMPANION not in audience(booking, contacts)
    assert COMPANION not in audience(withdrew(case_id, MEDIATOR, "mediator"), contacts)
    # Not reported unreachable either: not in the audience at all.
    assert all(m.recipient.person_id != COMPANION for m in compose(booking, contacts, OFFICE))


def test_changes_give_the_same_view_in_any_order_and_the_newest_wins() -> None:
    case_id = uuid4()
    first = at(details_corrected(case_id, contact=contact("first@example.dk", None)), BOOKED)
    second = at(details_corrected(case_id), BOOKED + timedelta(minutes=5))
    added = at(companion_changed(case_id, ADMINISTRATION, SISTER), BOOKED)
    removed = at(companion_changed(case_id, ADMINISTRATION), BOOKED + timedelta(minutes=5))
    brother = SISTER.model_copy(update={"companion_id": "companion-8", "name": "Bror"})
    replaced = at(companion_changed(case_id, CITIZEN, brother), BOOKED)
    events = [requested(case_id), first, second, added, removed, replaced]
    view, *others = [contacts_of(*order) for order in permutations(events)]
    assert all(other == view for other in others)  # equal, whatever order the dicts are in
    assert ADAPTER.validate_json(ADAPTER.dump_json(view)) == view
    citizen = view.recipient(CITIZEN)
    assert citizen is not None
    assert citizen.email == NEW_EMAIL
    assert view.companion_of(ADMINISTRATION) is None
    assert view.companion_of(CITIZEN) == "companion-8"
    assert not view.may_be_told(COMPANION)  # the request's, replaced: only its id is left
    assert view.people[CITIZEN].kind == "citizen"


def test_a_forgotten_case_takes_no_personal_data_back() -> None:
    case_id = uuid4()
    contacts = contacts_of(requested(case_id))
    contacts.forget()
    contacts.apply(details_corrected(case_id))
    contacts.apply(companion_changed(case_id, CITIZEN, SISTER))
    assert contacts.recipient(CITIZEN) is None
    assert "companion-9" not in contacts.people
