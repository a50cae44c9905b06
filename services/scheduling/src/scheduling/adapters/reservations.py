"""No double booking, also when bookings race: one unique document per resource and granule.

A booking inserts a document for every (mediator, note-taker, room) and every granule of the
meeting plus its trailing buffer, keyed ``<tenant>|<resource>|<granule start>``. The database
rejects a second document with the same key, atomically, on FerretDB as on MongoDB (unlike a
conditional update, see mediation_runtime.locks), so of two racing bookings exactly one wins.
The loser's partial insert is removed again.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError


@dataclass(frozen=True)
class SlotTaken(Exception):
    """Another meeting holds ``resource`` at ``at``."""

    resource: str
    at: datetime


def staff(person_id: str) -> str:
    return f"staff:{person_id}"


def room(room_id: str) -> str:
    return f"room:{room_id}"


class Reservations:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], granule: timedelta) -> None:
        self._collection = collection
        self._granule = granule

    async def create_indexes(self) -> None:
        await self._collection.create_index([("meeting_id", ASCENDING)])

    async def reserve(
        self,
        tenant: str,
        meeting_id: str,
        resources: list[str],
        starts_at: datetime,
        held_until: datetime,
    ) -> None:
        """Hold every resource for [starts_at, held_until); raises :class:`SlotTaken`.

        Granules the meeting already holds (a move that overlaps its old time) are kept.
        """
        wanted = {
            self._key(tenant, resource, at): (resource, at)
            for resource in resources
            for at in self._granules(starts_at, held_until)
        }
        held = {
            document["_id"]
            async for document in self._collection.find({"meeting_id": meeting_id}, {"_id": 1})
        }
        new = [
            {"_id": key, "meeting_id": meeting_id, "tenant": tenant, "resource": resource, "at": at}
            for key, (resource, at) in wanted.items()
            if key not in held
        ]
        if new:
            try:
                await self._collection.insert_many(new, ordered=True)
            except BulkWriteError as error:
                inserted = [document["_id"] for document in new[: error.details["nInserted"]]]
                await self._collection.delete_many({"_id": {"$in": inserted}})
                taken = new[error.details["writeErrors"][0]["index"]]
                raise SlotTaken(taken["resource"], taken["at"]) from None
        stale = sorted(held - wanted.keys())
        if stale:
            await self._collection.delete_many({"_id": {"$in": stale}})

    async def release(self, meeting_id: str) -> None:
        await self._collection.delete_many({"meeting_id": meeting_id})

    async def held_before(self, cutoff: datetime) -> set[str]:
        """Meetings holding reservations made before ``cutoff``."""
        cursor = self._collection.find({"reserved_at": {"$lte": cutoff}}, {"meeting_id": 1})
        return {document["meeting_id"] async for document in cursor}

    def _granules(self, starts_at: datetime, held_until: datetime) -> Iterator[datetime]:
        at = _floor(starts_at.astimezone(UTC), self._granule)
        while at < held_until:
            yield at
            at += self._granule

    @staticmethod
    def _key(tenant: str, resource: str, at: datetime) -> str:
        return f"{tenant}|{resource}|{at:%Y-%m-%dT%H:%MZ}"


def _floor(moment: datetime, granule: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // granule) * granule
