"""Channels: each sends ONE message to ONE person and classifies what went wrong.

Email over SMTP, SMS and Digital Post through HTTP gateways, and file/console sinks for the
local stack, all behind ``Sender``. Retrying, backoff and events are the caller's job.
"""

from notifications.adapters.channels.base import (
    DeliveryFailure,
    PermanentFailure,
    Sender,
    TransientFailure,
)
from notifications.adapters.channels.digital_post import DigitalPostSender
from notifications.adapters.channels.email import (
    InvalidAddress,
    SmtpSender,
    build_email,
    classify_smtp_error,
)
from notifications.adapters.channels.factory import (
    ChannelConfigurationError,
    ChannelSettings,
    senders_from_settings,
)
from notifications.adapters.channels.sink import ConsoleSink, FileSink
from notifications.adapters.channels.sms import SmsGatewaySender

__all__ = [
    "ChannelConfigurationError",
    "ChannelSettings",
    "ConsoleSink",
    "DeliveryFailure",
    "DigitalPostSender",
    "FileSink",
    "InvalidAddress",
    "PermanentFailure",
    "Sender",
    "SmsGatewaySender",
    "SmtpSender",
    "TransientFailure",
    "build_email",
    "classify_smtp_error",
    "senders_from_settings",
]
