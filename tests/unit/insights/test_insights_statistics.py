"""The statistics as a pure function: what is counted in which period, and the suppression
rule (primary below 5, 0 included; secondary in groups with a known total; measures from at
least 5; comments only in periods of at least 5 answers)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from insights.domain.case_record import CaseRecord, Closed, Coded, Meeting
from insights.domain.statistics import (
    Answer,
    InvalidPeriod,
    compute,
    month_of,
    months_between,
    p90,
    period_of,
    suppressed,
)
from mediation_contracts.commands import Statistics

MARCH = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
MAY = datetime(2026, 5, 10, 10, 0, tzinfo=UTC)


def case(**fields: Any) -> CaseRecord:
    return CaseRecord(tenant="kk", case_id=uuid4(), **fields)


def requested(at: datetime, n: int) -> list[CaseRecord]:
    return [case(requested_at=at) for _ in range(n)]


def closed(at: datetime, outcome: str, n: int) -> list[CaseRecord]:
    return [
        case(
            requested_at=at,
            closed=Closed(outcome=outcome, because="outcome_recorded", at=at, event_id=uuid4()),  # type: ignore[arg-type]
        )
        for _ in range(n)
    ]


def held(requested_at: datetime, days: float, kind: str = "mediation") -> CaseRecord:
    return case(
        requested_at=requested_at,
        meetings={
            "m-1": Meeting(
                kind=kind,  # type: ignore[arg-type]
                format="joint",
                held_at=requested_at + timedelta(days=days),
            )
        },
    )


def answer(month: str = "2026-03", comment: str | None = None, **scores: int) -> Answer:
    return Answer(month=month, occasion="case_closed", scores=scores, comment=comment)


def stats(
    records: list[CaseRecord],
    answers: list[Answer] = (),  # type: ignore[assignment]
    *,
    from_month: str = "2026-01",
    to_month: str = "2026-03",
    grouping: str = "quarter",
) -> Statistics:
    return compute(
        records,
        answers,
        from_month=from_month,
        to_month=to_month,
        grouping=grouping,  # type: ignore[arg-type]
        shuffle=lambda items: None,
    )


# --- primary suppression --------------------------------------------------------------


@pytest.mark.parametrize(("cases", "shown"), [(0, "<5"), (1, "<5"), (4, "<5"), (5, 5), (9, 9)])
def test_every_count_below_five_shows_as_suppressed_zero_included(
    cases: int, shown: object
) -> None:
    result = stats(requested(MARCH, cases))
    assert result.total.requests == shown
    assert result.periods[0].requests == shown


def test_an_empty_municipality_shows_nothing_but_suppressed_cells() -> None:
    result = stats([])
    dumped = result.total.model_dump()
    counts = [dumped["requests"], dumped["acceptances"], dumped["withdrawals"]]
    counts += list(dumped["refusals"].values()) + list(dumped["outcomes"].values())
    counts += [c for by_format in dumped["meetings"].values() for c in by_format.values()]
    assert set(counts) == {"<5"}
    assert dumped["days_to_first_meeting"] == {"cases": "<5", "median": "<5", "p90": "<5"}
    assert set(dumped["evaluations"]["averages"].values()) == {"<5"}


def test_every_code_of_the_contract_is_listed_so_an_absent_one_looks_like_a_small_one() -> None:
    total = stats([]).total
    assert set(total.outcomes) == {
        "agreement",
        "partial_agreement",
        "no_agreement",
        "withdrawn",
        "declined",
    }
    assert set(total.refusals) == {"in_complaint_handling", "assessment_declined"}
    assert set(total.follow_ups) == {"held", "partly_held", "not_held", "no_contact"}
    assert set(total.meetings) == {"pre_meeting", "mediation", "follow_up"}
    assert set(total.meetings["mediation"]) == {"joint", "shuttle", "individual", "phone", "video"}


# --- secondary suppression ------------------------------------------------------------


def test_one_hidden_outcome_hides_the_next_smallest_so_it_cannot_be_subtracted() -> None:
    records = (
        closed(MARCH, "agreement", 9)
        + closed(MARCH, "partial_agreement", 6)
        + closed(MARCH, "no_agreement", 7)
        + closed(MARCH, "withdrawn", 5)
        + closed(MARCH, "declined", 8)
    )
    shown = stats(records).total.outcomes
    assert shown == {
        "agreement": 9,
        "partial_agreement": 6,
        "no_agreement": 7,
        "withdrawn": 5,
        "declined": 8,
    }, "nothing below 5: nothing hidden"
    records = records[:-8] + closed(MARCH, "declined", 2)
    shown = stats(records).total.outcomes
    assert shown == {
        "agreement": 9,
        "partial_agreement": 6,
        "no_agreement": 7,
        "withdrawn": "<5",  # 5, the smallest shown, hidden with declined's 2
        "declined": "<5",
    }


def test_a_period_hidden_alone_hides_another_so_the_total_does_not_give_it_away() -> None:
    records = requested(datetime(2026, 1, 15, tzinfo=UTC), 8)
    records += requested(datetime(2026, 2, 15, tzinfo=UTC), 3)
    records += requested(datetime(2026, 3, 15, tzinfo=UTC), 6)
    result = stats(records, grouping="month")
    assert result.total.requests == 17
    assert [p.requests for p in result.periods] == [8, "<5", "<5"], (
        "17 - 8 - 6 would give February's 3"
    )


def test_secondary_suppression_repeats_until_no_group_has_exactly_one_hidden_cell() -> None:
    values = {("p", ("a",)): 2, ("p", ("b",)): 6, ("p", ("c",)): 7, ("q", ("a",)): 9}
    groups = [
        [("p", ("a",)), ("p", ("b",)), ("p", ("c",))],
        [("p", ("b",)), ("q", ("a",))],
    ]
    hidden = suppressed(values, groups)
    # a hidden (2) hides b (6); then b's other group has one hidden, so q.a goes too.
    assert hidden == {("p", ("a",)), ("p", ("b",)), ("q", ("a",))}


def test_no_hidden_cell_can_be_worked_out_from_its_group_totals() -> None:
    """Property: in every period and in the total, each group of codes has no single hidden
    cell while others show, and across periods no figure has a single hidden period."""
    at = [datetime(2026, month, 3, tzinfo=UTC) for month in (1, 2, 3, 4, 5, 6)]
    records: list[CaseRecord] = []
    for index, moment in enumerate(at):
        records += closed(moment, "agreement", 5 + index)
        records += closed(moment, "no_agreement", index)
        records += closed(moment, "withdrawn", 6 - index)
    result = stats(records, from_month="2026-01", to_month="2026-06", grouping="month")
    rows = [*result.periods, result.total]
    for row in rows:
        hidden = [v for v in row.outcomes.values() if v == "<5"]
        assert len(hidden) != 1, row.period
    for outcome in ("agreement", "no_agreement", "withdrawn"):
        across = [row.outcomes[outcome] for row in result.periods]
        assert across.count("<5") != 1 or result.total.outcomes[outcome] == "<5", outcome


# --- measures and comments ------------------------------------------------------------


def test_days_to_first_meeting_median_and_p90_need_five_cases() -> None:
    four = [held(MARCH, days) for days in (2, 4, 6, 8)]
    shown = stats(four).total.days_to_first_meeting
    assert (shown.cases, shown.median, shown.p90) == ("<5", "<5", "<5")
    ten = [held(MARCH, days) for days in (1, 2, 3, 4, 5, 6, 7, 8, 9, 30)]
    shown = stats(ten, to_month="2026-06").total.days_to_first_meeting
    assert (shown.cases, shown.median, shown.p90) == (10, 5.5, 9.0)


def test_days_count_in_the_period_of_the_first_held_meeting_of_any_kind() -> None:
    first = case(
        requested_at=datetime(2026, 3, 1, tzinfo=UTC),
        meetings={
            "pre": Meeting(
                kind="pre_meeting", format="phone", held_at=datetime(2026, 4, 2, tzinfo=UTC)
            ),
            "main": Meeting(
                kind="mediation", format="joint", held_at=datetime(2026, 5, 1, tzinfo=UTC)
            ),
        },
    )
    assert first.days_to_first_meeting() == 32.0
    result = stats([first] * 5, from_month="2026-03", to_month="2026-05", grouping="month")
    assert [p.days_to_first_meeting.cases for p in result.periods] == ["<5", 5, "<5"]


def test_p90_is_a_value_that_occurred() -> None:
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9
    assert p90([3, 1, 2, 5, 4]) == 5


def test_evaluation_averages_need_five_answers_to_the_question() -> None:
    answers = [answer(heard=5, useful=3) for _ in range(4)] + [answer(heard=3)]
    summary = stats([], answers).total.evaluations
    assert summary.answers == 5
    assert summary.averages["heard"] == 4.6
    assert summary.averages["useful"] == "<5", "only four answered it"
    assert summary.averages["respected"] == "<5"


def test_comments_only_in_a_period_of_at_least_five_answers_and_never_dated_by_the_total() -> None:
    quiet = [answer("2026-01", comment="Godt mødt", heard=4)]
    busy = [answer("2026-02", comment=f"Kommentar {n}", heard=4) for n in range(5)]
    result = stats([], quiet + busy, grouping="month")
    january, february, _ = result.periods
    assert january.evaluations.comments == []
    assert sorted(february.evaluations.comments) == [f"Kommentar {n}" for n in range(5)]
    assert "Godt mødt" not in result.total.evaluations.comments, (
        "the total minus February's list would date it to January's one answer"
    )


def test_the_published_statistics_carry_no_ids_of_cases_or_times() -> None:
    records = closed(MARCH, "agreement", 6)
    dumped = stats(records).model_dump_json()
    for record in records:
        assert str(record.case_id) not in dumped
    assert "2026-03-10" not in dumped


# --- periods --------------------------------------------------------------------------


def test_a_fact_counts_in_the_month_of_its_event_in_copenhagen() -> None:
    # 23:30 UTC on 31 March is 1 April in Copenhagen (summer time).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert month_of(late) == "2026-04"
    records = requested(late, 5) + requested(MARCH, 6)
    result = stats(records, from_month="2026-03", to_month="2026-04", grouping="month")
    assert [p.requests for p in result.periods] == [6, 5]


def test_periods_by_month_quarter_and_year_each_listed_even_when_empty() -> None:
    assert [period_of(m, "quarter") for m in ("2026-01", "2026-03", "2026-04", "2026-12")] == [
        "2026-Q1",
        "2026-Q1",
        "2026-Q2",
        "2026-Q4",
    ]
    result = stats(requested(MAY, 5), from_month="2025-11", to_month="2026-06")
    assert [p.period for p in result.periods] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert [p.requests for p in result.periods] == ["<5", "<5", 5]
    yearly = stats(requested(MAY, 5), from_month="2025-11", to_month="2026-06", grouping="year")
    assert [p.period for p in yearly.periods] == ["2025", "2026"]
    assert result.total.period == "total"


def test_facts_outside_the_months_asked_for_are_not_counted() -> None:
    result = stats(requested(MAY, 7), from_month="2026-01", to_month="2026-03")
    assert result.total.requests == "<5"


def test_a_range_backwards_or_longer_than_ten_years_is_refused() -> None:
    with pytest.raises(InvalidPeriod):
        months_between("2026-05", "2026-04")
    with pytest.raises(InvalidPeriod):
        months_between("2010-01", "2026-01")
    assert len(months_between("2025-11", "2026-02")) == 4


def test_refusals_by_code_and_the_declined_assessment() -> None:
    records = [case(refusals=[Coded(code="assessment_declined", at=MARCH)]) for _ in range(6)]
    records += [case(refusals=[Coded(code="in_complaint_handling", at=MARCH)]) for _ in range(5)]
    assert stats(records).total.refusals == {
        "in_complaint_handling": 5,
        "assessment_declined": 6,
    }
