from datetime import timedelta

from mediation_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

SERVICE = "intake"
CASE_RETENTION_DEFAULT = timedelta(days=90)
"""``INTAKE_RETENTION``: a closed case's names, contact details and the parties' own words."""


class IntakeSettings(ServiceSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``INTAKE_*``."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    database: str = "mediation_intake"
    source: str = "/mediation/intake"
    command_workers: int = Field(default=8, description="Queries answered concurrently.")
    retention: timedelta = Field(
        default=CASE_RETENTION_DEFAULT,
        description="How long a closed (or refused) case keeps the parties' names, contact "
        "details, description and topics; then they are erased, ids and codes kept, and the "
        "case's personal events go from the streams.",
    )
    retention_sweep_seconds: float = Field(
        default=3600.0, gt=0, description="How often cases whose retention ran out are erased."
    )
