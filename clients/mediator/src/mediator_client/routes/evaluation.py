"""The public evaluation page, ``/evaluering/{link token}``: no login. A party opens the link
it was sent, answers (every question optional) once, and is thanked. A link that is unknown,
used or expired gets one kind page, whichever it is (insights answers ``link_not_valid``).

The token is a secret: it goes to insights and nowhere else (not into a log, not to another
site: these pages are sent with ``Referrer-Policy: no-referrer``, and never cached). The
answer is anonymous: the client logs that an evaluation was answered, nothing more.
"""

from typing import Any

import structlog
from fastapi import APIRouter, Depends
from mediation_contracts.commands import EVALUATION_QUESTIONS
from mediation_contracts.events import LinkToken
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mediator_client import i18n
from mediator_client.bus import BusUnavailable
from mediator_client.case_page import refusal_text
from mediator_client.forms import SCORES, AnswersForm, parse
from mediator_client.security import check_post
from mediator_client.statistics_view import question_text
from mediator_client.web import EVALUATION_PATH, client, lang_of, redirect, render

log = structlog.get_logger(__name__)
pages = APIRouter()
posts = APIRouter(dependencies=[Depends(check_post)])
LINK_TOKEN: TypeAdapter[str] = TypeAdapter(LinkToken)
THANKS = f"{EVALUATION_PATH}/tak"
NOT_VALID = "link_not_valid"


def _link(token: str) -> str | None:
    try:
        return LINK_TOKEN.validate_python(token)
    except ValidationError:
        return None


def _tenant(request: Request) -> str:
    tenant = client(request).evaluation_tenant
    if tenant is None:  # not configured: said at start; the page says "try later"
        raise BusUnavailable("evaluation_tenant_unknown")
    return tenant


def _message(request: Request, kind: str, status_code: int = 200) -> Response:
    return render(request, "evaluation_message.html", {"kind": kind}, status_code=status_code)


def _not_valid(request: Request) -> Response:
    """Used, expired or unknown: the same kind page (410 Gone) for all three."""
    return _message(request, "invalid", status_code=410)


def _form(
    request: Request,
    token: str,
    questions: list[str],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    expires_at: Any = None,
    status_code: int = 200,
) -> Response:
    lang = lang_of(request)
    ends = {
        SCORES[0]: i18n.translate(lang, "evaluation_score_1"),
        SCORES[-1]: i18n.translate(lang, "evaluation_score_5"),
    }
    # Left out unless a score is chosen: "rather not say", last, is where every question starts.
    scores = [
        *((score, ends.get(score, score)) for score in SCORES),
        ("", i18n.translate(lang, "evaluation_no_answer")),
    ]
    return render(
        request,
        "evaluation.html",
        {
            "action": f"{EVALUATION_PATH}/{token}",
            "questions": [(q, question_text(q, lang)) for q in questions],
            "scores": scores,
            "values": values or {},
            "errors": errors or {},
            "error": error,
            "expires_at": expires_at,
        },
        status_code=status_code,
    )


@pages.get(THANKS)
async def thanks(request: Request) -> Response:
    return _message(request, "thanks")


@pages.get(EVALUATION_PATH + "/{token}")
async def evaluation_page(request: Request, token: str) -> Response:
    link = _link(token)
    if link is None:
        return _not_valid(request)
    reply = await client(request).gateway.open_evaluation(_tenant(request), link)
    if not reply.ok or reply.evaluation is None:
        log.info("evaluation_not_opened", code=reply.error.code if reply.error else None)
        return _not_valid(request)
    questions = [q for q in reply.evaluation.questions if q in EVALUATION_QUESTIONS]
    return _form(request, link, questions, expires_at=reply.evaluation.expires_at)


@posts.post(EVALUATION_PATH + "/{token}")
async def submit_evaluation(request: Request, token: str) -> Response:
    data = await request.form()
    values = {name: str(value) for name, value in data.items() if name != "csrf_token"}
    link = _link(token)
    if link is None:
        return _not_valid(request)
    lang = lang_of(request)
    form, errors = parse(AnswersForm, values, lang)
    questions = list(EVALUATION_QUESTIONS)
    if form is None or errors:
        return _form(
            request,
            link,
            questions,
            values=values,
            errors=errors,
            error=i18n.translate(lang, "fix_fields"),
            status_code=422,
        )
    reply = await client(request).gateway.submit_evaluation(
        _tenant(request), link, form.answers(), form.comment
    )
    if reply.ok:
        log.info("evaluation_answered")  # nothing else: the answer is anonymous
        return redirect(THANKS)
    code = reply.error.code if reply.error else None
    log.info("evaluation_refused", code=code)
    if code == NOT_VALID:
        return _not_valid(request)
    return _form(
        request,
        link,
        questions,
        values=values,
        error=refusal_text(reply, lang),
        status_code=409,
    )
