"""Scheduling's handlers read the time from the clock bootstrap injects, never from the system:
with a fixed clock, "now" in a suggestion or the orphan sweep is exactly that clock's time."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from mediation_contracts.commands import SuggestSlots
from scheduling import handlers
from scheduling.domain.case_view import CaseView
from scheduling.handlers import ORPHAN_AGE, Scheduling
from scheduling.settings import SchedulingSettings

from tests.data.scheduling import ready_case

CPH = ZoneInfo("Europe/Copenhagen")
# Monday 2 March 2026, 10:07 on the office's wall clock (09:07 UTC).
NOW = datetime(2026, 3, 2, 10, 7, tzinfo=CPH)


class OneCase:
    def __init__(self, view: CaseView) -> None:
        self.view = view

    async def get(self, tenant: str, case_id: UUID) -> CaseView | None:
        return self.view if (tenant, case_id) == (self.view.tenant, self.view.case_id) else None


class Meetings:
    """No meeting is booked; only ``saved`` has been saved."""

    async def scheduled_between(self, tenant: str, start: datetime, end: datetime) -> list[Any]:
        return []

    async def exists(self, meeting_id: str) -> bool:
        return meeting_id == "saved"


class Reservations:
    def __init__(self, held: set[str]) -> None:
        self.held = held
        self.cutoffs: list[datetime] = []
        self.released: list[str] = []

    async def held_before(self, cutoff: datetime) -> set[str]:
        self.cutoffs.append(cutoff)
        return self.held

    async def release(self, meeting_id: str) -> None:
        self.released.append(meeting_id)


def scheduling_at(
    now: datetime, *, case: CaseView | None = None, held: set[str] = frozenset()
) -> Scheduling:
    return Scheduling(
        settings=SchedulingSettings(),
        views=OneCase(case or ready_case()),  # type: ignore[arg-type]
        meetings=Meetings(),  # type: ignore[arg-type]
        reservations=Reservations(set(held)),  # type: ignore[arg-type]
        clock=lambda: now,
    )


async def suggested_starts(scheduling: Scheduling, case: CaseView, **query: Any) -> list[str]:
    ask = SuggestSlots(case_id=case.case_id, kind="mediation", format="joint", count=3, **query)
    reply = await handlers.suggest(ask, case.tenant, scheduling)
    assert reply.ok, reply.error
    assert reply.slots is not None
    return [f"{slot.starts_at.astimezone(CPH):%a %H:%M}" for slot in reply.slots]


async def test_suggestions_start_at_the_clocks_now_not_at_a_time_already_past() -> None:
    case = ready_case()
    scheduling = scheduling_at(NOW, case=case)
    first_three = ["Mon 10:15", "Mon 10:30", "Mon 10:45"]  # the next quarter hours after 10:07

    assert await suggested_starts(scheduling, case) == first_three
    assert await suggested_starts(scheduling, case, after=NOW - timedelta(days=7)) == first_three
    # A later start is kept: after 14:07 a 90-minute mediation no longer fits Monday (the
    # office closes at 15:30). The same query a day later on the clock starts a day later.
    later = NOW + timedelta(hours=4)
    assert await suggested_starts(scheduling, case, after=later) == [
        "Tue 08:30",
        "Tue 08:45",
        "Tue 09:00",
    ]
    tomorrow = scheduling_at(NOW + timedelta(days=1), case=case)
    assert await suggested_starts(tomorrow, case) == ["Tue 10:15", "Tue 10:30", "Tue 10:45"]


async def test_the_orphan_sweep_counts_the_age_of_reservations_on_the_clock() -> None:
    scheduling = scheduling_at(NOW, held={"crashed", "saved"})

    assert await handlers.release_orphan_reservations(scheduling) == 1

    reservations: Reservations = scheduling.reservations  # type: ignore[assignment]
    assert reservations.cutoffs == [NOW - ORPHAN_AGE]
    assert reservations.released == ["crashed"]
