"""The gateway's HTTP API: thin: authenticate, parse, hand over to the handlers.

Every refusal is ``application/problem+json`` (RFC 9457) with a stable ``code`` and, for
invalid input, the fields (``errors[].field``), never the values sent.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from gateway import handlers
from gateway.domain.callers import Caller
from gateway.domain.ingest import BATCH, STRUCTURED, FieldError, Invalid
from gateway.domain.subscriptions import Subscription, SubscriptionRequest
from gateway.entrypoints.tls import peer_certificate
from gateway.handlers import Gateway, Problem

PROBLEM = "application/problem+json"
TenantPath = Annotated[
    str,
    Path(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", description="Municipality slug."),
]
SubscriptionPath = Annotated[str, Path(max_length=64, description="The subscription's id.")]


class ProblemField(BaseModel):
    field: str = Field(description="Where: a dotted path, `[i].` first in a batch.")
    code: str
    message: str


class ProblemDocument(BaseModel):
    type: str = Field(description="`urn:mediation:problem:<code>`.")
    title: str
    status: int
    code: str = Field(description="Stable code to act on.")
    detail: str
    errors: list[ProblemField] = Field(default_factory=list)


class Accepted(BaseModel):
    id: str
    status: Literal["stored", "duplicate"] = Field(
        description="`stored`: JetStream has it. `duplicate`: it had it already (same id within "
        "its two-minute window); nothing was published again."
    )


class AcceptedEvents(BaseModel):
    events: list[Accepted]


class EventTypes(BaseModel):
    tenant: str
    client: str
    may_send: list[str]
    may_hear: list[str]


class DeadLetter(BaseModel):
    event_id: str
    type: str
    attempts: int
    last_status: int | None
    last_error: str | None
    dead_since: datetime | None


class Redeliver(BaseModel):
    event_ids: list[str] | None = Field(
        default=None, max_length=1000, description="Only these; all when left out."
    )


class Redelivered(BaseModel):
    queued: int


class ReplayRequest(BaseModel):
    since: datetime = Field(description="Replay the events stored from this time on (with zone).")


class Replay(BaseModel):
    id: str
    subscription: str
    since: datetime
    until: datetime
    state: Literal["running", "done", "failed", "interrupted"]
    queued: int


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ProblemDocument, "content": {PROBLEM: {}}} for status in statuses}


_EVENT_BODY = {
    "description": "One event (structured mode), a batch, or one event in binary mode "
    "(attributes in `ce-*` headers, `data` as the body).",
    "required": True,
    "content": {
        STRUCTURED: {"schema": {"$ref": "#/components/schemas/CloudEventDocument"}},
        BATCH: {
            "schema": {
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/components/schemas/CloudEventDocument"},
            }
        },
        "application/json": {
            "schema": {"type": "object", "description": "Binary mode: the event's `data`."}
        },
    },
}


_HTTP_CODES = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed"}
_HTTP_DETAILS = {
    "invalid_body": "the body cannot be read as JSON",
    "not_found": "no such resource",
    "method_not_allowed": "this method is not allowed here",
}


def problem_response(problem: Problem) -> JSONResponse:
    body = ProblemDocument(
        type=f"urn:mediation:problem:{problem.code}",
        title=problem.title,
        status=problem.status,
        code=problem.code,
        detail=problem.detail,
        errors=[
            ProblemField(field=e.field, code=e.code, message=e.message) for e in problem.errors
        ],
    )
    headers = (
        {"WWW-Authenticate": 'Bearer realm="mediation-gateway"'} if problem.status == 401 else None
    )
    return JSONResponse(
        body.model_dump(), status_code=problem.status, media_type=PROBLEM, headers=headers
    )


def create_api(gateway: Gateway) -> FastAPI:
    api = FastAPI(
        title="Mediation gateway",
        version="1.0.0",
        description=(
            "Other municipal systems join the mediation case system over HTTP: they send "
            "CloudEvents of the event contract (structured, binary or batch mode) and "
            "subscribe to the events they may hear, delivered as signed webhooks (Standard "
            "Webhooks) with retries, dead letters and replay. Callers authenticate with an "
            "OAuth2 client-credentials token (Bearer) or a client certificate (mutual TLS) "
            "and act for their own municipality only. See docs/gateway.md."
        ),
        servers=[{"url": gateway.settings.public_url}] if gateway.settings.public_url else None,
        docs_url=None,
        redoc_url=None,
    )

    @api.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(problem)

    @api.exception_handler(HTTPException)
    async def on_http(request: Request, error: HTTPException) -> JSONResponse:
        """The framework's own refusals (no such path, method not allowed) as problems too."""
        code = _HTTP_CODES.get(error.status_code, f"http_{error.status_code}")
        response = problem_response(Problem(error.status_code, code, _HTTP_DETAILS.get(code, code)))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @api.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [
            FieldError(
                ".".join(str(part) for part in item["loc"][1:]) or "<body>",
                str(item["type"]),
                "invalid" if item["type"] == "json_invalid" else str(item["msg"]),
            )
            for item in error.errors()
        ]
        return problem_response(
            Problem.invalid(Invalid("invalid_request", "invalid request", fields))
        )

    async def caller(request: Request, tenant: TenantPath) -> Caller:
        authorization = request.headers.get("authorization", "")
        return await gateway.authenticate(peer_certificate(request.scope), authorization, tenant)

    CallerDep = Annotated[Caller, Depends(caller)]

    @api.post(
        "/v1/{tenant}/events",
        status_code=202,
        response_model=AcceptedEvents,
        summary="Send events",
        description="Validated against the contract's schemas and stored in JetStream "
        "(`Nats-Msg-Id` = the event's id) before the answer: 202 means stored. A batch is "
        "taken whole or not at all. The same id again within two minutes: 409 for a single "
        "event (JetStream had it: do not resend), `duplicate` within a batch's answer.",
        openapi_extra={"requestBody": _EVENT_BODY},
        responses=_problems(400, 401, 403, 409, 413, 415, 422, 503),
    )
    async def send_events(request: Request, tenant: TenantPath, who: CallerDep) -> AcceptedEvents:
        body = await handlers.read_body(
            request.stream(), request.headers, gateway.settings.max_body_bytes
        )
        results = await gateway.receive(who, tenant, dict(request.headers), body)
        return AcceptedEvents(events=[Accepted(id=i, status=s) for i, s in results])

    @api.get(
        "/v1/{tenant}/event-types",
        response_model=EventTypes,
        summary="What this client may send and hear",
        responses=_problems(401, 403, 503),
    )
    async def event_types(tenant: TenantPath, who: CallerDep) -> EventTypes:
        return EventTypes(
            tenant=who.tenant,
            client=who.name,
            may_send=[e.type_name() for e in who.sendable],
            may_hear=[e.type_name() for e in who.hearable],
        )

    @api.post(
        "/v1/{tenant}/subscriptions",
        status_code=201,
        response_model=Subscription,
        summary="Subscribe",
        responses=_problems(401, 403, 422, 503),
    )
    async def subscribe(
        tenant: TenantPath, request: SubscriptionRequest, who: CallerDep
    ) -> Subscription:
        return await gateway.subscribe(who, tenant, request)

    @api.get(
        "/v1/{tenant}/subscriptions",
        response_model=list[Subscription],
        summary="This client's subscriptions",
        responses=_problems(401, 403, 503),
    )
    async def subscriptions(tenant: TenantPath, who: CallerDep) -> list[Subscription]:
        return await gateway.subscriptions(who, tenant)

    @api.get(
        "/v1/{tenant}/subscriptions/{subscription}",
        response_model=Subscription,
        summary="One subscription",
        responses=_problems(401, 403, 404, 503),
    )
    async def subscription(
        tenant: TenantPath, subscription: SubscriptionPath, who: CallerDep
    ) -> Subscription:
        return Subscription(**await gateway.own(who, tenant, subscription))

    @api.delete(
        "/v1/{tenant}/subscriptions/{subscription}",
        status_code=204,
        summary="Unsubscribe (its queued deliveries and dead letters go too)",
        responses=_problems(401, 403, 404, 503),
    )
    async def unsubscribe(
        tenant: TenantPath, subscription: SubscriptionPath, who: CallerDep
    ) -> Response:
        await gateway.unsubscribe(who, tenant, subscription)
        return Response(status_code=204)

    @api.get(
        "/v1/{tenant}/subscriptions/{subscription}/dead-letters",
        response_model=list[DeadLetter],
        summary="Deliveries given up",
        responses=_problems(401, 403, 404, 503),
    )
    async def dead_letters(
        tenant: TenantPath, subscription: SubscriptionPath, who: CallerDep
    ) -> list[DeadLetter]:
        return [DeadLetter(**d) for d in await gateway.dead_letters(who, tenant, subscription)]

    @api.post(
        "/v1/{tenant}/subscriptions/{subscription}/dead-letters/redeliver",
        status_code=202,
        response_model=Redelivered,
        summary="Try dead letters again, with a fresh round of retries",
        responses=_problems(401, 403, 404, 422, 503),
    )
    async def redeliver(
        tenant: TenantPath, subscription: SubscriptionPath, request: Redeliver, who: CallerDep
    ) -> Redelivered:
        count = await gateway.redeliver(who, tenant, subscription, request.event_ids)
        return Redelivered(queued=count)

    @api.post(
        "/v1/{tenant}/subscriptions/{subscription}/replays",
        status_code=202,
        response_model=Replay,
        summary="Deliver again every matching event stored since a time",
        responses=_problems(401, 403, 404, 422, 503),
    )
    async def replay(
        tenant: TenantPath, subscription: SubscriptionPath, request: ReplayRequest, who: CallerDep
    ) -> Replay:
        return Replay(**await gateway.replay(who, tenant, subscription, request.since))

    @api.get(
        "/v1/{tenant}/subscriptions/{subscription}/replays/{replay}",
        response_model=Replay,
        summary="How a replay goes",
        responses=_problems(401, 403, 404, 503),
    )
    async def replay_state(
        tenant: TenantPath,
        subscription: SubscriptionPath,
        replay: Annotated[str, Path(max_length=64)],
        who: CallerDep,
    ) -> Replay:
        return Replay(**await gateway.replay_state(who, tenant, subscription, replay))

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @api.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        ready, checks = await gateway.health.readiness()
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", **checks},
            status_code=200 if ready else 503,
        )

    _document_event_schema(api)
    return api


def _document_event_schema(api: FastAPI) -> None:
    """The request body's schema: any event of the contract (each type's own schema is in
    contracts/schemas/; the envelope is checked here, ``data`` by type)."""
    original = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        document = original()
        document.setdefault("components", {}).setdefault("schemas", {})["CloudEventDocument"] = {
            "type": "object",
            "description": "A CloudEvent 1.0 of the event contract (structured mode); its "
            "`data` follows the schema of its `type` (contracts/schemas/).",
            "required": [
                "specversion",
                "id",
                "source",
                "type",
                "time",
                "subject",
                "tenant",
                "data",
            ],
            "properties": {
                "specversion": {"const": "1.0"},
                "id": {"type": "string", "format": "uuid"},
                "source": {"type": "string", "minLength": 1, "maxLength": 256},
                "type": {"type": "string"},
                "time": {"type": "string", "format": "date-time"},
                "subject": {"type": "string", "format": "uuid"},
                "datacontenttype": {"const": "application/json"},
                "tenant": {"type": "string"},
                "correlationid": {"type": "string", "format": "uuid"},
                "causationid": {"type": "string", "format": "uuid"},
                "data": {"type": "object"},
            },
        }
        document["components"]["securitySchemes"] = {
            "oauth2": {
                "type": "oauth2",
                "description": "Client credentials from the municipality's identity provider; "
                "the token carries `tenant` and `roles` (docs/gateway.md).",
                "flows": {
                    "clientCredentials": {"tokenUrl": "https://idp.example/token", "scopes": {}}
                },
            },
            "mutualTLS": {
                "type": "mutualTLS",
                "description": "A client certificate of the bus CA (bus_access).",
            },
        }
        document["security"] = [{"oauth2": []}, {"mutualTLS": []}]
        _every_refusal_a_problem(document)
        api.openapi_schema = document
        return document

    api.openapi = openapi  # type: ignore[method-assign]


def _every_refusal_a_problem(document: dict[str, Any]) -> None:
    """Every 4xx/5xx answer is ``application/problem+json`` (also FastAPI's own 422 for an
    invalid path or body, and 400 for a body that is not JSON), as the API answers them."""
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "Bad Request"})
            for status, response in responses.items():
                if int(status) >= 400:
                    response["content"] = problem
                    if status == "422":
                        response["description"] = "Invalid: `errors[].field` names each field"
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
