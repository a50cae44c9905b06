"""The gateway's environment: ``NATS_*``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``GATEWAY_*``."""

from datetime import timedelta
from pathlib import Path

from mediation_runtime.settings import ServiceSettings
from mediation_runtime.streams import iso
from pydantic import Field
from pydantic_settings import SettingsConfigDict

SERVICE = "gateway"


class GatewaySettings(ServiceSettings):
    """Durations in seconds."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database: str = "mediation_gateway"
    source: str = "/mediation/gateway"

    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API listens on.")
    http_port: int = Field(default=8090, ge=0, le=65535, description="Its port (0: any free).")
    public_url: str | None = Field(
        default=None, description="The address callers use (shown in the OpenAPI document)."
    )
    tls_cert_file: Path | None = Field(
        default=None, description="PEM: the server's certificate; set, the API speaks HTTPS."
    )
    tls_key_file: Path | None = Field(default=None, description="PEM: its private key.")
    client_ca_file: Path | None = Field(
        default=None,
        description="PEM: the CA whose client certificates are accepted (mutual TLS, as on "
        "the bus); unset, callers authenticate with tokens only.",
    )
    client_registry_file: Path | None = Field(
        default=None,
        description="The bus's principals.json: which client certificate belongs to which "
        "integration, its municipality and roles (mediation_runtime.bus_access).",
    )

    jwks_file: Path | None = Field(default=None, description="The identity provider's keys.")
    jwks_url: str | None = Field(default=None, description="Or its JWKS endpoint (https).")
    token_audience: str = Field(
        default="mediation-gateway", description="The `aud` client tokens must carry."
    )
    token_issuer: str | None = Field(default=None, description="The `iss` they must carry.")

    max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Largest request body.")
    max_batch: int = Field(default=100, ge=1, description="Most events in one batch.")
    publish_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long an event may wait for JetStream to store it."
    )

    delivery_retry_delays: list[float] = Field(
        default=[5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800],
        min_length=1,
        description="Pause before each further attempt of a webhook that failed; after the "
        "last, the delivery goes to the subscription's dead letters (about 15 h by default).",
    )
    delivery_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a subscriber may take to answer."
    )
    delivery_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="After this long, an attempt that a replica claimed but never finished "
        "(it died) may be made by another.",
    )
    poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often each replica looks for new subscriptions and for deliveries "
        "that other replicas queued.",
    )
    allow_http_callbacks: bool = Field(
        default=False,
        description="Accept plain http:// callback URLs (development and tests only).",
    )
    allow_private_callbacks: bool = Field(
        default=False,
        description="Deliver to callback URLs on loopback, private, link-local or otherwise "
        "internal addresses (development and tests only): unset, the gateway cannot be made "
        "to POST into the network it runs in.",
    )
    secret_key: str = Field(
        description="base64 of 32 bytes: encrypts the subscriptions' signing secrets at rest "
        "(AES-GCM); GATEWAY_SECRET_KEY_FILE in the image. Keep it: without it no stored "
        "subscription can sign."
    )
    delivered_retention_seconds: float = Field(
        default=7 * 86400,
        gt=0,
        description="How long a delivered webhook's record (with the event) is kept.",
    )
    dead_letter_retention_seconds: float = Field(
        default=30 * 86400,
        gt=0,
        description="How long a dead letter (with the event) waits to be redelivered.",
    )


def retention_da(delivered_seconds: float, dead_letter_seconds: float) -> str:
    """How long the gateway keeps its copies of events, in Danish: the data-rights answer
    and the record of processing (docs/processing.md) say the same from the same settings."""
    delivered = iso(timedelta(seconds=delivered_seconds))
    dead = iso(timedelta(seconds=dead_letter_seconds))
    return (
        f"Kopier af afsendte hændelser slettes {delivered} efter levering "
        f"(GATEWAY_DELIVERED_RETENTION_SECONDS), uleverede (dead letters) {dead} efter sidste "
        "forsøg (GATEWAY_DEAD_LETTER_RETENTION_SECONDS), eller før på anmodning (erase_person); "
        "id'er bevares."
    )
