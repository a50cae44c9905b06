"""The client's settings, from the environment: ``NATS_URL`` with the client's certificate
(``NATS_CA_FILE``, ``NATS_CERT_FILE``, ``NATS_KEY_FILE``), ``LOG_FORMAT``, ``LOG_LEVEL`` and
``MEDIATOR_*``."""

from pathlib import Path
from typing import Literal

from mediation_contracts.envelope import Tenant
from mediation_runtime.bus import NatsSettings
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mediator_client.users import Role


class MediatorSettings(NatsSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATOR_", extra="ignore")

    log_format: Literal["json", "console"] = Field(
        default="json", validation_alias=AliasChoices("LOG_FORMAT", "log_format")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    session_secret: SecretStr = Field(
        min_length=32, description="Signs the session cookie; keep it in the secret store."
    )
    secure_cookies: bool = Field(
        default=True, description="Cookies only over HTTPS; false only for plain-HTTP dev."
    )
    session_max_age_seconds: int = Field(default=8 * 3600, gt=0)

    identity: Literal["local", "oidc"] = Field(
        default="local",
        description="How mediators sign in: `local` (users file, development and small "
        "offices) or `oidc` (the municipality's OpenID Connect provider, MEDIATOR_OIDC_*).",
    )
    users_file: Path = Field(
        default=Path("var/mediator-users.json"), description="`local`: the mediators (JSON)."
    )
    dev_identity_dir: Path = Field(
        default=Path("var/dev-identity"),
        description="`local`: the development identity provider that signs tokens for notes.",
    )
    notes_token_seconds: int = Field(default=300, gt=0, description="Lifetime of a notes token.")
    notes_public_key_file: Path = Field(
        default=Path("var/dev-identity/notes-proof-key.public.json"),
        description="Notes' public proof key (JWK): a case taken here is proven to notes with "
        "the mediator's token sealed to it.",
    )

    oidc_issuer: str | None = Field(
        default=None,
        description="`oidc`: the provider's issuer URL; its discovery document is "
        "`<issuer>/.well-known/openid-configuration` and must name the same issuer.",
    )
    oidc_client_id: str | None = Field(default=None, description="`oidc`: this client's id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="`oidc`: the client secret (a confidential client); from the secret store.",
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="`oidc`: this client's callback as registered at the provider, "
        "`https://<host>/auth/callback`.",
    )
    oidc_post_logout_redirect_url: str | None = Field(
        default=None,
        description="`oidc`: where the provider sends the browser after signing out "
        "(registered there); default: the callback's site with `/login`.",
    )
    oidc_scopes: str = Field(
        default="openid profile offline_access",
        description="`oidc`: the scopes asked for: `openid`, what carries the claims below, "
        "`offline_access` for a refresh token, and whatever makes the access token's audience "
        "notes' (Entra ID: `api://<notes app>/<scope>`; Dex: "
        "`audience:server:client_id:mediation-notes`).",
    )
    oidc_staff_id_claim: str = Field(
        default="sub",
        description="`oidc`: the claim with the staff id (the same as notes' "
        "NOTES_TOKEN_SUBJECT_CLAIM reads in the access token; Entra ID: `oid`).",
    )
    oidc_name_claim: str = Field(default="name", description="`oidc`: the claim with the name.")
    oidc_role_claim: str = Field(
        default="role",
        description="`oidc`: the claim with the role, a string or a list (`groups`, `roles`).",
    )
    oidc_roles: dict[str, Role] | None = Field(
        default=None,
        description='`oidc`: JSON, the role claim\'s values to roles, e.g. `{"maeglere": '
        '"mediator", "kontorchefer": "head_of_office"}`. Unset: the value is the role\'s name.',
    )
    oidc_tenant_claim: str = Field(
        default="tenant", description="`oidc`: the claim with the municipality's slug."
    )
    oidc_tenant: Tenant | None = Field(
        default=None,
        description="`oidc`: the municipality of everyone this provider signs in (instead of a "
        "claim; one provider, one municipality).",
    )
    oidc_leeway_seconds: int = Field(
        default=30, ge=0, le=300, description="`oidc`: clock skew allowed on the ID token."
    )
    oidc_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="`oidc`: how long a call to the provider may take."
    )

    evaluation_tenant: Tenant | None = Field(
        default=None,
        description="The municipality whose evaluation links (`/evaluering/{token}`, no login) "
        "this client answers. Unset: the one municipality of the users file (with several, "
        "the evaluation pages say the system is not answering until it is set).",
    )

    source: str = "/mediation/mediator-client"
    request_timeout_seconds: float = Field(default=5.0, gt=0)
    wait_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long an action waits for the services to apply what it published.",
    )
