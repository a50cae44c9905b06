"""People change during a case: the mediator corrects a party's name or contact details and
adds, changes or removes a party's companion (bisidder). Each publishes the documented event
(``PartyDetailsCorrected``, ``CompanionChanged``); intake, scheduling and notifications apply
it, and later messages follow the new details. Offered while intake offers ``change_people``
(the case's own mediator, while the case is open).

The forms on the case page are named per party, by its place in the case: ``party-<n>`` (its
details) and ``companion-<n>`` (its companion). Names and addresses are never logged.
"""

from uuid import UUID

from fastapi import APIRouter, Depends
from mediation_contracts.commands import CaseDetail
from mediation_contracts.events import (
    Companion,
    CompanionChanged,
    CompanionChangedData,
    Party,
    PartyDetailsCorrected,
    PartyDetailsCorrectedData,
)
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.forms import CompanionForm, PartyDetailsForm, submission_id
from mediator_client.i18n import translate
from mediator_client.identity import User
from mediator_client.routes.actions import (
    _form,
    allowed_case,
    invalid,
    new_event,
    publish_and_show,
    refuse,
    values_of,
)
from mediator_client.security import check_post
from mediator_client.web import SignedIn, flash, lang_of, redirect

posts = APIRouter(dependencies=[Depends(check_post)])


def party_in(case: CaseDetail, data: FormData) -> tuple[int, Party] | None:
    """The party the form names (``party_id``), with its place (1, 2, ...) in the case."""
    wanted = data.get("party_id")
    return next(
        ((n, party) for n, party in enumerate(case.parties, 1) if party.party_id == wanted), None
    )


async def _changeable(
    request: Request, user: User, case_id: UUID, data: FormData
) -> tuple[int, Party] | Response:
    """The party and its place in the case, if the mediator may change the case's people now;
    else the page with why not."""
    case = await allowed_case(request, user, case_id, "change_people")
    found = party_in(case, data) if case is not None else None
    if case is None or found is None:
        return await refuse(request, user, case_id, "people", "action_not_available")
    return found


def _unchanged(request: Request, case_id: UUID, form: str) -> Response:
    flash(request, "flash_nothing_changed", "info")
    return redirect(f"/cases/{case_id}#{form}")


@posts.post("/cases/{case_id}/people/details")
async def correct_details(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data, form, errors = await _form(request, PartyDetailsForm)
    found = await _changeable(request, user, case_id, data)
    if isinstance(found, Response):
        return found
    n, party = found
    name = f"party-{n}"
    if form is not None and form.preferred_channel == "digital_post" and party.kind != "citizen":
        errors = {
            **errors,
            "preferred_channel": translate(lang_of(request), "digital_post_citizen"),
        }
    if form is None or errors:
        return await invalid(request, user, case_id, name, errors, values_of(data))
    if form.name == party.name and form.contact() == party.contact:
        return _unchanged(request, case_id, name)
    corrected = PartyDetailsCorrectedData(
        party_id=party.party_id, name=form.name, contact=form.contact(), changed_by=user.staff_id
    )
    event = new_event(request, PartyDetailsCorrected, user, case_id, corrected, data)
    return await publish_and_show(request, user, case_id, event, name, "flash_details_corrected")


@posts.post("/cases/{case_id}/people/companion")
async def save_companion(request: Request, case_id: UUID, user: SignedIn) -> Response:
    """Add a companion, or change the details of the party's companion (the same person: the
    same id). To bring someone else instead, remove the companion and add the new one."""
    data, form, errors = await _form(request, CompanionForm)
    found = await _changeable(request, user, case_id, data)
    if isinstance(found, Response):
        return found
    n, party = found
    name = f"companion-{n}"
    if form is None or errors:
        return await invalid(request, user, case_id, name, errors, values_of(data))
    current = party.companion
    companion_id = current.companion_id if current else f"companion-{submission_id(data)}"
    companion = form.companion(companion_id)
    if companion == current:
        return _unchanged(request, case_id, name)
    return await _publish_companion(request, user, case_id, party, companion, data, name)


@posts.post("/cases/{case_id}/people/companion/remove")
async def remove_companion(request: Request, case_id: UUID, user: SignedIn) -> Response:
    data = await request.form()
    found = await _changeable(request, user, case_id, data)
    if isinstance(found, Response):
        return found
    n, party = found
    name = f"companion-{n}"
    if party.companion is None:
        return _unchanged(request, case_id, name)
    return await _publish_companion(request, user, case_id, party, None, data, name)


async def _publish_companion(
    request: Request,
    user: User,
    case_id: UUID,
    party: Party,
    companion: Companion | None,
    data: FormData,
    name: str,
) -> Response:
    changed = CompanionChangedData(
        party_id=party.party_id, companion=companion, changed_by=user.staff_id
    )
    event = new_event(request, CompanionChanged, user, case_id, changed, data)
    success = "flash_companion_saved" if companion is not None else "flash_companion_removed"
    return await publish_and_show(request, user, case_id, event, name, success)
