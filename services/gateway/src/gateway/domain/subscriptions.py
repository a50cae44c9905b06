"""What a subscription is and which requests for one are acceptable.

A subscription belongs to the client that made it (and its municipality): a callback URL,
the event types it wants (a subset of those the caller may hear) and the secret its webhooks
are signed with (Standard Webhooks: ``whsec_`` and base64 of 24 to 64 random bytes)."""

import base64
import binascii
from datetime import datetime
from urllib.parse import urlsplit

from mediation_contracts.envelope import CloudEvent
from mediation_contracts.registry import UnknownEventType, event_class
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.callbacks import internal_name
from gateway.domain.callers import Caller, NotAllowed
from gateway.domain.ingest import FieldError, Invalid

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
MAX_URL_LENGTH = 2048


class SubscriptionRequest(BaseModel):
    """What a client sends to subscribe."""

    model_config = ConfigDict(extra="forbid")

    callback_url: str = Field(
        max_length=MAX_URL_LENGTH,
        description="Where the events are POSTed: https (with a host, no user or password).",
        examples=["https://esdh.kk.dk/mediation/webhook"],
    )
    types: list[str] = Field(
        min_length=1,
        max_length=64,
        description="The event types wanted (CloudEvents `type`), among those the client may "
        "hear (GET /v1/{tenant}/event-types).",
        examples=[["dk.mediation.meeting.scheduled.v1"]],
    )
    secret: str = Field(
        max_length=200,
        description="The signing secret, Standard Webhooks form: `whsec_` + base64 of 24 to 64 "
        "random bytes. Never shown again.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class Subscription(BaseModel):
    """A subscription as the API shows it (without its secret)."""

    id: str
    tenant: str
    callback_url: str
    types: list[str]
    created_at: datetime


def checked(
    request: SubscriptionRequest, caller: Caller, allow_http: bool, allow_private: bool = False
) -> tuple[list[type[CloudEvent]], bytes]:
    """The event classes and the secret's key bytes, or :class:`Invalid` / :class:`NotAllowed`."""
    url = urlsplit(request.callback_url)
    schemes = ("https", "http") if allow_http else ("https",)
    if url.scheme not in schemes or not url.hostname or url.username or url.password:
        raise Invalid(
            "invalid_callback_url",
            "the callback URL must be https with a host and no user or password",
            [FieldError("callback_url", "url", "https://host/path, no user or password")],
        )
    if not allow_private and internal_name(url.hostname):
        raise Invalid(
            "internal_callback_url",
            "the callback URL must name a public host, not a loopback, private or link-local "
            "address",
            [FieldError("callback_url", "internal_address", "a public host")],
        )
    if url.fragment:
        raise Invalid(
            "invalid_callback_url",
            "the callback URL must not have a fragment",
            [FieldError("callback_url", "url", "no #fragment")],
        )
    events: list[type[CloudEvent]] = []
    for index, name in enumerate(request.types):
        try:
            event = event_class(name)
        except UnknownEventType:
            raise Invalid(
                "unknown_type",
                "not an event type of the contract",
                [FieldError(f"types.{index}", "unknown_type", "not an event type")],
            ) from None
        caller.may_hear(event)
        if event not in events:
            events.append(event)
    return events, secret_key(request.secret)


def secret_key(secret: str) -> bytes:
    problem = Invalid(
        "invalid_secret",
        f"the secret must be {SECRET_PREFIX} + base64 of {MIN_SECRET_BYTES} to "
        f"{MAX_SECRET_BYTES} random bytes",
        [FieldError("secret", "secret", "whsec_ + base64 of 24 to 64 bytes")],
    )
    if not secret.startswith(SECRET_PREFIX):
        raise problem
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise problem from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise problem
    return key


__all__ = ["NotAllowed", "Subscription", "SubscriptionRequest", "checked", "secret_key"]
