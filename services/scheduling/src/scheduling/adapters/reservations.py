"""No double booking, also when bookings race: one unique document per resource and granule.

A booking inserts a document for every (mediator, note-taker, room) and every granule of the
meeting plus its trailing buffer, keyed ``<tenant>|<resource>|<granule start>``. The database
rejects a second document with the same key, atomically, on FerretDB as on MongoDB (unlike a
conditional update, see mediation_runtime.documents), so no two bookings ever hold one key.

Of racing bookings exactly one wins because every booking takes its keys one at a time, in
one order shared by all (the sorted keys), and stops at the first key another holds. A
refused booking held only keys below the one it was refused, and the booking holding that key
goes on only with keys above it, so refusals cannot go round in a circle: the booking that
took the highest contested key is refused by no one. An ordered ``insert_many`` does not give
this: FerretDB 1.24 inserts in batches of 100 and goes on with the next batch after a
duplicate key, and its ``nInserted`` then says nothing about which documents it inserted. A
refused booking removes the keys it inserted itself, and only documents carrying its own
meeting id, never by what a server reports. A crash half-way leaves keys that the orphan
sweep (``held_before``, by ``reserved_at``) releases.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError


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
        granule: timedelta | None = None,
    ) -> None:
        """Hold every resource for [starts_at, held_until); raises :class:`SlotTaken`.

        ``granule``: the tenant's slot step (its policy's granularity), else the one given
        at construction. A granule coarser than the tenant's steps would make a meeting that
        ends just before a free slot hold that slot too, and a booking there be refused.
        Granules the meeting already holds (a move that overlaps its old time) are kept.
        """
        wanted = {
            self._key(tenant, resource, at): (resource, at)
            for resource in resources
            for at in self._granules(starts_at, held_until, granule or self._granule)
        }
        held = {
            document["_id"]
            async for document in self._collection.find({"meeting_id": meeting_id}, {"_id": 1})
        }
        taken: list[str] = []  # the keys this call inserted, in order
        reserved_at = datetime.now(UTC)
        for key in sorted(wanted.keys() - held):
            resource, at = wanted[key]
            try:
                await self._collection.insert_one(
                    {
                        "_id": key,
                        "meeting_id": meeting_id,
                        "tenant": tenant,
                        "resource": resource,
                        "at": at,
                        "reserved_at": reserved_at,
                    }
                )
            except DuplicateKeyError:
                holder = await self._collection.find_one({"_id": key}, {"meeting_id": 1})
                if holder is not None and holder["meeting_id"] == meeting_id:
                    continue  # another replica booking the same meeting (a repeated command)
                await self._remove(meeting_id, taken)
                raise SlotTaken(resource, at) from None
            taken.append(key)
        await self._remove(meeting_id, sorted(held - wanted.keys()))

    async def _remove(self, meeting_id: str, keys: list[str]) -> None:
        """Remove those of ``keys`` that carry ``meeting_id``: never another booking's."""
        if keys:
            await self._collection.delete_many({"_id": {"$in": keys}, "meeting_id": meeting_id})

    async def release(self, meeting_id: str) -> None:
        await self._collection.delete_many({"meeting_id": meeting_id})

    async def held_before(self, cutoff: datetime) -> set[str]:
        """Meetings holding reservations made before ``cutoff``."""
        cursor = self._collection.find({"reserved_at": {"$lte": cutoff}}, {"meeting_id": 1})
        return {document["meeting_id"] async for document in cursor}

    @staticmethod
    def _granules(
        starts_at: datetime, held_until: datetime, granule: timedelta
    ) -> Iterator[datetime]:
        at = _floor(starts_at.astimezone(UTC), granule)
        while at < held_until:
            yield at
            at += granule

    @staticmethod
    def _key(tenant: str, resource: str, at: datetime) -> str:
        return f"{tenant}|{resource}|{at:%Y-%m-%dT%H:%MZ}"


def _floor(moment: datetime, granule: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // granule) * granule
