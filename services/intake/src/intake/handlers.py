"""What intake does when an event arrives. Plain functions; bootstrap supplies the repository.

Every handler is idempotent: an event already applied to its case changes nothing.
"""

import structlog
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import CaseRequested
from mediation_runtime.delivery import NotYet, Rejected
from mediation_runtime.documents import Decision

from intake.adapters.case_repository import CaseRepository, StoredCase
from intake.domain.case import Case, ImpossibleTransition

log = structlog.get_logger("intake")


async def when_case_requested_open_case(
    event: CaseRequested, cases: CaseRepository, source: str
) -> None:
    case, outgoing = Case.open(event, source)

    def decide(stored: StoredCase | None) -> Decision[bool]:
        if stored is None:
            document = cases.document(case, [str(event.id)])
            return Decision(True, document, outgoing)
        if str(event.id) in stored.applied:
            return Decision(False)
        raise Rejected(f"case {event.subject} already exists; a new request needs a new case id")

    if await cases.change(event.tenant, event.subject, decide):
        log.info("case_opened", status=case.status.value, events_out=len(outgoing))
    else:
        log.info("duplicate_ignored")


async def when_case_event_apply_it(event: CloudEvent, cases: CaseRepository) -> None:
    """Assessment, mediator, consent, withdrawal, outcome: the case's rules decide."""

    def decide(stored: StoredCase | None) -> Decision[str | ImpossibleTransition]:
        if stored is None:
            # Events of one case travel on different consumers; its request may still be on
            # its way. Retried with delay, dead-lettered if the case never appears.
            raise NotYet(f"case {event.subject} is unknown to intake")
        if str(event.id) in stored.applied:
            return Decision("duplicate")
        case = stored.case
        try:
            outgoing = case.handle(event)
        except ImpossibleTransition as error:
            # The case remembers the refusal so the sender can be told; then dead-letter.
            remembered = case.reject(event, str(error))
            document = cases.document(case, stored.applied, stored.created_at)
            return Decision(error, document if remembered else None)
        document = cases.document(case, [*stored.applied, str(event.id)], stored.created_at)
        return Decision(case.status.value, document, outgoing)

    result = await cases.change(event.tenant, event.subject, decide)
    if isinstance(result, ImpossibleTransition):
        raise Rejected(str(result)) from None
    if result == "duplicate":
        log.info("duplicate_ignored")
    else:
        log.info("case_updated", status=result)
