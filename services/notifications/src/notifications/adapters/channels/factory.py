"""Which sender serves which channel, from settings.

``mode``:

- ``file`` (default, the local stack): every channel writes ``.eml`` files into
  ``outbox_dir``;
- ``console``: every channel prints to stdout;
- ``live``: email over SMTP, SMS through the SMS gateway, Digital Post through the
  municipality's gateway. Every channel must then be configured; a missing setting is a startup
  error that names the environment variables to set.
"""

from pathlib import Path
from typing import Literal, TextIO

from pydantic import BaseModel, Field, SecretStr

from notifications.adapters.channels.base import Sender
from notifications.adapters.channels.digital_post import DigitalPostSender
from notifications.adapters.channels.email import SmtpSender
from notifications.adapters.channels.sink import (
    DEFAULT_SENDER_ADDRESS,
    DEFAULT_SENDER_NAME,
    ConsoleSink,
    FileSink,
)
from notifications.adapters.channels.sms import SmsGatewaySender
from notifications.domain.message import Channel

CHANNELS: tuple[Channel, ...] = ("email", "sms", "digital_post")


class ChannelConfigurationError(ValueError):
    """The channel settings cannot work; the message names the variables to fix."""


class ChannelSettings(BaseModel):
    """Channel settings; embedded in the service settings (environment ``NOTIFICATIONS_<FIELD>``,
    e.g. ``NOTIFICATIONS_SMTP_HOST``)."""

    mode: Literal["file", "console", "live"] = Field(
        default="file", description="file/console: local sinks for every channel; live: real."
    )
    outbox_dir: Path = Field(
        default=Path("var/notifications/outbox"), description="Where mode=file writes .eml."
    )

    smtp_host: str | None = None
    smtp_port: int | None = Field(
        default=None, description="Default 465 with smtp_use_tls, 587 with STARTTLS, else 25."
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = Field(default=False, description="Implicit TLS (port 465).")
    smtp_start_tls: bool | None = Field(
        default=None,
        description="True: demand STARTTLS; False: never; unset: when offered. Use True live.",
    )
    smtp_from_address: str | None = Field(
        default=None, description="The From address, e.g. konfliktmaegling@kk.dk."
    )
    smtp_from_name: str = Field(default=DEFAULT_SENDER_NAME, description="The From display name.")
    smtp_timeout: float = Field(default=20.0, gt=0)

    sms_url: str | None = Field(default=None, description="The SMS gateway's https URL.")
    sms_token: SecretStr | None = None
    sms_sender_id: str | None = Field(
        default=None, description="Sender shown on the phone: ≤11 letters/digits or E.164."
    )
    sms_timeout: float = Field(default=10.0, gt=0)

    digital_post_url: str | None = Field(
        default=None, description="The municipality's Digital Post gateway https URL."
    )
    digital_post_token: SecretStr | None = None
    digital_post_sender_system_id: str | None = Field(
        default=None, description="The municipality's NgDP sender system id."
    )
    digital_post_timeout: float = Field(default=20.0, gt=0)


_REQUIRED_LIVE: dict[Channel, tuple[str, ...]] = {
    "email": ("smtp_host", "smtp_from_address"),
    "sms": ("sms_url", "sms_token", "sms_sender_id"),
    "digital_post": (
        "digital_post_url",
        "digital_post_token",
        "digital_post_sender_system_id",
    ),
}


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _live_senders(settings: ChannelSettings) -> dict[Channel, Sender]:
    return {
        "email": SmtpSender(
            settings.smtp_host or "",
            settings.smtp_port,
            settings.smtp_from_address or "",
            settings.smtp_from_name,
            username=settings.smtp_username,
            password=_secret(settings.smtp_password) if settings.smtp_password else None,
            use_tls=settings.smtp_use_tls,
            start_tls=settings.smtp_start_tls,
            timeout=settings.smtp_timeout,
        ),
        "sms": SmsGatewaySender(
            settings.sms_url or "",
            _secret(settings.sms_token),
            settings.sms_sender_id or "",
            settings.sms_timeout,
        ),
        "digital_post": DigitalPostSender(
            settings.digital_post_url or "",
            _secret(settings.digital_post_token),
            settings.digital_post_sender_system_id or "",
            settings.digital_post_timeout,
        ),
    }


def senders_from_settings(
    settings: ChannelSettings,
    *,
    env_prefix: str = "NOTIFICATIONS_",
    console: TextIO | None = None,
) -> dict[Channel, Sender]:
    """One sender per channel. Raises ``ChannelConfigurationError`` (naming the environment
    variables, never their values) when live mode lacks or has unusable settings."""
    sender_address = settings.smtp_from_address or DEFAULT_SENDER_ADDRESS
    if settings.mode == "file":
        return {
            channel: FileSink(
                settings.outbox_dir,
                name=channel,
                sender_address=sender_address,
                sender_name=settings.smtp_from_name,
            )
            for channel in CHANNELS
        }
    if settings.mode == "console":
        return {channel: ConsoleSink(name=channel, stream=console) for channel in CHANNELS}

    def variable(field: str) -> str:
        return f"{env_prefix}{field.upper()}"

    missing = [
        variable(field)
        for channel in CHANNELS
        for field in _REQUIRED_LIVE[channel]
        if not getattr(settings, field)
    ]
    if (settings.smtp_username is None) != (settings.smtp_password is None):
        missing.append(
            variable("smtp_password" if settings.smtp_password is None else "smtp_username")
        )
    if missing:
        raise ChannelConfigurationError(
            f"{variable('mode')}=live needs every channel configured; set: {', '.join(missing)}"
        )
    try:
        return _live_senders(settings)
    except ValueError as exc:
        raise ChannelConfigurationError(f"channel settings ({env_prefix}*): {exc}") from None
