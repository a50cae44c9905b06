"""Mutual TLS under uvicorn: hands the verified client certificate to the app.

uvicorn verifies a client certificate when ``ssl_cert_reqs`` asks for one, but does not put
it in the ASGI scope. :class:`PeerCertProtocol` (uvicorn's h11 protocol) adds the ASGI TLS
extension's ``scope["extensions"]["tls"]`` with ``client_cert_name`` (the subject) and
``client_cert`` (Python's ``ssl.getpeercert()`` of the verified certificate) to every request
of a connection that presented one.
"""

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

ASGIApp = Callable[..., Awaitable[None]]


def _with_peer(app: ASGIApp, peer: dict[str, Any]) -> ASGIApp:
    subject = ",".join(
        f"{key}={value}" for rdn in reversed(peer.get("subject", ())) for key, value in rdn
    )

    async def call(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            extensions = dict(scope.get("extensions") or {})
            extensions["tls"] = {"client_cert_name": subject, "client_cert": peer}
            scope = {**scope, "extensions": extensions}
        await app(scope, receive, send)

    return call


class PeerCertProtocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object: ssl.SSLObject | None = transport.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert() if ssl_object is not None else None
        if peer:
            self.app = _with_peer(self.app, peer)


def peer_certificate(scope: Mapping[str, Any]) -> dict[str, Any] | None:
    tls = (scope.get("extensions") or {}).get("tls") or {}
    peer = tls.get("client_cert")
    return peer if isinstance(peer, dict) else None
