"""Scheduling's meetings on a real MongoDB-wire server: what a new booking must keep clear of."""

import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from mediation_runtime.documents import Decision, VersionedDocuments
from mediation_runtime.mongo import create_mongo_client
from scheduling.adapters.meetings import Meetings
from scheduling.domain.meeting import Meeting, MeetingStatus
from scheduling.domain.policy import SchedulingPolicy

from tests.data.events import MEDIATOR
from tests.data.scheduling import ready_case

pytestmark = pytest.mark.integration

CPH = ZoneInfo("Europe/Copenhagen")
TEN = datetime(2026, 3, 2, 10, 0, tzinfo=CPH)


@pytest.fixture
async def meetings(mongodb_url: str) -> AsyncIterator[Meetings]:
    client = create_mongo_client(mongodb_url)
    database = client["mediation_scheduling_test"]
    yield Meetings(VersionedDocuments(database, f"meetings_{secrets.token_hex(4)}"))
    await client.close()


async def store(meetings: Meetings, meeting: Meeting) -> None:
    async def decide(_: Meeting | None, commands: frozenset[str]) -> Decision[None]:
        return Decision(None, Meetings.document(meeting, commands))

    await meetings.change(meeting.meeting_id, decide)


def booked(meeting_id: str) -> Meeting:
    meeting, _ = Meeting.book(
        meeting_id=meeting_id,
        case=ready_case(),
        policy=SchedulingPolicy(),
        busy=[],
        kind="mediation",
        format="shuttle",
        starts_at=TEN,
        now=TEN - timedelta(days=1),
        source="/kk/scheduling",
    )
    return meeting


async def test_a_meeting_marked_held_keeps_its_rooms_until_it_ends(meetings: Meetings) -> None:
    held, cancelled, scheduled = booked("held"), booked("cancelled"), booked("scheduled")
    held.mark_held(MEDIATOR, TEN + timedelta(minutes=5))
    cancelled.cancel("requested", TEN - timedelta(hours=1))
    for meeting in (held, cancelled, scheduled):
        await store(meetings, meeting)

    found = await meetings.scheduled_between(
        "kk", TEN + timedelta(minutes=30), TEN + timedelta(hours=2)
    )

    assert {m.meeting_id: m.status for m in found} == {
        "held": MeetingStatus.HELD,
        "scheduled": MeetingStatus.SCHEDULED,
    }
    assert {room for m in found for room in m.location.room_ids} == {"room-1", "room-2"}
