"""A real SMTP server for the tests (aiosmtpd on a loopback port) that records what it
accepts and can refuse chosen addresses with a chosen reply."""

import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Recorder:
    """An aiosmtpd handler that keeps what it accepts and answers ``replies[address]`` to the
    RCPT (or MAIL FROM) of chosen addresses."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.replies: dict[str, str] = {}

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if reply := self.replies.get(address):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if reply := self.replies.get(address):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to ``address``, parsed."""
        messages = []
        for envelope in self.received:
            if address in envelope.rcpt_tos:
                assert isinstance(envelope.content, bytes)
                parsed = message_from_bytes(envelope.content, policy=default_policy)
                assert isinstance(parsed, EmailMessage)
                messages.append(parsed)
        return messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(handler: Recorder, **smtp_options: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    return controller
