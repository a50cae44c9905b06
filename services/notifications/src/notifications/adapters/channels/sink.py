"""Sinks for the local stack: nothing leaves the machine, and a person can read what was sent.

``FileSink`` writes every message, whatever its channel, as an RFC 5322 ``.eml`` file (open
it in any mail program, or ``cat`` it: the body is 8-bit UTF-8). The header
``X-Mediation-Channel`` names the channel the person chose, and for SMS and Digital Post
``X-Mediation-Address`` shows where the real channel would have sent it (the phone number or
the person id). ``ConsoleSink`` prints a short rendering to stdout, for ``make run``.

Both check the address as the real channel would and raise the same ``no_address`` /
``invalid_address`` failures, so the local stack fails the way production does.
"""

import asyncio
import contextlib
import re
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from notifications.adapters.channels.base import PermanentFailure
from notifications.adapters.channels.email import InvalidAddress, build_email, normalise_address
from notifications.adapters.channels.sms import normalise_phone
from notifications.domain.message import Channel, Message

DEFAULT_SENDER_ADDRESS = "noreply@mediation.invalid"
DEFAULT_SENDER_NAME = "Konfliktmægling"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_file_part(value: str, limit: int = 64) -> str:
    """An opaque id reduced to ``[A-Za-z0-9_-]`` (never ``..`` or a path separator)."""
    return _UNSAFE.sub("_", value).strip("_")[:limit] or "unknown"


def channel_address(message: Message) -> str:
    """Where the real channel would send ``message``; raises the failure the real sender
    would (``no_address``, ``invalid_address``), so the local stack fails like production."""
    recipient = message.recipient
    address = {
        "email": recipient.email,
        "sms": recipient.phone,
        "digital_post": recipient.person_id.strip(),
    }[message.channel]
    if not address:
        raise PermanentFailure("no_address")
    try:
        if message.channel == "email":
            normalise_address(address)
        elif message.channel == "sms":
            address = normalise_phone(address)
    except ValueError:
        raise PermanentFailure("invalid_address") from None
    return address


class FileSink:
    """Writes ``<channel>-<recipient id>-<key>.eml`` files into ``directory`` (created when
    needed) and returns the file's path as the reference: a message sent again after a crash
    (same key) is not written twice. A message without a key (not queued) gets
    ``<UTC timestamp>-<channel>-<recipient id>.eml``, never overwriting another."""

    def __init__(
        self,
        directory: Path | str,
        *,
        name: Channel = "email",
        sender_address: str = DEFAULT_SENDER_ADDRESS,
        sender_name: str = DEFAULT_SENDER_NAME,
    ) -> None:
        self.directory = Path(directory)
        self.name: Channel = name
        self.sender_address = sender_address
        self.sender_name = sender_name

    def render(self, message: Message) -> bytes:
        """The .eml bytes for ``message``."""
        address = channel_address(message)
        if message.channel != "email":  # To: shows the name only, the address is the channel's
            message = replace(message, recipient=replace(message.recipient, email=None))
        try:
            email_message = build_email(message, self.sender_address, self.sender_name)
        except InvalidAddress:
            raise PermanentFailure("invalid_address") from None
        email_message["X-Mediation-Channel"] = message.channel
        if message.channel != "email":
            email_message["X-Mediation-Address"] = " ".join(address.split())
        return bytes(email_message)

    async def send(self, message: Message) -> str:
        content = self.render(message)
        return await asyncio.to_thread(self._write, message, content)

    def _write(self, message: Message, content: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        person = safe_file_part(message.recipient.person_id)
        if message.key:  # one file per key: written once, however often it is sent
            path = self.directory / f"{message.channel}-{person}-{safe_file_part(message.key)}.eml"
            with contextlib.suppress(FileExistsError), path.open("xb") as file:
                file.write(content)
            return str(path)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        stem = f"{stamp}-{message.channel}-{person}"
        for attempt in range(100):
            path = self.directory / (f"{stem}.eml" if attempt == 0 else f"{stem}-{attempt}.eml")
            try:
                with path.open("xb") as file:  # never overwrite an earlier message
                    file.write(content)
            except FileExistsError:
                continue
            return str(path)
        raise PermanentFailure("outbox_name_clash")


class ConsoleSink:
    """Prints each message to stdout (or ``stream``) for someone watching ``make run``."""

    def __init__(self, *, name: Channel = "email", stream: TextIO | None = None) -> None:
        self.name: Channel = name
        self._stream = stream

    def render(self, message: Message) -> str:
        recipient = message.recipient
        address = channel_address(message)
        lines = [
            f"── {message.channel} to {recipient.name} <{address}> [{recipient.language}] ──",
            f"Subject: {message.subject}",
            "",
            message.text.rstrip("\n"),
        ]
        lines += [
            f"[attachment: {attachment.filename} ({attachment.content_type}),"
            f" {len(attachment.data)} bytes]"
            for attachment in message.attachments
        ]
        return "\n".join(lines) + "\n\n"

    async def send(self, message: Message) -> str:
        stream = self._stream or sys.stdout
        stream.write(self.render(message))
        stream.flush()
        return "console"
