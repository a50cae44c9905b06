"""How the delivery worker finds what to send, against a real database: a new delivery is
claimed on the head its handler wrote, without a query (on FerretDB any query but one ``_id``
reads the whole collection); the query runs once per poll, for what the worker was not
handed, after the new deliveries at hand; and of two replicas exactly one claims each
delivery."""

import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from mediation_runtime.documents import VersionedDocuments
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.views import ViewStore
from notifications import handlers
from notifications.adapters import deliveries as deliveries_module
from notifications.adapters.deliveries import Deliveries
from notifications.adapters.reminders import Reminders
from notifications.domain.contacts import CaseContacts
from notifications.handlers import LEASE, Notifications
from notifications.settings import NotificationsSettings
from pymongo import monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import AutoReconnect

from tests.data.scenario import Scenario
from tests.integration.notifications.test_notifications_flow import MEETING_START, meeting, people

pytestmark = pytest.mark.integration

NOW = MEETING_START - timedelta(days=10)
POLL = 5.0


class Queries(monitoring.CommandListener):
    """The filters of every ``find`` on the deliveries' collection."""

    def __init__(self) -> None:
        self.filters: list[dict[str, object]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command["find"] == "notifications":
            self.filters.append(dict(event.command.get("filter") or {}))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def scans(self) -> list[dict[str, object]]:
        """The finds by anything but one ``_id``: what FerretDB answers by reading everything."""
        return [f for f in self.filters if set(f) != {"_id"}]


@pytest.fixture
async def database(mongodb_url: str) -> AsyncIterator[tuple[AsyncDatabase[dict], Queries]]:
    queries = Queries()
    client = create_mongo_client(mongodb_url, event_listeners=[queries])
    database = client[f"mediation_notifications_{secrets.token_hex(4)}"]
    yield database, queries
    await client.drop_database(database.name)
    await client.close()


def replica(database: AsyncDatabase[dict], mongodb_url: str) -> Notifications:
    """One notifications process's parts over ``database`` (nothing is sent here)."""
    notifications = VersionedDocuments(database, "notifications")
    return Notifications(
        settings=NotificationsSettings(
            nats_url="nats://127.0.0.1:9", mongodb_url=mongodb_url, database=database.name
        ),
        contacts=ViewStore(VersionedDocuments(database, "contacts"), CaseContacts),
        deliveries=Deliveries(notifications),
        reminders=Reminders(notifications),
        senders={},
        wake=lambda: None,
        clock=lambda: NOW,
    )


async def booked(notifications: Notifications, cases: int = 1) -> set[str]:
    """Book a meeting in ``cases`` new cases (each tells three people); the deliveries' ids."""
    for _ in range(cases):
        case = Scenario.new()
        for event in (
            people(case, f"karen-{case.tenant}@example.dk", f"unit-{case.tenant}@example.dk"),
            meeting(case),
        ):
            await handlers.when_event_notify(event, notifications)
    collection = notifications.deliveries._collection
    return {
        d["_id"]
        async for d in collection.find({"kind": "delivery", "state": "pending"}, {"_id": 1})
    }


async def claim(notifications: Notifications, at: datetime = NOW) -> set[str]:
    claimed = await notifications.deliveries.claim_due(at, LEASE, query_every=POLL)
    return {delivery["_id"] for delivery in claimed}


async def test_a_new_delivery_is_claimed_without_a_query(
    database: tuple[AsyncDatabase[dict], Queries], mongodb_url: str
) -> None:
    db, queries = database
    notifications = replica(db, mongodb_url)
    assert await claim(notifications) == set()  # at start: one query, for what is left
    assert len(queries.scans()) == 1

    created = await booked(notifications)
    queries.filters.clear()
    assert await claim(notifications) == created
    assert queries.scans() == [], "claimed on the heads the handler wrote"
    for delivery_id in created:  # leased: nobody else sends them now
        head = await notifications.deliveries._collection.find_one({"_id": delivery_id})
        assert head is not None
        assert head["version"] == 2
        assert head["lease_until"] == NOW + LEASE

    # Once a poll has passed, the worker queries for what it was not handed.
    assert await claim(notifications, NOW + timedelta(seconds=POLL - 1)) == set()
    assert queries.scans() == []
    assert await claim(notifications, NOW + timedelta(seconds=POLL)) == set()
    assert len(queries.scans()) == 1


async def test_new_deliveries_go_out_before_a_query_that_is_due_unless_it_is_a_poll_late(
    database: tuple[AsyncDatabase[dict], Queries], mongodb_url: str
) -> None:
    """A query due when new deliveries are at hand waits for the next claim, which the
    worker makes at once (``query_deferred``): the new messages do not wait for a read of
    the whole collection. A whole poll late, it runs with them."""
    db, queries = database
    notifications = replica(db, mongodb_url)
    deliveries = notifications.deliveries
    assert await claim(notifications) == set()
    created = await booked(notifications)
    queries.filters.clear()
    assert await claim(notifications, NOW + timedelta(seconds=POLL)) == created
    assert queries.scans() == []
    assert deliveries.query_deferred
    assert await claim(notifications, NOW + timedelta(seconds=POLL)) == set()
    assert len(queries.scans()) == 1
    assert not deliveries.query_deferred

    more = await booked(notifications) - created
    queries.filters.clear()
    assert await claim(notifications, NOW + timedelta(seconds=3 * POLL)) == more
    assert len(queries.scans()) == 1, "two polls since the last query: not put off again"
    assert not deliveries.query_deferred


async def test_the_poll_finds_what_another_replica_created_and_each_is_claimed_once(
    database: tuple[AsyncDatabase[dict], Queries], mongodb_url: str
) -> None:
    db, _ = database
    first, second = replica(db, mongodb_url), replica(db, mongodb_url)
    await claim(first)
    await claim(second)
    created = await booked(first, cases=2)
    assert len(created) == 6

    # The other replica's poll comes first and takes them all; the creator then finds
    # them taken (its lease commits lose) and claims none.
    assert await claim(second, NOW + timedelta(seconds=POLL)) == created
    assert await claim(first) == set()

    # And the other way round: the creator's claim first, the poll finds them leased.
    more = await booked(first) - created
    assert await claim(first) == more
    assert await claim(second, NOW + timedelta(seconds=2 * POLL)) == set()


async def test_a_burst_beyond_what_is_kept_in_memory_is_found_by_the_query(
    database: tuple[AsyncDatabase[dict], Queries],
    mongodb_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More new deliveries than the worker is handed in memory: the rest are found at once
    by the query (not one poll later), each claimed once."""
    monkeypatch.setattr(deliveries_module, "FRESH_LIMIT", 2)
    db, _ = database
    notifications = replica(db, mongodb_url)
    await claim(notifications)
    created = await booked(notifications, cases=3)
    assert len(created) == 9
    ids: list[str] = []
    for _ in range(10):  # as the worker does: again at once while a claim comes back full
        claimed = await notifications.deliveries.claim_due(NOW, LEASE, limit=4, query_every=POLL)
        ids += [delivery["_id"] for delivery in claimed]
        if len(claimed) < 4:
            break
    assert len(claimed) < 4, "claims kept coming back full"
    assert sorted(ids) == sorted(created)


async def test_what_an_outage_interrupted_is_claimed_at_the_next_round(
    database: tuple[AsyncDatabase[dict], Queries],
    mongodb_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database goes away while the worker claims what it was handed: at the next round
    (no poll later) the worker finds those deliveries by the query, still pending."""
    db, _ = database
    notifications = replica(db, mongodb_url)
    await claim(notifications)
    created = await booked(notifications)
    documents = notifications.deliveries._documents

    async def away(*_: object, **__: object) -> None:
        raise AutoReconnect("database away")

    monkeypatch.setattr(documents, "commit", away)
    with pytest.raises(AutoReconnect):
        await claim(notifications)
    monkeypatch.undo()
    assert await claim(notifications) == created
