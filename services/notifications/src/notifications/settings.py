from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mediation_runtime.settings import CONTACT_RETENTION_DEFAULT, ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from notifications.adapters.channels.factory import ChannelSettings
from notifications.domain.compose import Office

SERVICE = "notifications"


class NotificationsSettings(ServiceSettings, ChannelSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``NOTIFICATIONS_*``,
    including the channel settings (``NOTIFICATIONS_MODE``, ``NOTIFICATIONS_SMTP_HOST``, ...).

    ``NOTIFICATIONS_OFFICE`` (JSON) names the office that sends and answers, and
    ``NOTIFICATIONS_TENANT_OFFICES`` (JSON by tenant) one per municipality.
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
    worker_poll_seconds: float = 1.0
    delivery_concurrency: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Messages sent at once (each to its own recipient); a provider's rate "
        "limit answered with 429/Retry-After is honoured per message.",
    )

    def office_for(self, tenant: str) -> Office:
        fields = self.office | self.tenant_offices.get(tenant, {})
        return Office(
            **{**fields, "timezone": ZoneInfo(fields.get("timezone", "Europe/Copenhagen"))}
        )

    def channels(self) -> ChannelSettings:
        return ChannelSettings.model_validate(
            self.model_dump(include=set(ChannelSettings.model_fields))
        )
