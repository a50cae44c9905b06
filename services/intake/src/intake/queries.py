"""What intake answers the mediator's client: the cases a mediator may see, and one case.

The case decides who sees it and what they may do (:meth:`Case.visible_to`,
:meth:`Case.actions_for`); this module only reads and shapes the answer. The tenant is the
request subject's, never the request's.
"""

import structlog
from mediation_contracts.commands import CaseDetail, CaseListItem, GetCase, ListCases, Reply
from mediation_contracts.events import Party

from intake.adapters.case_repository import CaseRepository
from intake.domain.case import Case, Status
from intake.refusals import refused

log = structlog.get_logger("intake")


async def list_cases(query: ListCases, tenant: str, cases: CaseRepository) -> Reply:
    status = Status(query.status) if query.status is not None else None
    after = None
    if query.after is not None:
        at, _, case_id = query.after.partition("~")
        after = (at, case_id)
    found, next_page = await cases.visible_to(tenant, query.viewer_id, status, query.limit, after)
    log.debug("cases_listed", tenant=tenant, viewer_id=query.viewer_id, count=len(found))
    return Reply(
        ok=True,
        cases=[list_item(case) for case in found],
        next_page=None if next_page is None else "~".join(next_page),
    )


async def get_case(query: GetCase, tenant: str, cases: CaseRepository) -> Reply:
    stored = await cases.get(tenant, query.case_id)
    if stored is None or not stored.case.visible_to(query.viewer_id):
        # The same answer whether the case is another mediator's or not there at all.
        log.info(
            "case_not_shown", tenant=tenant, case_id=str(query.case_id), viewer_id=query.viewer_id
        )
        return refused("not_your_case")
    return Reply(ok=True, case=detail(stored.case, query.viewer_id))


def list_item(case: Case) -> CaseListItem:
    return CaseListItem(
        case_id=case.case_id,
        case_kind=case.case_kind,
        status=case.status.value,
        requested_at=case.requested_at,
        matter_reference=case.matter_reference,
        mediator_id=case.mediator_id,
        parties=[
            party.model_copy(
                update={
                    "contact": None,
                    "companion": party.companion.model_copy(update={"contact": None})
                    if party.companion
                    else None,
                }
            )
            for party in parties_of(case)
        ],
        consent_missing=case.consent_missing(),
    )


def detail(case: Case, viewer_id: str) -> CaseDetail:
    return CaseDetail(
        case_id=case.case_id,
        case_kind=case.case_kind,
        status=case.status.value,
        requested_at=case.requested_at,
        requester=case.requester,
        parties=parties_of(case),
        conflict_description=case.conflict_description,
        matter_reference=case.matter_reference,
        checklist=case.checklist,
        consented=[party_id for party_id in case.parties if party_id in case.consented],
        consent_missing=case.consent_missing(),
        declined_by=case.declined_by,
        withdrawn_by=case.withdrawn_by,
        mediator_id=case.mediator_id,
        note_taker_id=case.note_taker_id,
        assessment=case.assessment,
        outcome=case.outcome,
        closed_because=case.closed_because,
        follow_up_contact=case.follow_up_contact,
        traceparent=case.traceparent,
        topics=case.party_topics,
        agenda=case.agenda(),
        timeline=case.timeline,
        rejected=case.rejected,
        actions=case.actions_for(viewer_id),
    )


def parties_of(case: Case) -> list[Party]:
    """The parties as requested. A case stored before intake kept the request's details
    knows only ids and kinds: the id stands in for the name."""
    if case.party_details:
        return case.party_details
    return [
        Party(party_id=party_id, kind=kind, name=party_id)
        for party_id, kind in case.parties.items()
    ]
