from datetime import timedelta

from mediation_contracts.envelope import Tenant
from mediation_runtime.settings import SUMMARY_RETENTION_DEFAULT, ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from notes.adapters.identity import ClaimMapping
from notes.domain.identity import Role

SERVICE = "notes"


class NotesSettings(ServiceSettings):
    """Environment: ``NATS_URL``, ``MONGODB_URL``, ``LOG_FORMAT`` and ``NOTES_*``.

    ``NOTES_MASTER_KEY`` (base64 of 32 random bytes) wraps every case's data key: keep it in
    a secret store, never in the database. ``NOTES_JWKS_FILE`` or ``NOTES_JWKS_URL`` gives the
    identity provider's public keys. ``NOTES_PROOF_KEY_FILE`` is notes' private key that
    assignment proofs are sealed to (``python -m notes.adapters.proof_keys``), also a secret.
    """

    model_config = SettingsConfigDict(env_prefix="NOTES_", extra="ignore")

    database: str = "mediation_notes"
    source: str = "/mediation/notes"
    master_key: str = Field(description="base64 of 32 bytes; wraps the per-case data keys")
    jwks_file: str | None = None
    jwks_url: str | None = None
    token_audience: str = "mediation-notes"  # noqa: S105 - an audience name, not a secret
    token_issuer: str | None = None
    token_leeway_seconds: float = Field(
        default=30, ge=0, le=300, description="Clock skew allowed on exp, nbf and iat."
    )
    token_subject_claim: str = Field(
        default="sub", description="The claim naming the person (Entra ID: `oid`)."
    )
    token_role_claim: str = Field(
        default="role", description="The claim carrying the role (a string or a list: `groups`)."
    )
    token_roles: dict[str, Role] | None = Field(
        default=None,
        description="JSON: the role claim's values to notes' roles, e.g. "
        '`{"maeglere": "mediator"}`. Unset: the claim holds the role\'s own name.',
    )
    token_tenant_claim: str = Field(
        default="tenant", description="The claim carrying the municipality's slug."
    )
    token_tenant: Tenant | None = Field(
        default=None,
        description="The municipality of every token (one provider, one municipality) instead "
        "of a claim; needs NOTES_TOKEN_ISSUER.",
    )

    def token_claims(self) -> ClaimMapping:
        """Where notes reads the person, the role and the municipality in a token."""
        return ClaimMapping(
            subject_claim=self.token_subject_claim,
            role_claim=self.token_role_claim,
            roles=self.token_roles,
            tenant_claim=self.token_tenant_claim,
            tenant=self.token_tenant,
        )

    proof_key_file: str | None = Field(
        default=None, description="JWK (or JWK Set) file of the private key proofs are sealed to."
    )
    retention: timedelta = Field(
        default=SUMMARY_RETENTION_DEFAULT,
        description="How long summaries outlive the case's close before the key is destroyed.",
    )
    retention_sweep_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often keys whose retention ran out are destroyed (SummaryDestroyed). "
        "Every command refuses such a case from the moment the period ends, sweep or not.",
    )
