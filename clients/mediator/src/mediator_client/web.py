"""What every page needs: the signed-in mediator, the language, rendering and redirects."""

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import Depends
from fastapi.templating import Jinja2Templates
from mediation_contracts.commands import SlotView
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from mediator_client import i18n
from mediator_client.assignment_proof import ProofSealer
from mediator_client.gateway import Gateway
from mediator_client.identity import IdentityProvider, User
from mediator_client.security import CSRF_FIELD, CSRF_SESSION_KEY, PUBLIC_PREFIX, csrf_token
from mediator_client.settings import MediatorSettings

EVALUATION_PATH: Final = PUBLIC_PREFIX
"""The public evaluation pages (no login): ``/evaluering/{link token}``."""


def loggable_path(path: str) -> str:
    """A path fit for the log: an evaluation link's secret token is never logged."""
    if path.startswith(f"{EVALUATION_PATH}/"):
        return f"{EVALUATION_PATH}/…"
    return path


TEMPLATES: Final = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals.update(csrf_field=CSRF_FIELD)


def _slot_options(
    slots: list[SlotView], when: Callable[[datetime], str], clock: Callable[[datetime], str]
) -> list[tuple[str, str]]:
    """Free times as radio options: the value is the UTC start, the label local time."""
    return [
        (slot.starts_at.isoformat(), f"{when(slot.starts_at)}–{clock(slot.ends_at)}")
        for slot in slots
    ]


TEMPLATES.env.filters["slot_options"] = _slot_options


class NotSignedIn(Exception):
    """The page needs a signed-in mediator."""


class NoAccess(Exception):
    """The case is not the mediator's to see (or does not exist: the two look the same)."""


class WrongRole(Exception):
    """The page is for another role (a head of office on a case page, a mediator on the
    statistics): 403, with a page that says what this role may use."""


HOME: Final[dict[str, str]] = {"mediator": "/cases", "head_of_office": "/statistics"}
"""Where each role starts: its first page, and the way back from an error page."""


def home_of(user: User | None) -> str:
    return HOME.get(user.role, "/cases") if user is not None else "/login"


@dataclass(frozen=True)
class Client:
    """What the routes use, built once by :func:`mediator_client.app.create_app`."""

    settings: MediatorSettings
    gateway: Gateway
    identity: IdentityProvider
    proofs: ProofSealer
    evaluation_tenant: str | None = None
    """The municipality the public evaluation pages ask insights in (None: not configured)."""


def client(request: Request) -> Client:
    found: Client = request.app.state.client
    return found


def lang_of(request: Request) -> i18n.Language:
    return i18n.language(request.session.get("lang"))


def current_user(request: Request) -> User | None:
    username = request.session.get("user")
    if not isinstance(username, str):
        return None
    user = client(request).identity.user(username)
    # The users file may have changed since the login: the session must still fit it.
    if user is None or (request.session.get("staff_id"), request.session.get("tenant")) != (
        user.staff_id,
        user.tenant,
    ):
        return None
    return user


def anyone_signed_in(request: Request) -> User:
    """FastAPI dependency: whoever is signed in, in any role, else to the login page."""
    user = current_user(request)
    if user is None:
        raise NotSignedIn
    return user


def signed_in(request: Request) -> User:
    """FastAPI dependency: the signed-in mediator, else to the login page (another role:
    :class:`WrongRole`). Every case page and action needs it."""
    user = anyone_signed_in(request)
    if user.role != "mediator":
        raise WrongRole
    return user


def head_of_office(request: Request) -> User:
    """FastAPI dependency: the signed-in head of office (the statistics), else as above."""
    user = anyone_signed_in(request)
    if user.role != "head_of_office":
        raise WrongRole
    return user


SignedIn = Annotated[User, Depends(signed_in)]
"""A mediator."""
AnyoneSignedIn = Annotated[User, Depends(anyone_signed_in)]
HeadOfOffice = Annotated[User, Depends(head_of_office)]


def start_session(request: Request, user: User) -> None:
    """A new session for ``user``: nothing from before the login survives but the language, so
    a session (or CSRF token) planted before the login is worth nothing after it."""
    lang = lang_of(request)
    request.session.clear()
    request.session.update(
        user=user.session_handle,
        staff_id=user.staff_id,
        tenant=user.tenant,
        lang=lang,
        login_at=int(time.time()),
        **{CSRF_SESSION_KEY: secrets.token_urlsafe(32)},
    )


def end_session(request: Request) -> None:
    lang = lang_of(request)
    request.session.clear()
    request.session["lang"] = lang


def flash(request: Request, key: str, kind: str = "success") -> None:
    """A message for the next page (a text key, never names or case data)."""
    request.session["flash"] = {"key": key, "kind": kind}


def safe_next(target: object, default: str = "/cases") -> str:
    """Only a path on this site: never ``//other.example`` or a full URL (open redirect)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    return default if any(c in target for c in "\\\r\n") else target


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _here(request: Request) -> str:
    """Where the language switch returns to: this page, or for a page answering a form (a
    POST), the page the form belongs to."""
    if request.url.path == "/auth/callback":  # its query is the provider's answer, used once
        return "/login"
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.url.path.startswith(f"{EVALUATION_PATH}/"):
        return request.url.path  # the evaluation form again (public: no case list)
    case_page = re.match(r"^/cases/[0-9a-f-]{36}", request.url.path)
    return case_page.group(0) if case_page else home_of(current_user(request))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    lang = lang_of(request)
    message = request.session.pop("flash", None)
    user = current_user(request)
    page: dict[str, Any] = {
        "lang": lang,
        "other_lang": "en" if lang == "da" else "da",
        "t": i18n.translator(lang),
        "label": lambda prefix, value: i18n.label(lang, prefix, value),
        "when": lambda moment: i18n.format_datetime(moment, lang),
        "day": lambda moment: i18n.format_date(moment, lang),
        "clock": lambda moment: i18n.format_time(moment, lang),
        "user": user,
        "home": home_of(user),
        # The public evaluation pages: no menu, no account, nothing to sign in to.
        "public": request.url.path.startswith(f"{EVALUATION_PATH}/"),
        "csrf_token": csrf_token(request.session),
        "flash": message if isinstance(message, dict) else None,
        "here": _here(request),
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, page, status_code=status_code)
