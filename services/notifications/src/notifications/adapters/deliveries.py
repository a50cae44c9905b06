"""Deliveries and due reminders in ``mediation_notifications.notifications``.

A delivery is one message to one person on one channel, keyed by what caused it, the
recipient and the channel: the same event delivered twice can never create a second
delivery. Its state (pending, sent, failed), attempts and next attempt are kept with it, as
are the correlation and causation ids its NotificationSent/Failed event carries; that event
goes out through the document's outbox.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.outbox import outbox_entry
from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from notifications.domain.message import Cause, Message

_MESSAGE = TypeAdapter(Message)


class Deliveries:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        on_outbox_written: Callable[[str], None],
    ) -> None:
        self._collection = collection
        self._on_outbox_written = on_outbox_written

    async def create_indexes(self) -> None:
        await self._collection.create_index(
            [("kind", ASCENDING), ("state", ASCENDING), ("next_attempt_at", ASCENDING)]
        )

    async def add(
        self,
        *,
        tenant: str,
        case_id: str,
        message: Message,
        trigger: str,
        trigger_id: str,
        cause: Cause,
        now: datetime,
    ) -> bool:
        """A new pending delivery; False when this one exists already (a redelivery)."""
        delivery_id = f"{trigger_id}:{message.recipient.person_id}:{message.channel}"
        try:
            await self._collection.insert_one(
                {
                    "_id": delivery_id,
                    "kind": "delivery",
                    "tenant": tenant,
                    "case_id": case_id,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "lease_until": now,
                    "trigger": trigger,
                    "trigger_id": trigger_id,
                    "recipient_id": message.recipient.person_id,
                    "channel": message.channel,
                    "message": _MESSAGE.dump_json(message).decode(),
                    "correlation_id": str(cause.correlation_id),
                    "causation_id": str(cause.causation_id),
                    "outbox": [],
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def add_unreachable(
        self,
        *,
        tenant: str,
        case_id: str,
        person_id: str,
        channel: str,
        trigger: str,
        trigger_id: str,
        event: CloudEvent,
        now: datetime,
    ) -> bool:
        """Nobody to send to: recorded as failed at once, with its event (staff call instead)."""
        try:
            await self._collection.insert_one(
                {
                    "_id": f"{trigger_id}:{person_id}:unreachable",
                    "kind": "delivery",
                    "tenant": tenant,
                    "case_id": case_id,
                    "state": "failed",
                    "failure": "no_address",
                    "failed_at": now,
                    "trigger": trigger,
                    "trigger_id": trigger_id,
                    "recipient_id": person_id,
                    "channel": channel,
                    "outbox": [outbox_entry(event)],
                }
            )
        except DuplicateKeyError:
            return False
        self._on_outbox_written(f"{trigger_id}:{person_id}:unreachable")
        return True

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Pending deliveries whose time has come, each leased to this worker for ``lease``."""
        cursor = self._collection.find(
            {
                "kind": "delivery",
                "state": "pending",
                "next_attempt_at": {"$lte": now},
                "lease_until": {"$lte": now},
            },
        ).limit(limit)
        claimed = []
        async for delivery in cursor:
            result = await self._collection.update_one(
                {
                    "_id": delivery["_id"],
                    "state": "pending",
                    "lease_until": delivery["lease_until"],
                },
                {"$set": {"lease_until": now + lease}},
            )
            if result.modified_count == 1:
                claimed.append(delivery)
        return claimed

    @staticmethod
    def message_of(delivery: dict[str, Any]) -> Message:
        return _MESSAGE.validate_json(delivery["message"])

    @staticmethod
    def cause_of(delivery: dict[str, Any]) -> Cause | None:
        """None for a delivery queued before the ids were kept with it."""
        if "causation_id" not in delivery:
            return None
        return Cause(UUID(delivery["causation_id"]), UUID(delivery["correlation_id"]))

    async def finish(
        self,
        delivery_id: str,
        *,
        state: str,
        attempts: int,
        event: CloudEvent,
        detail: dict[str, Any],
    ) -> None:
        """Sent or failed for good, with its event, in one write."""
        await self._collection.update_one(
            {"_id": delivery_id},
            {
                "$set": {"state": state, "attempts": attempts, **detail},
                "$push": {"outbox": outbox_entry(event)},
            },
        )
        self._on_outbox_written(delivery_id)

    async def retry_later(
        self, delivery_id: str, *, attempts: int, at: datetime, reason: str
    ) -> None:
        await self._collection.update_one(
            {"_id": delivery_id},
            {
                "$set": {
                    "attempts": attempts,
                    "next_attempt_at": at,
                    "lease_until": at,
                    "last_failure": reason,
                }
            },
        )
