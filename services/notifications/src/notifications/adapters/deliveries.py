"""Deliveries and due reminders in ``mediation_notifications.notifications``.

A delivery is one message to one person on one channel, keyed by what caused it, the
recipient and the channel: the same event delivered twice can never create a second
delivery. Its state (pending, sent, failed), attempts and next attempt are kept with it, as
are the correlation and causation ids its NotificationSent/Failed event carries; that event
is committed with the change that records the outcome (:mod:`mediation_runtime.documents`).
Claiming a delivery is a commit too, so of two replicas exactly one sends it. A worker
killed after the provider accepted a message but before its record leaves the delivery to
be sent again when the lease ends: at least once, with the same key (see ``Message.key``).

Finding what is due: a delivery this process just created is claimed on the head it wrote,
with no query; a query finds the others (a retry whose time has come, a lease run out,
another replica's), when the worker polls, after the new ones it was handed. On FerretDB
any filter but one ``_id`` reads the whole collection, and every delivery stays in it until
retention: a query per new message would read them all for each one.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.documents import (
    ConcurrentUpdate,
    Decision,
    Document,
    VersionedDocuments,
    fields_of,
)
from mediation_runtime.telemetry import current_trace_context
from pydantic import TypeAdapter
from pymongo import ASCENDING

from notifications.domain.message import Cause, Channel, Message

_MESSAGE = TypeAdapter(Message)
FRESH_LIMIT = 1000
"""New deliveries kept in memory for the worker at most; beyond, the worker queries (a
burst faster than the channels: each holds its message)."""


class Deliveries:
    def __init__(self, documents: VersionedDocuments) -> None:
        self._documents = documents
        self._collection = documents.heads
        self._fresh: dict[str, Document] = {}
        """Deliveries this process created and its worker has not claimed: id to head."""
        self._queried_at: datetime | None = None
        self._query_again = True
        """The last query came back full, or new deliveries were not kept in memory."""
        self.query_deferred = False
        """The last claim took new deliveries and left a query that was due for later: the
        worker claims again at once."""

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
        document: Document = {
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
            # The trace of the event that queued it: its sending is a span in that trace.
            **({"trace": trace} if (trace := current_trace_context()) else {}),
        }
        if not await self._create(delivery_id, document):
            return False
        if len(self._fresh) < FRESH_LIMIT:
            # What this process committed as version 1: the worker claims it on this head.
            self._fresh[delivery_id] = {**document, "_id": delivery_id, "version": 1}
        else:
            self._query_again = True
        return True

    async def told(self, trigger_id: str, person_ids: Iterable[str]) -> set[str]:
        """The people among ``person_ids`` who already have a delivery for ``trigger_id``, on
        any channel or as unreachable: after a change of their details, a redelivered event
        must not reach them again on another channel. One read by ``_id`` per possible
        delivery: FerretDB (SQLite) reads the whole collection for any other filter, ``$in``
        included."""
        suffixes = (*get_args(Channel), "unreachable")
        ids = [f"{trigger_id}:{person}:{suffix}" for person in person_ids for suffix in suffixes]
        found = await asyncio.gather(
            *(self._collection.find_one({"_id": id_}, {"recipient_id": 1}) for id_ in ids)
        )
        return {str(document["recipient_id"]) for document in found if document is not None}

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
        return await self._create(
            f"{trigger_id}:{person_id}:unreachable",
            {
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
            },
            [event],
        )

    async def _create(
        self, delivery_id: str, document: Document, events: list[CloudEvent] | None = None
    ) -> bool:
        """False when the delivery exists already (a redelivered event)."""

        def decide(head: Document | None) -> Decision[bool]:
            if head is not None:
                return Decision(False)
            return Decision(True, document, events or [])

        return await self._documents.change(delivery_id, decide)

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int = 20, query_every: float = 0.0
    ) -> list[dict[str, Any]]:
        """Pending deliveries whose time has come, each leased to this worker for ``lease``.

        First those this process created since (claimed on the head it wrote, without a
        read); then, with room left, a query for the others, when ``query_every`` seconds
        have passed since the last one (or it came back full: a backlog goes on at once).
        A claim that took new deliveries leaves a due query to the next claim, which the
        worker makes at once (:attr:`query_deferred`), unless it is a whole ``query_every``
        late: on FerretDB the query reads the whole collection, and a new message claimed
        with it waited for that (measured at 1 case/s, 100 cases: every fifth consent
        request's claim took 8-31 ms instead of 5, growing with the collection).
        Another replica's worker may have claimed one meanwhile: its lease commit then loses
        and it is left to that worker. So is one changed since it was created (a correction
        or an erasure of its message is its next version)."""
        found = [self._fresh.pop(key) for key in list(islice(self._fresh, limit))]
        query = len(found) < limit and self._query_due(now, query_every)
        self.query_deferred = query and bool(found) and not self._query_due(now, 2 * query_every)
        if query and not self.query_deferred:
            self._queried_at = now
            due = {
                "kind": "delivery",
                "state": "pending",
                "next_attempt_at": {"$lte": now},
                "lease_until": {"$lte": now},
            }
            # As many as a claim takes: some may be among those just taken from memory.
            queried = [d async for d in self._collection.find(due).limit(limit)]
            self._query_again = len(queried) == limit
            known = {delivery["_id"] for delivery in found}
            for delivery in queried:
                self._fresh.pop(delivery["_id"], None)
                if delivery["_id"] not in known and len(found) < limit:
                    found.append(delivery)
        claimed = []
        for delivery in found:
            fields = fields_of(delivery)
            leased = {**fields, "lease_until": now + lease}
            try:
                await self._documents.commit(delivery["_id"], delivery, Decision(None, leased))
            except ConcurrentUpdate:
                # Another replica claimed it, or the stored head is behind: catch it up.
                await self._documents.latest(delivery["_id"])
                continue
            except BaseException:
                # The database away, say: what was taken from memory and not claimed is
                # pending still; the next round queries for it instead of waiting a poll.
                self._query_again = True
                raise
            # As the head now is: the worker records the outcome on it without reading it.
            claimed.append({**leased, "_id": delivery["_id"], "version": delivery["version"] + 1})
        return claimed

    def _query_due(self, now: datetime, every: float) -> bool:
        if self._query_again or self._queried_at is None:
            return True
        elapsed = (now - self._queried_at).total_seconds()
        return not 0 <= elapsed < every  # a clock set back queries too

    @staticmethod
    def message_of(delivery: dict[str, Any]) -> Message:
        """The stored message, keyed by its delivery (a UUID derived from the delivery id,
        which itself names the trigger, person and channel)."""
        message = _MESSAGE.validate_json(delivery["message"])
        return replace(message, key=str(uuid5(NAMESPACE_URL, f"delivery:{delivery['_id']}")))

    @staticmethod
    def trace_of(delivery: dict[str, Any]) -> dict[str, str]:
        """The trace context kept with a delivery (empty: none, or queued before it was)."""
        trace = delivery.get("trace")
        return trace if isinstance(trace, dict) else {}

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
        held: Document | None = None,
    ) -> None:
        """Sent or failed for good, with its event, in one commit (``held``: the delivery as
        claimed, see :meth:`_update`)."""
        await self._update(
            delivery_id, {"state": state, "attempts": attempts, **detail}, [event], held
        )

    async def retry_later(
        self,
        delivery_id: str,
        *,
        attempts: int,
        at: datetime,
        reason: str,
        held: Document | None = None,
    ) -> None:
        await self._update(
            delivery_id,
            {
                "attempts": attempts,
                "next_attempt_at": at,
                "lease_until": at,
                "last_failure": reason,
            },
            held=held,
        )

    async def _update(
        self,
        delivery_id: str,
        changes: Document,
        events: list[CloudEvent] | None = None,
        held: Document | None = None,
    ) -> None:
        """``held``: the delivery as :meth:`claim_due` returned it, the head its claim wrote:
        changed without reading it again, unless it changed since (then read as always)."""

        def decide(head: Document | None) -> Decision[None]:
            assert head is not None, f"delivery {delivery_id} vanished"
            return Decision(None, {**fields_of(head), **changes}, events or [])

        await self._documents.change(delivery_id, decide, held=held)
