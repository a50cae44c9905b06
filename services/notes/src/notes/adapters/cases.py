"""The only module that knows how notes stores a case (``mediation_notes.cases``).

One document per case: notes' view of the case, the case's data key (wrapped by the master
key), its summaries (ciphertext only), whether and why the key was destroyed, the ids of the
events applied. Every change (writing a summary, destroying the key) is the commit of a new
version together with its events (:mod:`mediation_runtime.documents`), so replicas never lose
an update.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.documents import Decision, Document, VersionedDocuments
from mediation_runtime.mongo import case_key
from pydantic import TypeAdapter
from pymongo import ASCENDING

from notes.domain.case_view import NotesCase

_VIEW = TypeAdapter(NotesCase)
R = TypeVar("R")


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
    def __init__(self, documents: VersionedDocuments) -> None:
        self._documents = documents
        self._collection = documents.heads

    async def create_indexes(self) -> None:
        await self._collection.create_index([("closed_at", ASCENDING)])

    async def load(self, tenant: str, case_id: UUID) -> StoredCase | None:
        document = await self._documents.get(case_key(tenant, case_id))
        return None if document is None else _stored(document)

    async def change(
        self,
        tenant: str,
        case_id: UUID,
        decide: Callable[[StoredCase | None], Awaitable[Decision[R]]],
    ) -> R:
        """Load the case, let ``decide`` say what changes (:meth:`document` builds the new
        state), commit it with its events; again from the top when another replica committed
        first. ``decide`` may run more than once."""
        return await self._documents.change(
            case_key(tenant, case_id),
            lambda document: decide(None if document is None else _stored(document)),
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

    @staticmethod
    def document(
        stored: StoredCase, *, cause: CloudEvent | None = None, command_id: UUID | None = None
    ) -> Document:
        """The stored form of ``stored``, with ``cause`` applied or ``command_id`` done."""
        view = stored.view
        applied = stored.applied | ({str(cause.id)} if cause is not None else set())
        commands = stored.commands | ({str(command_id)} if command_id is not None else set())
        return {
            "tenant": view.tenant,
            "case_id": str(view.case_id),
            "view": _VIEW.dump_json(view).decode(),
            "closed_at": view.closed_at,
            "data_key": stored.data_key,
            "summaries": [vars(summary) for summary in stored.summaries],
            "destroyed_because": stored.destroyed_because,
            "destroyed_at": stored.destroyed_at,
            "applied": sorted(applied),
            "commands": sorted(commands),
        }


def _stored(document: Document) -> StoredCase:
    return StoredCase(
        view=_VIEW.validate_json(document["view"]),
        data_key=document.get("data_key"),
        summaries=[StoredSummary(**s) for s in document.get("summaries", [])],
        destroyed_because=document.get("destroyed_because"),
        destroyed_at=document.get("destroyed_at"),
        applied=set(document.get("applied", [])),
        commands=set(document.get("commands", [])),
    )
