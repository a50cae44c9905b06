"""The client's only way out: NATS. Request-reply to the services, publish to JetStream.

:class:`Bus` is the seam the unit tests replace with a fake; :class:`NatsBus` is the real one.
"""

import asyncio
from collections.abc import Mapping
from typing import Protocol

import structlog
from mediation_runtime.bus import BusConfigError, BusCredentials, BusErrors, PublishDenied, connect
from nats.aio.client import Client
from nats.errors import Error as NatsError

log = structlog.get_logger("mediator_client.bus")


class BusUnavailable(Exception):
    """NATS or the service did not answer (in time); the person should try again shortly."""


class Bus(Protocol):
    async def request(
        self,
        subject: str,
        payload: bytes,
        timeout: float,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """The reply to a request; :class:`BusUnavailable` when none comes in time."""

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        """Publish to JetStream (deduplicated by ``msg_id``) and wait for its ack."""

    def connected(self) -> bool:
        """Whether NATS is reachable right now (the readiness probe)."""


class NatsBus:
    def __init__(self, connection: Client, errors: BusErrors) -> None:
        self._nc = connection
        self._js = connection.jetstream()
        self._errors = errors

    @classmethod
    async def connect(cls, credentials: BusCredentials, timeout: float = 10.0) -> "NatsBus":
        """Connected with the client's certificate, reconnecting for ever once up;
        :class:`BusUnavailable` when NATS cannot be reached or refuses us at start (nats-py
        would otherwise keep trying silently)."""
        errors = BusErrors("mediator-client")
        try:
            connection = await asyncio.wait_for(
                connect(
                    credentials,
                    "mediator-client",
                    errors,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                ),
                timeout,
            )
        except BusConfigError as error:
            raise BusUnavailable(str(error)) from None
        except TimeoutError:
            raise BusUnavailable(
                f"cannot reach NATS at {credentials.url} within {timeout:g} s "
                "(or it refused the client's certificate)"
            ) from None
        return cls(connection, errors)

    async def close(self) -> None:
        await self._nc.drain()

    def connected(self) -> bool:
        return bool(self._nc.is_connected)

    async def request(
        self,
        subject: str,
        payload: bytes,
        timeout: float,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        try:
            message = await self._errors.guard(
                subject,
                self._nc.request(
                    subject, payload, timeout=timeout, headers=dict(headers) if headers else None
                ),
            )
        except PublishDenied:
            log.error("request_denied", subject=subject)  # a deployment error: permissions
            raise BusUnavailable("PublishDenied") from None
        except (NatsError, TimeoutError) as error:
            raise BusUnavailable(type(error).__name__) from error
        return bytes(message.data)

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        try:
            await self._errors.guard(
                subject, self._js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})
            )
        except PublishDenied:
            log.error("publish_denied", subject=subject)  # a deployment error: permissions
            raise BusUnavailable("PublishDenied") from None
        except (NatsError, TimeoutError) as error:
            raise BusUnavailable(type(error).__name__) from error
