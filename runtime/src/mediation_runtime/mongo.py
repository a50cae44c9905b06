"""MongoDB through PyMongo's async API (Motor is past its end of life)."""

from typing import Any

from pymongo import AsyncMongoClient


def create_mongo_client(url: str, **options: Any) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(
        url,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=options.pop("serverSelectionTimeoutMS", 5000),
        **options,
    )
