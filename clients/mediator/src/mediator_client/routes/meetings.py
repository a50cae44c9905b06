"""Booking, moving, cancelling and marking meetings held: scheduling's commands. Scheduling
answers at once, with the reason in Danish and English when it refuses."""

from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Path
from mediation_contracts.commands import (
    BookMeeting,
    CancelMeeting,
    MarkMeetingHeld,
    MoveMeeting,
    Reply,
)
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.case_page import Problems, load_case, refusal_text, show_case
from mediator_client.forms import BookForm, MoveForm, parse, submission_id
from mediator_client.identity import User
from mediator_client.routes.actions import invalid, refuse, values_of
from mediator_client.security import check_post
from mediator_client.web import SignedIn, client, flash, lang_of, redirect

log = structlog.get_logger(__name__)
MeetingId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]
posts = APIRouter(dependencies=[Depends(check_post)])


async def is_mediator_of(request: Request, user: User, case_id: UUID) -> bool:
    """Scheduling knows nothing of who may see or plan a case: intake's answer decides. A case
    the mediator may not see is the 403 page; one they have not taken is not theirs to plan."""
    case = await load_case(client(request).gateway, user, case_id)
    return case.mediator_id == user.staff_id


async def answered(
    request: Request,
    user: User,
    case_id: UUID,
    reply: Reply,
    form: str,
    success: str,
    booking: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """To the case on success; else the case again with scheduling's reason next to the form
    (and, for a booking, the same kind of meeting still chosen, and what was typed in it)."""
    if reply.ok:
        flash(request, success)
        return redirect(f"/cases/{case_id}#meetings")
    log.info(
        "command_refused", case_id=str(case_id), code=reply.error.code if reply.error else None
    )
    problems = Problems(
        form={form: refusal_text(reply, lang_of(request))},
        values={form: values} if values is not None else {},
    )
    return await show_case(
        request, user, case_id, problems=problems, status_code=409, booking=booking
    )


@posts.post("/cases/{case_id}/meetings")
async def book(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    values = values_of(data)
    form, errors = parse(BookForm, values, lang_of(request))
    if not await is_mediator_of(request, user, case_id):
        return await refuse(request, user, case_id, "book", "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, "book", errors, values, booking=values)
    command = BookMeeting(
        command_id=submission_id(data),
        case_id=case_id,
        kind=form.kind,
        format=form.format,
        starts_at=form.starts_at,
        party_id=form.meeting_party(),
        requested_by=user.staff_id,
        join_url=form.join_url if form.format == "video" else None,
        phone_callers=form.phone_callers if form.format == "phone" else {},
    )
    reply = await client(request).gateway.book_meeting(user.tenant, command)
    chosen = {"kind": form.kind, "format": form.format, "party_id": form.party_id or ""}
    return await answered(
        request, user, case_id, reply, "book", "flash_meeting_booked", booking=chosen, values=values
    )


@posts.post("/cases/{case_id}/meetings/{meeting_id}/move")
async def move(request: Request, case_id: UUID, meeting_id: MeetingId, user: SignedIn) -> Response:
    data = await request.form()
    form_name = f"move-{meeting_id}"
    values = values_of(data)
    form, errors = parse(MoveForm, values, lang_of(request))
    if not await is_mediator_of(request, user, case_id):
        return await refuse(request, user, case_id, form_name, "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, form_name, errors, values)
    command = MoveMeeting(
        command_id=submission_id(data),
        case_id=case_id,
        meeting_id=meeting_id,
        starts_at=form.starts_at,
        requested_by=user.staff_id,
    )
    reply = await client(request).gateway.move_meeting(user.tenant, command)
    return await answered(request, user, case_id, reply, form_name, "flash_meeting_moved")


@posts.post("/cases/{case_id}/meetings/{meeting_id}/cancel")
async def cancel(
    request: Request, case_id: UUID, meeting_id: MeetingId, user: SignedIn
) -> Response:
    data = await request.form()
    if not await is_mediator_of(request, user, case_id):
        return await refuse(request, user, case_id, f"cancel-{meeting_id}", "action_not_available")
    command = CancelMeeting(
        command_id=submission_id(data),
        case_id=case_id,
        meeting_id=meeting_id,
        requested_by=user.staff_id,
    )
    reply = await client(request).gateway.cancel_meeting(user.tenant, command)
    return await answered(
        request, user, case_id, reply, f"cancel-{meeting_id}", "flash_meeting_cancelled"
    )


@posts.post("/cases/{case_id}/meetings/{meeting_id}/held")
async def mark_held(
    request: Request, case_id: UUID, meeting_id: MeetingId, user: SignedIn
) -> Response:
    data = await request.form()
    if not await is_mediator_of(request, user, case_id):
        return await refuse(request, user, case_id, f"held-{meeting_id}", "action_not_available")
    command = MarkMeetingHeld(
        command_id=submission_id(data),
        case_id=case_id,
        meeting_id=meeting_id,
        marked_by=user.staff_id,
    )
    reply = await client(request).gateway.mark_meeting_held(user.tenant, command)
    return await answered(request, user, case_id, reply, f"held-{meeting_id}", "flash_meeting_held")
