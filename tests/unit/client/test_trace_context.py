"""The mediator client continues a case's trace: what it asks or publishes for a case carries
the W3C trace context the case's request came with (intake's ``get_case`` answers it), so an
operator sees the case's request, the mediator's actions and what follows as one trace."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from mediation_contracts.commands import BookMeeting
from mediator_client.gateway import Gateway

from tests.data.events import assessed
from tests.unit.client.fakes import STAFF_ID, TENANT, FakeBus, case_detail

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def booking(case_id: object) -> BookMeeting:
    return BookMeeting(
        command_id=uuid4(),
        case_id=case_id,
        kind="mediation",
        format="joint",
        starts_at=datetime.now(UTC) + timedelta(days=3),
        requested_by=STAFF_ID,
    )


async def test_commands_and_events_for_a_case_carry_its_trace() -> None:
    bus = FakeBus()
    case = bus.add(case_detail(traceparent=TRACE))
    gateway = Gateway(bus, timeout=1.0, wait_seconds=0.1)
    await gateway.get_case(TENANT, case.case_id, STAFF_ID)

    await gateway.book_meeting(TENANT, booking(case.case_id))
    assert bus.request_headers[-1] == {"traceparent": TRACE}

    await gateway.publish(assessed(case.case_id, tenant=TENANT))
    assert bus.published[-1]["traceparent"] == TRACE


async def test_a_case_without_trace_or_not_yet_seen_sends_none() -> None:
    bus = FakeBus()
    untraced = bus.add(case_detail())
    unseen = bus.add(case_detail(traceparent=TRACE))
    gateway = Gateway(bus, timeout=1.0, wait_seconds=0.1)
    await gateway.get_case(TENANT, untraced.case_id, STAFF_ID)

    for case in (untraced, unseen):
        await gateway.book_meeting(TENANT, booking(case.case_id))
        assert bus.request_headers[-1] == {}
        await gateway.publish(assessed(case.case_id, tenant=TENANT))
        assert "traceparent" not in bus.published[-1] or bus.published[-1]["traceparent"] is None
