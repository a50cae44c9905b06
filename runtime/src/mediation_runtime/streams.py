"""Create or update the JetStream streams of the contract (idempotent)."""

import asyncio

from mediation_contracts.streams import DUPLICATE_WINDOW_SECONDS, STREAMS
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from mediation_runtime.bus import BusConfigError, BusCredentials, connect, tool_credentials


async def ensure_streams(credentials: BusCredentials, replicas: int = 1) -> None:
    """Make sure every stream of the contract exists with the configured subjects."""
    nc = await connect(credentials, "ensure-streams")
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
    # NATS_URL and the admin's NATS_CA_FILE / NATS_CERT_FILE / NATS_KEY_FILE, or the local
    # stack's admin certificate.
    try:
        asyncio.run(ensure_streams(tool_credentials()))
    except BusConfigError as error:
        raise SystemExit(f"error: {error}") from None
