"""The only module that knows how notes stores a case (``mediation_notes.cases``).

One document per case: notes' view of the case, the case's data key (wrapped by the master
key), its summaries (ciphertext only), whether and why the key was destroyed, the ids of the
events applied, a version for optimistic concurrency, and the outbox. Writing a summary and
destroying the key are each one single-document write together with their event.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.locks import KeyedLock
from mediation_runtime.mongo import case_key
from mediation_runtime.outbox import outbox_entry
from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from notes.domain.case_view import NotesCase

_VIEW = TypeAdapter(NotesCase)


class ConcurrentUpdate(Exception):
    """Another replica changed the case meanwhile; load it again and re-apply."""


@dataclass
class StoredSummary:
    summary_id: str
    meeting_id: str | None
    blob: bytes
    recorded_by: str
    recorded_at: datetime
    command_id: str
    shared: bool = False


@dataclass
class StoredCase:
    view: NotesCase
    version: int = 0
    data_key: bytes | None = None
    summaries: list[StoredSummary] = field(default_factory=list)
    destroyed_because: str | None = None
    destroyed_at: datetime | None = None
    applied: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)

    @property
    def destroyed(self) -> bool:
        return self.destroyed_because is not None


class NotesCases:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        locks: KeyedLock,
        on_outbox_written: Callable[[str], None],
    ) -> None:
        self._collection = collection
        self._locks = locks
        self._on_outbox_written = on_outbox_written

    async def create_indexes(self) -> None:
        await self._collection.create_index([("closed_at", ASCENDING)])

    def exclusive(self, tenant: str, case_id: UUID) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(case_key(tenant, case_id))

    async def load(self, tenant: str, case_id: UUID) -> StoredCase | None:
        document = await self._collection.find_one({"_id": case_key(tenant, case_id)})
        if document is None:
            return None
        return StoredCase(
            view=_VIEW.validate_json(document["view"]),
            version=document["version"],
            data_key=document.get("data_key"),
            summaries=[StoredSummary(**s) for s in document.get("summaries", [])],
            destroyed_because=document.get("destroyed_because"),
            destroyed_at=document.get("destroyed_at"),
            applied=set(document.get("applied", [])),
            commands=set(document.get("commands", [])),
        )

    async def due_for_retention(self, closed_before: datetime) -> list[tuple[str, UUID]]:
        """Cases closed before ``closed_before`` whose key still exists."""
        cursor = self._collection.find(
            {
                "closed_at": {"$lte": closed_before},
                "destroyed_because": None,
                "data_key": {"$ne": None},
            },
            {"tenant": 1, "case_id": 1},
        )
        return [(d["tenant"], UUID(d["case_id"])) async for d in cursor]

    async def store(
        self,
        stored: StoredCase,
        *,
        cause: CloudEvent | None = None,
        command_id: UUID | None = None,
        outgoing: list[CloudEvent] | None = None,
    ) -> None:
        """Write the case if nobody changed it since it was loaded (else ConcurrentUpdate)."""
        view = stored.view
        if cause is not None:
            stored.applied.add(str(cause.id))
        if command_id is not None:
            stored.commands.add(str(command_id))
        fields = {
            "tenant": view.tenant,
            "case_id": str(view.case_id),
            "view": _VIEW.dump_json(view).decode(),
            "closed_at": view.closed_at,
            "data_key": stored.data_key,
            "summaries": [vars(summary) for summary in stored.summaries],
            "destroyed_because": stored.destroyed_because,
            "destroyed_at": stored.destroyed_at,
            "applied": sorted(stored.applied),
            "commands": sorted(stored.commands),
        }
        entries = [outbox_entry(event) for event in outgoing or []]
        key = case_key(view.tenant, view.case_id)
        if stored.version == 0:
            try:
                await self._collection.insert_one(
                    {"_id": key, **fields, "version": 1, "outbox": entries}
                )
            except DuplicateKeyError:
                raise ConcurrentUpdate(key) from None
        else:
            result = await self._collection.update_one(
                {"_id": key, "version": stored.version},
                {"$set": fields, "$inc": {"version": 1}, "$push": {"outbox": {"$each": entries}}},
            )
            if result.matched_count == 0:
                raise ConcurrentUpdate(key)
        stored.version += 1
        if entries:
            self._on_outbox_written(key)
