"""How every process of the system connects to NATS: TLS, its own certificate, its own inbox.

The bus is a trust boundary (see README, "The bus"): the server accepts only clients that
present a certificate signed by the bus CA, and the certificate decides who the client is and
what it may publish and subscribe (``mediation_contracts.access``). A connection therefore
needs ``NATS_URL`` plus three files from the secret store: ``NATS_CA_FILE`` (the CA that
signed the server's and the clients' certificates), ``NATS_CERT_FILE`` and ``NATS_KEY_FILE``
(this process's certificate and key). The certificate's common name is the principal, and the
connection uses the principal's private inbox prefix, the only inbox it may subscribe to.

The server refuses a publish outside the permissions asynchronously (an ``-ERR`` line), so a
plain publish would just time out. :class:`BusErrors` turns that refusal into a
:class:`PublishDenied` of the publish that caused it, and logs it.
"""

import asyncio
import contextlib
import logging
import os
import re
import ssl
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nats
import structlog
from cryptography import x509
from cryptography.x509.oid import NameOID
from mediation_contracts.access import inbox_prefix
from nats.aio.client import Client
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings

log = structlog.get_logger("mediation.bus")


class _TlsCloseNoise(logging.Filter):
    """nats-py's protocol answers a TLS connection's close in a way asyncio warns about on
    every close ("returning true from eof_received() has no effect when using ssl"); it is
    harmless and would fill every log, so it is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "eof_received() has no effect" not in record.getMessage()


logging.getLogger("asyncio").addFilter(_TlsCloseNoise())
T = TypeVar("T")

_DENIED = re.compile(r'permissions violation for (publish|subscription) to "([^"]+)"', re.I)


class BusConfigError(ValueError):
    """The connection settings cannot work (a missing or unreadable credential file)."""


class PublishDenied(Exception):
    """The server refused this publish: the principal may not publish to ``subject``."""

    def __init__(self, subject: str) -> None:
        super().__init__(f"NATS refused the publish to {subject!r}: not permitted for us")
        self.subject = subject


class NatsSettings(BaseSettings):
    """``NATS_URL`` and the credentials; shared by every service and the mediator client."""

    nats_url: str = Field(
        default="tls://127.0.0.1:4222",
        validation_alias=AliasChoices("NATS_URL", "nats_url"),
        description="One URL, or the nodes of a cluster separated by commas "
        "(tls://nats-1:4222,tls://nats-2:4222); either way the client learns the others.",
    )
    nats_ca_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("NATS_CA_FILE", "nats_ca_file"),
        description="PEM: the CA that signed the NATS server's and the clients' certificates.",
    )
    nats_cert_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("NATS_CERT_FILE", "nats_cert_file"),
        description="PEM: this process's client certificate (its common name is the principal).",
    )
    nats_key_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("NATS_KEY_FILE", "nats_key_file"),
        description="PEM: the private key of the client certificate.",
    )

    def bus_credentials(self) -> "BusCredentials":
        return BusCredentials(
            self.nats_url, self.nats_ca_file, self.nats_cert_file, self.nats_key_file
        )


@dataclass(frozen=True)
class BusCredentials:
    url: str
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None

    @classmethod
    def in_directory(cls, url: str, directory: Path) -> "BusCredentials":
        """The layout ``python -m mediation_runtime.bus_access`` writes per principal."""
        return cls(url, directory / "ca.pem", directory / "cert.pem", directory / "key.pem")

    def principal(self) -> str | None:
        """The certificate's common name, or None without a certificate."""
        if self.cert_file is None:
            return None
        certificate = x509.load_pem_x509_certificate(_read(self.cert_file, "NATS_CERT_FILE"))
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not names:
            raise BusConfigError(f"NATS_CERT_FILE {self.cert_file}: the certificate has no CN")
        return str(names[0].value)

    def ssl_context(self) -> ssl.SSLContext | None:
        """Verifies the server against the bus CA and presents our certificate."""
        if self.ca_file is None and self.cert_file is None:
            return None
        context = ssl.create_default_context(
            cafile=str(self.ca_file) if self.ca_file is not None else None
        )
        if self.cert_file is not None:
            if self.key_file is None:
                raise BusConfigError("NATS_CERT_FILE is set but NATS_KEY_FILE is not")
            _read(self.key_file, "NATS_KEY_FILE")
            try:
                context.load_cert_chain(str(self.cert_file), str(self.key_file))
            except (ssl.SSLError, OSError) as error:
                raise BusConfigError(
                    f"cannot use NATS_CERT_FILE/NATS_KEY_FILE: {type(error).__name__}"
                ) from None
        return context

    def connect_options(self, name: str) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect`` and FastStream's ``NatsBroker``."""
        servers = [url.strip() for url in self.url.split(",") if url.strip()]
        options: dict[str, Any] = {"servers": servers, "name": name}
        if (context := self.ssl_context()) is not None:
            options["tls"] = context
        if (principal := self.principal()) is not None:
            options["inbox_prefix"] = inbox_prefix(principal)
        return options


def tool_credentials(principal: str = "admin") -> BusCredentials:
    """For command-line tools and examples: the ``NATS_*`` settings, or, when they name no
    certificate, ``principal``'s certificate of the local stack (``var/bus``, or under
    ``MEDIATION_STATE_DIR``)."""
    settings = NatsSettings()
    if settings.nats_cert_file is None:
        state = Path(os.environ.get("MEDIATION_STATE_DIR", "var"))
        directory = state / "bus" / "principals" / principal
        if not (directory / "cert.pem").exists():
            raise BusConfigError(
                f"no NATS client certificate: set NATS_CA_FILE, NATS_CERT_FILE and "
                f"NATS_KEY_FILE, or run beside `make run` (which keeps {principal}'s in "
                f"{directory})"
            )
        return BusCredentials.in_directory(settings.nats_url, directory)
    return settings.bus_credentials()


def _read(path: Path, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BusConfigError(f"{variable} {path}: {error.strerror or error}") from None


class BusErrors:
    """The connection's error callback (:meth:`callback`): logs asynchronous errors by kind
    (never message bodies) and fails the publish a permissions violation belongs to."""

    def __init__(self, connection_name: str) -> None:
        self.connection_name = connection_name
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}

    async def callback(self, error: Exception) -> None:
        match = _DENIED.search(str(error))
        if match is None:
            log.warning(
                "nats_error", connection=self.connection_name, error_type=type(error).__name__
            )
            return
        # nats-py lower-cases the server's error text; subjects are compared the same way.
        action, subject = match.group(1).lower(), match.group(2).lower()
        log.error(
            "nats_permission_denied",
            connection=self.connection_name,
            action=action,
            subject=subject,
        )
        for waiter in self._waiting.get(subject, set()):
            if not waiter.done():
                waiter.set_exception(PublishDenied(subject))

    async def guard(self, subject: str, publishing: Awaitable[T]) -> T:
        """Await ``publishing``; raise :class:`PublishDenied` as soon as the server refuses a
        publish to ``subject`` instead of waiting for its time-out."""
        denied: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key = subject.lower()
        self._waiting.setdefault(key, set()).add(denied)
        task: asyncio.Future[T] = asyncio.ensure_future(publishing)
        pending: list[asyncio.Future[Any]] = [task, denied]
        try:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if denied.done() and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                denied.result()  # raises PublishDenied
            return task.result()
        finally:
            waiting = self._waiting.get(key, set())
            waiting.discard(denied)
            if not waiting:
                self._waiting.pop(key, None)
            if not denied.done():
                denied.cancel()


async def connect(
    credentials: BusCredentials, name: str, errors: BusErrors | None = None, **options: Any
) -> Client:
    """A nats-py connection with the credentials (tools, the client, the tests). Unless
    ``options`` say otherwise it fails at once when the server cannot be reached or refuses
    us, instead of nats-py's default of retrying for two minutes."""
    callback = (errors or BusErrors(name)).callback
    # max_reconnect_attempts also bounds the first connect (0 would mean "for ever").
    defaults = {"connect_timeout": 5, "max_reconnect_attempts": 1, "reconnect_time_wait": 1}
    options = defaults | options
    return await nats.connect(**credentials.connect_options(name), error_cb=callback, **options)
