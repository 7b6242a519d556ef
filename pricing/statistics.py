"""Cost-of-care statistics: a pure computation over a pandas DataFrame (no database, no clock).

The frame has one row per latest cost submission and region the submitting member serves:
``coop``, ``service_type``, ``financial_year``, ``region`` (a Regional Partnership Board; null
for a member that serves no council) and every line of the build-up plus the total, in integer
pence (int64). :func:`submissions_frame` builds it from database rows; :func:`by_region` counts
each member once in every region it serves and once in "all Wales"; :func:`cost_statistics`
computes, per service type, year and region, the number of members and the minimum, lower
quartile, median, upper quartile and maximum of every line and of the total, the sum of the
line medians, and the difference between the median of totals and that sum.

Money stays exact. Amounts are stored as pounds with two places and come in as whole pence
(``int64``), worked out by the database in the selector's query (:func:`pence` is the same for a
Decimal), so no pound figure is ever a float. Quartiles use pandas' default method, linear
interpolation between the two nearest ranks (the method of numpy's ``quantile`` and of a
spreadsheet's QUARTILE.INC / PERCENTILE.INC): for n values sorted ascending, the q-quantile sits
at position (n - 1) x q. With q a quarter, a half or three quarters that position's fraction is
0, 0.25, 0.5 or 0.75, so every quartile is a whole number of quarter-pence, which a float64
holds exactly (pence totals are far below 2**53). Each statistic is then rounded to the penny
once, half up (12.5p -> 13p), and only then turned back into ``Decimal`` pounds
(:func:`pounds`). The sum of line medians adds the line medians as rounded (as shown), so the
figures on a page add up.

Disclosure control (:func:`disclose`, :func:`disclosed_statistics`): what everyone but the
consortium's coordinators sees (board members, member users, councils through negotiation
evidence). The exact quartiles above cannot be shown to them: with three members the linear
quartiles are averages of neighbours, so lowest = 2 x lower quartile - median and highest =
2 x upper quartile - median give every member's figure to the penny. The rule, per line and for
the total, from the n members of a group:
- fewer than ``MIN_MEMBERS`` (3): nothing but the count;
- a figure is one member's own, never an average of several (nearest rank: the q-quantile is
  the value of rank ceil(q x n), counting from 1), and is shown rounded down to a whole
  ``DISCLOSURE_STEP`` (10p: 23.47 shows as 23.40). The median needs 3 members (rank 2 of 3: never the
  lowest or the highest); the quartiles need ``MIN_MEMBERS_FOR_QUARTILES`` (5), the fewest for
  which ranks ceil(n/4) and ceil(3n/4) are neither the lowest nor the highest;
- never a minimum or a maximum; the sum of line medians and the difference are worked from the
  medians as shown (so they tell nothing more).
Why it holds: every shown figure says only "the member of rank r has a figure in this 10p band
[f, f + 9p]", and all bands are cells of one partition of the line (every figure is rounded
the same way, never one down and another up, which would let two bands overlap by a penny and
pin a value; and down rather than to the nearest, so that the band of £0.00 is not cut in half
by the fact that costs are never negative). So the ranks' bands never cut into one another, and what the
reader's own figure v adds is only "ranks below mine are at most v, ranks above at least v",
while its own rank within a band is unknown (it may be the lowest or the highest of the band):
each other member's figure keeps the whole 10p band open, or wider. No member, knowing its own
figures and everything shown, can work out another member's figure to within 5p;
tests/test_pricing_disclosure.py checks this by brute force over populations of 3 to 8 members,
and over a region beside all Wales (a member counts in both: the groups overlap).

Why both totals: the median of totals is the middle member's whole price; the sum of the line
medians adds middles taken line by line from different members, which is generally not any
member's price (England's 2022 Fair Cost of Care exercise reported both, and they differed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from pricing.models import LINE_FIELDS

KEYS = ("service_type", "financial_year", "region")
VALUES = (*LINE_FIELDS, "total")
FRAME_COLUMNS = ("coop", "service_type", "financial_year", "region", *VALUES)
ALL_WALES = ""  # the region key of the whole of Wales (every member once)

# The quantiles computed, named; the 0 and 1 quantiles are the minimum and maximum.
QUANTILES = {0.0: "minimum", 0.25: "lower_quartile", 0.5: "median", 0.75: "upper_quartile",
             1.0: "maximum"}
STATISTICS = tuple(QUANTILES.values())
MEMBERS = "members"
SUM_OF_LINE_MEDIANS = "sum_of_line_medians"
DIFFERENCE = "difference"  # median of totals less the sum of line medians


def pence(amount: Decimal) -> int:
    """Whole pence of a Decimal amount in pounds with at most two places (exact)."""
    value = Decimal(amount).scaleb(2)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence")
    return int(value)


def pounds(amount_in_pence) -> Decimal:
    """Decimal pounds, two places, from whole pence."""
    return Decimal(int(amount_in_pence)).scaleb(-2)


def empty_frame() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="int64") for column in FRAME_COLUMNS})
    frame["region"] = frame["region"].astype(object)
    return frame


def submissions_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """The frame from rows of (coop, service type, year, *line amounts, total, region), amounts
    in whole pence (the shape of the selector's ``values_list``, whose database works out the
    pence from the stored pounds: :func:`pence` does the same for a Decimal)."""
    records = rows if isinstance(rows, list) else list(rows)
    if not records:
        return empty_frame()
    columns = ["coop", "service_type", "financial_year", *VALUES, "region"]
    frame = pd.DataFrame.from_records(records, columns=columns)[list(FRAME_COLUMNS)]
    return frame.astype({column: "int64" for column in FRAME_COLUMNS if column != "region"})


def by_region(frame: pd.DataFrame) -> pd.DataFrame:
    """Each submission once per region its member serves (a member serving two councils of one
    board counts once there), and once more in "all Wales" (``ALL_WALES``)."""
    scope = ["coop", "service_type", "financial_year"]
    regional = frame.dropna(subset=["region"]).drop_duplicates([*scope, "region"])
    national = frame.drop_duplicates(scope).assign(region=ALL_WALES)
    return pd.concat([national, regional], ignore_index=True)


def cost_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (service type, financial year, region): members and every statistic, in pence.

    Returns a frame indexed by ``KEYS`` with two-level columns: (line or "total", statistic)
    for each statistic of ``STATISTICS``, ("members", "count"), ("sum_of_line_medians",
    "median") and ("difference", "median"). All values are int64 (pence, rounded half up once).
    Groups with no rows do not appear.
    """
    grouped = frame.groupby(list(KEYS), sort=True)
    quantiles = grouped[list(VALUES)].quantile(list(QUANTILES))
    if quantiles.empty:
        columns = pd.MultiIndex.from_tuples(
            [(v, s) for v in VALUES for s in STATISTICS]
            + [(MEMBERS, "count"), (SUM_OF_LINE_MEDIANS, "median"), (DIFFERENCE, "median")]
        )
        index = pd.MultiIndex.from_tuples([], names=list(KEYS))
        return pd.DataFrame(index=index, columns=columns, dtype="int64")
    # Whole quarter-pence, held exactly: half up to the penny, once.
    rounded = np.floor(quantiles.to_numpy() + 0.5).astype("int64")
    quantiles = pd.DataFrame(rounded, index=quantiles.index, columns=quantiles.columns)
    table = quantiles.unstack(level=-1)
    table.columns = pd.MultiIndex.from_tuples(
        [(value, QUANTILES[q]) for value, q in table.columns]
    )
    medians = table.xs("median", axis=1, level=1)
    table[(MEMBERS, "count")] = grouped.size().astype("int64")
    table[(SUM_OF_LINE_MEDIANS, "median")] = medians[list(LINE_FIELDS)].sum(axis=1)
    table[(DIFFERENCE, "median")] = medians["total"] - table[(SUM_OF_LINE_MEDIANS, "median")]
    return table


# --- disclosure control -------------------------------------------------------------------------

MIN_MEMBERS = 3  # the fewest members whose median others see
MIN_MEMBERS_FOR_QUARTILES = 5  # the fewest whose quartiles others see
DISCLOSURE_STEP = 10  # pence: figures others see are rounded down to a whole 10p
DISCLOSED = {"lower_quartile": (Fraction(1, 4), MIN_MEMBERS_FOR_QUARTILES),
             "median": (Fraction(1, 2), MIN_MEMBERS),
             "upper_quartile": (Fraction(3, 4), MIN_MEMBERS_FOR_QUARTILES)}


def nearest_rank(q: Fraction, n: int) -> int:
    """The rank (from 1) of the q-quantile of n values by the nearest-rank method."""
    return max(1, math.ceil(q * n))


def to_step(amount_in_pence: int, step: int = DISCLOSURE_STEP) -> int:
    """Whole pence rounded down to a whole ``step`` (10p: 29p -> 20p, -1p -> -10p): one
    partition of the line for every figure."""
    return int(amount_in_pence) // step * step


def disclose(values: Sequence[int], step: int = DISCLOSURE_STEP) -> dict[str, int | None]:
    """What everyone but coordinators is shown of one line (or the total) of n members' figures in
    pence: ``members`` and, where the rule allows, the rounded nearest-rank quartiles and median
    (None where not shown). Never the minimum or the maximum. Any whole-number figure can be
    disclosed by the same rule with its own ``step`` (outcomes' rates, in tenths of a percent)."""
    ordered = sorted(int(v) for v in values)
    n = len(ordered)
    shown: dict[str, int | None] = {MEMBERS: n}
    for name, (q, fewest) in DISCLOSED.items():
        shown[name] = to_step(ordered[nearest_rank(q, n) - 1], step) if n >= fewest else None
    return shown


def disclosed_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """As :func:`cost_statistics`, with what :func:`disclose` lets others see: the same index and
    columns, object dtype, None where a figure is not shown (the minimum and maximum always)."""
    columns = pd.MultiIndex.from_tuples(
        [(v, s) for v in VALUES for s in STATISTICS]
        + [(MEMBERS, "count"), (SUM_OF_LINE_MEDIANS, "median"), (DIFFERENCE, "median")]
    )
    keys, records = [], []
    for key, group in frame.groupby(list(KEYS), sort=True):
        record: dict = {}
        for value in VALUES:
            shown = disclose(group[value].tolist())
            record.update({(value, name): shown.get(name) for name in STATISTICS})
        record[(MEMBERS, "count")] = len(group)
        medians = [record[(line, "median")] for line in LINE_FIELDS]
        total = record[("total", "median")]
        shown_sum = None if total is None else sum(medians)
        record[(SUM_OF_LINE_MEDIANS, "median")] = shown_sum
        record[(DIFFERENCE, "median")] = None if total is None else total - shown_sum
        keys.append(key)
        records.append([record[column] for column in columns])
    index = pd.MultiIndex.from_tuples(keys, names=list(KEYS)) if keys else \
        pd.MultiIndex.from_tuples([], names=list(KEYS))
    return pd.DataFrame(records, index=index, columns=columns, dtype=object)
