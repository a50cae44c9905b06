"""The only module that knows how meetings are stored in ``mediation_scheduling.meetings``.

One document per meeting: the fields queries need, the whole meeting as JSON, the ids of the
commands already carried out on it (a repeated command gives the same answer), and the outbox
of events the relay publishes.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from mediation_contracts.envelope import CloudEvent
from mediation_runtime.locks import KeyedLock
from mediation_runtime.outbox import outbox_entry
from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from scheduling.domain.meeting import Meeting, MeetingStatus

_MEETING = TypeAdapter(Meeting)


class Meetings:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        locks: KeyedLock,
        on_outbox_written: Callable[[str], None],
    ) -> None:
        self._collection = collection
        self._locks = locks
        self._on_outbox_written = on_outbox_written

    async def create_indexes(self) -> None:
        await self._collection.create_index([("tenant", ASCENDING), ("case_id", ASCENDING)])
        await self._collection.create_index([("tenant", ASCENDING), ("starts_at", ASCENDING)])
        await self._collection.create_index([("commands", ASCENDING)])

    def exclusive(self, meeting_id: str) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(meeting_id)

    async def get(self, tenant: str, meeting_id: str) -> Meeting | None:
        document = await self._collection.find_one({"_id": meeting_id, "tenant": tenant})
        return None if document is None else _MEETING.validate_json(document["meeting"])

    async def exists(self, meeting_id: str) -> bool:
        return await self._collection.find_one({"_id": meeting_id}, {"_id": 1}) is not None

    async def by_command(self, tenant: str, command_id: UUID) -> Meeting | None:
        document = await self._collection.find_one({"tenant": tenant, "commands": str(command_id)})
        return None if document is None else _MEETING.validate_json(document["meeting"])

    async def of_case(self, tenant: str, case_id: UUID) -> list[Meeting]:
        cursor = self._collection.find({"tenant": tenant, "case_id": str(case_id)})
        return sorted(
            [_MEETING.validate_json(document["meeting"]) async for document in cursor],
            key=lambda meeting: meeting.starts_at,
        )

    async def scheduled_between(self, tenant: str, start: datetime, end: datetime) -> list[Meeting]:
        """Scheduled meetings of the tenant that may overlap [start, end) (by a day's margin)."""
        cursor = self._collection.find(
            {
                "tenant": tenant,
                "status": MeetingStatus.SCHEDULED.value,
                "starts_at": {"$gte": start - timedelta(days=1), "$lt": end},
            }
        )
        return [_MEETING.validate_json(document["meeting"]) async for document in cursor]

    async def save(
        self, meeting: Meeting, outgoing: list[CloudEvent], command_id: UUID | None = None
    ) -> None:
        """Insert or update the meeting with its events, in one single-document write."""
        update: dict[str, Any] = {
            "$set": {
                "tenant": meeting.tenant,
                "case_id": str(meeting.case_id),
                "status": meeting.status.value,
                "starts_at": meeting.starts_at,
                "meeting": _MEETING.dump_json(meeting).decode(),
            },
            "$push": {"outbox": {"$each": [outbox_entry(event) for event in outgoing]}},
        }
        if command_id is not None:
            update["$push"]["commands"] = str(command_id)
        await self._collection.update_one({"_id": meeting.meeting_id}, update, upsert=True)
        if outgoing:
            self._on_outbox_written(meeting.meeting_id)
