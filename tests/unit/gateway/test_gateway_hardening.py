"""What keeps the gateway from being turned against its own network or its subscribers:
sealed signing secrets, no callbacks into internal addresses, and deliveries only while the
subscription's owner may still hear the event."""

import asyncio
import base64
import secrets
import socket
import ssl
from pathlib import Path
from typing import Any

import httpx2
import pytest
from gateway.adapters import webhooks
from gateway.adapters.clients import ClientRegistry
from gateway.adapters.secrets import SecretBox, SecretUnreadable
from gateway.adapters.webhooks import send
from gateway.domain.callbacks import internal_name
from gateway.domain.callers import Caller
from gateway.domain.ingest import Invalid
from gateway.domain.subscriptions import SubscriptionRequest, checked
from gateway.grants import Grants
from mediation_runtime.bus_access import BusAccess

CONSENT = "dk.mediation.consent.given.v1"
PORTAL = ("citizen portal",)
SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_subscription() -> None:
    box = SecretBox(secrets.token_bytes(32))
    sealed = box.seal(SECRET, "sub-1")
    assert SECRET not in sealed
    assert SECRET.removeprefix("whsec_") not in sealed
    assert box.open(sealed, "sub-1") == SECRET
    with pytest.raises(SecretUnreadable):
        box.open(sealed, "sub-2")  # moved to another subscription
    with pytest.raises(SecretUnreadable):
        SecretBox(secrets.token_bytes(32)).open(sealed, "sub-1")  # another key
    with pytest.raises(ValueError, match="32 bytes"):
        SecretBox.from_setting(base64.b64encode(b"short").decode())


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "api.localhost",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",
        "0.0.0.0",
        "[::1]",
        "[fe80::1]",
        "[fd00::1]",
        "[::ffff:10.0.0.1]",
        "224.0.0.1",
    ],
)
def test_internal_hosts_are_recognised(host: str) -> None:
    assert internal_name(host)


@pytest.mark.parametrize("host", ["esdh.kk.dk", "93.184.216.34", "[2606:4700::1111]"])
def test_public_hosts_are_not(host: str) -> None:
    assert not internal_name(host)


def caller() -> Caller:
    return Caller("portal", "kk", PORTAL, ("consent.given",))


def request(url: str) -> SubscriptionRequest:
    return SubscriptionRequest(callback_url=url, types=[CONSENT], secret=SECRET)


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/hook", "https://localhost:8443/x", "https://[::1]/x"]
)
def test_a_callback_to_an_internal_address_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        checked(request(url), caller(), allow_http=False)
    assert refused.value.code == "internal_callback_url"
    assert [e.field for e in refused.value.errors] == ["callback_url"]
    checked(request(url), caller(), allow_http=False, allow_private=True)  # tests, dev


@pytest.mark.parametrize("url", ["https://localhost:1/hook", "https://127.0.0.1:1/hook"])
async def test_delivery_checks_the_address_again_and_sends_nothing_inside(url: str) -> None:
    # Refused before any connection (none would answer on port 1 anyway).
    outcome = await send(None, url, SECRET, "id", "{}")  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.error) == (False, "internal_address")


class Subscriber:
    """An HTTPS subscriber on the loopback whose certificate names ``hooks.test``: it answers
    204 and remembers the TLS server name and ``Host`` of each request."""

    def __init__(self, certificate: Path) -> None:
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
        self.tls.sni_callback = lambda _socket, name, _context: self.names.append(name)
        self.names: list[str | None] = []
        self.hosts: list[str] = []

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        await reader.readexactly(int(fields.get("content-length", "0")))
        self.hosts.append(fields["host"])
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def test_delivery_goes_to_the_address_it_checked_though_the_name_is_rebound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the subscriber's name answers public addresses when the gateway checks
    it and an internal one right after. The request goes to the addresses checked (the
    next when the first refuses the connection), named by its host in ``Host`` and in TLS
    (whose certificate must carry that name)."""
    bus = BusAccess(tmp_path / "bus")
    bus.init()
    bus.issue_https_server(tmp_path / "hook", ["hooks.test"])
    subscriber = Subscriber(tmp_path / "hook")
    server = await asyncio.start_server(subscriber.answer, "127.0.0.1", 0, ssl=subscriber.tls)
    port = server.sockets[0].getsockname()[1]
    # In this test the loopback is "public" and 10/8 is inside.
    monkeypatch.setattr(webhooks, "internal_address", lambda address: address.startswith("10."))
    loop = asyncio.get_running_loop()
    resolve, asked = loop.getaddrinfo, []

    async def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.test":
            return await resolve(host, *args, **kwargs)
        asked.append(host)
        # First answer: an address where nothing listens, then the subscriber's.
        addresses = ["127.0.0.2", "127.0.0.1"] if len(asked) == 1 else ["10.255.255.1"]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding)
    trusted = ssl.create_default_context(cafile=tmp_path / "bus" / "ca.pem")
    async with server, httpx2.AsyncClient(verify=trusted, timeout=5) as client:
        outcome = await send(client, f"https://hooks.test:{port}/hook", SECRET, "id", "{}")
    assert (outcome.delivered, outcome.status) == (True, 204)
    assert asked == ["hooks.test"], "resolved once, for the check"
    assert subscriber.names == ["hooks.test"]
    assert subscriber.hosts == [f"hooks.test:{port}"]


def test_a_token_clients_subscription_delivers_only_what_its_roles_allow_now() -> None:
    grants = Grants(None)
    subscription = {
        "owner": "portal",
        "tenant": "kk",
        "via": "token",
        "roles": list(PORTAL),
        "consume": ["consent.given"],
    }
    assert grants.refusal(subscription, CONSENT) is None
    subscription["consume"] = []  # its identity provider took the grant away
    assert grants.refusal(subscription, CONSENT) == "not_allowed:type_not_allowed"


def test_a_certificate_clients_subscription_stops_when_it_is_revoked(tmp_path: Path) -> None:
    bus = BusAccess(tmp_path / "bus")
    bus.init()
    bus.add_integration("kk-portal", "kk", list(PORTAL), consume=["consent.given"])
    grants = Grants(ClientRegistry(bus.directory / "principals.json"))
    subscription = {"owner": "kk-portal", "tenant": "kk", "via": "certificate"}
    assert grants.refusal(subscription, CONSENT) is None
    assert grants.refusal({**subscription, "tenant": "aarhus"}, CONSENT) == (
        "not_allowed:wrong_tenant"
    )
    bus.revoke("kk-portal", bus.entries()["kk-portal"].certificates[0].id)
    assert grants.refusal(subscription, CONSENT) == "not_allowed:revoked_certificate"
    bus.remove("kk-portal")
    assert grants.refusal(subscription, CONSENT) == "not_allowed:unknown_client"
