"""One writer per document at a time, inside a service process.

FerretDB 1.24 (SQLite) does not apply a conditional ``update_one`` atomically: two concurrent
updates filtered on the same ``version`` can both match, and the later silently overwrites the
earlier (measured: lost updates in 18 of 30 rounds of three racing writers). Serialising the
read-modify-write of a document in the process makes the local stack correct; on MongoDB the
version filter additionally protects several replicas of a service.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLock:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]
