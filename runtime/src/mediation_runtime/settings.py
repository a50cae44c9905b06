"""Settings every service shares; each service subclasses with its own env prefix."""

from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from mediation_runtime.bus import NatsSettings

# Defaults of the services' retention of personal data, shared with the streams' age limits
# (mediation_runtime.streams), which must not keep it longer.
CONTACT_RETENTION_DEFAULT = timedelta(days=30)
"""``NOTIFICATIONS_CONTACT_RETENTION``: contact details, after the case closed."""
SUMMARY_RETENTION_DEFAULT = timedelta(days=90)
"""``NOTES_RETENTION``: summaries, after the case closed."""


class ServiceSettings(NatsSettings):
    """``NATS_*`` and ``MONGODB_URL`` name each process's own connections; the rest is per
    service."""

    model_config = SettingsConfigDict(extra="ignore")

    mongodb_url: str = Field(
        default="mongodb://127.0.0.1:27017/",
        validation_alias=AliasChoices("MONGODB_URL", "mongodb_url"),
    )
    log_format: Literal["json", "console"] = Field(
        default="json", validation_alias=AliasChoices("LOG_FORMAT", "log_format")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))
    database: str = Field(description="MongoDB database this service owns.")
    source: str = Field(description="CloudEvents `source` of the events this service produces.")
    retry_delays: list[float] = Field(
        # Starts small: in a burst, events overtake their case's request (each event type
        # has its own consumer) and need only a moment; the window stays ~49 s for outages.
        default=[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0],
        description="Delay before each redelivery of a message that failed transiently; "
        "after the last one the message is dead-lettered.",
    )
    ack_wait_seconds: float = 30.0
    event_workers: int = Field(
        default=8,
        ge=1,
        description="Events each consumer handles at once: different cases in parallel, one "
        "case's events one at a time in the order they arrived.",
    )
    outbox_poll_seconds: float = Field(
        default=10.0,
        description="How often the relay also scans for events a crash left behind; events "
        "just written go out at once.",
    )
    stream_replicas: int = 1
    nats_reconnect_wait_seconds: float = Field(
        default=2.0,
        gt=0,
        validation_alias=AliasChoices("NATS_RECONNECT_WAIT_SECONDS", "nats_reconnect_wait_seconds"),
        description="Pause between attempts to reach NATS again; there is no limit on them.",
    )
    health_address: str | None = Field(
        default=None,
        validation_alias=AliasChoices("HEALTH_ADDRESS", "health_address"),
        description="host:port for the liveness (/healthz) and readiness (/readyz) probes "
        "and the Prometheus metrics (/metrics); unset, no listener (see "
        "mediation_runtime.health).",
    )
    metrics_sample_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often the sampled metrics (outbox backlog and age, consumer pending "
        "counts, readiness) are taken, while HEALTH_ADDRESS serves them.",
    )
    event_stall_seconds: float = Field(
        default=600.0,
        gt=0,
        description="Liveness (/healthz) fails when the service holds events and none of them "
        "took a step (an attempt begun, or an outcome) for this long, or one handler has "
        "been at work on one event this long: a stalled consumer is restarted by its probe "
        "instead of holding its events (and their cases) for ever. An event waiting through "
        "an outage tries again at least every 30 s, and one waiting for an earlier event of "
        "its case is not at work, so neither is a stall.",
    )
    stop_timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        description="After SIGTERM, the process exits at the latest this long after, even if "
        "its graceful stop hangs.",
    )

    @property
    def max_deliveries(self) -> int:
        return len(self.retry_delays) + 1
