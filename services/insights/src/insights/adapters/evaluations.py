"""Evaluation links and answers (``mediation_insights``), three plain collections:

- ``evaluation_links``: one document per unused link, ``_id`` the SHA-256 of its token (never
  the token): the tenant, case, party and occasion it invites, when it expires and when its
  one reminder is due. ``links`` are the hashes of every link of the same invitation (the
  first and the reminder's): using one uses them all. Deleted when used or expired, so from
  then on nothing ties a token to a case or a party.
- ``evaluation_links_used``: ``{_id: hash, expires_at}``, one per used link until it would
  have expired. Its unique insert is the guard that lets a link be used once, also when two
  submissions race.
- ``evaluation_answers``: ``{_id: random uuid, tenant, month, occasion, scores, comment}``:
  no case, party, link or time of day.

Every read on a request's path is by ``_id`` alone (the one filter FerretDB serves from an
index); the periodic look for due reminders and expired links scans, as it may.
"""

import contextlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from insights.domain.statistics import Answer

Document = dict[str, Any]


class Evaluations:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.links = database["evaluation_links"]
        self.used = database["evaluation_links_used"]
        self.answers = database["evaluation_answers"]

    async def create_indexes(self) -> None:
        await self.links.create_index([("remind_at", ASCENDING)])
        await self.links.create_index([("expires_at", ASCENDING)])
        await self.used.create_index([("expires_at", ASCENDING)])
        await self.answers.create_index([("tenant", ASCENDING), ("month", ASCENDING)])

    async def invite(
        self,
        link: str,
        *,
        tenant: str,
        case_id: UUID,
        party_id: str,
        occasion: str,
        expires_at: datetime,
        remind_at: datetime | None,
        links: Sequence[str] = (),
    ) -> None:
        """Keep a link (by its hash); the same link kept again changes nothing."""
        with contextlib.suppress(DuplicateKeyError):
            await self.links.insert_one(
                {
                    "_id": link,
                    "tenant": tenant,
                    "case_id": str(case_id),
                    "party_id": party_id,
                    "occasion": occasion,
                    "expires_at": expires_at,
                    "remind_at": remind_at,
                    "links": list(links) or [link],
                }
            )

    async def valid(self, link: str, tenant: str, now: datetime) -> Document | None:
        """The link's invitation if it can still be used (known, of this tenant, unexpired)."""
        invitation = await self.links.find_one({"_id": link})
        if invitation is None or invitation["tenant"] != tenant or invitation["expires_at"] <= now:
            return None
        return invitation

    async def claim(self, invitation: Document) -> bool:
        """Mark the invitation's links used; False when this link was used already."""
        link = invitation["_id"]
        try:
            await self.used.insert_one({"_id": link, "expires_at": invitation["expires_at"]})
        except DuplicateKeyError:
            return False
        for other in invitation.get("links", []):
            if other != link:
                with contextlib.suppress(DuplicateKeyError):
                    await self.used.insert_one(
                        {"_id": other, "expires_at": invitation["expires_at"]}
                    )
        return True

    async def forget(self, links: Iterable[str]) -> None:
        for link in links:
            await self.links.delete_one({"_id": link})

    async def store_answer(self, answer: Document) -> None:
        await self.answers.insert_one(answer)

    async def due_reminders(self, now: datetime) -> list[Document]:
        cursor = self.links.find({"remind_at": {"$lte": now}})
        return [document async for document in cursor]

    async def reminder_made(self, link: str, links: Sequence[str]) -> bool:
        """The invitation ``link`` now has ``links`` (its own and the reminder's), and no
        reminder is due any more; False when it is gone (used or expired meanwhile)."""
        result = await self.links.update_one(
            {"_id": link}, {"$set": {"remind_at": None, "links": list(links)}}
        )
        return result.matched_count == 1

    async def expire(self, now: datetime) -> int:
        """Forget links and used-marks whose time ran out."""
        gone = await self.links.delete_many({"expires_at": {"$lte": now}})
        await self.used.delete_many({"expires_at": {"$lte": now}})
        return gone.deleted_count

    async def answers_of(self, tenant: str, from_month: str, to_month: str) -> list[Answer]:
        cursor = self.answers.find(
            {"tenant": tenant, "month": {"$gte": from_month, "$lte": to_month}}
        )
        return [
            Answer(
                month=document["month"],
                occasion=document["occasion"],
                scores=document.get("scores", {}),
                comment=document.get("comment"),
            )
            async for document in cursor
        ]
