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
        self._written: set[Any] = set()

    def wake(self, document_id: Any) -> None:
        """Called after a write that added events to ``document_id``: they go out at once."""
        self._written.add(document_id)
        self._wake.set()

    async def run_forever(self) -> None:
        """Relays the documents just written; every ``poll_seconds`` also scans for anything
        left behind (a crash between a write and its relay, a replica's write). The scan reads
        every document, which is why it is the backstop and not the path."""
        loop = asyncio.get_running_loop()
        next_scan = loop.time()
        while True:
            try:
                if loop.time() >= next_scan:
                    self._written.clear()
                    await self.relay_pending()
                    next_scan = loop.time() + self._poll_seconds
                while self._written:
                    written, self._written = self._written, set()
                    for document_id in sorted(written, key=str):
                        await self.relay_document(document_id)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Database or NATS away: keep the events in the outbox, try again next round.
                log.warning("outbox_relay_failed", error_type=type(error).__name__)
                next_scan = loop.time() + self._poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, next_scan - loop.time()))
            self._wake.clear()

    async def flush(self, timeout: float) -> None:
        """Last relay round at shutdown; whatever cannot go out now goes out at next start."""
        try:
            await asyncio.wait_for(self.relay_pending(), timeout=timeout)
        except Exception as error:
            log.warning("outbox_flush_incomplete", error_type=type(error).__name__)

    async def relay_pending(self) -> int:
        """Publish the pending events of every document; returns how many were published.

        A full scan: FerretDB uses its ``_id`` index only for a filter on ``_id`` alone.
        """
        published = 0
        cursor = self._collection.find({"outbox.0": {"$exists": True}}, {"outbox": 1})
        async for document in cursor:
            published += await self._relay(document)
        return published

    async def relay_document(self, document_id: Any) -> int:
        """Publish the pending events of one document (looked up by ``_id`` alone)."""
        document = await self._collection.find_one({"_id": document_id}, {"outbox": 1})
        return 0 if document is None else await self._relay(document)

    async def _relay(self, document: dict[str, Any]) -> int:
        sent: list[dict[str, Any]] = []
        try:
            for entry in document.get("outbox", []):
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
                log.debug("outbox_relayed", count=len(sent), document_id=str(document["_id"]))
        return len(sent)
