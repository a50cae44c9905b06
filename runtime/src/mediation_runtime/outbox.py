"""The outbox: state change and outgoing events are one single-document write.

A service appends the events it causes to the ``outbox`` array of the aggregate document in
the same update that changes the aggregate. The relay publishes them to JetStream in order,
with ``Nats-Msg-Id`` = the event id (the server drops a duplicate within its window; consumers
are idempotent beyond it), then pulls them from the document. No transactions, no change
streams: it works on FerretDB and on a MongoDB without replica set.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from mediation_contracts.envelope import CloudEvent
from pymongo.asynchronous.collection import AsyncCollection

from mediation_runtime.locks import KeyedLock

log = structlog.get_logger("mediation.outbox")

Publish = Callable[[str, bytes, dict[str, str]], Awaitable[None]]


def outbox_entry(event: CloudEvent) -> dict[str, Any]:
    return {"id": str(event.id), "subject": event.nats_subject(), "payload": event.to_json()}


class OutboxRelay:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        publish: Publish,
        locks: KeyedLock,
        poll_seconds: float = 1.0,
    ) -> None:
        self._collection = collection
        self._publish = publish
        self._locks = locks
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a write that added events, so they go out without waiting for a poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.relay_pending()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Database or NATS away: keep the events in the outbox, try again next round.
                log.warning("outbox_relay_failed", error_type=type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            self._wake.clear()

    async def flush(self, timeout: float) -> None:
        """Last relay round at shutdown; whatever cannot go out now goes out at next start."""
        try:
            await asyncio.wait_for(self.relay_pending(), timeout=timeout)
        except Exception as error:
            log.warning("outbox_flush_incomplete", error_type=type(error).__name__)

    async def relay_pending(self) -> int:
        """Publish every pending event of every document; returns how many were published."""
        published = 0
        cursor = self._collection.find({"outbox.0": {"$exists": True}}, {"outbox": 1})
        async for document in cursor:
            sent: list[dict[str, Any]] = []
            try:
                for entry in document["outbox"]:
                    await self._publish(
                        entry["subject"], entry["payload"], {"Nats-Msg-Id": entry["id"]}
                    )
                    sent.append(entry)
            finally:
                if sent:
                    # $pullAll with the entries exactly as read: FerretDB ignores $pull
                    # conditions, and exact matching also keeps entries added meanwhile.
                    async with self._locks.hold(str(document["_id"])):
                        await self._collection.update_one(
                            {"_id": document["_id"]}, {"$pullAll": {"outbox": sent}}
                        )
                    published += len(sent)
        return published
