"""Signing in and out, and choosing the language.

With ``MEDIATOR_IDENTITY=local`` the login page is a password form (``POST /login``). With
``oidc`` it is one link to ``GET /login/start``, which sends the browser to the municipality's
provider; the provider sends it back to ``GET /auth/callback``. A link, not a form: the page's
``form-action`` allows this site only, and signing in is no change a forged request could make
(the callback checks ``state``)."""

import time
from collections import defaultdict, deque
from typing import Final

import structlog
from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.i18n import LANGUAGES
from mediator_client.identity import LocalIdentity, User
from mediator_client.oidc import LoginRefused, OidcIdentity
from mediator_client.security import check_post
from mediator_client.web import (
    HOME,
    client,
    current_user,
    end_session,
    flash,
    home_of,
    redirect,
    render,
    safe_next,
    start_session,
)

log = structlog.get_logger(__name__)
pages = APIRouter()
posts = APIRouter(dependencies=[Depends(check_post)])

MAX_FAILURES: Final = 5
FAILURE_WINDOW_SECONDS: Final = 300.0


class LoginThrottle:
    """After five wrong passwords for one username in five minutes, that username waits: slows
    down guessing without locking anyone out for long. Per process, in memory."""

    def __init__(self) -> None:
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def blocked(self, username: str) -> bool:
        failures = self._failures[username]
        while failures and failures[0] < time.monotonic() - FAILURE_WINDOW_SECONDS:
            failures.popleft()
        return len(failures) >= MAX_FAILURES

    def failed(self, username: str) -> None:
        self._failures[username].append(time.monotonic())

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)


throttle = LoginThrottle()


def for_role(target: str, user: User) -> str:
    """``target``, unless it is another role's part of the site: then the user's own start
    page (a head of office asked to sign in on the way to a case goes to the statistics)."""
    others = (path for role, path in HOME.items() if role != user.role)
    if target == "/" or any(target == o or target.startswith(f"{o}/") for o in others):
        return home_of(user)
    return target


@pages.get("/")
async def home(request: Request) -> Response:
    return redirect(home_of(current_user(request)))


NEXT_KEY: Final = "login_next"
"""Where to go after the provider's sign-in (a path on this site), kept in the session."""

LOGIN_STATUS: Final[dict[str, int]] = {
    "provider_error": 401,
    "bad_response": 400,
    "no_role": 403,
    "no_tenant": 403,
    "no_staff_id": 403,
    "unavailable": 503,
}


def _oidc(request: Request) -> OidcIdentity | None:
    identity = client(request).identity
    return identity if isinstance(identity, OidcIdentity) else None


def _login_page(request: Request, target: str, status_code: int = 200, **context: str) -> Response:
    oidc = _oidc(request) is not None
    return render(
        request, "login.html", {"next": target, "oidc": oidc, **context}, status_code=status_code
    )


@pages.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    user = current_user(request)
    if user is not None:
        return redirect(for_role(safe_next(next, "/"), user))
    return _login_page(request, safe_next(next, "/"))


@pages.get("/login/start")
async def login_start(request: Request, next: str | None = None) -> Response:
    """To the provider's sign-in (``MEDIATOR_IDENTITY=oidc``)."""
    oidc = _oidc(request)
    if oidc is None:
        return redirect("/login")
    target = safe_next(next, "/")
    try:
        url = await oidc.start(request)
    except LoginRefused as refused:
        return _login_page(
            request, target, LOGIN_STATUS[refused.problem], error=f"login_{refused.problem}"
        )
    request.session[NEXT_KEY] = target
    return redirect(url)


@pages.get("/auth/callback")
async def login_callback(request: Request) -> Response:
    """The provider's answer: a new session for the user it names, or a page saying why not."""
    oidc = _oidc(request)
    if oidc is None:
        return redirect("/login")
    target = safe_next(request.session.get(NEXT_KEY), "/")
    try:
        user = await oidc.finish(request)
    except LoginRefused as refused:
        request.session.pop(NEXT_KEY, None)
        log.info("login_refused", why=refused.problem)
        return _login_page(
            request, target, LOGIN_STATUS[refused.problem], error=f"login_{refused.problem}"
        )
    start_session(request, user)
    log.info("login", staff_id=user.staff_id, tenant=user.tenant, role=user.role, via="oidc")
    return redirect(for_role(target, user))


@posts.post("/login")
async def login(request: Request) -> Response:
    identity = client(request).identity
    if not isinstance(identity, LocalIdentity):  # the provider signs in: no passwords here
        return render(request, "error.html", {"error": "not_found"}, status_code=404)
    form = await request.form()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    target = safe_next(form.get("next"), "/")
    if throttle.blocked(username):
        log.warning("login_throttled")
        return render(
            request, "login.html", {"next": target, "error": "login_throttled"}, status_code=429
        )
    user = await run_in_threadpool(identity.login, username, password)
    if user is None:
        throttle.failed(username)
        log.info("login_failed")
        return render(
            request,
            "login.html",
            {"next": target, "error": "login_failed", "username": username},
            status_code=401,
        )
    throttle.succeeded(username)
    start_session(request, user)
    log.info("login", staff_id=user.staff_id, tenant=user.tenant, role=user.role)
    return redirect(for_role(target, user))


@posts.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session here and, where the provider can, there too (it then sends the browser
    back to the login page)."""
    user = current_user(request)
    handle = request.session.get("user")
    oidc = _oidc(request)
    provider_logout = (
        await oidc.logout(user, handle if isinstance(handle, str) else None) if oidc else None
    )
    end_session(request)
    if user is not None:
        log.info("logout", staff_id=user.staff_id)
    flash(request, "logged_out", "info")
    return redirect(provider_logout or "/login")


@posts.post("/language")
async def choose_language(request: Request) -> Response:
    form = await request.form()
    chosen = form.get("lang")
    if chosen in LANGUAGES:
        request.session["lang"] = chosen
    return redirect(safe_next(form.get("next"), "/cases"))
