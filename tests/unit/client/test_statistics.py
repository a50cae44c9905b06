"""The statistics page of a head of office (kontorchef), against a fake bus: who may see it,
what it asks insights, the tables with "<5" explained, the server-drawn SVG charts and the
CSV download."""

import re
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from fastapi.testclient import TestClient
from mediation_contracts.commands import (
    DaysToFirstMeeting,
    EvaluationSummary,
    PeriodStatistics,
    Statistics,
)
from mediator_client.charts import Series, grouped_bars, horizontal_bars
from mediator_client.statistics_view import csv_text, period_label, table, value_text

from tests.unit.client.conftest import Browser, csrf_of, sign_in
from tests.unit.client.fakes import FakeBus, case_detail

HIDDEN: Literal["<5"] = "<5"


def period(name: str, **changes: Any) -> PeriodStatistics:
    figures = PeriodStatistics(
        period=name,
        requests=12,
        refusals={"in_complaint_handling": HIDDEN, "assessment_declined": HIDDEN},
        acceptances=9,
        consents_declined=HIDDEN,
        withdrawals=HIDDEN,
        meetings={"mediation": {"joint": 6, "phone": HIDDEN}, "pre_meeting": {"phone": 11}},
        outcomes={"agreement": 5, "no_agreement": HIDDEN, "partial_agreement": HIDDEN},
        days_to_first_meeting=DaysToFirstMeeting(cases=7, median=12.5, p90=HIDDEN),
        follow_ups={"held": HIDDEN, "not_held": HIDDEN},
        evaluations=EvaluationSummary(
            answers=6,
            averages={"heard": 4.25, "respected": 4.5, "understood": HIDDEN, "useful": None},
            comments=[],
        ),
    )
    return figures.model_copy(update=changes)


def statistics(**changes: Any) -> Statistics:
    total = period(
        "total",
        requests=24,
        evaluations=EvaluationSummary(
            answers=12,
            averages={"heard": 4.0, "respected": 4.5, "understood": 3.8, "useful": HIDDEN},
            comments=["Mægleren lyttede <b>godt</b>", "Det hjalp at få en pause"],
        ),
    )
    stats = Statistics(
        from_month="2026-01",
        to_month="2026-06",
        period="quarter",
        periods=[period("2026-Q1"), period("2026-Q2", requests=HIDDEN)],
        total=total,
    )
    return stats.model_copy(update=changes)


# --- who may see it -------------------------------------------------------------------------


def test_a_head_of_office_starts_on_the_statistics_and_sees_only_that_in_the_menu(
    browser: TestClient, bus: FakeBus
) -> None:
    bus.statistics = statistics()
    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login",
        data={"csrf_token": token, "username": "kontorchef", "password": "correct horse battery"},
    )
    assert answer.headers["location"] == "/statistics"
    assert browser.get("/").headers["location"] == "/statistics"
    page = browser.get("/statistics").text
    menu = page[page.index("<nav") : page.index("</nav>")]
    assert 'href="/statistics">Statistik' in menu
    assert "/cases" not in menu
    assert "Karen Kontorchef</strong> (Kontorchef)" in page


def test_a_head_of_office_asked_to_sign_in_on_the_way_to_a_case_lands_on_the_statistics(
    browser: TestClient, bus: FakeBus
) -> None:
    token = csrf_of(browser.get("/login?next=/cases").text)
    answer = browser.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "kontorchef",
            "password": "correct horse battery",
            "next": "/cases",
        },
    )
    assert answer.headers["location"] == "/statistics"


def test_a_head_of_office_sees_no_cases_and_may_do_nothing_to_one(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = head_signed_in
    case = bus.add(case_detail())
    for path in ("/cases", f"/cases/{case.case_id}", "/cases/new"):
        answer = browser.get(path)
        assert answer.status_code == 403, path
        assert "Ingen adgang" in answer.text
        assert "kontorchefen ser kommunens statistik" in answer.text
        assert "Birte Borger" not in answer.text
        assert 'href="/statistics">Til din forside' in answer.text
    answer = browser.post(f"/cases/{case.case_id}/take", data={"csrf_token": token})
    assert answer.status_code == 403
    assert bus.published == []
    assert not bus.commands("list_cases")
    assert not bus.commands("get_case")


def test_a_mediator_is_refused_the_statistics_with_a_clear_page(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    bus.statistics = statistics()
    for path in ("/statistics", "/statistics/csv?from=2026-01&to=2026-06"):
        answer = browser.get(path)
        assert answer.status_code == 403, path
        assert "Siden hører ikke til din rolle" in answer.text
        assert 'href="/cases">Til dine sager' in answer.text
    assert not bus.commands("statistics")
    page = browser.get("/cases").text
    assert "/statistics" not in page[page.index("<nav") : page.index("</nav>")]


def test_the_statistics_need_a_sign_in(browser: TestClient) -> None:
    answer = browser.get("/statistics")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/statistics"


# --- the page -------------------------------------------------------------------------------


def test_the_default_is_this_year_so_far_by_quarter(head_signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    assert browser.get("/statistics").status_code == 200
    today = datetime.now(UTC).date()
    assert bus.commands("statistics")[-1] == {
        "from_month": f"{today.year}-01",
        "to_month": f"{today.year}-{today.month:02d}",
        "period": "quarter",
    }


def test_the_chosen_range_and_grouping_are_asked_and_kept_in_the_form(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics(period="month")
    page = browser.get("/statistics?from=2025-07&to=2026-06&period=month").text
    assert bus.commands("statistics")[-1] == {
        "from_month": "2025-07",
        "to_month": "2026-06",
        "period": "month",
    }
    assert 'value="2025-07"' in page
    assert '<option value="month" selected>Måned</option>' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13&to=2026-06", "Skriv en måned som år-måned"),
        ("from=januar&to=2026-06", "Skriv en måned som år-måned"),
        ("from=2026-06&to=2026-01", "Slutmåneden skal ligge efter startmåneden."),
        ("from=2026-01&to=2026-06&period=week", "Vælg en af mulighederne."),
    ],
)
def test_a_wrong_range_is_said_next_to_the_field_and_nothing_is_asked(
    head_signed_in: Browser, bus: FakeBus, query: str, message: str
) -> None:
    browser, _ = head_signed_in
    answer = browser.get(f"/statistics?{query}")
    assert answer.status_code == 422
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text or "Vælg en af" in answer.text
    assert not bus.commands("statistics")


def test_a_refusal_of_insights_is_shown(head_signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = head_signed_in
    answer = browser.get("/statistics")
    assert answer.status_code == 502
    assert "Statistikken kan ikke vises." in answer.text


def test_insights_not_answering_is_the_unavailable_page(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    bus.insights_down = True
    answer = browser.get("/statistics")
    assert answer.status_code == 503
    assert "Systemet svarer ikke lige nu" in answer.text


def cells(page: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-code="{re.escape(code)}">(.*?)</tr>', page, re.S)
    assert row is not None, code
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def test_the_tables_show_every_figure_with_hidden_ones_as_less_than_five(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    page = browser.get("/statistics").text
    for heading in ("1. kvt. 2026", "2. kvt. 2026", "I alt"):
        assert f'<th scope="col" class="num">{heading}</th>' in page
    assert cells(page, "requests") == ["12", "&lt;5", "24"]
    assert cells(page, "acceptances") == ["9", "9", "9"]
    assert cells(page, "meetings.mediation.joint") == ["6", "6", "6"]
    assert cells(page, "meetings.mediation.phone") == ["&lt;5"] * 3
    assert cells(page, "days_to_first_meeting.median") == ["12,5", "12,5", "12,5"]
    assert cells(page, "evaluations.averages.heard") == ["4,2", "4,2", "4,0"]
    assert cells(page, "evaluations.averages.useful") == ["–", "–", "&lt;5"]
    assert '<abbr title="færre end 5 – skjult">&lt;5</abbr>' in page
    assert "Mæglingsmøde – Telefon" in page
    assert "Ikke åbnet eller afvist: vurderet ikke egnet" in page
    assert "Følte du dig hørt?" in page  # the question as the contract words it
    assert "Aftale" in page
    assert "Små tal vises ikke, så ingen person eller sag kan genkendes" in page
    # The contract's order, not the service's: agreement, partial, none.
    assert (
        page.index('data-code="outcomes.agreement"')
        < page.index('data-code="outcomes.partial_agreement"')
        < page.index('data-code="outcomes.no_agreement"')
    )


def test_the_comments_are_listed_as_the_service_gives_them_and_escaped(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    page = browser.get("/statistics").text
    first = page.index("Mægleren lyttede &lt;b&gt;godt&lt;/b&gt;")
    assert first < page.index("Det hjalp at få en pause")
    assert "<b>godt</b>" not in page
    bus.statistics = statistics(total=period("total"))
    assert "Ingen kommentarer at vise." in browser.get("/statistics").text


def test_the_charts_are_inline_svg_with_hidden_values_hatched_and_labelled(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    answer = browser.get("/statistics")
    page = answer.text
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 5
    for svg in svgs:
        assert 'role="img"' in svg
        assert re.search(r'aria-labelledby="(chart-[a-z-]+)-title \1-desc"', svg)
        assert "<title id=" in svg
        assert "<desc id=" in svg
        assert "style=" not in svg  # the Content-Security-Policy allows no inline styles
        assert "<script" not in svg
    flow = next(svg for svg in svgs if 'id="chart-flow"' in svg)
    assert "Anmodninger og accepterede sager pr. periode" in flow
    assert 'class="bar bar--hidden"' in flow  # the second quarter's requests: hatched
    assert 'fill="url(#chart-flow-hatch-0)"' in flow
    assert "&gt;" not in flow.split("<desc")[0]
    assert "&lt;5</text>" in flow
    assert "Anmodninger: 1. kvt. 2026 12, 2. kvt. 2026 &lt;5." in flow  # the text alternative
    evaluations = next(svg for svg in svgs if 'id="chart-evaluations"' in svg)
    assert "Følte sig hørt: 4,0." in evaluations
    # A hidden average: no bar, only its label.
    assert evaluations.count('class="bar"') == 3
    assert "bar--hidden" not in evaluations
    assert "Fik noget ud af det" in evaluations
    meetings = next(svg for svg in svgs if 'id="chart-meetings"' in svg)
    assert "Formøde – Telefon" in meetings
    # Nothing from another site; no script at all.
    assert "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_the_page_in_english(head_signed_in: Browser, bus: FakeBus) -> None:
    browser, token = head_signed_in
    bus.statistics = statistics()
    browser.post("/language", data={"csrf_token": token, "lang": "en", "next": "/statistics"})
    page = browser.get("/statistics").text
    assert '<th scope="col" class="num">Q1 2026</th>' in page
    assert '<th scope="col" class="num">Total</th>' in page
    assert "Did you feel heard?" in page
    assert cells(page, "evaluations.averages.heard") == ["4.2", "4.2", "4.0"]
    assert "Small numbers are hidden so that no person or case can be recognised" in page


# --- the CSV --------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_period_and_figure_with_danish_headers(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    answer = browser.get("/statistics/csv?from=2026-01&to=2026-06&period=quarter")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="statistik-2026-01-2026-06-kvartal.csv"'
    )
    assert answer.headers["cache-control"] == "no-store"
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert lines[0] == "periode;område;tal;kode;værdi"
    rows = [line.split(";") for line in lines[1:] if line]
    figures = len(table(statistics(), "da").sections[0].rows)
    assert figures == 6
    per_period = len(rows) // 3
    assert len(rows) == 3 * per_period
    assert [row[0] for row in rows[::per_period]] == ["2026-Q1", "2026-Q2", "total"]
    assert ["2026-Q2", "Anmodninger og forløb", "Anmodninger", "requests", "<5"] in rows
    assert ["total", "Anmodninger og forløb", "Anmodninger", "requests", "24"] in rows
    median = ["2026-Q1", "Dage fra anmodning til første møde", "Median (dage)"]
    assert [*median, "days_to_first_meeting.median", "12,5"] in rows
    assert [
        "2026-Q1",
        "Parternes evaluering (1 = slet ikke, 5 = i meget høj grad)",
        "Fik du noget ud af mæglingen?",
        "evaluations.averages.useful",
        "",
    ] in rows
    assert "Mægleren lyttede" not in text  # figures only: no comments


def test_the_csv_in_english(head_signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    answer = browser.get("/statistics/csv?from=2026-01&to=2026-06&period=quarter&lang=en")
    assert (
        'filename="statistics-2026-01-2026-06-quarter.csv"' in answer.headers["content-disposition"]
    )
    lines = answer.content.decode("utf-8").removeprefix("\ufeff").split("\r\n")
    assert lines[0] == "period,section,figure,code,value"
    assert (
        "2026-Q1,Days from request to first meeting,Median (days),days_to_first_meeting.median,12.5"
        in lines
    )
    assert "2026-Q2,Requests and their course,Requests,requests,<5" in lines


def test_the_page_links_to_the_csv_of_what_it_shows(head_signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = head_signed_in
    bus.statistics = statistics()
    page = browser.get("/statistics?from=2026-01&to=2026-06&period=quarter").text
    assert (
        'href="/statistics/csv?from=2026-01&amp;to=2026-06&amp;period=quarter&amp;lang=da"' in page
    )
    assert (
        'href="/statistics/csv?from=2026-01&amp;to=2026-06&amp;period=quarter&amp;lang=en"' in page
    )


def test_a_csv_of_a_wrong_range_is_the_page_with_the_error(
    head_signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = head_signed_in
    answer = browser.get("/statistics/csv?from=2026-06&to=2026-01")
    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]
    assert not bus.commands("statistics")


# --- the pieces -----------------------------------------------------------------------------


def test_period_labels_and_values() -> None:
    assert period_label("2026-Q3", "da") == "3. kvt. 2026"
    assert period_label("2026-Q3", "en") == "Q3 2026"
    assert period_label("2026-09", "da") == "sep. 2026"
    assert period_label("2026-05", "en") == "May 2026"
    assert period_label("2026", "da") == "2026"
    assert period_label("total", "da") == "I alt"
    assert value_text(HIDDEN, "da") == "<5"
    assert value_text(None, "da") == "–"
    assert value_text(3.25, "da") == "3,2"
    assert value_text(7, "en") == "7"


def test_a_csv_cell_is_never_a_formula() -> None:
    stats = statistics(
        periods=[period("2026-Q1", refusals={"=HYPERLINK(1)": 5})], total=period("total")
    )
    text = csv_text(stats, "en")
    assert ",'=HYPERLINK(1)" not in text or "refusals.=HYPERLINK" not in text
    assert "\n=" not in text
    assert ",=" not in text


def test_a_chart_escapes_its_labels() -> None:
    svg = grouped_bars("chart-x", "A <title>", ["<p>"], [Series("<s>", [3])], [["3"]], " (hidden)")
    assert "<title>" not in svg.replace('<title id="chart-x-title">', "").split("</title>")[0]
    assert "&lt;p&gt;" in svg
    bars = horizontal_bars("chart-y", "T", [("<a>", 2, "2")], " (hidden)")
    assert "&lt;a&gt;" in bars
    empty = horizontal_bars("chart-z", "T", [], " (hidden)", empty_text="Intet at vise.")
    assert "Intet at vise." in empty


def test_the_chart_axis_grows_with_the_figures() -> None:
    svg = str(grouped_bars("chart-big", "T", ["a"], [Series("s", [230])], [["230"]], ""))
    assert ">250</text>" in svg
    small = str(grouped_bars("chart-small", "T", ["a"], [Series("s", [HIDDEN])], [["<5"]], ""))
    assert ">5</text>" in small  # a hidden value is drawn to 4 on an axis to 5
    assert "bar--hidden" in small


def test_signing_in_helper_works_for_the_head_of_office(browser: TestClient, bus: FakeBus) -> None:
    assert sign_in(browser, "kontorchef")
