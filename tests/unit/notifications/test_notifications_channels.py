"""Channels, without a mail server: the email that is built, how failures are classified, the
HTTP gateways (against a loopback HTTP server), the sinks and the settings."""

import asyncio
import base64
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from notifications.adapters.channels import (
    ChannelConfigurationError,
    ChannelSettings,
    ConsoleSink,
    DeliveryFailure,
    DigitalPostSender,
    FileSink,
    InvalidAddress,
    PermanentFailure,
    SmsGatewaySender,
    SmtpSender,
    TransientFailure,
    build_email,
    classify_smtp_error,
    senders_from_settings,
)
from notifications.adapters.channels.base import (
    classify_http_status,
    classify_network_error,
    parse_retry_after,
)
from notifications.adapters.channels.email import normalise_address
from notifications.adapters.channels.sms import normalise_phone
from notifications.domain.message import Attachment, Channel, Message, Recipient
from notifications.handlers import RETRY_AFTER_CAP_SECONDS, retry_delay
from pydantic import SecretStr

INVITE = Attachment(
    filename="invitation.ics",
    content_type='text/calendar; method=REQUEST; charset="utf-8"',
    data=b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
)


def message(
    channel: Channel = "email",
    *,
    email: str | None = "soren@example.dk",
    phone: str | None = "+45 12 34 56 78",
    person_id: str = "person-1",
    attachments: tuple[Attachment, ...] = (),
    language: str = "da",
    key: str = "",
) -> Message:
    recipient = Recipient(
        person_id=person_id,
        name="Søren Ærø",
        language="da" if language == "da" else "en",
        channel=channel,
        email=email,
        phone=phone,
    )
    return Message(
        recipient=recipient,
        subject="Mæglingsmøde på Rådhuset",
        text="Kære Søren,\n\nI er inviteret til mægling. Blåbærgrød æøå ÆØÅ.\n",
        attachments=attachments,
        key=key,
    )


KEY = "0b7f6c2e-3d51-5a0e-9c1f-6f4f3b1e2a90"


# --- build_email -----------------------------------------------------------------------------


def test_build_email_has_the_standard_headers_and_a_utf8_body() -> None:
    now = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    built = build_email(message(), "konfliktmaegling@kk.dk", "Københavns Kommune", now=now)

    sender = built["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Københavns Kommune",
        "konfliktmaegling@kk.dk",
    )
    to = built["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Søren Ærø", "soren@example.dk")
    assert built["Subject"] == "Mæglingsmøde på Rådhuset"
    assert parsedate_to_datetime(built["Date"]) == now
    assert built["Message-ID"].startswith("<")
    assert built["Message-ID"].endswith("@kk.dk>")
    assert built["Content-Language"] == "da"
    assert built["Auto-Submitted"] == "auto-generated"
    assert built.get_content_type() == "text/plain"
    assert built.get_content_charset() == "utf-8"
    assert "Blåbærgrød æøå ÆØÅ" in built.get_content()
    assert "Blåbærgrød".encode() in bytes(built)  # 8bit: readable as it is


def test_every_message_gets_its_own_message_id() -> None:
    first = build_email(message(), "a@kk.dk", "K")
    second = build_email(message(), "a@kk.dk", "K")
    assert first["Message-ID"] != second["Message-ID"]


def test_a_message_sent_again_keeps_its_message_id() -> None:
    first = build_email(message(key=KEY), "a@kk.dk", "K")
    again = build_email(message(key=KEY), "a@kk.dk", "K")
    assert first["Message-ID"] == again["Message-ID"] == f"<{KEY}@kk.dk>"


def test_line_breaks_in_subject_or_names_cannot_inject_headers() -> None:
    original = message()
    hostile = Message(
        recipient=Recipient("p", "Eve\r\nBcc: x@evil.example", "en", "email", email="e@x.dk"),
        subject="Hello\r\nBcc: victim@evil.example",
        text="body",
    )
    built = build_email(hostile, "a@kk.dk", "Kommune\nX-Evil: 1")
    assert built["Bcc"] is None
    assert built["X-Evil"] is None
    assert built["Subject"] == "Hello Bcc: victim@evil.example"
    assert built["Content-Language"] == "en"
    assert original.subject  # untouched


def test_an_international_domain_is_sent_as_punycode() -> None:
    built = build_email(message(email="soren@blåbær.dk"), "a@kk.dk", "K")
    assert built["To"].addresses[0].domain == "xn--blbr-roah.dk"
    assert normalise_address(" Soren@Blåbær.DK ") == ("Soren", "xn--blbr-roah.dk")


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign",
        "a@",
        "@kk.dk",
        "a b@kk.dk",
        "a@b@kk.dk",
        "x@y.dk>, z@w.dk",
        "ø@kk.dk",
        "a@-x.dk",
    ],
)
def test_unusable_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidAddress):
        build_email(message(email=address), "a@kk.dk", "K")


def test_a_person_without_email_is_addressed_by_name_only() -> None:
    built = build_email(message("sms", email=None), "a@kk.dk", "K")
    assert str(built["To"]) == "Søren Ærø:;"


def test_attachments_keep_their_full_content_type_with_the_method() -> None:
    pdf = Attachment("brev.pdf", "application/pdf", b"%PDF-1.7 ...")
    built = build_email(message(attachments=(INVITE, pdf)), "a@kk.dk", "K")

    assert built.get_content_type() == "multipart/mixed"
    assert built["Content-Language"] == "da"
    body, invite, letter = built.iter_parts()
    assert body.get_content_type() == "text/plain"
    assert isinstance(invite, EmailMessage)
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_content_charset() == "utf-8"
    assert invite.get_filename() == "invitation.ics"
    assert invite.get_payload(decode=True) == INVITE.data  # byte for byte, CRLF kept
    assert isinstance(letter, EmailMessage)
    assert letter.get_content_type() == "application/pdf"
    assert letter.get_payload(decode=True) == pdf.data


# --- failure classification ------------------------------------------------------------------


def _connect_error(cause: BaseException) -> aiosmtplib.SMTPConnectError:
    error = aiosmtplib.SMTPConnectError("Error connecting to x on port 25")
    error.__cause__ = cause
    return error


def _refused(code: int) -> aiosmtplib.SMTPRecipientsRefused:
    return aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(code, "5.1.1 <soren@example.dk> unknown", "soren@x")]
    )


SMTP_CASES: list[tuple[BaseException, type[DeliveryFailure], str]] = [
    (_refused(550), PermanentFailure, "smtp_550"),
    (_refused(553), PermanentFailure, "smtp_553"),
    (_refused(451), TransientFailure, "smtp_451"),
    (_refused(452), TransientFailure, "smtp_452"),
    (aiosmtplib.SMTPRecipientRefused(550, "no", "x@y"), PermanentFailure, "smtp_550"),
    (aiosmtplib.SMTPSenderRefused(550, "no", "a@kk.dk"), PermanentFailure, "smtp_sender_550"),
    (aiosmtplib.SMTPSenderRefused(451, "later", "a@kk.dk"), TransientFailure, "smtp_sender_451"),
    (aiosmtplib.SMTPDataError(552, "too big"), PermanentFailure, "smtp_data_552"),
    (aiosmtplib.SMTPDataError(451, "local error"), TransientFailure, "smtp_data_451"),
    (aiosmtplib.SMTPAuthenticationError(535, "bad"), PermanentFailure, "smtp_auth_535"),
    (aiosmtplib.SMTPAuthenticationError(454, "temp"), TransientFailure, "smtp_auth_454"),
    (aiosmtplib.SMTPHeloError(501, "bad helo"), PermanentFailure, "smtp_helo_501"),
    (aiosmtplib.SMTPConnectResponseError(421, "busy"), TransientFailure, "smtp_connect_421"),
    (aiosmtplib.SMTPConnectResponseError(554, "go away"), PermanentFailure, "smtp_connect_554"),
    (aiosmtplib.SMTPResponseException(421, "closing"), TransientFailure, "smtp_421"),
    (aiosmtplib.SMTPResponseException(250, "odd"), TransientFailure, "smtp_unexpected_reply"),
    (aiosmtplib.SMTPConnectTimeoutError("slow"), TransientFailure, "timeout"),
    (aiosmtplib.SMTPReadTimeoutError("slow"), TransientFailure, "timeout"),
    (_connect_error(ConnectionRefusedError()), TransientFailure, "connection_refused"),
    (_connect_error(OSError("unreachable")), TransientFailure, "connection_failed"),
    (aiosmtplib.SMTPServerDisconnected("gone"), TransientFailure, "disconnected"),
    (aiosmtplib.SMTPNotSupported("no STARTTLS"), PermanentFailure, "smtp_not_supported"),
    (aiosmtplib.SMTPException("no AUTH"), PermanentFailure, "smtp_error"),
    (ConnectionResetError(), TransientFailure, "connection_failed"),
    (TimeoutError(), TransientFailure, "timeout"),
    (InvalidAddress("bad"), PermanentFailure, "invalid_address"),
]


@pytest.mark.parametrize(
    ("error", "kind", "code"), SMTP_CASES, ids=[case[2] for case in SMTP_CASES]
)
def test_smtp_errors_are_classified(
    error: BaseException, kind: type[DeliveryFailure], code: str
) -> None:
    failure = classify_smtp_error(error)
    assert type(failure) is kind
    assert failure.code == code
    assert failure.retryable is (kind is TransientFailure)
    assert "@" not in str(failure)


@pytest.mark.parametrize("code", ["smtp 550", "soren@example.dk", "", "x" * 65, "SMTP_550"])
def test_failure_codes_cannot_carry_text_or_addresses(code: str) -> None:
    with pytest.raises(ValueError, match="failure codes"):
        PermanentFailure(code)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, PermanentFailure),
        (401, PermanentFailure),
        (404, PermanentFailure),
        (422, PermanentFailure),
        (302, PermanentFailure),
        (408, TransientFailure),
        (429, TransientFailure),
        (500, TransientFailure),
        (503, TransientFailure),
    ],
)
def test_http_statuses_are_classified(status: int, kind: type[DeliveryFailure]) -> None:
    failure = classify_http_status(status)
    assert type(failure) is kind
    assert failure.code == f"http_{status}"


def test_retry_after_is_read_as_seconds_or_date() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


async def test_smtp_sender_refuses_a_recipient_without_usable_email() -> None:
    sender = SmtpSender("127.0.0.1", 9, "a@kk.dk", "K", timeout=1)
    with pytest.raises(PermanentFailure) as no_address:
        await sender.send(message(email=None))
    assert no_address.value.code == "no_address"
    with pytest.raises(PermanentFailure) as invalid:
        await sender.send(message(email="not an address"))
    assert invalid.value.code == "invalid_address"


def test_smtp_sender_checks_its_configuration_at_once() -> None:
    with pytest.raises(InvalidAddress):
        SmtpSender("h", 25, "not-an-address", "K")
    with pytest.raises(ValueError, match="mutually exclusive"):
        SmtpSender("h", 465, "a@kk.dk", "K", use_tls=True, start_tls=True)
    with pytest.raises(ValueError, match="go together"):
        SmtpSender("h", 587, "a@kk.dk", "K", username="u")


# --- HTTP gateways (SMS, Digital Post) against a loopback HTTP server -----------------------


class Gateway:
    """What the fake gateway received."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[tuple[str, dict[str, str], Any]] = []

    def last(self) -> tuple[str, dict[str, str], Any]:
        return self.requests[-1]


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    requests: list[tuple[str, dict[str, str], Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            requests.append((self.path, dict(self.headers.items()), body))
            if self.path.startswith("/status/"):
                status = int(self.path.rsplit("/", 1)[1])
                self.send_response(status)
                if status in (429, 503):
                    self.send_header("Retry-After", "7")
                if 300 <= status < 400:
                    self.send_header("Location", "/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            reply = json.dumps({"id": "gw-123"}).encode()
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake = Gateway(f"http://127.0.0.1:{server.server_address[1]}")
    fake.requests = requests
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


async def test_sms_posts_json_with_a_bearer_token(gateway: Gateway) -> None:
    sender = SmsGatewaySender(f"{gateway.url}/sms", "s3cret", "Kommune", timeout=5)
    reference = await sender.send(message("sms", phone="12 34 56 78"))

    assert reference == "gw-123"
    path, headers, body = gateway.last()
    assert path == "/sms"
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Content-Type"].startswith("application/json")
    assert body == {"to": "+4512345678", "from": "Kommune", "text": message().text}


async def test_every_attempt_at_one_message_carries_the_same_idempotency_key(
    gateway: Gateway,
) -> None:
    sender = SmsGatewaySender(f"{gateway.url}/sms", "s3cret", "Kommune", timeout=5)
    for _ in range(2):
        await sender.send(message("sms", key=KEY))
    keys = [headers.get("Idempotency-Key") for _, headers, _ in gateway.requests[-2:]]
    assert keys == [f'"{KEY}"', f'"{KEY}"']


@pytest.mark.parametrize(
    ("status", "kind", "retry_after"),
    [
        (503, TransientFailure, 7.0),
        (429, TransientFailure, 7.0),
        (500, TransientFailure, None),
        (400, PermanentFailure, None),
        (401, PermanentFailure, None),
        (302, PermanentFailure, None),
    ],
)
async def test_sms_gateway_statuses(
    gateway: Gateway, status: int, kind: type[DeliveryFailure], retry_after: float | None
) -> None:
    sender = SmsGatewaySender(f"{gateway.url}/status/{status}", "t", "Kommune", timeout=5)
    before = len(gateway.requests)
    with pytest.raises(kind) as failure:
        await sender.send(message("sms"))
    assert failure.value.code == f"http_{status}"
    assert getattr(failure.value, "retry_after", None) == retry_after
    assert len(gateway.requests) == before + 1  # a redirect is not followed


async def test_sms_without_a_phone_number() -> None:
    sender = SmsGatewaySender("http://127.0.0.1:9/sms", "t", "Kommune")
    with pytest.raises(PermanentFailure) as no_phone:
        await sender.send(message("sms", phone=None))
    assert no_phone.value.code == "no_address"
    with pytest.raises(PermanentFailure) as bad_phone:
        await sender.send(message("sms", phone="call me"))
    assert bad_phone.value.code == "invalid_address"


async def test_an_unreachable_gateway_is_transient() -> None:
    sender = SmsGatewaySender("http://127.0.0.1:9/sms", "t", "Kommune", timeout=2)
    with pytest.raises(TransientFailure) as failure:
        await sender.send(message("sms"))
    assert failure.value.code == "connection_refused"


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("12345678", "+4512345678"),
        ("+45 12 34 56 78", "+4512345678"),
        ("0045-1234-5678", "+4512345678"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_phone_numbers_become_e164(phone: str, e164: str) -> None:
    assert normalise_phone(phone) == e164


def test_gateways_need_https_except_on_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        SmsGatewaySender("http://sms.example.dk/send", "t", "Kommune")
    with pytest.raises(ValueError, match="https"):
        DigitalPostSender("file:///etc/passwd", "t", "sys")
    with pytest.raises(ValueError, match="sender id"):
        SmsGatewaySender("https://sms.example.dk/send", "t", "A much too long sender")
    SmsGatewaySender("https://sms.example.dk/send", "t", "Kommune")


async def test_digital_post_posts_the_gateway_contract(gateway: Gateway) -> None:
    sender = DigitalPostSender(f"{gateway.url}/digital-post", "tok", "kk-mediation", timeout=5)
    reference = await sender.send(message("digital_post", attachments=(INVITE,)))

    assert reference == "gw-123"
    path, headers, body = gateway.last()
    assert path == "/digital-post"
    assert headers["Authorization"] == "Bearer tok"
    assert body["recipient_id"] == "person-1"
    assert body["title"] == "Mæglingsmøde på Rådhuset"
    assert body["text"] == message().text
    assert body["sender_system"] == "kk-mediation"
    [attachment] = body["attachments"]
    assert attachment["filename"] == "invitation.ics"
    assert attachment["content_type"] == INVITE.content_type
    assert base64.b64decode(attachment["data_base64"]) == INVITE.data


async def test_digital_post_refused_by_the_gateway_is_permanent(gateway: Gateway) -> None:
    sender = DigitalPostSender(f"{gateway.url}/status/404", "tok", "kk-mediation", timeout=5)
    with pytest.raises(PermanentFailure) as failure:
        await sender.send(message("digital_post"))
    assert failure.value.code == "http_404"


# --- sinks -----------------------------------------------------------------------------------


async def test_file_sink_names_files_by_time_channel_and_a_safe_person_id(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "outbox", name="sms")
    path = Path(await sink.send(message("sms", person_id="../../etc/passwd")))

    assert path.parent == tmp_path / "outbox"
    assert path.name.endswith("-sms-etc_passwd.eml")
    content = await asyncio.to_thread(path.read_bytes)
    assert b"X-Mediation-Channel: sms" in content
    assert b"X-Mediation-Address: +4512345678" in content
    assert b"soren@example.dk" not in content  # the SMS file shows the SMS address only
    assert "Blåbærgrød".encode() in content


async def test_file_sink_never_overwrites(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    paths = {await sink.send(message()) for _ in range(5)}
    assert len(paths) == 5
    assert len(await asyncio.to_thread(lambda: list(tmp_path.glob("*.eml")))) == 5


async def test_file_sink_writes_a_message_sent_again_once(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    first = await sink.send(message(key=KEY))
    again = await sink.send(message(key=KEY))
    other = await sink.send(message(key=KEY.replace("0b7f", "1b7f")))

    assert first == again != other
    assert len(await asyncio.to_thread(lambda: list(tmp_path.glob("*.eml")))) == 2


@pytest.mark.parametrize(
    ("channel", "email", "phone", "code"),
    [
        ("email", None, None, "no_address"),
        ("email", "nonsense", None, "invalid_address"),
        ("sms", "a@b.dk", None, "no_address"),
        ("sms", None, "nonsense", "invalid_address"),
    ],
)
async def test_sinks_fail_like_the_real_channels(
    tmp_path: Path, channel: Channel, email: str | None, phone: str | None, code: str
) -> None:
    for sink in (FileSink(tmp_path), ConsoleSink(stream=io.StringIO())):
        with pytest.raises(PermanentFailure) as failure:
            await sink.send(message(channel, email=email, phone=phone))
        assert failure.value.code == code
    assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []


async def test_console_sink_prints_a_readable_rendering() -> None:
    out = io.StringIO()
    reference = await ConsoleSink(name="email", stream=out).send(message(attachments=(INVITE,)))
    printed = out.getvalue()
    assert reference == "console"
    assert "email to Søren Ærø <soren@example.dk> [da]" in printed
    assert "Subject: Mæglingsmøde på Rådhuset" in printed
    assert "Blåbærgrød æøå ÆØÅ" in printed
    assert "[attachment: invitation.ics (text/calendar; method=REQUEST" in printed


# --- settings --------------------------------------------------------------------------------


def test_file_mode_sends_every_channel_to_the_outbox(tmp_path: Path) -> None:
    senders = senders_from_settings(ChannelSettings(outbox_dir=tmp_path))
    assert set(senders) == {"email", "sms", "digital_post"}
    for channel, sender in senders.items():
        assert isinstance(sender, FileSink)
        assert sender.name == channel
        assert sender.directory == tmp_path


def test_console_mode() -> None:
    senders = senders_from_settings(ChannelSettings(mode="console"))
    assert all(isinstance(sender, ConsoleSink) for sender in senders.values())


def test_live_mode_names_every_missing_variable() -> None:
    with pytest.raises(ChannelConfigurationError) as error:
        senders_from_settings(ChannelSettings(mode="live", smtp_host="smtp.kk.dk"))
    text = str(error.value)
    for variable in (
        "NOTIFICATIONS_SMTP_FROM_ADDRESS",
        "NOTIFICATIONS_SMS_URL",
        "NOTIFICATIONS_SMS_TOKEN",
        "NOTIFICATIONS_SMS_SENDER_ID",
        "NOTIFICATIONS_DIGITAL_POST_URL",
        "NOTIFICATIONS_DIGITAL_POST_TOKEN",
        "NOTIFICATIONS_DIGITAL_POST_SENDER_SYSTEM_ID",
    ):
        assert variable in text
    assert "NOTIFICATIONS_SMTP_HOST" not in text


def live_settings(**overrides: Any) -> ChannelSettings:
    values: dict[str, Any] = {
        "mode": "live",
        "smtp_host": "smtp.kk.dk",
        "smtp_port": 587,
        "smtp_start_tls": True,
        "smtp_username": "mediation",
        "smtp_password": SecretStr("pw"),
        "smtp_from_address": "konfliktmaegling@kk.dk",
        "sms_url": "https://sms.example.dk/v1/messages",
        "sms_token": SecretStr("sms-token"),
        "sms_sender_id": "Kommune",
        "digital_post_url": "https://gateway.kk.dk/digital-post",
        "digital_post_token": SecretStr("dp-token"),
        "digital_post_sender_system_id": "kk-mediation",
    }
    return ChannelSettings(**(values | overrides))


def test_live_mode_builds_the_real_senders() -> None:
    senders = senders_from_settings(live_settings())
    assert isinstance(senders["email"], SmtpSender)
    assert isinstance(senders["sms"], SmsGatewaySender)
    assert isinstance(senders["digital_post"], DigitalPostSender)
    assert [sender.name for sender in senders.values()] == ["email", "sms", "digital_post"]


def test_live_mode_rejects_unusable_settings_without_echoing_secrets() -> None:
    with pytest.raises(ChannelConfigurationError, match="https") as error:
        senders_from_settings(live_settings(sms_url="http://sms.example.dk"))
    assert "sms-token" not in str(error.value)
    with pytest.raises(ChannelConfigurationError, match="NOTIFICATIONS_SMTP_PASSWORD"):
        senders_from_settings(live_settings(smtp_password=None))


@pytest.mark.parametrize(
    ("failure", "attempt", "expected"),
    [
        (TransientFailure("http_503"), 2, 120.0),  # no hint: our delay for attempt 2
        (TransientFailure("http_429", retry_after=900.0), 1, 900.0),  # the provider's longer wait
        (TransientFailure("http_429", retry_after=5.0), 2, 120.0),  # never shorter than ours
        (TransientFailure("http_429", retry_after=9e9), 1, RETRY_AFTER_CAP_SECONDS),
        (TimeoutError(), 3, 600.0),
    ],
)
def test_a_retry_waits_for_the_providers_retry_after_within_a_cap(
    failure: BaseException, attempt: int, expected: float
) -> None:
    assert retry_delay(failure, attempt, [30.0, 120.0, 600.0, 1800.0]) == expected


@pytest.mark.parametrize(
    ("cause", "code"),
    [
        (ConnectionRefusedError(), "connection_refused"),
        (TimeoutError(), "timeout"),
        (None, "connection_failed"),
    ],
)
def test_an_smtp_connection_failure_is_named_like_an_http_one(
    cause: BaseException | None, code: str
) -> None:
    error = aiosmtplib.SMTPConnectError("cannot connect")
    error.__cause__ = cause
    for failure in (classify_smtp_error(error), classify_network_error(cause)):
        assert (type(failure), failure.code) == (TransientFailure, code)
