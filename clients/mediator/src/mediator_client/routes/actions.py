"""What a mediator does to a case through intake: take it, assess it, record a party's answer,
name a note-taker, withdraw, close it. Each publishes the documented event and waits briefly
to show what intake made of it. What cannot be undone is confirmed on a page of its own first.
"""

from typing import Any, TypeVar
from uuid import UUID, uuid4

import structlog
from fastapi import APIRouter, Depends
from mediation_contracts.commands import CaseAction, CaseDetail
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    CaseAssessed,
    CaseAssessedData,
    ConsentAnswerData,
    ConsentDeclined,
    ConsentGiven,
    MediatorAssigned,
    MediatorAssignedData,
    OutcomeRecorded,
    OutcomeRecordedData,
    PartyWithdrew,
    PartyWithdrewData,
)
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.case_page import Problems, load_case, show_case
from mediator_client.forms import (
    AssessForm,
    CloseForm,
    ConsentForm,
    F,
    NoteTakerForm,
    parse,
    submission_id,
)
from mediator_client.gateway import Applied, Rejected
from mediator_client.i18n import translate
from mediator_client.identity import User
from mediator_client.security import check_post
from mediator_client.web import SignedIn, client, flash, lang_of, redirect, render

log = structlog.get_logger(__name__)
pages = APIRouter()
posts = APIRouter(dependencies=[Depends(check_post)])
E = TypeVar("E", bound=CloudEvent)


def values_of(data: FormData) -> dict[str, str]:
    return {name: str(value) for name, value in data.items() if name != "csrf_token"}


async def refuse(
    request: Request, user: User, case_id: UUID, form: str, message_key: str, status: int = 409
) -> Response:
    """The case page again, with the reason next to the form that caused it."""
    message = translate(lang_of(request), message_key)
    return await show_case(
        request, user, case_id, problems=Problems(form={form: message}), status_code=status
    )


async def invalid(
    request: Request,
    user: User,
    case_id: UUID,
    form: str,
    errors: dict[str, str],
    values: dict[str, str],
    booking: dict[str, str] | None = None,
) -> Response:
    problems = Problems(
        form={form: translate(lang_of(request), "fix_fields")},
        fields={form: errors},
        values={form: values},
    )
    return await show_case(
        request, user, case_id, problems=problems, status_code=422, booking=booking
    )


async def allowed_case(
    request: Request, user: User, case_id: UUID, action: CaseAction
) -> CaseDetail | None:
    """The case, if intake offers ``action`` to this mediator now (else None)."""
    case = await load_case(client(request).gateway, user, case_id)
    return case if action in case.actions else None


async def publish_and_show(
    request: Request, user: User, case_id: UUID, event: CloudEvent, form: str, success: str
) -> Response:
    c = client(request)
    await c.gateway.publish(event)
    outcome = await c.gateway.wait_for_case(user.tenant, case_id, user.staff_id, event.id)
    if isinstance(outcome, Rejected):
        log.info("event_rejected", case_id=str(case_id), event_id=str(event.id))
        return await refuse(request, user, case_id, form, "event_rejected")
    if isinstance(outcome, Applied):
        flash(request, success)
    else:
        flash(request, "flash_processing", "info")
    return redirect(f"/cases/{case_id}#{form}")


def confirmation(
    request: Request,
    case: CaseDetail,
    what: str,
    action: str,
    hidden: dict[str, str] | None = None,
    **names: str,
) -> Response:
    """The page that asks before something that cannot be undone: ``confirm_<what>_*`` texts,
    a form to ``action`` (with a fresh submission id) and a way back to the case."""
    lang = lang_of(request)
    return render(
        request,
        "confirm.html",
        {
            "case": case,
            "heading": translate(lang, f"confirm_{what}_heading", **names),
            "text": translate(lang, f"confirm_{what}_text"),
            "button": translate(lang, f"confirm_{what}_button"),
            "action": action,
            "hidden": hidden or {},
            "submission_id": uuid4(),
        },
    )


def new_event(
    request: Request, kind: type[E], user: User, case_id: UUID, data: Any, form: FormData
) -> E:
    """The event, with the id the page gave the form (JetStream drops a double submit)."""
    source = client(request).settings.source
    event = kind.create(tenant=user.tenant, case_id=case_id, source=source, data=data)
    return event.model_copy(update={"id": submission_id(form)})


async def _form(request: Request, form: type[F]) -> tuple[FormData, F | None, dict[str, str]]:
    data = await request.form()
    parsed, errors = parse(form, values_of(data), lang_of(request))
    return data, parsed, errors


@posts.post("/cases/{case_id}/take")
async def take(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    if await allowed_case(request, user, case_id, "take") is None:
        return await refuse(request, user, case_id, "take", "action_not_available")
    assigned = new_event(
        request,
        MediatorAssigned,
        user,
        case_id,
        MediatorAssignedData(mediator_id=user.staff_id),
        data,
    )
    # Notes lets the mediator read the case's summaries only on proof of who took it.
    c = client(request)
    event = c.proofs.prove(assigned, await c.identity.notes_token(user))
    return await publish_and_show(request, user, case_id, event, "take", "flash_taken")


@posts.post("/cases/{case_id}/assess")
async def assess(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data, form, errors = await _form(request, AssessForm)
    if await allowed_case(request, user, case_id, "assess") is None:
        return await refuse(request, user, case_id, "assess", "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, "assess", errors, values_of(data))
    assessment = CaseAssessedData(
        decision=form.decision,
        reason=form.reason if form.decision == "declined" else None,
        assessed_by=user.staff_id,
    )
    event = new_event(request, CaseAssessed, user, case_id, assessment, data)
    return await publish_and_show(request, user, case_id, event, "assess", "flash_assessed")


@posts.post("/cases/{case_id}/consent")
async def record_consent(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """A party's answer, e.g. given by phone: consent, refusal, or withdrawal."""
    data, form, errors = await _form(request, ConsentForm)
    form_name = "withdraw" if data.get("answer") == "withdrew" else "consent"
    needed: CaseAction = "withdraw" if form_name == "withdraw" else "record_consent"
    case = await allowed_case(request, user, case_id, needed)
    if case is None:
        return await refuse(request, user, case_id, form_name, "action_not_available")
    if form is not None and form.party_id not in {party.party_id for party in case.parties}:
        form, errors = None, {"party_id": translate(lang_of(request), "choose_one")}
    if form is None or errors:
        return await invalid(request, user, case_id, form_name, errors, values_of(data))
    event: CloudEvent
    if form.answer == "withdrew":
        withdrawal = PartyWithdrewData(participant_id=form.party_id, withdrawn_by="party")
        event = new_event(request, PartyWithdrew, user, case_id, withdrawal, data)
    else:
        answer = ConsentAnswerData(party_id=form.party_id, recorded_by=user.staff_id)
        kind = ConsentGiven if form.answer == "given" else ConsentDeclined
        event = new_event(request, kind, user, case_id, answer, data)
    success = {"given": "flash_consent_given", "declined": "flash_consent_declined"}
    return await publish_and_show(
        request, user, case_id, event, form_name, success.get(form.answer, "flash_withdrew")
    )


@posts.post("/cases/{case_id}/close")
async def close(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data, form, errors = await _form(request, CloseForm)
    if await allowed_case(request, user, case_id, "record_outcome") is None:
        return await refuse(request, user, case_id, "close", "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, "close", errors, values_of(data))
    outcome = OutcomeRecordedData(
        outcome=form.outcome, recorded_by=user.staff_id, follow_up_contact=form.follow_up()
    )
    event = new_event(request, OutcomeRecorded, user, case_id, outcome, data)
    return await publish_and_show(request, user, case_id, event, "close", "flash_closed")


@posts.post("/cases/{case_id}/note-taker")
async def name_note_taker(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """A new assignment: the same mediator, with a note-taker. Like taking the case, it carries
    the mediator's sealed proof: notes makes the note-taker a reader only on that proof."""
    data, form, errors = await _form(request, NoteTakerForm)
    if await allowed_case(request, user, case_id, "name_note_taker") is None:
        return await refuse(request, user, case_id, "note-taker", "action_not_available")
    if form is None or errors:
        return await invalid(request, user, case_id, "note-taker", errors, values_of(data))
    assignment = MediatorAssignedData(mediator_id=user.staff_id, note_taker_id=form.note_taker_id)
    assigned = new_event(request, MediatorAssigned, user, case_id, assignment, data)
    c = client(request)
    event = c.proofs.prove(assigned, await c.identity.notes_token(user))
    return await publish_and_show(request, user, case_id, event, "note-taker", "flash_note_taker")


@pages.get("/cases/{case_id}/withdraw")
async def confirm_mediator_withdrawal(request: Request, case_id: UUID, user: SignedIn) -> Response:
    case = await allowed_case(request, user, case_id, "withdraw")
    if case is None:
        return await refuse(request, user, case_id, "mediator-withdraw", "action_not_available")
    return confirmation(request, case, "mediator_withdraw", f"/cases/{case_id}/withdraw")


@posts.post("/cases/{case_id}/withdraw")
async def mediator_withdraws(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """The mediator ends the mediation (DOMAIN.md, step 7): intake closes the case, scheduling
    cancels its meetings, notes destroys its summaries."""
    data = await request.form()
    if await allowed_case(request, user, case_id, "withdraw") is None:
        return await refuse(request, user, case_id, "mediator-withdraw", "action_not_available")
    withdrawal = PartyWithdrewData(participant_id=user.staff_id, withdrawn_by="mediator")
    event = new_event(request, PartyWithdrew, user, case_id, withdrawal, data)
    return await publish_and_show(
        request, user, case_id, event, "mediator-withdraw", "flash_mediator_withdrew"
    )
