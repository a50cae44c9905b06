"""The audit trail (``mediation_notes.audit``): every access, allowed or denied. Insert-only.

An entry says who (subject and role from the verified token), which case, what they tried,
whether it was allowed and why not. Never any content.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from mediation_contracts.commands import AuditEntry
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection


class AuditTrail:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self._collection = collection

    async def create_indexes(self) -> None:
        await self._collection.create_index(
            [("tenant", ASCENDING), ("case_id", ASCENDING), ("at", ASCENDING)]
        )

    async def record(
        self,
        *,
        tenant: str,
        case_id: UUID,
        subject: str,
        role: str,
        action: str,
        allowed: bool,
        reason: str,
        at: datetime,
    ) -> None:
        await self._collection.insert_one(
            {
                "tenant": tenant,
                "case_id": str(case_id),
                "subject": subject,
                "role": role,
                "action": action,
                "allowed": allowed,
                "reason": reason,
                "at": at,
            }
        )

    async def of_case(self, tenant: str, case_id: UUID) -> list[AuditEntry]:
        cursor = self._collection.find({"tenant": tenant, "case_id": str(case_id)}).sort("at", 1)
        return [AuditEntry.model_validate(document) async for document in cursor]
