"""Email over SMTP with aiosmtplib: one connection per message, one recipient per message.

Classification of what the SMTP server (or the network) says:

==========================================  ===========  ===========================
what happened                               kind         code
==========================================  ===========  ===========================
recipient has no email address              permanent    ``no_address``
address not a valid (ASCII or IDN) address  permanent    ``invalid_address``
RCPT refused 4xx / 5xx                      trans./perm  ``smtp_451`` / ``smtp_550``
MAIL FROM refused 4xx / 5xx                 trans./perm  ``smtp_sender_<code>``
DATA refused 4xx / 5xx                      trans./perm  ``smtp_data_<code>``
AUTH refused 4xx / 5xx                      trans./perm  ``smtp_auth_<code>``
EHLO/HELO refused 4xx / 5xx                 trans./perm  ``smtp_helo_<code>``
greeting not 220 (4xx / 5xx)                trans./perm  ``smtp_connect_<code>``
any other 4xx / 5xx reply                   trans./perm  ``smtp_<code>``
connection refused                          transient    ``connection_refused``
connect or read timeout                     transient    ``timeout``
name resolution failed                      transient    ``dns_failure``
TLS handshake/certificate problem           transient    ``tls_error``
connection lost / other network error       transient    ``disconnected`` /
                                                         ``connection_failed``
server lacks a required extension           permanent    ``smtp_not_supported``
(e.g. STARTTLS demanded, SMTPUTF8)
other client-side SMTP error (bad config)   permanent    ``smtp_error``
==========================================  ===========  ===========================

Addresses: ASCII local parts (dot-atom) with internationalised domains (``blåbær.dk`` is sent
as ``xn--blbr-roa0a.dk``); non-ASCII local parts (SMTPUTF8) are refused as
``invalid_address``, since few receiving servers accept them.
"""

import re
from datetime import UTC, datetime
from email.headerregistry import Address, Group
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from notifications.adapters.channels.base import (
    DeliveryFailure,
    PermanentFailure,
    TransientFailure,
    classify_network_error,
)
from notifications.domain.message import Attachment, Channel, Message

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_MAX_LINE_OCTETS = 998


class InvalidAddress(ValueError):
    """An email address that cannot be sent to (the message never says which one)."""


def normalise_address(address: str) -> tuple[str, str]:
    """``(local part, ASCII domain)`` of an address; IDN domains become punycode (IDNA)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not _LOCAL_PART.fullmatch(local) or len(local) > 64:
        raise InvalidAddress("not a valid email address")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidAddress("not a valid email domain") from None
    labels = ascii_domain.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels) or len(ascii_domain) > 253:
        raise InvalidAddress("not a valid email domain")
    if len(local) + 1 + len(ascii_domain) > 254:
        raise InvalidAddress("email address too long")
    return local, ascii_domain


def _one_line(text: str) -> str:
    """Header text: control characters (CR/LF above all) become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _attach(email_message: EmailMessage, attachment: Attachment) -> None:
    """Attach with the full content type, parameters included (``method=REQUEST`` makes a
    text/calendar part an invitation in calendar clients)."""
    probe = EmailMessage()
    probe["Content-Type"] = attachment.content_type
    params = {key: value for key, value in probe.get_params(failobj=[])[1:] if value}
    email_message.add_attachment(
        attachment.data,
        maintype=probe.get_content_maintype(),
        subtype=probe.get_content_subtype(),
        filename=_one_line(attachment.filename) or "attachment",
        params=params,
    )


def build_email(
    message: Message,
    sender_address: str,
    sender_name: str,
    *,
    now: datetime | None = None,
) -> EmailMessage:
    """The RFC 5322 message for ``message``: From (display name), To (the person's name;
    an empty group ``Name:;`` when they have no email address, as for the file sink), Subject,
    Date, Message-ID (from the message's key when it has one, so a re-send is the same
    message), Content-Language, Auto-Submitted, a UTF-8 text/plain body and the attachments.
    Raises ``InvalidAddress`` for an unusable sender or recipient address."""
    sender_local, sender_domain = normalise_address(sender_address)
    email_message = EmailMessage()
    email_message["From"] = Address(
        _one_line(sender_name), username=sender_local, domain=sender_domain
    )
    recipient = message.recipient
    if recipient.email:
        local, domain = normalise_address(recipient.email)
        email_message["To"] = Address(_one_line(recipient.name), username=local, domain=domain)
    else:
        email_message["To"] = Group(_one_line(recipient.name) or "undisclosed-recipients")
    email_message["Subject"] = _one_line(message.subject)
    email_message["Date"] = format_datetime(now or datetime.now(UTC))
    email_message["Message-ID"] = (
        f"<{message.key}@{sender_domain}>" if message.key else make_msgid(domain=sender_domain)
    )
    email_message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    text = message.text if message.text.endswith("\n") else message.text + "\n"
    longest = max(len(line.encode("utf-8")) for line in text.splitlines())
    # 8bit keeps the body readable in a file; aiosmtplib downgrades it to base64 for servers
    # without 8BITMIME. Lines too long for 8bit go quoted-printable.
    cte = "8bit" if longest <= _MAX_LINE_OCTETS else "quoted-printable"
    email_message.set_content(text, subtype="plain", charset="utf-8", cte=cte)
    for attachment in message.attachments:
        _attach(email_message, attachment)
    # after the content: set_content()/add_attachment() drop or move Content-* headers
    email_message["Content-Language"] = recipient.language
    return email_message


def _by_reply_code(prefix: str, code: int) -> DeliveryFailure:
    if 400 <= code <= 499:
        return TransientFailure(f"{prefix}_{code}")
    if 500 <= code <= 599:
        return PermanentFailure(f"{prefix}_{code}")
    return TransientFailure(f"{prefix}_unexpected_reply")


def classify_smtp_error(exc: BaseException) -> DeliveryFailure:
    """Map an aiosmtplib (or network) exception to a transient or permanent failure."""
    match exc:
        case aiosmtplib.SMTPRecipientsRefused(recipients=[first, *_]):
            return _by_reply_code("smtp", first.code)
        case aiosmtplib.SMTPRecipientsRefused():
            return TransientFailure("smtp_recipients_refused")
        case aiosmtplib.SMTPRecipientRefused():
            return _by_reply_code("smtp", exc.code)
        case aiosmtplib.SMTPSenderRefused():
            return _by_reply_code("smtp_sender", exc.code)
        case aiosmtplib.SMTPDataError():
            return _by_reply_code("smtp_data", exc.code)
        case aiosmtplib.SMTPAuthenticationError():
            return _by_reply_code("smtp_auth", exc.code)
        case aiosmtplib.SMTPHeloError():
            return _by_reply_code("smtp_helo", exc.code)
        case aiosmtplib.SMTPConnectResponseError():
            return _by_reply_code("smtp_connect", exc.code)
        case aiosmtplib.SMTPResponseException():
            return _by_reply_code("smtp", exc.code)
        case aiosmtplib.SMTPTimeoutError():  # connect and read timeouts alike
            return TransientFailure("timeout")
        case aiosmtplib.SMTPConnectError():
            return classify_network_error(exc.__cause__)
        case aiosmtplib.SMTPServerDisconnected():
            return TransientFailure("disconnected")
        case aiosmtplib.SMTPNotSupported():
            return PermanentFailure("smtp_not_supported")
        case aiosmtplib.SMTPException():
            return PermanentFailure("smtp_error")
        case InvalidAddress():
            return PermanentFailure("invalid_address")
        case _:
            return classify_network_error(exc)


class SmtpSender:
    """Sends email through an SMTP server (the municipality's relay or a mail provider).

    ``use_tls``: implicit TLS (port 465). ``start_tls``: ``True`` demands STARTTLS, ``False``
    never uses it, ``None`` upgrades when the server offers it (use ``True`` in production so
    a stripped STARTTLS offer cannot downgrade the connection). ``timeout`` bounds each
    network operation. Returns the message's Message-ID as the provider reference.
    """

    name: Channel = "email"

    def __init__(
        self,
        host: str,
        port: int | None,
        sender_address: str,
        sender_name: str,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool | None = None,
        timeout: float = 20.0,
    ) -> None:
        if use_tls and start_tls:
            raise ValueError("use_tls (implicit TLS) and start_tls are mutually exclusive")
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password go together")
        local, domain = normalise_address(sender_address)  # fail at startup, not per message
        self.host = host
        self.port = port
        self.sender_address = f"{local}@{domain}"
        self.sender_name = sender_name
        self._username = username
        self._password = password
        self._use_tls = use_tls
        self._start_tls = start_tls
        self._timeout = timeout

    async def send(self, message: Message) -> str:
        if not message.recipient.email:
            raise PermanentFailure("no_address")
        try:
            email_message = build_email(message, self.sender_address, self.sender_name)
            local, domain = normalise_address(message.recipient.email)
        except InvalidAddress:
            raise PermanentFailure("invalid_address") from None
        try:
            await aiosmtplib.send(
                email_message,
                sender=self.sender_address,
                recipients=[f"{local}@{domain}"],
                hostname=self.host,
                port=self.port,
                username=self._username,
                password=self._password,
                use_tls=self._use_tls,
                start_tls=self._start_tls,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise classify_smtp_error(exc) from None
        return str(email_message["Message-ID"])
