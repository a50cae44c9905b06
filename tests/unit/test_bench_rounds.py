"""`make bench` judges a backlog by its median round, shown with that round's own drains
(README, Benchmark: "the ratio judged is the median round's")."""

from typing import Any

from benchmarks.system import median_round, ratio_of


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
