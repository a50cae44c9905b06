"""The agenda from the pre-meetings: the mediator records the topics a party wants to raise at
the mediation meeting, as agreed with the party (seed 001), whether the party agreed them, and
whether the other parties may be sent them with their invitation. Publishes
``PartyTopicsRecorded``; intake keeps the topics and the agenda, notifications lists the agenda
in the invitations it sends from then on. Offered while intake offers ``record_topics`` (the
case's own mediator, from the acceptance until the case ends).

The forms on the case page are named per party, by its place in the case: ``topics-<n>``.
Topics are never logged.
"""

from uuid import UUID

from fastapi import APIRouter, Depends
from mediation_contracts.commands import CaseDetail
from mediation_contracts.events import PartyTopicsRecorded, PartyTopicsRecordedData
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.forms import TopicsForm
from mediator_client.routes.actions import (
    _form,
    allowed_case,
    invalid,
    new_event,
    publish_and_show,
    refuse,
    values_of,
)
from mediator_client.routes.people import party_in
from mediator_client.security import check_post
from mediator_client.web import SignedIn, flash, redirect

posts = APIRouter(dependencies=[Depends(check_post)])


@posts.post("/cases/{case_id}/topics")
async def record_topics(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data, form, errors = await _form(request, TopicsForm)
    case = await allowed_case(request, user, case_id, "record_topics")
    found = party_in(case, data) if case is not None else None
    if case is None or found is None:
        return await refuse(request, user, case_id, "agenda", "action_not_available")
    n, _ = found
    name = f"topics-{n}"
    if form is None or errors:
        return await invalid(request, user, case_id, name, errors, values_of(data))
    recorded = form.recorded(user.staff_id)
    if _unchanged(case, recorded):
        flash(request, "flash_nothing_changed", "info")
        return redirect(f"/cases/{case_id}#{name}")
    event = new_event(request, PartyTopicsRecorded, user, case_id, recorded, data)
    return await publish_and_show(request, user, case_id, event, name, "flash_topics_recorded")


def _unchanged(case: CaseDetail, recorded: PartyTopicsRecordedData) -> bool:
    """The party's topics and answers are already as recorded (none and none, too)."""
    current = next((t for t in case.topics if t.party_id == recorded.party_id), None)
    if current is None:
        return not recorded.topics
    return (
        current.topics,
        current.agreed_by_party,
        current.share_with_other_parties,
    ) == (recorded.topics, recorded.agreed_by_party, recorded.share_with_other_parties)
