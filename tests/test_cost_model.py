"""The cost model (pricing.cost_model), its API (POST /api/v1/pricing/calculate/) and its
calculator page ("pricing-calculator").
"""

from __future__ import annotations

import copy
import dataclasses
import decimal
from decimal import Decimal as D

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.errors import DomainError
from consortium.models import TimeBand
from pricing import cost_model as cm
from pricing.api.calculator import EXAMPLE_2014
from pricing.cost_model import Amount, CostInputError, CostInputs, calculate
from tests.personas import PERSONAS

API_URL = "/api/v1/pricing/calculate/"
SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


def inputs_2014(**changes) -> CostInputs:
    """The 2014 published build-up: contact pay 6.31 (the minimum wage), travel 1.20 (11.4
    minutes per contact hour, 19% of contact time), NI 9.5% and holiday 10.77% of gross pay,
    training 0.13 and pension 0.08 in pounds, mileage 3.5 miles at 40p, running costs 27% and
    surplus 3% of the price. Published total: 15.19."""
    base = CostInputs(
        hourly_pay=D("6.31"),
        travel_minutes_per_hour=D("11.4"),
        national_insurance=Amount.percent("9.5"),
        holiday=Amount.percent("10.77"),
        training=Amount.pounds("0.13"),
        pension=Amount.pounds("0.08"),
        miles_per_hour=D("3.5"),
        pence_per_mile=D("40"),
        running_costs=Amount.percent("27"),
        surplus=Amount.percent("3"),
    )
    return dataclasses.replace(base, **changes)


def errors_of(inputs: CostInputs) -> dict[str, list[str]]:
    with pytest.raises(CostInputError) as caught:
        calculate(inputs)
    return caught.value.as_dict()


# --- the published table -------------------------------------------------------------------------

def test_reproduces_the_2014_published_build_up_within_a_penny():
    breakdown = calculate(inputs_2014())
    assert abs(breakdown.total - D("15.19")) <= D("0.01")
    assert breakdown.amounts() == {
        "contact_pay": D("6.31"), "travel_pay": D("1.20"), "national_insurance": D("0.71"),
        "pension": D("0.08"), "holiday": D("0.81"), "training": D("0.13"), "sick_pay": D("0.00"),
        "notice": D("0.00"), "mileage": D("1.40"), "running_costs": D("4.10"), "surplus": D("0.46"),
    }
    assert breakdown.line("contact_pay").amount + breakdown.line("travel_pay").amount == D("7.51")
    assert breakdown.line("running_costs").share_percent == D("27.0")
    assert breakdown.line("surplus").share_percent == D("3.0")


def test_price_is_direct_costs_over_one_less_the_shares_unrounded():
    breakdown = calculate(inputs_2014())
    direct = sum((line.exact for line in breakdown.lines if line.code not in cm.PRICE_SHARES), D(0))
    assert breakdown.exact_total == direct / D("0.70")
    assert breakdown.line("running_costs").exact == breakdown.exact_total * D("0.27")


def test_running_costs_and_surplus_in_pounds_are_added_to_the_price():
    breakdown = calculate(inputs_2014(running_costs=Amount.pounds("4.00"), surplus=Amount.pounds("0.50")))
    assert breakdown.line("running_costs").amount == D("4.00")
    assert breakdown.line("surplus").amount == D("0.50")
    assert breakdown.total == breakdown.direct_costs + D("4.50")


def test_a_share_and_a_pound_line_mix():
    breakdown = calculate(inputs_2014(running_costs=Amount.pounds("4.00"), surplus=Amount.percent("10")))
    direct = sum((line.exact for line in breakdown.lines if line.code not in cm.PRICE_SHARES), D(0))
    assert breakdown.exact_total == (direct + D("4.00")) / D("0.9")
    assert breakdown.line("surplus").exact == breakdown.exact_total / 10


# --- rounding ------------------------------------------------------------------------------------

def test_apportion_gives_the_missing_penny_to_the_largest_remainder():
    third = D(1) / D(3)
    assert cm.apportion([third, third, third], D("1.00"), cm.PENNY) == [D("0.34"), D("0.33"), D("0.33")]
    assert cm.apportion([D("0.004"), D("0.996")], D("1.00"), cm.PENNY) == [D("0.00"), D("1.00")]


def test_displayed_lines_add_up_to_the_total_where_rounding_each_line_would_not():
    # Each line rounded on its own: 10.00 + 3.33 + 1.09 + 0.33 + 6.31 + 0.91 = 21.97, but the
    # price is 21.9848... = 21.98: a penny is missing, and goes to the largest remainder.
    inputs = CostInputs(
        hourly_pay=D("10"), travel_minutes_per_hour=D("20"), national_insurance=Amount.percent("8.2"),
        pension=Amount.percent("2.5"), running_costs=Amount.percent("28.7"),
        surplus=Amount.percent("4.15"),
    )
    breakdown = calculate(inputs)
    one_by_one = sum(line.exact.quantize(cm.PENNY) for line in breakdown.lines)
    assert one_by_one != breakdown.total
    assert sum(breakdown.amounts().values()) == breakdown.total
    assert breakdown.total == breakdown.exact_total.quantize(cm.PENNY)
    for line in breakdown.lines:
        assert abs(line.amount - line.exact) < cm.PENNY


def test_total_is_rounded_half_up_once():
    # 10.005 exactly: half up gives 10.01 (banker's rounding would give 10.00).
    inputs = CostInputs(
        hourly_pay=D("10.005"), travel_minutes_per_hour=D(0), national_insurance=Amount.percent(0),
        pension=Amount.percent(0), running_costs=Amount.percent(0), surplus=Amount.percent(0),
    )
    assert calculate(inputs).total == D("10.01")


# --- travel, visits and time bands --------------------------------------------------------------

def test_travel_from_visits_is_travel_per_visit_over_visit_length():
    by_visit = calculate(inputs_2014(travel_minutes_per_hour=None, visit_minutes=D(30),
                                     travel_minutes_per_visit=D(8)))
    per_hour = calculate(inputs_2014(travel_minutes_per_hour=D(16)))
    assert by_visit.travel_minutes_per_hour == D(16)
    assert by_visit.lines == per_hour.lines


def test_shorter_visits_cost_more_per_hour():
    totals = [
        calculate(inputs_2014(travel_minutes_per_hour=None, visit_minutes=D(minutes),
                              travel_minutes_per_visit=D(10))).exact_total
        for minutes in (15, 20, 30, 45, 60)
    ]
    assert totals == sorted(totals, reverse=True)
    assert len(set(totals)) == len(totals)


def test_weekend_premium_raises_pay_and_what_is_a_share_of_pay_only():
    weekday = calculate(inputs_2014(premiums={"weekend": D(50)}))
    weekend = calculate(inputs_2014(time_band="weekend", premiums={"weekend": D(50)}))
    for code in ("contact_pay", "travel_pay", "national_insurance", "holiday"):  # pay, and % of pay
        assert weekend.line(code).exact == weekday.line(code).exact * D("1.5"), code
    for code in ("training", "pension", "mileage"):  # pounds per hour and mileage: unchanged
        assert weekend.line(code).exact == weekday.line(code).exact, code
    assert weekend.hourly_rate == D("9.465")
    assert weekend.premium_percent == D(50)
    assert weekend.total > weekday.total


def test_the_premium_of_another_band_does_not_apply():
    plain = calculate(inputs_2014())
    evening = calculate(inputs_2014(time_band="evening", premiums={"weekend": D(50), "evening": D(0)}))
    assert evening.lines == plain.lines


def test_time_bands_are_the_projects_time_bands():
    assert set(cm.TIME_BANDS) == set(TimeBand.values)


# --- refusals -----------------------------------------------------------------------------------

INVALID = {
    "negative pay": ({"hourly_pay": D("-1")}, "hourly_pay"),
    "zero pay": ({"hourly_pay": D("0")}, "hourly_pay"),
    "pay not a number": ({"hourly_pay": D("NaN")}, "hourly_pay"),
    "infinite pay": ({"hourly_pay": D("Infinity")}, "hourly_pay"),
    "absurd pay": ({"hourly_pay": D("1e30")}, "hourly_pay"),
    "negative NI": ({"national_insurance": Amount.percent("-0.1")}, "national_insurance"),
    "NI over 100%": ({"national_insurance": Amount.percent("100.01")}, "national_insurance"),
    "no NI": ({"national_insurance": None}, "national_insurance"),
    "negative pension in pounds": ({"pension": Amount.pounds("-0.08")}, "pension"),
    "negative holiday": ({"holiday": Amount.percent("-1")}, "holiday"),
    "unknown basis": ({"training": Amount(D(1), "guineas")}, "training_basis"),
    "negative mileage": ({"miles_per_hour": D("-3.5")}, "miles_per_hour"),
    "negative pence per mile": ({"pence_per_mile": D("-1")}, "pence_per_mile"),
    "shares of exactly 100%": ({"running_costs": Amount.percent(97)}, "surplus"),
    "shares over 100%": ({"running_costs": Amount.percent(99), "surplus": Amount.percent(2)}, "surplus"),
    "negative running costs": ({"running_costs": Amount.percent(-27)}, "running_costs"),
    "no surplus": ({"surplus": None}, "surplus"),
    "travel both ways": ({"visit_minutes": D(30), "travel_minutes_per_visit": D(8)},
                         "travel_minutes_per_hour"),
    "travel neither way": ({"travel_minutes_per_hour": None}, "travel_minutes_per_hour"),
    "negative travel": ({"travel_minutes_per_hour": D("-1")}, "travel_minutes_per_hour"),
    "visit length zero": ({"travel_minutes_per_hour": None, "visit_minutes": D(0),
                           "travel_minutes_per_visit": D(8)}, "visit_minutes"),
    "visit length without travel per visit": ({"travel_minutes_per_hour": None, "visit_minutes": D(30)},
                                              "travel_minutes_per_visit"),
    "travel per visit without visit length": ({"travel_minutes_per_hour": None,
                                               "travel_minutes_per_visit": D(8)}, "visit_minutes"),
    "travel per hour beyond a day": ({"travel_minutes_per_hour": None, "visit_minutes": D("0.01"),
                                      "travel_minutes_per_visit": D(60)}, "travel_minutes_per_visit"),
    "unknown time band": ({"time_band": "full_moon"}, "time_band"),
    "premium for an unknown band": ({"premiums": {"full_moon": D(10)}}, "time_band"),
    "negative premium": ({"time_band": "weekend", "premiums": {"weekend": D(-10)}}, "weekend_premium"),
}


@pytest.mark.parametrize("changes,field", INVALID.values(), ids=INVALID.keys())
def test_every_invalid_input_is_refused_on_its_field(changes, field):
    errors = errors_of(inputs_2014(**changes))
    assert field in errors
    assert all(isinstance(m, str) and m for m in errors[field])


def test_all_problems_are_reported_together_as_a_domain_error():
    with pytest.raises(CostInputError) as caught:
        calculate(inputs_2014(hourly_pay=D(-1), miles_per_hour=D(-1), time_band="x"))
    exc = caught.value
    assert isinstance(exc, DomainError) and isinstance(exc, ValueError)
    assert set(exc.as_dict()) == {"hourly_pay", "miles_per_hour", "time_band"}
    assert exc.field == "hourly_pay"


def test_shares_summing_to_100_percent_say_what_they_add_up_to():
    errors = errors_of(inputs_2014(running_costs=Amount.percent(97)))
    assert "100%" in errors["surplus"][0]


# --- properties ---------------------------------------------------------------------------------

def _decimals(low, high, places=2):
    """Decimals from low to high with ``places`` decimal places (integers scaled: fast to draw)."""
    scale = 10 ** places
    return st.integers(int(D(low) * scale), int(D(high) * scale)).map(lambda n: D(n).scaleb(-places))


def _amount(percent_max="20", pounds_max="5"):
    return st.one_of(
        st.builds(Amount, _decimals(0, percent_max), st.just(cm.Basis.PERCENT)),
        st.builds(Amount, _decimals(0, pounds_max), st.just(cm.Basis.POUNDS)),
    )


# Strategies built once: building them inside the composite on every draw is slow.
PER_HOUR_TRAVEL = st.builds(lambda m: {"travel_minutes_per_hour": m}, _decimals(0, 60))
VISIT_TRAVEL = st.builds(lambda v, t: {"visit_minutes": v, "travel_minutes_per_visit": t},
                         _decimals(5, 120, 0), _decimals(0, 45, 1))
WAGE_AMOUNT = _amount()
OPTIONAL_WAGE_AMOUNT = st.none() | WAGE_AMOUNT
PREMIUMS = st.fixed_dictionaries({band: _decimals(0, 200, 1) for band in cm.PREMIUM_BANDS})
PAY = _decimals("0.01", 60)
MILES = _decimals(0, 20, 1)
PENCE = _decimals(0, 60, 0)
BANDS = st.sampled_from(cm.TIME_BANDS)
RUNNING = _amount(percent_max="60", pounds_max="20")
SURPLUS = _amount(percent_max="30", pounds_max="5")


@st.composite
def valid_inputs(draw):
    return CostInputs(
        hourly_pay=draw(PAY),
        national_insurance=draw(WAGE_AMOUNT),
        pension=draw(WAGE_AMOUNT),
        holiday=draw(OPTIONAL_WAGE_AMOUNT),
        training=draw(OPTIONAL_WAGE_AMOUNT),
        sick_pay=draw(OPTIONAL_WAGE_AMOUNT),
        notice=draw(OPTIONAL_WAGE_AMOUNT),
        miles_per_hour=draw(MILES),
        pence_per_mile=draw(PENCE),
        time_band=draw(BANDS),
        premiums=draw(PREMIUMS),
        running_costs=draw(RUNNING),
        surplus=draw(SURPLUS),
        **draw(PER_HOUR_TRAVEL | VISIT_TRAVEL),
    )


FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _exact_decimals():
    """The tests' own sums work to 60 digits, as the model works to 50 (the default is 28)."""
    with decimal.localcontext(prec=60):
        yield


@FAST
@given(valid_inputs())
def test_total_covers_direct_costs_and_nothing_is_negative(inputs):
    breakdown = calculate(inputs)
    direct_exact = sum((line.exact for line in breakdown.lines if line.code not in cm.PRICE_SHARES), D(0))
    # The model works to 50 significant digits: allow for that last digit, nothing more.
    assert breakdown.exact_total >= direct_exact - D("1e-45")
    assert breakdown.total >= breakdown.direct_costs
    assert breakdown.total > 0
    assert all(line.exact >= 0 and line.amount >= 0 and line.share_percent >= 0 for line in breakdown.lines)


@FAST
@given(valid_inputs())
def test_displayed_lines_and_shares_always_add_up(inputs):
    breakdown = calculate(inputs)
    assert sum(breakdown.amounts().values()) == breakdown.total
    assert breakdown.total == breakdown.exact_total.quantize(cm.PENNY, rounding="ROUND_HALF_UP")
    assert sum(line.share_percent for line in breakdown.lines) == D("100.0")
    for line in breakdown.lines:
        assert abs(line.amount - line.exact) < cm.PENNY


@FAST
@given(valid_inputs())
def test_the_same_inputs_always_give_the_same_build_up(inputs):
    assert calculate(inputs) == calculate(copy.deepcopy(inputs))


@FAST
@given(valid_inputs(), _decimals("1.01", 5))
def test_scaling_pay_scales_the_pay_based_lines_and_nothing_else(inputs, factor):
    base = calculate(inputs)
    scaled = calculate(dataclasses.replace(inputs, hourly_pay=inputs.hourly_pay * factor))
    pay_based = set(cm.PAY_LINES) | {
        name for name in cm.WAGE_ON_COSTS
        if getattr(inputs, name) is not None and getattr(inputs, name).basis == cm.Basis.PERCENT
    }
    for code in cm.LINE_CODES:
        if code in pay_based:
            assert abs(scaled.line(code).exact - base.line(code).exact * factor) < D("1e-30"), code
        elif code not in cm.PRICE_SHARES:
            assert scaled.line(code).exact == base.line(code).exact, code
    assert scaled.exact_total >= base.exact_total


@FAST
@given(valid_inputs(), _decimals(5, 60, 0), _decimals(1, 60, 0), _decimals("0.5", 30, 1))
def test_a_shorter_visit_never_costs_less_per_hour(inputs, visit, longer_by, travel):
    def priced(minutes):
        return calculate(dataclasses.replace(
            inputs, travel_minutes_per_hour=None, visit_minutes=minutes, travel_minutes_per_visit=travel,
        )).exact_total

    assert priced(visit) > priced(visit + longer_by)


NUMBER_FIELDS = ("hourly_pay", "miles_per_hour", "pence_per_mile")
AMOUNT_FIELDS = ("national_insurance", "pension", "holiday", "training", "sick_pay", "notice",
                 "running_costs", "surplus")


@FAST
@given(valid_inputs(), st.sampled_from(NUMBER_FIELDS + AMOUNT_FIELDS + ("premium", "travel")),
       _decimals("-1000", "-0.01"))
def test_a_negative_number_anywhere_is_refused_on_its_field(inputs, name, negative):
    if name in NUMBER_FIELDS:
        changed, field = dataclasses.replace(inputs, **{name: negative}), name
    elif name in AMOUNT_FIELDS:
        basis = getattr(inputs, name).basis if getattr(inputs, name) else cm.Basis.PERCENT
        changed, field = dataclasses.replace(inputs, **{name: Amount(negative, basis)}), name
    elif name == "premium":
        band = inputs.time_band if inputs.time_band != cm.WEEKDAY_DAY else "night"
        changed = dataclasses.replace(inputs, premiums={**inputs.premiums, band: negative})
        field = f"{band}_premium"
    else:
        field = "travel_minutes_per_hour" if inputs.travel_minutes_per_hour is not None else "visit_minutes"
        changed = dataclasses.replace(inputs, **{field: negative})
    assert field in errors_of(changed)


# --- API ----------------------------------------------------------------------------------------

def _payload(**changes) -> dict:
    data = copy.deepcopy(EXAMPLE_2014)
    data.update(changes)
    return data


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_every_signed_in_persona_may_calculate(api_for, persona):
    response = api_for(persona).post(API_URL, EXAMPLE_2014, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["total"] == "15.20"


def test_anonymous_api_caller_gets_401(api_for):
    response = api_for("anonymous").post(API_URL, EXAMPLE_2014, format="json")
    assert response.status_code == 401


def test_api_returns_every_line_and_the_total_as_decimal_strings(api_for, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):  # stateless: not a single query (force-authenticated)
        body = api_for("member_a").post(API_URL, EXAMPLE_2014, format="json").json()
    assert [line["code"] for line in body["lines"]] == list(cm.LINE_CODES)
    amounts = {line["code"]: line["amount"] for line in body["lines"]}
    assert amounts["contact_pay"] == "6.31" and amounts["travel_pay"] == "1.20"
    assert amounts["running_costs"] == "4.10" and amounts["surplus"] == "0.46"
    assert sum(D(a) for a in amounts.values()) == D(body["total"]) == D("15.20")
    assert body["direct_costs"] == "10.64"
    assert body["travel_minutes_per_hour"] == "11.40"
    assert body["time_band"] == "weekday_day"
    assert {line["label"] for line in body["lines"]} >= {"Mileage", "Surplus"}
    assert sum(D(line["share_percent"]) for line in body["lines"]) == D("100.0")


def test_api_prices_a_bank_holiday_from_visits(api_for):
    data = _payload(travel_minutes_per_hour=None, visit_minutes="30", travel_minutes_per_visit="8",
                    time_band="bank_holiday", bank_holiday_premium="100")
    body = api_for("reviewer").post(API_URL, data, format="json").json()
    assert body["hourly_rate"] == "12.6200"
    assert body["travel_minutes_per_hour"] == "16.00"
    assert body["lines"][0] == {"code": "contact_pay", "label": "Careworker pay for contact time",
                                "amount": "12.62", "share_percent": body["lines"][0]["share_percent"]}


API_INVALID = {
    "negative pay": ({"hourly_pay": "-6.31"}, "hourly_pay"),
    "pay missing": ({"hourly_pay": None}, "hourly_pay"),
    "pay not a number": ({"hourly_pay": "six pounds"}, "hourly_pay"),
    "pay NaN": ({"hourly_pay": "NaN"}, "hourly_pay"),
    "pay infinite": ({"hourly_pay": "Infinity"}, "hourly_pay"),
    "pay huge": ({"hourly_pay": "1e400"}, "hourly_pay"),
    "NI over 100%": ({"national_insurance": {"value": "150"}}, "national_insurance"),
    "NI as a bare number": ({"national_insurance": "9.5"}, "national_insurance"),
    "unknown basis": ({"pension": {"value": "1", "basis": "guineas"}}, "pension"),
    "shares of 100%": ({"running_costs": {"value": "97"}}, "surplus"),
    "travel both ways": ({"visit_minutes": "30", "travel_minutes_per_visit": "8"}, "travel_minutes_per_hour"),
    "travel neither way": ({"travel_minutes_per_hour": None}, "travel_minutes_per_hour"),
    "visit length zero": ({"travel_minutes_per_hour": None, "visit_minutes": "0",
                           "travel_minutes_per_visit": "8"}, "visit_minutes"),
    "unknown time band": ({"time_band": "full_moon"}, "time_band"),
    "negative premium": ({"weekend_premium": "-5"}, "weekend_premium"),
    "a list for a number": ({"miles_per_hour": [1, 2]}, "miles_per_hour"),
}


@pytest.mark.parametrize("changes,field", API_INVALID.values(), ids=API_INVALID.keys())
def test_api_refuses_bad_inputs_with_field_level_400(api_for, changes, field):
    data = _payload(**changes)
    data = {k: v for k, v in data.items() if not (v is None and k == "hourly_pay")}
    response = api_for("coordinator").post(API_URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_api_errors_inside_an_amount_are_keyed_by_its_own_fields(api_for):
    data = _payload(national_insurance={"value": "lots", "basis": "guineas"})
    body = api_for("coordinator").post(API_URL, data, format="json").json()
    assert set(body) == {"national_insurance"}
    assert set(body["national_insurance"]) == {"value", "basis"}


def test_api_junk_bodies_are_400_never_500(api_for):
    client = api_for("board")
    for body in ([], "text", 42, {"hourly_pay": {"value": 1}}, {"national_insurance": [None]},
                 {k: "\x00" for k in EXAMPLE_2014}, {k: 10**400 for k in EXAMPLE_2014}):
        response = client.post(API_URL, body, format="json")
        assert response.status_code == 400, (body, response.content)
    response = client.post(API_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post(API_URL, {"hourly_pay": "6.31"})  # a form post: JSON only
    assert response.status_code == 415


def test_api_refuses_get(api_for):
    assert api_for("coordinator").get(API_URL).status_code == 405


def test_openapi_describes_the_calculation_exactly():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][API_URL]["post"]
    assert set(schema["paths"][API_URL]) == {"post"}
    assert operation["requestBody"]["content"].keys() == {"application/json"}
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_ref.endswith("/CostInputsRequest")
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CostBreakdown")
    assert {"400", "401"} <= set(operation["responses"])
    components = schema["components"]["schemas"]
    assert set(components["CostInputsRequest"]["required"]) == {
        "hourly_pay", "national_insurance", "pension", "running_costs", "surplus"}
    line = components["CostLine"]["properties"]
    assert line["amount"]["type"] == "string" and line["amount"]["format"] == "decimal"


# --- the calculator page ------------------------------------------------------------------------

def _page_url():
    return reverse("pricing-calculator")


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_every_signed_in_persona_may_open_the_calculator(client_for, persona):
    response = client_for(persona).get(_page_url())
    assert response.status_code == 200


def test_visitor_is_sent_to_login_from_the_calculator(client_for):
    response = client_for("anonymous").get(_page_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_calculator_opens_on_a_labelled_welsh_example_with_its_build_up(client_for):
    response = client_for("member_a").get(_page_url())
    html = response.content.decode()
    assert "These are example figures." in html
    assert 'value="12.00"' in html  # the Real Living Wage, prefilled
    breakdown = response.context["breakdown"]
    assert breakdown is not None and breakdown.travel_minutes_per_hour == D(16)
    assert f"£{breakdown.total}" in html
    # A table with a caption and headers, and a chart with a text alternative.
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert 'role="img" aria-labelledby="cost-chart-title cost-chart-desc"' in html
    assert '<title id="cost-chart-title">' in html and '<desc id="cost-chart-desc">' in html


def test_calculator_prices_the_submitted_inputs(client_for):
    query = {
        "hourly_pay": "6.31", "travel_minutes_per_hour": "11.4",
        "national_insurance": "9.5", "national_insurance_basis": "percent",
        "holiday": "10.77", "training": "0.13", "training_basis": "pounds",
        "pension": "0.08", "pension_basis": "pounds", "miles_per_hour": "3.5", "pence_per_mile": "40",
        "time_band": "weekday_day", "running_costs": "27", "surplus": "3",
    }
    response = client_for("reviewer_other").get(_page_url(), query)
    html = response.content.decode()
    assert response.context["breakdown"].total == D("15.20")
    assert "These are example figures." not in html
    assert "£15.20" in html
    assert "4.10" in html and "27.0%" in html


BAD_PAGE_INPUTS = {
    "negative pay": ({"hourly_pay": "-1"}, "hourly_pay"),
    "pay not a number": ({"hourly_pay": "abc"}, "hourly_pay"),
    "shares of 100%": ({"running_costs": "90", "surplus": "10"}, "surplus"),
    "travel both ways": ({"travel_minutes_per_hour": "10"}, "travel_minutes_per_hour"),
    "visit length zero": ({"visit_minutes": "0"}, "visit_minutes"),
    "unknown time band": ({"time_band": "full_moon"}, "time_band"),
    "NI over 100%": ({"national_insurance": "150"}, "national_insurance"),
}


@pytest.mark.parametrize("changes,field", BAD_PAGE_INPUTS.values(), ids=BAD_PAGE_INPUTS.keys())
def test_calculator_shows_bad_inputs_beside_their_fields(client_for, changes, field):
    from pricing.forms import WELSH_RLW_EXAMPLE

    response = client_for("coordinator").get(_page_url(), {**WELSH_RLW_EXAMPLE, **changes})
    assert response.status_code == 200
    assert response.context["breakdown"] is None
    form = response.context["form"]
    assert field in form.errors
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert f'id="id_{field}-error"' in html
    assert f'href="#id_{field}' in html  # the summary links to the field


def test_calculator_lists_every_problem_at_once_naming_its_input(client_for):
    from pricing.forms import WELSH_RLW_EXAMPLE

    bad = {"hourly_pay": "-3", "travel_minutes_per_hour": "10", "running_costs": "90", "surplus": "10"}
    response = client_for("member_b").get(_page_url(), {**WELSH_RLW_EXAMPLE, **bad})
    errors = response.context["form"].errors
    assert set(errors) == {"hourly_pay", "travel_minutes_per_hour", "surplus"}
    assert errors["hourly_pay"] == ["Careworker hourly pay must be more than 0"]
    assert "less than 100% (they add up to 100%)" in errors["surplus"][0]
    assert 'value="-3"' in response.content.decode()  # what was typed stays, to be corrected


JUNK = ["", " ", "abc", "-1", "1e400", "NaN", "-Infinity", "9" * 60, "１２", "0x10", "<script>", "1,5",
        "\x00"]


def test_calculator_form_answers_junk_in_any_field_with_a_price_or_field_errors():
    from pricing.forms import WELSH_RLW_EXAMPLE, CalculatorForm

    for name in CalculatorForm.base_fields:
        for junk in JUNK:
            form, priced = CalculatorForm({**WELSH_RLW_EXAMPLE, name: junk}), None
            if form.is_valid():  # "" in an optional field, or "１２" (twelve, in full-width digits)
                try:
                    priced = cm.calculate(form.to_inputs())
                except CostInputError as exc:
                    form.add_cost_errors(exc)
            assert (priced is None) == bool(form.errors), (name, junk)
            if junk in ("abc", "NaN", "-Infinity", "1e400", "<script>"):
                assert name in form.errors, (name, junk)


def test_calculator_page_never_fails_on_junk(client_for):
    from pricing.forms import WELSH_RLW_EXAMPLE, CalculatorForm

    client = client_for("board")
    for junk in JUNK:
        response = client.get(_page_url(), {name: junk for name in CalculatorForm.base_fields})
        assert response.status_code == 200, junk
        assert response.context["breakdown"] is None
    for name in ("hourly_pay", "visit_minutes", "time_band", "surplus_basis"):
        response = client.get(_page_url(), {**WELSH_RLW_EXAMPLE, name: "1e400"})
        assert response.status_code == 200, name
