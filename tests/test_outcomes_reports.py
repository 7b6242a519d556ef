"""What a member reports with its return: quality counts, workforce (Social Care Wales
registration, pay bands against the Real Living Wage) and pseudonymous outcome reviews
(outcomes/services/reports.py, selectors/reports.py, web/reports.py).

The contract is ``started_contract`` (tests/builders.py): consortium A's Cardiff contract; coop A
and coop B each have a draft return for its first period. The rows are made once for the module
(tests/shared_rows.py); each test runs in a savepoint of its own. Figures are recomputed here with
pandas, independently of the product's arithmetic.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import build_world
from consortium.errors import Conflict, DomainError, Forbidden
from contracts.delivery.services import returns as returns_services
from contracts.models import ReturnStatus
from outcomes.models import LivingWageRate, OutcomeResult, OutcomeReview, PayBand, PeriodReport
from outcomes.services import reports as services
from tests.builders import WEEKDAY, WEEKEND, started_contract
from tests.shared_rows import rows_for_the_module

RLW = Decimal("12.60")
BANDS = [("12.00", "100.50"), ("12.60", "200.25"), ("13.10", "50")]


def financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


@pytest.fixture(scope="module")
def _rows(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
            contract = started_contract(world)
            period = contract.periods.order_by("start").first()
            returns = {}
            for persona, coop, lines in (
                ("member_a", world.coop_a, [{"council": "GB-CRF", "time_band": WEEKDAY, "quantity": "240"},
                                            {"council": "GB-CRF", "time_band": WEEKEND, "quantity": "160"}]),
                ("member_b", world.coop_b, [{"council": "GB-CRF", "time_band": WEEKDAY, "quantity": "160"}]),
            ):
                returns[persona] = returns_services.return_save(
                    subcontract=contract.subcontracts.get(coop=coop), period=period,
                    by=world.user(persona), lines=lines)
            LivingWageRate.objects.update_or_create(
                financial_year=financial_year(period.end),
                defaults={"hourly_rate": RLW, "announced_on": dt.date(2025, 10, 21),
                          "source": "https://www.livingwage.org.uk/what-real-living-wage"})
        yield world, returns


@pytest.fixture
def world(db, _rows):
    return copy.deepcopy(_rows[0])


@pytest.fixture
def ret(db, _rows):
    return copy.deepcopy(_rows[1]["member_a"])


@pytest.fixture
def ret_b(db, _rows):
    return copy.deepcopy(_rows[1]["member_b"])


def as_(world, persona) -> Client:
    c = Client()
    c.force_login(world.user(persona))
    return c


def report_form(complaints="2", referrals="1", workers="10", registered="8", bands=BANDS) -> dict:
    data = {"complaints": complaints, "safeguarding_referrals": referrals, "care_workers": workers,
            "care_workers_registered": registered}
    for i, (rate, hours) in enumerate(bands):
        data[f"pay_bands-{i}-hourly_rate"], data[f"pay_bands-{i}-hours"] = rate, hours
    return data


def review_form(ret, reference="cf-1042", day=None, involvement="person", results=(("health", "met"),)):
    data = {"reference": reference, "reviewed_on": (day or ret.period.start).isoformat(),
            "involvement": involvement}
    for i, (outcome, result) in enumerate(results):
        data[f"results-{i}-outcome"], data[f"results-{i}-result"] = outcome, result
    return data


def add_review(world, ret, reference, involvement="person", results=(("health", "met"),)):
    return services.outcome_review_save(ret=ret, by=world.user("member_a"), reference=reference,
                                        reviewed_on=ret.period.start, involvement=involvement,
                                        results=list(results))


def errors_of(response) -> dict[str, list[str]]:
    return {name: [str(e) for e in errs] for name, errs in response.context["form"].errors.items()}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the period report ---------------------------------------------------------------------------------

def test_member_records_the_report_and_sees_the_living_wage_share_computed_right(world, ret):
    member = as_(world, "member_a")
    url = reverse("reports-report-edit", args=[ret.pk])
    assert member.get(url).status_code == 200
    response = member.post(url, report_form())
    assert response.status_code == 302 and response.url == reverse("reports-detail", args=[ret.pk])
    report = PeriodReport.objects.get(delivery_return=ret)
    assert (report.complaints, report.safeguarding_referrals, report.care_workers,
            report.care_workers_registered, report.updated_by) == (2, 1, 10, 8, world.user("member_a"))
    assert sorted((b.hourly_rate, b.hours) for b in report.pay_bands.all()) == [
        (Decimal(r), Decimal(h)) for r, h in BANDS]
    assert report.history.first().history_user == world.user("member_a")

    # Independently: the hours at or above the year's rate out of all hours, tenths rounded down.
    bands = pd.DataFrame([(Decimal(r), Decimal(h)) for r, h in BANDS], columns=["rate", "hours"])
    share = (bands.loc[bands["rate"] >= RLW, "hours"].sum() * 1000 // bands["hours"].sum()) / 10
    page = text_of(member.get(response.url))
    assert f"£{RLW} an hour" in page
    assert f"{share:.1f}% of the hours were paid at or above it" in page
    assert "8 (80.0%)" in page  # registered with Social Care Wales


def test_saving_again_replaces_the_pay_bands(world, ret):
    member = as_(world, "member_a")
    url = reverse("reports-report-edit", args=[ret.pk])
    member.post(url, report_form())
    assert member.post(url, report_form(bands=[("", ""), ("13.00", "40")])).status_code == 302
    assert [(b.hourly_rate, b.hours) for b in PayBand.objects.filter(report__delivery_return=ret)] == [
        (Decimal("13.00"), Decimal("40.00"))]


def test_without_a_rate_for_the_year_the_page_says_so(world, ret):
    LivingWageRate.objects.all().delete()
    member = as_(world, "member_a")
    member.post(reverse("reports-report-edit", args=[ret.pk]), report_form())
    page = text_of(member.get(reverse("reports-detail", args=[ret.pk])))
    assert "No Real Living Wage rate is on record for" in page
    assert "were paid at or above it" not in page


@pytest.mark.parametrize(("change", "field"), [
    ({"care_workers": "5", "care_workers_registered": "6"}, "care_workers_registered"),
    ({"pay_bands-1-hours": "-3"}, "pay_bands-1-hours"),
    ({"pay_bands-0-hourly_rate": "0"}, "pay_bands-0-hourly_rate"),
    ({"pay_bands-2-hourly_rate": "12.00"}, "pay_bands-2-hourly_rate"),
    ({"pay_bands-0-hours": ""}, "pay_bands-0-hours"),
    ({"complaints": "-1"}, "complaints"),
    ({"safeguarding_referrals": "two"}, "safeguarding_referrals"),
])
def test_bad_report_input_is_shown_beside_its_field_and_nothing_is_saved(world, ret, change, field):
    response = as_(world, "member_a").post(reverse("reports-report-edit", args=[ret.pk]),
                                           {**report_form(), **change})
    assert response.status_code == 200
    errors = errors_of(response)
    assert list(errors) == [field], errors
    assert "There is a problem" in response.content.decode()
    assert not PeriodReport.objects.exists() and not PayBand.objects.exists()


def test_the_service_refuses_every_problem_at_once(world, ret):
    with pytest.raises(DomainError) as refused:
        services.period_report_save(ret=ret, by=world.user("member_a"), complaints=0,
                                    safeguarding_referrals=0, care_workers=3, care_workers_registered=4,
                                    pay_bands=[("12.60", "-1"), ("12.601", "2")])
    assert {f for f, _m in refused.value.problems} == {
        "care_workers_registered", "pay_bands-0-hours", "pay_bands-1-hourly_rate"}
    assert not PeriodReport.objects.exists()


# --- outcome reviews ---------------------------------------------------------------------------------

def test_member_adds_changes_and_removes_a_review(world, ret):
    member = as_(world, "member_a")
    response = member.post(reverse("reports-review-add", args=[ret.pk]), review_form(
        ret, results=[("health", "met"), ("home", "partly")], involvement="both"))
    assert response.status_code == 302
    review = OutcomeReview.objects.get(delivery_return=ret)
    assert (review.reference, review.involvement, review.recorded_by) == (
        "CF-1042", "both", world.user("member_a"))
    assert dict(review.results.values_list("outcome", "result")) == {"health": "met", "home": "partly"}
    page = member.get(reverse("reports-detail", args=[ret.pk])).content.decode()
    assert "CF-1042" in page

    edit = reverse("reports-review-edit", args=[review.pk])
    assert member.get(edit).status_code == 200
    assert member.post(edit, review_form(ret, reference="CF-1042", results=[("rights", "not_met")])
                       ).status_code == 302
    assert dict(review.results.values_list("outcome", "result")) == {"rights": "not_met"}

    delete = reverse("reports-review-delete", args=[review.pk])
    assert member.get(delete).status_code == 200
    assert member.post(delete).status_code == 302
    assert not OutcomeReview.objects.exists() and not OutcomeResult.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"reference": "Jane Jones"}, "reference"),
    ({"reference": "JONES"}, "reference"),
    ({"reference": "A-1234567890123456789"}, "reference"),
    ({"reference": ""}, "reference"),
    ({"reviewed_on": "1999-01-01"}, "reviewed_on"),
    ({"reviewed_on": "2026-02-30"}, "reviewed_on"),
    ({"involvement": ""}, "involvement"),
    ({"results-1-outcome": "health", "results-1-result": "partly"}, "results-1-outcome"),
    ({"results-0-result": ""}, "results-0-result"),
    ({"results-0-outcome": "", "results-0-result": ""}, "results-0-outcome"),
])
def test_bad_review_input_is_shown_beside_its_field_and_nothing_is_saved(world, ret, change, field):
    response = as_(world, "member_a").post(reverse("reports-review-add", args=[ret.pk]),
                                           {**review_form(ret), **change})
    assert response.status_code == 200
    errors = errors_of(response)
    assert list(errors) == [field], errors
    assert not OutcomeReview.objects.exists() and not OutcomeResult.objects.exists()


def test_a_review_must_be_held_inside_the_period(world, ret):
    for day in (ret.period.start - dt.timedelta(days=1), ret.period.end + dt.timedelta(days=1)):
        response = as_(world, "member_a").post(reverse("reports-review-add", args=[ret.pk]),
                                               review_form(ret, day=day))
        assert "reviewed_on" in errors_of(response)
    assert not OutcomeReview.objects.exists()


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_a_reference_without_a_digit_or_with_a_space_is_never_kept(text):
    """No name (no digit, or a space between words) passes as a reference; what passes is
    letters, digits and dashes in capitals, at most 20."""
    ref = services.clean_reference(text)
    if services.reference_problem(ref) is None:
        assert re.fullmatch(r"[A-Z0-9-]{1,20}", ref) and re.search(r"[0-9]", ref)
    if " " in text.strip() or not re.search(r"[0-9]", text):
        assert services.reference_problem(ref) is not None


def test_a_reference_is_once_per_return_and_help_says_it_is_not_a_name(world, ret):
    add_review(world, ret, "CF-1")
    member = as_(world, "member_a")
    response = member.post(reverse("reports-review-add", args=[ret.pk]), review_form(ret, reference="cf-1"))
    assert list(errors_of(response)) == ["reference"]
    assert "never their name" in member.get(reverse("reports-review-add", args=[ret.pk])).content.decode()
    assert OutcomeReview.objects.count() == 1


# --- who sees what -----------------------------------------------------------------------------------

def test_another_member_the_board_councils_and_another_consortium_get_404(world, ret):
    review = add_review(world, ret, "CF-7")
    urls = [reverse("reports-detail", args=[ret.pk]), reverse("reports-report-edit", args=[ret.pk]),
            reverse("reports-review-add", args=[ret.pk]), reverse("reports-review-edit", args=[review.pk]),
            reverse("reports-review-delete", args=[review.pk])]
    for persona in ("member_b", "board", "reviewer", "coordinator_other"):
        c = as_(world, persona)
        for url in urls:
            assert c.get(url).status_code == 404, (persona, url)
            assert c.post(url, report_form()).status_code == 404, (persona, url)
    coordinator = as_(world, "coordinator")
    assert coordinator.get(urls[1]).status_code == 403
    assert coordinator.post(urls[2], review_form(ret)).status_code == 403
    assert coordinator.get(urls[3]).status_code == 404  # a reference is the member's own
    assert OutcomeReview.objects.count() == 1 and not PeriodReport.objects.exists()
    with pytest.raises(Forbidden):
        services.outcome_review_delete(review=review, by=world.user("member_b"))


def test_member_b_cannot_write_member_as_return(world, ret):
    with pytest.raises(Forbidden):
        services.period_report_save(ret=ret, by=world.user("member_b"), complaints=1,
                                    safeguarding_referrals=0, care_workers=1, care_workers_registered=0)
    assert not PeriodReport.objects.exists()


def _five_reviews(world, ret):
    add_review(world, ret, "R-1", "person", [("health", "met"), ("home", "met")])
    add_review(world, ret, "R-2", "carer", [("health", "partly")])
    add_review(world, ret, "R-3", "neither", [("rights", "not_met")])
    add_review(world, ret, "R-4", "both", [("health", "met")])


def test_the_coordinator_sees_no_reference_and_nothing_below_five_people(world, ret):
    _five_reviews(world, ret)
    coordinator = as_(world, "coordinator")
    page = coordinator.get(reverse("reports-detail", args=[ret.pk])).content.decode()
    assert "Fewer than 5 people" in page
    assert "R-1" not in page and "Outcomes met" not in page

    add_review(world, ret, "R-5", "neither", [("learning", "met"), ("protection", "partly")])
    response = coordinator.get(reverse("reports-detail", args=[ret.pk]))
    page, text = response.content.decode(), text_of(response)
    assert not any(f"R-{n}" in page for n in range(1, 6))
    assert "Fewer than 5 people" not in page

    # Independently: each result's share of all results, and involvement, tenths rounded down.
    results = pd.DataFrame(list(OutcomeResult.objects.filter(review__delivery_return=ret)
                                .values("result")))
    reviews = pd.DataFrame(list(OutcomeReview.objects.filter(delivery_return=ret).values("involvement")))
    counts = results["result"].value_counts()

    def pct(n, total):
        return f"{(int(n) * 1000 // int(total)) / 10:.1f}%"

    assert f"People reviewed {len(reviews)}" in text
    assert f"Outcomes agreed {len(results)}" in text
    assert f"Outcomes met {pct(counts.get('met', 0), len(results))}" in text
    assert f"Outcomes partly met {pct(counts.get('partly', 0), len(results))}" in text
    assert f"Outcomes not met {pct(counts.get('not_met', 0), len(results))}" in text
    took_part = reviews["involvement"].isin(["person", "carer", "both"]).sum()
    assert f"took part in planning {pct(took_part, len(reviews))}" in text


def test_the_member_sees_its_own_references_and_the_check_links_the_report(world, ret):
    add_review(world, ret, "CF-88")
    member = as_(world, "member_a")
    assert "CF-88" in member.get(reverse("reports-detail", args=[ret.pk])).content.decode()
    edit = member.get(reverse("return-edit", args=[ret.subcontract_id, ret.period_id])).content.decode()
    assert reverse("reports-detail", args=[ret.pk]) in edit
    returns_services.return_submit(ret=ret, by=world.user("member_a"))
    coordinator = as_(world, "coordinator")
    check = coordinator.get(reverse("return-check-period", args=[ret.subcontract.contract_id, ret.period_id]))
    assert reverse("reports-detail", args=[ret.pk]) in check.content.decode()
    detail = coordinator.get(reverse("return-detail", args=[ret.pk])).content.decode()
    assert reverse("reports-detail", args=[ret.pk]) in detail
    board = as_(world, "board").get(reverse("return-check-period", args=[ret.subcontract.contract_id,
                                                                          ret.period_id]))
    assert reverse("reports-detail", args=[ret.pk]) not in board.content.decode()


# --- locked with the return ---------------------------------------------------------------------------

def test_locked_once_submitted_open_again_when_sent_back(world, ret):
    member = as_(world, "member_a")
    member.post(reverse("reports-report-edit", args=[ret.pk]), report_form())
    review = add_review(world, ret, "CF-5")
    returns_services.return_submit(ret=ret, by=world.user("member_a"))

    for url in (reverse("reports-report-edit", args=[ret.pk]), reverse("reports-review-add", args=[ret.pk]),
                reverse("reports-review-edit", args=[review.pk]),
                reverse("reports-review-delete", args=[review.pk])):
        assert member.get(url).url == reverse("reports-detail", args=[ret.pk])
        data = {**report_form(complaints="9"), **review_form(ret, "CF-6")}
        assert member.post(url, data).status_code == 302
    assert PeriodReport.objects.get(delivery_return=ret).complaints == 2
    assert list(OutcomeReview.objects.values_list("reference", flat=True)) == ["CF-5"]
    page = member.get(reverse("reports-detail", args=[ret.pk])).content.decode()
    assert "locked with it" in page and reverse("reports-review-add", args=[ret.pk]) not in page
    with pytest.raises(Conflict):
        services.outcome_review_delete(review=review, by=world.user("member_a"))
    with pytest.raises(Conflict):
        add_review(world, ret, "CF-6")

    returns_services.return_send_back(ret=ret, by=world.user("coordinator"), reason="Hours look low")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SENT_BACK
    assert member.post(reverse("reports-report-edit", args=[ret.pk]),
                       report_form(complaints="3")).status_code == 302
    assert PeriodReport.objects.get(delivery_return=ret).complaints == 3


def test_each_members_return_is_its_own(world, ret, ret_b):
    add_review(world, ret, "CF-1")
    services.outcome_review_save(ret=ret_b, by=world.user("member_b"), reference="CF-1",
                                 reviewed_on=ret_b.period.end, involvement="neither",
                                 results=[("economic", "partly")])
    page_b = as_(world, "member_b").get(reverse("reports-detail", args=[ret_b.pk])).content.decode()
    assert "Economic" in page_b or "economic" in page_b
    assert "Physical and mental health" not in page_b
