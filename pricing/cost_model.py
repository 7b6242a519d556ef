"""The cost model: the price of one contact hour of homecare, built up line by line.

A pure function of its inputs: no models, no database, no clock. It follows the Homecare
Association's (formerly UKHCA) published method, see ``../shared/design/DOMAIN.md`` (Pricing):

1. Pay. The careworker's hourly rate for the chosen time band is the base pay plus that band's
   premium (``hourly_pay x (1 + premium%)``). Contact pay is one hour at that rate. Paid travel
   time is paid at the same rate: ``rate x travel minutes per contact hour / 60``. Travel is
   given either directly, in minutes per contact hour, or from the visit length and the travel
   minutes per visit (``travel per visit / visit length x 60``, so shorter visits cost more per
   hour). Exactly one of the two ways must be given: both is ambiguous and neither would price
   travel at nothing without anyone saying so; give 0 minutes per contact hour for no travel.
   Gross pay = contact pay + travel pay.
2. Wage on-costs. Employer National Insurance, employer pension, holiday pay, training time,
   sick pay and notice/suspension: each either a percentage of gross pay or a sum in pounds per
   contact hour (the 2014 published table gives training and pension in pounds). Only NI and
   pension are required; the others count as nothing when not given.
3. Mileage: miles per contact hour x pence per mile.
4. Running costs and surplus: each either a share of the final price or pounds per contact
   hour. With shares, ``price = (direct costs + pounds lines) / (1 - running share - surplus
   share)``, so the shares must add up to less than 100%.

Every input is validated; all problems are reported together in one :class:`CostInputError`
whose ``errors`` map field names (the API's and the web form's field names) to messages.

Arithmetic and rounding. Everything is computed with ``Decimal`` at 50 significant digits, and
rounded to pence once, at the end, half up (as a spreadsheet's ROUND does), the way the
published tables are. Rounding each line on its own can make the displayed lines add up to a
penny more or less than the displayed total (three lines of a third of a pound each show as
0.33 + 0.33 + 0.33 = 0.99 against a total of 1.00). We reconcile them with the largest-remainder
method: the total is the exact price rounded to pence (the headline figure a council sees, and the
one the published tables print); each line is first rounded down to the penny, and the pennies
still missing from the total go, one each, to the lines with the largest remainders (ties to the
line that comes first). So every displayed line is its exact value rounded down or up (never a
penny or more out), and the displayed lines add up exactly to the displayed total. We chose this
over "the total is the sum of the rounded lines" because the headline price must not depend on
how finely the build-up is broken into lines.

From the 2014 published inputs the model gives contact pay 6.31, travel 1.20, NI 0.71, holiday
0.81, training 0.13, pension 0.08, mileage 1.40, running costs 4.10 and surplus 0.46: a total of
15.20 against the published 15.19, within a penny (tests/test_cost_model.py). A total of 15.19
implies direct costs just under 10.633 where the stated rates give 10.641, so the published NI
or holiday figure must have been worked out on a slightly different base; the model follows the
stated method.

The shares of the total (for the chart) are apportioned the same way, to 0.1%, so that they add
up to 100.0%.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from consortium.errors import DomainError

PRECISION = 50
PENNY = Decimal("0.01")
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
SIXTY = Decimal(60)
ZERO = Decimal(0)

# The time bands, as consortium.models.TimeBand (kept here so this module needs no models).
WEEKDAY_DAY = "weekday_day"
TIME_BANDS = (WEEKDAY_DAY, "evening", "night", "weekend", "bank_holiday")

# Upper limits: far above any real figure, they keep junk (1e30 pounds an hour) out of the sums.
MAX_POUNDS = Decimal(1000)  # pounds per hour: pay, or an on-cost line given in pounds
MAX_PERCENT = Decimal(100)  # an on-cost as a percentage of gross pay
MAX_PREMIUM = Decimal(500)  # a time-band premium, % of pay (double time is 100)
MAX_MINUTES = Decimal(1440)  # minutes: visit length, travel per visit or per contact hour
MAX_MILES = Decimal(1000)  # miles per contact hour
MAX_PENCE = Decimal(10000)  # pence per mile


class Basis(StrEnum):
    """How a line is given: a percentage (of gross pay for wage on-costs, of the price for
    running costs and surplus), or pounds per contact hour."""

    PERCENT = "percent"
    POUNDS = "pounds"


@dataclass(frozen=True)
class Amount:
    """A line given either as a percentage or in pounds per contact hour."""

    value: Decimal
    basis: Basis = Basis.PERCENT

    @classmethod
    def percent(cls, value) -> Amount:
        return cls(Decimal(value), Basis.PERCENT)

    @classmethod
    def pounds(cls, value) -> Amount:
        return cls(Decimal(value), Basis.POUNDS)


# Lines of the build-up, in the published order, with their labels.
LINES = (
    ("contact_pay", _("Careworker pay for contact time")),
    ("travel_pay", _("Paid travel time")),
    ("national_insurance", _("Employer National Insurance")),
    ("pension", _("Employer pension")),
    ("holiday", _("Holiday pay")),
    ("training", _("Training time")),
    ("sick_pay", _("Sick pay")),
    ("notice", _("Notice and suspension")),
    ("mileage", _("Mileage")),
    ("running_costs", _("Running the business")),
    ("surplus", _("Surplus")),
)
LINE_LABELS = dict(LINES)
LINE_CODES = tuple(code for code, _label in LINES)
PAY_LINES = ("contact_pay", "travel_pay")
WAGE_ON_COSTS = ("national_insurance", "pension", "holiday", "training", "sick_pay", "notice")
PRICE_SHARES = ("running_costs", "surplus")


class CostInputError(DomainError, ValueError):
    """The inputs cannot be priced. ``errors`` maps each bad field to its messages; ``field``
    and ``message`` are the first of them (as for any DomainError)."""

    def __init__(self, errors: Mapping[str, Sequence[str]]):
        self.errors = {name: list(messages) for name, messages in errors.items()}
        first_field, first_messages = next(iter(self.errors.items()))
        super().__init__(first_messages[0], field=first_field)

    def as_dict(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}


@dataclass(frozen=True)
class CostInputs:
    """What the model needs, per contact hour. Percentages are numbers of percent (9.5 = 9.5%)."""

    hourly_pay: Decimal
    national_insurance: Amount
    pension: Amount
    running_costs: Amount
    surplus: Amount
    travel_minutes_per_hour: Decimal | None = None
    visit_minutes: Decimal | None = None
    travel_minutes_per_visit: Decimal | None = None
    holiday: Amount | None = None
    training: Amount | None = None
    sick_pay: Amount | None = None
    notice: Amount | None = None
    miles_per_hour: Decimal = ZERO
    pence_per_mile: Decimal = ZERO
    time_band: str = WEEKDAY_DAY
    premiums: Mapping[str, Decimal] = field(default_factory=dict)  # % of pay, by time band


@dataclass(frozen=True)
class Line:
    code: str
    exact: Decimal  # pounds per contact hour, unrounded
    amount: Decimal  # pounds per contact hour, in pence (reconciled with the total)
    share_percent: Decimal  # share of the total, to 0.1% (the shares add up to 100.0)

    @property
    def label(self) -> str:
        return str(LINE_LABELS[self.code])


@dataclass(frozen=True)
class CostBreakdown:
    lines: tuple[Line, ...]
    total: Decimal  # pounds per contact hour, in pence: the sum of the lines' amounts
    exact_total: Decimal
    hourly_rate: Decimal  # the pay rate for the time band, premium included (unrounded)
    premium_percent: Decimal
    travel_minutes_per_hour: Decimal  # unrounded, as given or as derived from visits

    def line(self, code: str) -> Line:
        return next(line for line in self.lines if line.code == code)

    def amounts(self) -> dict[str, Decimal]:
        return {line.code: line.amount for line in self.lines}

    @property
    def direct_costs(self) -> Decimal:
        """Everything but running costs and surplus, in pence (the displayed lines' sum)."""
        return sum((line.amount for line in self.lines if line.code not in PRICE_SHARES), ZERO)


PREMIUM_BANDS = tuple(band for band in TIME_BANDS if band != WEEKDAY_DAY)


def inputs_from(data: dict) -> CostInputs:
    """CostInputs from flat, already parsed data keyed by the API's (and the web form's) field
    names; a ``<line>_basis`` left out means a percentage, a number left out means nothing."""

    def amount(name: str) -> Amount | None:
        value = data.get(name)
        if value is None:
            return None
        return Amount(value, data.get(f"{name}_basis") or Basis.PERCENT)  # validate() checks the basis

    def number(name: str) -> Decimal:
        value = data.get(name)
        return Decimal(0) if value is None else value

    return CostInputs(
        hourly_pay=data["hourly_pay"],
        travel_minutes_per_hour=data.get("travel_minutes_per_hour"),
        visit_minutes=data.get("visit_minutes"),
        travel_minutes_per_visit=data.get("travel_minutes_per_visit"),
        national_insurance=amount("national_insurance"),
        pension=amount("pension"),
        holiday=amount("holiday"),
        training=amount("training"),
        sick_pay=amount("sick_pay"),
        notice=amount("notice"),
        miles_per_hour=number("miles_per_hour"),
        pence_per_mile=number("pence_per_mile"),
        time_band=data.get("time_band") or WEEKDAY_DAY,
        premiums={band: number(f"{band}_premium") for band in PREMIUM_BANDS},
        running_costs=amount("running_costs"),
        surplus=amount("surplus"),
    )


# --- validation ---------------------------------------------------------------------------------

# The inputs' names, for messages that say which input they are about (GOV.UK error messages
# are specific: the error summary lists them away from their fields).
INPUT_NAMES = {
    "hourly_pay": _("Careworker hourly pay"),
    "travel_minutes_per_hour": _("Paid travel time per contact hour"),
    "visit_minutes": _("Visit length"),
    "travel_minutes_per_visit": _("Travel time per visit"),
    "national_insurance": _("Employer National Insurance"),
    "pension": _("Employer pension"),
    "holiday": _("Holiday pay"),
    "training": _("Training time"),
    "sick_pay": _("Sick pay"),
    "notice": _("Notice and suspension"),
    "miles_per_hour": _("Miles per contact hour"),
    "pence_per_mile": _("Mileage rate"),
    "weekday_day_premium": _("Weekday daytime premium"),
    "evening_premium": _("Evening premium"),
    "night_premium": _("Night premium"),
    "weekend_premium": _("Weekend premium"),
    "bank_holiday_premium": _("Bank holiday premium"),
    "running_costs": _("Running the business"),
    "surplus": _("Surplus"),
}


class _Checker:
    def __init__(self):
        self.errors: dict[str, list] = {}

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(message)

    def number(self, name: str, value, *, maximum: Decimal, positive: bool = False) -> bool:
        """A finite Decimal between 0 (or above it) and ``maximum``; True when it is one."""
        what = {"name": INPUT_NAMES[name], "maximum": maximum}
        if not isinstance(value, Decimal) or not value.is_finite():
            self.add(name, _("%(name)s must be a number") % what)
            return False
        if positive and value <= 0:
            self.add(name, _("%(name)s must be more than 0") % what)
            return False
        if value < 0:
            self.add(name, _("%(name)s cannot be negative") % what)
            return False
        if value > maximum:
            self.add(name, _("%(name)s must be %(maximum)s or less") % what)
            return False
        return True

    def amount(self, name: str, amount, *, percent_max: Decimal = MAX_PERCENT) -> bool:
        if not isinstance(amount, Amount):
            self.add(name, _("Enter %(name)s (0 if there is none)") % {"name": INPUT_NAMES[name]})
            return False
        try:
            basis = Basis(amount.basis)
        except ValueError:
            self.add(f"{name}_basis", _("Choose whether %(name)s is a percentage or pounds per contact hour")
                     % {"name": INPUT_NAMES[name]})
            return False
        maximum = percent_max if basis is Basis.PERCENT else MAX_POUNDS
        return self.number(name, amount.value, maximum=maximum)


def validate(inputs: CostInputs) -> None:
    """Raise CostInputError listing every problem with the inputs, field by field."""
    check = _Checker()
    check.number("hourly_pay", inputs.hourly_pay, maximum=MAX_POUNDS, positive=True)

    direct = inputs.travel_minutes_per_hour is not None
    by_visit = inputs.visit_minutes is not None or inputs.travel_minutes_per_visit is not None
    if direct and by_visit:
        check.add("travel_minutes_per_hour", _(
            "Give travel time either in minutes per contact hour or from the visit length and the "
            "travel time per visit, not both"
        ))
    elif direct:
        check.number("travel_minutes_per_hour", inputs.travel_minutes_per_hour, maximum=MAX_MINUTES)
    elif by_visit:
        if inputs.visit_minutes is None:
            check.add("visit_minutes", _("Enter the visit length in minutes"))
        else:
            check.number("visit_minutes", inputs.visit_minutes, maximum=MAX_MINUTES, positive=True)
        if inputs.travel_minutes_per_visit is None:
            check.add("travel_minutes_per_visit", _("Enter the travel time per visit in minutes"))
        elif (
            check.number("travel_minutes_per_visit", inputs.travel_minutes_per_visit, maximum=MAX_MINUTES)
            and "visit_minutes" not in check.errors
            and inputs.travel_minutes_per_visit * SIXTY > MAX_MINUTES * inputs.visit_minutes
        ):
            check.add("travel_minutes_per_visit", _(
                "Travel time per visit comes to more than %(maximum)s minutes per contact hour: check "
                "it and the visit length"
            ) % {"maximum": MAX_MINUTES})
    else:
        check.add("travel_minutes_per_hour", _(
            "Enter paid travel time per contact hour (0 if there is none), or the visit length and "
            "the travel time per visit"
        ))

    for name in WAGE_ON_COSTS:
        amount = getattr(inputs, name)
        if amount is not None or name in ("national_insurance", "pension"):
            check.amount(name, amount)

    check.number("miles_per_hour", inputs.miles_per_hour, maximum=MAX_MILES)
    check.number("pence_per_mile", inputs.pence_per_mile, maximum=MAX_PENCE)

    if inputs.time_band not in TIME_BANDS:
        check.add("time_band", _("Select a time band"))
    for band, premium in inputs.premiums.items():
        if band not in TIME_BANDS:
            check.add("time_band", _("There is a premium for a time band that does not exist"))
        else:
            check.number(f"{band}_premium", premium, maximum=MAX_PREMIUM)

    shares_ok = all([check.amount(name, getattr(inputs, name)) for name in PRICE_SHARES])
    if shares_ok:
        share = sum(
            (getattr(inputs, name).value for name in PRICE_SHARES
             if getattr(inputs, name).basis == Basis.PERCENT),
            ZERO,
        )
        if share >= HUNDRED:
            check.add("surplus", _(
                "Running the business and surplus as shares of the price must add up to less than "
                "100%% (they add up to %(share)s%%)"
            ) % {"share": format(share.normalize(), "f")})

    if check.errors:
        raise CostInputError(check.errors)


# --- the model ----------------------------------------------------------------------------------

def _on_cost(amount: Amount | None, gross_pay: Decimal) -> Decimal:
    if amount is None:
        return ZERO
    if amount.basis == Basis.PERCENT:
        return gross_pay * amount.value / HUNDRED
    return amount.value


def apportion(values: Sequence[Decimal], total: Decimal, quantum: Decimal) -> list[Decimal]:
    """Round non-negative ``values`` to ``quantum`` so that they add up to ``total`` (itself a
    multiple of ``quantum``, no less than the values' rounded-down sum and no more than it plus
    one quantum per value): each value is rounded down, and the quanta still missing go to the
    largest remainders, ties to the earlier value (largest-remainder method)."""
    floors = [v.quantize(quantum, rounding=decimal.ROUND_FLOOR) for v in values]
    missing = int((total - sum(floors, ZERO)) / quantum)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += quantum
    return floors


def calculate(inputs: CostInputs) -> CostBreakdown:
    """The build-up of one contact hour's price. Raises CostInputError for invalid inputs."""
    validate(inputs)
    with decimal.localcontext(prec=PRECISION, rounding=decimal.ROUND_HALF_EVEN):
        premium = Decimal(inputs.premiums.get(inputs.time_band, ZERO))
        rate = inputs.hourly_pay * (1 + premium / HUNDRED)
        if inputs.travel_minutes_per_hour is not None:
            travel_minutes = inputs.travel_minutes_per_hour
        else:
            travel_minutes = inputs.travel_minutes_per_visit / inputs.visit_minutes * SIXTY

        exact: dict[str, Decimal] = {"contact_pay": rate, "travel_pay": rate * travel_minutes / SIXTY}
        gross_pay = exact["contact_pay"] + exact["travel_pay"]
        for name in WAGE_ON_COSTS:
            exact[name] = _on_cost(getattr(inputs, name), gross_pay)
        exact["mileage"] = inputs.miles_per_hour * inputs.pence_per_mile / HUNDRED
        direct = sum(exact.values(), ZERO)

        shares = {n: getattr(inputs, n) for n in PRICE_SHARES}
        fixed = sum((a.value for a in shares.values() if a.basis == Basis.POUNDS), ZERO)
        share = sum((a.value for a in shares.values() if a.basis == Basis.PERCENT), ZERO) / HUNDRED
        price = (direct + fixed) / (1 - share)
        for name, amount in shares.items():
            exact[name] = price * amount.value / HUNDRED if amount.basis == Basis.PERCENT else amount.value

        values = [exact[code] for code in LINE_CODES]
        total = price.quantize(PENNY, rounding=decimal.ROUND_HALF_UP)
        amounts = apportion(values, total, PENNY)
        percents = [v / price * HUNDRED for v in values] if price > 0 else [ZERO] * len(values)
        shares_shown = apportion(percents, HUNDRED if price > 0 else ZERO, TENTH)

    return CostBreakdown(
        lines=tuple(
            Line(code=code, exact=value, amount=amount, share_percent=pct)
            for code, value, amount, pct in zip(LINE_CODES, values, amounts, shares_shown, strict=True)
        ),
        total=total,
        exact_total=price,
        hourly_rate=rate,
        premium_percent=premium,
        travel_minutes_per_hour=travel_minutes,
    )
