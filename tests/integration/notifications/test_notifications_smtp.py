"""Email through a real SMTP server (aiosmtpd, started by the tests on a loopback port): what
arrives, and how refusals, an absent server and a silent server are classified."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from notifications.adapters.channels import (
    DeliveryFailure,
    FileSink,
    PermanentFailure,
    SmtpSender,
    TransientFailure,
)
from notifications.domain.message import Attachment, Message, Recipient

from tests.integration.notifications.smtp_server import Recorder, free_port, start_server

SENDER = "konfliktmaegling@kk.dk"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    controller = start_server(handler)
    yield handler, controller.port
    controller.stop()


def sender_for(port: int, **options: Any) -> SmtpSender:
    return SmtpSender("127.0.0.1", port, SENDER, "Københavns Kommune", timeout=5, **options)


def invitation() -> Attachment:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Konfliktmægling//DA")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = icalendar.Event()
    start = datetime(2025, 5, 6, 10, 0, tzinfo=UTC)
    event.add("uid", "meeting-1@kk.dk")
    event.add("dtstamp", datetime(2025, 4, 1, tzinfo=UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=2))
    event.add("summary", "Mæglingsmøde")
    event.add("location", "Rådhuset, lokale 3")
    calendar.add_component(event)
    return Attachment(
        "invitation.ics", 'text/calendar; method=REQUEST; charset="utf-8"', calendar.to_ical()
    )


def mail_to(address: str, *, person_id: str = "person-1", ics: bool = False) -> Message:
    return Message(
        recipient=Recipient(person_id, "Søren Ærø", "da", "email", email=address),
        subject="Invitation til mæglingsmøde",
        text="Kære Søren,\n\nDu er inviteret til et mæglingsmøde på Rådhuset. Hilsen, æøå ÆØÅ\n",
        attachments=(invitation(),) if ics else (),
    )


async def test_a_mail_arrives_with_danish_text_and_a_calendar_invitation(
    smtp: tuple[Recorder, int],
) -> None:
    handler, port = smtp
    reference = await sender_for(port).send(mail_to("soren@example.dk", ics=True))

    [received] = handler.to("soren@example.dk")
    assert received["Message-ID"] == reference
    assert received["Subject"] == "Invitation til mæglingsmøde"
    assert received["To"].addresses[0].display_name == "Søren Ærø"
    assert received["From"].addresses[0].display_name == "Københavns Kommune"
    assert received["Content-Language"] == "da"
    body = received.get_body(preferencelist=("plain",))
    assert body is not None
    assert "mæglingsmøde på Rådhuset. Hilsen, æøå ÆØÅ" in body.get_content()

    [part] = [p for p in received.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert calendar["method"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Mæglingsmøde"
    assert event.decoded("dtstart") == datetime(2025, 5, 6, 10, 0, tzinfo=UTC)


async def test_a_refused_recipient_fails_permanently_and_others_still_get_theirs(
    smtp: tuple[Recorder, int],
) -> None:
    handler, port = smtp
    handler.replies["gone@example.dk"] = "550 5.1.1 No such user here"
    sender = sender_for(port)

    results = await asyncio.gather(
        sender.send(mail_to("gone@example.dk", person_id="p-gone")),
        sender.send(mail_to("here@example.dk", person_id="p-here")),
        return_exceptions=True,
    )

    refused, delivered = results
    assert isinstance(refused, PermanentFailure)
    assert refused.code == "smtp_550"
    assert "gone" not in str(refused)
    assert isinstance(delivered, str)
    assert [m["Message-ID"] for m in handler.to("here@example.dk")] == [delivered]
    assert handler.to("gone@example.dk") == []


async def test_a_temporary_refusal_is_transient(smtp: tuple[Recorder, int]) -> None:
    handler, port = smtp
    handler.replies["busy@example.dk"] = "451 4.3.0 Mailbox temporarily unavailable"
    with pytest.raises(TransientFailure) as failure:
        await sender_for(port).send(mail_to("busy@example.dk"))
    assert failure.value.code == "smtp_451"
    assert handler.to("busy@example.dk") == []


async def test_a_refused_sender_is_permanent() -> None:
    handler = Recorder()
    handler.replies[SENDER] = "553 5.7.1 Sender address rejected"
    controller = start_server(handler)
    try:
        with pytest.raises(PermanentFailure) as failure:
            await sender_for(controller.port).send(mail_to("soren@example.dk"))
    finally:
        controller.stop()
    assert failure.value.code == "smtp_sender_553"


async def test_login_with_good_and_bad_credentials() -> None:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data == (b"mediation", b"right")
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535

    handler = Recorder()
    controller = start_server(handler, authenticator=authenticate, auth_require_tls=False)
    try:
        good = sender_for(controller.port, username="mediation", password="right")
        await good.send(mail_to("authed@example.dk"))
        bad = sender_for(controller.port, username="mediation", password="wrong")
        with pytest.raises(PermanentFailure) as failure:
            await bad.send(mail_to("unauthed@example.dk"))
    finally:
        controller.stop()
    assert len(handler.to("authed@example.dk")) == 1
    assert failure.value.code == "smtp_auth_535"
    assert handler.to("unauthed@example.dk") == []


async def test_no_server_listening_is_transient() -> None:
    with pytest.raises(TransientFailure) as failure:
        await sender_for(free_port()).send(mail_to("soren@example.dk"))
    assert failure.value.code == "connection_refused"


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never says a word (a hung server)."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in connections:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_silent_server_times_out_transiently(silent_server: int) -> None:
    sender = SmtpSender("127.0.0.1", silent_server, SENDER, "K", timeout=0.5)
    with pytest.raises(TransientFailure) as failure:
        await sender.send(mail_to("soren@example.dk"))
    assert failure.value.code == "timeout"


async def test_one_failing_server_does_not_hold_up_another(smtp: tuple[Recorder, int]) -> None:
    handler, port = smtp
    results: list[str | DeliveryFailure] = []
    for sender in (sender_for(free_port()), sender_for(port)):
        try:
            results.append(await sender.send(mail_to("independent@example.dk")))
        except DeliveryFailure as failure:
            results.append(failure)
    assert isinstance(results[0], TransientFailure)
    assert results[1] == handler.to("independent@example.dk")[0]["Message-ID"]


async def test_the_file_sink_writes_an_eml_any_mail_program_reads(tmp_path: Path) -> None:
    sink = FileSink(tmp_path, sender_address=SENDER)
    path = Path(await sink.send(mail_to("s@example.dk", ics=True)))

    content = await asyncio.to_thread(path.read_bytes)
    parsed = message_from_bytes(content, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed["X-Mediation-Channel"] == "email"
    assert parsed["To"].addresses[0].addr_spec == "s@example.dk"
    assert parsed["Subject"] == "Invitation til mæglingsmøde"
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Hilsen, æøå ÆØÅ" in body.get_content()
    [part] = list(parsed.iter_attachments())
    assert icalendar.Calendar.from_ical(part.get_content())["method"] == "REQUEST"
    assert "Hilsen, æøå ÆØÅ" in content.decode("utf-8")  # readable with cat
