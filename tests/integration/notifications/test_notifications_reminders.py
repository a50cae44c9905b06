"""Reminders: sent once, at the right time, never for a cancelled meeting. Time is driven
through the service's injectable clock, against a real database and SMTP server."""

import json
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from mediation_contracts.events import MeetingCancelled, MeetingCancelledData
from mediation_runtime.documents import VersionedDocuments
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.views import ViewStore
from notifications import handlers
from notifications.adapters.channels.factory import senders_from_settings
from notifications.adapters.deliveries import Deliveries
from notifications.adapters.reminders import Reminders
from notifications.domain.contacts import CaseContacts
from notifications.handlers import Notifications
from notifications.settings import NotificationsSettings

from tests.data.scenario import Scenario
from tests.integration.notifications.conftest import live_channels
from tests.integration.notifications.smtp_server import Recorder
from tests.integration.notifications.test_notifications_flow import (
    COPENHAGEN,
    MEETING_START,
    answers,
    meeting,
    people,
)

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def service(
    mongodb_url: str, smtp_server: Controller
) -> AsyncIterator[tuple[Notifications, Clock]]:
    clock = Clock(MEETING_START - timedelta(days=10))
    settings = NotificationsSettings(
        nats_url="nats://127.0.0.1:9",
        mongodb_url=mongodb_url,
        database=f"mediation_notifications_{secrets.token_hex(4)}",
        **live_channels(smtp_server.port),  # type: ignore[arg-type]
    )
    client = create_mongo_client(mongodb_url)
    database = client[settings.database]
    notifications = VersionedDocuments(database, "notifications")
    yield (
        Notifications(
            settings=settings,
            contacts=ViewStore(VersionedDocuments(database, "contacts"), CaseContacts),
            deliveries=Deliveries(notifications),
            reminders=Reminders(notifications),
            senders=senders_from_settings(settings.channels()),
            wake=lambda: None,
            clock=clock,
        ),
        clock,
    )
    await client.drop_database(settings.database)
    await client.close()


async def test_a_reminder_is_sent_once_two_days_before_and_never_for_a_cancelled_meeting(
    service: tuple[Notifications, Clock], mailbox: Recorder, mongodb_url: str
) -> None:
    notifications, clock = service
    case = Scenario.new()
    citizen = f"karen-{case.tenant}@example.dk"
    request = people(case, citizen, f"unit-{case.tenant}@example.dk")
    kept = meeting(case)
    called_off = meeting(case, MEETING_START + timedelta(days=7))
    cancel = MeetingCancelled.create(
        tenant=case.tenant,
        case_id=case.case_id,
        source="/t",
        data=MeetingCancelledData(
            meeting_id=called_off.data.meeting_id,
            starts_at=called_off.data.starts_at,
            reason_code="requested",
        ),
    )
    for event in (
        request,
        kept,
        called_off,
        cancel,
    ):
        await handlers.when_event_notify(event, notifications)
    await handlers.deliver_due(notifications)
    booking_mails = len(mailbox.to(citizen))
    # Two days before on the Copenhagen wall clock: 10:00 local on the 28th.
    due = (MEETING_START.astimezone(COPENHAGEN) - timedelta(days=2)).astimezone(COPENHAGEN)

    clock.now = due - timedelta(minutes=1)
    assert await handlers.send_due_reminders(notifications) == 0

    clock.now = due + timedelta(minutes=1)
    assert await handlers.send_due_reminders(notifications) == 3  # citizen, unit and companion
    await handlers.deliver_due(notifications)
    reminders = mailbox.to(citizen)[booking_mails:]
    assert len(reminders) == 1
    assert "kl. 10.00" in reminders[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # Each NotificationSent of a reminder answers the booking it reminds of.
    client = create_mongo_client(mongodb_url)
    # The events committed with the deliveries' changes (what the relay publishes).
    changes = client[notifications.settings.database]["notifications_changes"]
    records = changes.find({"document.trigger": "reminder"})
    sent = [json.loads(entry["payload"]) async for r in records for entry in r["outbox"]]
    await client.close()
    assert len(sent) == 3
    assert all(answers(event, kept) for event in sent)

    clock.now = due + timedelta(days=1)  # later rounds send nothing again
    assert await handlers.send_due_reminders(notifications) == 0
    clock.now = called_off.data.starts_at - timedelta(days=1)  # the cancelled one never comes
    assert await handlers.send_due_reminders(notifications) == 0
    await handlers.deliver_due(notifications)
    assert len(mailbox.to(citizen)) == booking_mails + 1


async def test_a_backlog_larger_than_one_claim_goes_out_in_one_round(
    service: tuple[Notifications, Clock], mailbox: Recorder
) -> None:
    """After an outage the due messages go out at once, claim after claim, not one claim
    (20) per poll."""
    notifications, _ = service
    citizens = []
    for _ in range(8):  # a booking tells the citizen, the unit and the companion: 24 messages
        case = Scenario.new()
        citizens.append(f"karen-{case.tenant}@example.dk")
        await handlers.when_event_notify(
            people(case, citizens[-1], f"unit-{case.tenant}@example.dk"), notifications
        )
        await handlers.when_event_notify(meeting(case), notifications)
    assert await handlers.deliver_due(notifications) > handlers.CLAIM_BATCH
    assert all(mailbox.to(citizen) for citizen in citizens)
    assert await handlers.deliver_due(notifications) == 0


async def test_a_query_put_off_for_new_deliveries_runs_in_the_same_round(
    service: tuple[Notifications, Clock], mailbox: Recorder
) -> None:
    """The worker sends the deliveries it was handed before the poll's query, then queries
    in the same round: what only the query finds (another replica's, say) is not left for
    the next poll."""
    notifications, clock = service
    deliveries = notifications.deliveries
    assert await handlers.deliver_due(notifications) == 0  # the first query, at start
    first, second = Scenario.new(), Scenario.new()
    await handlers.when_event_notify(
        people(first, f"karen-{first.tenant}@example.dk", f"unit-{first.tenant}@example.dk"),
        notifications,
    )
    await handlers.when_event_notify(meeting(first), notifications)
    deliveries._fresh.clear()  # as if another replica had queued these three
    await handlers.when_event_notify(
        people(second, f"karen-{second.tenant}@example.dk", f"unit-{second.tenant}@example.dk"),
        notifications,
    )
    await handlers.when_event_notify(meeting(second), notifications)
    clock.now += timedelta(seconds=notifications.settings.worker_poll_seconds)
    assert await handlers.deliver_due(notifications) == 6
    assert mailbox.to(f"karen-{first.tenant}@example.dk")
    assert mailbox.to(f"karen-{second.tenant}@example.dk")
    assert not deliveries.query_deferred
