"""Benchmark figures per member co-op: pure pandas over plain frames (no database, no clock).

``outcomes/selectors/benchmarks.py`` reads the rows (one query per table) into :class:`Frames`;
:func:`member_figures` computes, per member and quarter (or per member over a span of quarters),
every figure of the benchmark pages, with one meaning everywhere:

- a quarter is a quarter of the UK financial year (Q1 April to June); a billing period belongs to
  the quarter of its END date. Only returns submitted or accepted count;
- outcomes met / partly met / not met: results of each kind over all results of the reviews
  attached to those returns; involvement: reviews where the person, their carer or both took
  part over all reviews; people reviewed: the number of reviews. Every people-based figure is
  None where it is built from fewer than ``MIN_PEOPLE`` reviews (nothing singles out a person);
- visits missed, late and short: each count over visits planned, summed over the returns first;
- complaints and safeguarding referrals: counts, and per 1,000 hours delivered (hours: the sum of
  the returns' lines' quantity), in tenths (12.3 per 1,000 hours is 123);
- Real Living Wage share: pay-band hours at an hourly rate at or above the Real Living Wage of
  the financial year the period ends in, over all pay-band hours; None where no rate is known for
  a year the member has pay bands in (``rlw_rate_missing`` says so);
- Social Care Wales registration share: care workers registered over care workers;
- CIW good or better: of the theme ratings of the latest inspection of each (member, service) on
  or before the end of the quarter (or span), the share rated good or excellent;
- commitments on track: of the tracked commitments the member is answerable for (those of
  contracts running in the quarter), those whose progress done up to the end of the quarter is at
  least the promise times the share of the contract's term elapsed by then.

Rates are whole tenths of a percent (``outcomes.disclosure.rate_tenths``, rounded down). Hours and
money come in as ``Decimal`` and are made whole hundredths before pandas sees them, so no figure
goes through a float.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.i18n import interpolate_lazy

from .disclosure import MIN_PEOPLE, rate_tenths

RATE = "rate"  # tenths of a percent
PER_THOUSAND = "per_thousand"  # tenths of one per 1,000 hours
COUNT = "count"


@dataclass(frozen=True)
class Metric:
    code: str
    label: object
    kind: str
    people: bool = False  # built from people's reviews: suppressed below MIN_PEOPLE
    higher_is_better: bool = True


METRICS: tuple[Metric, ...] = (
    Metric("outcomes_met", _("Outcomes met"), RATE, people=True),
    Metric("outcomes_partly", _("Outcomes partly met"), RATE, people=True),
    Metric("outcomes_not_met", _("Outcomes not met"), RATE, people=True, higher_is_better=False),
    Metric("involvement", _("People or carers involved in planning care"), RATE, people=True),
    Metric("people_reviewed", _("People's reviews"), COUNT, people=True),
    Metric("visits_missed", _("Visits missed"), RATE, higher_is_better=False),
    Metric("visits_late", _("Visits late"), RATE, higher_is_better=False),
    Metric("visits_short", _("Visits cut short"), RATE, higher_is_better=False),
    Metric("complaints", _("Complaints"), COUNT, higher_is_better=False),
    Metric("complaints_per_1000h", _("Complaints per 1,000 hours"), PER_THOUSAND,
           higher_is_better=False),
    Metric("safeguarding", _("Safeguarding referrals"), COUNT),
    Metric("safeguarding_per_1000h", _("Safeguarding referrals per 1,000 hours"), PER_THOUSAND),
    Metric("rlw_share", _("Hours paid at or above the Real Living Wage"), RATE),
    Metric("scw_share", _("Care workers registered with Social Care Wales"), RATE),
    Metric("ciw_good", _("CIW theme ratings good or excellent"), RATE),
    Metric("commitments_on_track", _("Social value commitments on track"), RATE),
)
METRIC = {m.code: m for m in METRICS}
#: The figures a member may compare with the consortium's distribution (rates, not counts).
COMPARED = tuple(m.code for m in METRICS if m.kind != COUNT)

COUNTED_STATUSES = ("submitted", "accepted")
INVOLVED = ("person", "carer", "both")
GOOD_OR_BETTER = ("good", "excellent")
THEMES = ("well_being", "care_and_support", "environment", "leadership")

QUARTER_LABEL = pgettext_lazy("financial quarter", "%(start)s-%(end)s Q%(quarter)s")

FRAME_COLUMNS = {
    "returns": ("return_id", "coop", "period_end", "status", "visits_planned", "visits_missed",
                "visits_late", "visits_short"),
    "lines": ("return_id", "quantity"),
    "reports": ("report_id", "return_id", "complaints", "safeguarding", "care_workers",
                "care_workers_registered"),
    "pay_bands": ("report_id", "hourly_rate", "hours"),
    "reviews": ("review_id", "return_id", "involvement"),
    "results": ("review_id", "result"),
    "living_wage": ("financial_year", "hourly_rate"),
    "inspections": ("coop", "service_type", "inspected_on", *THEMES),
    "commitments": ("commitment_id", "coop", "promised", "contract_start", "contract_end"),
    "progress": ("commitment_id", "financial_year", "quarter", "done"),
}


def empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FRAME_COLUMNS[name]})


def frame(name: str, rows) -> pd.DataFrame:
    """A frame of the named table from rows in its columns' order (object columns)."""
    rows = list(rows)
    if not rows:
        return empty(name)
    return pd.DataFrame.from_records(rows, columns=list(FRAME_COLUMNS[name]))


@dataclass
class Frames:
    returns: pd.DataFrame = field(default_factory=lambda: empty("returns"))
    lines: pd.DataFrame = field(default_factory=lambda: empty("lines"))
    reports: pd.DataFrame = field(default_factory=lambda: empty("reports"))
    pay_bands: pd.DataFrame = field(default_factory=lambda: empty("pay_bands"))
    reviews: pd.DataFrame = field(default_factory=lambda: empty("reviews"))
    results: pd.DataFrame = field(default_factory=lambda: empty("results"))
    living_wage: pd.DataFrame = field(default_factory=lambda: empty("living_wage"))
    inspections: pd.DataFrame = field(default_factory=lambda: empty("inspections"))
    commitments: pd.DataFrame = field(default_factory=lambda: empty("commitments"))
    progress: pd.DataFrame = field(default_factory=lambda: empty("progress"))


# --- quarters ----------------------------------------------------------------------------------

Quarter = tuple[int, int]  # (financial year it starts in, quarter 1-4)


def quarter_of(day: dt.date) -> Quarter:
    """The financial-year quarter of a day: April-June of 2026 is (2026, 1), January 2027 (2026, 4)."""
    if day.month >= 4:
        return day.year, (day.month - 4) // 3 + 1
    return day.year - 1, 4


def financial_year_of(day: dt.date) -> int:
    return quarter_of(day)[0]


def quarter_end(quarter: Quarter) -> dt.date:
    year, q = quarter
    month = 3 + 3 * q  # 6, 9, 12, 15
    last_year, last_month = (year, month) if month <= 12 else (year + 1, month - 12)
    following = dt.date(last_year + (last_month == 12), last_month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def quarter_start(quarter: Quarter) -> dt.date:
    year, q = quarter
    month = 4 + 3 * (q - 1)
    return dt.date(year, month, 1) if month <= 12 else dt.date(year + 1, month - 12, 1)


def quarter_label(quarter: Quarter):
    """"2026-27 Q3", in the reader's language."""
    year, q = quarter
    return interpolate_lazy(QUARTER_LABEL, {"start": str(year), "end": f"{(year + 1) % 100:02d}",
                                            "quarter": str(q)})


def next_quarter(quarter: Quarter) -> Quarter:
    year, q = quarter
    return (year, q + 1) if q < 4 else (year + 1, 1)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    found, current = [], first
    while current <= last:
        found.append(current)
        current = next_quarter(current)
    return found


# --- exact arithmetic --------------------------------------------------------------------------


def hundredths(value) -> int:
    """A Decimal quantity as whole hundredths (exact: quantities have two places)."""
    return int(Decimal(value).scaleb(2).to_integral_value())


def _int_sum(series: pd.Series) -> int:
    return int(sum(int(v) for v in series))


# --- the figures -------------------------------------------------------------------------------


def _counted_returns(frames: Frames, quarters: list[Quarter] | None) -> pd.DataFrame:
    returns = frames.returns[frames.returns["status"].isin(COUNTED_STATUSES)].copy()
    if returns.empty:
        returns["financial_year"] = pd.Series(dtype=object)
        returns["quarter"] = pd.Series(dtype=object)
        return returns
    keys = [quarter_of(day) for day in returns["period_end"]]
    returns["financial_year"] = [k[0] for k in keys]
    returns["quarter"] = [k[1] for k in keys]
    if quarters is not None:
        wanted = set(quarters)
        returns = returns[[k in wanted for k in keys]]
    return returns


def _people_based(values: dict, reviews: int) -> dict:
    if reviews >= MIN_PEOPLE:
        return values
    return {key: None for key in values}


def _group_figures(returns: pd.DataFrame, frames: Frames, rlw: dict[int, int],
                   inspections: pd.DataFrame, commitments: pd.DataFrame, coop: int,
                   last_day: dt.date, quarters: list[Quarter]) -> dict:
    """Every figure of one member over ``returns`` (already its own, in the quarters)."""
    ids = set(returns["return_id"])
    figures: dict = {}

    # people's outcomes
    reviews = frames.reviews[frames.reviews["return_id"].isin(ids)]
    results = frames.results[frames.results["review_id"].isin(set(reviews["review_id"]))]
    n_reviews, n_results = len(reviews), len(results)
    counts = results["result"].value_counts()
    figures.update(_people_based({
        "outcomes_met": rate_tenths(int(counts.get("met", 0)), n_results),
        "outcomes_partly": rate_tenths(int(counts.get("partly", 0)), n_results),
        "outcomes_not_met": rate_tenths(int(counts.get("not_met", 0)), n_results),
        "involvement": rate_tenths(int(reviews["involvement"].isin(INVOLVED).sum()), n_reviews),
        "people_reviewed": n_reviews,
    }, n_reviews))

    # visits
    planned = _int_sum(returns["visits_planned"])
    for name in ("missed", "late", "short"):
        figures[f"visits_{name}"] = rate_tenths(_int_sum(returns[f"visits_{name}"]), planned)

    # complaints and safeguarding per 1,000 hours
    hours = sum(hundredths(q) for q in frames.lines[frames.lines["return_id"].isin(ids)]["quantity"])
    reports = frames.reports[frames.reports["return_id"].isin(ids)]
    for name in ("complaints", "safeguarding"):
        count = _int_sum(reports[name]) if not reports.empty else None
        figures[name] = count
        # tenths per 1,000 hours: count x 10,000 / hours = count x 1,000,000 / hundredths
        figures[f"{name}_per_1000h"] = (None if count is None or hours <= 0
                                        else rate_tenths(count * 1000, hours))

    # workforce
    figures["scw_share"] = rate_tenths(_int_sum(reports["care_workers_registered"]),
                                       _int_sum(reports["care_workers"])) if not reports.empty else None
    bands = frames.pay_bands[frames.pay_bands["report_id"].isin(set(reports["report_id"]))]
    figures["rlw_rate_missing"] = False
    if bands.empty:
        figures["rlw_share"] = None
    else:
        year_of_report = {r: financial_year_of(end) for r, end in zip(
            reports["report_id"], returns.set_index("return_id").loc[reports["return_id"], "period_end"],
            strict=True)}
        paid_at_or_above, total = 0, 0
        missing = False
        for report_id, rate, band_hours in zip(bands["report_id"], bands["hourly_rate"], bands["hours"],
                                               strict=True):
            threshold = rlw.get(year_of_report[report_id])
            total += hundredths(band_hours)
            if threshold is None:
                missing = True
            elif hundredths(rate) >= threshold:
                paid_at_or_above += hundredths(band_hours)
        figures["rlw_rate_missing"] = missing
        figures["rlw_share"] = None if missing else rate_tenths(paid_at_or_above, total)

    # CIW: the latest inspection of each of the member's services by the last day
    mine = inspections[(inspections["coop"] == coop) & (inspections["inspected_on"] <= last_day)]
    if mine.empty:
        figures["ciw_good"] = None
    else:
        latest = mine.sort_values("inspected_on").groupby("service_type").tail(1)
        ratings = [r for theme in THEMES for r in latest[theme] if r]
        figures["ciw_good"] = rate_tenths(sum(r in GOOD_OR_BETTER for r in ratings), len(ratings))

    # commitments: on track at the end of the last quarter of the span
    answerable = commitments[(commitments["coop"] == coop)
                             & (commitments["contract_start"] <= last_day)
                             & (commitments["contract_end"] >= quarter_start(quarters[0]))]
    if answerable.empty:
        figures["commitments_on_track"] = None
    else:
        last = quarters[-1]
        progress = frames.progress
        on_track = 0
        for commitment, promised, start, end in zip(answerable["commitment_id"], answerable["promised"],
                                                    answerable["contract_start"],
                                                    answerable["contract_end"], strict=True):
            done_rows = progress[progress["commitment_id"] == commitment]
            done = sum(hundredths(d) for y, q, d in zip(done_rows["financial_year"], done_rows["quarter"],
                                                          done_rows["done"], strict=True)
                       if (int(y), int(q)) <= last)
            term = (end - start).days + 1
            elapsed = min(max((last_day - start).days + 1, 0), term)
            # done / promised >= elapsed / term, in whole numbers
            if done * term >= hundredths(promised) * elapsed:
                on_track += 1
        figures["commitments_on_track"] = rate_tenths(on_track, len(answerable))
    return figures


def _living_wage(frames: Frames) -> dict[int, int]:
    return {int(y): hundredths(r) for y, r in zip(frames.living_wage["financial_year"],
                                                  frames.living_wage["hourly_rate"], strict=True)}


def quarters_with_returns(frames: Frames) -> list[Quarter]:
    """The quarters in which some member has a return counted, oldest first."""
    returns = _counted_returns(frames, None)
    return sorted(set(zip(returns["financial_year"], returns["quarter"], strict=True)))


def member_figures(frames: Frames, *, coops: list[int], quarters: list[Quarter],
                   span: bool = False) -> pd.DataFrame:
    """Every figure per member (``coops``) and quarter of ``quarters``: one row per (coop,
    financial_year, quarter), in that order; or with ``span``, one row per member over all of
    ``quarters`` together (financial_year and quarter None). Columns: coop, financial_year,
    quarter, every metric code (int or None) and rlw_rate_missing (bool)."""
    returns = _counted_returns(frames, quarters)
    rlw = _living_wage(frames)
    groups = [(quarters, None)] if span else [([q], q) for q in quarters]
    records = []
    for coop in coops:
        own = returns[returns["coop"] == coop]
        for group_quarters, key in groups:
            if key is None:
                chosen = own
            else:
                chosen = own[(own["financial_year"] == key[0]) & (own["quarter"] == key[1])]
            figures = _group_figures(chosen, frames, rlw, frames.inspections, frames.commitments,
                                     coop, quarter_end(group_quarters[-1]), group_quarters)
            records.append({"coop": coop, "financial_year": key[0] if key else None,
                            "quarter": key[1] if key else None, **figures})
    columns = ["coop", "financial_year", "quarter", *(m.code for m in METRICS), "rlw_rate_missing"]
    if not records:
        return pd.DataFrame(columns=columns, dtype=object)
    return pd.DataFrame.from_records(records, columns=columns).astype(object).where(
        lambda f: f.notna(), None)


def latest_ratings(frames: Frames, *, coops: list[int]) -> pd.DataFrame:
    """The latest inspection of each (member, service): coop, service_type, inspected_on and the
    four themes' ratings ("" not rated)."""
    inspections = frames.inspections[frames.inspections["coop"].isin(coops)]
    if inspections.empty:
        return empty("inspections")
    latest = inspections.sort_values(["coop", "service_type", "inspected_on"]).groupby(
        ["coop", "service_type"]).tail(1)
    return latest.reset_index(drop=True)
