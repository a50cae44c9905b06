"""SMS through an HTTP SMS gateway (most Danish providers offer a JSON API of this shape).

The contract this adapter expects from the gateway (put a small proxy in front of a provider
that differs)::

    POST <NOTIFICATIONS_SMS_URL>
    Authorization: Bearer <NOTIFICATIONS_SMS_TOKEN>
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: "<the same UUID for every attempt at one message>"

    {"to": "+4512345678", "from": "<NOTIFICATIONS_SMS_SENDER_ID>", "text": "Hej Søren, ..."}

    2xx            accepted; an optional JSON body {"id": "..."} (or "message_id",
                   "messageId", "reference") becomes the provider reference
    408, 429, 5xx  transient (``http_<status>``; ``Retry-After`` is passed on)
    other 4xx      permanent (``http_<status>``: invalid number, blocked, bad token ...)
    3xx            permanent; redirects are never followed (they would leak the token)
    network        transient (``connection_refused``, ``timeout``, ``dns_failure``,
                   ``tls_error``, ``connection_failed``)

``to`` is E.164: spaces, dashes, dots and parentheses are removed, ``00`` becomes ``+``, and a
bare eight-digit number is taken as Danish (``+45``). Anything else is ``invalid_address``; a
recipient without a phone number is ``no_address``. The text is sent as it is (the gateway
splits long texts into concatenated SMS); attachments are not sent by SMS.

A timeout after the gateway accepted the request may, on retry, send the SMS twice: this
channel is at-least-once, like the rest of the system. Every attempt at one message carries
the same ``Idempotency-Key``, so a gateway that honours it sends the SMS once.
"""

import re

from notifications.adapters.channels.base import (
    PermanentFailure,
    post_json,
    reference_from_body,
    require_http_url,
)
from notifications.domain.message import Channel, Message

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_SEPARATORS = re.compile(r"[\s\-.()/]")
_ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9 ._-]{1,11}")


def normalise_phone(phone: str) -> str:
    """The E.164 form of a phone number (Danish when it has eight digits and no prefix)."""
    number = _SEPARATORS.sub("", phone)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif re.fullmatch(r"[0-9]{8}", number):
        number = "+45" + number
    if not _E164.fullmatch(number):
        raise ValueError("not a phone number")
    return number


class SmsGatewaySender:
    """SMS via a configurable HTTP gateway (see the module docstring for the contract).

    ``sender_id``: what the phone shows as sender, either an alphanumeric name of at most 11
    characters or a number in E.164.
    """

    name: Channel = "sms"

    def __init__(self, url: str, token: str, sender_id: str, timeout: float = 10.0) -> None:
        self.url = require_http_url(url, "the SMS gateway URL")
        if not token:
            raise ValueError("the SMS gateway token is empty")
        if not (_ALPHANUMERIC_SENDER.fullmatch(sender_id) or _E164.fullmatch(sender_id)):
            raise ValueError("the SMS sender id is 1-11 letters/digits or an E.164 number")
        self._token = token
        self.sender_id = sender_id
        self.timeout = timeout

    async def send(self, message: Message) -> str:
        if not message.recipient.phone:
            raise PermanentFailure("no_address")
        try:
            to = normalise_phone(message.recipient.phone)
        except ValueError:
            raise PermanentFailure("invalid_address") from None
        payload = {"to": to, "from": self.sender_id, "text": message.text}
        body = await post_json(self.url, self._token, payload, self.timeout, key=message.key)
        return reference_from_body(body, fallback="sms_accepted")
