from mediation_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

SERVICE = "intake"


class IntakeSettings(ServiceSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``INTAKE_*``."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    database: str = "mediation_intake"
    source: str = "/mediation/intake"
    command_workers: int = Field(default=8, description="Queries answered concurrently.")
