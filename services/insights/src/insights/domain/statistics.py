"""The municipality's statistics: counts by period from the facts insights keeps, with every
small number suppressed so that no case or person can be recognised.

Pure: the case records and the anonymous answers come in, :class:`Statistics` goes out.

**Periods.** A fact belongs to the month (Copenhagen time) of the event that brought it; months
group into quarters or years. Every period from ``from_month`` to ``to_month`` is listed, empty
ones too, and ``total`` covers them all.

**Suppression** (the rule the municipality publishes by):

- *primary*: every count below 5, 0 included, shows as ``"<5"`` (so that 0 cannot be told from
  1); a median, 90th percentile or average computed from fewer than 5 cases or answers shows
  as ``"<5"`` too;
- *secondary*: in a group of cells whose total can be known (the codes of one figure in one
  period: refusals by reason, outcomes, follow-up results, held meetings by format within a
  kind; and one figure across the periods, whose total is the ``total`` row), a single hidden
  cell could be worked out by subtraction. So while a group has exactly one hidden cell, its
  smallest shown cell is hidden too (repeated until no group has exactly one).
- comments appear only in a period with at least 5 answers, in random order, and the total
  lists only the comments of periods that show theirs (else subtracting the periods' lists
  from the total's would date a comment to its small period).

Published statistics carry no names, ids, dates of a case or free text beyond that list.
"""

import math
import statistics as stats
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from mediation_contracts.commands import (
    EVALUATION_QUESTIONS,
    Count,
    DaysToFirstMeeting,
    EvaluationSummary,
    Measure,
    PeriodStatistics,
    Statistics,
)
from mediation_contracts.events import (
    CaseRequestRefusedData,
    FollowUpResult,
    MeetingFormat,
    MeetingKind,
    Outcome,
)

from insights.domain.case_record import CaseRecord

TIMEZONE = ZoneInfo("Europe/Copenhagen")
"""Whose months: the municipality's."""
THRESHOLD = 5
MAX_MONTHS = 120
"""A longer range is refused: ten years by month is already 120 rows."""
Grouping = Literal["month", "quarter", "year"]

REFUSAL_CODES: tuple[str, ...] = (
    *get_args(CaseRequestRefusedData.model_fields["reason_code"].annotation),
    "assessment_declined",
)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
FOLLOW_UP_RESULTS: tuple[str, ...] = get_args(FollowUpResult)
MEETING_KINDS: tuple[str, ...] = get_args(MeetingKind)
MEETING_FORMATS: tuple[str, ...] = get_args(MeetingFormat)
TOTAL = "total"
SUPPRESSED: Literal["<5"] = "<5"


class InvalidPeriod(Exception):
    """The months asked for do not make a range (refusal ``invalid_period``)."""


@dataclass(frozen=True)
class Answer:
    """One anonymous evaluation as stored: the month it was given, nothing else that dates it,
    and nothing that names a case, a party or a link."""

    month: str
    occasion: str
    scores: Mapping[str, int]
    comment: str | None = None


# --- periods ----------------------------------------------------------------------------


def month_of(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m")


def period_of(month: str, grouping: Grouping) -> str:
    year, number = month.split("-")
    if grouping == "month":
        return month
    if grouping == "quarter":
        return f"{year}-Q{(int(number) - 1) // 3 + 1}"
    return year


def months_between(from_month: str, to_month: str) -> list[str]:
    start_year, start = (int(part) for part in from_month.split("-"))
    end_year, end = (int(part) for part in to_month.split("-"))
    first, last = start_year * 12 + start - 1, end_year * 12 + end - 1
    if last < first:
        raise InvalidPeriod(f"{to_month} is before {from_month}")
    if last - first + 1 > MAX_MONTHS:
        raise InvalidPeriod(f"more than {MAX_MONTHS} months")
    return [f"{index // 12:04d}-{index % 12 + 1:02d}" for index in range(first, last + 1)]


# --- counting -----------------------------------------------------------------------------


@dataclass
class Raw:
    """One period's figures before suppression."""

    requests: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    acceptances: int = 0
    consents_declined: int = 0
    withdrawals: int = 0
    meetings: Counter[tuple[str, str]] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    days: list[float] = field(default_factory=list)
    follow_ups: Counter[str] = field(default_factory=Counter)
    answers: list[Answer] = field(default_factory=list)


def _count(
    records: Iterable[CaseRecord], answers: Iterable[Answer], periods: Mapping[str, str]
) -> dict[str, Raw]:
    """Raw figures by period (``periods`` maps each month asked for to its period)."""
    raw = {period: Raw() for period in dict.fromkeys(periods.values())}

    def into(moment: datetime | None) -> Raw | None:
        if moment is None:
            return None
        period = periods.get(month_of(moment))
        return None if period is None else raw[period]

    for record in records:
        if (r := into(record.requested_at)) is not None:
            r.requests += 1
        for refusal in record.refusals:
            if (r := into(refusal.at)) is not None:
                r.refusals[refusal.code] += 1
        if (r := into(record.accepted_at)) is not None:
            r.acceptances += 1
        for moment in record.consents_declined:
            if (r := into(moment)) is not None:
                r.consents_declined += 1
        for moment in record.withdrawals:
            if (r := into(moment)) is not None:
                r.withdrawals += 1
        for meeting in record.meetings.values():
            if (r := into(meeting.held_at)) is not None and meeting.kind and meeting.format:
                r.meetings[(meeting.kind, meeting.format)] += 1
        if record.closed is not None and (r := into(record.closed.at)) is not None:
            r.outcomes[record.closed.outcome] += 1
        days = record.days_to_first_meeting()
        if days is not None and (r := into(record.first_meeting_held_at)) is not None:
            r.days.append(days)
        for result in record.follow_up_results:
            if (r := into(result.at)) is not None:
                r.follow_ups[result.code] += 1
    for answer in answers:
        period = periods.get(answer.month)
        if period is not None:
            raw[period].answers.append(answer)
    return raw


def _total(raws: Iterable[Raw]) -> Raw:
    total = Raw()
    for raw in raws:
        total.requests += raw.requests
        total.refusals += raw.refusals
        total.acceptances += raw.acceptances
        total.consents_declined += raw.consents_declined
        total.withdrawals += raw.withdrawals
        total.meetings += raw.meetings
        total.outcomes += raw.outcomes
        total.days += raw.days
        total.follow_ups += raw.follow_ups
        total.answers += raw.answers
    return total


# --- suppression --------------------------------------------------------------------------

Path = tuple[str, ...]
Cell = tuple[str, Path]


def _cells(raw: Raw) -> dict[Path, int]:
    """Every count of a period by its path in :class:`PeriodStatistics`. The codes are the
    contract's, all of them, so an absent code cannot be told from a small one."""
    cells: dict[Path, int] = {
        ("requests",): raw.requests,
        ("acceptances",): raw.acceptances,
        ("consents_declined",): raw.consents_declined,
        ("withdrawals",): raw.withdrawals,
        ("days_to_first_meeting", "cases"): len(raw.days),
        ("evaluations", "answers"): len(raw.answers),
    }
    for code in REFUSAL_CODES:
        cells[("refusals", code)] = raw.refusals[code]
    for outcome in OUTCOMES:
        cells[("outcomes", outcome)] = raw.outcomes[outcome]
    for result in FOLLOW_UP_RESULTS:
        cells[("follow_ups", result)] = raw.follow_ups[result]
    for kind in MEETING_KINDS:
        for format_ in MEETING_FORMATS:
            cells[("meetings", kind, format_)] = raw.meetings[(kind, format_)]
    return cells


def _groups(periods: Sequence[str], paths: Iterable[Path]) -> list[list[Cell]]:
    """The groups of cells whose total is known: a figure's codes in one period, and one
    figure across the periods (its total is the ``total`` row)."""
    paths = list(paths)
    groups: list[list[Cell]] = []
    for period in [*periods, TOTAL]:
        for figure in ("refusals", "outcomes", "follow_ups"):
            groups.append([(period, p) for p in paths if p[0] == figure])
        for kind in MEETING_KINDS:
            groups.append([(period, p) for p in paths if p[:2] == ("meetings", kind)])
    if len(periods) > 1:
        groups += [[(period, path) for period in periods] for path in paths]
    return groups


def suppressed(values: Mapping[Cell, int], groups: Sequence[Sequence[Cell]]) -> set[Cell]:
    """The cells to hide: primary (below :data:`THRESHOLD`, 0 included), then secondary
    until no group has exactly one hidden cell beside shown ones."""
    hidden = {cell for cell, value in values.items() if value < THRESHOLD}
    changed = True
    while changed:
        changed = False
        for group in groups:
            shown = [cell for cell in group if cell not in hidden]
            if shown and len(group) - len(shown) == 1:
                hidden.add(min(shown, key=lambda cell: (values[cell], group.index(cell))))
                changed = True
    return hidden


def measure(values: Sequence[float], compute: Callable[[Sequence[float]], float]) -> Measure:
    """A median, percentile or average: only from at least :data:`THRESHOLD` values."""
    if len(values) < THRESHOLD:
        return SUPPRESSED
    return round(compute(values), 1)


def p90(values: Sequence[float]) -> float:
    """The 90th percentile by nearest rank: a value that occurred, never interpolated."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


# --- the whole ------------------------------------------------------------------------------


def compute(
    records: Iterable[CaseRecord],
    answers: Iterable[Answer],
    *,
    from_month: str,
    to_month: str,
    grouping: Grouping,
    shuffle: Callable[[list[str]], None],
) -> Statistics:
    """The statistics of ``from_month`` to ``to_month`` (inclusive) by ``grouping``, every
    figure suppressed as the module says. ``shuffle`` puts comments in random order."""
    months = months_between(from_month, to_month)
    periods = {month: period_of(month, grouping) for month in months}
    order = list(dict.fromkeys(periods.values()))
    raw = _count(records, answers, periods)
    raw[TOTAL] = _total(raw[period] for period in order)

    values: dict[Cell, int] = {}
    for period in [*order, TOTAL]:
        values.update({(period, path): value for path, value in _cells(raw[period]).items()})
    paths = [path for period, path in values if period == TOTAL]
    hidden = suppressed(values, _groups(order, paths))

    def count(period: str, path: Path) -> Count:
        return SUPPRESSED if (period, path) in hidden else values[(period, path)]

    shown_comments: dict[str, list[str]] = {}
    for period in order:
        answered = raw[period].answers
        if len(answered) >= THRESHOLD:
            shown_comments[period] = [a.comment for a in answered if a.comment]
    shown_comments[TOTAL] = [c for period in order for c in shown_comments.get(period, [])]

    def row(period: str) -> PeriodStatistics:
        r = raw[period]
        comments = list(shown_comments.get(period, []))
        shuffle(comments)
        by_path: dict[str, Any] = {}
        for path in paths:
            if len(path) == 2 and path[0] in ("refusals", "outcomes", "follow_ups"):
                by_path.setdefault(path[0], {})[path[1]] = count(period, path)
            elif path[0] == "meetings":
                by_path.setdefault("meetings", {}).setdefault(path[1], {})[path[2]] = count(
                    period, path
                )
        return PeriodStatistics(
            period=period,
            requests=count(period, ("requests",)),
            refusals=by_path["refusals"],
            acceptances=count(period, ("acceptances",)),
            consents_declined=count(period, ("consents_declined",)),
            withdrawals=count(period, ("withdrawals",)),
            meetings=by_path["meetings"],
            outcomes=by_path["outcomes"],
            days_to_first_meeting=DaysToFirstMeeting(
                cases=count(period, ("days_to_first_meeting", "cases")),
                median=measure(r.days, stats.median),
                p90=measure(r.days, p90),
            ),
            follow_ups=by_path["follow_ups"],
            evaluations=EvaluationSummary(
                answers=count(period, ("evaluations", "answers")),
                averages={
                    question: measure(
                        [a.scores[question] for a in r.answers if question in a.scores],
                        stats.fmean,
                    )
                    for question in EVALUATION_QUESTIONS
                },
                comments=comments,
            ),
        )

    return Statistics(
        from_month=from_month,
        to_month=to_month,
        period=grouping,
        suppressed_below=THRESHOLD,
        periods=[row(period) for period in order],
        total=row(TOTAL),
    )
