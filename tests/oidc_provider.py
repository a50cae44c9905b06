"""A real OpenID Connect provider for the tests: Dex (built by ``make setup``), with static users
whose groups say their role, as a municipality's provider would.

Dex's access tokens are JWTs signed with its own keys. The mediator client asks for the scope
``audience:server:client_id:mediation-notes``, so the access token's ``aud`` names notes (a
client Dex knows, which trusts the mediator client), as an API's audience would at Entra ID.
Dex carries no custom claims: the role comes from ``groups`` through a table, the municipality
is fixed per provider (``MEDIATOR_OIDC_TENANT``, ``NOTES_TOKEN_TENANT``).
"""

import asyncio
import base64
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx2
from mediation_devstack.ports import free_port
from mediation_devstack.servers import Server, start_dex

PASSWORD = "password"
# bcrypt of "password" (cost 10), as in Dex's own example configuration.
PASSWORD_HASH = "$2a$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W"
CLIENT_ID = "mediator-client"
NOTES_AUDIENCE = "mediation-notes"
MEDIATOR_GROUP = "maeglere"
HEAD_GROUP = "kontorchefer"
ROLE_TABLE = {MEDIATOR_GROUP: "mediator", HEAD_GROUP: "head_of_office"}
NOTES_ROLE_TABLE = {MEDIATOR_GROUP: "mediator"}
SCOPES = f"openid profile email groups offline_access audience:server:client_id:{NOTES_AUDIENCE}"


@dataclass(frozen=True)
class DexUser:
    email: str
    name: str
    user_id: str
    groups: tuple[str, ...] = (MEDIATOR_GROUP,)

    @property
    def subject(self) -> str:
        """Dex's ``sub`` for this user of its password database: its user id and connector
        (``local``) as a protobuf message, base64url without padding."""
        message = b""
        for tag, value in ((0x0A, self.user_id), (0x12, "local")):
            raw = value.encode()
            message += bytes([tag, len(raw)]) + raw
        return base64.urlsafe_b64encode(message).rstrip(b"=").decode()


@dataclass
class Dex:
    """One running Dex: ``issuer``, its users and the client secret it knows us by."""

    issuer: str
    server: Server
    users: list[DexUser]
    client_secret: str
    redirect_urls: list[str] = field(default_factory=list)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/keys"

    async def stop(self) -> None:
        await self.server.stop()


async def start(
    base: Path,
    users: list[DexUser],
    redirect_urls: list[str],
    *,
    token_lifetime: str = "10m",  # noqa: S107 - a duration, not a password
    name: str = "dex",
) -> Dex:
    """Dex on a free loopback port, its state in memory, its config and log in ``base``."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/dex"
    secret = base64.urlsafe_b64encode(name.encode() * 4).decode()
    config = {
        "issuer": issuer,
        "storage": {"type": "memory"},
        "web": {"http": f"127.0.0.1:{port}"},
        "logger": {"level": "info", "format": "json"},
        "oauth2": {"skipApprovalScreen": True, "responseTypes": ["code"]},
        "expiry": {"idTokens": token_lifetime},
        "staticClients": [
            {
                "id": CLIENT_ID,
                "name": "Mediator client",
                "secret": secret,
                "redirectURIs": redirect_urls,
            },
            {
                # Notes never signs anyone in; it is the audience the client asks tokens for.
                "id": NOTES_AUDIENCE,
                "name": "Notes",
                "secret": base64.urlsafe_b64encode(b"notes-" * 6).decode(),
                "redirectURIs": [],
                "trustedPeers": [CLIENT_ID],
            },
        ],
        "enablePasswordDB": True,
        "staticPasswords": [
            {
                "email": user.email,
                "hash": PASSWORD_HASH,
                "username": user.name,
                "userID": user.user_id,
                "groups": list(user.groups),
            }
            for user in users
        ],
    }
    path = base / "dex.json"  # YAML is a superset of JSON
    await asyncio.to_thread(_write, path, json.dumps(config, ensure_ascii=False))
    server = await start_dex(path, issuer, base / "dex.log")
    return Dex(issuer, server, users, secret, redirect_urls)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.IGNORECASE)


async def sign_in(
    http: httpx2.AsyncClient, authorize_url: str, email: str, redirect_url: str
) -> str:
    """What a person does in the browser at Dex: open the sign-in page, type the e-mail and
    password, submit. Returns the address Dex sends the browser back to (our callback with
    ``code`` and ``state``). ``http`` keeps Dex's cookies, like a browser."""
    url = authorize_url
    for _ in range(10):
        response = await http.get(url)
        if response.is_redirect:
            url = urljoin(url, response.headers["location"])
            if url.startswith(redirect_url):
                return url
            continue
        found = _FORM.search(response.text)
        assert response.status_code == 200, f"{response.status_code} at {urlsplit(url).path}"
        assert found, f"no sign-in form at {urlsplit(url).path}"
        action = urljoin(url, html.unescape(found.group(1)))
        posted = await http.post(action, data={"login": email, "password": PASSWORD})
        while posted.is_redirect:
            location = urljoin(action, posted.headers["location"])
            if location.startswith(redirect_url):
                return location
            posted = await http.get(location)
            action = location
        raise AssertionError(f"Dex did not sign {email} in: {posted.status_code}")
    raise AssertionError("too many redirects at Dex")
