"""What intake does when an event arrives. Plain functions; bootstrap supplies the repository.

Every handler is idempotent: an event already applied to its case changes nothing.
"""

import structlog
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import CaseRequested
from mediation_runtime.delivery import NotYet, Rejected

from intake.adapters.case_repository import CaseAlreadyExists, CaseRepository, ConcurrentUpdate
from intake.domain.case import Case, ImpossibleTransition

log = structlog.get_logger("intake")

MAX_CONCURRENT_RETRIES = 5


async def when_case_requested_open_case(
    event: CaseRequested, cases: CaseRepository, source: str
) -> None:
    case, outgoing = Case.open(event, source)
    async with cases.exclusive(event.tenant, event.subject):
        try:
            await cases.add(case, event, outgoing)
        except CaseAlreadyExists:
            stored = await cases.get(event.tenant, event.subject)
            if stored is not None and str(event.id) in stored.applied:
                log.info("duplicate_ignored")
                return
            raise Rejected(
                f"case {event.subject} already exists; a new request needs a new case id"
            ) from None
    log.info("case_opened", status=case.status.value, events_out=len(outgoing))


async def when_case_event_apply_it(event: CloudEvent, cases: CaseRepository) -> None:
    """Assessment, mediator, consent, withdrawal, outcome: the case's rules decide."""
    async with cases.exclusive(event.tenant, event.subject):
        await _apply(event, cases)


async def _apply(event: CloudEvent, cases: CaseRepository) -> None:
    for _ in range(MAX_CONCURRENT_RETRIES):
        stored = await cases.get(event.tenant, event.subject)
        if stored is None:
            # Events of one case travel on different consumers; its request may still be on
            # its way. Retried with delay, dead-lettered if the case never appears.
            raise NotYet(f"case {event.subject} is unknown to intake")
        if str(event.id) in stored.applied:
            log.info("duplicate_ignored")
            return
        try:
            outgoing = stored.case.handle(event)
        except ImpossibleTransition as error:
            # The case remembers the refusal so the sender can be told; then dead-letter.
            try:
                if stored.case.reject(event, str(error)):
                    await cases.save_rejections(stored)
            except ConcurrentUpdate:
                continue
            raise Rejected(str(error)) from None
        try:
            await cases.save(stored, event, outgoing)
        except ConcurrentUpdate:
            continue
        log.info("case_updated", status=stored.case.status.value, events_out=len(outgoing))
        return
    raise ConcurrentUpdate(str(event.subject))
