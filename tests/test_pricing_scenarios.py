"""Pricing scenarios: the vectorised what-if (pricing/scenarios.py), its page ("pricing-scenario")
and its API (POST /api/v1/pricing/scenarios/)."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.errors import DomainError
from consortium.models import TimeBand
from members.models import MembershipStatus
from pricing import cost_model as cm
from pricing import scenarios as sc
from pricing.api.calculator import EXAMPLE_2014
from pricing.cost_inputs import CostInputsSerializer
from pricing.forms import current_financial_year
from tests import factories as f
from tests.pricing_factories import EXAMPLE_INPUTS, cost_submission

pytestmark = pytest.mark.shared_world


URL = reverse("pricing-scenario")
API_URL = "/api/v1/pricing/scenarios/"
YEAR = current_financial_year()


def pct(value) -> dict:
    return {"value": value, "basis": "percent"}


def pounds(value) -> dict:
    return {"value": value, "basis": "pounds"}


def member_inputs(**changes) -> dict:
    """EXAMPLE_INPUTS with changes; a change to None leaves that input out."""
    data = copy.deepcopy(EXAMPLE_INPUTS)
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


BY_HOUR = {"visit_minutes": None, "travel_minutes_per_visit": None}

# A dozen members that differ in every way the model can: travel given per hour or from visits,
# on-costs in percent or pounds or left out, running costs and surplus as shares or pounds,
# premiums, no mileage, values with four decimal places and shares that do not divide evenly.
MEMBERS = [
    member_inputs(),
    dict(EXAMPLE_2014),
    member_inputs(hourly_pay="12.95", running_costs=pounds("5.40"), surplus=pct("4")),
    member_inputs(hourly_pay="13.20", running_costs=pounds("6.10"), surplus=pounds("0.75")),
    member_inputs(national_insurance=pounds("1.30"), pension=pct("5")),
    member_inputs(holiday=None, sick_pay=None, notice=None, training=pounds("0.20")),
    member_inputs(**BY_HOUR, travel_minutes_per_hour="0", miles_per_hour="0", pence_per_mile="0"),
    member_inputs(hourly_pay="15.2375", visit_minutes="15", travel_minutes_per_visit="12"),
    member_inputs(hourly_pay="11.90", weekend_premium="50", bank_holiday_premium="200",
                  night_premium="33.3333", evening_premium="12.5"),
    member_inputs(hourly_pay="12.3333", visit_minutes="45", travel_minutes_per_visit="7",
                  running_costs=pct("33.3333"), surplus=pct("3.3333")),
    member_inputs(pension=pounds("0.45"), holiday=pounds("1.10"), notice=pounds("0.05"),
                  pence_per_mile="25", miles_per_hour="10.1234"),
    member_inputs(**BY_HOUR, hourly_pay="11.00", travel_minutes_per_hour="19.75",
                  running_costs=pct("0"), surplus=pct("0"), evening_premium=None, night_premium=None),
]

CHANGES = {
    "none": sc.Changes(),
    "real living wage": sc.Changes(new_hourly_pay=D("12.85")),
    "uplift": sc.Changes(pay_uplift_percent=D("3.5")),
    "uplift then minimum": sc.Changes(pay_uplift_percent=D("4"), new_hourly_pay=D("13.00")),
    "on-costs": sc.Changes(national_insurance_percent=D("15"), pension_percent=D("5"),
                           holiday_percent=D("12.07")),
    "mileage": sc.Changes(pence_per_mile=D("55")),
    "everything": sc.Changes(new_hourly_pay=D("12.85"), pay_uplift_percent=D("2.25"),
                             national_insurance_percent=D("13.8"), pension_percent=D("3"),
                             holiday_percent=D("0"), pence_per_mile=D("45.5")),
}


def model_with_changes(data: dict, band: str, changes: sc.Changes) -> cm.CostBreakdown:
    """The real cost model on one member's inputs with the changes applied by hand, as the
    scenario documents them."""
    serializer = CostInputsSerializer(data={**data, "time_band": band})
    assert serializer.is_valid(), serializer.errors
    inputs = serializer.to_inputs()
    pay = inputs.hourly_pay
    if changes.pay_uplift_percent is not None:
        pay = pay * (1 + changes.pay_uplift_percent / 100)
    if changes.new_hourly_pay is not None:
        pay = max(pay, changes.new_hourly_pay)  # a minimum: members paying more keep their pay
    replaced = {"hourly_pay": pay}
    for field, line in sc.ON_COST_CHANGES.items():
        if getattr(changes, field) is not None:
            replaced[line] = cm.Amount.percent(getattr(changes, field))
    if changes.pence_per_mile is not None:
        replaced["pence_per_mile"] = changes.pence_per_mile
    return cm.calculate(dataclasses.replace(inputs, **replaced))


def assert_same_as_the_model(members: list[dict], band: str, changes: sc.Changes) -> None:
    priced = sc.price(sc.apply_changes(sc.inputs_frame(members), changes), band)
    for i, data in enumerate(members):
        expected = model_with_changes(data, band, changes)
        got = {code: priced[code][i] for code in cm.LINE_CODES}
        assert got == expected.amounts(), (i, band)
        assert priced["total"][i] == expected.total, (i, band)
        for line in expected.lines:  # the exact values too, not only their pence
            assert priced[f"exact_{line.code}"][i] == line.exact, (i, band, line.code)
        assert priced["exact_total"][i] == expected.exact_total


# The vectorised path is the cost model -----------------------------------------------------------

@pytest.mark.parametrize("band", TimeBand.values)
@pytest.mark.parametrize("changes", CHANGES.values(), ids=CHANGES.keys())
def test_vectorised_build_up_equals_the_cost_model_for_every_member(changes, band):
    assert_same_as_the_model(MEMBERS, band, changes)


def test_the_dozen_members_really_differ():
    """Guard for the test above: the dozen cover distinct build-ups, not one repeated."""
    totals = {model_with_changes(m, TimeBand.WEEKDAY_DAY, sc.Changes()).total for m in MEMBERS}
    assert len(totals) == len(MEMBERS)


amounts = st.decimals(min_value=D("0"), max_value=D("40"), places=4)
member_strategy = st.fixed_dictionaries({
    "hourly_pay": st.decimals(min_value=D("5"), max_value=D("30"), places=4).map(str),
    "visit_minutes": st.sampled_from(["15", "30", "45", "60"]),
    "travel_minutes_per_visit": st.decimals(min_value=D("0"), max_value=D("20"), places=2).map(str),
    "national_insurance": st.builds(pct, amounts.map(str)) | st.builds(pounds, amounts.map(str)),
    "pension": st.builds(pct, st.decimals(min_value=D("0"), max_value=D("10"), places=3).map(str)),
    "holiday": st.builds(pct, st.decimals(min_value=D("0"), max_value=D("15"), places=2).map(str)),
    "miles_per_hour": st.decimals(min_value=D("0"), max_value=D("12"), places=2).map(str),
    "pence_per_mile": st.decimals(min_value=D("0"), max_value=D("60"), places=1).map(str),
    "weekend_premium": st.decimals(min_value=D("0"), max_value=D("100"), places=2).map(str),
    "running_costs": st.builds(pct, st.decimals(min_value=D("0"), max_value=D("60"), places=4).map(str))
    | st.builds(pounds, st.decimals(min_value=D("0"), max_value=D("9"), places=2).map(str)),
    "surplus": st.builds(pct, st.decimals(min_value=D("0"), max_value=D("10"), places=4).map(str)),
})


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(members=st.lists(member_strategy, min_size=1, max_size=6),
       band=st.sampled_from(TimeBand.values),
       new_pay=st.none() | st.decimals(min_value=D("5"), max_value=D("30"), places=2),
       ni=st.none() | st.decimals(min_value=D("0"), max_value=D("20"), places=2))
def test_vectorised_build_up_equals_the_cost_model_for_random_members(members, band, new_pay, ni):
    assert_same_as_the_model(members, band, sc.Changes(new_hourly_pay=new_pay, national_insurance_percent=ni))


# Scenarios over the consortium's submissions -----------------------------------------------------

def member(world, name: str, *, status=MembershipStatus.ACTIVE, consortium=None, **inputs):
    coop = f.MemberCoopFactory(consortium=consortium or world.consortium, legal_name=f"{name} Cyf",
                               trading_name=name, status=status)
    cost_submission(coop, financial_year=YEAR, **inputs)
    return coop


def scenario(**kwargs) -> sc.Scenario:
    changes = {name: kwargs.pop(name) for name in list(kwargs) if name in sc.CHANGE_NAMES}
    return sc.Scenario(service_type=kwargs.pop("service_type", None) or f.service(),
                       financial_year=kwargs.pop("financial_year", YEAR),
                       proposed_rate=kwargs.pop("proposed_rate", D("32.50")),
                       changes=sc.Changes(**changes), **kwargs)


@pytest.fixture
def rlw_world(world):
    """Four counted members of consortium A, and submissions that must not count.

    Weekday daytime totals, now and with a new minimum pay of 12.85 (from the cost model):
    Gofal A pays 12.00: 30.81 -> 32.79; Gofal B pays 12.60: 32.21 -> 32.79; Gofal C pays 13.50
    (more than 12.85, so it keeps its pay): 34.30 -> 34.30; Gofal D pays 12.00 with lower
    running costs (22%): 28.76 -> 30.60.
    """
    cost_submission(world.coop_a, financial_year=YEAR, hourly_pay="20.00")  # superseded below
    cost_submission(world.coop_a, financial_year=YEAR, hourly_pay="12.00")
    cost_submission(world.coop_b, financial_year=YEAR, hourly_pay="12.60")
    member(world, "Gofal C", hourly_pay="13.50")
    member(world, "Gofal D", hourly_pay="12.00", running_costs=pct("22"))
    # Not counted: a withdrawn member, another consortium's member, another year, another service.
    member(world, "Gofal Withdrawn", status=MembershipStatus.WITHDRAWN, hourly_pay="30.00")
    cost_submission(world.coop_other, financial_year=YEAR, hourly_pay="30.00")
    cost_submission(world.coop_b, financial_year=YEAR - 1, hourly_pay="30.00")
    cost_submission(world.coop_b, financial_year=YEAR, service_type=f.service("supported-living"),
                    hourly_pay="30.00")
    return world


def test_new_real_living_wage_lists_the_members_it_would_push_below_the_proposed_rate(rlw_world):
    result = sc.run_scenario(consortium=rlw_world.consortium,
                             scenario=scenario(new_hourly_pay=D("12.85"), proposed_rate=D("32.50")))
    assert result.member_count == 4
    below = [(m.name, m.before, m.after, m.gap, m.already_below) for m in result.members_below]
    assert below == [
        ("Gofal C", D("34.30"), D("34.30"), D("1.80"), True),
        ("Gofal A", D("30.81"), D("32.79"), D("0.29"), False),
        ("Gofal B", D("32.21"), D("32.79"), D("0.29"), False),
    ]
    assert result.below_before_count == 1
    assert (result.total.before, result.total.after) == (D("31.51"), D("32.79"))
    assert result.proposed_minus_median == D("-0.29")
    contact = next(line for line in result.lines if line.code == "contact_pay")
    assert (contact.before, contact.after) == (D("12.30"), D("12.85"))


def test_without_changes_only_members_already_above_the_rate_are_listed(rlw_world):
    result = sc.run_scenario(consortium=rlw_world.consortium, scenario=scenario(proposed_rate=D("32.50")))
    assert [(m.name, m.already_below) for m in result.members_below] == [("Gofal C", True)]
    assert all(line.change == 0 for line in result.lines) and result.total.change == 0


def test_a_member_whose_cost_equals_the_proposed_rate_is_not_below_it(rlw_world):
    result = sc.run_scenario(consortium=rlw_world.consortium,
                             scenario=scenario(new_hourly_pay=D("12.85"), proposed_rate=D("32.79")))
    assert [m.name for m in result.members_below] == ["Gofal C"]


@pytest.mark.parametrize(("change", "line"), [
    ({"national_insurance_percent": D("15")}, "national_insurance"),
    ({"pension_percent": D("8")}, "pension"),
    ({"holiday_percent": D("14")}, "holiday"),
    ({"pence_per_mile": D("60")}, "mileage"),
])
def test_an_on_cost_or_mileage_change_moves_only_its_line_and_the_shares_of_the_price(
    rlw_world, change, line
):
    """Running costs and surplus are shares of the price here, so they follow the total; every
    other line stays exactly as it was."""
    result = sc.run_scenario(consortium=rlw_world.consortium, scenario=scenario(**change))
    changed = {entry.code for entry in result.lines if entry.change != 0}
    assert changed == {line, "running_costs", "surplus"}
    assert result.total.change > 0


def test_an_on_cost_given_in_pounds_becomes_the_new_percentage(world):
    member(world, "Gofal P", pension=pounds("0.10"))
    result = sc.run_scenario(consortium=world.consortium, scenario=scenario(pension_percent=D("5")))
    pension = next(line for line in result.lines if line.code == "pension")
    expected = model_with_changes(member_inputs(pension=pounds("0.10")), TimeBand.WEEKDAY_DAY,
                                  sc.Changes(pension_percent=D("5")))
    assert (pension.before, pension.after) == (D("0.10"), expected.line("pension").amount)


def test_scenario_prices_the_chosen_time_band_with_each_members_premium(rlw_world):
    """Without changes, each member's weekend cost is the weekend floor stored with its
    submission (the same model, priced when it was submitted)."""
    from pricing.models import CostFloor

    result = sc.run_scenario(consortium=rlw_world.consortium,
                             scenario=scenario(time_band=TimeBand.WEEKEND, proposed_rate=D("1.00")))
    floors = dict(CostFloor.objects.filter(
        submission__is_latest=True, submission__financial_year=YEAR, submission__service_type=f.service(),
        submission__coop__in=[m.coop_id for m in result.members_below], time_band=TimeBand.WEEKEND,
    ).values_list("submission__coop_id", "rate"))
    assert len(result.members_below) == 4
    assert {m.coop_id: m.before for m in result.members_below} == floors
    weekday = sc.run_scenario(consortium=rlw_world.consortium, scenario=scenario(proposed_rate=D("1.00")))
    assert result.total.before > weekday.total.before  # the 20% weekend premium


def test_an_uplift_that_would_take_pay_past_the_models_limit_is_refused(world):
    member(world, "Gofal Dear", hourly_pay="900")
    with pytest.raises(sc.ScenarioInputError) as caught:
        sc.run_scenario(consortium=world.consortium, scenario=scenario(pay_uplift_percent=D("20")))
    assert set(caught.value.errors) == {"pay_uplift_percent"}


def test_a_damaged_stored_submission_is_a_refusal_not_a_crash(world, client_for):
    from pricing.models import CostSubmission

    submission = cost_submission(world.coop_a, financial_year=YEAR)
    CostSubmission.objects.filter(pk=submission.pk).update(inputs={**submission.inputs, "hourly_pay": "lots"})
    with pytest.raises(DomainError, match="could not be priced"):
        sc.run_scenario(consortium=world.consortium, scenario=scenario())
    response = client_for("coordinator").get(URL, params())
    assert response.status_code == 200 and "could not be priced" in response.content.decode()


def test_no_submissions_is_a_clear_refusal(world):
    with pytest.raises(sc.NoSubmissions) as caught:
        sc.run_scenario(consortium=world.consortium, scenario=scenario())
    assert "No member has submitted its costs for Domiciliary support" in str(caught.value)


@pytest.mark.parametrize("n_members", [3, 12])
def test_one_query_reads_every_members_submission(world, django_assert_num_queries, n_members):
    for i in range(n_members):
        member(world, f"Gofal {i}", hourly_pay=str(D("11.50") + D(i) / 10))
    chosen = scenario(new_hourly_pay=D("12.85"))  # the service type is fetched before counting
    with django_assert_num_queries(1):
        result = sc.run_scenario(consortium=world.consortium, scenario=chosen)
    assert result.member_count == n_members


# The page ---------------------------------------------------------------------------------------

def params(**overrides) -> dict:
    data = {"service_type": f.service().pk, "financial_year": YEAR, "time_band": "weekday_day",
            "proposed_rate": "32.50", "new_hourly_pay": "12.85"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_page_shows_lines_medians_chart_and_members_below(rlw_world, client_for):
    response = client_for("coordinator").get(URL, params())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Consortium median per contact hour, line by line" in html
    assert "31.51" in html and "32.79" in html  # median of the totals, before and after
    assert "is £0.29 below the median cost after the changes" in html
    assert "<svg" in html and 'role="img"' in html and "Dashed line: proposed rate £32.50" in html
    section = html.split('id="members-below"')[1]
    assert section.index("Gofal C") < section.index("Gofal A") < section.index("Gofal B")
    assert "Gofal D" not in section and "Gofal Withdrawn" not in html and "Other Care" not in html
    assert "3 members would be paid less than their cost (1 already now)" in html


def test_page_without_a_query_shows_the_empty_form(world, client_for):
    response = client_for("coordinator").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Work out the scenario" in html and "There is a problem" not in html
    assert 'id="result"' not in html


def test_page_says_plainly_when_no_member_has_submitted(world, client_for):
    response = client_for("coordinator").get(URL, params())
    assert response.status_code == 200
    html = response.content.decode()
    assert "No cost submissions to work from" in html
    assert "There is a problem" not in html


def test_page_shows_junk_inputs_as_field_errors(world, client_for):
    response = client_for("coordinator").get(URL, params(
        service_type="999999", financial_year="1800", time_band="tea-time", proposed_rate="lots",
        new_hourly_pay="-1", pay_uplift_percent="500", pence_per_mile="1e400",
    ))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"service_type", "financial_year", "time_band", "proposed_rate",
                                "new_hourly_pay", "pay_uplift_percent", "pence_per_mile"}
    assert form.errors["new_hourly_pay"] == ["The new hourly pay must be more than 0"]
    assert form.errors["pay_uplift_percent"] == ["The pay uplift must be 100 or less"]
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_proposed_rate"' in html
    assert response.context["result"] is None


def test_page_range_errors_are_the_apis(world, client_for, api_for):
    page = client_for("coordinator").get(URL, params(national_insurance_percent="101"))
    api = api_for("coordinator").post(API_URL, params(national_insurance_percent="101"), format="json")
    assert api.status_code == 400
    field = "national_insurance_percent"
    assert page.context["form"].errors[field] == api.json()[field] == [
        "Employer National Insurance must be 100 or less"]


@pytest.mark.parametrize("persona", ["board", "member_a", "member_b", "reviewer", "reviewer_other"])
def test_only_coordinators_see_members_costs(rlw_world, client_for, api_for, persona):
    assert client_for(persona).get(URL, params()).status_code == 403
    assert api_for(persona).post(API_URL, params(), format="json").status_code == 403


def test_another_consortiums_coordinator_works_on_its_own_members_only(rlw_world, client_for):
    """Its one member (Other Care, paying 30.00) is the whole scenario; consortium A's are not."""
    response = client_for("coordinator_other").get(URL, params())
    assert response.context["result"].member_count == 1
    html = response.content.decode()
    assert "Other Care" in html
    assert not any(name in html for name in ("Gofal A", "Gofal B", "Gofal C", "Gofal D"))


def test_nav_links_the_page_for_coordinators_only(world, client_for):
    """The prices section's page (one click from the header) lists it for coordinators only."""
    hub = reverse("hub-prices")
    assert URL in client_for("coordinator").get(hub).content.decode()
    assert URL not in client_for("board").get(hub).content.decode()


@pytest.mark.parametrize("n_members", [3, 12])
def test_page_costs_the_same_queries_whatever_the_number_of_members(world, client_for, n_members):
    for i in range(n_members):
        member(world, f"Gofal {i}", hourly_pay=str(D("11.50") + D(i) / 10))
    client, query = client_for("coordinator"), params()
    client.get(URL, query)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, query).status_code == 200
    assert len(queries) == PAGE_QUERIES, [q["sql"] for q in queries.captured_queries]


# session, user, the service type (validation), the submissions, the service types (the select),
# and the header's counts (what needs the person, notifications unread: one query)
PAGE_QUERIES = 6


# The API ----------------------------------------------------------------------------------------

def test_api_returns_the_same_numbers_as_the_scenario_as_strings(rlw_world, api_for):
    response = api_for("coordinator").post(API_URL, params(), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["member_count"] == 4
    assert body["total"] == {"before": "31.51", "after": "32.79", "change": "1.28"}
    assert body["proposed_rate"] == "32.50" and body["proposed_minus_median"] == "-0.29"
    below = [(m["name"], m["before"], m["after"], m["gap"], m["already_below"])
             for m in body["members_below"]]
    assert below == [
        ("Gofal C", "34.30", "34.30", "1.80", True),
        ("Gofal A", "30.81", "32.79", "0.29", False),
        ("Gofal B", "32.21", "32.79", "0.29", False),
    ]
    assert body["members_below"][1]["coop"] == rlw_world.coop_a.pk
    result = sc.run_scenario(consortium=rlw_world.consortium,
                             scenario=scenario(new_hourly_pay=D("12.85")))
    assert [(x["code"], x["before"], x["after"]) for x in body["lines"]] == [
        (line.code, str(line.before), str(line.after)) for line in result.lines
    ]


def test_api_refuses_junk_field_by_field(world, api_for):
    response = api_for("coordinator").post(API_URL, {
        "service_type": 999999, "financial_year": "next", "proposed_rate": "lots", "time_band": "tea",
        "new_hourly_pay": [1],
    }, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"service_type", "financial_year", "proposed_rate", "time_band",
                                    "new_hourly_pay"}


def test_api_says_when_no_member_has_submitted(world, api_for):
    response = api_for("coordinator").post(API_URL, params(), format="json")
    assert response.status_code == 400
    assert "No member has submitted its costs" in response.json()["non_field_errors"][0]


def test_api_asks_visitors_to_sign_in(world, api_for):
    assert api_for("anonymous").post(API_URL, params(), format="json").status_code == 401
