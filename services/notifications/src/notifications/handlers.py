"""What notifications does with events, due deliveries and due reminders. The words and who is
told are in ``domain/``; how it is sent is in ``adapters/channels/``.

Idempotent per (event, recipient, channel): a redelivered event finds its deliveries exist.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast, get_args
from uuid import UUID

import structlog
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    NotificationData,
    NotificationFailed,
    NotificationFailedData,
    NotificationSent,
)
from mediation_runtime.delivery import NotYet, is_outage
from mediation_runtime.telemetry import continuing, tracer
from mediation_runtime.views import ViewStore
from opentelemetry.trace import SpanKind, Status, StatusCode

from notifications.adapters.channels.base import PermanentFailure, Sender, TransientFailure
from notifications.adapters.deliveries import Deliveries
from notifications.adapters.metrics import NotificationMetrics
from notifications.adapters.reminders import Reminders
from notifications.domain.compose import ComposeEvent, audience, compose
from notifications.domain.contacts import CaseContacts, ContactsEvent
from notifications.domain.message import Cause, Channel, Message
from notifications.domain.reminders import plan
from notifications.settings import NotificationsSettings

log = structlog.get_logger("notifications")

CONTACT_EVENTS = get_args(ContactsEvent)
LEASE = timedelta(minutes=2)
CLAIM_BATCH = 20
E = TypeVar("E", bound=CloudEvent)


@dataclass(frozen=True)
class Notifications:
    """What the handlers need, wired once by bootstrap."""

    settings: NotificationsSettings
    contacts: ViewStore[CaseContacts]
    deliveries: Deliveries
    reminders: Reminders
    senders: dict[Channel, Sender]
    wake: Callable[[], None]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    metrics: NotificationMetrics = field(default_factory=NotificationMetrics)
    erase_cases: Callable[[str, set[str]], Awaitable[int]] | None = None
    """Retention: erase every name and address left in the cases' other records (the sent
    messages, history and outbox included); bootstrap wires the shared erasure."""


def retain_until(contacts: CaseContacts, notifications: Notifications) -> datetime | None:
    return contacts.retain_until(notifications.settings.contact_retention)


# --- events ------------------------------------------------------------------------------


async def when_event_notify(event: CloudEvent, notifications: Notifications) -> None:
    contacts: CaseContacts | None = None
    if isinstance(event, CONTACT_EVENTS):
        contacts = await notifications.contacts.apply(
            cast(ContactsEvent, event),
            CaseContacts.for_event,
            CaseContacts.apply,
            retain_until=lambda view: retain_until(view, notifications),
            forgotten=lambda view: view.forgotten,
        )
    if contacts is None:  # not a contact event, or one applied before
        contacts = await notifications.contacts.get(event.tenant, event.subject)
    if contacts is None or not contacts.requested:
        # The request travels on another consumer and may still be on its way.
        raise NotYet(f"contact details of case {event.subject} are not known yet")
    if isinstance(event, MeetingCancelled) and event.data.meeting_id not in contacts.meetings:
        # Who to tell comes from the booking, which may still be on its way.
        raise NotYet(f"meeting {event.data.meeting_id} is not known yet")
    if isinstance(event, MeetingScheduled | MeetingRescheduled | MeetingCancelled):
        office = notifications.settings.office_for(event.tenant)
        current = await notifications.reminders.current(event.tenant, event.data.meeting_id)
        await notifications.reminders.store(
            plan(current, event, notifications.settings.reminder_lead, office.timezone)
        )
    cause = Cause(causation_id=event.id, correlation_id=event.correlationid or event.id)
    await _queue(event, str(event.id), event.type, cause, contacts, notifications)


async def _queue(
    trigger: ComposeEvent,
    trigger_id: str,
    trigger_name: str,
    cause: Cause,
    contacts: CaseContacts,
    notifications: Notifications,
) -> int:
    messages = compose(trigger, contacts, notifications.settings.office_for(contacts.tenant))
    people = audience(trigger, contacts)
    if contacts.people_changed:
        # Someone's details changed since the case was requested: whoever this trigger
        # reached before (a redelivered event) is not reached again, on a new channel either.
        told = await notifications.deliveries.told(trigger_id, people)
        people = [person_id for person_id in people if person_id not in told]
        messages = [message for message in messages if message.recipient.person_id not in told]
    added = 0
    for person_id in people:
        if contacts.recipient(person_id) is None:
            added += await _unreachable(
                person_id, trigger_name, trigger_id, cause, contacts, notifications
            )
    for message in messages:
        added += await notifications.deliveries.add(
            tenant=contacts.tenant,
            case_id=str(contacts.case_id),
            message=message,
            trigger=trigger_name,
            trigger_id=trigger_id,
            cause=cause,
            now=notifications.clock(),
        )
    if added:
        log.info("notifications_queued", count=added, trigger=trigger_name)
        notifications.wake()
    return added


async def _unreachable(
    person_id: str,
    trigger: str,
    trigger_id: str,
    cause: Cause,
    contacts: CaseContacts,
    notifications: Notifications,
) -> bool:
    person = contacts.person(person_id)
    channel: Channel = person.preferred_channel if person is not None else "email"
    data = NotificationFailedData(
        notification_id=f"{trigger_id}:{person_id}:unreachable",
        recipient_id=person_id,
        channel=channel,
        trigger=trigger,
        trigger_event_id=trigger_id,
        reason_code="no_address",
    )
    failed = _answering(
        NotificationFailed, contacts.tenant, contacts.case_id, data, cause, notifications
    )
    log.warning("notification_failed", reason="no_address", recipient_id=person_id)
    added = await notifications.deliveries.add_unreachable(
        tenant=contacts.tenant,
        case_id=str(contacts.case_id),
        person_id=person_id,
        channel=channel,
        trigger=trigger,
        trigger_id=trigger_id,
        event=failed,
        now=notifications.clock(),
    )
    if added:  # not again for a redelivered event
        notifications.metrics.record(channel, "failed", "no_address")
    return added


# --- periodic work -----------------------------------------------------------------------


async def send_due_reminders(notifications: Notifications) -> int:
    """Reminders whose time has come, each sent once (and never for a cancelled meeting)."""
    queued = 0
    for document, reminder_plan in await notifications.reminders.due(notifications.clock()):
        reminder = reminder_plan.reminder
        if reminder is None or reminder.starts_at <= notifications.clock():
            await notifications.reminders.sent(document)
            continue
        contacts = await notifications.contacts.get(reminder.tenant, reminder.case_id)
        if contacts is not None:
            trigger_id = f"reminder:{reminder.meeting_id}:{reminder.starts_at:%Y%m%dT%H%M}"
            booking = reminder.trigger_event_id
            cause = Cause(booking, reminder.correlation_id or booking)
            queued += await _queue(reminder, trigger_id, "reminder", cause, contacts, notifications)
        await notifications.reminders.sent(document)
    return queued


async def deliver_due(notifications: Notifications) -> int:
    """Send what is due, ``delivery_concurrency`` at a time, claiming again at once while
    the claims come back full (a backlog after an outage drains without waiting for the
    next poll) or a claim left its query for after the new deliveries it took. Each
    delivery on its own: one failing recipient blocks nobody. Woken by a new delivery, the
    worker claims it without a query; it queries for the rest once per
    ``worker_poll_seconds`` (:meth:`Deliveries.claim_due`)."""
    at_once = notifications.settings.delivery_concurrency
    poll = notifications.settings.worker_poll_seconds
    handled = 0
    while True:
        claimed = await notifications.deliveries.claim_due(
            notifications.clock(), LEASE, CLAIM_BATCH, query_every=poll
        )
        for start in range(0, len(claimed), at_once):
            batch = claimed[start : start + at_once]
            await asyncio.gather(*(_deliver(delivery, notifications) for delivery in batch))
        handled += len(claimed)
        if len(claimed) < CLAIM_BATCH and not notifications.deliveries.query_deferred:
            return handled


_TRACER = tracer("notifications")


async def _deliver(delivery: dict[str, Any], notifications: Notifications) -> None:
    """One attempt at one delivery, as a span in the trace of the event that queued it
    (ids, channel and codes only)."""
    message = Deliveries.message_of(delivery)
    attempts = delivery["attempts"] + 1
    with (
        structlog.contextvars.bound_contextvars(
            notification_id=delivery["_id"],
            case_id=delivery["case_id"],
            tenant=delivery["tenant"],
            channel=message.channel,
            attempt=attempts,
        ),
        continuing(Deliveries.trace_of(delivery)),
        _TRACER.start_as_current_span(
            f"notification {message.channel} deliver",
            kind=SpanKind.CLIENT,
            # An exception's text may quote an address: its type only (below).
            record_exception=False,
            set_status_on_exception=False,
            attributes={
                "mediation.case_id": delivery["case_id"],
                "mediation.tenant": delivery["tenant"],
                "mediation.notification.channel": message.channel,
                "mediation.notification.attempt": attempts,
            },
        ) as span,
    ):
        try:
            outcome, code = await _attempt(delivery, message, attempts, notifications)
        except Exception as error:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise
        span.set_attribute("mediation.notification.outcome", outcome)
        span.set_attribute("mediation.notification.code", code)
        notifications.metrics.record(message.channel, outcome, code)


async def _attempt(
    delivery: dict[str, Any], message: Message, attempts: int, notifications: Notifications
) -> tuple[str, str]:
    """Send, and record what came of it; the outcome and code (sent/none, failed, retried)."""
    delays = notifications.settings.delivery_retry_delays
    try:
        reference = await notifications.senders[message.channel].send(message)
    except PermanentFailure as failure:
        await _failed(delivery, attempts, failure.code, notifications)
        return "failed", failure.code
    except (TransientFailure, OSError, TimeoutError) as failure:
        code = failure.code if isinstance(failure, TransientFailure) else type(failure).__name__
        if attempts > len(delays):
            await _failed(delivery, attempts, f"gave_up_after_retries:{code}", notifications)
            return "failed", f"gave_up_after_retries:{code}"
        delay = retry_delay(failure, attempts, delays)
        log.info("notification_will_retry", reason=code, delay_seconds=delay)
        await notifications.deliveries.retry_later(
            delivery["_id"],
            attempts=attempts,
            at=notifications.clock() + timedelta(seconds=delay),
            reason=code,
            held=delivery,
        )
        return "retried", code
    await _finish(
        delivery,
        attempts,
        notifications,
        NotificationSent,
        _data(delivery),
        state="sent",
        detail={"provider_reference": reference, "sent_at": notifications.clock()},
    )
    log.info("notification_sent")
    return "sent", "none"


RETRY_AFTER_CAP_SECONDS = 6 * 3600.0
"""A provider's ``Retry-After`` is honoured up to this; beyond, our own delays decide."""


def retry_delay(failure: BaseException, attempts: int, delays: list[float]) -> float:
    """Seconds before the next attempt: ours for this attempt, or longer when the provider
    asked for more (HTTP 429/503 ``Retry-After``), capped so a wild hint cannot park a
    notification for days."""
    ours = delays[attempts - 1]
    hint = failure.retry_after if isinstance(failure, TransientFailure) else None
    return ours if hint is None else max(ours, min(hint, RETRY_AFTER_CAP_SECONDS))


async def _failed(
    delivery: dict[str, Any], attempts: int, code: str, notifications: Notifications
) -> None:
    data = NotificationFailedData(**_data(delivery).model_dump(), reason_code=code)
    detail = {"failure": code, "failed_at": notifications.clock()}
    await _finish(
        delivery, attempts, notifications, NotificationFailed, data, state="failed", detail=detail
    )
    log.warning("notification_failed", reason=code)


async def _finish(
    delivery: dict[str, Any],
    attempts: int,
    notifications: Notifications,
    outcome: type[NotificationSent] | type[NotificationFailed],
    data: NotificationData,
    *,
    state: str,
    detail: dict[str, Any],
) -> None:
    """Record the delivery's outcome with its event, in one write. A message that went out
    must be recorded, or it goes out again once its lease ends: through a database outage,
    keep trying (the worker sends nothing else meanwhile). Only a crash between sending and
    recording can still send it twice."""
    event = _answering(
        outcome,
        delivery["tenant"],
        UUID(delivery["case_id"]),
        data,
        Deliveries.cause_of(delivery),
        notifications,
    )
    attempt = 0
    while True:
        try:
            await notifications.deliveries.finish(
                delivery["_id"],
                state=state,
                attempts=attempts,
                event=event,
                detail=detail,
                held=delivery if attempt == 0 else None,  # after an outage: read it again
            )
            return
        except Exception as error:
            if not is_outage(error):
                raise
            attempt += 1
            log.warning(
                "notification_record_waiting", error_type=type(error).__name__, attempt=attempt
            )
            await asyncio.sleep(min(2.0, 0.1 * 2**attempt))


def _answering(
    kind: type[E],
    tenant: str,
    case_id: UUID,
    data: object,
    cause: Cause | None,
    notifications: Notifications,
) -> E:
    """NotificationSent or NotificationFailed, in the conversation of the event it answers."""
    return kind.create(
        tenant=tenant,
        case_id=case_id,
        source=notifications.settings.source,
        data=data,
        correlationid=cause.correlation_id if cause is not None else None,
        causationid=cause.causation_id if cause is not None else None,
    )


def _data(delivery: dict[str, Any]) -> NotificationData:
    return NotificationData(
        notification_id=delivery["_id"],
        recipient_id=delivery["recipient_id"],
        channel=delivery["channel"],
        trigger=delivery["trigger"],
        trigger_event_id=delivery["trigger_id"],
    )


async def forget_expired_contacts(notifications: Notifications) -> int:
    """Contact details are kept no longer than needed: gone ``contact_retention`` after close."""
    expired = await notifications.contacts.find(
        {"retain_until": {"$lte": notifications.clock()}, "forgotten": False}
    )
    by_tenant: dict[str, set[str]] = {}
    for tenant, case_id in expired:
        await notifications.contacts.rewrite(tenant, case_id, CaseContacts.forget, forgotten=True)
        by_tenant.setdefault(tenant, set()).add(str(case_id))
    if notifications.erase_cases is not None:
        # The view forgets; the messages sent to them (and older versions) must too.
        for tenant, case_ids in sorted(by_tenant.items()):
            documents = await notifications.erase_cases(tenant, case_ids)
            log.info("contacts_forgotten", tenant=tenant, cases=len(case_ids), documents=documents)
    return len(expired)
