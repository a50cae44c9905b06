"""`make bench` judges a backlog by its median round, shown with that round's own drains
(README, Benchmark: "the ratio judged is the median round's"), and says of a latency or
case-list target not met whether the same work without our code meets it."""

import itertools
from types import SimpleNamespace
from typing import Any, cast

from benchmarks.system import (
    FLOW,
    judged,
    median_of_rounds,
    median_round,
    percentiles,
    ratio_of,
    schedule,
    table,
)


def drains(service: float | None, baseline: float) -> dict[str, Any]:
    figures = {
        "service": {"events_per_second": service},
        "baseline": {"events_per_second": baseline},
    }
    return {**figures, "ratio": ratio_of(figures)}


def test_the_median_round_is_judged_with_its_own_two_drains() -> None:
    rounds = [drains(600, 1000), drains(900, 1000), drains(700, 1000)]
    judged = median_round(rounds)
    assert judged["ratio"] == 0.7
    assert judged["service"]["events_per_second"] == 700


def test_a_round_without_a_rate_counts_as_the_lowest_and_an_even_count_takes_the_lower() -> None:
    rounds = [drains(None, 1000), drains(800, 1000), drains(750, 1000), drains(900, 1000)]
    assert median_round(rounds)["ratio"] == 0.75


def hops(**p99: float) -> dict[str, Any]:
    names = {"intake": "intake: CaseRequested → ConsentRequested", "flow": FLOW}
    return {
        "hops": {names[key]: {"p50": 1.0, "p95": 1.0, "p99": value} for key, value in p99.items()}
    }


def report(service: dict[str, Any], baseline: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A run's result as the table reads it, with ``service`` and ``baseline`` latency."""
    return {
        "inputs": {
            "backlog_events": 1,
            "rate": 1.0,
            "seconds": 100.0,
            "list_cases": 100_000,
            "cpus": 2,
            "versions": {"database": "FerretDB"},
        },
        "seconds": 1.0,
        "throughput": {},
        "latency": {"service": service, "baseline": baseline},
        "rss_mb": {},
        **extra,
    }


def test_a_latency_target_missed_is_the_databases_when_the_baseline_misses_it_too() -> None:
    targets = judged(report(hops(intake=90.0, flow=300.0), hops(intake=72.0, flow=120.0)))
    by_figure = {t["figure"].split(":")[0]: t for t in targets}
    assert by_figure["p99 intake"]["met"] is False
    assert by_figure["p99 intake"]["cause"] == "database"
    assert by_figure["p99 intake"]["baseline"] == 72.0
    assert by_figure["p99 whole flow"]["cause"] == "service"


def test_a_latency_target_met_has_no_cause_even_when_the_baseline_misses_it() -> None:
    (target,) = judged(report(hops(intake=49.0), hops(intake=55.0)))
    assert target["met"] is True
    assert "cause" not in target


def test_the_case_list_unanswered_is_the_databases_when_its_queries_alone_take_longer() -> None:
    listed = {
        "cases": 100_000,
        "visible_to_viewer": 0,
        "reply_bytes": 0,
        "service_ms": {"p50": None, "p95": None},
        "service_timed_out_after_s": 120.0,
        "database_alone_ms": {"p95": 97_699.7},
        "query_plans": [],
    }
    result = report(hops(intake=40.0), hops(intake=30.0), list_cases=listed)
    result["targets"] = judged(result)
    target = result["targets"][-1]
    assert (target["met"], target["cause"], target["value"]) == (False, "database", "> 120000")
    assert "the same work without our code misses it too (97699.7)" in table(result)


def test_latency_events_come_at_a_fixed_rate_each_case_in_its_own_order() -> None:
    """Never two events at once: one every 1 / (5 * rate) s once every case in flight has
    started (README, Benchmark: a burst of one event of five cases each second measured
    the database's queue, not a hop)."""
    made = [SimpleNamespace(external=[f"{case}-{j}" for j in range(5)]) for case in range(20)]
    for rate in (1.0, 2.0):
        timed = schedule(cast(Any, made), rate)
        assert len(timed) == 100
        gap = 1 / (5 * rate)
        times = [due for due, _, _ in timed]
        assert min(b - a for a, b in itertools.pairwise(times)) >= gap - 1e-9
        # From 5 s on every slot has a case in flight (the first ones' follow-ups), until
        # the last case's request.
        steady = [due for due in times if 5.0 <= due < 20 / rate]
        assert len(steady) == round((20 / rate - 5.0) * 5 * rate)
        assert all(abs(b - a - gap) < 1e-9 for a, b in itertools.pairwise(steady))
        for case in range(20):
            assert [event for _, _, event in timed if event.startswith(f"{case}-")] == [
                f"{case}-{j}" for j in range(5)
            ]


def test_a_hop_is_judged_by_its_median_round_each_rounds_kept() -> None:
    """One round on a slow moment decides neither side's figure (README, Benchmark: a hop's
    percentiles are its median round's); the rounds' own stay in the JSON and the table."""
    name = "intake: CaseRequested → ConsentRequested"

    def run(values: list[float]) -> dict[str, Any]:
        return {"cases": len(values), "settled": True, "hops": {name: percentiles(values)}}

    # The first round slow throughout its last tenth: together, its hops would be the p99.
    slow = run([10.0] * 90 + [80.0] * 10)
    service = median_of_rounds([slow, run([12.0] * 98 + [30.0] * 2), run([11.0] * 98 + [40.0] * 2)])
    hop = service["hops"][name]
    assert (hop["count"], hop["p50"], hop["p99"], hop["max"]) == (300, 11.0, 40.0, 80.0)
    assert [r["hops"][name]["p99"] for r in service["rounds"]] == [80.0, 30.0, 40.0]
    assert service["cases"] == 300
    # An even count takes the longer of the middle two.
    two = median_of_rounds([run([10.0] * 100), run([20.0] * 100)])
    assert two["hops"][name]["p99"] == 20.0

    unsettled = median_of_rounds([run([10.0]), {**run([10.0]), "settled": False}])
    assert unsettled["settled"] is False

    baseline = median_of_rounds([run([9.0] * 100), run([9.5] * 100), run([9.0] * 100)])
    result = report(service, baseline)
    result["targets"] = judged(result)
    assert f"{name}: service 80.0/30.0/40.0, baseline 9.0/9.5/9.0" in table(result)
