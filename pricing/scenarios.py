"""Scenarios: what if pay, an on-cost rate or mileage changed, for every member at once?

The coordinator picks a service type, a financial year and a time band, and the changes to test.
The latest cost submission of every member of the consortium that the cost-of-care statistics
count (active and suspended members: pricing.selectors.submissions.latest_submissions) for that
service type and year is read in one query; its stored inputs (the calculator API's JSON shape) become one row
of a pandas DataFrame (``pd.json_normalize``: an amount such as ``{"value": "9.5", "basis":
"percent"}`` becomes the columns ``national_insurance.value`` and ``national_insurance.basis``).
The changes are applied to those columns and every member's build-up is priced again, before
and after, with the cost model's formulas (pricing/cost_model.py) written column by column:
one vectorised pass over all members, never a loop over them.

What each change means:
- new hourly pay (say a new Real Living Wage): a minimum. Each member's base pay (before any
  time-band premium) becomes ``max(its current pay, the new pay)``: a member already paying
  more keeps its own rate.
- pay uplift: every member's base pay rises by that percentage, exactly (not rounded to the
  penny). With both, the uplift applies first and the new hourly pay is then the minimum.
- employer National Insurance, pension or holiday pay: the new rate, as a percentage of gross
  pay, for every member (a member that gave the line in pounds per hour gets the percentage).
- mileage rate: the new pence per mile for every member (its miles per hour are unchanged).
Everything else (travel, other on-costs, running costs and surplus as shares of the price or in
pounds) stays as each member submitted it.

Arithmetic: ``Decimal`` in object-dtype columns (pandas applies the operators element by
element), at the model's 50 significant digits, in the model's order of operations, so each
member's figures are exactly what ``cost_model.calculate`` gives for its changed inputs
(tests/test_pricing_scenarios.py checks that member by member). Each member's lines are rounded
to pence once, at the end, and reconciled with its total by the model's largest-remainder
method. The consortium medians (of the totals and of each line) are taken of the exact,
unrounded figures and rounded to pence once, half up; so the median of a line may differ by a
penny from the middle member's displayed line, and the line medians need not add up to the
median of the totals (the difference England's 2022 Fair Cost of Care exercise showed).

A member "falls below" the proposed rate when its total cost per contact hour after the change
(in pence, as its own calculator shows it) is more than the proposed rate: the rate would pay
it less than its cost; the gap is by how much.

Who may run it: coordinators only, on their own consortium (it shows members' own figures).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from decimal import Decimal

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

from consortium import formatting
from consortium.errors import DomainError
from consortium.models import Consortium, ServiceType, TimeBand
from pricing import cost_model as cm
from pricing.models import financial_year_label
from pricing.selectors.submissions import latest_submissions

ZERO, ONE, HUNDRED, SIXTY = Decimal(0), Decimal(1), Decimal(100), Decimal(60)
PERCENT = cm.Basis.PERCENT.value

# The stored inputs' plain numbers, and the amounts given as {"value", "basis"}.
NUMBER_INPUTS = (
    "hourly_pay", "travel_minutes_per_hour", "visit_minutes", "travel_minutes_per_visit",
    "miles_per_hour", "pence_per_mile", *(f"{band}_premium" for band in cm.PREMIUM_BANDS),
)
AMOUNT_INPUTS = (*cm.WAGE_ON_COSTS, *cm.PRICE_SHARES)
DIRECT_LINES = (*cm.PAY_LINES, *cm.WAGE_ON_COSTS, "mileage")  # in the model's order of summing
ON_COST_CHANGES = {  # scenario field -> the on-cost line it sets, as a percentage of gross pay
    "national_insurance_percent": "national_insurance",
    "pension_percent": "pension",
    "holiday_percent": "holiday",
}
MAX_PROPOSED_RATE = cm.MAX_POUNDS
TOTAL = "total"


# --- the question -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Changes:
    """What changes for every member; None leaves that input as each member submitted it."""

    new_hourly_pay: Decimal | None = None  # pounds per hour: a minimum (max of current and new)
    pay_uplift_percent: Decimal | None = None  # percent rise of base pay
    national_insurance_percent: Decimal | None = None  # percent of gross pay
    pension_percent: Decimal | None = None
    holiday_percent: Decimal | None = None
    pence_per_mile: Decimal | None = None

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True)
class Scenario:
    service_type: ServiceType
    financial_year: int
    proposed_rate: Decimal  # pounds per contact hour
    time_band: str = TimeBand.WEEKDAY_DAY.value
    changes: Changes = field(default_factory=Changes)

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def time_band_label(self) -> str:
        return str(TimeBand(self.time_band).label)


CHANGE_NAMES = tuple(f.name for f in fields(Changes))
SCENARIO_FIELDS = ("service_type", "financial_year", "time_band", "proposed_rate", *CHANGE_NAMES)


def scenario_from(data: Mapping) -> Scenario:
    """A Scenario from cleaned form or serializer data (the same field names)."""
    return Scenario(
        service_type=data["service_type"],
        financial_year=data["financial_year"],
        proposed_rate=data["proposed_rate"],
        time_band=data.get("time_band") or TimeBand.WEEKDAY_DAY.value,
        changes=Changes(**{name: data.get(name) for name in CHANGE_NAMES}),
    )


# Names of the scenario's inputs, for messages that say which one they are about.
FIELD_NAMES = {
    "proposed_rate": _("The proposed rate"),
    "new_hourly_pay": _("The new hourly pay"),
    "pay_uplift_percent": _("The pay uplift"),
    "national_insurance_percent": _("Employer National Insurance"),
    "pension_percent": _("Employer pension"),
    "holiday_percent": _("Holiday pay"),
    "pence_per_mile": _("The mileage rate"),
}


class ScenarioInputError(cm.CostInputError):
    """The scenario's inputs are out of range: ``errors`` by field, as for the cost model."""


class NoSubmissions(DomainError):
    """No counted member has a cost submission for the scenario's service type and year."""


RANGES = {  # field -> (maximum, must be more than 0)
    "proposed_rate": (MAX_PROPOSED_RATE, True),
    "new_hourly_pay": (cm.MAX_POUNDS, True),
    "pay_uplift_percent": (cm.MAX_PERCENT, False),
    **{name: (cm.MAX_PERCENT, False) for name in ON_COST_CHANGES},
    "pence_per_mile": (cm.MAX_PENCE, False),
}


def range_errors(values: Mapping) -> dict[str, list]:
    """Messages for the numbers in ``values`` (field -> Decimal or None) that are out of range;
    numbers left out or None are not checked."""
    errors: dict[str, list] = {}
    for name, (maximum, positive) in RANGES.items():
        value = values.get(name)
        if value is None:
            continue
        what = {"name": FIELD_NAMES[name], "maximum": maximum}
        if not isinstance(value, Decimal) or not value.is_finite():
            errors[name] = [_("%(name)s must be a number") % what]
        elif positive and value <= 0:
            errors[name] = [_("%(name)s must be more than 0") % what]
        elif value < 0:
            errors[name] = [_("%(name)s cannot be negative") % what]
        elif value > maximum:
            errors[name] = [_("%(name)s must be %(maximum)s or less") % what]
    return errors


def validate(scenario: Scenario) -> None:
    """Raise ScenarioInputError listing every out-of-range input, field by field (the shape of
    each number, digits and places, is the form's or the serializer's to check)."""
    values = {"proposed_rate": scenario.proposed_rate,
              **{name: getattr(scenario.changes, name) for name in CHANGE_NAMES}}
    errors = range_errors(values)
    if scenario.time_band not in TimeBand.values:
        errors["time_band"] = [_("Select a time band")]
    if errors:
        raise ScenarioInputError(errors)


# --- the frame ----------------------------------------------------------------------------------

def _decimal(value) -> Decimal | None:
    """A stored number (a string, or a JSON number) as the calculator's serializer reads it."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value).strip())


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    if name not in raw.columns:
        return pd.Series([None] * len(raw), index=raw.index, dtype=object)
    return raw[name].map(_decimal).astype(object)


def inputs_frame(inputs: Sequence[Mapping]) -> pd.DataFrame:
    """One row per stored inputs dict: a Decimal (or None) column per number and per amount's
    value, and a ``<line>_basis`` column per amount ("percent" when not given)."""
    raw = pd.json_normalize(list(inputs)) if inputs else pd.DataFrame()
    raw.index = pd.RangeIndex(len(inputs))
    frame = {name: _column(raw, name) for name in NUMBER_INPUTS}
    for name in AMOUNT_INPUTS:
        frame[name] = _column(raw, f"{name}.value")
        basis = raw.get(f"{name}.basis")
        if basis is None:
            frame[f"{name}_basis"] = pd.Series([PERCENT] * len(raw), index=raw.index, dtype=object)
        else:
            frame[f"{name}_basis"] = basis.astype(object).where(basis.notna(), PERCENT)
    return pd.DataFrame(frame, index=raw.index)


def _constant(frame: pd.DataFrame, value) -> pd.Series:
    return pd.Series([value] * len(frame), index=frame.index, dtype=object)


def _or_zero(column: pd.Series) -> pd.Series:
    return column.where(column.notna(), ZERO)


def apply_changes(frame: pd.DataFrame, changes: Changes) -> pd.DataFrame:
    """The inputs with the scenario's changes (see the module's docstring for their meaning)."""
    changed = frame.copy()
    with decimal.localcontext(prec=cm.PRECISION, rounding=decimal.ROUND_HALF_EVEN):
        pay = changed["hourly_pay"]
        if changes.pay_uplift_percent is not None:
            pay = pay * (ONE + changes.pay_uplift_percent / HUNDRED)
        if changes.new_hourly_pay is not None:
            pay = pay.where(pay >= changes.new_hourly_pay, changes.new_hourly_pay)
        changed["hourly_pay"] = pay
    for name, line in ON_COST_CHANGES.items():
        value = getattr(changes, name)
        if value is not None:
            changed[line] = _constant(changed, value)
            changed[f"{line}_basis"] = _constant(changed, PERCENT)
    if changes.pence_per_mile is not None:
        changed["pence_per_mile"] = _constant(changed, changes.pence_per_mile)
    return changed


def _quantize(values: np.ndarray, quantum: Decimal, rounding: str) -> np.ndarray:
    return np.frompyfunc(lambda v: v.quantize(quantum, rounding=rounding), 1, 1)(values)


def _on_cost(frame: pd.DataFrame, name: str, gross_pay: pd.Series) -> pd.Series:
    """cost_model._on_cost for a column: a percentage of gross pay, pounds, or nothing."""
    given = frame[name].notna()
    value = _or_zero(frame[name])
    percent = frame[f"{name}_basis"] == PERCENT
    return (gross_pay * value / HUNDRED).where(percent, value).where(given, ZERO)


def price(frame: pd.DataFrame, time_band: str) -> pd.DataFrame:
    """Every row's build-up for the time band, as ``cost_model.calculate`` makes it: the exact
    value of each line (``exact_<line>``) and the price (``exact_total``), and the lines in pence
    (``<line>``, reconciled with ``total``, the price rounded to pence half up).

    The rows' inputs must be valid for the model (stored submissions were checked when they
    were submitted).
    """
    if frame.empty:
        columns = [*(f"exact_{c}" for c in cm.LINE_CODES), f"exact_{TOTAL}", *cm.LINE_CODES, TOTAL]
        return pd.DataFrame(columns=columns, index=frame.index, dtype=object)
    with decimal.localcontext(prec=cm.PRECISION, rounding=decimal.ROUND_HALF_EVEN):
        return _price(frame, time_band)


def _price(frame: pd.DataFrame, time_band: str) -> pd.DataFrame:
    if time_band == TimeBand.WEEKDAY_DAY:
        premium = _constant(frame, ZERO)
    else:
        premium = _or_zero(frame[f"{time_band}_premium"])
    rate = frame["hourly_pay"] * (1 + premium / HUNDRED)

    direct_travel = frame["travel_minutes_per_hour"].notna()
    visit = frame["visit_minutes"].where(~direct_travel, ONE)
    per_visit = _or_zero(frame["travel_minutes_per_visit"])
    travel_minutes = frame["travel_minutes_per_hour"].where(direct_travel, per_visit / visit * SIXTY)

    exact = {"contact_pay": rate, "travel_pay": rate * travel_minutes / SIXTY}
    gross_pay = exact["contact_pay"] + exact["travel_pay"]
    for name in cm.WAGE_ON_COSTS:
        exact[name] = _on_cost(frame, name, gross_pay)
    exact["mileage"] = _or_zero(frame["miles_per_hour"]) * _or_zero(frame["pence_per_mile"]) / HUNDRED
    direct = _constant(frame, ZERO)
    for code in DIRECT_LINES:
        direct = direct + exact[code]

    fixed, share = _constant(frame, ZERO), _constant(frame, ZERO)
    percent = {name: frame[f"{name}_basis"] == PERCENT for name in cm.PRICE_SHARES}
    for name in cm.PRICE_SHARES:
        fixed = fixed + frame[name].where(~percent[name], ZERO)
        share = share + frame[name].where(percent[name], ZERO)
    total = (direct + fixed) / (1 - share / HUNDRED)
    for name in cm.PRICE_SHARES:
        exact[name] = (total * frame[name] / HUNDRED).where(percent[name], frame[name])

    values = np.column_stack([exact[code].to_numpy(dtype=object) for code in cm.LINE_CODES])
    totals = _quantize(total.to_numpy(dtype=object), cm.PENNY, decimal.ROUND_HALF_UP)
    amounts = _apportion(values, totals)
    result = {f"exact_{code}": exact[code] for code in cm.LINE_CODES}
    result[f"exact_{TOTAL}"] = total
    for i, code in enumerate(cm.LINE_CODES):
        result[code] = pd.Series(amounts[:, i], index=frame.index, dtype=object)
    result[TOTAL] = pd.Series(totals, index=frame.index, dtype=object)
    return pd.DataFrame(result, index=frame.index)


def _apportion(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """cost_model.apportion for every row at once: each line rounded down to the penny, and the
    pennies still missing from the row's total go to its largest remainders, ties to the line
    that comes first. A line's place in that order is the number of lines with a larger
    remainder plus the number of earlier lines with an equal one."""
    floors = _quantize(values, cm.PENNY, decimal.ROUND_FLOOR)
    remainders = values - floors
    missing = ((totals - floors.sum(axis=1)) / cm.PENNY).astype(int)
    width = values.shape[1]
    place = np.zeros(values.shape, dtype=int)
    for j in range(width):
        for k in range(width):
            if k == j:
                continue
            ahead = remainders[:, k] > remainders[:, j]
            if k < j:
                ahead |= remainders[:, k] == remainders[:, j]
            place[:, j] += ahead.astype(bool)
    return np.where(place < missing[:, None], floors + cm.PENNY, floors)


def _medians(priced: pd.DataFrame) -> dict[str, Decimal]:
    """The median of each exact line and of the exact totals, rounded to pence once, half up."""
    codes = (*cm.LINE_CODES, TOTAL)
    ordered = np.sort(priced[[f"exact_{c}" for c in codes]].to_numpy(dtype=object), axis=0)
    n = len(ordered)
    with decimal.localcontext(prec=cm.PRECISION, rounding=decimal.ROUND_HALF_EVEN):
        middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
        rounded = _quantize(middle, cm.PENNY, decimal.ROUND_HALF_UP)
    return dict(zip(codes, rounded, strict=True))


# --- the answer ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineChange:
    """A consortium median (of one line, or of the totals), before and after the changes."""

    code: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    @property
    def label(self) -> str:
        return str(cm.LINE_LABELS.get(self.code, _("Total")))


@dataclass(frozen=True)
class MemberBelow:
    """A member whose cost after the changes is more than the proposed rate."""

    coop_id: int
    name: str
    before: Decimal  # its total per contact hour now
    after: Decimal  # and after the changes
    gap: Decimal  # after - proposed rate: how much less than its cost the rate would pay
    already_below: bool  # its cost is above the proposed rate already, before the changes


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    member_count: int
    lines: tuple[LineChange, ...]  # the median of each line, in the model's order
    total: LineChange  # the median of the totals
    members_below: tuple[MemberBelow, ...]  # largest gap first

    @property
    def proposed_rate(self) -> Decimal:
        return self.scenario.proposed_rate

    @property
    def proposed_minus_median(self) -> Decimal:
        """The proposed rate less the median total after the changes (negative: it is below)."""
        return self.proposed_rate - self.total.after

    @property
    def proposed_distance(self) -> Decimal:
        """How far the proposed rate is from the median total after the changes, either way."""
        return abs(self.proposed_minus_median)

    @property
    def sum_of_line_medians(self) -> LineChange:
        return LineChange(TOTAL, sum((line.before for line in self.lines), ZERO),
                          sum((line.after for line in self.lines), ZERO))

    @property
    def below_before_count(self) -> int:
        return sum(1 for member in self.members_below if member.already_below)


def can_run_scenarios(user) -> bool:
    """Scenarios show individual members' costs: the consortium's coordinators only."""
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


def _latest_submissions(*, consortium: Consortium | int, scenario: Scenario) -> list[dict]:
    """The latest submission of each counted member (as for the cost-of-care statistics) for
    the service type and year, with the co-op's names: one query."""
    return list(
        latest_submissions(consortium=consortium, service_type=scenario.service_type,
                           financial_year=scenario.financial_year)
        .order_by("coop__legal_name", "coop_id")
        .values("coop_id", "coop__legal_name", "coop__trading_name", "inputs")
    )


@contextmanager
def _stored_inputs():
    """Stored submissions were checked when they were submitted: one that cannot be read or
    priced is a damaged row, not the user's input, and must not become a 500."""
    try:
        yield
    except (ArithmeticError, TypeError, ValueError, KeyError) as exc:  # Decimal's errors too
        raise DomainError(
            _("A stored cost submission could not be priced: ask its member to submit it again."),
            code="unpriceable",
        ) from exc


def analyse(scenario: Scenario, members: Sequence[Mapping]) -> ScenarioResult:
    """The scenario over ``members`` (dicts with ``coop_id``, ``name`` and ``inputs``)."""
    validate(scenario)
    if not members:
        raise NoSubmissions(
            _("No member has submitted its costs for %(service)s in %(year)s, so there is "
              "nothing to work out. Choose another service type or financial year.")
            % {"service": scenario.service_type.name, "year": scenario.financial_year_label},
            code="no_submissions",
        )
    with _stored_inputs():
        frame = inputs_frame([m["inputs"] for m in members])
        changed = apply_changes(frame, scenario.changes)
        over_limit = bool((changed["hourly_pay"] > cm.MAX_POUNDS).any())
    if over_limit:
        raise ScenarioInputError({"pay_uplift_percent": [
            _("The pay uplift would take a member's pay above %(maximum)s an hour")
            % {"maximum": formatting.money(cm.MAX_POUNDS)}
        ]})
    with _stored_inputs():
        before, after = price(frame, scenario.time_band), price(changed, scenario.time_band)
    medians_before, medians_after = _medians(before), _medians(after)

    proposed = scenario.proposed_rate
    below = after[TOTAL] > proposed
    gaps = after[TOTAL] - proposed
    members_below = sorted(
        (
            MemberBelow(
                coop_id=members[i]["coop_id"], name=members[i]["name"], before=before[TOTAL][i],
                after=after[TOTAL][i], gap=gaps[i], already_below=bool(before[TOTAL][i] > proposed),
            )
            for i in below[below].index
        ),
        key=lambda m: (-m.gap, m.name),
    )
    return ScenarioResult(
        scenario=scenario,
        member_count=len(members),
        lines=tuple(LineChange(c, medians_before[c], medians_after[c]) for c in cm.LINE_CODES),
        total=LineChange(TOTAL, medians_before[TOTAL], medians_after[TOTAL]),
        members_below=tuple(members_below),
    )


def run_scenario(*, consortium: Consortium | int, scenario: Scenario) -> ScenarioResult:
    """The scenario over the consortium's counted members' latest submissions (one query).

    Raises ScenarioInputError for out-of-range inputs and NoSubmissions when no counted member
    has a submission for the service type and year.
    """
    validate(scenario)
    rows = _latest_submissions(consortium=consortium, scenario=scenario)
    members = [
        {"coop_id": row["coop_id"], "name": row["coop__trading_name"] or row["coop__legal_name"],
         "inputs": row["inputs"]}
        for row in rows
    ]
    return analyse(scenario, members)
