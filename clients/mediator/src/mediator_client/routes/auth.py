"""Signing in and out, and choosing the language."""

import time
from collections import defaultdict, deque
from typing import Final

import structlog
from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mediator_client.i18n import LANGUAGES
from mediator_client.identity import User
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


@pages.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    user = current_user(request)
    if user is not None:
        return redirect(for_role(safe_next(next, "/"), user))
    return render(request, "login.html", {"next": safe_next(next, "/")})


@posts.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    target = safe_next(form.get("next"), "/")
    if throttle.blocked(username):
        log.warning("login_throttled")
        return render(
            request, "login.html", {"next": target, "error": "login_throttled"}, status_code=429
        )
    user = await run_in_threadpool(client(request).identity.login, username, password)
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
    user = current_user(request)
    end_session(request)
    if user is not None:
        log.info("logout", staff_id=user.staff_id)
    flash(request, "logged_out", "info")
    return redirect("/login")


@posts.post("/language")
async def choose_language(request: Request) -> Response:
    form = await request.form()
    chosen = form.get("lang")
    if chosen in LANGUAGES:
        request.session["lang"] = chosen
    return redirect(safe_next(form.get("next"), "/cases"))
