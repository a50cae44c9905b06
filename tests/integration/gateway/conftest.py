"""The gateway as a real process on a free port, with HTTPS, tokens from a development
identity provider and client certificates of the bus CA; real subscribers over HTTP."""

import asyncio
import base64
import contextlib
import secrets
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from mediation_devstack.dev_identity import DevIdentity
from mediation_devstack.ports import free_port

from docs.examples.webhook_subscriber import WebhookSubscriber
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

AUDIENCE = "mediation-gateway"


class Gateway(ServiceProcess):
    def __init__(self, bus: LiveBus, mongodb_url: str, directory: Path) -> None:
        self.identity = DevIdentity.create(directory / "identity")
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.ca = bus.access.directory / "ca.pem"
        server = bus.access.directory / "server"
        super().__init__(
            "gateway",
            bus,
            mongodb_url,
            directory / "gateway.log",
            GATEWAY_HTTP_PORT=str(self.port),
            GATEWAY_TLS_CERT_FILE=str(server / "cert.pem"),
            GATEWAY_TLS_KEY_FILE=str(server / "key.pem"),
            GATEWAY_CLIENT_CA_FILE=str(self.ca),
            GATEWAY_CLIENT_REGISTRY_FILE=str(bus.access.directory / "principals.json"),
            GATEWAY_JWKS_FILE=str(self.identity.jwks_path),
            GATEWAY_TOKEN_AUDIENCE=AUDIENCE,
            GATEWAY_ALLOW_HTTP_CALLBACKS="true",
            # The subscribers run on loopback.
            GATEWAY_ALLOW_PRIVATE_CALLBACKS="true",
            GATEWAY_SECRET_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
            GATEWAY_DELIVERY_RETRY_DELAYS="[0.3, 0.5, 0.5, 1.0]",
            GATEWAY_DELIVERY_TIMEOUT_SECONDS="2",
            GATEWAY_POLL_SECONDS="0.3",
        )

    def token(self, client: str, tenant: str, roles: list[str], **claims: Any) -> str:
        now = datetime.now(UTC)
        return self.identity.sign(
            {
                "iss": self.identity.issuer,
                "sub": client,
                "aud": AUDIENCE,
                "tenant": tenant,
                "roles": roles,
                "iat": int(now.timestamp()),
                "exp": int((now + timedelta(minutes=10)).timestamp()),
                **claims,
            }
        )

    def client(self, token: str | None = None, cert: Path | None = None) -> httpx2.AsyncClient:
        context = ssl.create_default_context(cafile=str(self.ca))
        if cert is not None:
            context.load_cert_chain(str(cert / "cert.pem"), str(cert / "key.pem"))
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx2.AsyncClient(base_url=self.url, verify=context, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def gateway(
    bus: LiveBus, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    process = Gateway(bus, mongodb_url, tmp_path_factory.mktemp("gateway"))
    process.start()
    yield process
    process.stop()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Subscriber:
    """A real HTTP server on loopback running the example subscriber; it can be stopped
    (killed mid-delivery) and started again on the same port."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.app = WebhookSubscriber(secret)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.attempts: list[str] = []
        self.hold: asyncio.Event | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.attempts.append(headers.get(b"webhook-id", b"").decode())
            if self.hold is not None:
                await self.hold.wait()
        await self.app(scope, receive, send)

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._task = asyncio.create_task(self._server.serve())
        await until(lambda: self._server is not None and self._server.started, "subscriber up")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
            self._server = None


@pytest.fixture
async def subscriber() -> AsyncIterator[Subscriber]:
    running = Subscriber(new_secret())
    await running.start()
    yield running
    if running.hold is not None:
        running.hold.set()
    await running.stop()


async def subscribe(
    http: httpx2.AsyncClient, tenant: str, subscriber: Subscriber, types: list[str]
) -> str:
    """A subscription of the calling client to ``types``, delivered to ``subscriber``."""
    answer = await http.post(
        f"/v1/{tenant}/subscriptions",
        json={"callback_url": subscriber.url, "types": types, "secret": subscriber.secret},
    )
    assert answer.status_code == 201, answer.text
    assert "secret" not in answer.json()
    return str(answer.json()["id"])


async def until(condition: Any, what: str, timeout: float = 20.0) -> None:
    """Wait for ``condition()`` (sync or async) to hold, failing with ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {what}")
