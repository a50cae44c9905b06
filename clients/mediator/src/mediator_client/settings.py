"""The client's settings, from the environment: ``NATS_URL`` with the client's certificate
(``NATS_CA_FILE``, ``NATS_CERT_FILE``, ``NATS_KEY_FILE``), ``LOG_FORMAT``, ``LOG_LEVEL`` and
``MEDIATOR_*``."""

from pathlib import Path
from typing import Literal

from mediation_contracts.envelope import Tenant
from mediation_runtime.bus import NatsSettings
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict


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

    identity: Literal["local"] = Field(
        default="local",
        description="How mediators sign in: `local` (users file). The municipality's OpenID "
        "Connect provider is designed in identity.py and the README, not built yet.",
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
