"""MongoDB through PyMongo's async API (Motor is past its end of life)."""

from typing import Any
from uuid import UUID

from pymongo import AsyncMongoClient


def create_mongo_client(url: str, **options: Any) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(
        url,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=options.pop("serverSelectionTimeoutMS", 5000),
        **options,
    )


def case_key(tenant: str, case_id: UUID) -> str:
    """The ``_id`` of a service's one document per case: ``<tenant>:<case id>``. Reads and
    writes by ``_id`` alone, the only filter FerretDB serves from an index."""
    return f"{tenant}:{case_id}"
