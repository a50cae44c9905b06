"""The probes' HTTP answers, over a real socket: what compose and Kubernetes read."""

import asyncio
import json
import socket

import pytest
from mediation_runtime.health import Health, parse_address


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, request: bytes) -> tuple[int, dict[str, object]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


async def test_alive_ready_and_not_ready() -> None:
    database_up = True

    async def database() -> bool:
        if not database_up:
            raise ConnectionError("refused")
        return True

    async def nats() -> bool:
        return True

    health = Health({"nats": nats, "database": database})
    port = free_port()
    await health.serve(f"127.0.0.1:{port}")
    try:
        assert await get(port, b"GET /healthz HTTP/1.1\r\n\r\n") == (200, {"status": "alive"})
        status, body = await get(port, b"GET /readyz HTTP/1.1\r\n\r\n")
        assert (status, body["started"]) == (503, False), "not ready before consumers are bound"

        health.started = True
        status, body = await get(port, b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (status, body["status"]) == (200, "ready")

        database_up = False
        status, body = await get(port, b"GET /readyz HTTP/1.1\r\n\r\n")
        assert (status, body["database"], body["nats"]) == (503, False, True)

        database_up = True
        health.stopping = True
        status, body = await get(port, b"GET /readyz HTTP/1.1\r\n\r\n")
        assert (status, body["not_stopping"]) == (503, False)

        assert (await get(port, b"GET /nope HTTP/1.1\r\n\r\n"))[0] == 404
        assert (await get(port, b"POST /healthz HTTP/1.1\r\n\r\n"))[0] == 405
    finally:
        await health.close()


async def test_a_stalled_event_handling_is_not_alive() -> None:
    """Events held without a step for longer than the limit: the liveness probe fails, so
    the process is restarted and its events come again; readiness is another question."""
    stalled = 0.0
    health = Health({}, stalled_for=lambda: stalled, stall_seconds=600)
    port = free_port()
    await health.serve(f"127.0.0.1:{port}")
    try:
        stalled = 600.0
        assert await get(port, b"GET /healthz HTTP/1.1\r\n\r\n") == (200, {"status": "alive"})
        stalled = 601.0
        assert await get(port, b"GET /healthz HTTP/1.1\r\n\r\n") == (
            503,
            {"status": "stalled", "seconds": 601},
        )
    finally:
        await health.close()


async def test_a_hanging_check_counts_as_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mediation_runtime.health.CHECK_TIMEOUT_SECONDS", 0.05)

    async def hangs() -> bool:
        await asyncio.sleep(3600)
        return True

    health = Health({"database": hangs})
    health.started = True
    assert await health.readiness() == (
        False,
        {"database": False, "started": True, "not_stopping": True},
    )


@pytest.mark.parametrize(
    ("address", "expected"),
    [("0.0.0.0:8080", ("0.0.0.0", 8080)), ("[::]:9000", ("::", 9000))],
)
def test_addresses(address: str, expected: tuple[str, int]) -> None:
    assert parse_address(address) == expected


@pytest.mark.parametrize("address", ["8080", "localhost:", ":80", "host:http"])
def test_bad_addresses_say_what_is_expected(address: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        parse_address(address)
