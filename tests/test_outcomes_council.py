"""The council benchmark and the value for money of a contract: every figure recomputed here from
the records by a calculation of its own (pandas, written independently of
outcomes/council_figures.py), for a seeded population (tests/outcomes_council_factories.py); a
constant number of queries at ten times the size; another board's reviewer sees nothing of the
council's contracts; no member's name or figure on the council's pages or downloads; people's
figures suppressed below 5 reviews."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import build_world
from contracts.models import Award, Contract, ContractVersion, DeliveryReturn, Invoice, LotVolume, ReturnLine
from members.models import MemberCoop
from outcomes.models import CIWInspection, OutcomeResult, OutcomeReview, PeriodReport
from pricing.selectors.evidence import current_financial_year
from tests.outcomes_council_factories import YEAR, population, returns_for
from tests.pages import page_cells
from tests.shared_rows import rows_for_the_module

FY_START, FY_END = pd.Timestamp(YEAR, 4, 1), pd.Timestamp(YEAR + 1, 3, 31)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
            made = population(world)
        yield world, made


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _page(world, persona="reviewer", **query) -> str:
    response = _client(world.user(persona)).get(reverse("council-benchmark"),
                                                {"financial_year": YEAR, **query})
    assert response.status_code == 200
    return response.content.decode()


# --- the independent calculation ------------------------------------------------------------------


def tenths_text(numerator: int, denominator: int) -> str:
    """A rate as the page gives it: tenths of a percent rounded down, as "33.3"."""
    if not denominator:
        return ""
    t = int(numerator) * 1000 // int(denominator)
    return f"{t // 10}.{t % 10}"


def records() -> dict[str, pd.DataFrame]:
    returns = pd.DataFrame(list(DeliveryReturn.objects.values_list(
        "id", "status", "visits_planned", "visits_missed", "visits_late", "visits_short",
        "subcontract__contract_id", "subcontract__contract__council_id",
        "subcontract__contract__consortium_id",
        "period__end", "subcontract__coop__coop_type")), columns=[
        "id", "status", "planned", "missed", "late", "short", "contract", "council", "consortium", "end",
        "coop_type"])
    returns["end"] = pd.to_datetime(returns["end"])
    counted = returns[returns["status"].isin(["submitted", "accepted"])
                      & returns["end"].between(FY_START, FY_END)]
    lines = pd.DataFrame(list(ReturnLine.objects.values_list("delivery_return_id", "quantity")),
                         columns=["id", "quantity"])
    lines["hundredths"] = lines["quantity"].map(lambda q: int(q * 100))
    hours = lines.groupby("id")["hundredths"].sum().rename("hundredths").reset_index()
    reports = pd.DataFrame(list(PeriodReport.objects.values_list(
        "delivery_return_id", "complaints", "safeguarding_referrals")),
        columns=["id", "complaints", "safeguarding"])
    reviews = pd.DataFrame(list(OutcomeReview.objects.values_list("id", "delivery_return_id", "involvement")),
                           columns=["review", "id", "involvement"])
    results = pd.DataFrame(list(OutcomeResult.objects.values_list("review_id", "result")),
                           columns=["review", "result"])
    counted = counted.merge(hours, on="id", how="left").fillna({"hundredths": 0})
    return {"returns": counted, "reports": reports, "reviews": reviews.merge(counted[["id"]], on="id"),
            "results": results.merge(reviews, on="review").merge(counted[["id"]], on="id")}


def expected_quality(rec, pick) -> dict[str, str]:
    """The figures of the returns ``pick`` selects (a boolean mask function of the returns frame)."""
    ret = rec["returns"][pick(rec["returns"])]
    ids = set(ret["id"])
    rev = rec["reviews"][rec["reviews"]["id"].isin(ids)]
    res = rec["results"][rec["results"]["id"].isin(ids)]
    n = len(rev)
    shown = n >= 5
    met = (res["result"] == "met").sum()
    out = {
        "reviews": str(n) if shown else "",
        "met": tenths_text(met, len(res)) if shown else "",
        "partly": tenths_text((res["result"] == "partly").sum(), len(res)) if shown else "",
        "not_met": tenths_text((res["result"] == "not_met").sum(), len(res)) if shown else "",
        "involvement": (tenths_text(rev["involvement"].isin(["person", "carer", "both"]).sum(), n)
                        if shown else ""),
        "hours": hours_text(ret["hundredths"].sum()),
        "missed": tenths_text(ret["missed"].sum(), ret["planned"].sum()),
        "late": tenths_text(ret["late"].sum(), ret["planned"].sum()),
        "short": tenths_text(ret["short"].sum(), ret["planned"].sum()),
    }
    reported = ret.merge(rec["reports"], on="id")
    per = lambda c: ("" if not reported["hundredths"].sum() else str(  # noqa: E731
        (Decimal(int(reported[c].sum())) * 100000 / Decimal(int(reported["hundredths"].sum())))
        .quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)))
    out.update(complaints=str(reported["complaints"].sum()) if len(reported) else "",
               complaints_per_1000=per("complaints") if len(reported) else "",
               safeguarding=str(reported["safeguarding"].sum()) if len(reported) else "",
               safeguarding_per_1000=per("safeguarding") if len(reported) else "",
               outcomes_met=str(met) if shown else "")
    return out


def expected_ciw(coops: set[int], services: set[int]) -> list[str]:
    found = pd.DataFrame(list(CIWInspection.objects.values(
        "coop_id", "service_type_id", "inspected_on", "well_being", "care_and_support", "environment",
        "leadership")))
    found = found[found["coop_id"].isin(coops) & found["service_type_id"].isin(services)]
    latest = found.loc[found.groupby(["coop_id", "service_type_id"])["inspected_on"].idxmax()]
    cells = [str(len(latest))]
    for theme in ("well_being", "care_and_support", "environment", "leadership"):
        rated = latest[latest[theme] != ""]
        cells.append(tenths_text(rated[theme].isin(["good", "excellent"]).sum(), len(rated)))
    return cells


def commissioned(council_id: int) -> tuple[int, int]:
    """(all, held by consortia) in hundredths of weekly hours times days, day by day."""
    total = coop = 0
    for award in Award.objects.filter(status="confirmed", lot__tender__council_id=council_id,
                                      lot__service_type__unit="hours_per_week").select_related("lot__tender"):
        contract = Contract.objects.filter(award=award).first()
        if contract is None:
            weekly = sum(int(v.volume * 100) for v in LotVolume.objects.filter(lot=award.lot))
            days = pd.date_range(award.lot.tender.contract_start, award.lot.tender.contract_end)
            total += weekly * len(days)
            continue
        days = pd.DataFrame({"day": pd.date_range(contract.start, contract.end)})
        versions = pd.DataFrame([
            {"day": pd.Timestamp(v.effective_from or v.start), "number": v.number,
             "weekly": sum(int(Decimal(t["volume"]) * 100) for t in v.terms.values())}
            for v in ContractVersion.objects.filter(contract=contract, kind__in=["original", "volume"])
        ]).sort_values("day")
        daily = pd.merge_asof(days, versions, on="day", direction="backward")
        amount = int(daily["weekly"].sum())
        total += amount
        coop += amount
    return total, coop


def hours_text(hundredths: int) -> str:
    return str((Decimal(int(hundredths)) / 100).quantize(Decimal("0.01")))


def whole_hours(volume_days: int) -> str:
    return str((Decimal(volume_days) / 700).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- the figures --------------------------------------------------------------------------------


def test_every_figure_of_the_council_page_is_recomputed(seeded, db):
    world, made = seeded
    html = _page(world)
    rec = records()
    ret = rec["returns"]

    # Section 16, each council of Cardiff and Vale, and the board.
    vale = made.vale_a.council
    rows = {row[0]: row[1:] for row in page_cells(html, "section16")}
    accepted = ret[ret["status"] == "accepted"]
    for c in (world.council, vale):
        total, coop = commissioned(c.pk)
        mine = accepted[accepted["council"] == c.pk]
        delivered = int(mine["hundredths"].sum())
        user_led = int(mine.loc[mine["coop_type"] == "user_led", "hundredths"].sum())
        assert rows[f"council-{c.pk}"] == [whole_hours(total), tenths_text(coop, total),
                                           hours_text(delivered), tenths_text(user_led, delivered)]
    assert float(rows[f"council-{world.council.pk}"][1]) < 100  # the outside award counts against
    assert float(rows[f"council-{world.council.pk}"][3]) > 0  # the user-led co-op delivered some
    (ct, cc), (vt, vc) = commissioned(world.council.pk), commissioned(vale.pk)
    board = accepted[accepted["council"].isin([world.council.pk, vale.pk])]
    assert rows["board"] == [whole_hours(ct + vt), tenths_text(cc + vc, ct + vt),
                             hours_text(board["hundredths"].sum()),
                             tenths_text(int(board.loc[board["coop_type"] == "user_led", "hundredths"].sum()),
                                         int(board["hundredths"].sum()))]

    # Outcomes, visits and CIW by consortium, for Cardiff's contracts.
    outcomes = {row[0]: row[1:] for row in page_cells(html, "outcomes")}
    visits = {row[0]: row[1:] for row in page_cells(html, "visits")}
    ciw = {row[0]: row[1:] for row in page_cells(html, "inspections")}
    holders = ((world.consortium, made.cardiff_a), (world.consortium_other, made.cardiff_b))
    for consortium, contract in holders:
        e = expected_quality(rec, lambda r, c=consortium: (r["council"] == world.council.pk)
                             & (r["consortium"] == c.pk))
        key = f"consortium-{consortium.pk}"
        assert outcomes[key] == [e["reviews"], e["met"], e["partly"], e["not_met"], e["involvement"]]
        assert visits[key] == [e["hours"], e["missed"], e["late"], e["short"], e["complaints"],
                               e["complaints_per_1000"], e["safeguarding"], e["safeguarding_per_1000"]]
        coops = set(contract.subcontracts.values_list("coop_id", flat=True))
        assert ciw[key] == expected_ciw(coops, {contract.lot.service_type_id})
    # Not vacuous: consortium A's people-figures are shown, consortium B's (few reviews) are not.
    assert outcomes[f"consortium-{world.consortium.pk}"][1] != ""
    assert outcomes[f"consortium-{world.consortium_other.pk}"][1:] == ["", "", "", ""]
    assert "Fewer than 5 people" in html

    # The board: every consortium's contracts with Cardiff and the Vale together.
    (board_row,) = page_cells(html, "board")
    e = expected_quality(rec, lambda r: r["council"].isin([world.council.pk, vale.pk]))
    coops = set(MemberCoop.objects.filter(subcontracts__contract__council__in=[world.council, vale])
                .values_list("pk", flat=True))
    assert board_row[1:] == [e["reviews"], e["met"], e["partly"], e["not_met"], e["involvement"], e["hours"],
                             e["missed"], e["late"], e["short"], e["complaints"], e["complaints_per_1000"],
                             e["safeguarding"], e["safeguarding_per_1000"],
                             *expected_ciw(coops, {made.cardiff_a.lot.service_type_id})]

    # Value for money: each Cardiff contract's rates, and cost per outcome met.
    rates = {row[0]: row[1:] for row in page_cells(html, "value-rates")}
    evidence = {world.consortium.pk: sorted([2537, 2791, 2305]), world.consortium_other.pk: [2600]}
    for contract in (made.cardiff_a, made.cardiff_b):
        values = evidence[contract.consortium_id]
        median = ((Decimal(values[math.ceil(len(values) / 2) - 1] // 10 * 10) / 100).quantize(Decimal("0.01"))
                  if len(values) >= 3 else None)
        for r in contract.rates.all():
            assert rates[f"{contract.pk}-{r.time_band}"] == [
                str(r.rate), "23.75", str(r.rate - Decimal("23.75")), "",
                "" if median is None else str(median), "", "" if median is None else str(r.rate - median)]
    outcomes_rows = {row[0]: row[1:] for row in page_cells(html, "value-outcomes")}
    for contract in (made.cardiff_a, made.cardiff_b):
        net = sum((i.net for i in Invoice.objects.filter(contract=contract, period__end__gte=FY_START.date(),
                                                         period__end__lte=FY_END.date())), Decimal("0"))
        e = expected_quality(rec, lambda r, c=contract: r["contract"] == c.pk)
        per = "" if not e["outcomes_met"] or e["outcomes_met"] == "0" else str(
            (net / int(e["outcomes_met"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        assert outcomes_rows[str(contract.pk)] == [str(net), e["reviews"], e["outcomes_met"], per]
    assert outcomes_rows[str(made.cardiff_a.pk)][3] != ""


def test_the_download_holds_exactly_what_the_page_shows(seeded, db):
    world, _made = seeded
    html = _page(world)
    response = _client(world.user("reviewer")).get(reverse("council-benchmark-download"),
                                                   {"financial_year": YEAR, "file_format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    shown = [v for table in ("section16", "outcomes", "visits", "inspections", "board", "value-rates",
                             "value-outcomes") for row in page_cells(html, table) for v in row[1:]]
    assert len(rows) == len(shown)
    for (_table, _row, _figure, value), on_page in zip(rows, shown, strict=True):
        assert value == on_page or (on_page == "" and value and not value[0].isdigit()), (value, on_page)
    xlsx = _client(world.user("reviewer")).get(reverse("council-benchmark-download"),
                                               {"financial_year": YEAR, "file_format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = _client(world.user("reviewer")).get(reverse("council-benchmark-download"), {"file_format": "pdf"})
    assert bad.status_code == 400


def test_no_member_is_named_or_figured_on_the_council_pages(seeded, db):
    world, made = seeded
    reviewer = _client(world.user("reviewer"))
    texts = [_page(world),
             reviewer.get(reverse("council-benchmark-download"), {"financial_year": YEAR}).content.decode(),
             reviewer.get(reverse("council-value", args=[made.cardiff_a.pk]), {"financial_year": YEAR}
                          ).content.decode()]
    names = [n for coop in MemberCoop.objects.all() for n in (coop.legal_name, coop.trading_name)]
    for text in texts:
        for name in names:
            assert name not in text
    # Every row of every table is a council, a consortium, the board or a contract: never a member.
    contracts = {str(c.pk) for c in made.contracts}
    for table in ("section16", "outcomes", "visits", "inspections", "board", "value-rates", "value-outcomes"):
        for row in page_cells(texts[0], table):
            kind = row[0].split("-")[0]
            assert kind in {"council", "consortium", "board"} or kind in contracts, (table, row[0])
    # A member's own cost figure never shows: only the disclosed median (rounded down to 10p).
    for text in texts:
        for own in ("25.37", "27.91", "23.05", "26.00"):
            assert own not in text


def test_another_boards_reviewer_sees_nothing_of_the_councils_contracts(seeded, db):
    world, made = seeded
    html = _page(world, "reviewer_other")
    for contract in (made.cardiff_a, made.cardiff_b, made.vale_a):
        assert contract.lot.tender.reference not in html
        assert _client(world.user("reviewer_other")).get(
            reverse("council-value", args=[contract.pk])).status_code == 404
    assert world.council.name_en not in html and world.consortium.name not in html
    assert made.gwynedd_b.lot.tender.reference in html  # its own council's contract


def test_the_value_page_for_the_consortium_and_the_council(seeded, db):
    world, made = seeded
    for persona in ("coordinator", "board", "reviewer"):
        response = _client(world.user(persona)).get(reverse("council-value", args=[made.cardiff_a.pk]),
                                                    {"financial_year": YEAR})
        assert response.status_code == 200
        council_page = page_cells(_page(world), "value-rates")
        mine = [row for row in council_page if row[0].startswith(f"{made.cardiff_a.pk}-")]
        assert page_cells(response.content.decode(), "value-rates") == mine
    assert _client(world.user("member_a")).get(
        reverse("council-value", args=[made.cardiff_a.pk])).status_code == 403
    assert _client(world.user("coordinator_other")).get(
        reverse("council-value", args=[made.cardiff_a.pk])).status_code == 404
    detail = _client(world.user("coordinator")).get(reverse("contract-detail", args=[made.cardiff_a.pk]))
    assert reverse("council-value", args=[made.cardiff_a.pk]) in detail.content.decode()


def test_a_year_not_offered_is_an_error_on_the_field_not_a_failure(seeded, db):
    world, _made = seeded
    response = _client(world.user("reviewer")).get(reverse("council-benchmark"), {"financial_year": "abc"})
    assert response.status_code == 200
    assert "Choose a financial year from the list" in response.content.decode()


def test_the_page_costs_the_same_queries_at_ten_times_the_size(seeded, db):
    world, made = seeded
    reviewer = _client(world.user("reviewer"))

    def queries() -> tuple[int, int]:
        counts = []
        for url in (reverse("council-benchmark"), reverse("council-value", args=[made.cardiff_a.pk])):
            with CaptureQueriesContext(connection) as ctx:
                assert reviewer.get(url, {"financial_year": YEAR}).status_code == 200
            counts.append(len(ctx.captured_queries))
        return tuple(counts)

    before = queries()
    rng = random.Random(3)
    returns = DeliveryReturn.objects.count()
    for contract in made.contracts:  # nine times as many billing periods again, in the same year
        returns_for(contract, rng, periods=30, reviews=(1, 3), first=dt.date(2026, 9, 7))
    assert DeliveryReturn.objects.count() >= 10 * returns * 0.9
    assert queries() == before


def test_the_reviewer_reaches_the_page_from_the_navigation_and_is_offered_no_year_to_come(seeded, db):
    """Contracts running into later years offer those years only once they have begun: a year
    to come has nothing delivered, and the page opens on the current one."""
    world, made = seeded
    assert made.cardiff_a.end.year > current_financial_year() + 1  # the contract runs on
    response = _client(world.user("reviewer")).get(reverse("dashboard"))
    assert f'href="{reverse("council-benchmark")}"' in response.content.decode()
    page = _client(world.user("reviewer")).get(reverse("council-benchmark")).content.decode()
    offered = [int(y) for y in re.findall(r'<option value="(\d{4})"', page)]
    assert offered and offered[0] == max(offered) == current_financial_year()  # shown first
