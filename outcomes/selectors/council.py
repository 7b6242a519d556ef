"""What a council reviewer sees of the outcomes and quality of its commissioned care, and of the
Regional Partnership Board its council sits on; and the value for money of one contract.

Who sees what:
- council reviewers: the council benchmark (``council_benchmark``): their own council's
  contracts by consortium (the consortium is the council's contractor, so it is named) and by
  contract (value for money); of the other councils of their Regional Partnership Board, only
  each council's section 16 shares and the board's aggregates. Never a member's name or a
  member's own figure: figures are per consortium, per contract or per board;
- the value for money of one contract (``contract_value``): the council's reviewers, and the
  consortium's coordinators and board members; member users 403 (the page compares the
  consortium's price, not a member's); a contract the person may not see: 404;
- everyone else: 403.
Figures about people (outcomes, involvement, outcomes met) are suppressed below ``MIN_PEOPLE``
reviews, for every reader. Each read costs a fixed number of queries, whatever the number of
contracts, returns or reviews (one per table, plus one per service type and consortium for the
published council rate and the cost-of-care evidence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from consortium.models import Council, TimeBand, Unit, User
from contracts.delivery.selectors.contracts import contracts_visible_to
from contracts.delivery.selectors.rates import VOLUME_KINDS
from contracts.models import (
    Award,
    AwardStatus,
    BillingPeriod,
    Contract,
    ContractRate,
    ContractVersion,
    DeliveryReturn,
    Invoice,
    LotVolume,
    ReturnLine,
    SubContract,
)
from members.models import CoopType
from outcomes import council_figures as figures
from outcomes.disclosure import MIN_PEOPLE, percent
from outcomes.figures import financial_year_of
from outcomes.models import CIWInspection, OutcomeResult, OutcomeReview
from pricing.models import financial_year_label as year_label
from pricing.selectors.evidence import council_rate_for, current_financial_year, evidence_snapshot

# --- access ------------------------------------------------------------------------------------


def can_see_council_benchmark(user: User) -> bool:
    return bool(user.is_authenticated and user.is_council_reviewer and user.council_id)


def can_see_value_for_money(user: User) -> bool:
    """Council reviewers, and consortia's coordinators and board members."""
    return bool(user.is_authenticated and (
        (user.is_council_reviewer and user.council_id)
        or ((user.is_coordinator or user.is_board_member) and user.consortium_id)))


def value_contract_get_for_user(user: User, pk) -> Contract:
    """A contract whose value for money the user may read: 403 for a role that may not, 404 for
    a contract they may not see."""
    if not can_see_value_for_money(user):
        raise PermissionDenied
    try:
        return contracts_visible_to(user).get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- the span ----------------------------------------------------------------------------------


def year_bounds(financial_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(financial_year, 4, 1), dt.date(financial_year + 1, 3, 31)


def board_council_ids(council_id: int) -> list[int]:
    """The councils of the Regional Partnership Board of ``council_id``'s council (one query)."""
    board = Council.objects.filter(pk=council_id).values("regional_partnership_board")
    return list(Council.objects.filter(regional_partnership_board__in=board).values_list("pk", flat=True))


def years_with_periods(*, councils: Iterable[int] = (), contract: Contract | None = None) -> list[int]:
    """Financial years up to the current one in which the councils' contracts (or the one
    contract) have billing periods ending, and the current one, newest first (one query). A
    year still to come has nothing delivered to show."""
    periods = (BillingPeriod.objects.filter(contract=contract) if contract is not None
               else BillingPeriod.objects.filter(contract__council_id__in=list(councils)))
    ends = periods.order_by().values_list("end", flat=True).distinct()
    current = current_financial_year()
    years = {financial_year_of(end) for end in ends} | {current}
    return sorted((year for year in years if year <= current), reverse=True)


# --- tables as the page and the download show them ----------------------------------------------

PERCENT, COUNT, HOURS, MONEY, TEXT = "percent", "count", "hours", "money", "text"


@dataclass(frozen=True)
class Cell:
    """A figure as shown: ``value`` (None: not shown, and ``why`` says why)."""

    kind: str
    value: object = None
    why: str = ""

    @property
    def raw(self) -> str:
        """The figure as the page's data-value and the download give it ("" when not shown)."""
        return "" if self.value is None else str(self.value)

    @property
    def exported(self) -> object:
        """What a download writes: the figure (a number), or why it is not shown."""
        return self.value if self.value is not None else self.why


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]


@dataclass
class Table:
    id: str
    caption: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    chart: str | None = None  # the column drawn as bars (a percentage), if any

    def bars(self) -> list[dict]:
        """The chart's bars: each row's label and percentage of ``chart`` (None: not shown)."""
        if not self.chart:
            return []
        index = [c.key for c in self.columns].index(self.chart)
        return [{"label": row.label, "value": row.cells[index].value, "why": row.cells[index].why,
                 "width": 0 if row.cells[index].value is None else int(Decimal(row.cells[index].value) * 4),
                 "y": 8 + i * 36} for i, row in enumerate(self.rows)]

    @property
    def chart_label(self) -> str:
        return next((c.label for c in self.columns if c.key == self.chart), "")

    @property
    def chart_height(self) -> int:
        return 16 + 36 * len(self.rows)



def fewer_than_people() -> str:
    return gettext("Fewer than %(n)s people: not shown") % {"n": MIN_PEOPLE}


def nothing_to_divide() -> str:
    return gettext("Nothing recorded")


def pct(tenths: int | None, *, suppressed: bool = False) -> Cell:
    if suppressed:
        return Cell(PERCENT, None, fewer_than_people())
    return Cell(PERCENT, percent(tenths), "" if tenths is not None else nothing_to_divide())


def people_count(value: int | None) -> Cell:
    return Cell(COUNT, value, "" if value is not None else fewer_than_people())


def count(value: int | None) -> Cell:
    return Cell(COUNT, value, "" if value is not None else nothing_to_divide())


def money(value: Decimal | None, why: str = "") -> Cell:
    return Cell(MONEY, value, why if value is None else "")


def quantity(value: Decimal | None, kind: str = HOURS) -> Cell:
    return Cell(kind, value, "" if value is not None else nothing_to_divide())


def columns_s16() -> list[Column]:
    return [
        Column("commissioned_hours", gettext("Hours commissioned over the contracts' terms"), HOURS),
        Column("cooperative_share", gettext("Share held by consortia of co-operatives"), PERCENT),
        Column("delivered_hours", gettext("Hours delivered under their contracts in the year"), HOURS),
        Column("user_led_share", gettext("Share delivered by user-led co-ops"), PERCENT),
    ]


def _s16_row(key: str, label: str, s: figures.Section16) -> Row:
    return Row(key, label, [quantity(s.commissioned_hours), pct(s.cooperative_share),
                            quantity(s.delivered_hours), pct(s.user_led_share)])


def columns_outcomes() -> list[Column]:
    return [
        Column("reviews", gettext("Reviews held"), COUNT),
        Column("met", gettext("Outcomes met"), PERCENT),
        Column("partly", gettext("Partly met"), PERCENT),
        Column("not_met", gettext("Not met"), PERCENT),
        Column("involvement", gettext("People or carers who took part in planning"), PERCENT),
    ]


def columns_visits() -> list[Column]:
    return [
        Column("hours", gettext("Hours delivered"), HOURS),
        Column("missed", gettext("Visits missed"), PERCENT),
        Column("late", gettext("Visits late"), PERCENT),
        Column("short", gettext("Visits cut short"), PERCENT),
        Column("complaints", gettext("Complaints"), COUNT),
        Column("complaints_per_1000", gettext("Complaints per 1,000 hours"), COUNT),
        Column("safeguarding", gettext("Safeguarding referrals"), COUNT),
        Column("safeguarding_per_1000", gettext("Safeguarding referrals per 1,000 hours"), COUNT),
    ]


def theme_labels() -> dict[str, str]:
    return {
        "well_being": gettext("Well-being"),
        "care_and_support": gettext("Care and support"),
        "environment": gettext("Environment"),
        "leadership": gettext("Leadership and management"),
    }


def columns_ciw() -> list[Column]:
    labels = theme_labels()
    return [Column("inspections", gettext("Services inspected"), COUNT),
            *(Column(theme, gettext("%(theme)s: good or excellent") % {"theme": labels[theme]}, PERCENT)
              for theme in figures.THEMES)]


def _outcomes_row(key: str, label: str, q: figures.Quality) -> Row:
    return Row(key, label, [people_count(q.reviews), pct(q.met, suppressed=q.suppressed),
                            pct(q.partly, suppressed=q.suppressed), pct(q.not_met, suppressed=q.suppressed),
                            pct(q.involvement, suppressed=q.suppressed)])


def _visits_row(key: str, label: str, q: figures.Quality) -> Row:
    return Row(key, label, [quantity(q.hours), pct(q.missed), pct(q.late), pct(q.short),
                            count(q.complaints), quantity(q.complaints_per_1000, COUNT),
                            count(q.safeguarding), quantity(q.safeguarding_per_1000, COUNT)])


def _ciw_row(key: str, label: str, i: figures.Inspections) -> Row:
    return Row(key, label, [count(i.inspections), *(pct(i.good_or_better[t]) for t in figures.THEMES)])


# --- reading the records -------------------------------------------------------------------------


def _in_year(prefix: str, financial_year: int) -> dict:
    start, end = year_bounds(financial_year)
    return {f"{prefix}__gte": start, f"{prefix}__lte": end}


@dataclass
class Records:
    """The frames of one scope of contracts (one query each)."""

    returns: object
    lines: object
    reviews: object
    results: object
    deliverers: object
    inspections: object


def _records(contract_filter: dict, financial_year: int, *, group: str) -> Records:
    """Returns (submitted or accepted) of the contracts ``contract_filter`` picks whose periods end
    in the year, their lines, reviews and results; the members delivering the contracts (grouped by
    the contract's ``group``: "consortium", "council" or "contract") and their CIW inspections."""
    scope = {f"subcontract__contract__{k}": v for k, v in contract_filter.items()}
    returns_qs = DeliveryReturn.objects.filter(
        status__in=figures.SUBMITTED_OR_ACCEPTED, **scope, **_in_year("period__end", financial_year))
    returns = figures.frame(figures.RETURN_COLUMNS, (
        (*r[:10], r[10] is not None, r[11] or 0, r[12] or 0)
        for r in returns_qs.order_by().values_list(
            "pk", "subcontract__contract_id", "subcontract__contract__council_id",
            "subcontract__contract__consortium_id", "status", "period__end", "visits_planned",
            "visits_missed", "visits_late", "visits_short", "outcomes_report__id",
            "outcomes_report__complaints", "outcomes_report__safeguarding_referrals")))
    lines = figures.frame(figures.LINE_COLUMNS + ("status",), (
        (rid, coop_type == CoopType.USER_LED, figures.hundredths(qty), status)
        for rid, coop_type, qty, status in ReturnLine.objects.filter(
            **{f"delivery_return__{k}": v for k, v in scope.items()},
            delivery_return__status__in=figures.SUBMITTED_OR_ACCEPTED,
            **_in_year("delivery_return__period__end", financial_year)).order_by().values_list(
            "delivery_return_id", "delivery_return__subcontract__coop__coop_type", "quantity",
            "delivery_return__status")))
    reviews = figures.frame(figures.REVIEW_COLUMNS, OutcomeReview.objects.filter(
        **{f"delivery_return__{k}": v for k, v in scope.items()},
        delivery_return__status__in=figures.SUBMITTED_OR_ACCEPTED,
        **_in_year("delivery_return__period__end", financial_year)).order_by().values_list(
        "pk", "delivery_return_id", "involvement"))
    results = figures.frame(figures.RESULT_COLUMNS, OutcomeResult.objects.filter(
        **{f"review__delivery_return__{k}": v for k, v in scope.items()},
        review__delivery_return__status__in=figures.SUBMITTED_OR_ACCEPTED,
        **_in_year("review__delivery_return__period__end", financial_year)).order_by().values_list(
        "review_id", "result"))
    subs = SubContract.objects.filter(**{f"contract__{k}": v for k, v in contract_filter.items()})
    deliverers = figures.frame(figures.DELIVERER_COLUMNS, subs.order_by().values_list(
        f"contract__{group}_id" if group != "contract" else "contract_id", "coop_id",
        "contract__lot__service_type_id").distinct())
    inspections = figures.frame(figures.INSPECTION_COLUMNS, CIWInspection.objects.filter(
        coop_id__in=subs.values("coop_id")).order_by().values_list(
        "coop_id", "service_type_id", "inspected_on", *figures.THEMES))
    return Records(returns, lines, reviews, results, deliverers, inspections)


def _commissions(councils: Sequence[int]) -> object:
    """Hours commissioned by each council over the terms of its awarded lots counted in hours a
    week: a consortium's contract day by day as its versions set the weekly volumes; a lot awarded
    to a bid from outside the system (no contract kept here) at its weekly volumes over the
    tender's contract dates. Four queries."""
    awards = list(Award.objects.filter(
        status=AwardStatus.CONFIRMED, lot__tender__council_id__in=councils,
        lot__service_type__unit=Unit.HOURS_PER_WEEK).order_by().values_list(
        "pk", "lot_id", "lot__tender__council_id", "lot__tender__contract_start",
        "lot__tender__contract_end", "entry__external_bid_id"))
    contracts = {award_id: (pk, council, start, end) for pk, award_id, council, start, end in
                 Contract.objects.filter(award_id__in=[a[0] for a in awards]).order_by().values_list(
                     "pk", "award_id", "council_id", "start", "end")}
    versions: dict[int, list[tuple[dt.date, int, int]]] = {}
    for contract_id, number, start, effective, terms in ContractVersion.objects.filter(
            contract_id__in=[c[0] for c in contracts.values()], kind__in=VOLUME_KINDS).order_by().values_list(
            "contract_id", "number", "start", "effective_from", "terms"):
        weekly = sum(figures.hundredths(Decimal(t["volume"])) for t in terms.values())
        versions.setdefault(contract_id, []).append((effective or start, number, weekly))
    external_lots = [a[1] for a in awards if a[0] not in contracts]
    lot_weekly: dict[int, int] = {}
    for lot_id, volume in LotVolume.objects.filter(lot_id__in=external_lots).order_by().values_list(
            "lot_id", "volume"):
        lot_weekly[lot_id] = lot_weekly.get(lot_id, 0) + figures.hundredths(volume)
    records = []
    for award_id, lot_id, council, start, end, _external in awards:
        if award_id in contracts:
            pk, council_id, c_start, c_end = contracts[award_id]
            records.append((council_id, True, figures.volume_days(versions.get(pk, []), c_start, c_end)))
        else:
            days = (end - start).days + 1
            records.append((council, False, lot_weekly.get(lot_id, 0) * days))
    return figures.frame(figures.COMMISSION_COLUMNS, records)


# --- value for money ----------------------------------------------------------------------------


@dataclass
class ContractValue:
    contract: Contract
    rates: Table
    outcomes: Table
    financial_year: int


def _value_tables(contracts: list[Contract], financial_year: int) -> tuple[Table, Table]:
    """The contracts' current rates per time band against the council's published rate and the
    consortium's cost-of-care evidence (as a council may see it: disclosure-controlled, weekday
    daytime cost per contact hour, all Wales) for the year; and per contract, net invoiced for
    periods ending in the year, outcomes met and cost per outcome met."""
    ids = [c.pk for c in contracts]
    rates = list(ContractRate.objects.filter(contract_id__in=ids).order_by("contract_id", "time_band"))
    council_rates: dict[tuple, object] = {}
    evidence: dict[tuple, dict] = {}
    for c in contracts:
        scope = (c.council_id, c.lot.service_type_id)
        if scope not in council_rates:
            council_rates[scope] = council_rate_for(council=c.council, service_type=c.lot.service_type,
                                                    financial_year=financial_year)
        key = (c.consortium_id, c.lot.service_type_id)
        if key not in evidence:
            evidence[key] = evidence_snapshot(consortium=c.consortium, service_type=c.lot.service_type,
                                              financial_year=financial_year)["total"]
    by_pk = {c.pk: c for c in contracts}
    rate_table = Table("value-rates", gettext("Each contract's current rates against the council's rate "
                                               "and the cost of care"), [
        Column("rate", gettext("Contract rate (£ per unit)"), MONEY),
        Column("council_rate", gettext("Council's published rate (£ an hour)"), MONEY),
        Column("above_council_rate", gettext("Contract rate less the council's rate"), MONEY),
        Column("lower_quartile", gettext("Cost of care: lower quartile"), MONEY),
        Column("median", gettext("Cost of care: median"), MONEY),
        Column("upper_quartile", gettext("Cost of care: upper quartile"), MONEY),
        Column("above_median", gettext("Contract rate less the median cost"), MONEY),
    ])
    no_rate = gettext("No published rate for the year")
    suppressed = gettext("Not shown: fewer members submitted costs than disclosure allows")
    for r in rates:
        c = by_pk[r.contract_id]
        published = council_rates[(c.council_id, c.lot.service_type_id)]
        stat = evidence[(c.consortium_id, c.lot.service_type_id)]
        median = None if stat["median"] is None else Decimal(stat["median"])

        def evidence_cell(name, _stat=stat):
            return money(None if _stat[name] is None else Decimal(_stat[name]), suppressed)

        label = f"{_contract_label(c)}: {TimeBand(r.time_band).label}"
        rate_table.rows.append(Row(f"{c.pk}-{r.time_band}", label, [
            money(r.rate),
            money(published.rate if published else None, no_rate),
            money(r.rate - published.rate if published else None, no_rate),
            evidence_cell("lower_quartile"), evidence_cell("median"), evidence_cell("upper_quartile"),
            money(r.rate - median if median is not None else None, suppressed),
        ]))
    records = _records({"pk__in": ids}, financial_year, group="contract")
    quality = {q.key: q for q in figures.quality(records.returns, records.lines, records.reviews,
                                                  records.results, keys=ids, by="contract")}
    start, end = year_bounds(financial_year)
    invoices = figures.frame(figures.INVOICE_COLUMNS, (
        (contract_id, period_end, figures.hundredths(net))
        for contract_id, period_end, net in Invoice.objects.filter(
            contract_id__in=ids, period__end__gte=start, period__end__lte=end).order_by().values_list(
            "contract_id", "period__end", "net")))
    net = figures.net_invoiced(invoices, keys=ids)
    outcome_table = Table("value-outcomes", gettext("Net invoiced and cost per outcome met, %(year)s")
                          % {"year": year_label(financial_year)}, [
        Column("net_invoiced", gettext("Net invoiced (invoices less credit notes)"), MONEY),
        Column("reviews", gettext("Reviews held"), COUNT),
        Column("outcomes_met", gettext("Outcomes met"), COUNT),
        Column("cost_per_outcome_met", gettext("Cost per outcome met"), MONEY),
    ])
    for c in contracts:
        q = quality[c.pk]
        per = figures.cost_per_outcome_met(net[c.pk], q.outcomes_met)
        outcome_table.rows.append(Row(str(c.pk), _contract_label(c), [
            money(Decimal(net[c.pk]).scaleb(-2)),
            people_count(q.reviews),
            Cell(COUNT, q.outcomes_met, fewer_than_people() if q.suppressed else ""),
            money(per, fewer_than_people() if q.suppressed else nothing_to_divide()),
        ]))
    return rate_table, outcome_table


def _contract_label(c: Contract) -> str:
    return gettext("%(ref)s lot %(n)s (%(consortium)s)") % {
        "ref": c.lot.tender.reference, "n": c.lot.number, "consortium": c.consortium.name}


def contract_value(user: User, contract: Contract, *, financial_year: int) -> ContractValue:
    contract = Contract.objects.select_related(
        "council", "consortium", "lot__tender", "lot__service_type").get(pk=contract.pk)
    rates, outcomes = _value_tables([contract], financial_year)
    return ContractValue(contract, rates, outcomes, financial_year)


# --- the council benchmark ------------------------------------------------------------------------


@dataclass
class CouncilBenchmark:
    council: Council
    board: str
    financial_year: int
    section16: Table
    outcomes: Table
    visits: Table
    inspections: Table
    board_outcomes: Table
    value_rates: Table
    value_outcomes: Table
    contracts: list[Contract]

    @property
    def tables(self) -> list[Table]:
        return [self.section16, self.outcomes, self.visits, self.inspections, self.board_outcomes,
                self.value_rates, self.value_outcomes]


def council_benchmark(user: User, *, financial_year: int) -> CouncilBenchmark:
    if not can_see_council_benchmark(user):
        raise PermissionDenied
    council = Council.objects.get(pk=user.council_id)
    board = list(Council.objects.filter(regional_partnership_board=council.regional_partnership_board)
                 .order_by("name_en"))
    board_ids = [c.pk for c in board]
    year = year_label(financial_year)

    # Section 16: each council of the board, and the board.
    commissions = _commissions(board_ids)
    accepted = _records({"council_id__in": board_ids}, financial_year, group="council")
    returns = accepted.returns
    council_of = dict(zip(returns["return_id"], returns["council"], strict=True)) if len(returns) else {}
    lines = accepted.lines
    accepted_lines = lines[lines["status"] == figures.ACCEPTED].copy() if len(lines) else lines
    if len(accepted_lines):
        accepted_lines["council"] = accepted_lines["return_id"].map(council_of)
        accepted_lines["board"] = 0
    else:
        accepted_lines = figures.frame((*figures.LINE_COLUMNS, "status", "council", "board"), [])
    all_commissions = commissions.assign(board=0) if len(commissions) else figures.frame(
        (*figures.COMMISSION_COLUMNS, "board"), [])
    s16 = Table("section16", gettext("Hours commissioned and delivered, by council of %(board)s")
                % {"board": council.region}, columns_s16(), chart="cooperative_share")
    for s in figures.section16(commissions, accepted_lines, keys=board_ids):
        s16.rows.append(_s16_row(f"council-{s.key}", next(c.name for c in board if c.pk == s.key), s))
    (total,) = figures.section16(all_commissions, accepted_lines, keys=[0], by="board")
    all_label = gettext("%(board)s (all its councils)") % {"board": council.region}
    s16.rows.append(_s16_row("board", all_label, total))

    # Outcomes and quality: the council's contracts, by consortium.
    mine = returns[returns["council"] == council.pk] if len(returns) else returns
    consortia = list(Contract.objects.filter(council=council).order_by("consortium__name")
                     .values_list("consortium_id", "consortium__name").distinct())
    keys = [pk for pk, _name in consortia]
    names = dict(consortia)
    quality = figures.quality(mine, accepted.lines, accepted.reviews, accepted.results, keys=keys,
                              by="consortium")
    outcomes = Table("outcomes", gettext("Personal outcomes by consortium holding the council's contracts, "
                                         "%(year)s") % {"year": year}, columns_outcomes(), chart="met")
    visits = Table("visits", gettext("Visits, complaints and safeguarding by consortium, %(year)s")
                   % {"year": year}, columns_visits())
    for q in quality:
        outcomes.rows.append(_outcomes_row(f"consortium-{q.key}", names[q.key], q))
        visits.rows.append(_visits_row(f"consortium-{q.key}", names[q.key], q))
    # CIW: the members delivering each consortium's contracts with this council.
    council_deliverers = figures.frame(figures.DELIVERER_COLUMNS, SubContract.objects.filter(
        contract__council=council).order_by().values_list(
        "contract__consortium_id", "coop_id", "contract__lot__service_type_id").distinct())
    ciw = Table("inspections", gettext(
        "Care Inspectorate Wales ratings of the members delivering the council's contracts, by consortium "
        "(latest inspection of each service)"), columns_ciw())
    for i in figures.inspections(council_deliverers, accepted.inspections, keys=keys):
        ciw.rows.append(_ciw_row(f"consortium-{i.key}", names[i.key], i))

    # The board: aggregates only.
    board_returns = (returns.assign(board=0) if len(returns)
                     else figures.frame((*figures.RETURN_COLUMNS, "board"), []))
    (bq,) = figures.quality(board_returns, accepted.lines, accepted.reviews, accepted.results, keys=[0],
                            by="board")
    board_deliverers = (accepted.deliverers.assign(group=0) if len(accepted.deliverers)
                        else accepted.deliverers)
    (bi,) = figures.inspections(board_deliverers, accepted.inspections, keys=[0])
    board_table = Table("board", gettext("%(board)s: all consortia's contracts with its councils, %(year)s")
                        % {"board": council.region, "year": year},
                        [*columns_outcomes(), *columns_visits(), *columns_ciw()])
    board_table.rows.append(Row("board", council.region, [
        *_outcomes_row("", "", bq).cells, *_visits_row("", "", bq).cells, *_ciw_row("", "", bi).cells]))

    contracts = list(Contract.objects.filter(council=council).select_related(
        "council", "consortium", "lot__tender", "lot__service_type").order_by(
        "lot__tender__reference", "lot__number"))
    value_rates, value_outcomes = _value_tables(contracts, financial_year)
    return CouncilBenchmark(council, council.region, financial_year, s16, outcomes, visits, ciw, board_table,
                            value_rates, value_outcomes, contracts)


# A summary, not the Act's words (read them at the source): the three things section 16 asks a
# local authority to promote, as the Welsh Government's own summary of the Act lists them.
SECTION_16 = gettext_lazy(
    "Section 16 places a duty on the council to promote three things: the development in its area "
    "of social enterprises, co-operative organisations and co-operative arrangements to provide "
    "care and support and preventative services; the involvement of the people who receive care "
    "and support in designing and running it; and the availability in its area of care and support "
    "and preventative services from third sector organisations.")
SECTION_16_SOURCE = "https://www.legislation.gov.uk/anaw/2014/4/section/16"
HEADLINE_NOTE = gettext_lazy("This page never leads with money or market share: it shows what care achieved.")


def flat_rows(tables: Sequence[Table]) -> list[tuple[str, str, str, str]]:
    """Every figure of ``tables`` as (table, row, figure, value or why not shown): what the
    download holds, in the page's order."""
    return [(t.caption, row.label, column.label, cell.exported)
            for t in tables for row in t.rows for column, cell in zip(t.columns, row.cells, strict=True)]
