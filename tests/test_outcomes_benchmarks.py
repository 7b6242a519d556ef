"""Every figure on every benchmark page, and in every download, recomputed from the rows by a
calculation of this test's own (pandas, written here: outcomes.figures is not called), for a
seeded population of two consortia (six members in A, three in B) over two quarters; and the
pages keep a constant number of queries at ten times the population.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import build_world
from contracts.models import DeliveryReturn, ReturnLine
from governance.models import GovernanceRules
from outcomes import figures as fig
from outcomes.models import (
    CIWInspection,
    CommitmentProgress,
    LivingWageRate,
    MemberGovernanceReport,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    TrackedCommitment,
)
from tests.outcomes_benchmark_factories import seed_population
from tests.shared_rows import rows_for_the_module

pytestmark = pytest.mark.django_db

SHOWN = [(2026, 1), (2026, 2), (2026, 3)]  # the periods end in Q1 and Q3; Q2 lies between
SPAN = "All quarters shown"
PERIODS = ["2026-27 Q1", "2026-27 Q2", "2026-27 Q3", SPAN]
PEOPLE = {"outcomes_met", "outcomes_partly", "outcomes_not_met", "involvement", "people_reviewed"}
RATES = {"outcomes_met", "outcomes_partly", "outcomes_not_met", "involvement", "visits_missed",
         "visits_late", "visits_short", "rlw_share", "scw_share", "ciw_good", "commitments_on_track"}
PER_THOUSAND = {"complaints_per_1000h", "safeguarding_per_1000h"}
COUNTS = {"people_reviewed", "complaints", "safeguarding"}
CODES = ["outcomes_met", "outcomes_partly", "outcomes_not_met", "involvement", "people_reviewed",
         "visits_missed", "visits_late", "visits_short", "complaints", "complaints_per_1000h",
         "safeguarding", "safeguarding_per_1000h", "rlw_share", "scw_share", "ciw_good",
         "commitments_on_track"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
            population = seed_population(world)
        yield world, population


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- reading what is shown -----------------------------------------------------------------------


class Tables(HTMLParser):
    """Every table with a data-figure (the side-by-side page) or an id starting "table-" (the
    member page): its rows' cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and ("data-figure" in attrs or (attrs.get("id") or "").startswith("table-")):
            self.table = self.tables.setdefault(attrs.get("data-figure") or attrs["id"], [])
        elif self.table is not None and tag == "tr":
            self.row = [attrs.get("data-figure")] if "data-figure" in attrs else []
            self.table.append(self.row)
        elif self.row is not None and tag in ("th", "td"):
            self.cell = []
        elif self.cell is not None and tag == "span":
            self.cell.append(" ")

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.table = self.row = None


def tables_of(html: str) -> dict:
    reader = Tables()
    reader.feed(html)
    return reader.tables


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


# --- the independent calculation -------------------------------------------------------------------


def quarter_columns(ends: pd.Series) -> pd.DataFrame:
    ends = pd.to_datetime(ends)
    year = ends.dt.year - (ends.dt.month < 4)
    quarter = ((ends.dt.month - 4) % 12) // 3 + 1
    return pd.DataFrame({"fy": year.astype(int), "q": quarter.astype(int)}, index=ends.index)


def tenths(part, whole) -> int | None:
    """Tenths of a percent, rounded down: part / whole x 1000, exactly."""
    if not whole:
        return None
    return math.floor(Fraction(part) * 1000 / Fraction(whole))


def expected_figures(consortium) -> dict:
    """(coop, quarter or None) -> code -> value (tenths, count or None), and the RLW flags."""
    returns = pd.DataFrame(DeliveryReturn.objects.filter(
        subcontract__contract__consortium=consortium, status__in=["submitted", "accepted"]).values(
        "id", "subcontract__coop_id", "period__end", "visits_planned", "visits_missed", "visits_late",
        "visits_short"))
    returns = returns.rename(columns={"subcontract__coop_id": "coop"})
    returns = returns.join(quarter_columns(returns["period__end"]))
    returns = returns[[(y, q) in SHOWN for y, q in zip(returns.fy, returns.q, strict=True)]]
    ids = set(returns["id"])
    lines = pd.DataFrame(ReturnLine.objects.filter(delivery_return_id__in=ids).values(
        "delivery_return_id", "quantity"))
    hours = lines.groupby("delivery_return_id")["quantity"].apply(
        lambda s: sum(map(Fraction, s), Fraction(0)))
    reports = pd.DataFrame(PeriodReport.objects.filter(delivery_return_id__in=ids).values())
    bands = pd.DataFrame(PayBand.objects.filter(report__delivery_return_id__in=ids).values(
        "report__delivery_return_id", "hourly_rate", "hours"))
    reviews = pd.DataFrame(OutcomeReview.objects.filter(delivery_return_id__in=ids).values(
        "id", "delivery_return_id", "involvement"))
    results = pd.DataFrame(OutcomeResult.objects.filter(review__delivery_return_id__in=ids).values(
        "review__delivery_return_id", "result"))
    wage = {r.financial_year: r.hourly_rate for r in LivingWageRate.objects.all()}
    inspections = pd.DataFrame(CIWInspection.objects.filter(coop__consortium=consortium).values())
    tracked = pd.DataFrame(TrackedCommitment.objects.filter(
        contract__consortium=consortium, coop__isnull=False).values(
        "id", "coop_id", "promised", "contract__start", "contract__end"))
    progress = pd.DataFrame(CommitmentProgress.objects.filter(commitment__in=tracked["id"]).values(
        "commitment_id", "financial_year", "quarter", "done"))
    ends = {(2026, 1): dt.date(2026, 6, 30), (2026, 2): dt.date(2026, 9, 30),
            (2026, 3): dt.date(2026, 12, 31)}
    starts = {(2026, 1): dt.date(2026, 4, 1), (2026, 2): dt.date(2026, 7, 1), (2026, 3): dt.date(2026, 10, 1)}
    coops = sorted(set(returns["coop"]))
    found = {}
    for coop in coops:
        for key in [*SHOWN, None]:
            in_key = pd.Series([key is None or (y, q) == key for y, q in zip(
                returns.fy, returns.q, strict=True)], index=returns.index, dtype=bool)
            chosen = returns[(returns.coop == coop) & in_key]
            rids = set(chosen["id"])
            f = {}
            rv = reviews[reviews.delivery_return_id.isin(rids)]
            rs = results[results.review__delivery_return_id.isin(rids)]
            people = len(rv) >= 5
            for code, kind in (("outcomes_met", "met"), ("outcomes_partly", "partly"),
                               ("outcomes_not_met", "not_met")):
                f[code] = tenths((rs.result == kind).sum(), len(rs)) if people else None
            f["involvement"] = tenths(rv.involvement.isin(["person", "carer", "both"]).sum(),
                                      len(rv)) if people else None
            f["people_reviewed"] = len(rv) if people else None
            for name in ("missed", "late", "short"):
                f[f"visits_{name}"] = tenths(chosen[f"visits_{name}"].sum(), chosen.visits_planned.sum())
            rep = reports[reports.delivery_return_id.isin(rids)]
            h = sum((hours.get(r, 0) for r in rids & set(reports.delivery_return_id)), Fraction(0))
            for name, column in (("complaints", "complaints"), ("safeguarding", "safeguarding_referrals")):
                f[name] = int(rep[column].sum()) if len(rep) else None
                f[f"{name}_per_1000h"] = (math.floor(Fraction(int(rep[column].sum())) * 10_000 / h)
                                          if len(rep) and h else None)
            f["scw_share"] = tenths(rep.care_workers_registered.sum(), rep.care_workers.sum()) \
                if len(rep) else None
            bd = bands[bands.report__delivery_return_id.isin(rids)].merge(
                chosen[["id", "fy"]], left_on="report__delivery_return_id", right_on="id")
            missing = any(y not in wage for y in bd.fy)
            above = sum((Fraction(x) for x, r, y in zip(bd.hours, bd.hourly_rate, bd.fy, strict=True)
                         if y in wage and r >= wage[y]), Fraction(0))
            f["rlw_share"] = None if missing or not len(bd) else tenths(above, sum(map(Fraction, bd.hours)))
            f["rlw_missing"] = missing
            last = ends[key or SHOWN[-1]]
            ins = inspections[(inspections.coop_id == coop) & (inspections.inspected_on <= last)]
            if len(ins):
                latest = ins.loc[ins.groupby("service_type_id")["inspected_on"].idxmax()]
                ratings = [v for t in ("well_being", "care_and_support", "environment", "leadership")
                           for v in latest[t] if v]
                f["ciw_good"] = tenths(sum(v in ("good", "excellent") for v in ratings), len(ratings))
            else:
                f["ciw_good"] = None
            first_day = starts[key or SHOWN[0]]
            mine = tracked[(tracked.coop_id == coop) & (tracked.contract__start <= last)
                           & (tracked.contract__end >= first_day)]
            on_track = 0
            for row in mine.itertuples():
                done = sum((Fraction(d) for c, y, q, d in progress[
                    ["commitment_id", "financial_year", "quarter", "done"]].itertuples(index=False)
                    if c == row.id and (y, q) <= (key or SHOWN[-1])), Fraction(0))
                term = (row.contract__end - row.contract__start).days + 1
                elapsed = min(max((last - row.contract__start).days + 1, 0), term)
                expected = (row.promised * elapsed / term).quantize(Decimal("0.01"), ROUND_HALF_UP)
                on_track += not (done < row.promised and elapsed > 0 and done < expected)
            f["commitments_on_track"] = tenths(on_track, len(mine)) if len(mine) else None
            found[(coop, key)] = f
    return found


def same(value):
    """A cell as compared between CSV and XLSX: numbers as numbers (35.0 is 35)."""
    text = "" if value is None else str(value)
    return Decimal(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text


def text_of(code: str, value, *, rlw_missing: bool = False) -> str:
    if value is None:
        if code in PEOPLE:
            return "Fewer than 5 people"
        if code == "rlw_share" and rlw_missing:
            return "No Real Living Wage rate for the year"
        return "No figure"
    if code in COUNTS:
        return str(value)
    number = f"{value // 10}.{value % 10}"
    return f"{number}%" if code in RATES else number


def quartiles(values: list[int], code: str) -> tuple[int, int, int, int] | None:
    """Members, and the nearest-rank lower quartile, median and upper quartile rounded down to a
    whole percentage point (10 tenths); a rate of 100% counts as 99.9%."""
    values = sorted(min(v, 999) if code in RATES else v for v in values if v is not None)
    n = len(values)
    if n < 5:
        return None
    pick = [values[max(1, math.ceil(Fraction(k, 4) * n)) - 1] // 10 * 10 for k in (1, 2, 3)]
    return (n, *pick)


# --- the tests -------------------------------------------------------------------------------------


def test_the_coordinator_and_board_see_every_members_figures_recomputed(seeded):
    world, population = seeded
    expected = expected_figures(world.consortium)
    names = {c.pk: c.trading_name for c in population.coops}
    page = client(world.user("coordinator")).get(reverse("benchmark-page")).content.decode()
    tables = tables_of(page)
    exported = csv_rows(client(world.user("coordinator")).get(
        reverse("benchmark-export"), {"file_format": "csv"}).content)
    export = {(r[0], r[1], r[2]): r[4] for r in exported[1:]}
    for code in CODES:
        rows = {row[0]: row[1:] for row in tables[code][1:]}
        assert set(rows) == set(names.values())
        for coop, name in names.items():
            want = [text_of(code, expected[(coop, key)][code],
                            rlw_missing=expected[(coop, key)]["rlw_missing"]) for key in [*SHOWN, None]]
            assert rows[name] == want, (code, name)
    # the download has the same figures (numbers as numbers, notes as text)
    coordinator_rows = [r for r in exported[1:] if r[0] in names.values() and r[1] in PERIODS]
    assert len(coordinator_rows) == len(CODES) * len(names) * len(PERIODS)
    for coop, name in names.items():
        for key, period in zip([*SHOWN, None], PERIODS, strict=True):
            figures = expected[(coop, key)]
            for code in CODES:
                want = text_of(code, figures[code], rlw_missing=figures["rlw_missing"])
                assert export[(name, period, str(fig.METRIC[code].label))] == want.rstrip("%"), (
                    name, period, code)

    # the board: the same figures under letters (the rules do not name members)
    board_page = client(world.user("board")).get(reverse("benchmark-page")).content.decode()
    board = tables_of(board_page)
    for code in CODES:
        board_rows = sorted(row[1:] for row in board[code][1:])
        assert board_rows == sorted(row[1:] for row in tables[code][1:])
        assert sorted(row[0] for row in board[code][1:]) == [f"Member {x}" for x in "ABCDEF"]
    for name in [*names.values(), *(c.legal_name for c in population.coops)]:
        assert name not in board_page
    board_export = csv_rows(client(world.user("board")).get(
        reverse("benchmark-export"), {"file_format": "csv"}).content)
    lettered = sorted(r[1:] for r in board_export[1:] if r[0].startswith("Member ") and r[1] in PERIODS)
    assert lettered == sorted(r[1:] for r in coordinator_rows)
    # the spreadsheet holds the same figures as the CSV
    book = openpyxl.load_workbook(io.BytesIO(client(world.user("coordinator")).get(
        reverse("benchmark-export"), {"file_format": "xlsx"}).content))
    sheet = [[same(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert sheet == [[same(v) for v in row] for row in exported]


def test_a_member_sees_its_own_figures_beside_the_recomputed_distribution(seeded):
    world, population = seeded
    expected = expected_figures(world.consortium)
    coops = [c.pk for c in population.coops]
    response = client(world.user("member_a")).get(reverse("benchmark-page"))
    tables = tables_of(response.content.decode())
    exported = csv_rows(client(world.user("member_a")).get(
        reverse("benchmark-export"), {"file_format": "csv"}).content)
    export = {(r[0], r[1]): r for r in exported[1:]}
    slugs = {"2026-27 Q1": "table-2026-27-q1", "2026-27 Q2": "table-2026-27-q2",
             "2026-27 Q3": "table-2026-27-q3", SPAN: "table-all-quarters-shown"}
    compared = 0
    for key, period in zip([*SHOWN, None], PERIODS, strict=True):
        rows = {row[0]: row[2:] for row in tables[slugs[period]][1:]}
        assert list(rows) == CODES
        for code in CODES:
            own = expected[(world.coop_a.pk, key)]
            mine = text_of(code, own[code], rlw_missing=own["rlw_missing"])
            shown = rows[code]
            assert shown[0] == mine, (period, code)
            line = export[(period, _label(tables, slugs[period], code))]
            if code in COUNTS:
                assert shown[1:] == ["A count: not compared"]
                continue
            dist = quartiles([expected[(c, key)][code] for c in coops], code)
            if dist is None:
                assert shown[1:] == ["Fewer than five members contribute: no comparison"]
                assert line[4:8] == ["", "", "", ""]
                continue
            compared += 1
            n, lower, median, upper = dist
            assert shown[1:] == [str(n), *(text_of(code, v) for v in (lower, median, upper))], (period, code)
            assert line[4:8] == [str(n), *(text_of(code, v).rstrip("%") for v in (lower, median, upper))]
    assert compared >= 20
    assert len(exported) == 1 + len(CODES) * len(PERIODS)


def _label(tables: dict, table: str, code: str) -> str:
    for row in tables[table][1:]:
        if row[0] == code:
            label = row[1]
            return label.replace(" (per 1,000 hours)", "")
    raise KeyError(code)


def test_member_control_and_governance_reports_on_the_coordinators_page(seeded):
    world, population = seeded
    page = client(world.user("coordinator")).get(reverse("benchmark-page")).content.decode()
    exported = csv_rows(client(world.user("coordinator")).get(
        reverse("benchmark-export"), {"file_format": "csv"}).content)
    for coop in population.coops:
        latest = MemberGovernanceReport.objects.filter(coop=coop).order_by("-financial_year").first()
        share = tenths(latest.workers_who_are_members, latest.workers)
        assert [coop.trading_name, "2026-27", "Workers who are members", "%",
                f"{share // 10}.{share % 10}"] in exported
        assert [coop.trading_name, "2026-27", "Members", "number", str(latest.members)] in exported
    rules = GovernanceRules.objects.filter(consortium=world.consortium).order_by("-version").first()
    assert [world.consortium.name, "", "Rules version in force", "number", str(rules.version)] in exported
    assert 'id="member-control"' in page and 'id="indicators"' in page


def test_the_board_sees_names_where_the_rules_say_so(seeded):
    world, population = seeded
    rules = GovernanceRules.objects.filter(consortium=world.consortium).order_by("-version").first()
    GovernanceRules.objects.filter(pk=rules.pk).update(board_sees_member_names=True)
    page = client(world.user("board")).get(reverse("benchmark-page")).content.decode()
    for coop in population.coops:
        assert coop.trading_name in page
    assert "Member A<" not in page


def test_other_consortium_sees_only_its_own(seeded):
    world, population = seeded
    page = client(world.user("coordinator_other")).get(reverse("benchmark-page")).content.decode()
    tables = tables_of(page)
    assert sorted(row[0] for row in tables["outcomes_met"][1:]) == sorted(
        c.trading_name for c in population.other_coops)
    for coop in population.coops:
        assert coop.trading_name not in page and coop.legal_name not in page


def queries_for(user) -> int:
    c = client(user)
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(reverse("benchmark-page")).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_keep_a_constant_number_of_queries_at_ten_times_the_size(seeded):
    world, _population = seeded
    personas = ("coordinator", "board", "member_a")
    small = {p: queries_for(world.user(p)) for p in personas}
    seed_population(world, scale=9, seed=7, tag="x")  # nine more populations' worth: ten in all
    returns = DeliveryReturn.objects.filter(subcontract__contract__consortium=world.consortium)
    assert returns.count() >= 10 * 18
    assert {p: queries_for(world.user(p)) for p in personas} == small


def test_a_period_counts_in_the_financial_quarter_of_its_end_date():
    assert fig.quarter_of(dt.date(2026, 4, 1)) == (2026, 1)
    assert fig.quarter_of(dt.date(2026, 12, 31)) == (2026, 3)
    assert fig.quarter_of(dt.date(2027, 3, 31)) == (2026, 4)
    assert [fig.quarter_end(q) for q in ((2026, 1), (2026, 3), (2026, 4))] == [
        dt.date(2026, 6, 30), dt.date(2026, 12, 31), dt.date(2027, 3, 31)]
    assert str(fig.quarter_label((2026, 3))) == "2026-27 Q3"
    assert str(fig.quarter_label((2099, 4))) == "2099-00 Q4"
