"""The tests' view of the secured bus: the server's URL and every principal's certificate.

The tests start nats-server exactly as `make run` does (TLS, client certificates mapped to
principals, permissions from the contract), so every test runs with security on. Tests act
as the principal they need: services run with their own certificates, and test code that
observes or publishes as "anyone" uses the operators' admin certificate unless it means to
try what a particular principal may do.
"""

from dataclasses import dataclass
from typing import Any

from mediation_contracts.access import ADMIN, MEDIATOR_CLIENT
from mediation_runtime.bus import BusCredentials, connect
from mediation_runtime.bus_access import BusAccess
from nats.aio.client import Client

CLIENT_PROCESS = "mediator_client"


def principal_of(process: str) -> str:
    """The principal a process (``python -m <process>``) connects as."""
    return MEDIATOR_CLIENT if process == CLIENT_PROCESS else process


@dataclass(frozen=True)
class LiveBus:
    url: str
    access: BusAccess

    def credentials(self, principal: str = ADMIN) -> BusCredentials:
        return BusCredentials.in_directory(self.url, self.access.credentials_dir(principal))

    def env(self, principal: str) -> dict[str, str]:
        """Environment of a process connecting as ``principal``."""
        credentials = self.credentials(principal)
        return {
            "NATS_URL": self.url,
            "NATS_CA_FILE": str(credentials.ca_file),
            "NATS_CERT_FILE": str(credentials.cert_file),
            "NATS_KEY_FILE": str(credentials.key_file),
        }

    async def connect(self, principal: str = ADMIN, **options: Any) -> Client:
        return await connect(self.credentials(principal), f"test-{principal}", **options)
