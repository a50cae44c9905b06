"""Double-booking protection on a real MongoDB-wire server, including racing bookings."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mediation_runtime.mongo import create_mongo_client
from pymongo.asynchronous.collection import AsyncCollection
from scheduling.adapters.reservations import Reservations, SlotTaken, room, staff

pytestmark = pytest.mark.integration

NINE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 09:00 in Copenhagen
GRANULE = timedelta(minutes=15)


@pytest.fixture
async def collection(mongodb_url: str) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    client = create_mongo_client(mongodb_url)
    yield client["mediation_scheduling_test"][f"reservations_{secrets.token_hex(4)}"]
    await client.close()


async def test_of_twenty_racing_bookings_of_one_mediator_exactly_one_wins(
    collection: AsyncCollection[dict[str, Any]],
) -> None:
    reservations = Reservations(collection, GRANULE)

    async def book(n: int) -> str | None:
        try:
            await reservations.reserve(
                "kk",
                f"meeting-{n}",
                [staff("mediator-1"), room(f"room-{n}")],
                NINE,
                NINE + timedelta(minutes=105),
            )
        except SlotTaken:
            return None
        return f"meeting-{n}"

    winners = [m for m in await asyncio.gather(*(book(n) for n in range(20))) if m]

    assert len(winners) == 1
    held = await collection.distinct("meeting_id")
    assert held == winners, "losers leave no reservation behind"


async def test_in_every_round_of_racing_bookings_exactly_one_wins_and_holds_the_time(
    collection: AsyncCollection[dict[str, Any]],
) -> None:
    # Twenty bookings of one mediator and one room at the same time, round after round: twenty
    # cases of one mediator under the README's any-time policy (one-minute granules, no
    # buffer), so a booking holds 180 keys. FerretDB inserts those in batches and, against
    # `ordered`, goes on after a duplicate; what it then reports is no guide to what this
    # booking holds. Whatever it reports: one booking wins, and the losers leave nothing.
    minute = timedelta(minutes=1)
    resources = [staff("mediator-1"), room("room-1")]
    length = timedelta(minutes=90)

    async def book(reservations: Reservations, meeting_id: str) -> str | None:
        try:
            await reservations.reserve("kk", meeting_id, resources, NINE, NINE + length)
        except SlotTaken:
            return None
        return meeting_id

    async def race(reservations: Reservations, n: int) -> list[str]:
        ids = [f"round-{n}-meeting-{m}" for m in range(20)]
        results = await asyncio.gather(*(book(reservations, meeting_id) for meeting_id in ids))
        return [meeting_id for meeting_id in results if meeting_id]

    for n in range(30):
        # A collection per round: FerretDB scans a collection for most queries, so rounds
        # stay as quick as the first.
        round_collection = collection.database[f"{collection.name}_{n}"]
        winners = await asyncio.wait_for(race(Reservations(round_collection, minute), n), 30)

        assert len(winners) == 1, f"round {n}: {len(winners)} winners"
        holders = [document["meeting_id"] async for document in round_collection.find()]
        assert set(holders) == set(winners), f"round {n}: held by {set(holders)}"
        assert len(holders) == len(resources) * (length // minute), f"round {n}: keys lost"
        await round_collection.drop()


async def test_overlap_is_refused_and_adjacent_booking_allowed(
    collection: AsyncCollection[dict[str, Any]],
) -> None:
    reservations = Reservations(collection, GRANULE)
    await reservations.reserve("kk", "a", [staff("m")], NINE, NINE + timedelta(minutes=105))

    with pytest.raises(SlotTaken) as taken:
        await reservations.reserve(
            "kk",
            "b",
            [room("r1"), staff("m")],
            NINE + timedelta(minutes=90),
            NINE + timedelta(minutes=195),
        )
    assert taken.value.resource == "staff:m"
    assert await collection.count_documents({"meeting_id": "b"}) == 0
    # Right after the held buffer, and another tenant's mediator with the same id, are fine.
    await reservations.reserve(
        "kk", "c", [staff("m")], NINE + timedelta(minutes=105), NINE + timedelta(minutes=210)
    )
    await reservations.reserve("other", "d", [staff("m")], NINE, NINE + timedelta(minutes=105))


async def test_moving_a_meeting_onto_part_of_its_own_time_and_releasing_it(
    collection: AsyncCollection[dict[str, Any]],
) -> None:
    reservations = Reservations(collection, GRANULE)
    await reservations.reserve("kk", "a", [staff("m")], NINE, NINE + timedelta(minutes=60))

    later = NINE + timedelta(minutes=30)
    await reservations.reserve("kk", "a", [staff("m")], later, later + timedelta(minutes=60))
    # The freed half-hour is bookable by others again; the new time is not.
    await reservations.reserve("kk", "b", [staff("m")], NINE, NINE + timedelta(minutes=30))
    with pytest.raises(SlotTaken):
        await reservations.reserve("kk", "c", [staff("m")], later, later + timedelta(minutes=15))

    await reservations.release("a")
    await reservations.reserve("kk", "c", [staff("m")], later, later + timedelta(minutes=15))


async def test_reservations_left_by_a_crashed_booking_are_released_after_a_while(
    collection: AsyncCollection[dict[str, Any]], mongodb_url: str
) -> None:
    from mediation_runtime.documents import VersionedDocuments
    from scheduling import handlers
    from scheduling.adapters.meetings import Meetings
    from scheduling.handlers import Scheduling
    from scheduling.settings import SchedulingSettings

    meeting_documents = VersionedDocuments(collection.database, f"m{secrets.token_hex(4)}")
    meetings = Meetings(meeting_documents)
    reservations = Reservations(collection, GRANULE)
    # The sweep runs half an hour after the crash, with a booking in progress right then.
    later = datetime.now(UTC) + timedelta(minutes=30)
    scheduling = Scheduling(
        settings=SchedulingSettings(mongodb_url=mongodb_url),
        views=None,  # type: ignore[arg-type]  # not used by the sweep
        meetings=meetings,
        reservations=reservations,
        clock=lambda: later,
    )
    # A crash after reserving, before the meeting was saved; a booking that did get saved.
    await reservations.reserve("kk", "crashed", [staff("m")], NINE, NINE + GRANULE)
    await reservations.reserve("kk", "saved", [staff("n")], NINE, NINE + GRANULE)
    await meeting_documents.heads.insert_one({"_id": "saved", "tenant": "kk", "version": 1})
    await collection.insert_one(
        {
            "_id": "kk|staff:o|in-progress",
            "meeting_id": "in-progress",
            "tenant": "kk",
            "resource": "staff:o",
            "at": NINE,
            "reserved_at": later,
        }
    )

    assert await handlers.release_orphan_reservations(scheduling) == 1
    assert set(await collection.distinct("meeting_id")) == {"saved", "in-progress"}


async def test_a_tenants_own_steps_leave_the_time_after_a_meeting_free(
    collection: AsyncCollection[dict[str, Any]],
) -> None:
    """The service holds reservations in the tenant's steps, not the default policy's: under
    one-minute steps a meeting that ends (with its buffer) at 09:06 leaves 09:06 free for the
    same mediator, which fifteen-minute granules would hold until 09:15."""
    reservations, minute = Reservations(collection, GRANULE), timedelta(minutes=1)
    mediator = [staff("mediator-1")]
    await reservations.reserve("kk", "first", mediator, NINE, NINE + 6 * minute, granule=minute)
    await reservations.reserve(
        "kk", "next", mediator, NINE + 6 * minute, NINE + 12 * minute, granule=minute
    )

    with pytest.raises(SlotTaken):
        await reservations.reserve(
            "kk", "clash", mediator, NINE + 5 * minute, NINE + 7 * minute, granule=minute
        )
    coarse = Reservations(collection, GRANULE)
    with pytest.raises(SlotTaken):  # what the default's granules did to the next meeting
        await coarse.reserve("kk", "later", mediator, NINE + 14 * minute, NINE + 20 * minute)
