"""Digital Post (NgDP, the Danish public sector's secure mailbox) through the municipality's
integration gateway.

This is an adapter seam, not an NgDP client. The real integration (the municipality's
registration as a sender system, OCES/FOCES certificates, MeMo XML messages, looking up the
person's CPR number and whether they are exempt from Digital Post) lives behind the
municipality's own integration gateway (e.g. its Serviceplatformen/KOMBIT broker). This adapter
speaks one small JSON contract to that gateway, and this service never holds CPR numbers::

    POST <NOTIFICATIONS_DIGITAL_POST_URL>
    Authorization: Bearer <NOTIFICATIONS_DIGITAL_POST_TOKEN>
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: "<the same UUID for every attempt at one message>"

    {
      "recipient_id": "<the person's id in the case system; the gateway resolves it>",
      "title": "<MeMo title: the message's subject>",
      "text": "<the body, plain text>",
      "sender_system": "<NOTIFICATIONS_DIGITAL_POST_SENDER_SYSTEM_ID>",
      "attachments": [
        {"filename": "invitation.ics",
         "content_type": "text/calendar; method=REQUEST; charset=\\"utf-8\\"",
         "data_base64": "..."}
      ]
    }

    2xx            accepted; an optional JSON body {"id": "..."} (or "message_id",
                   "messageId", "reference", e.g. the MeMo message UUID) is the reference
    408, 429, 5xx  transient (``http_<status>``; ``Retry-After`` is passed on)
    other 4xx      permanent (``http_<status>``; e.g. 404/422 for a person the gateway cannot
                   reach by Digital Post, who must then be told another way)
    3xx            permanent; redirects are never followed (they would leak the token)
    network        transient (``connection_refused``, ``timeout``, ``dns_failure``,
                   ``tls_error``, ``connection_failed``)

``attachments`` is always present (possibly empty); a gateway that cannot forward attachments
ignores it.
"""

import base64

from notifications.adapters.channels.base import (
    PermanentFailure,
    post_json,
    reference_from_body,
    require_http_url,
)
from notifications.domain.message import Channel, Message


class DigitalPostSender:
    """Digital Post via the municipality's integration gateway (contract in the module doc)."""

    name: Channel = "digital_post"

    def __init__(self, url: str, token: str, sender_system_id: str, timeout: float = 20.0) -> None:
        self.url = require_http_url(url, "the Digital Post gateway URL")
        if not token:
            raise ValueError("the Digital Post gateway token is empty")
        if not sender_system_id.strip():
            raise ValueError("the Digital Post sender system id is empty")
        self._token = token
        self.sender_system_id = sender_system_id
        self.timeout = timeout

    async def send(self, message: Message) -> str:
        if not message.recipient.person_id.strip():
            raise PermanentFailure("no_address")
        payload = {
            "recipient_id": message.recipient.person_id,
            "title": message.subject,
            "text": message.text,
            "sender_system": self.sender_system_id,
            "attachments": [
                {
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "data_base64": base64.b64encode(attachment.data).decode("ascii"),
                }
                for attachment in message.attachments
            ],
        }
        body = await post_json(self.url, self._token, payload, self.timeout, key=message.key)
        return reference_from_body(body, fallback="digital_post_accepted")
