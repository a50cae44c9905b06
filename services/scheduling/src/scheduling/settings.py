from typing import Any

from mediation_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from scheduling.domain.policy import SchedulingPolicy

SERVICE = "scheduling"


class SchedulingSettings(ServiceSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``SCHEDULING_*``.

    ``SCHEDULING_POLICY`` (JSON) overrides the defaults for every tenant and
    ``SCHEDULING_TENANT_POLICIES`` (JSON, by tenant slug) for one, e.g.
    ``{"kk": {"rooms": [{"id": "moede-1", "name": "Mødelokale Øst"}, "moede-2"],
    "address": "Rådhuspladsen 1"}}`` (a room is an id, or an id with the name people know).
    """

    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")

    database: str = "mediation_scheduling"
    source: str = "/mediation/scheduling"
    command_workers: int = Field(default=8, description="Commands answered concurrently.")
    policy: dict[str, Any] = Field(default_factory=dict)
    tenant_policies: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def policy_for(self, tenant: str) -> SchedulingPolicy:
        return SchedulingPolicy.model_validate(self.policy | self.tenant_policies.get(tenant, {}))
