"""The only module that knows how meetings are stored in ``mediation_scheduling.meetings``.

One document per meeting: the fields queries need, the whole meeting as JSON, the ids of the
commands already carried out on it (a repeated command gives the same answer). Every change
is the commit of a new version with its events (:mod:`mediation_runtime.documents`), so
replicas never lose an update.
"""

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from mediation_runtime.documents import Decision, Document, VersionedDocuments
from pydantic import TypeAdapter
from pymongo import ASCENDING

from scheduling.domain.meeting import Meeting, MeetingStatus

_MEETING = TypeAdapter(Meeting)
R = TypeVar("R")


class Meetings:
    def __init__(self, documents: VersionedDocuments) -> None:
        self._documents = documents
        self._collection = documents.heads

    async def create_indexes(self) -> None:
        await self._collection.create_index([("tenant", ASCENDING), ("case_id", ASCENDING)])
        await self._collection.create_index([("tenant", ASCENDING), ("starts_at", ASCENDING)])
        await self._collection.create_index([("commands", ASCENDING)])

    async def change(
        self,
        meeting_id: str,
        decide: Callable[[Meeting | None, frozenset[str]], Awaitable[Decision[R]]],
    ) -> R:
        """Load the meeting and the commands done on it, let ``decide`` say what changes
        (:meth:`document`), commit it with its events; again from the top when another replica
        committed first. ``decide`` may run more than once."""

        def loaded(document: Document | None) -> Awaitable[Decision[R]]:
            if document is None:
                return decide(None, frozenset())
            return decide(
                _MEETING.validate_json(document["meeting"]), frozenset(document.get("commands", []))
            )

        return await self._documents.change(meeting_id, loaded)

    @staticmethod
    def document(meeting: Meeting, commands: Iterable[str]) -> Document:
        return {
            "tenant": meeting.tenant,
            "case_id": str(meeting.case_id),
            "status": meeting.status.value,
            "starts_at": meeting.starts_at,
            "meeting": _MEETING.dump_json(meeting).decode(),
            "commands": sorted(commands),
        }

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
        """Meetings of the tenant, scheduled or held, that may overlap [start, end) (by a day's
        margin). A meeting marked held once it began still has its mediator and rooms until it
        ends (as its reservations say): left out, the rooms looked free, and a booking there
        was offered and then refused as ``room_busy``."""
        cursor = self._collection.find(
            {
                "tenant": tenant,
                "status": {"$in": [MeetingStatus.SCHEDULED.value, MeetingStatus.HELD.value]},
                "starts_at": {"$gte": start - timedelta(days=1), "$lt": end},
            }
        )
        return [_MEETING.validate_json(document["meeting"]) async for document in cursor]
