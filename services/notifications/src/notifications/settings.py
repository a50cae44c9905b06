from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mediation_runtime.settings import CONTACT_RETENTION_DEFAULT, ServiceSettings
from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from notifications.adapters.channels.factory import ChannelSettings
from notifications.domain.compose import (
    DEV_EVALUATION_URL,
    Office,
    evaluation_url_problem,
    is_local_url,
)

SERVICE = "notifications"


class NotificationsSettings(ServiceSettings, ChannelSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``NOTIFICATIONS_*``,
    including the channel settings (``NOTIFICATIONS_MODE``, ``NOTIFICATIONS_SMTP_HOST``, ...).

    ``NOTIFICATIONS_OFFICE`` (JSON) names the office that sends and answers, and
    ``NOTIFICATIONS_TENANT_OFFICES`` (JSON by tenant) one per municipality.

    ``NOTIFICATIONS_EVALUATION_URL``: the public evaluation page of the mediator client; a
    party's one-time link is ``<this>/<token>``. https (http only for localhost, the local
    stack's default ``http://localhost:8080/evaluering``; refused in live mode), at most 100
    characters, no query or fragment. A bad value stops the service at start.
    """

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    database: str = "mediation_notifications"
    source: str = "/mediation/notifications"
    office: dict[str, Any] = Field(
        default_factory=lambda: {
            "name": "Borgerrådgiveren",
            "phone": "+45 33 66 33 66",
            "email": "borgerraadgiveren@example.dk",
            "address": "Rådhuspladsen 1, 1550 København V",
            "organizer_email": "borgerraadgiveren@example.dk",
        }
    )
    tenant_offices: dict[str, dict[str, Any]] = Field(default_factory=dict)
    reminder_lead: timedelta = timedelta(days=2)
    delivery_retry_delays: list[float] = Field(
        default=[30.0, 120.0, 600.0, 1800.0],
        description="Seconds before each new attempt after a transient failure; then it fails.",
    )
    contact_retention: timedelta = Field(
        default=CONTACT_RETENTION_DEFAULT,
        description="How long contact details are kept after the case closed.",
    )
    retention_sweep_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How often the contact details of cases whose retention ran out are erased.",
    )
    evaluation_url: str = Field(
        default=DEV_EVALUATION_URL,
        description="The evaluation page's URL; a party's one-time link is <this>/<token>.",
    )
    worker_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the delivery worker looks for due deliveries it was not handed: "
        "retries whose time has come, leases run out, another replica's. A new delivery is "
        "sent at once, without waiting for it.",
    )
    delivery_concurrency: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Messages sent at once (each to its own recipient); a provider's rate "
        "limit answered with 429/Retry-After is honoured per message.",
    )

    @field_validator("evaluation_url")
    @classmethod
    def _evaluation_url(cls, url: str, info: ValidationInfo) -> str:
        """A field validator (``mode`` is validated before it): its error quotes this value
        only, never the other settings (secrets among them)."""
        url = url.strip().rstrip("/")
        problem = evaluation_url_problem(url)
        if problem is not None:
            raise ValueError(f"NOTIFICATIONS_EVALUATION_URL must be {problem}")
        if info.data.get("mode") == "live" and is_local_url(url):
            raise ValueError(
                "NOTIFICATIONS_EVALUATION_URL points at localhost, which the people told cannot "
                "open: with NOTIFICATIONS_MODE=live set it to the mediator client's public "
                "https URL + /evaluering"
            )
        return url

    def office_for(self, tenant: str) -> Office:
        fields = self.office | self.tenant_offices.get(tenant, {})
        return Office(
            **{
                **fields,
                "timezone": ZoneInfo(fields.get("timezone", "Europe/Copenhagen")),
                "evaluation_url": self.evaluation_url,
            }
        )

    def channels(self) -> ChannelSettings:
        return ChannelSettings.model_validate(
            self.model_dump(include=set(ChannelSettings.model_fields))
        )
