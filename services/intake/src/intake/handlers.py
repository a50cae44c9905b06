"""What intake does when an event arrives. Plain functions; bootstrap supplies the repository.

Every handler is idempotent: an event already applied to its case changes nothing.
"""

import structlog
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import CaseRequested
from mediation_runtime.delivery import NotYet, Rejected, delivered_sequence
from mediation_runtime.documents import Decision

from intake.adapters.case_repository import CaseRepository, StoredCase
from intake.domain.case import OPEN, Case, ImpossibleTransition

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
        was_open = case.status in OPEN
        try:
            outgoing = case.handle(event)
        except ImpossibleTransition as error:
            if overtaken(case, sequence):
                # Not late: the stream has it before the event that closed the case. Moot
                # now; remembered (not applied) and acknowledged, never a dead letter.
                case.reject(event, f"{error}: closed by a later event, which was applied first")
                applied = [*stored.applied, str(event.id)]
                return Decision("overtaken", cases.document(case, applied, stored.created_at))
            # The case remembers the refusal so the sender can be told; then dead-letter.
            remembered = case.reject(event, str(error))
            document = cases.document(case, stored.applied, stored.created_at)
            return Decision(error, document if remembered else None)
        if was_open and case.status not in OPEN:
            case.closed_at_sequence = sequence
        document = cases.document(case, [*stored.applied, str(event.id)], stored.created_at)
        return Decision(case.status.value, document, outgoing)

    sequence = delivered_sequence()
    result = await cases.change(event.tenant, event.subject, decide)
    if isinstance(result, ImpossibleTransition):
        raise Rejected(str(result)) from None
    if result == "duplicate":
        log.info("duplicate_ignored")
    elif result == "overtaken":
        log.warning("overtaken_by_close")  # the stream sequence is bound already
    else:
        log.info("case_updated", status=result)


def overtaken(case: Case, sequence: int | None) -> bool:
    """Whether an event refused by the closed ``case`` is older in the stream than the event
    that closed it: one case's events are applied in stream order within a replica
    (delivery.Lanes), but two replicas, or a retry after a failure, can apply a later one
    first (a withdrawal before a consent sent just ahead of it)."""
    return (
        case.status not in OPEN
        and sequence is not None
        and case.closed_at_sequence is not None
        and sequence < case.closed_at_sequence
    )
