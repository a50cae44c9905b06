"""The fixtures give a working JetStream with the contract streams and a MongoDB-wire server."""

from pathlib import Path

import pytest
from mediation_contracts.streams import STREAMS
from mediation_devstack.servers import GO_GC_PERCENT, start_ferretdb, start_nats
from mediation_runtime.bus_access import BusAccess
from pymongo import AsyncMongoClient

from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration


async def test_jetstream_has_the_contract_streams(bus: LiveBus) -> None:
    client = await bus.connect()
    try:
        js = client.jetstream()
        for spec in STREAMS:
            info = await js.stream_info(spec.name)
            assert info.config.subjects == list(spec.subjects)
    finally:
        await client.close()


async def test_jetstream_stores_a_published_event(bus: LiveBus, unique_tenant: str) -> None:
    client = await bus.connect()
    try:
        js = client.jetstream()
        subject = f"mediation.v1.{unique_tenant}.case.requested"
        ack = await js.publish(subject, b"{}", headers={"Nats-Msg-Id": unique_tenant})
        again = await js.publish(subject, b"{}", headers={"Nats-Msg-Id": unique_tenant})
        assert again.duplicate
        assert again.seq == ack.seq
    finally:
        await client.close()


async def test_mongodb_wire_server_stores_and_finds(mongodb_url: str, unique_suffix: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongodb_url, tz_aware=True, uuidRepresentation="standard"
    )
    database = client[f"test_local_stack_{unique_suffix}"]
    try:
        await database.cases.insert_one({"_id": "case-1", "tenant": "kk", "state": "requested"})
        found = await database.cases.find_one({"_id": "case-1"})
        assert found == {"_id": "case-1", "tenant": "kk", "state": "requested"}
    finally:
        await client.drop_database(database.name)
        await client.close()


@pytest.mark.parametrize("set_by_operator", [None, "150"])
async def test_go_servers_run_with_the_documented_collector_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set_by_operator: str | None
) -> None:
    """nats-server and FerretDB start with ``GOGC`` 400 (README: local stack), unless the
    environment already sets it."""
    if set_by_operator is None:
        monkeypatch.delenv("GOGC", raising=False)
    else:
        monkeypatch.setenv("GOGC", set_by_operator)
    ferretdb = await start_ferretdb(tmp_path / "data", tmp_path / "ferretdb.log")
    try:
        nats = await start_nats(tmp_path / "store", tmp_path / "nats.log", BusAccess(tmp_path))
        try:
            for server in (ferretdb, nats):
                expected = f"GOGC={set_by_operator or GO_GC_PERCENT}"
                assert expected in environment_of(server.process.pid), server.name
        finally:
            await nats.stop()
    finally:
        await ferretdb.stop()


def environment_of(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
