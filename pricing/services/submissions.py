"""Writes of open-book cost submissions: windows, versions, floors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from consortium.models import TimeBand
from pricing import cost_model as cm
from pricing.api import CostInputsSerializer
from pricing.models import LINE_FIELDS


@dataclass(frozen=True)
class BuildUp:
    """A submission's weekday-daytime build-up (line amounts and total) and its floor per band."""

    lines: dict[str, Decimal]
    total: Decimal
    floors: dict[str, Decimal]


def build_up(inputs: dict) -> BuildUp:
    """Price stored inputs (the calculator API's JSON shape) for every time band.

    Raises ``cost_model.CostInputError`` (a DomainError, field by field) for inputs that
    cannot be priced, and for inputs the calculator's serializer refuses.
    """
    floors: dict[str, Decimal] = {}
    base: cm.CostBreakdown | None = None
    for band in TimeBand.values:
        serializer = CostInputsSerializer(data={**inputs, "time_band": band})
        if not serializer.is_valid():
            raise cm.CostInputError(
                {name: [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
                 for name, messages in serializer.errors.items()}
            )
        breakdown = cm.calculate(serializer.to_inputs())
        floors[band] = breakdown.total
        if band == TimeBand.WEEKDAY_DAY:
            base = breakdown
    assert base is not None
    amounts = base.amounts()
    return BuildUp(lines={code: amounts[code] for code in LINE_FIELDS}, total=base.total, floors=floors)
