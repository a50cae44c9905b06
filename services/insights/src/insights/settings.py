from datetime import timedelta

from mediation_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

SERVICE = "insights"


class InsightsSettings(ServiceSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``INSIGHTS_*``.

    Durations are ISO 8601 (``P28D``, ``PT1M``) or seconds."""

    model_config = SettingsConfigDict(env_prefix="INSIGHTS_", extra="ignore")

    database: str = "mediation_insights"
    source: str = "/mediation/insights"
    command_workers: int = Field(default=4, ge=1, description="Commands answered concurrently.")
    evaluation_valid_days: float = Field(
        default=30, gt=0, description="How long an evaluation link works after it was sent."
    )
    evaluation_reminder_days: float = Field(
        default=7,
        gt=0,
        description="After this many days an unused link gets its one reminder (never a "
        "second); none when the link expires first.",
    )
    follow_up_after: timedelta = Field(
        default=timedelta(days=28),
        description="After a case closed with an (partial) agreement, when its mediator is "
        "due to follow it up (FollowUpDue).",
    )
    due_check_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often due follow-ups, due reminders and expired links are looked for.",
    )
