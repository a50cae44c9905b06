"""The composition root: :func:`create_app` wires settings, the bus, the identity provider, the
pages and the error pages. The tests build the same app with a fake bus."""

import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediator_client.assignment_proof import ProofSealer
from mediator_client.bus import Bus, BusUnavailable, NatsBus
from mediator_client.gateway import Gateway
from mediator_client.identity import (
    DevTokenSigner,
    IdentityProvider,
    LocalIdentity,
    SignInExpired,
)
from mediator_client.oidc import OidcConfig, OidcIdentity
from mediator_client.routes import (
    actions,
    agenda,
    auth,
    cases,
    evaluation,
    follow_up,
    meetings,
    people,
    statistics,
    summary,
)
from mediator_client.security import CsrfRefused, SecurityHeaders
from mediator_client.settings import MediatorSettings
from mediator_client.users import load_users
from mediator_client.web import (
    Client,
    NoAccess,
    NotSignedIn,
    WrongRole,
    end_session,
    flash,
    loggable_path,
    redirect,
    render,
)

log = structlog.get_logger(__name__)


def local_identity(settings: MediatorSettings) -> LocalIdentity:
    """Raises UsersFileError or IdentityError, naming what to fix, when the setup is unusable."""
    signer = DevTokenSigner(
        settings.dev_identity_dir, timedelta(seconds=settings.notes_token_seconds)
    )
    return LocalIdentity(load_users(settings.users_file), signer)


def identity_from_settings(settings: MediatorSettings) -> IdentityProvider:
    """``MEDIATOR_IDENTITY``'s provider. Raises UsersFileError or IdentityError, naming what
    to fix. The OpenID Connect provider is not asked anything yet: the client starts while it
    is down, and signing in says so."""
    if settings.identity == "oidc":
        return OidcIdentity(OidcConfig.from_settings(settings))
    return local_identity(settings)


def evaluation_tenant(settings: MediatorSettings, identity: IdentityProvider) -> str | None:
    """Whose evaluation links this client answers: the setting, else the users file's (or the
    OpenID Connect provider's fixed) one municipality. None (logged) when neither says: the
    evaluation pages are then 503."""
    if settings.evaluation_tenant is not None:
        return settings.evaluation_tenant
    if isinstance(identity, OidcIdentity):
        fixed = identity.config.rules.tenant
        tenants = {fixed} if fixed is not None else set()
    else:
        tenants = identity.tenants() if isinstance(identity, LocalIdentity) else set()
    if len(tenants) == 1:
        return next(iter(tenants))
    log.warning("evaluation_tenant_unknown", tenants=len(tenants))
    return None


def create_app(
    settings: MediatorSettings,
    *,
    bus: Bus | None = None,
    identity: IdentityProvider | None = None,
) -> FastAPI:
    """The web app. Without ``bus`` it connects to NATS with ``settings``' credentials when it
    starts. Raises UsersFileError or IdentityError, naming what to fix, when the setup is
    unusable."""
    identity = identity or identity_from_settings(settings)
    proofs = ProofSealer.from_file(settings.notes_public_key_file)
    public_tenant = evaluation_tenant(settings, identity)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            own_bus = None if bus is not None else await NatsBus.connect(settings.bus_credentials())
        except BusUnavailable as error:
            log.error("cannot_start", reason=str(error))
            raise
        gateway = Gateway(
            bus or own_bus,  # type: ignore[arg-type]
            timeout=settings.request_timeout_seconds,
            wait_seconds=settings.wait_seconds,
        )
        app.state.bus = bus or own_bus
        app.state.client = Client(
            settings=settings,
            gateway=gateway,
            identity=identity,
            proofs=proofs,
            evaluation_tenant=public_tenant,
        )
        try:
            yield
        finally:
            if own_bus is not None:
                await own_bus.close()

    app = FastAPI(
        title="Mediator client", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    modules = (auth, cases, actions, meetings, summary, people, agenda, follow_up, statistics)
    for module in (*modules, evaluation):
        if hasattr(module, "pages"):
            app.include_router(module.pages)
        app.include_router(module.posts)
    _probes(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    _error_pages(app)
    # Outermost last: headers on everything, then the session, then our error page.
    app.add_middleware(ErrorPage)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie="__Host-mediator" if settings.secure_cookies else "mediator",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(
        SecurityHeaders,
        sign_out_origin=(
            identity.config.provider_origin if isinstance(identity, OidcIdentity) else None
        ),
    )
    return app


def _probes(app: FastAPI) -> None:
    """Container probes: ``/healthz`` while the process answers, ``/readyz`` while it can
    reach NATS (every page needs it). Plain JSON; SecurityHeaders adds ``no-store``."""

    @app.get("/healthz", include_in_schema=False)
    async def alive() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", include_in_schema=False)
    async def ready(request: Request) -> Response:
        bus: Bus | None = getattr(request.app.state, "bus", None)
        ready = bus is not None and bus.connected()
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "nats": ready},
            status_code=200 if ready else 503,
        )


def _error_pages(app: FastAPI) -> None:
    async def not_signed_in(request: Request, _: Exception) -> Response:
        target = request.url.path if request.method == "GET" else "/cases"
        return redirect(f"/login?next={target}")

    async def sign_in_expired(request: Request, _: Exception) -> Response:
        # The provider would not renew the token notes needs: sign in again (nothing was sent).
        end_session(request)
        flash(request, "session_expired", "info")
        target = request.url.path if request.method == "GET" else "/"
        return redirect(f"/login?next={target}")

    async def csrf_refused(request: Request, error: Exception) -> Response:
        log.warning("csrf_refused", path=loggable_path(request.url.path), why=str(error))
        return render(request, "error.html", {"error": "csrf"}, status_code=403)

    async def no_access(request: Request, _: Exception) -> Response:
        log.info("case_access_refused", path=request.url.path)
        return render(request, "error.html", {"error": "no_access"}, status_code=403)

    async def wrong_role(request: Request, _: Exception) -> Response:
        log.info("role_refused", path=request.url.path)
        return render(request, "error.html", {"error": "wrong_role"}, status_code=403)

    async def unavailable(request: Request, error: Exception) -> Response:
        log.warning("services_unavailable", path=loggable_path(request.url.path), why=str(error))
        return render(request, "error.html", {"error": "unavailable"}, status_code=503)

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        kind = "not_found" if status in {404, 405} else "server"
        return render(request, "error.html", {"error": kind}, status_code=status)

    async def bad_url(request: Request, _: Exception) -> Response:
        return render(request, "error.html", {"error": "not_found"}, status_code=404)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(SignInExpired, sign_in_expired)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(NoAccess, no_access)
    app.add_exception_handler(WrongRole, wrong_role)
    app.add_exception_handler(BusUnavailable, unavailable)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_url)


class ErrorPage:
    """Anything unexpected becomes a plain Danish page, never a stack trace. The log gets the
    error's type and where it happened, not its message (it might hold what a person typed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as error:
            frames = traceback.extract_tb(error.__traceback__)
            log.error(
                "page_failed",
                path=loggable_path(str(scope.get("path", ""))),
                error_type=type(error).__name__,
                at=[f"{frame.filename}:{frame.lineno}" for frame in frames[-5:]],
            )
            if started:
                raise
            request = Request(scope, receive)
            response = render(request, "error.html", {"error": "server"}, status_code=500)
            await response(scope, receive, send)
