"""An in-memory stand-in for the few MongoDB collection calls the services make, so their
handlers run in unit tests on the real :class:`VersionedDocuments` and repositories.

The handlers reach their documents through repositories that also query the heads directly
(a case's meetings, a command's meeting), so the fake sits under
:class:`mediation_runtime.documents.VersionedDocuments`, at the collection: unique ``_id``
(a second insert raises :class:`DuplicateKeyError`, as the versioned writes rely on), filters
with equality (an array matches an element), ``$lt``/``$lte``/``$gt``/``$gte``/``$ne``/
``$in``/``$exists``/``$or`` and dotted paths, projections, sort and limit. Documents are
copied in and out, as a database would. Nothing else of MongoDB is imitated.
"""

import copy
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, cast

from mediation_runtime.documents import VersionedDocuments
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]
_MISSING = object()


def _value(document: Document, path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
}


def _condition(value: Any, condition: Any) -> bool:
    if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
        return all(_operator(value, op, operand) for op, operand in condition.items())
    if value is _MISSING:
        return condition is None
    if isinstance(value, list) and not isinstance(condition, list):
        return condition in value
    return bool(value == condition)


def _operator(value: Any, op: str, operand: Any) -> bool:
    if op == "$exists":
        return (value is not _MISSING) == bool(operand)
    if op == "$ne":
        return not _condition(value, operand)
    if op == "$in":
        return any(_condition(value, candidate) for candidate in operand)
    if op in _COMPARE:
        return value is not _MISSING and value is not None and _COMPARE[op](value, operand)
    raise NotImplementedError(f"the memory store does not know {op}")


def matches(document: Document, query: Document | None) -> bool:
    for key, condition in (query or {}).items():
        if key == "$or":
            if not any(matches(document, alternative) for alternative in condition):
                return False
        elif not _condition(_value(document, key), condition):
            return False
    return True


def _projected(document: Document, projection: Document | None) -> Document:
    document = copy.deepcopy(document)
    if not projection:
        return document
    if any(projection.values()):
        keep = {key for key, wanted in projection.items() if wanted} | {"_id"}
        return {key: value for key, value in document.items() if key in keep}
    return {key: value for key, value in document.items() if key not in projection}


class MemoryCursor:
    def __init__(self, documents: list[Document]) -> None:
        self._documents = documents

    def sort(self, key: str | list[tuple[str, int]], direction: int = 1) -> "MemoryCursor":
        order = [(key, direction)] if isinstance(key, str) else list(key)
        for field, way in reversed(order):
            self._documents.sort(
                key=lambda d, f=field: (_value(d, f) is _MISSING, _value(d, f)),  # type: ignore[misc]
                reverse=way < 0,
            )
        return self

    def limit(self, count: int) -> "MemoryCursor":
        if count:
            self._documents = self._documents[:count]
        return self

    async def __aiter__(self) -> AsyncIterator[Document]:
        for document in self._documents:
            yield document

    async def to_list(self, length: int | None = None) -> list[Document]:
        return list(self._documents[:length] if length else self._documents)


class Result:
    def __init__(self, count: int) -> None:
        self.matched_count = self.modified_count = self.deleted_count = count


class MemoryCollection:
    def __init__(self, name: str) -> None:
        self.name = name
        self.documents: dict[Any, Document] = {}

    def _matching(self, query: Document | None) -> list[Document]:
        return [d for d in self.documents.values() if matches(d, query)]

    async def find_one(
        self, query: Document | None = None, projection: Document | None = None
    ) -> Document | None:
        found = self._matching(query)
        return _projected(found[0], projection) if found else None

    def find(
        self, query: Document | None = None, projection: Document | None = None
    ) -> MemoryCursor:
        return MemoryCursor([_projected(d, projection) for d in self._matching(query)])

    async def count_documents(self, query: Document) -> int:
        return len(self._matching(query))

    async def insert_one(self, document: Document) -> Result:
        if document["_id"] in self.documents:
            raise DuplicateKeyError(f"duplicate key {document['_id']!r} in {self.name}")
        self.documents[document["_id"]] = copy.deepcopy(document)
        return Result(1)

    async def replace_one(self, query: Document, document: Document) -> Result:
        for found in self._matching(query)[:1]:
            self.documents[found["_id"]] = {**copy.deepcopy(document), "_id": found["_id"]}
            return Result(1)
        return Result(0)

    async def update_one(self, query: Document, update: Document) -> Result:
        if set(update) != {"$set"}:
            raise NotImplementedError(f"the memory store only $sets, not {sorted(update)}")
        for found in self._matching(query)[:1]:
            found.update(copy.deepcopy(update["$set"]))
            return Result(1)
        return Result(0)

    async def delete_one(self, query: Document) -> Result:
        for found in self._matching(query)[:1]:
            del self.documents[found["_id"]]
            return Result(1)
        return Result(0)

    async def delete_many(self, query: Document) -> Result:
        found = self._matching(query)
        for document in found:
            del self.documents[document["_id"]]
        return Result(len(found))

    async def create_index(self, *args: Any, **kwargs: Any) -> str:
        return "memory"


class MemoryDatabase:
    """Collections made on first use, like a database's."""

    def __init__(self) -> None:
        self.collections: dict[str, MemoryCollection] = {}

    def __getitem__(self, name: str) -> MemoryCollection:
        return self.collections.setdefault(name, MemoryCollection(name))

    def documents(self, name: str) -> VersionedDocuments:
        """A versioned collection over this database (the services' real one)."""
        return VersionedDocuments(cast(AsyncDatabase[Document], self), name)

    def snapshot(self, names: Iterable[str] | None = None) -> dict[str, dict[Any, Document]]:
        """Everything stored, to compare before and after."""
        chosen = self.collections if names is None else {n: self[n] for n in names}
        return {name: copy.deepcopy(c.documents) for name, c in chosen.items()}

    def outbox(self, name: str) -> list[dict[str, Any]]:
        """The events committed with ``name``'s changes, in commit order."""
        records = sorted(self[f"{name}_changes"].documents.values(), key=lambda r: r["_id"])
        return [entry for record in records for entry in record["outbox"]]
