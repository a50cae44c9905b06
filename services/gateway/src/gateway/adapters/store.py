"""The gateway's database (``mediation_gateway``): subscriptions, their deliveries and replays.

- ``subscriptions``: one document per subscription, with its signing secret (it must sign).
- ``deliveries``: one per subscription and event (``<subscription>:<event id>``, plus
  ``:<replay>`` for a replay), with the event's municipality and case (``tenant``,
  ``case_id``: how a data-rights request finds the copies of a person's case,
  ``mediation_runtime.personal_data``), the event, its state (``pending``, ``delivered``,
  ``dead``: the subscription's dead letters), the attempts made and when the next is due.
  The unique ``_id`` makes queueing idempotent: an event heard twice is queued once.
- ``attempts``: one claim per attempt (``<delivery>#<n>``). Of replicas racing for the same
  attempt, exactly one inserts the claim and makes it (unique inserts are atomic on FerretDB
  and MongoDB alike, conditional updates are not); a claim older than the lease, left by a
  replica that died, is taken over.
- ``replays``: one per replay, with its progress.

No document holds more than ids, codes, times and, in deliveries, the event as published
on the bus (events outside systems may hear: no note content; personal only where the
contract allows the subscriber). Delivered records and dead letters are deleted after their
retention.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


class Store:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.subscriptions = database["subscriptions"]
        self.deliveries = database["deliveries"]
        self.attempts = database["attempts"]
        self.replays = database["replays"]

    async def create_indexes(self) -> None:
        await self.subscriptions.create_index([("tenant", ASCENDING), ("owner", ASCENDING)])
        await self.subscriptions.create_index([("tenant", ASCENDING), ("types", ASCENDING)])
        await self.deliveries.create_index(
            [("subscription", ASCENDING), ("state", ASCENDING), ("due_at", ASCENDING)]
        )
        await self.deliveries.create_index([("state", ASCENDING), ("finished_at", ASCENDING)])
        await self.attempts.create_index([("at", ASCENDING)])
        await self.label_cases()

    async def label_cases(self) -> int:
        """Deliveries queued before they carried their ``tenant`` and ``case_id`` get them
        from their event, so that a data-rights request finds every copy (run at start;
        nothing to do once all have them). Returns how many were labelled."""
        labelled = 0
        async for document in self.deliveries.find({"case_id": {"$exists": False}}):
            try:
                event = json.loads(document["body"])
                tenant, case_id = event["tenant"], event["subject"]
            except (KeyError, TypeError, ValueError):
                continue  # not an event this gateway wrote; nothing of a case in it
            if isinstance(tenant, str) and isinstance(case_id, str):
                await self.deliveries.update_one(
                    {"_id": document["_id"]}, {"$set": {"tenant": tenant, "case_id": case_id}}
                )
                labelled += 1
        return labelled

    # --- subscriptions -----------------------------------------------------------------------

    async def add_subscription(
        self,
        id: str,
        tenant: str,
        owner: str,
        callback_url: str,
        types: list[str],
        sealed_secret: str,
        grants: Document,
    ) -> Document:
        """``sealed_secret``: encrypted (adapters.secrets); ``grants``: how the owner
        authenticated (``via``) and, for a token, its ``roles`` and ``consume``."""
        document = {
            "_id": id,
            "tenant": tenant,
            "owner": owner,
            "callback_url": callback_url,
            "types": types,
            "secret": sealed_secret,
            "created_at": datetime.now(UTC),
            **grants,
        }
        await self.subscriptions.insert_one(document)
        return document

    async def update_grants(
        self, tenant: str, owner: str, roles: list[str], consume: list[str]
    ) -> None:
        """A token client's current roles, for the check before each delivery."""
        await self.subscriptions.update_many(
            {"tenant": tenant, "owner": owner, "via": "token"},
            {"$set": {"roles": roles, "consume": consume}},
        )

    async def subscription(self, tenant: str, owner: str, id: str) -> Document | None:
        return await self.subscriptions.find_one({"_id": id, "tenant": tenant, "owner": owner})

    async def subscription_by_id(self, id: str) -> Document | None:
        return await self.subscriptions.find_one({"_id": id})

    async def subscriptions_of(self, tenant: str, owner: str) -> list[Document]:
        cursor = self.subscriptions.find({"tenant": tenant, "owner": owner}).sort("created_at")
        return [document async for document in cursor]

    async def subscription_ids(self) -> set[str]:
        return {document["_id"] async for document in self.subscriptions.find({}, {"_id": 1})}

    async def matching(self, tenant: str, type_name: str) -> list[Document]:
        cursor = self.subscriptions.find({"tenant": tenant, "types": type_name})
        return [document async for document in cursor]

    async def remove_subscription(self, tenant: str, owner: str, id: str) -> bool:
        removed = await self.subscriptions.delete_one({"_id": id, "tenant": tenant, "owner": owner})
        if removed.deleted_count:
            await self.deliveries.delete_many({"subscription": id})
        return bool(removed.deleted_count)

    # --- deliveries --------------------------------------------------------------------------

    async def queue(
        self,
        subscription: str,
        event_id: str,
        type_name: str,
        body: str,
        replay: str | None = None,
        *,
        tenant: str,
        case_id: str,
    ) -> bool:
        """Queue one event for one subscription; False when it was queued before."""
        now = datetime.now(UTC)
        key = f"{subscription}:{event_id}" + (f":{replay}" if replay else "")
        try:
            await self.deliveries.insert_one(
                {
                    "_id": key,
                    "subscription": subscription,
                    "event_id": event_id,
                    "tenant": tenant,
                    "case_id": case_id,
                    "type": type_name,
                    "body": body,
                    "state": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "queued_at": now,
                    "replay": replay,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def due(self, subscription: str, now: datetime, limit: int) -> list[Document]:
        cursor = (
            self.deliveries.find(
                {"subscription": subscription, "state": "pending", "due_at": {"$lte": now}}
            )
            .sort([("due_at", ASCENDING), ("queued_at", ASCENDING)])
            .limit(limit)
        )
        return [document async for document in cursor]

    async def next_due(self, subscription: str) -> datetime | None:
        document = await self.deliveries.find_one(
            {"subscription": subscription, "state": "pending"},
            {"due_at": 1},
            sort=[("due_at", ASCENDING)],
        )
        return None if document is None else _aware(document["due_at"])

    async def claim(self, delivery: Document, lease: timedelta) -> bool:
        """Claim the next attempt of ``delivery`` for this replica (exactly one wins)."""
        key = f"{delivery['_id']}#{delivery['attempts'] + 1}"
        now = datetime.now(UTC)
        try:
            await self.attempts.insert_one({"_id": key, "at": now})
            return True
        except DuplicateKeyError:
            pass
        held = await self.attempts.find_one({"_id": key})
        if held is None or _aware(held["at"]) > now - lease:
            return False
        # Left by a replica that died mid-attempt: whoever removes it may race for it again.
        await self.attempts.delete_one({"_id": key, "at": held["at"]})
        try:
            await self.attempts.insert_one({"_id": key, "at": now})
            return True
        except DuplicateKeyError:
            return False

    async def record(
        self,
        delivery: Document,
        *,
        state: str,
        due_at: datetime | None,
        status: int | None,
        error: str | None,
    ) -> None:
        """The outcome of the attempt this replica claimed."""
        now = datetime.now(UTC)
        update: Document = {
            "state": state,
            "attempts": delivery["attempts"] + 1,
            "last_attempt_at": now,
            "last_status": status,
            "last_error": error,
        }
        if due_at is not None:
            update["due_at"] = due_at
        if state != "pending":
            update["finished_at"] = now
        await self.deliveries.update_one(
            {"_id": delivery["_id"], "attempts": delivery["attempts"]}, {"$set": update}
        )

    async def dead_letters(self, subscription: str, limit: int) -> list[Document]:
        cursor = (
            self.deliveries.find({"subscription": subscription, "state": "dead"})
            .sort("finished_at", DESCENDING)
            .limit(limit)
        )
        return [document async for document in cursor]

    async def redeliver(self, subscription: str, ids: list[str] | None) -> int:
        """Dead letters back to pending, with a fresh round of attempts. The attempt counter
        goes on (claims are per attempt number), the schedule starts again."""
        query: Document = {"subscription": subscription, "state": "dead"}
        if ids is not None:
            query["event_id"] = {"$in": ids}
        count = 0
        async for document in self.deliveries.find(query):
            result = await self.deliveries.update_one(
                {"_id": document["_id"], "state": "dead"},
                {
                    "$set": {
                        "state": "pending",
                        "due_at": datetime.now(UTC),
                        "round_start": document["attempts"],
                    },
                    "$unset": {"finished_at": ""},
                },
            )
            count += result.modified_count
        return count

    async def forget_old(self, delivered: timedelta, dead: timedelta) -> None:
        now = datetime.now(UTC)
        await self.deliveries.delete_many(
            {"state": "delivered", "finished_at": {"$lt": now - delivered}}
        )
        await self.deliveries.delete_many({"state": "dead", "finished_at": {"$lt": now - dead}})
        await self.attempts.delete_many({"at": {"$lt": now - max(delivered, dead)}})

    # --- replays -----------------------------------------------------------------------------

    async def add_replay(self, subscription: str, since: datetime) -> Document:
        now = datetime.now(UTC)
        document = {
            "_id": str(uuid4()),
            "subscription": subscription,
            "since": since,
            "until": now,
            "state": "running",
            "queued": 0,
            "started_at": now,
            "updated_at": now,
        }
        await self.replays.insert_one(document)
        return document

    async def update_replay(self, id: str, **fields: Any) -> None:
        await self.replays.update_one(
            {"_id": id}, {"$set": {**fields, "updated_at": datetime.now(UTC)}}
        )

    async def replay(self, subscription: str, id: str) -> Document | None:
        return await self.replays.find_one({"_id": id, "subscription": subscription})


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
