"""A service's own view of each case, built from events, one document per case.

The view is stored whole as JSON (never queried by its inside; ids inside may contain '.',
which MongoDB field names must not), with the ids of the events applied to it (a redelivered
event changes nothing). Every change is a new version (:mod:`mediation_runtime.documents`), so
replicas of a service never overwrite each other's update.
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from pydantic import TypeAdapter

from mediation_runtime.documents import Decision, Document, VersionedDocuments, fields_of
from mediation_runtime.mongo import case_key

V = TypeVar("V")
E = TypeVar("E", bound=CloudEvent)


class ViewStore(Generic[V]):
    def __init__(self, documents: VersionedDocuments, view_type: type[V]) -> None:
        self._documents = documents
        self._adapter: TypeAdapter[V] = TypeAdapter(view_type)

    async def get(self, tenant: str, case_id: UUID) -> V | None:
        document = await self._documents.get(case_key(tenant, case_id))
        return None if document is None else self._adapter.validate_json(document["view"])

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

        def decide(head: Document | None) -> Decision[V | None]:
            if head is not None and str(event.id) in head["applied"]:
                return Decision(None)
            view = new_view(event) if head is None else self._adapter.validate_json(head["view"])
            apply(view, event)
            document = {
                "tenant": event.tenant,
                "view": self._adapter.dump_json(view).decode(),
                "applied": [*(head["applied"] if head else []), str(event.id)],
                **{name: derive(view) for name, derive in fields.items()},
            }
            return Decision(view, document)

        return await self._documents.change(case_key(event.tenant, event.subject), decide)

    async def rewrite(
        self, tenant: str, case_id: UUID, change: Callable[[V], None], **fields: Any
    ) -> None:
        """Change a view outside of an event (e.g. forgetting personal data after retention)."""

        def decide(head: Document | None) -> Decision[None]:
            if head is None:
                return Decision(None)
            view = self._adapter.validate_json(head["view"])
            change(view)
            document = fields_of(head)
            return Decision(
                None, {**document, "view": self._adapter.dump_json(view).decode(), **fields}
            )

        await self._documents.change(case_key(tenant, case_id), decide)

    async def find(self, query: dict[str, Any]) -> list[tuple[str, UUID]]:
        """(tenant, case id) of the views whose extra fields match ``query``."""
        cursor = self._documents.heads.find(query, {"_id": 1})
        pairs = []
        async for document in cursor:
            tenant, case_id = str(document["_id"]).split(":", 1)
            pairs.append((tenant, UUID(case_id)))
        return pairs
