"""Pooled capacity reports: the heat table (council area x service type) and its totals.

The database sums the volumes (``selectors.pooled_capacity_rows``); pandas only pivots the
summed rows into a grid. The value columns are kept as Python ``Decimal`` objects (pandas
``object`` columns), so no volume is ever turned into a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

import pandas as pd

from consortium.models import Council, ServiceType, User

from . import selectors
from .models import MemberCoop

ZERO = Decimal("0")
HEAT_STEPS = 5  # steps 1..5 for positive volumes; step 0 for none

VALUES = ["declared", "committed", "available", "welsh_volume", "staff_fte", "members"]


def heat_step(value: Decimal, maximum: Decimal) -> int:
    """0 for no capacity, else 1..5 by the value's share of the maximum (rounded up)."""
    if value <= 0 or maximum <= 0:
        return 0
    step = int((value * HEAT_STEPS / maximum).to_integral_value(rounding=ROUND_CEILING))
    return max(1, min(HEAT_STEPS, step))


@dataclass(frozen=True)
class Cell:
    service_type: ServiceType
    declared: Decimal = ZERO
    committed: Decimal = ZERO
    available: Decimal = ZERO
    welsh_volume: Decimal = ZERO
    staff_fte: Decimal = ZERO
    members: int = 0
    step: int = 0

    @property
    def unit(self) -> str:
        return self.service_type.get_unit_display()


@dataclass
class Row:
    council: Council
    cells: list[Cell]


@dataclass
class Group:
    board: str
    rows: list[Row]


@dataclass
class ServiceTotal:
    service_type: ServiceType
    available: Decimal
    declared: Decimal
    welsh_volume: Decimal
    share_of_unit_max: int  # percent of the largest total in the same unit, for bar lengths

    @property
    def unit(self) -> str:
        return self.service_type.get_unit_display()


@dataclass
class HeatTable:
    time_band: str
    service_types: list[ServiceType]
    groups: list[Group]
    totals: list[ServiceTotal]
    maxima: dict[int, Decimal] = field(default_factory=dict)  # per service type id

    @property
    def is_empty(self) -> bool:
        return not any(t.declared for t in self.totals)

    def legend(self) -> list[tuple[int, int, int]]:
        """(step, from percent, to percent) of the scale's positive steps."""
        width = 100 // HEAT_STEPS
        return [(s, (s - 1) * width, s * width) for s in range(1, HEAT_STEPS + 1)]


def _frame(rows: list[dict], keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*keys, "declared", "committed", "welsh_volume",
                                        "staff_fte", "members"])
    # Decimal stays Decimal: declared - committed element-wise on object columns.
    frame["available"] = [d - c for d, c in zip(frame["declared"], frame["committed"], strict=True)]
    return frame


def _value(pivot: pd.DataFrame, column: str, index, service_id) -> Decimal | int | None:
    try:
        value = pivot.at[index, (column, service_id)]
    except KeyError:
        return None
    return None if pd.isna(value) else value


def pooled_heat_table(
    user: User,
    *,
    time_band: str,
    service_type: ServiceType | None = None,
    board: str | None = None,
) -> HeatTable:
    """The heat table for one time band: every council area (of one board, if given) by
    every service type (or the one given), with available volume, members and Welsh-capable
    volume per cell. Three queries: the summed rows, councils, service types."""
    rows = selectors.pooled_capacity_rows(user, time_band=time_band, service_type=service_type)
    councils = list(Council.objects.order_by("regional_partnership_board", "name_en"))
    if board:
        councils = [c for c in councils if c.regional_partnership_board == board]
    services = [service_type] if service_type else list(ServiceType.objects.order_by("name_en"))
    council_ids = {c.pk for c in councils}
    rows = [r for r in rows if r["council_id"] in council_ids]

    frame = _frame(rows, ["council_id", "service_type_id", "time_band"])
    pivot = frame.pivot_table(
        index="council_id", columns="service_type_id", values=VALUES, aggfunc="sum"
    ) if len(frame) else pd.DataFrame()

    maxima: dict[int, Decimal] = {}
    for s in services:
        column = [_value(pivot, "available", c.pk, s.pk) for c in councils]
        maxima[s.pk] = max((v for v in column if v is not None), default=ZERO)

    groups: list[Group] = []
    for council in councils:
        cells = []
        for s in services:
            values = {name: _value(pivot, name, council.pk, s.pk) for name in VALUES}
            if values["declared"] is None:
                cells.append(Cell(service_type=s))
                continue
            cells.append(Cell(
                service_type=s,
                declared=values["declared"],
                committed=values["committed"],
                available=values["available"],
                welsh_volume=values["welsh_volume"],
                staff_fte=values["staff_fte"],
                members=int(values["members"]),
                step=heat_step(values["available"], maxima[s.pk]),
            ))
        row = Row(council=council, cells=cells)
        if groups and groups[-1].board == council.region:
            groups[-1].rows.append(row)
        else:
            groups.append(Group(board=council.region, rows=[row]))

    totals = _service_totals(services, groups)
    return HeatTable(time_band=time_band, service_types=services, groups=groups, totals=totals,
                     maxima=maxima)


def _service_totals(services: list[ServiceType], groups: list[Group]) -> list[ServiceTotal]:
    sums = []
    for i, s in enumerate(services):
        cells = [row.cells[i] for g in groups for row in g.rows]
        sums.append((
            s,
            sum((c.available for c in cells), ZERO),
            sum((c.declared for c in cells), ZERO),
            sum((c.welsh_volume for c in cells), ZERO),
        ))
    unit_max: dict[str, Decimal] = {}
    for s, available, _declared, _welsh in sums:
        unit_max[s.unit] = max(unit_max.get(s.unit, ZERO), available)
    return [
        ServiceTotal(
            service_type=s, available=available, declared=declared, welsh_volume=welsh,
            share_of_unit_max=(
                int((available * 100 / unit_max[s.unit]).to_integral_value())
                if unit_max[s.unit] > 0 else 0
            ),
        )
        for s, available, declared, welsh in sums
    ]


@dataclass(frozen=True)
class MemberRow:
    coop: MemberCoop
    council: Council
    service_type: ServiceType
    declared: Decimal
    committed: Decimal
    available: Decimal
    welsh_volume: Decimal
    staff_fte: Decimal

    @property
    def unit(self) -> str:
        return self.service_type.get_unit_display()


def pooled_member_rows(
    user: User,
    *,
    time_band: str,
    service_type: ServiceType | None = None,
    board: str | None = None,
    council: Council | None = None,
) -> list[MemberRow]:
    """Per co-op rows for the same filters (coordinators only: empty for anyone else)."""
    rows = selectors.pooled_capacity_rows(
        user, time_band=time_band, service_type=service_type, council=council, by_member=True
    )
    if not rows:
        return []
    councils = Council.objects.in_bulk({r["council_id"] for r in rows})
    services = ServiceType.objects.in_bulk({r["service_type_id"] for r in rows})
    coops = selectors.members_visible_to(user).in_bulk({r["coop_id"] for r in rows})
    out = []
    for r in rows:
        c = councils[r["council_id"]]
        if board and c.regional_partnership_board != board:
            continue
        if r["coop_id"] not in coops:
            continue
        out.append(MemberRow(
            coop=coops[r["coop_id"]], council=c, service_type=services[r["service_type_id"]],
            declared=r["declared"], committed=r["committed"],
            available=r["declared"] - r["committed"], welsh_volume=r["welsh_volume"],
            staff_fte=r["staff_fte"],
        ))
    out.sort(key=lambda m: (str(m.coop).lower(), m.council.name_en, m.service_type.name_en))
    return out
