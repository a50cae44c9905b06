"""One-shot: wait until the NATS cluster's JetStream answers, then create or update the
contract's streams with ``STREAM_REPLICAS`` replicas (default 3), as the operators' admin.

The services apply the same streams at every start (with ``<SERVICE>_STREAM_REPLICAS``);
doing it once here first means they start against a cluster that has elected its leaders.

    NATS_URL, NATS_CA_FILE, NATS_CERT_FILE, NATS_KEY_FILE   the admin's connection
    STREAM_REPLICAS        replicas of every stream (default 3)
    INIT_TIMEOUT_SECONDS   how long to keep trying (default 120)
"""

import asyncio
import os
import sys
import time

from mediation_runtime.bus import NatsSettings
from mediation_runtime.streams import StreamConfigError, ensure_streams

REPLICAS = int(os.environ.get("STREAM_REPLICAS", "3"))
TIMEOUT = float(os.environ.get("INIT_TIMEOUT_SECONDS", "120"))


async def main() -> int:
    credentials = NatsSettings().bus_credentials()
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            await ensure_streams(credentials, replicas=REPLICAS)
        except StreamConfigError as error:
            raise SystemExit(f"the stream settings cannot work: {error}") from None
        except Exception as error:
            # Not yet: a node is still starting, or the cluster has no JetStream leader yet.
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"gave up after {TIMEOUT:.0f} s: streams not created on {credentials.url}: "
                    f"{type(error).__name__}: {error}"
                ) from None
            await asyncio.sleep(2)
            continue
        print(f"streams ready on {credentials.url} with {REPLICAS} replicas")
        return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
