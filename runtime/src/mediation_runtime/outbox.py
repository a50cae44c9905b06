"""The outbox relay: events committed with a document change go out to JetStream, in order.

A change record (:mod:`mediation_runtime.documents`) carries the events its change causes, and
a marker says they are not published yet. The relay publishes a record's events in order, with
``Nats-Msg-Id`` = the event id (the server drops a duplicate within its window; consumers are
idempotent beyond it), then marks the record published and drops its marker. A document's
earlier records go first. Replicas may relay the same record at once: that only publishes a
duplicate the server drops. No transactions, no change streams.
"""

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from mediation_runtime.documents import VersionedDocuments, change_id
from mediation_runtime.telemetry import TRACEPARENT, TRACESTATE

log = structlog.get_logger("mediation.outbox")

Publish = Callable[[str, bytes, dict[str, str]], Awaitable[None]]
TRACE_KEYS = (TRACEPARENT, TRACESTATE)
REMEMBERED = 10_000
"""How many records this relay remembers having published: a document's next record then
needs no look-up of its predecessor's marker."""


class OutboxRelay:
    def __init__(
        self, documents: VersionedDocuments, publish: Publish, poll_seconds: float = 1.0
    ) -> None:
        self.documents = documents
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._written: dict[str, dict[str, Any]] = {}
        self._published: OrderedDict[str, None] = OrderedDict()
        documents.on_outbox_written = self.wake

    def wake(self, record: dict[str, Any]) -> None:
        """Called after a commit with events, with its record: they go out at once."""
        self._written[record["_id"]] = record
        self._wake.set()

    async def run_forever(self) -> None:
        """Relays the records just committed; every ``poll_seconds`` also reads the markers
        for anything left behind (a crash, a replica's commit, NATS away)."""
        loop = asyncio.get_running_loop()
        next_scan = loop.time()
        while True:
            try:
                if loop.time() >= next_scan:
                    self._written.clear()
                    await self.relay_pending()
                    next_scan = loop.time() + self._poll_seconds
                while self._written:
                    written, self._written = self._written, {}
                    for record_id in sorted(written):
                        await self.relay_record(record_id, written[record_id])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Database or NATS away: the markers stay, try again next round.
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
        """Publish the events of every marked record; returns how many were published."""
        published = 0
        marked = [m["_id"] async for m in self.documents.markers.find({}, {"_id": 1})]
        for record_id in sorted(marked):
            published += await self.relay_record(record_id)
        return published

    async def relay_record(self, record_id: str, record: dict[str, Any] | None = None) -> int:
        """Publish one record's events (``record``: as just committed, saves reading it),
        after those of the same document's earlier records."""
        key, _, version = record_id.rpartition("@")
        if record is None:
            # Found by the scan: its writer may not have installed the head yet (or died).
            # Install it first, so that whoever hears the events reads a head with their cause.
            record = await self.documents.changes.find_one({"_id": record_id})
            if record is None:
                await self.documents.markers.delete_one({"_id": record_id})
                return 0
            await self.documents.settle(record)
        due = [record_id]
        earlier = int(version) - 1
        while (
            earlier > 0
            and change_id(key, earlier) not in self._published
            and await self.documents.markers.find_one({"_id": change_id(key, earlier)}, {"_id": 1})
        ):
            due.insert(0, change_id(key, earlier))
            earlier -= 1
        published = 0
        for record_id_due in due:
            published += await self._relay(
                record_id_due, record if record_id_due == record_id else None
            )
        return published

    async def _relay(self, record_id: str, record: dict[str, Any] | None) -> int:
        documents = self.documents
        if record is None:
            record = await documents.changes.find_one(
                {"_id": record_id}, {"outbox": 1, "pending": 1}
            )
        published = 0
        if record is not None and record["pending"]:
            for entry in record["outbox"]:
                headers = {"Nats-Msg-Id": entry["id"]}
                headers.update((key, entry[key]) for key in TRACE_KEYS if entry.get(key))
                await self._publish(entry["subject"], entry["payload"], headers)
                published += 1
            # Only relays write this flag, and only ever to False: no update is lost.
            await documents.changes.update_one({"_id": record_id}, {"$set": {"pending": False}})
            log.debug("outbox_relayed", count=published, record_id=record_id)
        await documents.markers.delete_one({"_id": record_id})
        self._published[record_id] = None
        while len(self._published) > REMEMBERED:
            self._published.popitem(last=False)
        return published
