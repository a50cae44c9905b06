"""Due reminders in ``mediation_notifications.notifications`` (kind ``reminder``).

One per meeting holding its reminder plan: replaced when the meeting moves, emptied when it
is cancelled. A periodic task sends those that are due, once.
"""

from datetime import datetime
from typing import Any

from mediation_runtime.documents import Decision, Document, VersionedDocuments, fields_of
from pydantic import TypeAdapter

from notifications.domain.reminders import ReminderPlan

_PLAN = TypeAdapter(ReminderPlan)


def reminder_id(tenant: str, meeting_id: str) -> str:
    return f"reminder:{tenant}:{meeting_id}"


class Reminders:
    def __init__(self, documents: VersionedDocuments) -> None:
        self._documents = documents
        self._collection = documents.heads

    async def current(self, tenant: str, meeting_id: str) -> ReminderPlan | None:
        document = await self._documents.latest(reminder_id(tenant, meeting_id))
        return None if document is None else _PLAN.validate_json(document["plan"])

    async def store(self, plan: ReminderPlan) -> None:
        reminder = plan.reminder
        document = {
            "kind": "reminder",
            "tenant": plan.tenant,
            "state": "pending" if reminder is not None else "none",
            "due_at": reminder.due_at if reminder is not None else None,
            "plan": _PLAN.dump_json(plan).decode(),
        }

        def decide(head: Document | None) -> Decision[None]:
            if head is not None and head["plan"] == document["plan"]:
                # The same plan (its event delivered again): a reminder already sent stays sent.
                return Decision(None)
            return Decision(None, document)

        await self._documents.change(reminder_id(plan.tenant, plan.meeting_id), decide)

    async def due(self, now: datetime) -> list[tuple[dict[str, Any], ReminderPlan]]:
        cursor = self._collection.find(
            {"kind": "reminder", "state": "pending", "due_at": {"$lte": now}}
        )
        return [(document, _PLAN.validate_json(document["plan"])) async for document in cursor]

    async def sent(self, document: dict[str, Any]) -> None:
        """Marks exactly the plan that was sent: a reminder moved meanwhile stays pending."""

        def decide(head: Document | None) -> Decision[None]:
            if head is None or head["plan"] != document["plan"] or head["state"] != "pending":
                return Decision(None)
            return Decision(None, {**fields_of(head), "state": "sent"})

        await self._documents.change(document["_id"], decide)
