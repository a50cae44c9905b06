"""One-shot: everything the clustered deployment needs that is secret or generated, made once
in ``/secrets`` (the compose file's ``MEDIATION_SECRETS`` directory), never overwritten.

Runs as root in the mediation image (``docker-compose run --rm init``; ``up`` runs it too),
then hands the directory to the image's user (10001), which every process runs as:

    bus/                 the bus: CA, principals, authorization (python -m
                         mediation_runtime.bus_access works on it, e.g. add-integration)
    cluster/             a CA of the NATS routes alone, and the routes' certificate
    nats/                what the NATS nodes mount: server and route TLS, authorization.conf
                         (copied from bus/ and cluster/ at every run: after a bus change, run
                         init again and reload the nodes)
    notes/               master-key, notes-proof-key.json (private), jwks.json (the identity
                         provider's public keys)
    mediator-client/     session-secret, users.json, notes-proof-key.public.json and
                         identity/ (the development identity provider that signs notes tokens)
    gateway/             the HTTP gateway's tls/ (a server certificate of the bus CA),
                         secret-key (seals subscription secrets), jwks.json (the identity
                         provider's public keys), ca.pem and principals.json (the bus's client
                         certificates, copied at every run: after add-integration or revoke,
                         run init again; the gateway re-reads the file)

Replace the development identity provider with the municipality's in production (see
clients/mediator/README.md); everything here is for this deployment alone. That provider,
``mediation_devstack.dev_identity``, is a local-stack tool and not in the image: the compose
file mounts ``deploy/local/src/mediation_devstack`` into this job and puts it on
``PYTHONPATH``.
"""

import base64
import os
import secrets
import shutil
import sys
from pathlib import Path

from mediation_devstack.dev_identity import DevIdentity
from mediation_runtime.bus_access import BusAccess, issue_route_certificates
from mediator_client.users import save_users
from notes.adapters.proof_keys import make_key_pair

ROOT = Path(os.environ.get("SECRETS_DIR", "/secrets"))
OWNER = int(os.environ.get("SECRETS_UID", "10001"))
NODES = [name for name in os.environ.get("NATS_NODES", "nats-1 nats-2 nats-3").split() if name]
# Names clients reach NATS by: the alias every node answers to, each node, and the ports
# published on this machine; add the public name of the bus in NATS_SERVER_NAMES.
SERVER_NAMES = ["nats", *NODES, "localhost", "127.0.0.1"]
SERVER_NAMES += os.environ.get("NATS_SERVER_NAMES", "").split()
# Names callers reach the HTTP gateway by; add its public name in GATEWAY_SERVER_NAMES.
GATEWAY_NAMES = ["gateway", "gateway-1", "gateway-2", "localhost", "127.0.0.1"]
GATEWAY_NAMES += os.environ.get("GATEWAY_SERVER_NAMES", "").split()


def main() -> int:
    ROOT.mkdir(parents=True, exist_ok=True)
    made: list[str] = []
    bus = BusAccess(ROOT / "bus")
    if bus.init(server_names=SERVER_NAMES):
        made.append("bus CA, server and principals' certificates")
    if issue_route_certificates(ROOT / "cluster", NODES):
        made.append("NATS route CA and certificate")
    nats_files(ROOT / "nats")
    notes = ROOT / "notes"
    client = ROOT / "mediator-client"
    notes.mkdir(mode=0o700, exist_ok=True)
    client.mkdir(mode=0o700, exist_ok=True)
    if random_key(notes / "master-key"):
        made.append("notes master key")
    if not (notes / "notes-proof-key.json").exists():
        made.append("notes proof key pair")
    _, public_key = make_key_pair(notes)
    shutil.copyfile(public_key, client / "notes-proof-key.public.json")
    identity = DevIdentity.create(client / "identity")
    shutil.copyfile(identity.jwks_path, notes / "jwks.json")
    (notes / "token-issuer").write_text(identity.issuer + "\n")
    made += gateway_files(bus, ROOT / "gateway", identity.jwks_path)
    if random_key(client / "session-secret", size=48):
        made.append("mediator client session secret")
    if not (client / "users.json").exists():
        save_users(client / "users.json", [])
        made.append("an empty users file (add mediators with mediator_client.users add)")
    hand_over(ROOT)
    print("made: " + "; ".join(made) if made else f"{ROOT}: everything exists, nothing made")
    return 0


def random_key(path: Path, size: int = 32) -> bool:
    if path.exists():
        return False
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(base64.b64encode(secrets.token_bytes(size)).decode() + "\n")
    return True


def gateway_files(bus: BusAccess, directory: Path, jwks: Path) -> list[str]:
    directory.mkdir(mode=0o700, exist_ok=True)
    made = []
    if bus.issue_https_server(directory / "tls", GATEWAY_NAMES):
        made.append("the gateway's TLS certificate")
    if random_key(directory / "secret-key"):
        made.append("the gateway's secret key")
    for name, source in {
        "jwks.json": jwks,
        "ca.pem": bus.directory / "ca.pem",
        "principals.json": bus.directory / "principals.json",
    }.items():
        temporary = directory / f".{name}.tmp"
        shutil.copyfile(source, temporary)
        temporary.replace(directory / name)
    return made


def nats_files(directory: Path) -> None:
    """Only what a node needs, never the CA keys or the principals' keys."""
    directory.mkdir(mode=0o700, exist_ok=True)
    copies = {
        "ca.pem": ROOT / "bus" / "ca.pem",
        "server-cert.pem": ROOT / "bus" / "server" / "cert.pem",
        "server-key.pem": ROOT / "bus" / "server" / "key.pem",
        "authorization.conf": ROOT / "bus" / "authorization.conf",
        "route-ca.pem": ROOT / "cluster" / "ca.pem",
        "route-cert.pem": ROOT / "cluster" / "cert.pem",
        "route-key.pem": ROOT / "cluster" / "key.pem",
    }
    for name, source in copies.items():
        temporary = directory / f".{name}.tmp"
        shutil.copyfile(source, temporary)
        temporary.chmod(0o600 if name.endswith("key.pem") else 0o644)
        temporary.replace(directory / name)  # nodes see the new file, never half of it


def hand_over(root: Path) -> None:
    """Everything to the image's user; keys stay readable by it alone."""
    root.chmod(0o700)
    for path in [root, *root.rglob("*")]:
        os.chown(path, OWNER, OWNER, follow_symlinks=False)


if __name__ == "__main__":
    sys.exit(main())
