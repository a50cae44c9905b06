"""The only module that knows how insights stores a case (``mediation_insights.cases``).

One document per case, keyed ``<tenant>:<case id>``: the :class:`CaseRecord` as JSON (ids,
kinds, codes and times only), the ids of the events applied and commands done, and a few
top-level fields for the queries (the mediator, the follow-up's state and due time). Every
change is the commit of a new version with the events it causes
(:mod:`mediation_runtime.documents`): this collection is insights' outbox.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from mediation_runtime.documents import Decision, Document, VersionedDocuments
from mediation_runtime.mongo import case_key
from pydantic import TypeAdapter
from pymongo import ASCENDING

from insights.domain.case_record import CaseRecord

_RECORD = TypeAdapter(CaseRecord)
R = TypeVar("R")


@dataclass
class StoredCase:
    record: CaseRecord
    applied: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)


class InsightsCases:
    def __init__(self, documents: VersionedDocuments) -> None:
        self._documents = documents
        self._collection = documents.heads

    async def create_indexes(self) -> None:
        """For the periodic look for due follow-ups, a mediator's follow-ups and a tenant's
        statistics. (FerretDB on SQLite scans for any filter but ``{"_id": ...}``; these are
        for MongoDB, and none of them is on a message's path.)"""
        await self._collection.create_index([("follow_up_state", ASCENDING), ("due_at", ASCENDING)])
        await self._collection.create_index([("tenant", ASCENDING), ("mediator_id", ASCENDING)])

    async def load(self, tenant: str, case_id: UUID) -> StoredCase | None:
        document = await self._documents.get(case_key(tenant, case_id))
        return None if document is None else _stored(document)

    async def change(
        self,
        tenant: str,
        case_id: UUID,
        decide: Callable[[StoredCase | None], Decision[R] | Awaitable[Decision[R]]],
    ) -> R:
        """Load the case, let ``decide`` say what changes (:meth:`document` builds the new
        state), commit it with its events; again from the top when another replica committed
        first. ``decide`` may run more than once."""
        return await self._documents.change(
            case_key(tenant, case_id),
            lambda document: decide(None if document is None else _stored(document)),
        )

    async def of_tenant(self, tenant: str) -> list[CaseRecord]:
        cursor = self._collection.find({"tenant": tenant}, {"record": 1})
        return [_RECORD.validate_json(document["record"]) async for document in cursor]

    async def follow_ups_due(self, now: datetime) -> list[tuple[str, UUID]]:
        cursor = self._collection.find(
            {"follow_up_state": "pending", "due_at": {"$lte": now}}, {"tenant": 1, "case_id": 1}
        )
        return [(document["tenant"], UUID(document["case_id"])) async for document in cursor]

    async def follow_ups_of(self, tenant: str, mediator_id: str) -> list[StoredCase]:
        cursor = self._collection.find(
            {"tenant": tenant, "mediator_id": mediator_id, "follow_up_state": {"$ne": None}}
        )
        return [_stored(document) async for document in cursor]

    @staticmethod
    def document(
        stored: StoredCase, *, applied: UUID | None = None, command_id: UUID | None = None
    ) -> Document:
        """The stored form of ``stored``, with the event ``applied`` or ``command_id`` done."""
        record = stored.record
        follow_up = record.follow_up
        applied_ids = stored.applied | ({str(applied)} if applied is not None else set())
        commands = stored.commands | ({str(command_id)} if command_id is not None else set())
        return {
            "tenant": record.tenant,
            "case_id": str(record.case_id),
            "record": _RECORD.dump_json(record).decode(),
            "mediator_id": follow_up.mediator_id if follow_up else record.mediator_id,
            "follow_up_state": follow_up.state if follow_up else None,
            "due_at": follow_up.due_at if follow_up else None,
            "applied": sorted(applied_ids),
            "commands": sorted(commands),
        }


def _stored(document: Document) -> StoredCase:
    return StoredCase(
        record=_RECORD.validate_json(document["record"]),
        applied=set(document.get("applied", [])),
        commands=set(document.get("commands", [])),
    )
