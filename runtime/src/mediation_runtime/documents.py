"""Documents that several replicas of a service may change at once, on FerretDB as on MongoDB.

FerretDB applies even a version-filtered ``update_one`` as read-then-write, so two replicas can
both "win" it and one update is lost (measured on both of its backends). A unique insert, on
the other hand, has exactly one winner on every MongoDB-wire server. So every change of a
document is the insert of its next version:

- ``<name>_changes`` holds one record per version, ``_id`` ``<key>@<version>``: the whole new
  document and the events it causes. Inserting it *is* the commit; the loser of a race gets a
  duplicate key, reads again and decides again (:meth:`VersionedDocuments.change`).
- ``<name>`` holds each document's newest version (the *head*), for reads and queries. It is
  installed after the commit, by the committer or by whoever finds a newer record first, so a
  crash between the two loses nothing: readers look one version ahead (:meth:`latest`).
- ``<name>_outbox`` holds a small marker per record whose events are not published yet. The
  relay (:mod:`mediation_runtime.outbox`) publishes them in version order and then drops the
  marker. A crash between commit and marker is caught by :meth:`sweep`, which also installs
  any head left behind and deletes records older than the retention (they only guard versions
  that no writer still holds).

No transactions, no change streams, no in-process locks: any number of replicas is safe.
"""

import asyncio
import contextlib
import inspect
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import structlog
from mediation_contracts.envelope import CloudEvent
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mediation_runtime.telemetry import TRACEPARENT, TRACESTATE, current_trace_context

log = structlog.get_logger("mediation.documents")

R = TypeVar("R")
Document = dict[str, Any]

MAX_ATTEMPTS = 8
RECORD_RETENTION = timedelta(days=1)
"""How long a published change record is kept: far longer than any writer holds a version
between reading it and committing the next (milliseconds, or an outage's retries)."""


class ConcurrentUpdate(Exception):
    """Others kept changing the document while this writer tried; the message is retried."""


@dataclass
class Decision(Generic[R]):
    """What a writer decided on a document: its new fields (``None``: leave it as it is), the
    events this causes (published through the outbox) and what to return to the caller."""

    result: R
    document: Document | None = None
    events: Sequence[CloudEvent] = field(default_factory=tuple)


def fields_of(head: Document) -> Document:
    """A head's own fields, to build the next version from (without ``_id`` and version)."""
    return {k: v for k, v in head.items() if k not in ("_id", "version", "outbox")}


def change_id(key: str, version: int) -> str:
    # Zero-padded so that the text order of a document's records is their version order.
    return f"{key}@{version:010d}"


def outbox_entry(event: CloudEvent) -> Document:
    """An event as stored to be published: with the trace context of the work that caused it
    (the CloudEvents distributed-tracing extension), taken now, since the relay publishes it
    later and elsewhere; kept beside the payload too, for the relay's NATS headers."""
    if event.traceparent is None and (carried := current_trace_context()):
        event = event.model_copy(update=carried)
    entry: Document = {
        "id": str(event.id),
        "subject": event.nats_subject(),
        "payload": event.to_json(),
    }
    if event.traceparent is not None:
        entry[TRACEPARENT] = event.traceparent
        if event.tracestate:
            entry[TRACESTATE] = event.tracestate
    return entry


class VersionedDocuments:
    def __init__(self, database: AsyncDatabase[Document], name: str) -> None:
        self.name = name
        self.heads: AsyncCollection[Document] = database[name]
        self.changes: AsyncCollection[Document] = database[f"{name}_changes"]
        self.markers: AsyncCollection[Document] = database[f"{name}_outbox"]
        self.on_outbox_written: Callable[[Document], None] = lambda _: None

    async def get(self, key: str) -> Document | None:
        """The head as stored: the newest version but for a commit in flight (or one whose
        writer died before installing it). Right for reads; writers use :meth:`change`."""
        return await self.heads.find_one({"_id": key})

    async def latest(self, key: str) -> Document | None:
        """The newest committed version, installing as head any version found ahead of it."""
        head = await self.get(key)
        version = 0 if head is None else int(head["version"])
        ahead = await self.changes.find_one({"_id": change_id(key, version + 1)})
        return head if ahead is None else await self.settle(ahead)

    async def change(
        self,
        key: str,
        decide: Callable[[Document | None], Decision[R] | Awaitable[Decision[R]]],
        *,
        held: Document | None = None,
    ) -> R:
        """The one optimistic-concurrency loop: read the newest version, let ``decide`` look
        at it (``None``: no such document yet), commit what it decided as the next version;
        when another writer committed that version first, read again and decide again.

        ``decide`` may raise to refuse (nothing is written then) and must not have side
        effects besides its :class:`Decision`: it may run more than once.

        The first attempt decides on the stored head, one read fewer than :meth:`latest`: a
        newer version, if a writer died before installing it, makes the commit fail, and a
        refusal or a no-change on such a stale head is checked against the newest first.

        ``held``: the head as this writer itself wrote it moments ago (a delivery's worker
        after claiming it), decided on without reading it again. Where a newer version
        exists (another writer), or ``decide`` writes nothing or refuses, the loop reads and
        decides as always. (Not for a document merely expected to be new: the sweep deletes
        old versions, so a version 1 written without reading could land beside a head a day
        old and publish its events again.)"""
        if held is not None and (decided := await self._on_held(key, decide, held)) is not None:
            return decided.result
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                # Racing writers back off by a random moment, so one of them gets through.
                await asyncio.sleep(random.uniform(0, min(0.5, 0.005 * 2**attempt)))  # noqa: S311
            head = await (self.get(key) if attempt == 0 else self.latest(key))
            try:
                decision = decide(head)
                if inspect.isawaitable(decision):
                    decision = await decision
            except Exception:
                if attempt == 0 and await self._behind(key, head):
                    continue
                raise
            if decision.document is None:
                if attempt == 0 and await self._behind(key, head):
                    continue
                return decision.result
            try:
                await self.commit(key, head, decision)
            except ConcurrentUpdate:
                continue
            return decision.result
        raise ConcurrentUpdate(f"{self.name}:{key}")

    async def _on_held(
        self,
        key: str,
        decide: Callable[[Document | None], Decision[R] | Awaitable[Decision[R]]],
        head: Document,
    ) -> Decision[R] | None:
        """Commit what ``decide`` makes of ``head`` as the version after it and return it;
        None when it makes nothing, refuses, or that version exists."""
        try:
            decision = decide(head)
            if inspect.isawaitable(decision):
                decision = await decision
        except Exception:
            return None  # decided again on what is stored, which may say otherwise
        if decision.document is None:
            return None
        try:
            await self.commit(key, head, decision)
        except ConcurrentUpdate:
            return None
        return decision

    async def _behind(self, key: str, head: Document | None) -> bool:
        """Whether a version after ``head`` was committed (and not yet installed)."""
        version = 0 if head is None else int(head["version"])
        return (
            await self.changes.find_one({"_id": change_id(key, version + 1)}, {"_id": 1})
            is not None
        )

    async def commit(self, key: str, base: Document | None, decision: Decision[Any]) -> None:
        """Commit ``decision.document`` as the version after ``base`` (the head it was decided
        on; None: the first), or raise :class:`ConcurrentUpdate` when that version exists.

        Events a document kept in an ``outbox`` array before versioned changes (see
        :meth:`sweep`) go out with this version, ahead of its own."""
        assert decision.document is not None
        version = 1 if base is None else int(base["version"]) + 1
        legacy = [] if base is None else list(base.get("outbox") or [])
        entries = legacy + [outbox_entry(event) for event in decision.events]
        document = {k: v for k, v in decision.document.items() if k != "outbox"}
        await self._commit(key, version, document, entries)

    async def _commit(self, key: str, version: int, document: Document, entries: list[Any]) -> None:
        record = {
            "_id": change_id(key, version),
            "key": key,
            "version": version,
            "document": document,
            "outbox": entries,
            "pending": bool(entries),
            "at": datetime.now(UTC),
        }
        try:
            await self.changes.insert_one(record)
        except DuplicateKeyError:
            raise ConcurrentUpdate(f"{self.name}:{key}") from None
        # This writer decided on the head of the version before: no need to read it again.
        await self.install(record, replaces=version - 1)

    async def sweep(self, retention: timedelta = RECORD_RETENTION) -> int:
        """Finish what crashed writers left (a head not installed, events without a marker)
        and delete records older than ``retention`` whose head has moved past them. Reads
        every record: run it at start and now and then, not per message. Returns how many
        records it finished."""
        finished = 0
        newest: dict[str, int] = {}
        cursor = self.changes.find({}, {"document": 0, "outbox": 0}).sort("_id", 1)
        old: list[str] = []
        cutoff = datetime.now(UTC) - retention
        async for record in cursor:
            key, version = record["key"], int(record["version"])
            if key not in newest:
                head = await self.heads.find_one({"_id": key}, {"version": 1})
                newest[key] = 0 if head is None else int(head["version"])
            if version > newest[key] or record["pending"]:
                full = await self.changes.find_one({"_id": record["_id"]})
                if full is not None:
                    await self.install(full)
                    newest[key] = max(newest[key], version)
                    finished += 1
            elif _aware(record["at"]) < cutoff and version < newest[key]:
                old.append(record["_id"])
        if old:
            await self.changes.delete_many({"_id": {"$in": old}, "pending": False})
        finished += await self._adopt_legacy_outboxes()
        if finished:
            log.info("documents_finished", collection=self.name, count=finished)
        return finished

    async def _adopt_legacy_outboxes(self) -> int:
        """Documents written before versioned changes kept unpublished events in an
        ``outbox`` array: each becomes a new version carrying them, which the relay publishes."""
        adopted = 0
        async for head in self.heads.find({"outbox.0": {"$exists": True}}):
            try:
                await self.commit(head["_id"], head, Decision(None, fields_of(head)))
            except ConcurrentUpdate:
                continue  # a replica adopted it, or a writer moved on: the next sweep looks again
            adopted += 1
        return adopted

    async def install(self, record: Document, replaces: int | None = None) -> None:
        """Make a just committed ``record`` the head (:meth:`settle`) and wake the relay: once
        its own head is in, so whoever hears an event reads a head with its cause; before
        looking for newer versions to install, so its events are on their way meanwhile.

        ``replaces``: the version of the head the writer decided on, when it read that head
        itself; the head is then replaced without reading its version first."""
        await self._write_head(record, replaces)
        if record["pending"]:
            self.on_outbox_written(record)
        await self._install_ahead(record)

    async def settle(self, record: Document) -> Document:
        """Mark ``record``'s events due and make it the head unless a newer version is
        there; returns the newest head written.

        In this order: a writer that fails half-way (crash, outage) has its message
        redelivered, finds its own record by the failed commit and installs it again, marker
        included; had the head come first, the redelivery would see the event applied and
        leave the marker missing.

        A head is replaced by ``_id`` alone after reading its version by ``_id`` (a filter
        with more than ``_id`` is a scan of the whole collection on FerretDB, see
        ``mediation_devstack.tools``), so a writer installing an older version can overwrite
        a newer head written between its read and its write (FerretDB's own ``version < v``
        replace was read-then-write as well). Hence every writer of a head then looks one
        version past what it wrote and installs what it finds: the last write to a head is
        always followed by a look that finds nothing newer."""
        await self._write_head(record)
        return await self._install_ahead(record)

    async def _install_ahead(self, record: Document) -> Document:
        while (
            ahead := await self.changes.find_one(
                {"_id": change_id(record["key"], int(record["version"]) + 1)}
            )
        ) is not None:
            record = ahead
            await self._write_head(record)
        return self._head_of(record)

    async def _write_head(self, record: Document, replaces: int | None = None) -> None:
        if record["pending"]:
            with contextlib.suppress(DuplicateKeyError):
                await self.markers.insert_one(
                    {"_id": record["_id"], "key": record["key"], "at": record["at"]}
                )
        head = self._head_of(record)
        version = int(record["version"])
        if version == 1:
            try:
                await self.heads.insert_one(head)
                return
            except DuplicateKeyError:
                replaces = None  # installed already, or a newer version: read which
        if replaces is None:
            current = await self.heads.find_one({"_id": record["key"]}, {"version": 1})
            replaces = None if current is None else int(current["version"])
        # Committing a version means its predecessor was the head when its writer read it; a
        # newer head written meanwhile is put back by the look ahead that follows every write.
        if replaces is not None and replaces < version:
            await self.heads.replace_one({"_id": record["key"]}, head)

    @staticmethod
    def _head_of(record: Document) -> Document:
        return {**record["document"], "_id": record["key"], "version": record["version"]}


def _aware(moment: datetime) -> datetime:
    """PyMongo returns naive UTC datetimes unless the client is tz-aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
