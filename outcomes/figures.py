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
  the lines' quantity of the returns that carry a period report, as the council's figures count
  them), in tenths rounded down (12.3 per 1,000 hours is 123);
- Real Living Wage share: pay-band hours at an hourly rate at or above the Real Living Wage of
  the financial year the period ends in, over all pay-band hours; None where no rate is known for
  a year the member has pay bands in (``rlw_rate_missing`` says so);
- Social Care Wales registration share: care workers registered over care workers;
- CIW good or better: of the theme ratings of the latest inspection of each (member, service) on
  or before the end of the quarter (or span), the share rated good or excellent;
- commitments on track: of the tracked commitments the member is answerable for (those of
  contracts running in the quarter), those not behind at the quarter's end, as the commitments
  pages define it: behind is progress done up to the quarter below both the promise and the
  promise times the share of the contract's term elapsed by then (to the hundredth, half up).

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

from consortium.i18n import interpolate_lazy

from .disclosure import MIN_PEOPLE, distribution, rate_tenths

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

# The same words as the commitments pages' quarters (one translation).
QUARTER_LABEL = _("%(year)s-%(next)02d Q%(quarter)s")

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


#: A rate is at most 100.0% (1000 tenths). A quartile shown as 100% would pin the members at and
#: above its rank to exactly 100% (their band, 100.0% to 100.9%, is cut to one value), so a rate is
#: capped at 99.9% before the rounding: "99%" then stands for 99.0% to 100.0%, a whole band.
RATE_TOP = 1000


def disclosed(values, code: str) -> dict | None:
    """The consortium's distribution of one figure as a member may see it
    (``outcomes.disclosure.distribution``), rates capped below 100% first."""
    values = [int(v) for v in values if v is not None]
    if METRIC[code].kind == RATE:
        values = [min(v, RATE_TOP - 1) for v in values]
    return distribution(values)


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
    return interpolate_lazy(QUARTER_LABEL, {"year": year, "next": (year + 1) % 100, "quarter": q})


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


SUMS = ("visits_planned", "visits_missed", "visits_late", "visits_short", "hours", "reported_hours",
        "reports",
        "complaints", "safeguarding", "care_workers", "care_workers_registered", "band_hours",
        "band_hours_paid_rlw", "bands_without_rate", "reviews", "involved", "results", "met",
        "partly", "not_met")


def _per_return(frames: Frames, returns: pd.DataFrame, rlw: dict[int, int]) -> pd.DataFrame:
    """One row per counted return: its member, quarter, and every sum the figures are made of
    (whole numbers: hours in hundredths)."""
    ids = list(returns["return_id"])
    wanted = set(ids)
    sums: dict[int, dict[str, int]] = {rid: dict.fromkeys(SUMS, 0) for rid in ids}
    for rid, *counts in zip(returns["return_id"], returns["visits_planned"], returns["visits_missed"],
                            returns["visits_late"], returns["visits_short"], strict=True):
        for name, count in zip(SUMS[:4], counts, strict=True):
            sums[rid][name] = int(count)
    for rid, quantity in zip(frames.lines["return_id"], frames.lines["quantity"], strict=True):
        if rid in wanted:
            sums[rid]["hours"] += hundredths(quantity)
    year_of = {rid: financial_year_of(end) for rid, end in zip(returns["return_id"],
                                                                returns["period_end"], strict=True)}
    return_of_report = {}
    reports = frames.reports
    for report, rid, complaints, safeguarding, workers, registered in zip(
            reports["report_id"], reports["return_id"], reports["complaints"], reports["safeguarding"],
            reports["care_workers"], reports["care_workers_registered"], strict=True):
        if rid in wanted:
            return_of_report[report] = rid
            row = sums[rid]
            row["reports"] += 1
            row["reported_hours"] = row["hours"]
            row["complaints"] += int(complaints)
            row["safeguarding"] += int(safeguarding)
            row["care_workers"] += int(workers)
            row["care_workers_registered"] += int(registered)
    bands = frames.pay_bands
    for report, rate, hours in zip(bands["report_id"], bands["hourly_rate"], bands["hours"], strict=True):
        rid = return_of_report.get(report)
        if rid is None:
            continue
        row = sums[rid]
        row["band_hours"] += hundredths(hours)
        threshold = rlw.get(year_of[rid])
        if threshold is None:
            row["bands_without_rate"] += 1
        elif hundredths(rate) >= threshold:
            row["band_hours_paid_rlw"] += hundredths(hours)
    return_of_review = {}
    for review, rid, involvement in zip(frames.reviews["review_id"], frames.reviews["return_id"],
                                        frames.reviews["involvement"], strict=True):
        if rid in wanted:
            return_of_review[review] = rid
            sums[rid]["reviews"] += 1
            sums[rid]["involved"] += involvement in INVOLVED
    for review, result in zip(frames.results["review_id"], frames.results["result"], strict=True):
        rid = return_of_review.get(review)
        if rid is not None:
            sums[rid]["results"] += 1
            if result in ("met", "partly", "not_met"):
                sums[rid][result] += 1
    table = pd.DataFrame.from_dict(sums, orient="index", columns=list(SUMS))
    if table.empty:
        table = pd.DataFrame({c: pd.Series(dtype="int64") for c in SUMS})
    keys = returns.set_index("return_id")[["coop", "financial_year", "quarter"]]
    return keys.join(table)


def _figures_of(sums: dict) -> dict:
    """The figures from one member's sums over a quarter or a span."""
    reviews = sums["reviews"]
    figures = _people_based({
        "outcomes_met": rate_tenths(sums["met"], sums["results"]),
        "outcomes_partly": rate_tenths(sums["partly"], sums["results"]),
        "outcomes_not_met": rate_tenths(sums["not_met"], sums["results"]),
        "involvement": rate_tenths(sums["involved"], reviews),
        "people_reviewed": reviews,
    }, reviews)
    for name in ("missed", "late", "short"):
        figures[f"visits_{name}"] = rate_tenths(sums[f"visits_{name}"], sums["visits_planned"])
    for name in ("complaints", "safeguarding"):
        count = sums[name] if sums["reports"] else None
        figures[name] = count
        # tenths per 1,000 hours: count x 10,000 / hours = count x 1,000,000 / hundredths of hours
        figures[f"{name}_per_1000h"] = (None if count is None or sums["reported_hours"] <= 0
                                        else rate_tenths(count * 1000, sums["reported_hours"]))
    figures["scw_share"] = (rate_tenths(sums["care_workers_registered"], sums["care_workers"])
                            if sums["reports"] else None)
    figures["rlw_rate_missing"] = bool(sums["bands_without_rate"])
    figures["rlw_share"] = (None if sums["bands_without_rate"]
                            else rate_tenths(sums["band_hours_paid_rlw"], sums["band_hours"]))
    return figures


def _ciw_good(inspections: pd.DataFrame, last_day: dt.date) -> dict[int, int | None]:
    """Per member: the share of theme ratings good or better of the latest inspection of each of
    its services on or before ``last_day``."""
    held = inspections[inspections["inspected_on"] <= last_day]
    if held.empty:
        return {}
    latest = held.sort_values("inspected_on").groupby(["coop", "service_type"]).tail(1)
    found = {}
    for coop, rows in latest.groupby("coop"):
        ratings = [r for theme in THEMES for r in rows[theme] if r]
        found[coop] = rate_tenths(sum(r in GOOD_OR_BETTER for r in ratings), len(ratings))
    return found


def _on_track(frames: Frames, quarters: list[Quarter]) -> dict[int, int | None]:
    """Per member: of the commitments it answers for on contracts running in the quarters, the
    share not behind at the end of the last quarter, as the commitments pages say it
    (``outcomes.selectors.commitments``): behind is delivered (progress recorded up to that
    quarter) below both the promise and the expected to date (promised x the days of the term
    elapsed by the quarter's end / the term's days, to the hundredth, half up); met, on track
    and not yet due are not behind."""
    first_day, last = quarter_start(quarters[0]), quarters[-1]
    last_day = quarter_end(last)
    done: dict[int, int] = {}
    progress = frames.progress
    for commitment, year, quarter, amount in zip(progress["commitment_id"], progress["financial_year"],
                                                 progress["quarter"], progress["done"], strict=True):
        if (int(year), int(quarter)) <= last:
            done[commitment] = done.get(commitment, 0) + hundredths(amount)
    counts: dict[int, list[int]] = {}
    commitments = frames.commitments
    for commitment, coop, promised, start, end in zip(
            commitments["commitment_id"], commitments["coop"], commitments["promised"],
            commitments["contract_start"], commitments["contract_end"], strict=True):
        if start > last_day or end < first_day:
            continue
        term = (end - start).days + 1
        elapsed = min(max((last_day - start).days + 1, 0), term)
        # expected by then, in hundredths, rounded half up (as the commitments pages round it)
        expected = (2 * hundredths(promised) * elapsed + term) // (2 * term)
        delivered = done.get(commitment, 0)
        behind = delivered < hundredths(promised) and elapsed > 0 and delivered < expected
        tally = counts.setdefault(coop, [0, 0])
        tally[0] += not behind
        tally[1] += 1
    return {coop: rate_tenths(on, of) for coop, (on, of) in counts.items()}


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
    columns = ["coop", "financial_year", "quarter", *(m.code for m in METRICS), "rlw_rate_missing"]
    if not quarters or not coops:
        return pd.DataFrame(columns=columns, dtype=object)
    returns = _counted_returns(frames, quarters)
    per_return = _per_return(frames, returns, _living_wage(frames))
    by = ["coop"] if span else ["coop", "financial_year", "quarter"]
    grouped = per_return.groupby(by)[list(SUMS)].sum()
    totals = {key: dict(zip(SUMS, values, strict=True)) for key, values in zip(
        grouped.index.tolist(), grouped.itertuples(index=False, name=None), strict=True)}
    groups = [(quarters, None)] if span else [([q], q) for q in quarters]
    nothing = dict.fromkeys(SUMS, 0)
    records = []
    for group_quarters, key in groups:
        ciw = _ciw_good(frames.inspections, quarter_end(group_quarters[-1]))
        on_track = _on_track(frames, group_quarters)
        for coop in coops:
            sums = totals.get(coop if key is None else (coop, *key), nothing)
            figures = _figures_of({name: int(value) for name, value in sums.items()})
            figures["ciw_good"] = ciw.get(coop)
            figures["commitments_on_track"] = on_track.get(coop)
            records.append({"coop": coop, "financial_year": key[0] if key else None,
                            "quarter": key[1] if key else None, **figures})
    order = {coop: i for i, coop in enumerate(coops)}
    records.sort(key=lambda r: order[r["coop"]])
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
