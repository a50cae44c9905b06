"""What the gateway does with a request or an event, over its adapters (given as one bundle,
:class:`Gateway`, by ``bootstrap``)."""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import structlog
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.registry import event_class
from mediation_contracts.subjects import event_subject
from mediation_runtime.bus import PublishDenied
from mediation_runtime.health import Health
from mediation_runtime.tokens import KeysUnavailable, TokenRefused
from nats.aio.client import Client

from gateway.adapters.bus import Publisher, read_since
from gateway.adapters.clients import ClientRegistry
from gateway.adapters.secrets import SecretBox
from gateway.adapters.store import Store
from gateway.adapters.tokens import TokenCallers
from gateway.dispatcher import Dispatcher
from gateway.domain.callers import Caller, NotAllowed
from gateway.domain.ingest import FieldError, Invalid, mode_of, read_events
from gateway.domain.subscriptions import Subscription, SubscriptionRequest, checked
from gateway.settings import GatewaySettings

log = structlog.get_logger("gateway")
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Already stored",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid",
    503: "Unavailable",
}
INTERRUPTED_AFTER = timedelta(minutes=2)


@dataclass
class Problem(Exception):
    status: int
    code: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _TITLES.get(self.status, "Error")

    @classmethod
    def invalid(cls, error: Invalid) -> "Problem":
        return cls(error.status, error.code, error.detail, error.errors)

    @classmethod
    def refused(cls, error: NotAllowed) -> "Problem":
        return cls(403, error.code, error.detail)


async def read_body(chunks: AsyncIterator[bytes], headers: Mapping[str, str], limit: int) -> bytes:
    """The body, refused as soon as it is larger than ``limit`` (before it is all read)."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Problem(413, "too_large", f"the body may be at most {limit} bytes")
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise Problem(413, "too_large", f"the body may be at most {limit} bytes")
    return bytes(body)


@dataclass
class Gateway:
    settings: GatewaySettings
    store: Store
    dispatcher: Dispatcher
    publisher: Publisher
    connection: Callable[[], Client]
    health: Health
    tokens: TokenCallers | None
    certificates: ClientRegistry | None
    box: SecretBox
    replays: set["asyncio.Task[None]"] = field(default_factory=set)
    _grants_seen: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )

    # --- who is calling ----------------------------------------------------------------------

    async def authenticate(
        self, peer: dict[str, Any] | None, authorization: str, tenant: str
    ) -> Caller:
        """A client certificate, else a Bearer token; then its municipality must be ``tenant``."""
        try:
            if peer is not None and self.certificates is not None:
                caller = self.certificates.caller(peer)
            else:
                caller = await self._token_caller(authorization)
            caller.for_tenant(tenant)
        except NotAllowed as refused:
            status = 401 if refused.code in ("unknown_client", "revoked_certificate") else 403
            raise Problem(status, refused.code, refused.detail) from None
        structlog.contextvars.bind_contextvars(client=caller.name, tenant=caller.tenant)
        if caller.via == "token":
            await self._note_grants(caller)
        return caller

    async def _note_grants(self, caller: Caller) -> None:
        """Record a token client's current roles on its subscriptions when they changed
        (checked before each delivery, gateway.grants)."""
        key, grants = (caller.tenant, caller.name), (caller.roles, caller.consume)
        if self._grants_seen.get(key) == grants:
            return
        await self.store.update_grants(
            caller.tenant, caller.name, list(caller.roles), list(caller.consume)
        )
        self._grants_seen[key] = grants

    async def _token_caller(self, authorization: str) -> Caller:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or self.tokens is None:
            raise Problem(401, "unauthenticated", "send a Bearer token or a client certificate")
        tokens = self.tokens
        try:
            if tokens.verifier.keys.may_block:
                return await asyncio.to_thread(tokens.caller, token.strip())
            return tokens.caller(token.strip())
        except KeysUnavailable:
            raise Problem(
                503,
                "keys_unavailable",
                "the identity provider's keys cannot be fetched now; try again",
            ) from None
        except TokenRefused as refused:
            log.info("token_refused", reason=refused.reason)
            raise Problem(
                401,
                f"token_{refused.reason}",
                f"the token is refused: "
                f"{refused.reason}" + (f" ({refused.claim})" if refused.claim else ""),
            ) from None

    # --- in ----------------------------------------------------------------------------------

    async def receive(
        self, caller: Caller, tenant: str, headers: dict[str, str], body: bytes
    ) -> list[tuple[str, str]]:
        """Validate every event, check the caller may send each, then publish them in order;
        answers once JetStream stored each (or had it already)."""
        try:
            events = read_events(headers, body, self.settings.max_batch)
        except Invalid as invalid:
            log.info("events_refused", code=invalid.code, fields=[e.field for e in invalid.errors])
            raise Problem.invalid(invalid) from None
        single = mode_of(headers) != "batch"
        for index, event in enumerate(events):
            where = "" if len(events) == 1 and single else f"[{index}]."
            if event.tenant != tenant:
                raise Problem(
                    422,
                    "wrong_tenant",
                    "the event's tenant is not the path's",
                    [
                        FieldError(
                            f"{where}tenant", "wrong_tenant", "must be the municipality in the path"
                        )
                    ],
                )
            try:
                caller.may_send(type(event))
            except NotAllowed as refused:
                raise Problem(
                    403,
                    refused.code,
                    refused.detail,
                    [FieldError(f"{where}type", refused.code, refused.detail)],
                ) from None
        results = []
        for event in events:
            results.append((str(event.id), await self._publish(event)))
        if len(events) == 1 and single and results[0][1] == "duplicate":
            raise Problem(
                409,
                "duplicate",
                "an event with this id was stored already "
                "(within JetStream's two-minute window): it is not sent again",
            )
        return results

    async def _publish(self, event: CloudEvent) -> str:
        try:
            duplicate = await self.publisher.publish(event)
        except PublishDenied:
            log.error("gateway_publish_denied", event_type=event.type)
            raise Problem(
                503, "bus_refused", "the bus refused the event; operators are told"
            ) from None
        except Exception as error:
            log.warning(
                "gateway_publish_failed", event_id=str(event.id), error_type=type(error).__name__
            )
            raise Problem(
                503,
                "not_stored",
                "the event could not be stored now; send it again (the same id is safe)",
            ) from None
        log.info(
            "event_received",
            event_id=str(event.id),
            event_type=event.type,
            case_id=str(event.subject),
            duplicate=duplicate,
        )
        return "duplicate" if duplicate else "stored"

    # --- subscriptions -----------------------------------------------------------------------

    async def subscribe(
        self, caller: Caller, tenant: str, request: SubscriptionRequest
    ) -> Subscription:
        try:
            events, _ = checked(
                request,
                caller,
                self.settings.allow_http_callbacks,
                self.settings.allow_private_callbacks,
            )
        except Invalid as invalid:
            raise Problem.invalid(invalid) from None
        except NotAllowed as refused:
            raise Problem(403, refused.code, refused.detail) from None
        id = str(uuid4())
        grants: dict[str, Any] = {"via": caller.via}
        if caller.via == "token":
            grants |= {"roles": list(caller.roles), "consume": list(caller.consume)}
        document = await self.store.add_subscription(
            id,
            tenant,
            caller.name,
            request.callback_url,
            [e.type_name() for e in events],
            self.box.seal(request.secret, id),
            grants,
        )
        log.info("subscription_created", subscription=document["_id"])
        await self.dispatcher.sync()
        return _shown(document)

    async def subscriptions(self, caller: Caller, tenant: str) -> list[Subscription]:
        return [_shown(d) for d in await self.store.subscriptions_of(tenant, caller.name)]

    async def own(self, caller: Caller, tenant: str, id: str) -> dict[str, Any]:
        document = await self.store.subscription(tenant, caller.name, id)
        if document is None:
            raise Problem(404, "no_such_subscription", "this client has no such subscription")
        return _shown(document).model_dump()

    async def unsubscribe(self, caller: Caller, tenant: str, id: str) -> None:
        if not await self.store.remove_subscription(tenant, caller.name, id):
            raise Problem(404, "no_such_subscription", "this client has no such subscription")
        log.info("subscription_removed", subscription=id)
        await self.dispatcher.sync()

    async def dead_letters(self, caller: Caller, tenant: str, id: str) -> list[dict[str, Any]]:
        await self.own(caller, tenant, id)
        return [
            {
                "event_id": d["event_id"],
                "type": d["type"],
                "attempts": d["attempts"],
                "last_status": d.get("last_status"),
                "last_error": d.get("last_error"),
                "dead_since": d.get("finished_at"),
            }
            for d in await self.store.dead_letters(id, limit=1000)
        ]

    async def redeliver(
        self, caller: Caller, tenant: str, id: str, event_ids: list[str] | None
    ) -> int:
        await self.own(caller, tenant, id)
        count = await self.store.redeliver(id, event_ids)
        self.dispatcher.wake(id)
        return count

    # --- replay ------------------------------------------------------------------------------

    async def replay(self, caller: Caller, tenant: str, id: str, since: datetime) -> dict[str, Any]:
        subscription = await self.own(caller, tenant, id)
        if since.tzinfo is None:
            raise Problem(
                422,
                "invalid_request",
                "since needs a time zone",
                [FieldError("since", "timezone", "a time zone, e.g. Z")],
            )
        document = await self.store.add_replay(id, since.astimezone(UTC))
        task = asyncio.create_task(self._replay(subscription, document))
        self.replays.add(task)
        task.add_done_callback(self.replays.discard)
        return _replay_shown(document)

    async def replay_state(
        self, caller: Caller, tenant: str, id: str, replay: str
    ) -> dict[str, Any]:
        await self.own(caller, tenant, id)
        document = await self.store.replay(id, replay)
        if document is None:
            raise Problem(404, "no_such_replay", "this subscription has no such replay")
        return _replay_shown(document)

    async def _replay(self, subscription: dict[str, Any], replay: dict[str, Any]) -> None:
        """Read each subscribed type's subject again since the time, and queue each event."""
        queued = 0
        try:
            for type_name in subscription["types"]:
                cls = event_class(type_name)
                subject = event_subject(subscription["tenant"], cls.aggregate, cls.event)
                async for _, body in read_since(self.connection(), subject, replay["since"]):
                    event = _readable(body)
                    if event is None or event.tenant != subscription["tenant"]:
                        continue
                    if await self.store.queue(
                        subscription["id"],
                        str(event.id),
                        event.type,
                        event.to_json().decode(),
                        replay=replay["_id"],
                        tenant=event.tenant,
                        case_id=str(event.subject),
                    ):
                        queued += 1
                    if queued % 100 == 0:
                        await self.store.update_replay(replay["_id"], queued=queued)
                        self.dispatcher.wake(subscription["id"])
            await self.store.update_replay(replay["_id"], state="done", queued=queued)
            log.info("replay_done", subscription=subscription["id"], queued=queued)
        except Exception as error:
            log.warning(
                "replay_failed", subscription=subscription["id"], error_type=type(error).__name__
            )
            await self.store.update_replay(replay["_id"], state="failed", queued=queued)
        self.dispatcher.wake(subscription["id"])

    # --- out: events heard on the bus --------------------------------------------------------

    async def fan_out(self, event: CloudEvent) -> None:
        """Queue the event for every subscription of its municipality that wants its type
        (idempotent: heard again, it is not queued again)."""
        body = event.to_json().decode()
        for subscription in await self.store.matching(event.tenant, event.type):
            if await self.store.queue(
                subscription["_id"],
                str(event.id),
                event.type,
                body,
                tenant=event.tenant,
                case_id=str(event.subject),
            ):
                self.dispatcher.wake(subscription["_id"])

    async def forget_old(self) -> None:
        await self.store.forget_old(
            timedelta(seconds=self.settings.delivered_retention_seconds),
            timedelta(seconds=self.settings.dead_letter_retention_seconds),
        )


def _readable(body: bytes) -> CloudEvent | None:
    from mediation_contracts.registry import parse_event

    try:
        return parse_event(body)
    except ValueError:
        return None  # dead-lettered by the services when it first came; nothing to deliver


def _shown(document: dict[str, Any]) -> Subscription:
    return Subscription(
        id=document["_id"],
        tenant=document["tenant"],
        callback_url=document["callback_url"],
        types=document["types"],
        created_at=document["created_at"],
    )


def _replay_shown(document: dict[str, Any]) -> dict[str, Any]:
    state = document["state"]
    updated = document["updated_at"]
    updated = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
    if state == "running" and updated < datetime.now(UTC) - INTERRUPTED_AFTER:
        state = "interrupted"
    return {
        "id": document["_id"],
        "subscription": document["subscription"],
        "since": document["since"],
        "until": document["until"],
        "state": state,
        "queued": document["queued"],
    }
