"""Liveness and readiness over HTTP, for container probes (compose, Kubernetes).

``HEALTH_ADDRESS`` (``host:port``) turns it on; the images set ``0.0.0.0:8080``. Unset (the
local stack) there is no listener.

- ``GET /healthz``: 200 while the process's event loop answers and its event handling is
  not stalled; 503 ``{"status": "stalled"}`` when it holds events of which none took a step
  for ``<SERVICE>_EVENT_STALL_SECONDS``, or one handler has been at work on one event that
  long (:class:`mediation_runtime.delivery.Progress`: a handler waiting on something that
  will never answer, which only a restart frees; an event waiting through an outage tries
  again at least every 30 s, not a stall). A liveness probe
  restarts a process that stops answering or stalls; its events come again to the restarted
  one.
- ``GET /readyz``: 200 once the service's consumers are bound and while both NATS and the
  database answer a ping; 503 otherwise, with the failing checks named in a small JSON body
  (names only, never connection strings). Not ready while stopping, either.
- ``GET /metrics``: the service's Prometheus metrics (:mod:`mediation_runtime.metrics`), in
  the text exposition format, for a Prometheus scrape on the same port.

The server speaks just enough HTTP/1.1 for probes (one request per connection, GET only): a
web framework would add a dependency and its own signal handling to every service for two
fixed answers.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import structlog

from mediation_runtime.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE

log = structlog.get_logger("mediation.health")

Check = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT_SECONDS = 2.0
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[::]:8080`` for IPv6); raises ValueError naming the expected form."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"HEALTH_ADDRESS must be host:port, e.g. 0.0.0.0:8080, not {address!r}")
    return host.strip("[]"), int(port)


class Metrics(Protocol):
    def exposition(self) -> bytes: ...


class Health:
    """The probes' answers. ``checks`` are awaited on each readiness probe, each bounded by
    :data:`CHECK_TIMEOUT_SECONDS`; an exception or a timeout counts as not ready. ``metrics``
    (when given) is served at ``/metrics``. ``stalled_for`` (when given) says how long the
    event handling has been stalled (:meth:`mediation_runtime.delivery.Progress.stalled_for`);
    past ``stall_seconds`` the process is not alive."""

    def __init__(
        self,
        checks: Mapping[str, Check],
        metrics: Metrics | None = None,
        *,
        stalled_for: Callable[[], float] | None = None,
        stall_seconds: float = 600.0,
    ) -> None:
        self._checks = dict(checks)
        self._metrics = metrics
        self._stalled_for = stalled_for
        self._stall_seconds = stall_seconds
        self.started = False
        self.stopping = False
        self._server: asyncio.Server | None = None

    async def readiness(self) -> tuple[bool, dict[str, bool]]:
        async def run(check: Check) -> bool:
            try:
                return await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
            except Exception:
                return False

        results = await asyncio.gather(*(run(check) for check in self._checks.values()))
        status = dict(zip(self._checks, results, strict=True))
        status["started"] = self.started
        status["not_stopping"] = not self.stopping
        return all(status.values()), status

    async def serve(self, address: str) -> None:
        host, port = parse_address(address)
        self._server = await asyncio.start_server(self._answer, host, port)
        log.info("health_listening", port=port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), CHECK_TIMEOUT_SECONDS)
            method, _, rest = request_line.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if path == "/metrics" and method in ("GET", "HEAD") and self._metrics is not None:
                status, content_type = 200, METRICS_CONTENT_TYPE
                payload = self._metrics.exposition()
            else:
                status, body = await self._route(method, path)
                content_type, payload = "application/json", json.dumps(body).encode()
            writer.write(
                f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(payload)}\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode()
                + (payload if method != "HEAD" else b"")
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass  # a half-open or garbled probe gets nothing; the next one will
        finally:
            writer.close()

    async def _route(self, method: str, path: str) -> tuple[int, dict[str, object]]:
        if method not in ("GET", "HEAD"):
            return 405, {"error": "method_not_allowed"}
        if path == "/healthz":
            stalled = self._stalled_for() if self._stalled_for is not None else 0.0
            if stalled > self._stall_seconds:
                log.error("event_handling_stalled", seconds=round(stalled))
                return 503, {"status": "stalled", "seconds": round(stalled)}
            return 200, {"status": "alive"}
        if path == "/readyz":
            ready, checks = await self.readiness()
            return (200 if ready else 503), {"status": "ready" if ready else "not_ready", **checks}
        return 404, {"error": "not_found"}
