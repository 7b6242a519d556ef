"""Cost-of-care evidence: the statistics (by hand), disclosure control per role, regions, which
submissions count, comparators, the page, its export and the API."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from consortium.errors import DomainError
from members.models import MembershipStatus
from pricing import statistics
from pricing.models import LINE_FIELDS, CouncilRate, ReferencePrice
from pricing.selectors import evidence as selectors
from pricing.services import reference as services
from tests.factories import MemberCoopFactory, council, service
from tests.pages import page_cells
from tests.pricing_factories import EVIDENCE_YEAR as YEAR
from tests.pricing_factories import evidence_submission as submit

pytestmark = pytest.mark.shared_world


D = Decimal


# --- helpers -------------------------------------------------------------------------------------


def more_coops(world, n: int, *, councils=None):
    return [MemberCoopFactory(consortium=world.consortium, councils_served=councils or [world.council])
            for _ in range(n)]


def five_members(world):
    """coop A, coop B and three more, totals 20.00, 21.00, 23.00, 30.00, 26.00."""
    coops = [world.coop_a, world.coop_b, *more_coops(world, 3)]
    for coop, total in zip(coops, ("20.00", "21.00", "23.00", "30.00", "26.00"), strict=True):
        submit(coop, total=total)
    return coops


def evidence_for(world, persona: str, **kwargs):
    params = {"service_type": service(), "financial_year": YEAR, **kwargs}
    return selectors.cost_evidence(viewer=world.user(persona), consortium=world.consortium, **params)


# --- the computation, by hand -----------------------------------------------------------------------


def _frame(values_by_coop: dict[int, list[int]], region="Cardiff and Vale") -> pd.DataFrame:
    rows = []
    for coop, totals in values_by_coop.items():
        for total in totals:
            rows.append({"coop": coop, "service_type": 1, "financial_year": YEAR, "region": region,
                         **{name: 0 for name in LINE_FIELDS}, "contact_pay": total, "total": total})
    return pd.DataFrame(rows)


def test_statistics_give_count_quartiles_and_median_by_hand():
    # Five totals in pence: 2000, 2100, 2300, 2600, 3000. Ranks (n - 1) x q = 1, 2, 3: no
    # interpolation needed: lower quartile 2100, median 2300, upper quartile 2600.
    frame = statistics.by_region(_frame({1: [2000], 2: [2100], 3: [2300], 4: [3000], 5: [2600]}))
    table = statistics.cost_statistics(frame)
    row = table.loc[(1, YEAR, statistics.ALL_WALES)]
    assert row[("members", "count")] == 5
    assert [row[("total", s)] for s in statistics.STATISTICS] == [2000, 2100, 2300, 2600, 3000]
    assert [row[("contact_pay", s)] for s in statistics.STATISTICS] == [2000, 2100, 2300, 2600, 3000]


def test_quartiles_interpolate_between_ranks_in_pence_and_round_half_up_once():
    # 1001, 1002, 1004, 1007 pence: lower quartile at rank 0.75 = 1001.75 -> 1002; median at 1.5 =
    # 1003; upper quartile at 2.25 = 1004.75 -> 1005. Two values 1001, 1002: median 1001.5 -> 1002.
    four = statistics.cost_statistics(
        statistics.by_region(_frame({1: [1001], 2: [1002], 3: [1004], 4: [1007]})))
    row = four.loc[(1, YEAR, statistics.ALL_WALES)]
    assert (row[("total", "lower_quartile")], row[("total", "median")], row[("total", "upper_quartile")]) \
        == (1002, 1003, 1005)
    two = statistics.cost_statistics(statistics.by_region(_frame({1: [1001], 2: [1002]})))
    assert two.loc[(1, YEAR, statistics.ALL_WALES)][("total", "median")] == 1002
    assert statistics.pounds(1002) == D("10.02")
    assert str(statistics.pounds(1200)) == "12.00"


def test_money_goes_to_pence_exactly_and_refuses_fractions_of_a_penny():
    assert statistics.pence(D("32.14")) == 3214
    assert statistics.pence(D("0.07")) == 7
    with pytest.raises(ValueError):
        statistics.pence(D("1.005"))


def test_empty_frame_gives_no_groups():
    table = statistics.cost_statistics(statistics.by_region(statistics.submissions_frame([])))
    assert table.empty


@pytest.mark.parametrize("amount", ["0.29", "0.57", "1.15", "4.35", "1234567.89", "0.00", "0.01"])
def test_the_database_gives_every_amount_in_whole_pence_exactly(world, amount):
    # Amounts a binary float cannot hold (0.29 x 100 = 28.999...) come out as the same whole
    # pence as statistics.pence gives for the Decimal, on SQLite as on PostgreSQL.
    submit(world.coop_a, total=amount, running_costs=amount, contact_pay="0.00")
    rows = list(selectors.latest_submission_rows(consortium=world.consortium))
    assert rows, "the submission is read"
    expected = statistics.pence(D(amount))
    for row in rows:
        amounts = dict(zip(statistics.VALUES, row[3:-1], strict=True))
        assert amounts["total"] == amounts["running_costs"] == expected
        assert amounts["contact_pay"] == 0 and isinstance(amounts["total"], int)
    frame = statistics.submissions_frame(rows)
    assert frame["total"].dtype == "int64" and set(frame["total"]) == {expected}


def test_coordinator_sees_hand_computed_statistics_of_five_members(world):
    five_members(world)
    evidence = evidence_for(world, "coordinator")
    assert evidence.members == 5 and evidence.full and not evidence.suppressed
    total = evidence.total
    # Totals sorted: 20, 21, 23, 26, 30.
    assert (total.minimum, total.lower_quartile, total.median, total.upper_quartile, total.maximum) == (
        D("20.00"), D("21.00"), D("23.00"), D("26.00"), D("30.00"))
    contact = next(line for line in evidence.lines if line.code == "contact_pay").statistic
    assert contact.median == D("23.00")
    mileage = next(line for line in evidence.lines if line.code == "mileage").statistic
    assert (mileage.lower_quartile, mileage.median, mileage.upper_quartile) == (D("0.00"),) * 3
    assert [line.code for line in evidence.lines] == list(LINE_FIELDS)


def test_median_of_totals_and_sum_of_line_medians_differ_and_both_are_given(world):
    # (contact pay, running costs, total): (10, 5, 15), (11, 1, 12), (20, 2, 22). Line medians
    # 11 + 2 = 13; the median total is 15, the middle member's whole price: 2.00 more.
    third = more_coops(world, 1)[0]
    submit(world.coop_a, total="15.00", contact_pay="10.00", running_costs="5.00")
    submit(world.coop_b, total="12.00", contact_pay="11.00", running_costs="1.00")
    submit(third, total="22.00", contact_pay="20.00", running_costs="2.00")
    for persona in ("coordinator", "board", "member_a"):
        evidence = evidence_for(world, persona)
        assert evidence.total.median == D("15.00")
        assert evidence.sum_of_line_medians == D("13.00")
        assert evidence.difference == D("2.00")


# --- disclosure control -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["board", "member_a", "member_b"])
def test_figures_from_fewer_than_three_members_are_suppressed_for_non_coordinators(world, persona):
    submit(world.coop_a, total="20.00")
    submit(world.coop_b, total="24.00")
    evidence = evidence_for(world, persona)
    assert evidence.members == 2
    assert evidence.suppressed and "fewer than 3" in evidence.reason
    assert evidence.sum_of_line_medians is None and evidence.difference is None
    for stat in [evidence.total, *(line.statistic for line in evidence.lines)]:
        assert stat.suppressed and stat.count == 2
        figures = (stat.lower_quartile, stat.median, stat.upper_quartile, stat.minimum, stat.maximum)
        assert figures == (None,) * 5


def test_coordinator_sees_figures_from_two_members_unsuppressed(world):
    submit(world.coop_a, total="20.00")
    submit(world.coop_b, total="24.00")
    evidence = evidence_for(world, "coordinator")
    assert not evidence.suppressed and evidence.below_threshold
    assert (evidence.total.minimum, evidence.total.median, evidence.total.maximum) == (
        D("20.00"), D("22.00"), D("24.00"))


@pytest.mark.parametrize("persona", ["board", "member_a"])
def test_non_coordinators_never_get_minimum_or_maximum_even_with_many_members(world, persona):
    five_members(world)
    evidence = evidence_for(world, persona)
    assert not evidence.suppressed and evidence.total.median == D("23.00")
    assert evidence.total.minimum is None and evidence.total.maximum is None
    assert all(line.statistic.minimum is None and line.statistic.maximum is None for line in evidence.lines)


@pytest.mark.parametrize("persona", ["reviewer", "coordinator_other"])
def test_evidence_is_refused_to_reviewers_and_other_consortia(world, persona):
    with pytest.raises(PermissionDenied):
        evidence_for(world, persona)


def test_snapshot_is_suppressed_json_able_and_has_no_individual_figures(world):
    submit(world.coop_a, total="20.00")
    submit(world.coop_b, total="24.00")
    snapshot = selectors.evidence_snapshot(consortium=world.consortium, service_type=service(),
                                           financial_year=YEAR)
    json.dumps(snapshot)
    assert snapshot["suppressed"] and snapshot["members"] == 2
    assert snapshot["total"]["median"] is None
    assert snapshot["reference_price"]["amount"] == "32.14"
    submit(more_coops(world, 1)[0], total="30.00")
    snapshot = selectors.evidence_snapshot(consortium=world.consortium, service_type=service(),
                                           financial_year=YEAR)
    assert not snapshot["suppressed"] and snapshot["total"]["median"] == "24.00"
    # Three members: a median, no quartiles (those need five), so nothing can be inverted.
    assert snapshot["total"]["lower_quartile"] is None and snapshot["total"]["upper_quartile"] is None
    text = json.dumps(snapshot)
    assert "minimum" not in text and "maximum" not in text
    assert [line["code"] for line in snapshot["lines"]] == list(LINE_FIELDS)


# --- what counts ------------------------------------------------------------------------------------------


def test_member_counts_in_each_region_it_serves_and_once_in_all_wales(world):
    # coop A serves Cardiff (Cardiff and Vale) and Gwynedd (North Wales); three more serve Cardiff
    # and the Vale of Glamorgan (both Cardiff and Vale: counted once there).
    submit(world.coop_a, total="40.00")
    for coop, total in zip(more_coops(world, 3, councils=[council("GB-CRF"), council("GB-VGL")]),
                           ("20.00", "22.00", "24.00"), strict=True):
        submit(coop, total=total)
    all_wales = evidence_for(world, "coordinator")
    cardiff = evidence_for(world, "coordinator", region="Cardiff and Vale")
    north = evidence_for(world, "coordinator", region="North Wales")
    west = evidence_for(world, "coordinator", region="West Glamorgan")
    assert (all_wales.members, cardiff.members, north.members, west.members) == (4, 4, 1, 0)
    assert cardiff.total.median == D("23.00")
    assert north.total.median == D("40.00")
    assert west.total.median is None
    assert evidence_for(world, "board", region="North Wales").suppressed


def test_only_latest_versions_of_active_members_of_the_consortium_count(world):
    coops = five_members(world)
    submit(coops[0], total="50.00")  # a new version replaces 20.00
    suspended = coops[4]
    suspended.status = MembershipStatus.SUSPENDED
    suspended.save()
    submit(world.coop_other, total="99.00")  # another consortium
    submit(coops[1], total="60.00", year=YEAR + 1)  # another year
    submit(coops[2], total="70.00", service_type=service("supported-living"))  # another service
    evidence = evidence_for(world, "coordinator")
    # Counted: 50 (new version), 21, 23, 30; not 26 (suspended) nor 20 (old version).
    assert evidence.members == 4
    assert (evidence.total.minimum, evidence.total.maximum) == (D("21.00"), D("50.00"))
    assert evidence.total.median == D("26.50")


# --- comparators ----------------------------------------------------------------------------------------


def test_reference_price_save_creates_then_replaces_a_year(world):
    coordinator = world.user("coordinator")
    price, created = services.reference_price_save(by=coordinator, financial_year=2031, amount=D("35.00"))
    assert created
    price, created = services.reference_price_save(by=coordinator, financial_year=2031, amount=D("36.10"),
                                                   source="HCA")
    assert not created and ReferencePrice.objects.get(financial_year=2031).amount == D("36.10")
    assert price.history.count() == 2
    assert price.history.first().history_user == coordinator


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.005"])
def test_reference_price_refuses_amounts_that_are_not_pounds_and_pence_above_zero(world, amount):
    with pytest.raises(DomainError) as error:
        services.reference_price_save(by=world.user("coordinator"), financial_year=2031, amount=D(amount))
    assert error.value.field == "amount"
    assert not ReferencePrice.objects.filter(financial_year=2031).exists()


def test_only_coordinators_save_comparators(world):
    with pytest.raises(PermissionDenied):
        services.council_rate_save(by=world.user("board"), council=world.council, service_type=service(),
                                   financial_year=YEAR, rate=D("20.00"))
    assert not CouncilRate.objects.exists()


def test_page_shows_comparators_or_says_there_is_none(world, client_for):
    five_members(world)
    services.council_rate_save(by=world.user("coordinator"), council=world.council, service_type=service(),
                               financial_year=YEAR, rate=D("21.50"))
    url = reverse("cost-evidence")
    page = client_for("board").get(url, {"financial_year": YEAR, "council": world.council.pk,
                                          "service_type": service().pk}).content.decode()
    rows = {row[0]: row[1:] for row in page_cells(page)}
    assert rows["reference_price"][2] == "32.14"
    assert rows["council_rate"][2] == "21.50"
    submit(world.coop_a, total="20.00", year=2026)
    later = client_for("board").get(url, {"financial_year": 2026}).content.decode()
    assert "No published figure for this year" in later


# --- the page and the export ----------------------------------------------------------------------------


def test_board_page_draws_only_boxes_and_medians_never_individual_figures(world, client_for):
    five_members(world)
    page = client_for("board").get(reverse("cost-evidence"), {"financial_year": YEAR}).content.decode()
    assert "app-box__box" in page and "app-box__median" in page
    assert "app-box__whisker" not in page
    assert "30.00" not in page and "20.00" not in page  # the highest and lowest members' totals
    assert 'data-column="minimum"' not in page


def test_coordinator_page_draws_whiskers_and_shows_minimum_and_maximum(world, client_for):
    five_members(world)
    page = client_for("coordinator").get(reverse("cost-evidence"), {"financial_year": YEAR}).content.decode()
    assert "app-box__whisker" in page
    rows = {row[0]: row[1:] for row in page_cells(page)}
    assert rows["total"] == ["5", "21.00", "23.00", "26.00", "20.00", "30.00"]


def test_page_says_suppressed_for_board_below_three_members(world, client_for):
    submit(world.coop_a, total="20.00")
    submit(world.coop_b, total="24.00")
    page = client_for("member_a").get(reverse("cost-evidence"), {"financial_year": YEAR}).content.decode()
    rows = {row[0]: row[1:] for row in page_cells(page)}
    assert rows["total"] == ["2", "", "", ""]
    assert "20.00" not in page and "24.00" not in page and "22.00" not in page
    assert "Fewer than 3 members: not shown" in page


@pytest.mark.parametrize("persona", ["coordinator", "board"])
def test_csv_export_has_exactly_the_numbers_of_the_page(world, client_for, persona):
    five_members(world)
    query = {"financial_year": YEAR, "region": "Cardiff and Vale", "council": world.council.pk}
    client = client_for(persona)
    page = page_cells(client.get(reverse("cost-evidence"), query).content.decode())
    response = client.get(reverse("cost-evidence-export"), {**query, "file_format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    exported = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert [row[:1] + row[2:-1] for row in exported] == page
    assert len(page) == len(LINE_FIELDS) + 5


def test_xlsx_export_has_exactly_the_numbers_of_the_page(world, client_for):
    five_members(world)
    client = client_for("coordinator")
    query = {"financial_year": YEAR}
    page = page_cells(client.get(reverse("cost-evidence"), query).content.decode())
    response = client.get(reverse("cost-evidence-export"), {**query, "file_format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Evidence"]

    def text(value, column: int) -> str:
        if value is None:
            return ""
        return str(value) if column == 0 else f"{D(str(value)):.2f}"

    exported = [[row[0], *(text(v, i) for i, v in enumerate(row[2:-1]))]
                for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert exported == page


def test_export_refuses_an_unknown_file_format(world, client_for):
    response = client_for("coordinator").get(reverse("cost-evidence-export"), {"file_format": "pdf"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", [
    {"financial_year": "abc", "service_type": "9999", "region": "Atlantis", "council": "x"},
    {"financial_year": "99999999999999999999", "service_type": "-1", "council": "99999999999999999999"},
    {"region": "\x00", "file_format": "csv"},
])
def test_junk_filters_show_errors_never_a_500(world, client_for, api_for, query):
    five_members(world)
    page = client_for("board").get(reverse("cost-evidence"), query)
    assert page.status_code == 200
    assert "There is a problem" in page.content.decode()
    export = client_for("board").get(reverse("cost-evidence-export"), {**query, "file_format": "csv"})
    assert export.status_code == 200
    api = api_for("board").get("/api/v1/pricing/evidence/", query)
    assert api.status_code == 400


def test_evidence_page_costs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    five_members(world)
    client = client_for("coordinator")
    url = reverse("cost-evidence")
    query = {"financial_year": YEAR, "council": world.council.pk}
    with django_assert_max_num_queries(16) as few:
        client.get(url, query)
    for coop in more_coops(world, 20, councils=[council("GB-CRF"), council("GB-GWN")]):
        submit(coop, total="25.00")
        submit(coop, total="25.00", service_type=service("supported-living"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, query)


# --- reference data pages --------------------------------------------------------------------------------


def test_coordinator_saves_a_reference_price_on_the_page(world, client_for):
    client = client_for("coordinator")
    response = client.post(reverse("reference-prices"), {"financial_year": "2031", "amount": "35.10"})
    assert response.status_code == 302
    assert ReferencePrice.objects.get(financial_year=2031).amount == D("35.10")
    page = client.get(reverse("reference-prices")).content.decode()
    assert "£35.10" in page


def test_bad_reference_price_shows_field_errors_and_saves_nothing(world, client_for):
    response = client_for("coordinator").post(reverse("reference-prices"),
                                              {"financial_year": "1999", "amount": "-3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_financial_year"' in page and 'href="#id_amount"' in page
    assert not ReferencePrice.objects.filter(financial_year=1999).exists()


def test_board_reads_council_rates_without_a_form(world, client_for):
    services.council_rate_save(by=world.user("coordinator"), council=world.council, service_type=service(),
                               financial_year=YEAR, rate=D("21.50"))
    page = client_for("board").get(reverse("council-rates")).content.decode()
    assert "£21.50" in page and "<form method=\"post\"" not in page


# --- API ----------------------------------------------------------------------------------------------------


def test_api_gives_board_suppressed_and_coordinator_full_evidence(world, api_for):
    submit(world.coop_a, total="20.00")
    submit(world.coop_b, total="24.00")
    params = {"financial_year": YEAR, "service_type": service().pk, "council": world.council.pk}
    board = api_for("board").get("/api/v1/pricing/evidence/", params).json()
    assert board["suppressed"] and board["total"]["median"] is None and board["members"] == 2
    assert board["reference_price"]["amount"] == "32.14" and board["council_rate"] is None
    full = api_for("coordinator").get("/api/v1/pricing/evidence/", params).json()
    assert full["full"] and full["total"]["median"] == "22.00" and full["total"]["maximum"] == "24.00"
    assert full["sum_of_line_medians"] == "22.00" and full["difference"] == "0.00"


def test_api_saves_council_rate_then_replaces_it(world, api_for):
    client = api_for("coordinator")
    data = {"council": world.council.pk, "service_type": service().pk, "financial_year": YEAR,
            "rate": "21.00"}
    assert client.post("/api/v1/pricing/council-rates/", data, format="json").status_code == 201
    again = client.post("/api/v1/pricing/council-rates/", {**data, "rate": "22.00"}, format="json")
    assert again.status_code == 200 and again.json()["rate"] == "22.00"
    assert CouncilRate.objects.get().rate == D("22.00")
    listed = api_for("member_a").get("/api/v1/pricing/council-rates/", {"council": world.council.pk}).json()
    assert [row["rate"] for row in listed["results"]] == ["22.00"]


def test_api_rejects_zero_rate_with_a_field_error(world, api_for):
    data = {"council": world.council.pk, "service_type": service().pk, "financial_year": YEAR, "rate": "0"}
    response = api_for("coordinator").post("/api/v1/pricing/council-rates/", data, format="json")
    assert response.status_code == 400 and "rate" in response.json()
    assert not CouncilRate.objects.exists()


def test_reviewer_is_refused_evidence_everywhere(world, client_for, api_for):
    assert client_for("reviewer").get(reverse("cost-evidence")).status_code == 403
    assert api_for("reviewer").get("/api/v1/pricing/evidence/").status_code == 403
    dashboard = client_for("reviewer").get(reverse("dashboard")).content.decode()
    assert re.search("Cost evidence", dashboard) is None


@pytest.mark.parametrize("query", [
    {"financial_year": "²"}, {"financial_year": "99999999999999999999"},
    {"council": "x", "service_type": "99999999999999999999", "financial_year": "1", "page": "zz"},
])
@pytest.mark.parametrize("name", ["reference-prices", "council-rates"])
def test_junk_queries_on_comparator_pages_never_give_a_500(world, client_for, name, query):
    assert client_for("coordinator").get(reverse(name), query).status_code == 200


def test_change_link_fills_the_form_with_the_years_figure(world, client_for):
    page = client_for("coordinator").get(reverse("reference-prices"), {"financial_year": "2025"})
    assert 'value="32.14"' in page.content.decode()
