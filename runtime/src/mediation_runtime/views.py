"""A service's own view of each case, built from events, one document per case.

The view is stored whole as JSON (never queried by its inside; ids inside may contain '.',
which MongoDB field names must not), with the ids of the events applied to it (a redelivered
event changes nothing) and a version, so replicas of a service never overwrite each other's
update on MongoDB. On FerretDB run one process per service (see mediation_runtime.locks).
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeVar
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from pydantic import TypeAdapter
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from mediation_runtime.locks import KeyedLock
from mediation_runtime.mongo import case_key

V = TypeVar("V")
E = TypeVar("E", bound=CloudEvent)

MAX_CONCURRENT_RETRIES = 5


class ConcurrentUpdate(Exception):
    """Another replica changed the view meanwhile; read it again and re-apply."""


class ViewStore(Generic[V]):
    def __init__(
        self, collection: AsyncCollection[dict[str, Any]], view_type: type[V], locks: KeyedLock
    ) -> None:
        self._collection = collection
        self._adapter: TypeAdapter[V] = TypeAdapter(view_type)
        self._locks = locks

    def exclusive(self, tenant: str, case_id: UUID) -> AbstractAsyncContextManager[None]:
        return self._locks.hold("view:" + case_key(tenant, case_id))

    async def get(self, tenant: str, case_id: UUID) -> V | None:
        stored = await self._get_versioned(tenant, case_id)
        return None if stored is None else stored[0]

    async def apply(
        self,
        event: E,
        new_view: Callable[[E], V],
        apply: Callable[[V, E], None],
        **fields: Callable[[V], Any],
    ) -> V | None:
        """Apply ``event`` to its case's view once; None when it was applied before.

        ``fields`` are extra top-level fields derived from the view, for queries.
        """
        async with self.exclusive(event.tenant, event.subject):
            for _ in range(MAX_CONCURRENT_RETRIES):
                if await self._applied(event):
                    return None
                stored = await self._get_versioned(event.tenant, event.subject)
                view, version = stored or (new_view(event), 0)
                apply(view, event)
                try:
                    await self._save(event, view, version, {k: f(view) for k, f in fields.items()})
                except ConcurrentUpdate:
                    continue
                return view
        raise ConcurrentUpdate(case_key(event.tenant, event.subject))

    async def rewrite(
        self, tenant: str, case_id: UUID, change: Callable[[V], None], **fields: Any
    ) -> None:
        """Change a view outside of an event (e.g. forgetting personal data after retention)."""
        async with self.exclusive(tenant, case_id):
            stored = await self._get_versioned(tenant, case_id)
            if stored is None:
                return
            view, version = stored
            change(view)
            result = await self._collection.update_one(
                {"_id": case_key(tenant, case_id), "version": version},
                {
                    "$set": {"view": self._adapter.dump_json(view).decode(), **fields},
                    "$inc": {"version": 1},
                },
            )
            if result.matched_count == 0:
                raise ConcurrentUpdate(case_key(tenant, case_id))

    async def find(self, query: dict[str, Any]) -> list[tuple[str, UUID]]:
        """(tenant, case id) of the views whose extra fields match ``query``."""
        cursor = self._collection.find(query, {"_id": 1})
        pairs = []
        async for document in cursor:
            tenant, case_id = str(document["_id"]).split(":", 1)
            pairs.append((tenant, UUID(case_id)))
        return pairs

    async def _get_versioned(self, tenant: str, case_id: UUID) -> tuple[V, int] | None:
        document = await self._collection.find_one({"_id": case_key(tenant, case_id)})
        if document is None:
            return None
        return self._adapter.validate_json(document["view"]), document["version"]

    async def _applied(self, event: CloudEvent) -> bool:
        # By _id alone: FerretDB scans the whole collection for any other filter.
        document = await self._collection.find_one(
            {"_id": case_key(event.tenant, event.subject)}, {"applied": 1}
        )
        return document is not None and str(event.id) in document["applied"]

    async def _save(self, cause: CloudEvent, view: V, version: int, extra: dict[str, Any]) -> None:
        key = case_key(cause.tenant, cause.subject)
        fields = {"tenant": cause.tenant, "view": self._adapter.dump_json(view).decode(), **extra}
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
