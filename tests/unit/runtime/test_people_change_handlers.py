"""People change during a case, through the services' real handlers over an in-memory store:
each change applied twice changes nothing, an unauthorised one is refused and remembered once,
and notifications never reaches anyone again for an event it handled before a change."""

from datetime import UTC, datetime, timedelta

from mediation_contracts.events import Companion

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    case_requested,
    companion_changed,
    details_corrected,
    mediator_assigned,
)
from tests.data.notifications import contact, requested, scheduled
from tests.unit.runtime.test_handler_idempotency import (
    each_twice_changes_nothing,
    intake,
    notifications,
    outcome_of,
    queued,
    scheduling,
)

SISTER = Companion(companion_id="companion-9", name="Søs", contact=contact("s@example.dk", None))


async def test_intake_applies_each_change_once_and_refuses_someone_elses_once() -> None:
    db, apply = intake()
    request = case_requested()
    case = request.subject
    events = [
        request,
        mediator_assigned(case),
        companion_changed(case, CITIZEN, SISTER),
        details_corrected(case, ADMINISTRATION, name="Jobcenter Syd"),
        companion_changed(case, CITIZEN),
        details_corrected(case, changed_by="mediator-9"),
    ]
    outcomes = await each_twice_changes_nothing(db, apply, events)
    assert outcomes == ["applied"] * 5 + ["rejected"]
    [stored] = db["cases"].documents.values()
    assert [r["type"] for r in stored["rejected"]] == ["dk.mediation.party.details_corrected.v1"]
    assert [p.get("companion") for p in stored["party_details"]] == [None, None]
    assert stored["party_details"][1]["name"] == "Jobcenter Syd"


async def test_scheduling_applies_each_companion_change_once() -> None:
    db, _, apply = scheduling()
    request = case_requested()
    events = [request, companion_changed(request.subject, CITIZEN, SISTER)]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied"] * 2


async def test_notifications_reaches_nobody_again_for_an_event_it_handled_before_a_change() -> None:
    db, apply = notifications()
    request = requested()
    case = request.subject
    booking = scheduled(case, datetime.now(UTC) + timedelta(days=10))
    await apply(request)
    await apply(booking)
    told = queued(db)
    assert any(f":{CITIZEN}:email" in key for key in told)
    # The citizen now wants text messages; the companion is replaced.
    sms = contact(None, "+45 20 20 20 20", channel="sms")
    changes = [details_corrected(case, contact=sms), companion_changed(case, CITIZEN, SISTER)]
    assert await each_twice_changes_nothing(db, apply, changes) == ["applied"] * 2
    assert queued(db) == told, "a change tells nobody"
    # The booking delivered again (a lost ack, a replayed dead letter): whoever it reached is
    # not reached again, not the citizen by SMS; the replaced companion gets nothing more.
    assert await outcome_of(apply, booking) == "applied"
    assert queued(db) == told
