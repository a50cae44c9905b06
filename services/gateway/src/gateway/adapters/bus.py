"""The gateway on the bus: publishing what callers send (answering only once JetStream stored
it) and reading the stream again for a replay."""

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from mediation_contracts.access import GATEWAY_REPLAY_CONSUMERS
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.streams import EVENTS_STREAM
from mediation_runtime.bus import BusErrors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

REPLAY_BATCH = 100
CONSUMER_EXISTS = 10148


class Publisher:
    """``Nats-Msg-Id`` = the event's id, so JetStream drops a second copy within its
    duplicate window; :meth:`publish` returns True when this copy was such a duplicate."""

    def __init__(
        self, jetstream: Callable[[], JetStreamContext], errors: BusErrors, timeout: float
    ) -> None:
        self._jetstream = jetstream
        self._errors = errors
        self._timeout = timeout

    async def publish(self, event: CloudEvent) -> bool:
        subject = event.nats_subject()
        ack = await self._errors.guard(
            subject,
            self._jetstream().publish(
                subject,
                event.to_json(),
                timeout=self._timeout,
                stream=EVENTS_STREAM,
                headers={"Nats-Msg-Id": str(event.id)},
            ),
        )
        return bool(ack.duplicate)


class ReplayBusy(Exception):
    """Every replay consumer is in use: try again shortly."""


async def read_since(
    connection: Client, subject: str, since: datetime
) -> AsyncIterator[tuple[int, bytes]]:
    """Every message on ``subject`` stored since ``since``, oldest first, as (stream
    sequence, body), up to what the stream held when the read began. One of the gateway's
    replay consumers (``gateway-replay-<n>``, held by the server to the one subject) reads
    them; it is removed afterwards, or by the server once idle."""
    jetstream = connection.jetstream()
    last = (await jetstream.stream_info(EVENTS_STREAM)).state.last_seq
    config = ConsumerConfig(
        filter_subject=subject,
        deliver_policy=DeliverPolicy.BY_START_TIME,
        opt_start_time=since,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=120.0,
    )
    name = await _free_consumer(connection, config)
    try:
        pull = await jetstream.pull_subscribe_bind(name, EVENTS_STREAM)
        while True:
            try:
                messages = await pull.fetch(REPLAY_BATCH, timeout=1.0)
            except TimeoutError:
                return
            for message in messages:
                sequence = message.metadata.sequence.stream
                if sequence > last:
                    return
                yield sequence, message.data
                if message.metadata.num_pending == 0:
                    return
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(jetstream.delete_consumer(EVENTS_STREAM, name), 5.0)


async def _free_consumer(connection: Client, config: ConsumerConfig) -> str:
    """Create one of the replay consumers that no other replay holds. ``action: create``
    makes the server refuse a name in use (instead of changing that replay's consumer), so
    replicas and concurrent replays never share one."""
    for name in random.sample(GATEWAY_REPLAY_CONSUMERS, len(GATEWAY_REPLAY_CONSUMERS)):
        request = {
            "stream_name": EVENTS_STREAM,
            "config": config.evolve(name=name).as_dict(),
            "action": "create",
        }
        subject = f"$JS.API.CONSUMER.CREATE.{EVENTS_STREAM}.{name}.{config.filter_subject}"
        reply = json.loads(
            (await connection.request(subject, json.dumps(request).encode(), timeout=5.0)).data
        )
        error = reply.get("error")
        if error is None:
            return name
        if error.get("err_code") != CONSUMER_EXISTS:
            raise RuntimeError(f"replay consumer refused: {error.get('err_code')}")
    raise ReplayBusy()
