"""The case list, registering a request received by phone or letter, and the case page."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

import structlog
from fastapi import APIRouter, Depends
from mediation_contracts.commands import (
    CaseListItem,
    CaseStatus,
    FollowUpView,
    MeetingView,
    PageToken,
)
from mediation_contracts.events import CaseRequested
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.bus import BusUnavailable
from mediator_client.case_page import refusal_text, show_case
from mediator_client.forms import NewCaseForm, parse, submission_id
from mediator_client.gateway import Applied, Gateway
from mediator_client.identity import User
from mediator_client.security import check_post
from mediator_client.web import SignedIn, client, flash, lang_of, redirect, render

log = structlog.get_logger(__name__)
pages = APIRouter()
PAGE_TOKEN: TypeAdapter[str] = TypeAdapter(PageToken)  # built once, not per request
posts = APIRouter(dependencies=[Depends(check_post)])

STATUSES: tuple[CaseStatus, ...] = (
    "requested",
    "accepted",
    "ready_for_scheduling",
    "closed",
    "refused",
)


DUE_SHOWN = 20
"""Due follow-ups listed on the case list at most (the oldest first)."""


@dataclass
class DueRow:
    follow_up: FollowUpView
    reference: str | None


@dataclass
class DueBox:
    """The mediator's follow-ups that are due, or why they cannot be shown."""

    rows: list[DueRow]
    more: int = 0
    error: bool = False


@dataclass
class CaseRow:
    case: CaseListItem
    next_meeting: MeetingView | None
    consent_missing: list[str]


@pages.get("/cases")
async def case_list(
    request: Request, user: SignedIn, status: str | None = None, after: str | None = None
) -> Response:
    chosen = next((s for s in STATUSES if s == status), None)
    gateway = client(request).gateway
    try:
        page = None if after is None else PAGE_TOKEN.validate_python(after)
    except ValidationError:
        page = None  # a mangled link shows the first page
    reply = await gateway.list_cases(user.tenant, user.staff_id, chosen, page)
    if not reply.ok:
        return render(
            request,
            "cases.html",
            {
                "error": refusal_text(reply, lang_of(request)),
                "statuses": STATUSES,
                "status": chosen,
            },
            status_code=502,
        )
    # In intake's order (newest request first); gather keeps it.
    rows, due = await asyncio.gather(
        asyncio.gather(*(_row(gateway, user.tenant, case) for case in reply.cases or [])),
        _due_follow_ups(gateway, user, reply.cases or []),
    )
    return render(
        request,
        "cases.html",
        {
            "mine": [row for row in rows if row.case.mediator_id == user.staff_id],
            "free": [row for row in rows if row.case.mediator_id is None],
            "statuses": STATUSES,
            "status": chosen,
            "next_page": reply.next_page,
            "later_page": page is not None,
            "due": due,
        },
    )


async def _due_follow_ups(gateway: Gateway, user: User, listed: list[CaseListItem]) -> DueBox:
    """Insights' due follow-ups of this mediator's closed cases, with each case's reference
    (from the list, else from intake). Insights not answering hides nothing else."""
    try:
        reply = await gateway.list_follow_ups(user.tenant, user.staff_id)
    except BusUnavailable:
        return DueBox([], error=True)
    if not reply.ok:
        return DueBox([], error=True)
    due = sorted((f for f in reply.follow_ups or [] if f.status == "due"), key=lambda f: f.due_at)
    references = {case.case_id: case.matter_reference for case in listed}

    async def reference(case_id: UUID) -> str | None:
        if case_id in references:
            return references[case_id]
        try:
            found = await gateway.get_case(user.tenant, case_id, user.staff_id)
        except BusUnavailable:
            return None
        return found.case.matter_reference if found.ok and found.case else None

    shown = due[:DUE_SHOWN]
    names = await asyncio.gather(*(reference(f.case_id) for f in shown))
    return DueBox(
        [DueRow(f, name) for f, name in zip(shown, names, strict=True)],
        more=len(due) - len(shown),
    )


async def _row(gateway: Gateway, tenant: str, case: CaseListItem) -> CaseRow:
    names = {party.party_id: party.name for party in case.parties}
    missing = [names.get(party_id, party_id) for party_id in case.consent_missing]
    if case.status in {"closed", "refused", "requested"}:
        return CaseRow(case, None, missing)
    try:
        reply = await gateway.list_meetings(tenant, case.case_id)
    except BusUnavailable:  # the list is still worth showing without the next meeting
        return CaseRow(case, None, missing)
    now = datetime.now(UTC)
    upcoming = [
        meeting
        for meeting in reply.meetings or []
        if meeting.status == "scheduled" and meeting.ends_at > now
    ]
    return CaseRow(case, min(upcoming, key=lambda m: m.starts_at, default=None), missing)


@pages.get("/cases/new")
async def new_case(request: Request, user: SignedIn) -> Response:
    return render(request, "new_case.html", {"values": {}, "errors": {}, "submission_id": uuid4()})


@posts.post("/cases")
async def register_case(request: Request, user: SignedIn) -> Response:
    data = await request.form()
    values = {name: str(value) for name, value in data.items() if name != "csrf_token"}
    form, errors = parse(NewCaseForm, values, lang_of(request))
    if form is None or errors:
        return render(
            request,
            "new_case.html",
            {"values": values, "errors": errors, "submission_id": uuid4()},
            status_code=422,
        )
    c = client(request)
    # The id the form was given is both the case's id and the event's: a double submit opens
    # one case, not two.
    case_id = submission_id(data)
    event = CaseRequested.create(
        tenant=user.tenant, case_id=case_id, source=c.settings.source, data=form.request()
    ).model_copy(update={"id": case_id})
    await c.gateway.publish(event)
    log.info("case_registered", case_id=str(case_id), staff_id=user.staff_id)
    outcome = await c.gateway.wait_for_case(user.tenant, case_id, user.staff_id, event.id)
    if isinstance(outcome, Applied):
        flash(request, "flash_case_registered")
        return redirect(f"/cases/{case_id}")
    flash(request, "flash_processing", "info")
    return redirect("/cases")


@pages.get("/cases/{case_id}")
async def case_page(
    request: Request,
    case_id: UUID,
    user: SignedIn,
    kind: str | None = None,
    format: str | None = None,
    party_id: str | None = None,
) -> Response:
    booking = {
        name: value
        for name, value in (("kind", kind), ("format", format), ("party_id", party_id))
        if value
    }
    return await show_case(request, user, case_id, booking=booking)
