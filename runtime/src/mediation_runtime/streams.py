"""Create or update the JetStream streams of the contract (idempotent)."""

import asyncio
import sys

import nats
from mediation_contracts.streams import DUPLICATE_WINDOW_SECONDS, STREAMS
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError


async def ensure_streams(nats_url: str, replicas: int = 1) -> None:
    """Make sure every stream of the contract exists with the configured subjects."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for spec in STREAMS:
            config = StreamConfig(
                name=spec.name,
                description=spec.description,
                subjects=list(spec.subjects),
                storage=StorageType.FILE,
                num_replicas=replicas,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
            try:
                await js.stream_info(spec.name)
            except NotFoundError:
                await js.add_stream(config)
            else:
                await js.update_stream(config)
    finally:
        await nc.close()


if __name__ == "__main__":
    asyncio.run(ensure_streams(sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:4222"))
