"""The statistics page for a head of office (kontorchef): insights' anonymous figures of the
municipality by period, as charts, tables and CSV. Mediators are refused (403)."""

from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Query
from markupsafe import Markup
from mediation_contracts.commands import GetStatistics, Reply, Statistics
from starlette.requests import Request
from starlette.responses import Response

from mediator_client import i18n
from mediator_client.case_page import refusal_text
from mediator_client.charts import Series, grouped_bars, horizontal_bars
from mediator_client.forms import StatisticsForm, parse
from mediator_client.statistics_view import (
    GROUPINGS,
    Table,
    csv_name,
    csv_text,
    default_range,
    table,
    value_text,
)
from mediator_client.web import HeadOfOffice, client, lang_of, render

log = structlog.get_logger(__name__)
pages = APIRouter()
posts = APIRouter()  # the page only reads: nothing to post

SHORT_QUESTIONS = ("heard", "respected", "understood", "useful", "recommend")


def _query(
    from_month: str | None, to_month: str | None, period: str | None, lang: i18n.Language
) -> tuple[dict[str, str], StatisticsForm | None, dict[str, str]]:
    """What was asked (this year so far by quarter, where nothing was), parsed."""
    start, end, grouping = default_range(datetime.now(UTC).date())
    values = {
        "from_month": from_month or start,
        "to_month": to_month or end,
        "period": period or grouping,
    }
    form, errors = parse(StatisticsForm, values, lang)
    return values, form, errors


async def _statistics(request: Request, tenant: str, form: StatisticsForm) -> Reply:
    query = GetStatistics(from_month=form.from_month, to_month=form.to_month, period=form.period)
    return await client(request).gateway.statistics(tenant, query)


@pages.get("/statistics")
async def statistics_page(
    request: Request,
    user: HeadOfOffice,
    from_month: str | None = Query(default=None, alias="from", max_length=7),
    to_month: str | None = Query(default=None, alias="to", max_length=7),
    period: str | None = Query(default=None, max_length=10),
) -> Response:
    lang = lang_of(request)
    values, form, errors = _query(from_month, to_month, period, lang)
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "groupings": GROUPINGS,
        "shown": lambda value: value_text(value, lang),
    }
    if form is None or errors:
        return render(request, "statistics.html", context, status_code=422)
    reply = await _statistics(request, user.tenant, form)
    if not reply.ok or reply.statistics is None:
        log.info("statistics_refused", code=reply.error.code if reply.error else None)
        context["error"] = refusal_text(reply, lang)
        return render(request, "statistics.html", context, status_code=502)
    stats: Statistics = reply.statistics
    shown = table(stats, lang)
    log.info("statistics_shown", staff_id=user.staff_id, period=form.period)
    context.update(
        stats=stats,
        table=shown,
        charts=charts(stats, shown, lang),
        query=f"from={form.from_month}&to={form.to_month}&period={form.period}",
    )
    return render(request, "statistics.html", context)


@pages.get("/statistics/csv")
async def statistics_csv(
    request: Request,
    user: HeadOfOffice,
    from_month: str | None = Query(default=None, alias="from", max_length=7),
    to_month: str | None = Query(default=None, alias="to", max_length=7),
    period: str | None = Query(default=None, max_length=10),
    lang: str | None = Query(default=None, max_length=2),
) -> Response:
    """The page's figures as CSV, headers in Danish (or English with ``lang=en``)."""
    language = i18n.language(lang) if lang else lang_of(request)
    _, form, errors = _query(from_month, to_month, period, language)
    if form is None or errors:
        return await statistics_page(request, user, from_month, to_month, period)
    reply = await _statistics(request, user.tenant, form)
    if not reply.ok or reply.statistics is None:
        return await statistics_page(request, user, from_month, to_month, period)
    stats: Statistics = reply.statistics
    log.info("statistics_downloaded", staff_id=user.staff_id, period=form.period)
    # A byte order mark: a spreadsheet then reads æ, ø and å as they are.
    return Response(
        "\ufeff" + csv_text(stats, language),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{csv_name(stats, language)}"'},
    )


def charts(stats: Statistics, shown: Table, lang: i18n.Language) -> list[tuple[str, Markup]]:
    """The charts of the page, (title, svg): the flow of cases and the outcomes by period, and
    over the whole range held meetings by format, follow-up results and the evaluation."""
    t = i18n.translator(lang)
    hidden = t("stats_hidden_chart_note")
    periods = shown.columns[:-1]
    rows = {row.code: row for section in shown.sections for row in section.rows}

    def per_period(codes: list[str]) -> tuple[list[Series], list[list[str]]]:
        series = [Series(rows[c].label, rows[c].values[:-1]) for c in codes if c in rows]
        texts = [[value_text(v, lang) for v in one.values] for one in series]
        return series, texts

    flow, flow_texts = per_period(["requests", "acceptances"])
    outcome_codes = [c for c in rows if c.startswith("outcomes.")]
    outcomes, outcome_texts = per_period(outcome_codes)

    def over_all(prefix: str) -> list[tuple[str, Any, str]]:
        return [
            (row.label, row.values[-1], value_text(row.values[-1], lang))
            for code, row in rows.items()
            if code.startswith(prefix)
        ]

    averages = [
        (
            t(f"stats_question_short_{question}"),
            stats.total.evaluations.averages.get(question),
            value_text(stats.total.evaluations.averages.get(question), lang),
        )
        for question in SHORT_QUESTIONS
        if question in stats.total.evaluations.averages
    ]
    nothing = t("stats_chart_nothing")
    return [
        (
            t("stats_chart_flow"),
            grouped_bars("chart-flow", t("stats_chart_flow"), periods, flow, flow_texts, hidden),
        ),
        (
            t("stats_chart_outcomes"),
            grouped_bars(
                "chart-outcomes",
                t("stats_chart_outcomes"),
                periods,
                outcomes,
                outcome_texts,
                hidden,
            ),
        ),
        (
            t("stats_chart_meetings"),
            horizontal_bars(
                "chart-meetings",
                t("stats_chart_meetings"),
                over_all("meetings."),
                hidden,
                empty_text=nothing,
            ),
        ),
        (
            t("stats_chart_follow_ups"),
            horizontal_bars(
                "chart-follow-ups",
                t("stats_chart_follow_ups"),
                over_all("follow_ups."),
                hidden,
                empty_text=nothing,
            ),
        ),
        (
            t("stats_chart_evaluations"),
            horizontal_bars(
                "chart-evaluations",
                t("stats_chart_evaluations"),
                averages,
                hidden,
                scale=(1.0, 5.0),
                empty_text=nothing,
            ),
        ),
    ]
