"""After the close, for the case's mediator: whether the agreement held (the follow-up) and a
short reflection of their own. Insights' commands; codes only, never what was said."""

from uuid import UUID

import structlog
from fastapi import APIRouter, Depends
from mediation_contracts.commands import CaseDetail, RecordFollowUp, RecordReflection, Reply
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.case_page import Problems, load_case, refusal_text, show_case
from mediator_client.forms import FollowUpForm, ReflectionForm, parse, submission_id
from mediator_client.identity import User
from mediator_client.routes.actions import invalid, refuse, values_of
from mediator_client.security import check_post
from mediator_client.web import SignedIn, client, flash, lang_of, redirect

log = structlog.get_logger(__name__)
posts = APIRouter(dependencies=[Depends(check_post)])


async def closed_case_of(request: Request, user: User, case_id: UUID) -> CaseDetail | None:
    """The case, if it is closed and this mediator's (else None). Another mediator's case is
    the 403 page, as everywhere."""
    case = await load_case(client(request).gateway, user, case_id)
    return case if case.status == "closed" and case.mediator_id == user.staff_id else None


async def insights_answered(
    request: Request, user: User, case_id: UUID, reply: Reply, form: str, success: str
) -> Response:
    if reply.ok:
        flash(request, success)
        return redirect(f"/cases/{case_id}#follow-up")
    log.info(
        "command_refused", case_id=str(case_id), code=reply.error.code if reply.error else None
    )
    problems = Problems(form={form: refusal_text(reply, lang_of(request))})
    return await show_case(request, user, case_id, problems=problems, status_code=409)


@posts.post("/cases/{case_id}/follow-up")
async def record_follow_up(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    values = values_of(data)
    form, errors = parse(FollowUpForm, values, lang_of(request))
    if await closed_case_of(request, user, case_id) is None:
        return await refuse(request, user, case_id, "follow-up", "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, "follow-up", errors, values)
    command = RecordFollowUp(
        command_id=submission_id(data),
        case_id=case_id,
        recorded_by=user.staff_id,
        result=form.result,
    )
    reply = await client(request).gateway.record_follow_up(user.tenant, command)
    if reply.ok:
        log.info("follow_up_recorded", case_id=str(case_id), result=form.result)
    return await insights_answered(
        request, user, case_id, reply, "follow-up", "flash_follow_up_recorded"
    )


@posts.post("/cases/{case_id}/reflection")
async def record_reflection(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    values = values_of(data)
    form, errors = parse(ReflectionForm, values, lang_of(request))
    if await closed_case_of(request, user, case_id) is None:
        return await refuse(request, user, case_id, "reflection", "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, "reflection", errors, values)
    command = RecordReflection(
        command_id=submission_id(data),
        case_id=case_id,
        mediator_id=user.staff_id,
        format_used=form.format_used,
        helped=form.helped,
        mediation_suited=form.mediation_suited,
    )
    reply = await client(request).gateway.record_reflection(user.tenant, command)
    if reply.ok:
        log.info("reflection_recorded", case_id=str(case_id))
    return await insights_answered(
        request, user, case_id, reply, "reflection", "flash_reflection_recorded"
    )
