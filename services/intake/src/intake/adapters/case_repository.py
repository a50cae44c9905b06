"""The only module that knows how a case is stored in ``mediation_intake.cases``.

One document per case holds its state and the ids of the events already applied (so a
redelivered event changes nothing). Every change is the commit of a new version with the
events it causes (:mod:`mediation_runtime.documents`), so replicas never lose an update.

The state includes what the mediator's client is shown: the request's details (names and
contacts of the parties: personal data, never logged), the assessment, the timeline and the
events rejected for the case. Nested records are stored as the contract's JSON (times as
ISO 8601 text) and read back through the contract's models. Documents written before these
fields existed load with empty defaults.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from mediation_contracts.commands import Assessment, PartyTopics, RejectedEvent, TimelineEntry
from mediation_contracts.events import CaseworkerChecklist, FollowUpContact, Party, Requester
from mediation_runtime.documents import Decision, Document, VersionedDocuments
from mediation_runtime.mongo import case_key
from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from intake.domain.case import OPEN, Case, CaseKind, Status

ERASED_COLLECTION = "retention_erased"
"""The cases whose names and addresses the retention erased: ids and when, nothing else."""
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass
class StoredCase:
    case: Case
    applied: frozenset[str]
    created_at: datetime


class CaseRepository:
    def __init__(self, documents: VersionedDocuments) -> None:
        self._documents = documents
        self._collection = documents.heads

    async def create_indexes(self) -> None:
        await self._collection.create_index(
            [("tenant", ASCENDING), ("mediator_id", ASCENDING), *PAGE_ORDER]
        )

    async def get(self, tenant: str, case_id: UUID) -> StoredCase | None:
        document = await self._documents.get(case_key(tenant, case_id))
        return None if document is None else _stored(document)

    async def open_among(self, tenant: str, case_ids: set[str]) -> set[str]:
        """Of ``case_ids``, the cases still open (data rights: those are never erased)."""
        still_open = set()
        for case_id in case_ids:
            stored = await self.get(tenant, UUID(case_id))
            if stored is not None and stored.case.status in OPEN:
                still_open.add(case_id)
        return still_open

    @property
    def _erased(self) -> AsyncCollection[Document]:
        return self._collection.database[ERASED_COLLECTION]

    async def ended_before(self, cutoff: datetime) -> dict[str, set[str]]:
        """By tenant, the cases closed or refused before ``cutoff`` whose personal data is not
        erased yet (retention). When a case ended is its close (or refusal) in its timeline."""
        done = {str(marker["_id"]) async for marker in self._erased.find({}, {"_id": 1})}
        ended = sorted(s.value for s in Status if s not in OPEN)
        due: dict[str, set[str]] = {}
        projection = {"tenant": 1, "case_id": 1, "timeline": 1, "updated_at": 1}
        async for document in self._collection.find({"status": {"$in": ended}}, projection):
            key = case_key(document["tenant"], UUID(document["case_id"]))
            if key in done:
                continue
            ends = [
                datetime.fromisoformat(entry["at"])
                for entry in document.get("timeline", [])
                if entry["type"].endswith((".case.closed.v1", ".case.request_refused.v1"))
            ]
            at = max(ends) if ends else document["updated_at"]
            if at.tzinfo is None:
                at = at.replace(tzinfo=UTC)
            if at <= cutoff:
                due.setdefault(document["tenant"], set()).add(document["case_id"])
        return due

    async def mark_erased(self, tenant: str, case_ids: set[str], at: datetime) -> None:
        """Remember the cases whose personal data the retention erased (ids only)."""
        for case_id in case_ids:
            await self._erased.update_one(
                {"_id": case_key(tenant, UUID(case_id))},
                {"$set": {"tenant": tenant, "case_id": case_id, "erased_at": at}},
                upsert=True,
            )

    async def change(
        self,
        tenant: str,
        case_id: UUID,
        decide: Callable[[StoredCase | None], Decision[R] | Awaitable[Decision[R]]],
    ) -> R:
        """Load the case, let ``decide`` say what changes (:meth:`document` builds the new
        state), commit it with its events; again from the top when another replica committed
        first (:meth:`VersionedDocuments.change`)."""
        return await self._documents.change(
            case_key(tenant, case_id),
            lambda document: decide(None if document is None else _stored(document)),
        )

    @staticmethod
    def document(
        case: Case, applied: Iterable[str], created_at: datetime | None = None
    ) -> Document:
        """The stored form of ``case``, for a :class:`Decision`; a new case (no
        ``created_at``) is stamped as created now."""
        now = datetime.now(UTC)
        return {
            **_state_of(case),
            "applied": sorted(applied),
            "created_at": created_at or now,
            "updated_at": now,
        }

    async def visible_to(
        self,
        tenant: str,
        viewer_id: str,
        status: Status | None,
        limit: int,
        after: tuple[str, str] | None = None,
    ) -> tuple[list[Case], tuple[str, str] | None]:
        """A page of the tenant's cases ``viewer_id`` may see (:meth:`Case.visible_to`
        decides; the filters only narrow what is read), newest request first, without their
        timelines; and where the next page starts (``None``: this was the last).

        Pages are keyed on (request time, case id), so a case that arrives meanwhile does
        not shift them. Two queries, the viewer's cases and the free ones, each served by
        the ``(tenant, mediator_id, requested_at, case_id)`` index on MongoDB and cut at
        ``limit``. FerretDB (SQLite) uses an index only for a filter on ``_id`` alone and
        scans the collection here: the benchmark shows what that costs."""
        page: dict[str, Any] = {}
        if after is not None:
            at, case_id = after
            page = {
                "$or": [
                    {"requested_at": {"$lt": at}},
                    {"requested_at": at, "case_id": {"$lt": case_id}},
                ]
            }
        open_statuses = sorted(s.value for s in OPEN)
        if status is not None:
            open_statuses = [s for s in open_statuses if s == status.value]
        mine: dict[str, Any] = {"tenant": tenant, "mediator_id": viewer_id}
        if status is not None:
            mine["status"] = status.value
        free = {"tenant": tenant, "mediator_id": None, "status": {"$in": open_statuses}}
        found: list[Case] = []
        for query in (mine, free):
            cursor = (
                self._collection.find({**query, **page}, LIST_PROJECTION)
                .sort(PAGE_ORDER)
                .limit(limit + 1)
            )
            async for document in cursor:
                case = _case_from(document)
                if case.tenant == tenant and case.visible_to(viewer_id):
                    found.append(case)
        found.sort(key=_page_key, reverse=True)
        if len(found) <= limit:
            return found, None
        shown = found[:limit]
        return shown, _page_key(shown[-1])


def _page_key(case: Case) -> tuple[str, str]:
    """A case's place in the list: as stored, so that the database compares the same."""
    return case.requested_at.isoformat(), str(case.case_id)


PAGE_ORDER = [("requested_at", DESCENDING), ("case_id", DESCENDING)]
# What a list needs: not the ids of every applied event, not the timeline, not the checklist,
# not the topics.
LIST_PROJECTION = {
    "applied": 0,
    "timeline": 0,
    "rejected": 0,
    "checklist": 0,
    "people_changed": 0,
    "party_topics": 0,
}


def _stored(document: Document) -> StoredCase:
    return StoredCase(
        case=_case_from(document),
        applied=frozenset(document["applied"]),
        created_at=document["created_at"],
    )


def _dumped(records: list[Any]) -> list[dict[str, Any]]:
    return [record.model_dump(mode="json", exclude_none=True) for record in records]


def _dumped_one(record: BaseModel | None) -> dict[str, Any] | None:
    return None if record is None else record.model_dump(mode="json", exclude_none=True)


def _state_of(case: Case) -> dict[str, Any]:
    return {
        "tenant": case.tenant,
        "case_id": str(case.case_id),
        "status": case.status.value,
        # A list, not a dict: party ids may contain '.', which MongoDB field names must not.
        "parties": [{"party_id": pid, "kind": kind} for pid, kind in case.parties.items()],
        "consented": sorted(case.consented),
        "mediator_id": case.mediator_id,
        "note_taker_id": case.note_taker_id,
        "outcome": case.outcome,
        "source": case.source,
        "correlation_id": str(case.correlation_id) if case.correlation_id else None,
        "traceparent": case.traceparent,
        "case_kind": case.case_kind,
        "requested_at": case.requested_at.isoformat(),
        "requester": _dumped_one(case.requester),
        "party_details": _dumped(case.party_details),
        "conflict_description": case.conflict_description,
        "matter_reference": case.matter_reference,
        "checklist": _dumped_one(case.checklist),
        "assessment": _dumped_one(case.assessment),
        "declined_by": case.declined_by,
        "withdrawn_by": case.withdrawn_by,
        "closed_because": case.closed_because,
        "closed_at_sequence": case.closed_at_sequence,
        "follow_up_contact": _dumped_one(case.follow_up_contact),
        "timeline": _dumped(case.timeline),
        "rejected": _dumped(case.rejected),
        "party_topics": _dumped(case.party_topics),
        # A list, not a dict, for the same reason as "parties".
        "people_changed": [
            {"key": key, "at": at.isoformat(), "event_id": event_id}
            for key, (at, event_id) in sorted(case.people_changed.items())
        ],
    }


def _case_from(document: dict[str, Any]) -> Case:
    return Case(
        case_id=UUID(document["case_id"]),
        tenant=document["tenant"],
        status=Status(document["status"]),
        parties={p["party_id"]: p["kind"] for p in document["parties"]},
        consented=set(document["consented"]),
        mediator_id=document["mediator_id"],
        note_taker_id=document["note_taker_id"],
        outcome=document["outcome"],
        source=document["source"],
        correlation_id=UUID(document["correlation_id"]) if document["correlation_id"] else None,
        traceparent=document.get("traceparent"),
        # Absent from documents written before intake answered queries: defaults.
        case_kind=document.get("case_kind") or _kind_from_parties(document["parties"]),
        # A case stored before the request's time was kept: when intake opened it.
        requested_at=(
            datetime.fromisoformat(document["requested_at"])
            if document.get("requested_at")
            else document["created_at"]
        ),
        requester=_loaded_one(Requester, document.get("requester")),
        party_details=[Party.model_validate(p) for p in document.get("party_details", [])],
        conflict_description=document.get("conflict_description"),
        matter_reference=document.get("matter_reference"),
        checklist=_loaded_one(CaseworkerChecklist, document.get("checklist")),
        assessment=_loaded_one(Assessment, document.get("assessment")),
        declined_by=document.get("declined_by"),
        withdrawn_by=document.get("withdrawn_by"),
        closed_because=document.get("closed_because"),
        closed_at_sequence=document.get("closed_at_sequence"),
        follow_up_contact=_loaded_one(FollowUpContact, document.get("follow_up_contact")),
        timeline=[TimelineEntry.model_validate(e) for e in document.get("timeline", [])],
        rejected=[RejectedEvent.model_validate(e) for e in document.get("rejected", [])],
        party_topics=[PartyTopics.model_validate(t) for t in document.get("party_topics", [])],
        people_changed={
            change["key"]: (datetime.fromisoformat(change["at"]), change["event_id"])
            for change in document.get("people_changed", [])
        },
    )


def _loaded_one(model: type[M], stored: dict[str, Any] | None) -> M | None:
    return None if stored is None else model.model_validate(stored)


def _kind_from_parties(parties: list[dict[str, Any]]) -> CaseKind:
    """Only a family case has no administration among its parties."""
    if any(party["kind"] == "administration" for party in parties):
        return "citizen_administration"
    return "family"
