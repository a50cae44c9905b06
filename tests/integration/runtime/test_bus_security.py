"""The bus is a trust boundary: tried as an outsider, a bystander and a misbehaving insider
would, against a real nats-server with the generated TLS and permissions.

Each test adds the integrations it needs to the session's bus (as an operator would with
``python -m mediation_runtime.bus_access``) and reloads the server.
"""

import asyncio
import json
import secrets
from pathlib import Path

import nats
import pytest
from mediation_contracts.access import MEDIATOR_CLIENT
from mediation_contracts.commands import ListCases, Reply, command_subject
from mediation_contracts.streams import EVENTS_STREAM
from mediation_runtime.bus import BusCredentials, BusErrors, PublishDenied, connect
from mediation_runtime.bus_access import BusAccess, main
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import APIError

from tests.data.scenario import Scenario
from tests.integration.bus import events_of, wait_for
from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

NOT_ALLOWED = (PublishDenied, TimeoutError, nats.errors.TimeoutError)


async def connects(credentials: BusCredentials) -> bool:
    try:
        connection = await connect(
            credentials, "probe", allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=1
        )
    except Exception:
        return False
    await connection.close()
    return True


async def add_integration(bus: LiveBus, tenant: str, *roles: str, consume: str = "") -> str:
    """A municipal integration for ``tenant``, through the documented command; its name."""
    name = f"{tenant}-esdh"
    argv = ["add-integration", str(bus.access.directory), name, "--tenant", tenant]
    for role in roles:
        argv += ["--role", role]
    if consume:
        argv += ["--consume", consume]
    assert main(argv) == 0  # rewrites authorization.conf and reloads the running server
    await wait_for(lambda: connects(bus.credentials(name)), what=f"{name} may connect")
    return name


@pytest.fixture
async def outsider_ca(tmp_path: Path) -> BusAccess:
    """A bus of someone else: its own CA, certificates with our principals' names."""
    other = BusAccess(tmp_path / "other-bus")
    other.init()
    return other


async def test_a_client_without_a_certificate_cannot_connect(bus: LiveBus) -> None:
    anonymous = BusCredentials(bus.url, ca_file=bus.credentials().ca_file)
    assert not await connects(anonymous)


async def test_a_client_without_tls_cannot_connect(bus: LiveBus) -> None:
    plain = bus.url.replace("tls://", "nats://")
    with pytest.raises(Exception):  # noqa: B017,PT011 - whatever nats-py raises, no connection
        await nats.connect(plain, allow_reconnect=False, connect_timeout=2)


async def test_a_certificate_from_another_ca_cannot_connect(
    bus: LiveBus, outsider_ca: BusAccess
) -> None:
    # Same principal name, same subject layout, but signed by a CA the server does not trust.
    forged = BusCredentials.in_directory(bus.url, outsider_ca.credentials_dir("admin"))
    forged = BusCredentials(bus.url, bus.credentials().ca_file, forged.cert_file, forged.key_file)
    assert not await connects(forged)


async def test_a_revoked_certificate_cannot_connect(bus: LiveBus, unique_tenant: str) -> None:
    name = await add_integration(bus, unique_tenant, "case systems")
    old = bus.access.entries()[name].certificates[0].id
    old_credentials = _copy_credentials(bus, name)
    assert main(["rotate", str(bus.access.directory), name]) == 0
    await wait_for(lambda: connects(bus.credentials(name)), what="the new certificate works")
    assert await connects(old_credentials), "both work while the principal switches over"

    assert main(["revoke", str(bus.access.directory), name, old]) == 0

    await wait_for(lambda: _refused(old_credentials), what="the revoked certificate to be refused")
    assert await connects(bus.credentials(name))


async def test_nobody_but_the_operators_may_subscribe_to_everything(
    bus: LiveBus, unique_tenant: str
) -> None:
    integration = await add_integration(bus, unique_tenant, "case systems")
    for principal in (integration, MEDIATOR_CLIENT, "notes", "notifications"):
        denied = await _subscription_denied(bus, principal, ">")
        assert denied, f"{principal} could subscribe to '>'"
        assert await _subscription_denied(bus, principal, "_INBOX.>"), principal


async def test_a_bystander_never_sees_another_requesters_reply(
    bus: LiveBus, intake: ServiceProcess, unique_tenant: str
) -> None:
    integration = await add_integration(bus, unique_tenant, "case systems")
    bystander = await bus.connect(integration)
    seen: list[str] = []

    async def note(msg: nats.aio.msg.Msg) -> None:
        seen.append(msg.subject)

    try:
        # What it may subscribe to: its own inbox and its tenant's events. Nothing else.
        await bystander.subscribe(f"_INBOX.{integration}.>", cb=note)
        for attempt in ("_INBOX.>", f"_INBOX.{MEDIATOR_CLIENT}.>", "mediation.cmd.>"):
            assert await _subscription_denied(bus, integration, attempt), attempt

        client = await bus.connect(MEDIATOR_CLIENT)
        try:
            request = ListCases(viewer_id="mediator-7").model_dump_json().encode()
            answer = await client.request(
                command_subject(unique_tenant, "intake", "list_cases"), request, timeout=10
            )
        finally:
            await client.close()
        assert Reply.model_validate_json(answer.data).ok
        assert answer.subject.startswith(f"_INBOX.{MEDIATOR_CLIENT}.")
        await bystander.flush()
        assert seen == []
    finally:
        await bystander.close()


async def test_a_service_cannot_publish_another_producers_event(
    bus: LiveBus, unique_tenant: str
) -> None:
    scenario = Scenario(tenant=unique_tenant)
    forged = scenario.request()  # CaseRequested: produced by outside systems and the client
    errors = BusErrors("notifications")
    notifications = await connect(bus.credentials("notifications"), "test", errors)
    try:
        js = notifications.jetstream()
        with pytest.raises(PublishDenied):
            await errors.guard(
                forged.nats_subject(), js.publish(forged.nats_subject(), forged.to_json())
            )
        ready = f"mediation.v1.{unique_tenant}.case.ready_for_scheduling"
        with pytest.raises(PublishDenied):  # only intake says a case is ready
            await errors.guard(ready, js.publish(ready, b"{}"))
    finally:
        await notifications.close()
    admin = await bus.connect()
    try:
        assert await events_of(admin.jetstream(), unique_tenant) == []
    finally:
        await admin.close()


async def test_an_integration_speaks_only_for_its_own_municipality(
    bus: LiveBus, unique_tenant: str
) -> None:
    integration = await add_integration(bus, unique_tenant, "case systems")
    other_tenant = f"{unique_tenant}-x"
    errors = BusErrors(integration)
    system = await connect(bus.credentials(integration), "test", errors)
    try:
        js = system.jetstream()
        own = Scenario(tenant=unique_tenant).request()
        ack = await errors.guard(own.nats_subject(), js.publish(own.nats_subject(), own.to_json()))
        assert ack.stream == EVENTS_STREAM

        theirs = Scenario(tenant=other_tenant).request()
        with pytest.raises(PublishDenied):
            await errors.guard(
                theirs.nats_subject(), js.publish(theirs.nats_subject(), theirs.to_json())
            )
        # Nor an event the catalog does not let case systems produce, even for its own tenant.
        assigned = Scenario(tenant=unique_tenant).assign()
        with pytest.raises(PublishDenied):
            await errors.guard(
                assigned.nats_subject(), js.publish(assigned.nats_subject(), assigned.to_json())
            )
        # Queries: notes (which checks tokens itself) for its own tenant, never another's,
        # and never intake's, which trusts the viewer it is told.
        for subject in (
            command_subject(other_tenant, "notes", "read_summaries"),
            command_subject(unique_tenant, "intake", "list_cases"),
        ):
            with pytest.raises(PublishDenied):
                await errors.guard(subject, system.request(subject, b"{}", timeout=5))
        own_query = command_subject(unique_tenant, "notes", "read_summaries")
        with pytest.raises(nats.errors.NoRespondersError):  # allowed: no notes runs here
            await errors.guard(own_query, system.request(own_query, b"{}", timeout=5))
    finally:
        await system.close()


async def test_an_integration_hears_only_its_own_municipalitys_events_it_may_hear(
    bus: LiveBus, unique_tenant: str
) -> None:
    integration = await add_integration(
        bus, unique_tenant, "requesting systems", consume="meeting.scheduled"
    )
    admin = await bus.connect()
    system = await bus.connect(integration)
    try:
        subject = f"mediation.v1.{unique_tenant}.meeting.scheduled"
        await admin.jetstream().publish(subject, b'{"heard": true}')
        name = f"{integration}-meeting-scheduled"
        js = system.jetstream()
        pulled = await js.pull_subscribe(
            subject,
            durable=name,
            stream=EVENTS_STREAM,
            config=ConsumerConfig(name=name, ack_policy=AckPolicy.EXPLICIT),
            inbox_prefix=f"_INBOX.{integration}.".encode(),
        )
        [message] = await pulled.fetch(1, timeout=10)
        assert json.loads(message.data) == {"heard": True}
        await message.ack()

        # Another tenant's events, or events its roles do not hear: no consumer.
        for other_subject, other_name in (
            (f"mediation.v1.{unique_tenant}-x.meeting.scheduled", f"{name}-x"),
            (f"mediation.v1.{unique_tenant}.case.requested", f"{integration}-case-requested"),
        ):
            with pytest.raises((*NOT_ALLOWED, APIError)):
                await js.add_consumer(
                    EVENTS_STREAM,
                    ConsumerConfig(name=other_name, filter_subject=other_subject),
                    timeout=3,
                )
        # Nor may it pull from a service's consumer (that would steal intake's events).
        stolen = await js.pull_subscribe_bind(
            "intake-events", EVENTS_STREAM, inbox_prefix=f"_INBOX.{integration}.".encode()
        )
        with pytest.raises(NOT_ALLOWED):
            await stolen.fetch(1, timeout=2)
    finally:
        await system.close()
        await admin.close()


async def test_a_denied_publish_is_an_error_for_the_mediator_client(bus: LiveBus) -> None:
    """The client's own bus wrapper reports a refused publish, not a silent time-out."""
    from mediator_client.bus import BusUnavailable, NatsBus

    client = await NatsBus.connect(bus.credentials(MEDIATOR_CLIENT))
    try:
        with pytest.raises(BusUnavailable, match="PublishDenied"):
            # Only intake may say a case is closed.
            await client.publish("mediation.v1.kk.case.closed", b"{}", secrets.token_hex(8))
    finally:
        await client.close()


async def _subscription_denied(bus: LiveBus, principal: str, subject: str) -> bool:
    denied = asyncio.Event()
    errors = BusErrors(principal)

    async def on_error(error: Exception) -> None:
        await errors.callback(error)
        if "permissions violation for subscription" in str(error).lower():
            denied.set()

    connection = await nats.connect(
        **bus.credentials(principal).connect_options("probe"), error_cb=on_error
    )
    try:
        await connection.subscribe(subject)
        try:
            await asyncio.wait_for(denied.wait(), timeout=5)
        except TimeoutError:
            return False
        return True
    finally:
        await connection.close()


async def _refused(credentials: BusCredentials) -> bool:
    return not await connects(credentials)


def _copy_credentials(bus: LiveBus, name: str) -> BusCredentials:
    """The principal's current files, kept aside before a rotation overwrites them."""
    source = bus.access.credentials_dir(name)
    keep = source.parent / f"{name}.before-rotation"
    keep.mkdir(exist_ok=True)
    for file in ("ca.pem", "cert.pem", "key.pem"):
        (keep / file).write_bytes((source / file).read_bytes())
    return BusCredentials.in_directory(bus.url, keep)
