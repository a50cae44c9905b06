"""The composition root: builds the gateway (its bus consumer, HTTP API and delivery workers)
from settings. Tests build the same app."""

import asyncio
import contextlib
import functools
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from mediation_contracts.access import outside_producible
from mediation_runtime.health import Health
from mediation_runtime.personal_data import serve_data_rights
from mediation_runtime.service import (
    ServiceApp,
    periodically,
    service_app,
    service_parts,
)
from mediation_runtime.tokens import JwtVerifier

from gateway.adapters.bus import Publisher
from gateway.adapters.clients import ClientRegistry
from gateway.adapters.secrets import SecretBox
from gateway.adapters.store import Store
from gateway.adapters.tokens import TokenCallers
from gateway.dispatcher import Dispatcher
from gateway.domain.retries import RetrySchedule
from gateway.entrypoints.http import create_api
from gateway.entrypoints.subscribers import register_subscribers
from gateway.entrypoints.tls import PeerCertProtocol
from gateway.grants import Grants
from gateway.handlers import Gateway
from gateway.settings import SERVICE, GatewaySettings, retention_da

FORGET_SECONDS = 3600.0


class _QuietServer(uvicorn.Server):
    """uvicorn inside the service's own process: the service handles the signals."""

    def install_signal_handlers(self) -> None:
        pass

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class GatewayApp:
    app: ServiceApp
    api: FastAPI
    gateway: Gateway
    server: uvicorn.Server


def token_callers(settings: GatewaySettings) -> TokenCallers | None:
    if not settings.jwks_file and not settings.jwks_url:
        return None
    return TokenCallers(
        JwtVerifier.from_settings(
            jwks_file=settings.jwks_file,
            jwks_url=settings.jwks_url,
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            prefix="GATEWAY_",
        )
    )


def create_gateway(settings: GatewaySettings) -> GatewayApp:
    # The gateway writes no events through an outbox (it answers a caller only once JetStream
    # stored the event); the relay idles, and its publishers document what it publishes.
    parts = service_parts(
        settings, SERVICE, outbox_collection="outbox", publishes=outside_producible()
    )
    broker, errors, events, mongo, database = (
        parts.broker,
        parts.errors,
        parts.events,
        parts.mongo,
        parts.database,
    )
    store = Store(database)
    box = SecretBox.from_setting(settings.secret_key)
    tokens = token_callers(settings)
    certificates = (
        ClientRegistry(settings.client_registry_file)
        if settings.client_ca_file and settings.client_registry_file
        else None
    )
    dispatcher = Dispatcher(
        store,
        RetrySchedule(tuple(settings.delivery_retry_delays)),
        box=box,
        grants=Grants(certificates),
        allow_private=settings.allow_private_callbacks,
        timeout_seconds=settings.delivery_timeout_seconds,
        lease_seconds=settings.delivery_lease_seconds,
        poll_seconds=settings.poll_seconds,
    )

    async def database_answers() -> bool:
        return bool((await mongo.admin.command("ping")).get("ok"))

    health = Health({"nats": functools.partial(broker.ping, 1.0), "database": database_answers})
    if tokens is None and certificates is None:
        raise ValueError(
            "no way to authenticate callers: set GATEWAY_JWKS_FILE or GATEWAY_JWKS_URL "
            "(client-credentials tokens) and/or GATEWAY_CLIENT_CA_FILE with "
            "GATEWAY_CLIENT_REGISTRY_FILE (client certificates)"
        )
    gateway = Gateway(
        settings=settings,
        store=store,
        dispatcher=dispatcher,
        publisher=Publisher(
            lambda: broker.connection.jetstream(), errors, settings.publish_timeout_seconds
        ),
        connection=lambda: broker.connection,
        health=health,
        tokens=tokens,
        certificates=certificates,
        box=box,
    )
    register_subscribers(events, gateway)
    # Its delivery records keep copies of events (the body as sent), by municipality and
    # case: found and erased by value like the services' records. No correct_person: a copy
    # of an event already sent stays as sent (contract: CONTACT_HOLDERS).
    serve_data_rights(
        parts.commands,
        database,
        retention=retention_da(
            settings.delivered_retention_seconds, settings.dead_letter_retention_seconds
        ),
    )
    api = create_api(gateway)
    server = _QuietServer(uvicorn_config(api, settings))
    serving: list[asyncio.Task[None]] = []

    async def prepare() -> None:
        await store.create_indexes()
        serving.append(asyncio.create_task(server.serve()))
        while not server.started:
            if serving[0].done():
                serving[0].result()  # raises why it could not listen
                raise RuntimeError("the HTTP API stopped at start")
            await asyncio.sleep(0.05)
        health.started = True

    app = service_app(
        service=SERVICE,
        description="Other municipal systems over HTTP: CloudEvents in, webhook subscriptions "
        "out. Consumes every event some outside system may hear, for its subscriptions.",
        settings=settings,
        parts=parts,
        prepare=prepare,
        background=[dispatcher.run_forever, periodically(FORGET_SECONDS, gateway.forget_old)],
    )

    @app.on_shutdown
    async def stop_http() -> None:
        health.stopping = True
        server.should_exit = True
        for task in serving:
            await asyncio.gather(task, return_exceptions=True)
        for task in list(gateway.replays):
            task.cancel()

    return GatewayApp(app, api, gateway, server)


def uvicorn_config(api: FastAPI, settings: GatewaySettings) -> uvicorn.Config:
    options: dict[str, Any] = {}
    if settings.tls_cert_file is not None:
        options["ssl_certfile"] = str(settings.tls_cert_file)
        options["ssl_keyfile"] = str(settings.tls_key_file) if settings.tls_key_file else None
        if settings.client_ca_file is not None:
            # Optional: a caller with a token needs none; one that sends a certificate must
            # send one of this CA.
            options["ssl_ca_certs"] = str(settings.client_ca_file)
            options["ssl_cert_reqs"] = ssl.CERT_OPTIONAL
    return uvicorn.Config(
        api,
        host=settings.http_host,
        port=settings.http_port,
        http=PeerCertProtocol,
        lifespan="off",
        log_config=None,
        access_log=False,
        server_header=False,
        **options,
    )
