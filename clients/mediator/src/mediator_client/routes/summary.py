"""The summary, only when the citizen wants one: recording the citizen's wish and each party's
agreement to sharing (events notes consumes), writing and sharing (notes' commands, with the
mediator's signed token), the citizen withdrawing the wish (which destroys the summary, so it
is confirmed first), and the audit trail of who accessed it (ids and outcomes, never content).
The text goes to notes and is never logged or kept here."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends
from mediation_contracts.commands import Reply, ShareSummary, SummaryState, WriteSummary
from mediation_contracts.events import (
    SummaryConsentData,
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummarySharingAgreed,
    SummarySharingAgreedData,
)
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.case_page import Problems, load_case, refusal_text, show_case
from mediator_client.forms import PartyForm, SummaryForm, parse, submission_id
from mediator_client.gateway import Gateway
from mediator_client.identity import User
from mediator_client.routes.actions import confirmation, invalid, new_event, refuse, values_of
from mediator_client.security import check_post
from mediator_client.web import SignedIn, client, flash, lang_of, redirect, render

log = structlog.get_logger(__name__)
pages = APIRouter()
posts = APIRouter(dependencies=[Depends(check_post)])
SummaryPartyEvent = SummaryConsentGiven | SummaryConsentWithdrawn | SummarySharingAgreed


async def _party_event(
    request: Request,
    user: User,
    case_id: UUID,
    form_name: str,
    make: Callable[[str], tuple[type[SummaryPartyEvent], BaseModel]],
    recorded: Callable[[SummaryState, str], bool],
    success: str,
) -> Response:
    data = await request.form()
    form, _ = parse(PartyForm, values_of(data), lang_of(request))
    c = client(request)
    case = await load_case(c.gateway, user, case_id)
    # The party comes from the button the page offered; anything else is not on offer.
    parties = {party.party_id for party in case.parties}
    if form is None or form.party_id not in parties or case.mediator_id != user.staff_id:
        return await refuse(request, user, case_id, form_name, "action_not_available")
    kind, payload = make(form.party_id)
    event = new_event(request, kind, user, case_id, payload, data)
    await c.gateway.publish(event)
    done = await c.gateway.wait_for_summary_state(
        user.tenant,
        case_id,
        lambda: c.identity.notes_token(user),
        lambda state: recorded(state, form.party_id),
    )
    flash(request, success if done else "flash_processing", "success" if done else "info")
    return redirect(f"/cases/{case_id}#summary")


def _wish(
    request: Request,
    user: User,
    case_id: UUID,
    kind: type[SummaryConsentGiven | SummaryConsentWithdrawn],
    success: str,
) -> Awaitable[Response]:
    """The citizen's wish for a summary, given or withdrawn, as the mediator heard it."""
    wants = kind is SummaryConsentGiven
    return _party_event(
        request,
        user,
        case_id,
        "summary-wish",
        lambda party: (kind, SummaryConsentData(party_id=party, recorded_by=user.staff_id)),
        lambda state, party: (party in state.summary_consented) == wants,
        success,
    )


@posts.post("/cases/{case_id}/summary/consent")
async def summary_wish(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """The citizen wants a summary (said to the mediator, e.g. at the meeting)."""
    return await _wish(request, user, case_id, SummaryConsentGiven, "flash_summary_wish")


@posts.post("/cases/{case_id}/summary/sharing")
async def sharing_agreed(request: Request, case_id: UUID, user: SignedIn) -> Response:
    return await _party_event(
        request,
        user,
        case_id,
        "sharing",
        lambda party: (
            SummarySharingAgreed,
            SummarySharingAgreedData(party_id=party, recorded_by=user.staff_id),
        ),
        lambda state, party: party in state.sharing_agreed,
        "flash_sharing_agreed",
    )


@posts.post("/cases/{case_id}/summary")
async def write_summary(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    values = values_of(data)
    form, errors = parse(SummaryForm, values, lang_of(request))
    c = client(request)
    await load_case(c.gateway, user, case_id)
    if form is None or errors:
        return await invalid(request, user, case_id, "summary", errors, values)
    command = WriteSummary(
        command_id=submission_id(data),
        case_id=case_id,
        token=await c.identity.notes_token(user),
        text=form.text,
        meeting_id=form.meeting_id,
    )
    reply = await c.gateway.write_summary(user.tenant, command)
    log.info("summary_written", case_id=str(case_id), staff_id=user.staff_id, ok=reply.ok)
    if not reply.ok:
        # The text stays in the form, so nothing the mediator wrote is lost.
        problems = Problems(
            form={"summary": refusal_text(reply, lang_of(request))}, values={"summary": values}
        )
        return await show_case(request, user, case_id, problems=problems, status_code=409)
    flash(request, "flash_summary_written")
    return redirect(f"/cases/{case_id}#summary")


@posts.post("/cases/{case_id}/summary/share")
async def share_summary(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    c = client(request)
    await load_case(c.gateway, user, case_id)
    command = ShareSummary(
        command_id=submission_id(data), case_id=case_id, token=await c.identity.notes_token(user)
    )
    reply = await c.gateway.share_summary(user.tenant, command)
    log.info("summary_shared", case_id=str(case_id), staff_id=user.staff_id, ok=reply.ok)
    if not reply.ok:
        problems = Problems(form={"share": refusal_text(reply, lang_of(request))})
        return await show_case(request, user, case_id, problems=problems, status_code=409)
    flash(request, "flash_summary_shared")
    return redirect(f"/cases/{case_id}#summary")


@pages.get("/cases/{case_id}/summary/consent/withdraw")
async def confirm_wish_withdrawn(
    request: Request, case_id: UUID, user: SignedIn, party_id: str = ""
) -> Response:
    c = client(request)
    case = await load_case(c.gateway, user, case_id)
    names = {party.party_id: party.name for party in case.parties}
    if party_id not in names or case.mediator_id != user.staff_id:
        return await refuse(request, user, case_id, "summary-wish", "action_not_available")
    return confirmation(
        request,
        case,
        "withdraw_wish",
        f"/cases/{case_id}/summary/consent/withdraw",
        {"party_id": party_id},
        name=names[party_id],
    )


@posts.post("/cases/{case_id}/summary/consent/withdraw")
async def wish_withdrawn(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """The citizen no longer wants a summary: notes destroys the case's key at once."""
    return await _wish(
        request, user, case_id, SummaryConsentWithdrawn, "flash_summary_wish_withdrawn"
    )


async def _notes_page(
    request: Request,
    user: User,
    case_id: UUID,
    template: str,
    ask: Callable[[Gateway], Callable[[str, UUID, str], Awaitable[Reply]]],
    shown: Callable[[Reply], dict[str, Any]],
) -> Response:
    """A page of what notes answers the mediator (with their token) about a case they may
    see, or notes' refusal. The log names the template and the outcome, never content."""
    c = client(request)
    case = await load_case(c.gateway, user, case_id)
    reply = await ask(c.gateway)(user.tenant, case_id, await c.identity.notes_token(user))
    log.info("notes_page", page=template, case_id=str(case_id), allowed=reply.ok)
    return render(
        request,
        template,
        {
            "case": case,
            **shown(reply),
            "error": None if reply.ok else refusal_text(reply, lang_of(request)),
        },
        status_code=200 if reply.ok else 403,
    )


@pages.get("/cases/{case_id}/summary")
async def read_summary(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """The summary text, read back from notes for the mediator (every read is audited)."""
    return await _notes_page(
        request,
        user,
        case_id,
        "summary.html",
        lambda gateway: gateway.read_summaries,
        lambda reply: {"summaries": reply.summaries or []},
    )


@pages.get("/cases/{case_id}/audit")
async def audit_trail(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """Who tried to write, read, share or audit the case's summary, and with what outcome.
    Notes answers only the case's mediator; everyone else sees its refusal."""
    return await _notes_page(
        request,
        user,
        case_id,
        "audit.html",
        lambda gateway: gateway.audit_trail,
        lambda reply: {"entries": reply.audit or []},
    )
