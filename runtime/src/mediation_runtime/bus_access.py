"""Operator tool: the bus's certificates, principals and NATS authorization, from the contract.

    python -m mediation_runtime.bus_access init DIR
    python -m mediation_runtime.bus_access add-integration DIR kk-esdh --tenant kk \\
        --role "case systems" --role "requesting systems" [--consume meeting.scheduled]
    python -m mediation_runtime.bus_access rotate DIR kk-esdh
    python -m mediation_runtime.bus_access revoke DIR kk-esdh <certificate id>
    python -m mediation_runtime.bus_access remove DIR kk-esdh
    python -m mediation_runtime.bus_access list DIR
    python -m mediation_runtime.bus_access show DIR kk-esdh

``DIR`` holds ``principals.json`` (who exists: services, the mediator client, the operators'
admin, each municipal integration, and the certificates each may connect with), the
generated ``authorization.conf`` that nats-server includes, the server's TLS files and, per
principal, ``principals/<name>/{ca,cert,key}.pem`` to hand to that principal.

Each client certificate's subject is ``CN=<principal>,OU=<certificate id>,O=mediation``, and
nats-server maps it to a user (``verify_and_map``), so a certificate that is not listed
(revoked, or from another CA) cannot connect. Rotating issues a second certificate; once the
principal uses it, revoking the first takes effect at the server's next reload.

``init`` makes a CA for development (``ca.key`` stays in ``DIR``). With the operator's own PKI,
put its CA certificate in ``DIR/ca.pem`` without a key and pass ``--cert FILE`` (a certificate
whose CN is the principal's name) to ``add-integration``/``rotate`` instead of issuing.
Changes rewrite ``authorization.conf`` and, when ``DIR/nats.pid`` names a running server
(the local stack), signal it to reload.
"""

import argparse
import datetime
import ipaddress
import json
import os
import secrets
import signal
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from mediation_contracts.access import (
    ADMIN,
    GATEWAY,
    MEDIATOR_CLIENT,
    OUTSIDE_ROLES,
    SERVICES,
    AccessError,
    Principal,
    PrincipalKind,
    permissions_for,
)

ORGANIZATION = "mediation"
DEFAULT_DAYS = 397  # the longest validity browsers accept for TLS; rotate yearly
CA_DAYS = 3650
REGISTRY = "principals.json"
AUTHORIZATION = "authorization.conf"
SERVER_CONF = "nats-server.conf"
PID_FILE = "nats.pid"


@dataclass
class Certificate:
    id: str
    dn: str
    not_after: str


@dataclass
class Entry:
    name: str
    kind: PrincipalKind
    tenant: str | None = None
    roles: list[str] = field(default_factory=list)
    consume: list[str] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)

    def principal(self) -> Principal:
        return Principal(self.name, self.kind, self.tenant, tuple(self.roles), tuple(self.consume))


def read_registry(path: Path) -> dict[str, Entry]:
    """The principals of a ``principals.json`` (none if it does not exist); the HTTP gateway
    reads the same file to know the integrations' client certificates."""
    if not path.exists():
        return {}
    document = json.loads(path.read_text())
    return {
        item["name"]: Entry(
            **{k: v for k, v in item.items() if k != "certificates"},
            certificates=[Certificate(**c) for c in item.get("certificates", [])],
        )
        for item in document["principals"]
    }


class BusAccess:
    """The principals of one bus, kept in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    # --- registry ---------------------------------------------------------------------------

    def entries(self) -> dict[str, Entry]:
        return read_registry(self.directory / REGISTRY)

    def _save(self, entries: dict[str, Entry]) -> None:
        document = {"principals": [asdict(entry) for entry in entries.values()]}
        _write(self.directory / REGISTRY, json.dumps(document, indent=2) + "\n")
        _write(self.directory / AUTHORIZATION, render_authorization(entries.values()))

    # --- the CA and the server ----------------------------------------------------------------

    def init(self, server_names: Sequence[str] = ("localhost", "127.0.0.1")) -> bool:
        """Make the CA, the server certificate and the system's own principals once.
        True if anything was made."""
        self.directory.mkdir(parents=True, exist_ok=True)
        made = False
        if not (self.directory / "ca.pem").exists():
            key = _new_key()
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mediation bus CA (dev)")])
            ca = (
                _builder(name, name, key.public_key(), CA_DAYS)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_key_usage(cert_sign=True), critical=True)
                .sign(key, hashes.SHA256())
            )
            _write_key(self.directory / "ca.key", key)
            _write(self.directory / "ca.pem", _pem(ca))
            made = True
        if not (self.directory / "server" / "cert.pem").exists():
            self._issue_server(server_names)
            made = True
        entries = self.entries()
        own: list[tuple[str, PrincipalKind]] = [(s, "service") for s in SERVICES]
        own += [(MEDIATOR_CLIENT, "client"), (GATEWAY, "gateway"), (ADMIN, "admin")]
        for principal, kind in own:
            if principal not in entries:
                entries[principal] = Entry(principal, kind)
                entries[principal].certificates.append(self._issue(principal))
                made = True
        if made or not (self.directory / AUTHORIZATION).exists():
            self._save(entries)
        self.write_server_conf()
        return made

    def issue_https_server(self, directory: Path, names: Sequence[str]) -> bool:
        """A TLS server certificate of this CA for the HTTP gateway in ``directory``
        (``cert.pem``, ``key.pem``), made once: a client that trusts the bus's CA trusts it,
        and its client certificates work there too. True if it was made."""
        if (directory / "cert.pem").exists():
            return False
        self._issue_server(names, directory, "mediation-gateway")
        return True

    def _issue_server(
        self, names: Sequence[str], directory: Path | None = None, common_name: str = "nats-server"
    ) -> None:
        ca_key, ca = self._ca()
        key = _new_key()
        alt = _general_names(names)
        subject = _name((common_name,))
        certificate = (
            _builder(subject, ca.subject, key.public_key(), DEFAULT_DAYS, ca.public_key())
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(_key_usage(), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        server = directory or self.directory / "server"
        _write_key(server / "key.pem", key)
        _write(server / "cert.pem", _pem(certificate))

    def write_server_conf(self) -> Path:
        """The TLS and authorization part of nats-server's configuration; listen address,
        JetStream and cluster settings come from the command line or the operator's file."""
        d = self.directory.resolve()
        text = (
            "# Generated by `python -m mediation_runtime.bus_access`; do not edit.\n"
            "tls {\n"
            f"  cert_file: {json.dumps(str(d / 'server' / 'cert.pem'))}\n"
            f"  key_file: {json.dumps(str(d / 'server' / 'key.pem'))}\n"
            f"  ca_file: {json.dumps(str(d / 'ca.pem'))}\n"
            "  # The client certificate is the credential: no certificate, no connection,\n"
            "  # and its subject must be a user of authorization.conf.\n"
            "  verify_and_map: true\n"
            "  timeout: 5\n"
            "}\n"
            f"include {json.dumps(AUTHORIZATION)}\n"
        )
        path = self.directory / SERVER_CONF
        _write(path, text)
        return path

    def _ca(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key_path = self.directory / "ca.key"
        if not key_path.exists():
            raise AccessError(
                f"no CA key in {self.directory}: this bus uses the operator's own CA; "
                "pass --cert with a certificate it issued"
            )
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        ca = x509.load_pem_x509_certificate((self.directory / "ca.pem").read_bytes())
        return key, ca

    # --- principals ---------------------------------------------------------------------------

    def _issue(self, name: str, days: int = DEFAULT_DAYS) -> Certificate:
        ca_key, ca = self._ca()
        key = _new_key()
        cert_id = secrets.token_hex(4)
        subject = _name((name, cert_id))
        certificate = (
            _builder(subject, ca.subject, key.public_key(), days, ca.public_key())
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
            .add_extension(_key_usage(), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        folder = self.directory / "principals" / name
        _write_key(folder / "key.pem", key)
        _write(folder / "cert.pem", _pem(certificate))
        _write(folder / "ca.pem", (self.directory / "ca.pem").read_text())
        return _described(certificate, cert_id)

    def _register(self, name: str, cert_file: Path) -> Certificate:
        certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
        common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not common_names or common_names[0].value != name:
            raise AccessError(f"the certificate's CN must be the principal's name {name!r}")
        return _described(certificate, format(certificate.serial_number, "x")[-8:])

    def _certificate(self, name: str, cert_file: Path | None) -> Certificate:
        return self._issue(name) if cert_file is None else self._register(name, cert_file)

    def add_integration(
        self,
        name: str,
        tenant: str,
        roles: Iterable[str],
        consume: Iterable[str] = (),
        cert_file: Path | None = None,
    ) -> Entry:
        entries = self.entries()
        if name in entries:
            raise AccessError(f"{name!r} exists; `rotate` gives it a new certificate")
        entry = Entry(name, "integration", tenant, sorted(set(roles)), sorted(set(consume)))
        entry.principal()  # validates tenant, roles and events against the contract
        entry.certificates.append(self._certificate(name, cert_file))
        entries[name] = entry
        self._save(entries)
        return entry

    def rotate(self, name: str, cert_file: Path | None = None) -> Certificate:
        entries = self.entries()
        entry = _existing(entries, name)
        certificate = self._certificate(name, cert_file)
        entry.certificates.append(certificate)
        self._save(entries)
        return certificate

    def revoke(self, name: str, cert_id: str) -> None:
        entries = self.entries()
        entry = _existing(entries, name)
        kept = [c for c in entry.certificates if c.id != cert_id]
        if len(kept) == len(entry.certificates):
            raise AccessError(f"{name!r} has no certificate {cert_id!r}")
        entry.certificates = kept
        self._save(entries)

    def remove(self, name: str) -> None:
        entries = self.entries()
        _existing(entries, name)
        if entries[name].kind != "integration":
            raise AccessError("only integrations are removed; services are part of the system")
        del entries[name]
        self._save(entries)

    def credentials_dir(self, name: str) -> Path:
        return self.directory / "principals" / name

    def reload_server(self) -> int | None:
        """Signal the local nats-server (``DIR/nats.pid``) to reload; its pid, if it ran."""
        try:
            pid = int((self.directory / PID_FILE).read_text().strip())
            os.kill(pid, signal.SIGHUP)
        except (OSError, ValueError):
            return None
        return pid


def render_authorization(entries: Iterable[Entry]) -> str:
    """nats-server's ``authorization`` block: one user per certificate subject."""
    users = []
    for entry in entries:
        permissions = permissions_for(entry.principal())
        rules: dict[str, Any] = {
            "publish": {"allow": list(permissions.publish)},
            "subscribe": {"allow": list(permissions.subscribe)},
        }
        if permissions.allow_responses:
            rules["allow_responses"] = True
        for certificate in entry.certificates:
            users.append(
                f"    # {entry.kind} {entry.name}"
                + (f" ({entry.tenant})" if entry.tenant else "")
                + f", certificate {certificate.id} until {certificate.not_after}\n"
                + f"    {{user: {json.dumps(certificate.dn)}, permissions: {json.dumps(rules)}}}"
            )
    return (
        "# Generated by `python -m mediation_runtime.bus_access` from principals.json and the\n"
        "# event contract (mediation_contracts.access); do not edit.\n"
        "authorization {\n  users = [\n" + ",\n".join(users) + "\n  ]\n}\n"
    )


def _existing(entries: dict[str, Entry], name: str) -> Entry:
    if name not in entries:
        raise AccessError(f"no principal {name!r}")
    return entries[name]


def issue_route_certificates(
    directory: Path, names: Sequence[str], days: int = DEFAULT_DAYS
) -> bool:
    """The routes between the nodes of a NATS cluster: a CA of their own, used for nothing
    else (with the bus CA, any client's certificate would pass a route's ``verify``), and
    one certificate naming every node, for server and client use (a node accepts some
    routes and opens others). Writes ``ca.pem``, ``ca.key``, ``cert.pem`` and ``key.pem``
    in ``directory``; False when they exist already (nothing is overwritten)."""
    if (directory / "cert.pem").exists():
        return False
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key = _new_key()
    ca_name = _name(("nats-routes-ca",))
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), 3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = _new_key()
    certificate = (
        _builder(_name(("nats-route",)), ca_name, key.public_key(), days, ca.public_key())
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(_key_usage(), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(directory / "ca.key", ca_key)
    _write(directory / "ca.pem", _pem(ca))
    _write_key(directory / "key.pem", key)
    _write(directory / "cert.pem", _pem(certificate))
    return True


def _general_names(names: Sequence[str]) -> list[x509.GeneralName]:
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    return alt


def _name(parts: tuple[str, ...]) -> x509.Name:
    """``CN=<name>[,OU=<id>],O=mediation`` (nats-server prints it in this order)."""
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)]
    if len(parts) > 1:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, parts[1]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, parts[0]))
    return x509.Name(attributes)


def _described(certificate: x509.Certificate, cert_id: str) -> Certificate:
    return Certificate(
        cert_id,
        certificate.subject.rfc4514_string(),
        certificate.not_valid_after_utc.date().isoformat(),
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: Any, days: int, issuer_key: Any = None
) -> x509.CertificateBuilder:
    """A certificate of ``public_key`` signed with ``issuer_key``'s private half (its own for
    a CA). It carries both key identifiers, as RFC 5280 asks of a CA's certificates: strict
    verifiers (Python 3.13's default ``VERIFY_X509_STRICT``) refuse a chain without them."""
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key or public_key),
            critical=False,
        )
    )


def _key_usage(cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mediation_runtime.bus_access",
        description="Certificates and NATS permissions of the mediation bus.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="CA, server certificate and the system's principals")
    init.add_argument("dir", type=Path)
    init.add_argument("--server-name", action="append", help="host name or IP (repeatable)")
    add = commands.add_parser("add-integration", help="a municipal system and its permissions")
    add.add_argument("dir", type=Path)
    add.add_argument("name")
    add.add_argument("--tenant", required=True, help="the municipality's slug, e.g. kk")
    add.add_argument("--role", action="append", required=True, choices=OUTSIDE_ROLES)
    add.add_argument("--consume", action="append", default=[], help="aggregate.event to hear")
    add.add_argument("--cert", type=Path, help="a certificate from the operator's CA")
    rotate = commands.add_parser("rotate", help="a new certificate; the old one stays valid")
    rotate.add_argument("dir", type=Path)
    rotate.add_argument("name")
    rotate.add_argument("--cert", type=Path, help="a certificate from the operator's CA")
    revoke = commands.add_parser("revoke", help="one certificate of a principal")
    revoke.add_argument("dir", type=Path)
    revoke.add_argument("name")
    revoke.add_argument("cert_id")
    remove = commands.add_parser("remove", help="an integration and all its certificates")
    remove.add_argument("dir", type=Path)
    remove.add_argument("name")
    routes = commands.add_parser(
        "routes", help="a CA and certificate of a NATS cluster's routes (in a directory of its own)"
    )
    routes.add_argument("dir", type=Path)
    routes.add_argument("--name", action="append", required=True, help="each node's host name")
    for name, text in (("list", "every principal"), ("show", "one principal's permissions")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("dir", type=Path)
        if name == "show":
            sub.add_argument("name")
    args = parser.parse_args(argv)
    if args.command == "routes":
        made = issue_route_certificates(args.dir, args.name)
        print(f"route certificates in {args.dir}" + ("" if made else " (unchanged)"))
        return 0
    access = BusAccess(args.dir)
    try:
        changed = _run(access, args)
    except (AccessError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if changed and (pid := access.reload_server()) is not None:
        print(f"nats-server (pid {pid}) reloads the new permissions")
    elif changed:
        print(f"reload nats-server to apply {args.dir / AUTHORIZATION} (kill -HUP <pid>)")
    return 0


def _run(access: BusAccess, args: argparse.Namespace) -> bool:
    if args.command == "init":
        names = args.server_name or ["localhost", "127.0.0.1"]
        made = access.init(names)
        print(f"bus credentials in {args.dir}" + ("" if made else " (unchanged)"))
        return made
    if args.command == "add-integration":
        entry = access.add_integration(args.name, args.tenant, args.role, args.consume, args.cert)
        print(
            f"{entry.name}: certificate {entry.certificates[-1].id}; credentials in "
            f"{access.credentials_dir(entry.name)} (hand over ca.pem, cert.pem, key.pem)"
        )
        _print_permissions(entry)
        return True
    if args.command == "rotate":
        certificate = access.rotate(args.name, args.cert)
        print(
            f"{args.name}: new certificate {certificate.id} in "
            f"{access.credentials_dir(args.name)}; revoke the old one once it is in use"
        )
        return True
    if args.command == "revoke":
        access.revoke(args.name, args.cert_id)
        print(f"{args.name}: certificate {args.cert_id} revoked")
        return True
    if args.command == "remove":
        access.remove(args.name)
        print(f"{args.name}: removed")
        return True
    entries = access.entries()
    if args.command == "show":
        _print_permissions(_existing(entries, args.name))
        return False
    for entry in entries.values():
        ids = ", ".join(f"{c.id} (until {c.not_after})" for c in entry.certificates)
        tenant = f" [{entry.tenant}]" if entry.tenant else ""
        print(f"{entry.name:<24} {entry.kind:<12}{tenant} certificates: {ids or 'none'}")
    return False


def _print_permissions(entry: Entry) -> None:
    permissions = permissions_for(entry.principal())
    print("  may publish:   " + "\n                 ".join(permissions.publish))
    print("  may subscribe: " + "\n                 ".join(permissions.subscribe))


if __name__ == "__main__":
    sys.exit(main())
