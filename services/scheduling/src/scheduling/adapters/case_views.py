"""Scheduling's own view of each case, built from events (collection ``case_views``).

The view is stored whole as JSON (it is never queried by its inside; party ids may contain
'.', which MongoDB field names must not), with the ids of the events applied to it and a
version, so replicas of the service never overwrite each other's update (on MongoDB; on
FerretDB one process per service, see mediation_runtime.locks).
"""

from contextlib import AbstractAsyncContextManager
from typing import Any
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.locks import KeyedLock
from pydantic import TypeAdapter
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from scheduling.domain.case_view import CaseView

_VIEW = TypeAdapter(CaseView)


def view_id(tenant: str, case_id: UUID) -> str:
    return f"{tenant}:{case_id}"


class CaseViews:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], locks: KeyedLock) -> None:
        self._collection = collection
        self._locks = locks

    def exclusive(self, tenant: str, case_id: UUID) -> AbstractAsyncContextManager[None]:
        return self._locks.hold("case:" + view_id(tenant, case_id))

    async def get(self, tenant: str, case_id: UUID) -> CaseView | None:
        stored = await self.get_versioned(tenant, case_id)
        return None if stored is None else stored[0]

    async def get_versioned(self, tenant: str, case_id: UUID) -> tuple[CaseView, int] | None:
        document = await self._collection.find_one({"_id": view_id(tenant, case_id)})
        if document is None:
            return None
        return _VIEW.validate_json(document["view"]), document["version"]

    async def applied(self, event: CloudEvent) -> bool:
        found = await self._collection.count_documents(
            {"_id": view_id(event.tenant, event.subject), "applied": str(event.id)}
        )
        return found > 0

    async def save(self, view: CaseView, cause: CloudEvent, version: int) -> None:
        """Store the view with ``cause`` applied if nobody changed it since ``version`` was read
        (0: a new view); raises :class:`ConcurrentUpdate` otherwise."""
        fields = {"tenant": view.tenant, "view": _VIEW.dump_json(view).decode()}
        key = view_id(view.tenant, view.case_id)
        if version == 0:
            try:
                await self._collection.insert_one(
                    {"_id": key, **fields, "version": 1, "applied": [str(cause.id)]}
                )
            except DuplicateKeyError:
                raise ConcurrentUpdate(key) from None
            return
        result = await self._collection.update_one(
            {"_id": key, "version": version},
            {"$set": fields, "$inc": {"version": 1}, "$push": {"applied": str(cause.id)}},
        )
        if result.matched_count == 0:
            raise ConcurrentUpdate(key)


class ConcurrentUpdate(Exception):
    """Another replica changed the view meanwhile; read it again and re-apply."""
