"""The agenda from the pre-meetings, through the services' real handlers over an in-memory
store: each record of topics applied twice changes nothing, an unauthorised one is refused
and remembered once, and notifications keeps the agreed topics for the invitation it queues
and tells nobody of the record itself."""

from datetime import UTC, datetime, timedelta

from notifications.adapters.deliveries import Deliveries

from tests.data.events import (
    ADMINISTRATION,
    ADMINISTRATION_TOPICS,
    CITIZEN,
    CITIZEN_TOPICS,
    assessed,
    case_requested,
    mediator_assigned,
    topics_recorded,
)
from tests.data.notifications import requested, scheduled
from tests.unit.runtime.test_handler_idempotency import (
    each_twice_changes_nothing,
    intake,
    notifications,
    queued,
)


async def test_intake_applies_each_record_once_and_refuses_someone_elses_once() -> None:
    db, apply = intake()
    request = case_requested()
    case = request.subject
    events = [
        request,
        mediator_assigned(case),
        assessed(case),
        topics_recorded(case, CITIZEN, CITIZEN_TOPICS, shared=True),
        topics_recorded(case, ADMINISTRATION, ADMINISTRATION_TOPICS, agreed=False),
        topics_recorded(case, ADMINISTRATION, recorded_by="mediator-9"),
    ]
    outcomes = await each_twice_changes_nothing(db, apply, events)
    assert outcomes == ["applied"] * 5 + ["rejected"]
    [stored] = db["cases"].documents.values()
    assert [r["type"] for r in stored["rejected"]] == ["dk.mediation.party.topics_recorded.v1"]
    assert [(t["party_id"], t["agreed_by_party"]) for t in stored["party_topics"]] == [
        (CITIZEN, True),
        (ADMINISTRATION, False),
    ]


async def test_notifications_keeps_the_agreed_topics_and_tells_nobody_of_them() -> None:
    db, apply = notifications()
    request = requested()
    case = request.subject
    await apply(request)
    records = [
        topics_recorded(case, CITIZEN, CITIZEN_TOPICS, shared=True),
        topics_recorded(case, ADMINISTRATION, ADMINISTRATION_TOPICS, agreed=False),
    ]
    assert await each_twice_changes_nothing(db, apply, records) == ["applied"] * 2
    assert queued(db) == [], "a record of topics tells nobody"
    await apply(scheduled(case, datetime.now(UTC) + timedelta(days=10)))
    deliveries = db["notifications"].documents
    texts = {
        Deliveries.message_of(d).recipient.person_id: Deliveries.message_of(d).text
        for d in deliveries.values()
        if d.get("kind") == "delivery"
    }
    assert all(topic in texts[ADMINISTRATION] for topic in CITIZEN_TOPICS)  # shared
    assert not any(topic in text for text in texts.values() for topic in ADMINISTRATION_TOPICS)
