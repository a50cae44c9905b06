"""One-shot: wait until the database answers and, when ``MONGO_REPLICA_SET`` names a replica
set, initiate it (once: an initiated set is left alone) and wait for its primary.

    MONGODB_INIT_URL      the server, directly (default mongodb://mongo:27017/?directConnection=true)
    MONGO_REPLICA_SET     the set's name (default rs0); empty: not a replica set (FerretDB)
    MONGO_REPLICA_HOST    the member's address as the services reach it (default mongo:27017)
    INIT_TIMEOUT_SECONDS  how long to wait for each step (default 120)
"""

import asyncio
import os
import sys
import time

from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure, PyMongoError

URL = os.environ.get("MONGODB_INIT_URL", "mongodb://mongo:27017/?directConnection=true")
REPLICA_SET = os.environ.get("MONGO_REPLICA_SET", "rs0")
HOST = os.environ.get("MONGO_REPLICA_HOST", "mongo:27017")
TIMEOUT = float(os.environ.get("INIT_TIMEOUT_SECONDS", "120"))
NOT_YET_INITIALIZED = 94


async def main() -> int:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        URL, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000
    )
    try:
        await until("the database answers", lambda: ping(client))
        if not REPLICA_SET:
            print("database answers; no replica set to initiate (MONGO_REPLICA_SET is empty)")
            return 0
        try:
            await client.admin.command("replSetGetStatus")
            print(f"replica set {REPLICA_SET} is initiated already")
        except OperationFailure as error:
            if error.code != NOT_YET_INITIALIZED:
                raise
            members = [{"_id": 0, "host": HOST}]
            await client.admin.command("replSetInitiate", {"_id": REPLICA_SET, "members": members})
            print(f"replica set {REPLICA_SET} initiated with {HOST}")
        await until(f"{REPLICA_SET} has a primary", lambda: primary(client))
        return 0
    finally:
        await client.close()


async def ping(client: AsyncMongoClient[dict[str, object]]) -> bool:
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    return True


async def primary(client: AsyncMongoClient[dict[str, object]]) -> bool:
    try:
        hello = await client.admin.command("hello")
    except PyMongoError:
        return False
    return bool(hello.get("isWritablePrimary"))


async def until(what: str, check: object) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not await check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {TIMEOUT:.0f} s waiting until {what} ({URL})")
        await asyncio.sleep(1)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
