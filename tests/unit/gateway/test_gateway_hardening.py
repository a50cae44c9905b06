"""What keeps the gateway from being turned against its own network or its subscribers:
sealed signing secrets, no callbacks into internal addresses, and deliveries only while the
subscription's owner may still hear the event."""

import base64
import secrets
from pathlib import Path

import pytest
from gateway.adapters.clients import ClientRegistry
from gateway.adapters.secrets import SecretBox, SecretUnreadable
from gateway.adapters.webhooks import resolves_internal, send
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


async def test_delivery_checks_the_address_again_and_sends_nothing_inside() -> None:
    assert await resolves_internal("https://localhost:1/hook")
    # Refused before any connection (none would answer on port 1 anyway).
    outcome = await send(None, "https://127.0.0.1:1/hook", SECRET, "id", "{}")  # type: ignore[arg-type]
    assert (outcome.delivered, outcome.error) == (False, "internal_address")


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
