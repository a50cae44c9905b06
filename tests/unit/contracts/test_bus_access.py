"""Who may say and hear what on the bus follows from the contract, and the services ask for no
more and no less than the permissions the contract gives them."""

from pathlib import Path

import pytest
from insights.entrypoints import subscribers as insights
from intake.entrypoints import subscribers as intake
from mediation_contracts.access import (
    ADMIN,
    COMMAND_CALLERS,
    GATEWAY,
    MEDIATOR_CLIENT,
    SERVICES,
    AccessError,
    Principal,
    permissions_for,
)
from mediation_contracts.commands import (
    COMMANDS,
    DATA_HOLDERS,
    DATA_PROTECTION_OFFICE,
    data_rights_commands,
)
from mediation_contracts.streams import consumer_name, events_consumer
from mediation_runtime.bus_access import AUTHORIZATION, BusAccess
from nats.nuid import NUID
from notes.entrypoints import subscribers as notes
from notifications.entrypoints import subscribers as notifications
from scheduling.entrypoints import subscribers as scheduling

SUBSCRIBERS = {
    "intake": intake,
    "scheduling": scheduling,
    "notes": notes,
    "notifications": notifications,
    "insights": insights,
}


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` one token, ``>`` the rest."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or (token != "*" and token != have[index]):
            return False
    return len(want) == len(have)


def may(patterns: tuple[str, ...], subject: str) -> bool:
    return any(matches(pattern, subject) for pattern in patterns)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_may_publish_and_consume_exactly_what_it_declares(service: str) -> None:
    module = SUBSCRIBERS[service]
    permissions = permissions_for(Principal(service, "service"))
    for event in module.PUBLISHES:
        assert may(permissions.publish, f"mediation.v1.kk.{event.aggregate}.{event.event}")
    name = events_consumer(service)
    assert may(permissions.publish, f"$JS.API.CONSUMER.CREATE.MEDIATION.{name}")
    assert may(permissions.publish, f"$JS.API.CONSUMER.MSG.NEXT.MEDIATION.{name}")
    assert may(permissions.publish, f"$JS.ACK.MEDIATION.{name}.1.2.3.4.5")
    for event in module.CONSUMES:
        # The per-type consumers of earlier versions: read where they stood, then delete.
        legacy = consumer_name(service, event.aggregate, event.event)
        assert may(permissions.publish, f"$JS.API.CONSUMER.DELETE.MEDIATION.{legacy}")
        assert not may(permissions.publish, f"$JS.API.CONSUMER.MSG.NEXT.MEDIATION.{legacy}")
    assert not may(permissions.publish, "$JS.API.CONSUMER.DELETE.MEDIATION.notes-events")
    # Every service that keeps personal data also answers the data-rights commands (served
    # by mediation_runtime.personal_data, not listed in the subscribers module).
    served = set(getattr(module, "COMMANDS", {})) | set(data_rights_commands(service))
    assert served == set(COMMAND_CALLERS[service])
    for command in served:
        assert may(permissions.subscribe, f"mediation.cmd.v1.kk.{service}.{command}")
    assert may(permissions.publish, f"mediation.dlq.{service}")
    assert permissions.allow_responses


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_may_not_publish_what_others_produce(service: str) -> None:
    permissions = permissions_for(Principal(service, "service"))
    own = {(e.aggregate, e.event) for e in SUBSCRIBERS[service].PUBLISHES}
    for aggregate, event in (
        ("case", "requested"),
        ("mediator", "assigned"),
        ("case", "ready_for_scheduling"),
        ("summary", "recorded"),
    ):
        if (aggregate, event) not in own:
            assert not may(permissions.publish, f"mediation.v1.kk.{aggregate}.{event}")
    other = next(s for s in SERVICES if s != service)
    assert not may(permissions.publish, f"mediation.dlq.{other}")
    assert not may(permissions.subscribe, ">")
    assert not may(permissions.subscribe, f"_INBOX.{other}.x")


def test_only_the_mediator_client_may_assign_a_mediator_or_speak_about_summaries() -> None:
    producers = {
        name: permissions_for(Principal(name, kind)).publish
        for name, kind in [(s, "service") for s in SERVICES] + [(MEDIATOR_CLIENT, "client")]
    }
    for subject in (
        "mediation.v1.kk.mediator.assigned",
        "mediation.v1.kk.summary.consent_given",
        "mediation.v1.kk.summary.sharing_agreed",
    ):
        allowed = [name for name, publish in producers.items() if may(publish, subject)]
        assert allowed == [MEDIATOR_CLIENT], subject


def test_an_integration_is_confined_to_its_tenant_and_its_roles() -> None:
    system = Principal("kk-portal", "integration", "kk", ("citizen portal",))
    permissions = permissions_for(system)
    assert may(permissions.publish, "mediation.v1.kk.case.requested")
    assert may(permissions.publish, "mediation.v1.kk.consent.given")
    assert not may(permissions.publish, "mediation.v1.aarhus.case.requested")
    assert not may(permissions.publish, "mediation.v1.kk.mediator.assigned")
    assert not may(permissions.publish, "mediation.v1.kk.case.closed")
    assert may(permissions.publish, "mediation.cmd.v1.kk.notes.read_summaries")
    assert not may(permissions.publish, "mediation.cmd.v1.aarhus.notes.read_summaries")
    assert not may(permissions.publish, "mediation.cmd.v1.kk.intake.get_case")
    assert may(permissions.subscribe, f"_INBOX.kk-portal.{NUID().next().decode()}.1")
    assert not may(permissions.subscribe, "_INBOX.mediator-client.x")
    assert not may(permissions.subscribe, ">")
    assert permissions.inbox_prefix == "_INBOX.kk-portal"


def test_an_integration_hears_personal_events_only_where_the_catalog_says_so() -> None:
    with pytest.raises(AccessError, match="personal"):
        Principal("kk-esdh", "integration", "kk", ("case systems",), ("case.closed",))
    hears = Principal("kk-esdh", "integration", "kk", ("case systems",), ("meeting.scheduled",))
    assert may(permissions_for(hears).subscribe, "mediation.v1.kk.meeting.scheduled")
    assert not may(permissions_for(hears).subscribe, "mediation.v1.aarhus.meeting.scheduled")
    with pytest.raises(AccessError, match="unknown event"):
        Principal("kk-esdh", "integration", "kk", ("case systems",), ("meeting.eaten",))
    with pytest.raises(AccessError, match="roles"):
        Principal("kk-esdh", "integration", "kk", ("mediator client",))
    with pytest.raises(AccessError, match="municipality"):
        Principal("kk-esdh", "integration", None, ("case systems",))


def test_the_gateway_is_a_data_holder_answering_access_and_erasure_only() -> None:
    """Its delivery records keep copies of events sent to subscribing systems: the data
    protection office asks it like any service; a copy already sent is not corrected."""
    assert "gateway" in DATA_HOLDERS
    assert set(COMMANDS["gateway"]) == {"personal_data", "erase_person"}
    assert set(COMMAND_CALLERS[GATEWAY]) == {"personal_data", "erase_person"}
    assert all(
        callers == (DATA_PROTECTION_OFFICE,) for callers in COMMAND_CALLERS[GATEWAY].values()
    )
    permissions = permissions_for(Principal(GATEWAY, "gateway"))
    for command in ("personal_data", "erase_person"):
        assert may(permissions.subscribe, f"mediation.cmd.v1.kk.gateway.{command}")
    assert not may(permissions.subscribe, "mediation.cmd.v1.kk.gateway.correct_person")
    assert not may(permissions.subscribe, "mediation.cmd.v1.kk.intake.personal_data")
    assert permissions.allow_responses  # it answers, as the services do, on the asker's inbox
    assert not may(permissions.publish, "mediation.cmd.v1.kk.gateway.personal_data")
    assert not may(permissions.subscribe, ">")


def test_the_data_protection_office_may_ask_the_gateway_for_its_own_municipality_only() -> None:
    office = Principal("kk-dpo", "integration", "kk", (DATA_PROTECTION_OFFICE,))
    publish = permissions_for(office).publish
    assert may(publish, "mediation.cmd.v1.kk.gateway.personal_data")
    assert may(publish, "mediation.cmd.v1.kk.gateway.erase_person")
    assert not may(publish, "mediation.cmd.v1.kk.gateway.correct_person")
    assert not may(publish, "mediation.cmd.v1.aarhus.gateway.personal_data")
    # Another outside role may not ask the gateway about a person.
    portal = Principal("kk-portal", "integration", "kk", ("citizen portal", "case systems"))
    assert not may(permissions_for(portal).publish, "mediation.cmd.v1.kk.gateway.personal_data")


def test_the_authorization_lists_each_valid_certificate_and_nothing_else(tmp_path: Path) -> None:
    access = BusAccess(tmp_path / "bus")
    assert access.init()
    assert not access.init()  # once
    entry = access.add_integration("kk-esdh", "kk", ["case systems"])
    first = entry.certificates[0]
    second = access.rotate("kk-esdh")
    conf = (tmp_path / "bus" / AUTHORIZATION).read_text()
    assert first.dn in conf
    assert second.dn in conf
    assert f"CN=kk-esdh,OU={second.id},O=mediation" == second.dn
    for principal in (*SERVICES, MEDIATOR_CLIENT, ADMIN):
        assert f'"CN={principal},OU=' in conf

    access.revoke("kk-esdh", first.id)
    conf = (tmp_path / "bus" / AUTHORIZATION).read_text()
    assert first.dn not in conf
    assert second.dn in conf
    access.remove("kk-esdh")
    assert "kk-esdh" not in (tmp_path / "bus" / AUTHORIZATION).read_text()
    key = access.credentials_dir("intake") / "key.pem"
    assert key.stat().st_mode & 0o077 == 0  # private keys are for their owner only


def test_services_cannot_be_removed_and_names_are_checked(tmp_path: Path) -> None:
    access = BusAccess(tmp_path / "bus")
    access.init()
    with pytest.raises(AccessError):
        access.remove("notes")
    with pytest.raises(AccessError):
        access.add_integration("KK esdh", "kk", ["case systems"])
    with pytest.raises(AccessError, match="exists"):
        access.add_integration("intake", "kk", ["case systems"])


def test_the_routes_get_a_ca_of_their_own_and_a_certificate_for_both_ends(
    tmp_path: Path,
) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from mediation_runtime.bus_access import issue_route_certificates, main

    bus = BusAccess(tmp_path / "bus")
    bus.init(["nats"])
    assert main(["routes", str(tmp_path / "routes"), "--name", "nats-1", "--name", "nats-2"]) == 0
    routes = tmp_path / "routes"
    ca = x509.load_pem_x509_certificate((routes / "ca.pem").read_bytes())
    cert = x509.load_pem_x509_certificate((routes / "cert.pem").read_bytes())
    bus_ca = x509.load_pem_x509_certificate((bus.directory / "ca.pem").read_bytes())
    assert ca.subject != bus_ca.subject, "a client's certificate must not pass as a route"
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usage) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["nats-1", "nats-2"]
    assert oct((routes / "ca.key").stat().st_mode & 0o777) == "0o600"
    before = (routes / "cert.pem").read_bytes()
    assert not issue_route_certificates(routes, ["other"]), "nothing is overwritten"
    assert (routes / "cert.pem").read_bytes() == before


def strict_handshake(
    ca: Path, server: Path, client: Path, hostname: str, client_ca: Path | None = None
) -> None:
    """A TLS handshake in memory, each side verifying the other with
    ``VERIFY_X509_STRICT``, the default of Python 3.13's contexts: raises
    :class:`ssl.SSLCertVerificationError` when a chain is not good enough for it."""
    import ssl

    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=client_ca or ca)
    serving.load_cert_chain(server / "cert.pem", server / "key.pem")
    serving.verify_mode = ssl.CERT_REQUIRED
    connecting = ssl.create_default_context(cafile=ca)
    connecting.load_cert_chain(client / "cert.pem", client / "key.pem")
    for context in (serving, connecting):
        context.verify_flags |= ssl.VERIFY_X509_STRICT
    into_client, from_client, into_server, from_server = (ssl.MemoryBIO() for _ in range(4))
    ends = [
        (
            connecting.wrap_bio(into_client, from_client, server_hostname=hostname),
            from_client,
            into_server,
        ),
        (serving.wrap_bio(into_server, from_server, server_side=True), from_server, into_client),
    ]
    pending = {0, 1}
    for _ in range(20):
        for index, (end, outgoing, peer) in enumerate(ends):
            if index in pending:
                try:
                    end.do_handshake()
                    pending.discard(index)
                except ssl.SSLWantReadError:
                    pass
            peer.write(outgoing.read())
        if not pending:
            return
    raise AssertionError("the handshake did not finish")


def test_every_certificate_passes_a_strict_tls_handshake(tmp_path: Path) -> None:
    """Both key identifiers on every certificate (RFC 5280): Python 3.13 refuses a chain
    without them by default, so a service or client on it could not connect otherwise."""
    from mediation_runtime.bus_access import issue_route_certificates

    bus = BusAccess(tmp_path / "bus")
    bus.init(["localhost", "127.0.0.1"])
    bus.add_integration("kk-esdh", "kk", ["case systems"])
    assert bus.issue_https_server(tmp_path / "https", ["gateway.local"])
    ca = bus.directory / "ca.pem"
    for principal in ("intake", MEDIATOR_CLIENT, "kk-esdh"):
        strict_handshake(ca, bus.directory / "server", bus.credentials_dir(principal), "localhost")
        strict_handshake(ca, bus.directory / "server", bus.credentials_dir(principal), "127.0.0.1")
        strict_handshake(ca, tmp_path / "https", bus.credentials_dir(principal), "gateway.local")
    routes = tmp_path / "routes"
    issue_route_certificates(routes, ["nats-1"])
    strict_handshake(routes / "ca.pem", routes, routes, "nats-1")
