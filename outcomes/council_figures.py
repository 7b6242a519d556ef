"""The council's and its Regional Partnership Board's figures: a pure computation over pandas
frames (no database, no clock). ``outcomes.selectors.council`` reads the frames.

One meaning everywhere (the shared metric definitions of the outcomes app):

- a billing period belongs to the UK financial year (April to March) its END date falls in;
- outcomes met (partly met, not met) rate = results of that kind / all results, over the outcome
  reviews attached to returns submitted or accepted; involvement rate = reviews in which the
  person, their carer or both took part / all reviews. These are about people: below
  ``MIN_PEOPLE`` reviews they are None (suppressed), for every reader;
- missed, late and short visit rates = visits missed (late, short) / visits planned, each summed
  over the returns (submitted or accepted) before dividing;
- complaints and safeguarding referrals: the counts of the period reports, and per 1,000 hours
  delivered, the hours being those of the returns that carry a period report (a return's hours
  = the sum of its lines' quantities);
- Care Inspectorate Wales: the latest inspection per (member, service), and per theme the share
  of those inspections rated good or excellent (the environment: of those that rate it);
- commissioned hours: the weekly volumes of the awarded lots over their terms (a contract's
  volumes as its versions set them, day by day; a lot awarded outside the consortia: its weekly
  volumes over the tender's contract dates), for services counted in hours a week only.

Rates are whole tenths of a percent (``outcomes.disclosure.rate_tenths``: exact integer
arithmetic); hours are carried in hundredths of an hour (and commissioned volumes in hundredths
of an hour a week times days), money in pence, so nothing is a float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from outcomes.disclosure import MIN_PEOPLE, people, rate_tenths

SUBMITTED_OR_ACCEPTED = ("submitted", "accepted")
ACCEPTED = "accepted"
TAKING_PART = ("person", "carer", "both")
GOOD_OR_BETTER = ("excellent", "good")
THEMES = ("well_being", "care_and_support", "environment", "leadership")
PENNY = Decimal("0.01")

RETURN_COLUMNS = ("return_id", "contract", "council", "consortium", "status", "period_end",
                  "visits_planned", "visits_missed", "visits_late", "visits_short", "has_report",
                  "complaints", "safeguarding")
LINE_COLUMNS = ("return_id", "user_led", "hundredths")
REVIEW_COLUMNS = ("review_id", "return_id", "involvement")
RESULT_COLUMNS = ("review_id", "result")
COMMISSION_COLUMNS = ("council", "cooperative", "volume_days")
DELIVERER_COLUMNS = ("group", "coop", "service_type")
INSPECTION_COLUMNS = ("coop", "service_type", "inspected_on", *THEMES)
INVOICE_COLUMNS = ("contract", "period_end", "pence")


def frame(columns: Sequence[str], records) -> pd.DataFrame:
    """Object columns (ints stay ints, Decimals Decimals): the frame of ``records``."""
    return pd.DataFrame(list(records), columns=list(columns), dtype=object)


def hundredths(value: Decimal) -> int:
    """A quantity with at most two places in whole hundredths (exact)."""
    return int((Decimal(value) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def per_thousand(count: int, hours_in_hundredths: int) -> Decimal | None:
    """``count`` per 1,000 hours, to two places (half up), or None with no hours."""
    if not hours_in_hundredths:
        return None
    return (Decimal(int(count)) * 100_000 / Decimal(int(hours_in_hundredths))).quantize(
        PENNY, rounding=ROUND_HALF_UP)


def hours_of(hundredths_: int) -> Decimal:
    return Decimal(int(hundredths_)).scaleb(-2)


# --- commissioned hours --------------------------------------------------------------------------


def volume_days(versions: Sequence[tuple[dt.date, int, int]], start: dt.date, end: dt.date) -> int:
    """Hundredths of weekly hours times days over ``start``..``end`` (both included), from a
    contract's volume-setting versions as (in force from, number, weekly volume in hundredths):
    on each day the newest (by number) in force by then; before any is, the first. Hours are
    this / 700."""
    if not versions or end < start:
        return 0
    ordered = sorted(versions, key=lambda v: v[1])
    cuts = sorted({start, *(v[0] for v in ordered if start < v[0] <= end)})
    total = 0
    for index, day in enumerate(cuts):
        until = cuts[index + 1] - dt.timedelta(days=1) if index + 1 < len(cuts) else end
        in_force = [v for v in ordered if v[0] <= day]
        weekly = (in_force[-1] if in_force else ordered[0])[2]
        total += weekly * ((until - day).days + 1)
    return total


@dataclass(frozen=True)
class Section16:
    """One council's (or the board's) share of commissioned hours held by co-operatives, and of
    the hours delivered under those contracts, the share delivered by user-led co-ops."""

    key: Hashable
    commissioned_hours: Decimal  # whole hours
    cooperative_hours: Decimal
    cooperative_share: int | None  # tenths of a percent
    delivered_hours: Decimal  # accepted returns, in the span
    user_led_hours: Decimal
    user_led_share: int | None


def section16(commissions: pd.DataFrame, lines: pd.DataFrame, *, keys: Sequence[Hashable],
              by: str = "council") -> list[Section16]:
    """Per key of ``keys`` (in that order): commissions (``COMMISSION_COLUMNS`` with ``by``) and
    the lines of ACCEPTED returns (``LINE_COLUMNS`` with ``by``)."""
    out = []
    for key in keys:
        mine = commissions[commissions[by] == key] if len(commissions) else commissions
        total = int(mine["volume_days"].sum()) if len(mine) else 0
        coop = int(mine.loc[mine["cooperative"].astype(bool), "volume_days"].sum()) if len(mine) else 0
        done = lines[lines[by] == key] if len(lines) else lines
        delivered = int(done["hundredths"].sum()) if len(done) else 0
        user_led = int(done.loc[done["user_led"].astype(bool), "hundredths"].sum()) if len(done) else 0
        out.append(Section16(
            key=key,
            commissioned_hours=(Decimal(total) / 700).quantize(Decimal("1"), rounding=ROUND_HALF_UP),
            cooperative_hours=(Decimal(coop) / 700).quantize(Decimal("1"), rounding=ROUND_HALF_UP),
            cooperative_share=rate_tenths(coop, total),
            delivered_hours=hours_of(delivered), user_led_hours=hours_of(user_led),
            user_led_share=rate_tenths(user_led, delivered),
        ))
    return out


# --- outcomes and quality ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quality:
    """Outcomes, visits and quality counts of one group of returns (a consortium's returns under
    a council's contracts, a contract's, or the board's)."""

    key: Hashable
    returns: int
    hours: Decimal
    reviews: int | None  # shown count of reviews: None below MIN_PEOPLE
    met: int | None  # tenths of a percent; None: suppressed or nothing to divide
    partly: int | None
    not_met: int | None
    involvement: int | None
    missed: int | None
    late: int | None
    short: int | None
    complaints: int | None  # None: no period report
    safeguarding: int | None
    complaints_per_1000: Decimal | None
    safeguarding_per_1000: Decimal | None
    outcomes_met: int | None  # the count, shown only from MIN_PEOPLE reviews
    suppressed: bool  # people-based figures withheld: fewer than MIN_PEOPLE reviews


def quality(returns: pd.DataFrame, lines: pd.DataFrame, reviews: pd.DataFrame, results: pd.DataFrame,
            *, keys: Sequence[Hashable], by: str) -> list[Quality]:
    """Per key of ``keys``: ``returns`` (``RETURN_COLUMNS``, any status: only submitted or
    accepted count), their ``lines``, ``reviews`` and ``results``; ``by`` names the returns'
    column that groups them."""
    counted = returns[returns["status"].isin(SUBMITTED_OR_ACCEPTED)] if len(returns) else returns
    hours = (lines.groupby("return_id")["hundredths"].sum() if len(lines)
             else pd.Series(dtype=object))
    review_return = reviews.set_index("review_id")["return_id"] if len(reviews) else pd.Series(dtype=object)
    out = []
    for key in keys:
        group = counted[counted[by] == key] if len(counted) else counted
        ids = set(group["return_id"]) if len(group) else set()
        group_hours = int(sum(int(hours.get(i, 0)) for i in ids))
        reported = group[group["has_report"].astype(bool)] if len(group) else group
        reported_hours = int(sum(int(hours.get(i, 0)) for i in reported["return_id"])) if len(reported) else 0
        mine = reviews[reviews["return_id"].isin(ids)] if len(reviews) else reviews
        n_reviews = len(mine)
        of_group = results[results["review_id"].map(review_return).isin(ids)] if len(results) else results
        n_results = len(of_group)
        counts = of_group["result"].value_counts() if n_results else pd.Series(dtype=int)
        shown = n_reviews >= MIN_PEOPLE

        def share(kind: str, _counts=counts, _n=n_results, _shown=shown) -> int | None:
            return rate_tenths(int(_counts.get(kind, 0)), _n) if _shown else None

        taking_part = int(mine["involvement"].isin(TAKING_PART).sum()) if n_reviews else 0
        planned = int(group["visits_planned"].sum()) if len(group) else 0

        def visits(column: str, _group=group, _planned=planned) -> int | None:
            return rate_tenths(int(_group[column].sum()), _planned) if len(_group) else None

        complaints = int(reported["complaints"].sum()) if len(reported) else None
        safeguarding = int(reported["safeguarding"].sum()) if len(reported) else None
        out.append(Quality(
            key=key, returns=len(group), hours=hours_of(group_hours), reviews=people(n_reviews),
            met=share("met"), partly=share("partly"), not_met=share("not_met"),
            involvement=rate_tenths(taking_part, n_reviews) if shown else None,
            missed=visits("visits_missed"), late=visits("visits_late"), short=visits("visits_short"),
            complaints=complaints, safeguarding=safeguarding,
            complaints_per_1000=None if complaints is None else per_thousand(complaints, reported_hours),
            safeguarding_per_1000=(None if safeguarding is None
                                   else per_thousand(safeguarding, reported_hours)),
            outcomes_met=int(counts.get("met", 0)) if shown else None,
            suppressed=not shown,
        ))
    return out


@dataclass(frozen=True)
class Inspections:
    key: Hashable
    inspections: int  # latest inspections of (member, service) counted
    good_or_better: dict[str, int | None]  # theme -> tenths of a percent


def inspections(deliverers: pd.DataFrame, found: pd.DataFrame, *,
                keys: Sequence[Hashable]) -> list[Inspections]:
    """Per key: the latest inspection of each (member, service) among the ``deliverers``
    (``DELIVERER_COLUMNS``: the members delivering the group's contracts, with the contracts'
    services), and per theme the share rated good or better."""
    latest = (found.sort_values(["coop", "service_type", "inspected_on"])
              .drop_duplicates(["coop", "service_type"], keep="last") if len(found) else found)
    out = []
    for key in keys:
        scope = (deliverers[deliverers["group"] == key][["coop", "service_type"]].drop_duplicates()
                 if len(deliverers) else deliverers)
        rows = (scope.merge(latest, on=["coop", "service_type"]) if len(scope) and len(latest)
                else latest.iloc[0:0])
        shares: dict[str, int | None] = {}
        for theme in THEMES:
            rated = rows[rows[theme].fillna("") != ""] if len(rows) else rows
            good = int(rated[theme].isin(GOOD_OR_BETTER).sum()) if len(rated) else 0
            shares[theme] = rate_tenths(good, len(rated))
        out.append(Inspections(key=key, inspections=len(rows), good_or_better=shares))
    return out


# --- value for money -----------------------------------------------------------------------------


def cost_per_outcome_met(pence: int, outcomes_met: int | None) -> Decimal | None:
    """Net invoiced (pence) per outcome met, in pounds to the penny (half up); None where the
    outcomes are suppressed or none was met."""
    if not outcomes_met:
        return None
    return (Decimal(int(pence)) / 100 / Decimal(int(outcomes_met))).quantize(PENNY, rounding=ROUND_HALF_UP)


def net_invoiced(invoices: pd.DataFrame, *, keys: Sequence[Hashable], by: str = "contract") -> dict:
    """Pence invoiced per key: invoices' net plus credit notes' (negative) net."""
    if not len(invoices):
        return {key: 0 for key in keys}
    sums = invoices.groupby(by)["pence"].sum()
    return {key: int(sums.get(key, 0)) for key in keys}
