"""A message to one person on one channel, ready to send. Built by the domain, sent by a
channel. It carries what that person needs to know and nothing confidential: never note
content, the description of the conflict, or another party's contact details."""

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

Channel = Literal["email", "sms", "digital_post"]
Language = Literal["da", "en"]


@dataclass(frozen=True)
class Cause:
    """The event a message answers (for a reminder, the booking it reminds of) and that
    event's conversation: the message's NotificationSent or NotificationFailed carries both."""

    causation_id: UUID
    correlation_id: UUID


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. 'text/calendar; method=REQUEST; charset="utf-8"'
    data: bytes


@dataclass(frozen=True)
class Recipient:
    """Where one person is reached, from the case's request (kept no longer than needed)."""

    person_id: str
    name: str
    language: Language
    channel: Channel
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Message:
    """``key`` is the same for every attempt at one delivery (empty for a message not yet
    queued): email sends it as the Message-ID, the gateways as an ``Idempotency-Key``, the file
    sink writes one file per key. A crash between a provider accepting a message and our
    record of it makes the next attempt send it again; the key lets the receiving side see the
    repeat for what it is."""

    recipient: Recipient
    subject: str
    text: str  # plain text body (email), or the whole SMS / Digital Post text
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    key: str = ""

    @property
    def channel(self) -> Channel:
        return self.recipient.channel
