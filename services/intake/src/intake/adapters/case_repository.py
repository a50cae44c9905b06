"""The only module that knows how a case is stored in ``mediation_intake.cases``.

One document per case holds its state, the ids of the events already applied (so a redelivered
event changes nothing), a version for optimistic concurrency, and the outbox of events to
publish. Every change is a single-document write.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.locks import KeyedLock
from mediation_runtime.outbox import outbox_entry
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from intake.domain.case import Case, Status


class CaseAlreadyExists(Exception):
    pass


class ConcurrentUpdate(Exception):
    """Another delivery changed the case meanwhile; load it again and re-apply."""


@dataclass
class StoredCase:
    case: Case
    version: int
    applied: frozenset[str]


def document_id(tenant: str, case_id: UUID) -> str:
    return f"{tenant}:{case_id}"


class CaseRepository:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        locks: KeyedLock,
        on_outbox_written: Callable[[str], None],
    ) -> None:
        self._collection = collection
        self._locks = locks
        self._on_outbox_written = on_outbox_written

    def exclusive(self, tenant: str, case_id: UUID) -> AbstractAsyncContextManager[None]:
        """Hold while loading, deciding and saving a case (see mediation_runtime.locks)."""
        return self._locks.hold(document_id(tenant, case_id))

    async def create_indexes(self) -> None:
        await self._collection.create_index([("tenant", ASCENDING), ("status", ASCENDING)])

    async def get(self, tenant: str, case_id: UUID) -> StoredCase | None:
        document = await self._collection.find_one({"_id": document_id(tenant, case_id)})
        if document is None:
            return None
        return StoredCase(
            case=_case_from(document),
            version=document["version"],
            applied=frozenset(document["applied"]),
        )

    async def add(self, case: Case, cause: CloudEvent, outgoing: list[CloudEvent]) -> None:
        now = datetime.now(UTC)
        document = {
            "_id": document_id(case.tenant, case.case_id),
            **_state_of(case),
            "version": 1,
            "applied": [str(cause.id)],
            "outbox": [outbox_entry(event) for event in outgoing],
            "created_at": now,
            "updated_at": now,
        }
        try:
            await self._collection.insert_one(document)
        except DuplicateKeyError:
            raise CaseAlreadyExists(str(case.case_id)) from None
        self._written(document["_id"], outgoing)

    async def save(self, stored: StoredCase, cause: CloudEvent, outgoing: list[CloudEvent]) -> None:
        case = stored.case
        result = await self._collection.update_one(
            {"_id": document_id(case.tenant, case.case_id), "version": stored.version},
            {
                "$set": {**_state_of(case), "updated_at": datetime.now(UTC)},
                "$inc": {"version": 1},
                "$push": {
                    "applied": str(cause.id),
                    "outbox": {"$each": [outbox_entry(event) for event in outgoing]},
                },
            },
        )
        if result.matched_count == 0:
            raise ConcurrentUpdate(str(case.case_id))
        self._written(document_id(case.tenant, case.case_id), outgoing)

    def _written(self, key: str, outgoing: list[CloudEvent]) -> None:
        if outgoing:
            self._on_outbox_written(key)


def _state_of(case: Case) -> dict[str, Any]:
    return {
        "tenant": case.tenant,
        "case_id": str(case.case_id),
        "status": case.status.value,
        # A list, not a dict: party ids may contain '.', which MongoDB field names must not.
        "parties": [{"party_id": pid, "kind": kind} for pid, kind in case.parties.items()],
        "consented": sorted(case.consented),
        "mediator_id": case.mediator_id,
        "note_taker_id": case.note_taker_id,
        "outcome": case.outcome,
        "source": case.source,
        "correlation_id": str(case.correlation_id) if case.correlation_id else None,
    }


def _case_from(document: dict[str, Any]) -> Case:
    return Case(
        case_id=UUID(document["case_id"]),
        tenant=document["tenant"],
        status=Status(document["status"]),
        parties={p["party_id"]: p["kind"] for p in document["parties"]},
        consented=set(document["consented"]),
        mediator_id=document["mediator_id"],
        note_taker_id=document["note_taker_id"],
        outcome=document["outcome"],
        source=document["source"],
        correlation_id=UUID(document["correlation_id"]) if document["correlation_id"] else None,
    )
