"""The client's only way out: NATS. Request-reply to the services, publish to JetStream.

:class:`Bus` is the seam the unit tests replace with a fake; :class:`NatsBus` is the real one.
"""

import asyncio
from typing import Protocol

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError


class BusUnavailable(Exception):
    """NATS or the service did not answer (in time); the person should try again shortly."""


class Bus(Protocol):
    async def request(self, subject: str, payload: bytes, timeout: float) -> bytes:
        """The reply to a request; :class:`BusUnavailable` when none comes in time."""

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        """Publish to JetStream (deduplicated by ``msg_id``) and wait for its ack."""


class NatsBus:
    def __init__(self, connection: Client) -> None:
        self._nc = connection
        self._js = connection.jetstream()

    @classmethod
    async def connect(cls, url: str, timeout: float = 10.0) -> "NatsBus":
        """Connected, reconnecting for ever once up; :class:`BusUnavailable` when NATS cannot
        be reached at start (nats-py would otherwise keep trying silently)."""
        try:
            connection = await asyncio.wait_for(
                nats.connect(
                    url, name="mediator-client", max_reconnect_attempts=-1, reconnect_time_wait=1
                ),
                timeout,
            )
        except TimeoutError:
            raise BusUnavailable(f"cannot reach NATS at {url} within {timeout:g} s") from None
        return cls(connection)

    async def close(self) -> None:
        await self._nc.drain()

    async def request(self, subject: str, payload: bytes, timeout: float) -> bytes:
        try:
            message = await self._nc.request(subject, payload, timeout=timeout)
        except (NatsError, TimeoutError) as error:
            raise BusUnavailable(type(error).__name__) from error
        return bytes(message.data)

    async def publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        try:
            await self._js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})
        except (NatsError, TimeoutError) as error:
            raise BusUnavailable(type(error).__name__) from error
