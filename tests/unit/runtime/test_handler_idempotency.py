"""Every service's event handlers are idempotent: an event delivered again (redelivered,
re-published, replayed from a dead letter) changes nothing, and events of a case that come
before its request, or twice, behave as README "Delivery" says. The handlers run on their
real repositories and :class:`VersionedDocuments`, over an in-memory store."""

import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from mediation_contracts.commands import BookMeeting, SuggestSlots
from mediation_contracts.envelope import CloudEvent
from mediation_runtime.delivery import NotYet, Rejected
from mediation_runtime.views import ViewStore

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    MEDIATOR,
    TENANT,
    assessed,
    case_requested,
    consent_declined,
    consent_given,
    mediator_assigned,
    outcome_recorded,
    withdrew,
)
from tests.unit.runtime.memory_store import MemoryDatabase

Apply = Callable[[CloudEvent], Awaitable[None]]


async def outcome_of(apply: Apply, event: CloudEvent) -> str:
    try:
        await apply(event)
    except Rejected:
        return "rejected"
    except NotYet:
        return "not yet"
    return "applied"


async def each_twice_changes_nothing(
    db: MemoryDatabase, apply: Apply, events: Sequence[CloudEvent]
) -> list[str]:
    """Apply each event, then again at once: the second time nothing stored changes, and it
    ends as the first did. Then the whole history again, as a replay: nothing changes. Returns
    how each event ended."""
    outcomes = []
    for event in events:
        first = await outcome_of(apply, event)
        before = db.snapshot()
        again = await outcome_of(apply, event)
        assert db.snapshot() == before, f"{type(event).__name__} applied twice"
        assert again == first, type(event).__name__
        outcomes.append(first)
    before = db.snapshot()
    for event in events:
        await outcome_of(apply, event)
    assert db.snapshot() == before, "a replay of the case's events"
    return outcomes


def types(outbox: Sequence[dict[str, Any]]) -> list[str]:
    """``<aggregate>.<event>`` of each event in an outbox."""
    return [entry["subject"].split(".", 3)[3] for entry in outbox]


# --- intake ------------------------------------------------------------------------------


def intake() -> tuple[MemoryDatabase, Apply]:
    from intake.adapters.case_repository import CaseRepository
    from intake.entrypoints.subscribers import CONSUMES
    from intake.handlers import when_case_event_apply_it, when_case_requested_open_case

    db = MemoryDatabase()
    cases = CaseRepository(db.documents("cases"))

    async def apply(event: CloudEvent) -> None:
        assert type(event) in CONSUMES
        if event.type == CONSUMES[0].type_name():
            await when_case_requested_open_case(event, cases, "/mediation/intake")  # type: ignore[arg-type]
        else:
            await when_case_event_apply_it(event, cases)

    return db, apply


async def test_intake_applies_each_event_of_a_case_once() -> None:
    db, apply = intake()
    request = case_requested()
    case = request.subject
    events = [
        request,
        assessed(case),
        mediator_assigned(case),
        consent_given(case, ADMINISTRATION),
        outcome_recorded(case),
    ]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied"] * 5
    assert types(db.outbox("cases")) == [
        "consent.requested",
        "case.ready_for_scheduling",
        "case.closed",
    ], "each outgoing event committed once"


async def test_intake_refuses_what_a_case_does_not_allow_once_and_remembers_it_once() -> None:
    db, apply = intake()
    request = case_requested()
    case = request.subject
    events = [
        request,
        consent_declined(case, ADMINISTRATION),
        assessed(case),  # the case ended with the declined consent
        withdrew(case, CITIZEN),
        case_requested(case_id=case),  # another request for the same case id
    ]
    outcomes = await each_twice_changes_nothing(db, apply, events)
    assert outcomes == ["applied", "applied", "rejected", "rejected", "rejected"]
    [stored] = db["cases"].documents.values()
    assert [r["type"] for r in stored["rejected"]] == [
        "dk.mediation.case.assessed.v1",
        "dk.mediation.party.withdrew.v1",
    ], "each refusal remembered once, for its sender"


async def test_intake_keeps_an_event_before_its_case_waiting_and_applies_it_once_after() -> None:
    db, apply = intake()
    request = case_requested()
    early = assessed(request.subject)
    assert await outcome_of(apply, early) == "not yet"
    assert db.snapshot(["cases"]) == {"cases": {}}, "nothing kept of it"
    assert await each_twice_changes_nothing(db, apply, [request, early]) == ["applied"] * 2


# --- scheduling ----------------------------------------------------------------------------


def scheduling() -> tuple[MemoryDatabase, Any, Apply]:
    from scheduling import handlers
    from scheduling.adapters.meetings import Meetings
    from scheduling.adapters.reservations import Reservations
    from scheduling.domain.case_view import CaseView
    from scheduling.settings import SchedulingSettings

    db = MemoryDatabase()
    settings = SchedulingSettings()
    deps = handlers.Scheduling(
        settings=settings,
        views=ViewStore(db.documents("case_views"), CaseView),
        meetings=Meetings(db.documents("meetings")),
        reservations=Reservations(db["reservations"], settings.policy_for("default").granularity),  # type: ignore[arg-type]
    )

    async def apply(event: CloudEvent) -> None:
        await handlers.when_case_event_update_view(event, deps)  # type: ignore[arg-type]

    return db, deps, apply


async def book(deps: Any, case_id: UUID) -> str:
    from scheduling import handlers

    suggestion = SuggestSlots(case_id=case_id, kind="mediation", format="joint", count=1)
    slots = (await handlers.suggest(suggestion, TENANT, deps)).slots
    assert slots, "a free time to book"
    command = BookMeeting(
        command_id=uuid4(),
        case_id=case_id,
        kind="mediation",
        format="joint",
        starts_at=slots[0].starts_at,
        requested_by=MEDIATOR,
    )
    reply = await handlers.book_meeting(command, TENANT, deps)
    assert reply.meeting is not None, reply.error
    return reply.meeting.meeting_id


async def test_scheduling_applies_each_event_of_a_case_once_and_calls_off_a_meeting_once() -> None:
    from tests.data.events import case_closed, ready_for_scheduling

    db, deps, apply = scheduling()
    request = case_requested()
    case = request.subject
    opened = [
        request,
        assessed(case),
        mediator_assigned(case),
        consent_given(case, ADMINISTRATION),
        ready_for_scheduling(case),
    ]
    assert await each_twice_changes_nothing(db, apply, opened) == ["applied"] * 5
    meeting_id = await book(deps, case)
    assert db["reservations"].documents, "the meeting's time is held"

    ended = [withdrew(case, CITIZEN), case_closed(case)]
    assert await each_twice_changes_nothing(db, apply, ended) == ["applied"] * 2
    assert types(db.outbox("meetings")) == ["meeting.scheduled", "meeting.cancelled"]
    assert db["meetings"].documents[meeting_id]["status"] == "cancelled"
    assert db["reservations"].documents == {}, "released"


async def test_scheduling_keeps_events_that_come_before_their_case_s_request() -> None:
    # Its view is built from whichever event comes first; the request fills it in later.
    db, _, apply = scheduling()
    request = case_requested()
    events = [mediator_assigned(request.subject), assessed(request.subject), request]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied"] * 3
    [view] = db["case_views"].documents.values()
    assert len(view["applied"]) == 3


# --- notes ---------------------------------------------------------------------------------


class Proofs:
    """Assignment proofs that name ``actor``: the checks of the proof itself are the notes
    tests' (tests/unit/notes); here only what an applied assignment does twice."""

    may_block = False  # keys in memory, as from a file

    def __init__(self, actor: Any) -> None:
        self._actor = actor

    def actor(self, event: CloudEvent, now: datetime) -> Any:
        return self._actor


def notes(proven_by: str | None = MEDIATOR) -> tuple[MemoryDatabase, Apply]:
    from notes import asyncapi, handlers
    from notes.adapters.audit import AuditTrail
    from notes.adapters.cases import NotesCases
    from notes.domain.identity import Identity

    db = MemoryDatabase()
    actor = (
        Identity(subject=proven_by, role="mediator", tenant=TENANT)
        if proven_by
        else Identity(subject="caseworker-1", role="caseworker", tenant=TENANT)
    )
    deps = handlers.Notes(
        settings=notes_settings(asyncapi),
        cases=NotesCases(db.documents("cases")),
        audit=AuditTrail(db["audit"]),  # type: ignore[arg-type]
        keyring=None,  # type: ignore[arg-type]
        verifier=None,  # type: ignore[arg-type]
        proofs=Proofs(actor),  # type: ignore[arg-type]
    )

    async def apply(event: CloudEvent) -> None:
        await handlers.when_case_event_update_view(event, deps)

    return db, apply


@functools.cache
def notes_settings(asyncapi: Any) -> Any:
    """Notes' settings as its AsyncAPI document is made with (made once: a key pair)."""
    return asyncapi.settings()


async def test_notes_applies_each_event_of_a_case_once() -> None:
    from tests.data.events import case_closed, sharing_agreed, summary_consent_given

    db, apply = notes()
    request = case_requested()
    case = request.subject
    events = [
        mediator_assigned(case),
        request,
        summary_consent_given(case),
        sharing_agreed(case, CITIZEN),
        withdrew(case, ADMINISTRATION),
        case_closed(case),
    ]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied"] * 6
    [stored] = db["cases"].documents.values()
    assert len(stored["applied"]) == 6


async def test_notes_refuses_an_unproven_assignment_every_time_and_keeps_nothing_of_it() -> None:
    db, apply = notes(proven_by=None)
    request = case_requested()
    events = [request, mediator_assigned(request.subject)]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied", "rejected"]
    [stored] = db["cases"].documents.values()
    assert len(stored["applied"]) == 1


# --- notifications -------------------------------------------------------------------------


def notifications_on(db: MemoryDatabase, **deps: Any) -> Any:
    from notifications import handlers
    from notifications.adapters.deliveries import Deliveries
    from notifications.adapters.reminders import Reminders
    from notifications.domain.contacts import CaseContacts
    from notifications.settings import NotificationsSettings

    outbox = db.documents("notifications")
    return handlers.Notifications(
        settings=NotificationsSettings(),
        contacts=ViewStore(db.documents("contacts"), CaseContacts),
        deliveries=Deliveries(outbox),
        reminders=Reminders(outbox),
        wake=lambda: None,
        **{"senders": {}, **deps},
    )


def notifications() -> tuple[MemoryDatabase, Apply]:
    from notifications import handlers

    db = MemoryDatabase()
    deps = notifications_on(db)

    async def apply(event: CloudEvent) -> None:
        await handlers.when_event_notify(event, deps)

    return db, apply


def queued(db: MemoryDatabase) -> list[str]:
    return sorted(
        key for key, d in db["notifications"].documents.items() if d.get("kind") == "delivery"
    )


async def test_notifications_queues_each_message_of_an_event_once() -> None:
    from tests.data.events import case_closed as closed
    from tests.data.events import consent_requested, summary_shared
    from tests.data.notifications import cancelled, requested, rescheduled, scheduled

    db, apply = notifications()
    request = requested()
    case = request.subject
    now = datetime.now(UTC)
    booking = scheduled(case, now + timedelta(days=10))
    moved = rescheduled(booking, now + timedelta(days=12), moved_at=now)
    events = [
        request,
        consent_requested(case),
        booking,
        moved,
        cancelled(moved, cancelled_at=now),
        withdrew(case, ADMINISTRATION),
        closed(case),
        summary_shared(case),
    ]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied"] * 8
    deliveries = queued(db)
    assert deliveries, "people were told"
    assert len(deliveries) == len(set(deliveries))
    stored = db["notifications"].documents.values()
    assert {d["trigger_id"] for d in stored if "trigger_id" in d} <= {str(e.id) for e in events}


async def test_notifications_waits_for_the_request_and_for_a_cancellations_booking() -> None:
    from tests.data.notifications import cancelled, requested, scheduled

    db, apply = notifications()
    request = requested()
    now = datetime.now(UTC)
    booking = scheduled(request.subject, now + timedelta(days=10))
    cancellation = cancelled(booking, cancelled_at=now)

    assert await outcome_of(apply, booking) == "not yet", "the contact details are in the request"
    assert queued(db) == []
    assert await outcome_of(apply, request) == "applied"
    assert await each_twice_changes_nothing(db, apply, [booking]) == ["applied"]

    other = requested()
    later_booking = scheduled(other.subject, now + timedelta(days=10), meeting_id="meeting-2")
    early_cancellation = cancelled(later_booking, cancelled_at=now)
    assert await outcome_of(apply, other) == "applied"
    told = queued(db)
    assert await outcome_of(apply, early_cancellation) == "not yet", "whom to tell: the booking"
    assert queued(db) == told
    events = [later_booking, early_cancellation, cancellation]
    assert await each_twice_changes_nothing(db, apply, events) == ["applied"] * 3


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


async def test_a_message_sent_again_after_a_crash_keeps_its_key() -> None:
    """Killed after the provider accepted a message but before the record: when the lease
    ends the message is sent again, with the key (Message-ID, Idempotency-Key) it had."""
    from notifications import handlers
    from notifications.domain.message import Message

    from tests.data.events import consent_requested
    from tests.data.notifications import requested

    class Killed(BaseException):
        """The process dying mid-delivery: nothing after the send runs."""

    class Provider:
        name = "email"

        def __init__(self) -> None:
            self.accepted: list[Message] = []
            self.dies = True

        async def send(self, message: Message) -> str:
            self.accepted.append(message)
            if self.dies:
                self.dies = False
                raise Killed
            return "accepted"

    db, provider, now = MemoryDatabase(), Provider(), [datetime.now(UTC)]
    deps = notifications_on(db, senders={"email": provider}, clock=lambda: now[0])
    request = requested()
    await handlers.when_event_notify(request, deps)
    await handlers.when_event_notify(consent_requested(request.subject), deps)
    with pytest.raises(Killed):
        await handlers.deliver_due(deps)
    assert await handlers.deliver_due(deps) == 0, "leased to the worker that died"

    now[0] += handlers.LEASE + timedelta(seconds=1)
    assert await handlers.deliver_due(deps) >= 1
    keys = [m.key for m in provider.accepted]
    assert len(keys) >= 2
    assert keys[0] == keys[1] != ""
    assert len(set(keys)) == len(keys) - 1, "only the interrupted message was sent twice"
