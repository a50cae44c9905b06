"""Intake's retention: a case's names and addresses do not outlive ``INTAKE_RETENTION``.

Once a case has been closed (or refused) longer than that, every name, contact detail and
the parties' own words (description, topics) in its records are erased the way a data
protection erasure erases one person's (:func:`mediation_runtime.personal_data.erase_cases`):
replaced by ``[slettet]`` in every collection, history and outbox included, ids and codes
kept for statistics and audit. The case's personal events and dead letters go from the
streams at the same time, so the streams never keep them longer than intake does, whatever
their age limit.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import structlog
from mediation_runtime.personal_data import Document, erase_cases
from pymongo.asynchronous.database import AsyncDatabase

from intake.adapters.case_repository import CaseRepository

log = structlog.get_logger("intake.retention")

EraseEvents = Callable[[str, set[str]], Awaitable[int]]


async def erase_expired(
    cases: CaseRepository,
    database: AsyncDatabase[Document],
    erase_events: EraseEvents,
    retention: timedelta,
    now: datetime | None = None,
) -> int:
    """Erase the cases whose retention ran out; returns how many."""
    at = now or datetime.now(UTC)
    due = await cases.ended_before(at - retention)
    erased = 0
    for tenant, case_ids in sorted(due.items()):
        documents = await erase_cases(database, tenant, case_ids)
        messages = await erase_events(tenant, case_ids)
        await cases.mark_erased(tenant, case_ids, at)
        erased += len(case_ids)
        log.info(
            "retention_erased",
            tenant=tenant,
            cases=len(case_ids),
            documents=documents,
            stream_messages=messages,
        )
    return erased
