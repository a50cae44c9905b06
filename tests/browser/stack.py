"""The real stack for the browser tests: intake, scheduling, notes, notifications and insights
as processes (as `make run` starts them), and the mediator client in front of them."""

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mediation_devstack.dev_identity import DevIdentity
from mediator_client.users import add_user
from notes.adapters.proof_keys import make_key_pair

from tests.integration.service_process import ServiceProcess
from tests.proofs import Prover
from tests.secure_bus import LiveBus

PASSWORD = "browser-test-password"
ROOM_NAME = "Mødelokale Øst"
WAITING_ROOM_NAME = "Venterummet"
FOLLOW_UP_AFTER = "PT1M"  # insights: a closed agreement's follow-up is due after a minute
EVALUATION_URL = "https://mediator.invalid/evaluering"  # notifications' links: <this>/<token>
PHONE_LINE = "+45 70 10 20 30"  # the mediators' line parties call (not the office's in mails)
MEDIATORS = (
    ("mediator1", "mediator-1", "Mette Mægler"),
    ("mediator2", "mediator-2", "Mads Mægler"),
    ("mediator3", "mediator-3", "Mia Mægler"),  # the formats test's: its meetings block no one
    ("mediator4", "mediator-4", "Maja Mægler"),  # the agenda test's: books on its own calendar
    ("mediator5", "mediator-5", "Malene Mægler"),  # the shuttle walk's, from request to close
    ("mediator6", "mediator-6", "Mikkel Mægler"),  # the insights test's: its own calendar
)
HEAD_OF_OFFICE = ("kontorchef1", "head-of-office-1", "Karen Kontorchef")


class ClientProcess(ServiceProcess):
    ready_marker = b"mediator client listening on "

    def url(self) -> str:
        found = re.search(r"mediator client listening on (http://[0-9.]+:[0-9]+)", self.logs())
        assert found, self.tail()
        return found.group(1)


@dataclass
class Stack:
    tenant: str
    bus: LiveBus
    prove: Prover
    url: str = ""
    outbox: Path = Path()
    processes: list[ServiceProcess] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def tails(self, lines: int = 15) -> str:
        """The last lines each process logged, without FastStream's per-message chatter."""
        noise = ('"Received"', '"Processed"', "waiting for messages")
        parts = []
        for process in self.processes:
            kept = [x for x in process.logs().splitlines() if not any(n in x for n in noise)]
            parts.append(f"--- {process.service} ---\n" + "\n".join(kept[-lines:]))
        return "\n\n".join(parts)


def quick_meetings_policy(now: datetime | None = None) -> dict[str, object]:
    """Scheduling rules under which a booked meeting begins within a minute or two, so the
    test can mark it held: every day, all day, one-minute steps, short meetings. The office's
    clock is set so that it is midday there now: the day never ends during the test."""
    hour = (now or datetime.now(UTC)).hour
    offset = 12 - hour  # hours ahead of UTC that make it noon locally; -11 ... +12
    return {
        "timezone": f"Etc/GMT{-offset:+d}",  # POSIX sign: Etc/GMT-2 is two hours *ahead*
        "working_days": [1, 2, 3, 4, 5, 6, 7],
        "day_starts": "00:00",
        "day_ends": "23:59",
        "granularity": "PT1M",
        "buffer": "PT1M",
        "pre_meeting_length": "PT1M",  # the shuttle walk holds two before its mediation
        "mediation_length": "PT10M",
        "follow_up_length": "PT5M",
        "rooms": [
            {"id": "room-1", "name": ROOM_NAME},
            {"id": "room-2", "name": "Mødelokale Vest"},
            {"id": "vent-1", "name": WAITING_ROOM_NAME, "waiting_room": True},
            # Enough rooms that the tests' meetings, ten minutes each, do not crowd each other
            # out; taken only when the ones above are busy.
            {"id": "room-3", "name": "Mødelokale Nord"},
            {"id": "vent-2", "name": "Venterum Syd", "waiting_room": True},
        ],
        "address": "Rådhuspladsen 1",
        "phone_number": PHONE_LINE,
    }


@dataclass(frozen=True)
class ProviderSetup:
    """The stack with a real OpenID Connect provider instead of the users file and the
    development identity: the client signs mediators in there (on ``client_port``, the port
    its callback was registered with), notes trusts that provider's tokens only."""

    issuer: str
    jwks_url: str
    client_id: str
    client_secret: str
    client_port: int
    scopes: str
    role_claim: str
    roles: dict[str, str]
    notes_roles: dict[str, str]
    notes_audience: str


def start_stack(
    bus: LiveBus,
    mongodb_url: str,
    base: Path,
    provider: ProviderSetup | None = None,
    tenant: str | None = None,
) -> Stack:
    tenant = tenant or f"b-{secrets.token_hex(4)}"
    identity = DevIdentity.create(base / "dev-identity")
    proof_key, notes_public_key = make_key_pair(identity.directory)
    stack = Stack(
        tenant=tenant,
        bus=bus,
        prove=Prover(identity, notes_public_key),
        outbox=base / "outbox",
    )
    users_file = base / "mediator-users.json"
    for username, staff_id, name in MEDIATORS:
        add_user(
            users_file,
            username=username,
            staff_id=staff_id,
            tenant=tenant,
            display_name=name,
            password=PASSWORD,
        )
    username, staff_id, name = HEAD_OF_OFFICE
    add_user(
        users_file,
        username=username,
        staff_id=staff_id,
        tenant=tenant,
        display_name=name,
        password=PASSWORD,
        role="head_of_office",
    )
    policies = json.dumps({tenant: quick_meetings_policy()})
    services = [
        ServiceProcess("intake", bus, mongodb_url, base / "intake.log"),
        ServiceProcess(
            "scheduling",
            bus,
            mongodb_url,
            base / "scheduling.log",
            SCHEDULING_TENANT_POLICIES=policies,
        ),
        ServiceProcess(
            "notes",
            bus,
            mongodb_url,
            base / "notes.log",
            NOTES_MASTER_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
            NOTES_PROOF_KEY_FILE=str(proof_key),
            **(
                notes_trusting(provider, tenant)
                if provider is not None
                else {
                    "NOTES_JWKS_FILE": str(identity.jwks_path),
                    "NOTES_TOKEN_ISSUER": identity.issuer,
                }
            ),
        ),
        ServiceProcess(
            "notifications",
            bus,
            mongodb_url,
            base / "notifications.log",
            NOTIFICATIONS_MODE="file",
            NOTIFICATIONS_OUTBOX_DIR=str(stack.outbox),
            # The client's port is chosen at start: links name a placeholder host, and a
            # test opens <stack.url>/evaluering/<token> itself.
            NOTIFICATIONS_EVALUATION_URL=EVALUATION_URL,
        ),
        ServiceProcess(
            "insights",
            bus,
            mongodb_url,
            base / "insights.log",
            # A follow-up is due a minute after the close, looked for every second, so a
            # browser test sees it on the mediator's list.
            INSIGHTS_FOLLOW_UP_AFTER=FOLLOW_UP_AFTER,
            INSIGHTS_DUE_CHECK_SECONDS="1",
        ),
    ]
    client = ClientProcess(
        "mediator_client",
        bus,
        mongodb_url,
        base / "mediator_client.log",
        MEDIATOR_NOTES_PUBLIC_KEY_FILE=str(notes_public_key),
        MEDIATOR_SESSION_SECRET=secrets.token_urlsafe(48),
        **(
            client_signing_in_at(provider, tenant)
            if provider is not None
            else {
                "MEDIATOR_PORT": "0",
                "MEDIATOR_USERS_FILE": str(users_file),
                "MEDIATOR_DEV_IDENTITY_DIR": str(identity.directory),
            }
        ),
    )
    try:
        for process in [*services, client]:
            stack.processes.append(process)
            process.start()
    except BaseException:
        stack.stop()
        raise
    stack.url = client.url()
    return stack


def notes_trusting(provider: ProviderSetup, tenant: str) -> dict[str, str]:
    """Notes' settings for the provider's access tokens, as an operator would set them."""
    return {
        "NOTES_JWKS_URL": provider.jwks_url,
        "NOTES_TOKEN_ISSUER": provider.issuer,
        "NOTES_TOKEN_AUDIENCE": provider.notes_audience,
        "NOTES_TOKEN_ROLE_CLAIM": provider.role_claim,
        "NOTES_TOKEN_ROLES": json.dumps(provider.notes_roles),
        "NOTES_TOKEN_TENANT": tenant,
    }


def client_signing_in_at(provider: ProviderSetup, tenant: str) -> dict[str, str]:
    """The client's settings for the provider, as an administrator would set them."""
    return {
        "MEDIATOR_PORT": str(provider.client_port),
        "MEDIATOR_IDENTITY": "oidc",
        "MEDIATOR_OIDC_ISSUER": provider.issuer,
        "MEDIATOR_OIDC_CLIENT_ID": provider.client_id,
        "MEDIATOR_OIDC_CLIENT_SECRET": provider.client_secret,
        "MEDIATOR_OIDC_REDIRECT_URL": f"http://127.0.0.1:{provider.client_port}/auth/callback",
        "MEDIATOR_OIDC_SCOPES": provider.scopes,
        "MEDIATOR_OIDC_ROLE_CLAIM": provider.role_claim,
        "MEDIATOR_OIDC_ROLES": json.dumps(provider.roles),
        "MEDIATOR_OIDC_TENANT": tenant,
    }
