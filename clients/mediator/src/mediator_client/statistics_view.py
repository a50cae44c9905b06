"""The statistics of insights as a head of office reads them: figures in sections, one column
per period (and the total), the same figures as CSV, and the charts' data.

Every value is the service's: a number, ``"<5"`` (fewer than 5, hidden so no one can be
recognised) or nothing to measure. The client never computes a figure of its own from them
(no sums of cells: a sum with a hidden cell in it would be a guess, or give the cell away).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from mediation_contracts.commands import (
    EVALUATION_QUESTIONS,
    SUPPRESSED,
    Count,
    EvaluationAnswers,
    Measure,
    PeriodStatistics,
    Statistics,
)
from mediation_contracts.events import FollowUpResult, MeetingFormat, MeetingKind, Outcome

from mediator_client import i18n

Value = Count | Measure
Pick = Callable[[PeriodStatistics], Value]
Grouping = Literal["month", "quarter", "year"]
GROUPINGS: tuple[Grouping, ...] = ("month", "quarter", "year")
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
KINDS: tuple[MeetingKind, ...] = get_args(MeetingKind)
FORMATS: tuple[MeetingFormat, ...] = get_args(MeetingFormat)
RESULTS: tuple[FollowUpResult, ...] = get_args(FollowUpResult)
SECTIONS = ("cases", "meetings", "outcomes", "waiting", "follow_ups", "evaluations")


def question_text(question: str, lang: i18n.Language) -> str:
    """The question as the contract words it: its description is ``Danish / English``."""
    field = EvaluationAnswers.model_fields.get(question)
    if field is None or not field.description:
        return question
    danish, _, english = field.description.partition(" / ")
    return danish if lang == "da" or not english else english


@dataclass(frozen=True)
class FigureRow:
    code: str  # stable, for programs and the CSV: e.g. meetings.mediation.joint
    label: str
    values: tuple[Value, ...]  # one per column: the periods, then the total
    measure: bool = False  # a median or average (not a count of cases)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: tuple[FigureRow, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # the periods as labels, then "I alt"
    periods: tuple[str, ...]  # the same as the service names them, then "total"
    sections: tuple[Section, ...]


def default_range(today: date) -> tuple[str, str, Grouping]:
    """This year so far, by quarter."""
    return f"{today.year:04d}-01", f"{today.year:04d}-{today.month:02d}", "quarter"


_MONTHS = {
    "da": (
        "jan.",
        "feb.",
        "mar.",
        "apr.",
        "maj",
        "jun.",
        "jul.",
        "aug.",
        "sep.",
        "okt.",
        "nov.",
        "dec.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def period_label(period: str, lang: i18n.Language) -> str:
    """``2026-Q3`` -> ``3. kvt. 2026`` / ``Q3 2026``; ``2026-09`` -> ``sep. 2026``;
    ``total`` -> ``I alt``. Anything else shows as the service named it."""
    if period == "total":
        return i18n.translate(lang, "stats_total")
    if quarter := re.fullmatch(r"([0-9]{4})-Q([1-4])", period):
        year, number = quarter.groups()
        return f"{number}. kvt. {year}" if lang == "da" else f"Q{number} {year}"
    if month := re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", period):
        year, number = month.groups()
        return f"{_MONTHS[lang][int(number) - 1]} {year}"
    return period


def value_text(value: Value, lang: i18n.Language) -> str:
    """A value as shown: ``<5`` as such, a measure with one decimal (Danish comma), nothing
    to measure as a dash."""
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return SUPPRESSED
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text.replace(".", ",") if lang == "da" else text
    return str(value)


def _ordered(known: Iterable[str], seen: Iterable[str]) -> list[str]:
    """The contract's codes in its order, then any the service added, as it sent them."""
    seen = list(dict.fromkeys(seen))
    return [code for code in known if code in seen] + [c for c in seen if c not in known]


def _label(lang: i18n.Language, prefixes: tuple[str, ...], code: str) -> str:
    for prefix in prefixes:
        text = i18n.label(lang, prefix, code)
        if text != code:
            return text
    return code


def _coded(figures: Callable[[PeriodStatistics], Mapping[str, Count]], code: str) -> Pick:
    return lambda period: figures(period).get(code)


def _meeting(kind: str, meeting_format: str) -> Pick:
    return lambda period: period.meetings.get(kind, {}).get(meeting_format)


def _average(question: str) -> Pick:
    return lambda period: period.evaluations.averages.get(question)


def table(stats: Statistics, lang: i18n.Language) -> Table:
    columns = [*stats.periods, stats.total]
    t = i18n.translator(lang)

    def row(code: str, label: str, pick: Pick, measure: bool = False) -> FigureRow:
        return FigureRow(code, label, tuple(pick(p) for p in columns), measure)

    refusal_codes = _ordered((), (code for p in columns for code in p.refusals))
    kinds = _ordered(KINDS, (kind for p in columns for kind in p.meetings))
    outcomes = _ordered(OUTCOMES, (code for p in columns for code in p.outcomes))
    results = _ordered(RESULTS, (code for p in columns for code in p.follow_ups))
    questions = _ordered(EVALUATION_QUESTIONS, (q for p in columns for q in p.evaluations.averages))
    meeting_rows = []
    for kind in kinds:
        formats = _ordered(FORMATS, (f for p in columns for f in p.meetings.get(kind, {})))
        meeting_rows += [
            row(
                f"meetings.{kind}.{fmt}",
                f"{_label(lang, ('meeting_kind',), kind)} – "
                f"{_label(lang, ('meeting_format',), fmt)}",
                _meeting(kind, fmt),
            )
            for fmt in formats
        ]
    sections = (
        Section(
            "cases",
            t("stats_section_cases"),
            (
                row("requests", t("stats_requests"), lambda p: p.requests),
                row("acceptances", t("stats_acceptances"), lambda p: p.acceptances),
                *(
                    row(
                        f"refusals.{code}",
                        t("stats_refused", reason=_label(lang, ("refusal", "reason"), code)),
                        _coded(lambda p: p.refusals, code),
                    )
                    for code in refusal_codes
                ),
                row(
                    "consents_declined", t("stats_consents_declined"), lambda p: p.consents_declined
                ),
                row("withdrawals", t("stats_withdrawals"), lambda p: p.withdrawals),
            ),
        ),
        Section("meetings", t("stats_section_meetings"), tuple(meeting_rows)),
        Section(
            "outcomes",
            t("stats_section_outcomes"),
            tuple(
                row(
                    f"outcomes.{code}",
                    _label(lang, ("outcome",), code),
                    _coded(lambda p: p.outcomes, code),
                )
                for code in outcomes
            ),
        ),
        Section(
            "waiting",
            t("stats_section_waiting"),
            (
                row(
                    "days_to_first_meeting.cases",
                    t("stats_waiting_cases"),
                    lambda p: p.days_to_first_meeting.cases,
                ),
                row(
                    "days_to_first_meeting.median",
                    t("stats_waiting_median"),
                    lambda p: p.days_to_first_meeting.median,
                    measure=True,
                ),
                row(
                    "days_to_first_meeting.p90",
                    t("stats_waiting_p90"),
                    lambda p: p.days_to_first_meeting.p90,
                    measure=True,
                ),
            ),
        ),
        Section(
            "follow_ups",
            t("stats_section_follow_ups"),
            tuple(
                row(
                    f"follow_ups.{code}",
                    _label(lang, ("follow_up_result",), code),
                    _coded(lambda p: p.follow_ups, code),
                )
                for code in results
            ),
        ),
        Section(
            "evaluations",
            t("stats_section_evaluations"),
            (
                row("evaluations.answers", t("stats_answers"), lambda p: p.evaluations.answers),
                *(
                    row(
                        f"evaluations.averages.{question}",
                        question_text(question, lang),
                        _average(question),
                        measure=True,
                    )
                    for question in questions
                ),
            ),
        ),
    )
    return Table(
        columns=tuple(period_label(p.period, lang) for p in columns),
        periods=tuple(p.period for p in columns),
        sections=sections,
    )


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = {
    "da": ("periode", "område", "tal", "kode", "værdi"),
    "en": ("period", "section", "figure", "code", "value"),
}


def _cell(text: str) -> str:
    """A spreadsheet must not read a cell as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(stats: Statistics, lang: i18n.Language) -> str:
    """One row per period and figure (the total last), with the headers in ``lang``. Danish:
    semicolons and decimal commas, as a Danish spreadsheet reads them; English: commas and
    points. ``<5`` stays text; nothing to measure is an empty cell."""
    shown = table(stats, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "da" else ",", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS[lang])
    for index, period in enumerate(shown.periods):
        for section in shown.sections:
            for figure in section.rows:
                value = figure.values[index]
                writer.writerow(
                    [
                        period,
                        _cell(section.title),
                        _cell(figure.label),
                        _cell(figure.code),
                        "" if value is None else value_text(value, lang),
                    ]
                )
    return out.getvalue()


def csv_name(stats: Statistics, lang: i18n.Language) -> str:
    word = {"da": "statistik", "en": "statistics"}[lang]
    grouping = i18n.label(lang, "stats_file_period", stats.period)
    return f"{word}-{stats.from_month}-{stats.to_month}-{grouping}.csv"
