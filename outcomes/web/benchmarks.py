"""Benchmark pages: a member co-op's own figures beside the consortium's distribution; every member
side by side for the coordinator (by name) and the board (by name only where the rules say so,
otherwise by letter), with the evidence of member control; each as CSV or XLSX.

Who may use them (``outcomes.selectors.benchmarks`` decides): coordinators, board members and
member users of a consortium (each sees its own consortium only); council reviewers, applicants
and staff 403; visitors to the login page. The page and its download are built from the same
rows, so a file holds exactly the figures the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consortium.exports import bad_format, download, file_format_of, frame_of
from governance.selectors.evidence import member_control_evidence, seat_class_label

from .. import figures as fig
from ..disclosure import MIN_MEMBERS_TO_COMPARE, MIN_PEOPLE, percent
from ..models import CIWRating
from ..selectors import benchmarks as selectors

CHART_LABEL = 260
CHART_WIDTH = 300
CHART_ROW = 28
BAR_HEIGHT = 8


@dataclass
class Shown:
    """One figure as the viewer sees it: ``value`` for the export (Decimal, int or None) and
    ``text`` for the page."""

    value: object
    text: str
    tenths: int | None = None  # for charts


def unit_of(metric: fig.Metric) -> str:
    if metric.kind == fig.RATE:
        return "%"
    if metric.kind == fig.PER_THOUSAND:
        return _("per 1,000 hours")
    return _("number")


def shown(metric: fig.Metric, value, *, rlw_missing: bool = False) -> Shown:
    if value is None:
        if metric.people:
            return Shown(None, _("Fewer than %(n)s people") % {"n": MIN_PEOPLE})
        if metric.code == "rlw_share" and rlw_missing:
            return Shown(None, _("No Real Living Wage rate for the year"))
        return Shown(None, _("No figure"))
    value = int(value)
    if metric.kind == fig.COUNT:
        return Shown(value, str(value))
    number = percent(value)
    text = f"{number}%" if metric.kind == fig.RATE else str(number)
    return Shown(number, text, value)


def period_label(quarter) -> str:
    return str(fig.quarter_label(quarter)) if quarter is not None else _("All quarters shown")


# --- a member co-op: its own figures and the distribution ----------------------------------------


@dataclass
class MemberRow:
    metric: fig.Metric
    own: Shown
    members: int | None  # contributing to the distribution (None: not compared)
    lower: Shown | None
    median: Shown | None
    upper: Shown | None
    note: str


def member_rows(b: selectors.Benchmarks, quarter) -> list[MemberRow]:
    rows = []
    for metric in fig.METRICS:
        own = b.figure(b.own, quarter, metric.code)
        missing = bool(b.figure(b.own, quarter, "rlw_rate_missing"))
        row = MemberRow(metric, shown(metric, own, rlw_missing=missing), None, None, None, None, "")
        if metric.code in fig.COMPARED:
            dist = b.distribution(quarter, metric.code)
            if dist is None:
                row.note = _("Fewer than five members contribute: no comparison")
            else:
                row.members = dist["members"]
                row.lower, row.median, row.upper = (shown(metric, dist[k]) for k in (
                    "lower_quartile", "median", "upper_quartile"))
        rows.append(row)
    return rows


def member_chart(rows: list[MemberRow]) -> dict:
    """Rates only, on a 0-100% scale: the quartiles as a box, the median as a line, the member's
    own figure as a dot."""
    items = []
    for row in rows:
        if row.metric.kind != fig.RATE:
            continue
        y = len(items) * CHART_ROW * 2 + 8
        scale = lambda t: CHART_LABEL + (t or 0) * CHART_WIDTH // 1000  # noqa: E731
        item = {"label": row.metric.label, "y": y, "text_y": y + 14, "box_y": y + 20, "row": row,
                "own_x": None if row.own.tenths is None else scale(row.own.tenths)}
        if row.lower is not None:
            item.update(lower_x=scale(row.lower.tenths), box_w=scale(row.upper.tenths) - scale(
                row.lower.tenths), median_x=scale(row.median.tenths))
        items.append(item)
    return {"items": items, "height": len(items) * CHART_ROW * 2 + 16, "left": CHART_LABEL,
            "right": CHART_LABEL + CHART_WIDTH, "width": CHART_LABEL + CHART_WIDTH + 20,
            "middle": CHART_LABEL + CHART_WIDTH // 2}


def member_sections(b: selectors.Benchmarks) -> list[dict]:
    periods = [*b.quarters[::-1], None] if b.quarters else []
    sections = []
    for quarter in periods:
        rows = member_rows(b, quarter)
        sections.append({"label": period_label(quarter), "rows": rows,
                         "slug": slugify(period_label(quarter)) or "span",
                         "chart": member_chart(rows) if quarter is None else None})
    return sections


def member_export_rows(sections: list[dict]) -> tuple[list[str], list[list]]:
    header = [_("Period"), _("Figure"), _("Unit"), _("Your figure"), _("Members contributing"),
              _("Lower quartile"), _("Median"), _("Upper quartile"), _("Note")]
    records = []
    for section in sections:
        for row in section["rows"]:
            records.append([section["label"], str(row.metric.label), unit_of(row.metric),
                            row.own.value if row.own.value is not None else row.own.text,
                            row.members, *(s.value if s else None for s in (row.lower, row.median,
                                                                             row.upper)),
                            row.note])
    return header, records


# --- the coordinator and the board: every member side by side -----------------------------------


def side_by_side(b: selectors.Benchmarks) -> list[dict]:
    """Per metric: a row per member with its figure per quarter and over the span, and a chart."""
    periods = [*b.quarters, None]
    tables = []
    for metric in fig.METRICS:
        rows = []
        for member in b.members:
            cells = [shown(metric, b.figure(member.pk, q, metric.code),
                           rlw_missing=bool(b.figure(member.pk, q, "rlw_rate_missing")))
                     for q in periods]
            rows.append({"member": member, "cells": cells})
        tables.append({"metric": metric, "rows": rows, "unit": unit_of(metric),
                       "chart": trend_chart(metric, rows, len(b.quarters))})
    return tables


def trend_chart(metric: fig.Metric, rows: list[dict], quarters: int) -> dict:
    """Small multiples: for each member, one bar per quarter (the span left out), scaled to 100%
    for rates and to the largest figure otherwise."""
    values = [c.tenths if metric.kind != fig.COUNT else c.value
              for r in rows for c in r["cells"][:quarters]]
    top = 1000 if metric.kind == fig.RATE else max([v for v in values if v is not None] or [0])
    band = BAR_HEIGHT + 2
    block = max(quarters, 1) * band + 10
    items = []
    for i, row in enumerate(rows):
        y = i * block + 4
        bars = []
        for j, cell in enumerate(row["cells"][:quarters]):
            value = cell.tenths if metric.kind != fig.COUNT else cell.value
            width = 0 if not value or not top else max(1, min(value, top) * CHART_WIDTH // top)
            bars.append({"y": y + j * band, "width": width, "text": cell.text})
        items.append({"label": row["member"].name, "label_y": y + BAR_HEIGHT + 2, "bars": bars})
    return {"items": items, "height": max(len(rows), 1) * block + 8, "left": CHART_LABEL,
            "width": CHART_LABEL + CHART_WIDTH + 20, "bar_height": BAR_HEIGHT}


def ratings_rows(b: selectors.Benchmarks) -> list[dict]:
    names = {m.pk: m.name for m in b.members}
    order = {m.pk: i for i, m in enumerate(b.members)}
    labels = dict(CIWRating.choices)
    rows = []
    if b.ratings is None or b.ratings.empty:
        return rows
    for record in b.ratings.to_dict("records"):
        rows.append({"member": names[record["coop"]], "order": order[record["coop"]],
                     "service": b.service_names.get(record["service_type"], ""),
                     "inspected_on": record["inspected_on"],
                     "themes": [str(labels[record[t]]) if record[t] else _("Not rated")
                                for t in fig.THEMES]})
    return sorted(rows, key=lambda r: (r["order"], r["service"]))


def theme_labels() -> list[str]:
    return [_("Well-being"), _("Care and support"), _("Environment"), _("Leadership and management")]


def side_export_rows(b: selectors.Benchmarks, tables: list[dict], ratings: list[dict],
                     evidence) -> tuple[list[str], list[list]]:
    header = [_("Member"), _("Period"), _("Figure"), _("Unit"), _("Value")]
    periods = [period_label(q) for q in b.quarters] + [period_label(None)]
    records = []
    for table in tables:
        for row in table["rows"]:
            for label, cell in zip(periods, row["cells"], strict=True):
                records.append([row["member"].name, label, str(table["metric"].label), table["unit"],
                                cell.value if cell.value is not None else cell.text])
    for rating in ratings:
        when = date_format(rating["inspected_on"], "j F Y")
        for theme, value in zip(theme_labels(), rating["themes"], strict=True):
            records.append([rating["member"], when, _("CIW rating: %(theme)s, %(service)s") % {
                "theme": theme, "service": rating["service"]}, _("rating"), value])
    for report in b.governance_reports:
        year = f"{report['financial_year']}-{(report['financial_year'] + 1) % 100:02d}"
        records += [
            [report["member"], year, _("AGM held on"), _("date"),
             date_format(report["agm_held_on"], "j F Y") if report["agm_held_on"] else _("No AGM reported")],
            [report["member"], year, _("Members"), _("number"), report["members"]],
            [report["member"], year, _("Workers"), _("number"), report["workers"]],
            [report["member"], year, _("Workers who are members"), "%",
             percent(report["workers_members_share"]) if report["workers_members_share"] is not None
             else _("No figure")],
        ]
    consortium = str(b.consortium)
    records.append([consortium, "", _("Rules version in force"), _("number"), evidence.rules.version])
    for indicator in evidence.indicators:
        records.append([consortium, "", indicator_label(indicator.code), "%",
                        indicator.share if indicator.share is not None else _("Not applicable")])
    for row in evidence.turnouts:
        t = row.turnout
        records.append([consortium, date_format(t.meeting.held_on, "j F Y"),
                        _("Turnout: %(meeting)s") % {"meeting": t.meeting.title}, "%",
                        t.percent if t.percent is not None else _("No figure")])
    for seat in evidence.seats:
        records.append([consortium, "", _("Board seats: %(class)s") % {"class": seat_class_label(
            seat.seat_class)}, _("number"), seat.seats])
    return header, records


def indicator_label(code: str) -> str:
    return {"user_led": _("Votes held by user-led member co-ops"),
            "type_b": _("Workers of type B members from disadvantaged groups")}.get(
        code, _("Active members that are social co-ops"))


# --- the views ---------------------------------------------------------------------------------


def _context(request) -> dict:
    b = selectors.benchmarks_for(request.user)
    context = {"b": b, "min_members": MIN_MEMBERS_TO_COMPARE, "min_people": MIN_PEOPLE,
               "periods": [period_label(q) for q in b.quarters] + [period_label(None)]}
    if b.kind == selectors.MEMBER:
        context["sections"] = member_sections(b)
        context["member"] = b.members[0] if b.members else None
    else:
        context["tables"] = side_by_side(b)
        context["ratings"] = ratings_rows(b)
        context["themes"] = theme_labels()
        context["evidence"] = member_control_evidence(b.consortium)
    return context


@login_required
def benchmark_page(request):
    context = _context(request)
    template = ("outcomes/benchmarks/member.html" if context["b"].kind == selectors.MEMBER
                else "outcomes/benchmarks/side_by_side.html")
    return render(request, template, context)


@login_required
def benchmark_export(request):
    file_format = file_format_of(request)
    context = _context(request)
    if file_format is None:
        return bad_format()
    b = context["b"]
    if b.kind == selectors.MEMBER:
        header, records = member_export_rows(context["sections"])
    else:
        header, records = side_export_rows(b, context["tables"], context["ratings"],
                                           context["evidence"])
    about = [(_("Consortium"), b.consortium), (_("Quarters"), ", ".join(context["periods"][:-1])),
             (_("Method"), _("Rates are shown to one place of a percentage, rounded down. A quarter "
                             "is a quarter of the financial year; a billing period belongs to the "
                             "quarter its last day falls in. Figures about people are not shown "
                             "where fewer than five people's reviews stand behind them."))]
    if b.kind == selectors.MEMBER:
        about.append((_("Distribution"), _("The consortium's lower quartile, median and upper "
                                           "quartile (nearest rank, rounded down to a whole "
                                           "percentage point), only where at least five members "
                                           "contribute; never another member's figure.")))
    return download(frame_of(header, records), name="benchmarks", file_format=file_format,
                    sheet=_("Benchmarks")[:31], about=about)


urlpatterns = [
    path("outcomes/benchmarks/", benchmark_page, name="benchmark-page"),
    path("outcomes/benchmarks/export/", benchmark_export, name="benchmark-export"),
]
