"""Who a client certificate is: the integrations of the bus's ``principals.json``.

An outside system registered with ``python -m mediation_runtime.bus_access add-integration``
has one certificate for both ways in: NATS and this gateway's mutual TLS. The TLS layer has
already checked that the certificate chains to ``GATEWAY_CLIENT_CA_FILE``; here its subject
(``CN=<integration>,OU=<certificate id>,O=mediation``) must name an integration and one of
its certificates still listed (a revoked one is not). The file is read again when it changes,
so ``add-integration``, ``revoke`` and ``remove`` take effect without a restart.
"""

from pathlib import Path
from typing import Any

from mediation_runtime.bus_access import Entry, read_registry

from gateway.domain.callers import Caller, NotAllowed


class ClientRegistry:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, Entry] = {}

    def _current(self) -> dict[str, Entry]:
        try:
            stat = self.path.stat()
        except OSError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._entries = read_registry(self.path)
            self._stamp = stamp
        return self._entries

    def caller(self, peer: dict[str, Any]) -> Caller:
        """The caller a verified peer certificate (``ssl.getpeercert()``) belongs to."""
        subject = {key: value for rdn in peer.get("subject", ()) for key, value in rdn}
        name, cert_id = subject.get("commonName"), subject.get("organizationalUnitName")
        entry = self._current().get(name) if isinstance(name, str) else None
        if entry is None or entry.kind != "integration" or entry.tenant is None:
            raise NotAllowed("unknown_client", "this certificate belongs to no integration")
        if cert_id not in {certificate.id for certificate in entry.certificates}:
            raise NotAllowed("revoked_certificate", "this certificate is no longer listed")
        return Caller(
            entry.name, entry.tenant, tuple(entry.roles), tuple(entry.consume), via="certificate"
        )

    def current(self, name: str) -> Caller:
        """The integration ``name`` as the registry has it now: a subscription it made keeps
        delivering only while it is listed with a certificate and its roles allow it."""
        entry = self._current().get(name)
        if entry is None or entry.kind != "integration" or entry.tenant is None:
            raise NotAllowed("unknown_client", "the integration is no longer registered")
        if not entry.certificates:
            raise NotAllowed("revoked_certificate", "the integration has no certificate left")
        return Caller(
            entry.name, entry.tenant, tuple(entry.roles), tuple(entry.consume), via="certificate"
        )
