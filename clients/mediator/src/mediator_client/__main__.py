"""``python -m mediator_client``: serve the client until SIGINT/SIGTERM.

Prints ``mediator client listening on http://HOST:PORT`` once it accepts connections.
"""

import contextlib
import socket
import sys
from collections.abc import Iterator

import structlog
import uvicorn
from mediation_runtime.logging import configure_logging
from pydantic import ValidationError

from mediator_client.app import create_app
from mediator_client.identity import IdentityError
from mediator_client.settings import MediatorSettings
from mediator_client.users import UsersFileError

log = structlog.get_logger("mediator_client")


class _Server(uvicorn.Server):
    """Says where it listens once it accepts connections (``make run`` and the tests wait
    for that line)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = next(
                (sock.getsockname()[:2] for server in self.servers for sock in server.sockets),
                (self.config.host, self.config.port),
            )
            url = f"http://{host}:{port}"
            ready = f"mediator client listening on {url}"
            log.info(ready, url=url)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """After a graceful stop on SIGTERM/SIGINT uvicorn re-raises the signal, so the exit
        code would read as "killed"; a completed graceful stop exits 0, like the services."""
        with super().capture_signals():
            yield
            self._captured_signals.clear()


def main() -> None:
    try:
        settings = MediatorSettings()
    except ValidationError as error:
        problems = "; ".join(
            f"MEDIATOR_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        sys.exit(f"mediator client: cannot start: {problems}")
    configure_logging(settings.log_format, settings.log_level)
    try:
        app = create_app(settings)
    except (UsersFileError, IdentityError) as error:
        log.error("cannot_start", reason=str(error))
        sys.exit(2)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # our logging, not uvicorn's
        access_log=False,  # a line per page is noise; actions are logged with their ids
        proxy_headers=False,
        server_header=False,
    )
    _Server(config).run()


if __name__ == "__main__":
    main()
