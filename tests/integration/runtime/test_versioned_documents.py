"""Versioned documents on the real database server (FerretDB here, MongoDB in production):
racing writers never lose an update, and what a crashed writer left is finished."""

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from mediation_contracts.events import CaseAssessed, CaseAssessedData
from mediation_runtime.documents import (
    ConcurrentUpdate,
    Decision,
    VersionedDocuments,
    change_id,
)
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay
from pymongo import monitoring


@pytest.fixture
async def documents(mongodb_url: str) -> AsyncIterator[VersionedDocuments]:
    client = create_mongo_client(mongodb_url)
    database = client[f"versioned_{secrets.token_hex(4)}"]
    yield VersionedDocuments(database, "things")
    await client.drop_database(database.name)
    await client.close()


async def committed_without_head(
    documents: VersionedDocuments, key: str, version: int, event: CaseAssessed | None = None
) -> None:
    """What a writer leaves that committed version ``version`` (count = version) with
    ``event`` and died before installing it (no head, no marker)."""
    await documents.changes.insert_one(
        {
            "_id": change_id(key, version),
            "key": key,
            "version": version,
            "document": {"count": version},
            "outbox": []
            if event is None
            else [{"id": str(event.id), "subject": event.nats_subject(), "payload": "{}"}],
            "pending": event is not None,
            "at": datetime.now(UTC),
        }
    )


@pytest.fixture
async def watched(
    mongodb_url: str,
) -> AsyncIterator[tuple[VersionedDocuments, list[tuple[str, str]]]]:
    """Documents over a client that notes every command it sends: (name, collection)."""
    commands: list[tuple[str, str]] = []

    class Listener(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            commands.append((event.command_name, str(event.command.get(event.command_name))))

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
            pass

        def failed(self, event: monitoring.CommandFailedEvent) -> None:
            pass

    client = create_mongo_client(mongodb_url, event_listeners=[Listener()])
    database = client[f"versioned_{secrets.token_hex(4)}"]
    yield VersionedDocuments(database, "things"), commands
    await client.drop_database(database.name)
    await client.close()


def add_one(head: dict[str, Any] | None) -> Decision[None]:
    count = 0 if head is None else head["count"]
    return Decision(None, {"count": count + 1})


async def test_racing_writers_lose_no_update(documents: VersionedDocuments) -> None:
    # Six writers, ten increments each, all on one document at once. A writer that keeps
    # losing gives up with ConcurrentUpdate (its message would be redelivered): it tries again.
    async def writer() -> None:
        done = 0
        while done < 10:
            try:
                await documents.change("counter", add_one)
            except ConcurrentUpdate:
                continue
            done += 1

    await asyncio.gather(*(writer() for _ in range(6)))
    head = await documents.get("counter")
    assert head is not None
    assert (head["count"], head["version"]) == (60, 60)


async def test_a_commit_on_an_old_version_is_refused(documents: VersionedDocuments) -> None:
    await documents.change("doc", add_one)
    with pytest.raises(ConcurrentUpdate):
        await documents.commit("doc", None, Decision(None, {"count": 99}))
    assert (await documents.get("doc") or {})["count"] == 1


async def test_a_version_whose_writer_died_before_installing_it_is_found(
    documents: VersionedDocuments,
) -> None:
    await documents.change("doc", add_one)
    # A writer committed version 2 and died before installing it as the head.
    await committed_without_head(documents, "doc", 2)
    assert (await documents.get("doc") or {})["count"] == 1, "the head is behind"
    assert (await documents.latest("doc") or {})["count"] == 2
    await documents.change("doc", add_one)  # builds on version 2, not on the stale head
    assert (await documents.get("doc") or {})["version"] == 3
    assert (await documents.get("doc") or {})["count"] == 3


async def test_the_sweep_finishes_crashed_commits_and_forgets_old_versions(
    documents: VersionedDocuments,
) -> None:
    event = CaseAssessed.create(
        tenant="kk",
        case_id=uuid4(),
        source="/test",
        data=CaseAssessedData(decision="accepted", assessed_by="m-1"),
    )
    for _ in range(3):
        await documents.change("old", add_one)
    # A commit with an event whose writer died before its head and marker.
    await committed_without_head(documents, "new", 1, event)
    assert await documents.sweep(retention=timedelta(days=1)) == 1
    assert (await documents.get("new") or {})["count"] == 1
    assert await documents.markers.find_one({"_id": change_id("new", 1)}) is not None

    # Past the retention, only each document's newest record stays (it guards the version).
    await documents.sweep(retention=timedelta(0))
    kept = sorted([r["_id"] async for r in documents.changes.find({}, {"_id": 1})])
    assert kept == [change_id("new", 1), change_id("old", 3)]


async def test_the_relay_publishes_in_version_order_once_and_drops_the_markers(
    documents: VersionedDocuments,
) -> None:
    published: list[tuple[str, str]] = []

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        published.append((subject, headers["Nats-Msg-Id"]))

    relay = OutboxRelay(documents, publish)
    events = [
        CaseAssessed.create(
            tenant="kk",
            case_id=uuid4(),
            source="/test",
            data=CaseAssessedData(decision="accepted", assessed_by="m-1"),
        )
        for _ in range(3)
    ]
    for event in events:
        await documents.change("doc", lambda head, e=event: Decision(None, {"n": 1}, [e]))
    # The newest record first: the relay still goes through the earlier ones before it.
    assert await relay.relay_record(change_id("doc", 3)) == 3
    assert [msg_id for _, msg_id in published] == [str(e.id) for e in events]
    assert await documents.markers.count_documents({}) == 0
    assert await relay.relay_pending() == 0, "published once"


async def test_events_left_in_an_old_style_outbox_are_published(
    documents: VersionedDocuments,
) -> None:
    published: list[str] = []

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        published.append(headers["Nats-Msg-Id"])

    relay = OutboxRelay(documents, publish)
    old = [
        {"id": f"e-{n}", "subject": "mediation.v1.kk.case.assessed", "payload": "{}"}
        for n in (1, 2, 3)
    ]
    # Written before versioned changes: the events waited in the document itself.
    await documents.heads.insert_many(
        [
            {"_id": "swept", "version": 4, "count": 4, "outbox": old[:2]},
            {"_id": "written", "version": 2, "count": 2, "outbox": old[2:]},
        ]
    )
    await documents.change("written", add_one)  # a writer carries them along
    assert await documents.sweep() >= 1  # the sweep adopts the rest
    await relay.relay_pending()
    assert sorted(published) == ["e-1", "e-2", "e-3"]
    for key, count in (("swept", 4), ("written", 3)):
        head = await documents.get(key)
        assert head is not None
        assert (head["count"], "outbox" in head) == (count, False)


async def test_a_refusal_on_a_stale_head_is_checked_against_the_newest(
    documents: VersionedDocuments,
) -> None:
    # Version 1 committed by a writer that died before installing it: no head at all.
    await committed_without_head(documents, "late", 1)

    def needs_the_document(head: dict[str, Any] | None) -> Decision[None]:
        if head is None:
            raise LookupError("unknown")  # a handler's "not yet" on a head that is behind
        return add_one(head)

    await documents.change("late", needs_the_document)
    assert (await documents.get("late") or {})["count"] == 2
    with pytest.raises(LookupError):
        await documents.change("never", needs_the_document)  # truly unknown: refused


async def test_a_writer_that_overwrote_a_newer_head_puts_the_newest_back(
    documents: VersionedDocuments,
) -> None:
    # A head is read, then replaced by `_id`: the writer of version 2 read the head at
    # version 1, the writer of version 3 installed it, then version 2 landed on top.
    for _ in range(3):
        await documents.change("doc", add_one)
    second = await documents.changes.find_one({"_id": change_id("doc", 2)})
    assert second is not None
    await documents.heads.replace_one({"_id": "doc"}, {**second["document"], "version": 2})
    # What that writer does after its write: look past it, install what is newer.
    assert (await documents.settle(second))["version"] == 3
    assert (await documents.get("doc") or {})["count"] == 3


async def test_a_change_of_a_document_costs_four_round_trips(
    watched: tuple[VersionedDocuments, list[tuple[str, str]]],
) -> None:
    # Every event's path: read the head, insert the next version's record, replace the head
    # (its writer read it: not read again), look one version ahead. The baseline of
    # `make bench` makes the same calls (benchmarks/baseline.py).
    documents, commands = watched
    await documents.change("doc", add_one)
    commands.clear()
    await documents.change("doc", add_one)
    assert commands == [
        ("find", "things"),
        ("insert", "things_changes"),
        ("update", "things"),
        ("find", "things_changes"),
    ]
    assert (await documents.get("doc") or {})["version"] == 2


async def test_a_request_redelivered_after_the_sweep_finds_its_case_and_writes_nothing(
    documents: VersionedDocuments,
) -> None:
    # A creation (a case's request, a delivery) delivered again a day later, after the sweep
    # deleted the case's old versions: version 1 is free again, so only reading the head
    # tells that the document exists. Nothing is committed, no event goes out twice.
    for _ in range(3):
        await documents.change("doc", add_one)
    await documents.sweep(retention=timedelta(0))
    assert await documents.changes.count_documents({}) == 1  # the newest kept

    def create(head: dict[str, Any] | None) -> Decision[str]:
        return Decision("created", {"count": 1}) if head is None else Decision("there")

    assert await documents.change("doc", create) == "there"
    assert await documents.changes.count_documents({}) == 1
    assert (await documents.get("doc") or {})["count"] == 3


async def test_a_writer_holding_the_head_it_wrote_changes_it_without_reading_it(
    documents: VersionedDocuments,
) -> None:
    # A delivery's worker records the outcome on the head its claim wrote; when another
    # writer changed the document since, the held head is stale: read and decided again.
    await documents.change("doc", add_one)
    held = await documents.get("doc")
    assert held is not None
    reads: list[object] = []
    original = documents.heads.find_one

    async def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return await original(*args, **kwargs)

    documents.heads.find_one = counted  # type: ignore[method-assign]
    await documents.change("doc", add_one, held=held)
    assert reads == []
    assert (await original({"_id": "doc"}) or {})["count"] == 2

    await documents.change("doc", add_one, held=held)  # version 2 is there: held is stale
    assert reads, "read again"
    head = await original({"_id": "doc"})
    assert (head or {})["count"] == 3
    assert (head or {})["version"] == 3


async def test_a_commit_that_lands_on_a_newer_head_puts_the_newest_back(
    documents: VersionedDocuments,
) -> None:
    # A writer replaces the head it decided on without reading it again. Here its replace
    # is held until another writer has committed and installed the next version on top of
    # its record: the late replace lands on the newer head, and the look past it that
    # follows every write puts the newest back before the writer returns.
    await documents.change("doc", add_one)
    heads = documents.heads
    held, go_on = asyncio.Event(), asyncio.Event()

    class HoldFirstReplace:
        def __getattr__(self, name: str) -> Any:
            return getattr(heads, name)

        async def replace_one(self, *args: Any, **kwargs: Any) -> Any:
            if not held.is_set():
                held.set()
                await go_on.wait()
            return await heads.replace_one(*args, **kwargs)

    documents.heads = HoldFirstReplace()  # type: ignore[assignment]
    slow = asyncio.create_task(documents.change("doc", add_one))  # commits version 2
    await asyncio.wait_for(held.wait(), 10)
    documents.heads = heads
    await documents.change("doc", add_one)  # finds version 2 ahead, installs it, commits 3
    assert (await documents.get("doc") or {})["version"] == 3
    go_on.set()
    await asyncio.wait_for(slow, 10)
    assert (await documents.get("doc") or {})["version"] == 3
    assert (await documents.get("doc") or {})["count"] == 3


async def test_installing_an_older_version_leaves_the_newer_head(
    documents: VersionedDocuments,
) -> None:
    # E.g. the sweep finishing a record whose writer was slow, after later versions landed.
    for _ in range(3):
        await documents.change("doc", add_one)
    first = await documents.changes.find_one({"_id": change_id("doc", 1)})
    assert first is not None
    await documents.install(first)
    assert (await documents.heads.find_one({"_id": "doc"}) or {})["version"] == 3


async def test_reads_by_id_search_the_index_not_the_collection(
    documents: VersionedDocuments,
) -> None:
    # Every event's path is reads and writes by `_id`; FerretDB 1.24 (SQLite) read the whole
    # table for each until our build's fix (mediation_devstack.tools), so the cost per event
    # grew with the collection. The plan must name the index (SQLite: SEARCH; MongoDB:
    # IDHACK / EXPRESS / IXSCAN), never a scan.
    await documents.heads.insert_many([{"_id": f"doc-{n}", "version": 1} for n in range(50)])
    explained = await documents.heads.database.command(
        "explain", {"find": documents.heads.name, "filter": {"_id": "doc-42"}, "limit": 1}
    )
    plan = json.dumps(explained.get("queryPlanner", explained), default=str)
    assert any(mark in plan for mark in ("detail=SEARCH", "IDHACK", "EXPRESS", "IXSCAN")), plan
    assert "detail=SCAN" not in plan, plan
    assert "COLLSCAN" not in plan, plan
    assert (await documents.heads.find_one({"_id": "doc-42"}) or {})["_id"] == "doc-42"
    assert await documents.heads.find_one({"_id": "doc-50"}) is None


async def test_the_relay_scan_installs_the_head_before_publishing(
    documents: VersionedDocuments,
) -> None:
    heads_seen: list[int] = []

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        heads_seen.append((await documents.get("doc") or {}).get("version", 0))

    relay = OutboxRelay(documents, publish)
    event = CaseAssessed.create(
        tenant="kk",
        case_id=uuid4(),
        source="/test",
        data=CaseAssessedData(decision="accepted", assessed_by="m-1"),
    )
    await documents.change("doc", add_one)
    # Another replica committed version 2 and wrote its marker; its head is not in yet.
    await committed_without_head(documents, "doc", 2, event)
    await documents.markers.insert_one({"_id": change_id("doc", 2), "key": "doc"})
    assert await relay.relay_pending() == 1
    assert heads_seen == [2], "whoever hears the event reads a head with its cause"
