"""Reading a call monitoring file (contracts/delivery/visits.py): each charging rule, time band,
count and refusal, with the row numbers people see (the header is row 1); and a property: every
charged time is a whole number of rounding units, never under the minimum charge, and a visit
cut short within the tolerance is charged as planned. Pure: no database."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.delivery import visits as v

PERIOD = (dt.date(2027, 4, 5), dt.date(2027, 5, 2))  # Monday 5 April to Sunday 2 May 2027
CARDIFF = {"gb-crf": "GB-CRF", "cardiff": "GB-CRF", "caerdydd": "GB-CRF"}
TWO = {**CARDIFF, "gb-gwn": "GB-GWN", "gwynedd": "GB-GWN"}
HEADER = "visit_reference,person_reference,planned_start,planned_end,actual_start,actual_end,carer_reference"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(ref="V1", person="P1", ps="2027-04-06 08:00", pe="2027-04-06 08:30", as_="2027-04-06 08:00",
        ae="2027-04-06 08:30", carer="C1", area=None) -> str:
    cells = [ref, person, ps, pe, as_, ae, carer] + ([area] if area is not None else [])
    return ",".join(cells)


def read(data: bytes, rules: v.Rules | None = None, **kwargs) -> v.Summary:
    kwargs.setdefault("areas", CARDIFF)
    kwargs.setdefault("period", PERIOD)
    return v.summarise(data, rules=rules or v.Rules(), **kwargs)


def refused(data: bytes, **kwargs) -> list[v.Problem]:
    with pytest.raises(v.VisitFileRefused) as caught:
        read(data, **kwargs)
    return caught.value.rows


def hours(summary: v.Summary) -> dict[tuple[str, str], Decimal]:
    return {(x.council, x.time_band): x.quantity for x in summary.lines}


# --- charging rules --------------------------------------------------------------------------------------

def test_actual_time_within_tolerance_is_charged_as_planned():
    rules = v.Rules(charge_basis=v.ACTUAL, tolerance_minutes=5, minimum_charge_minutes=0, rounding_minutes=1)
    within = read(csv(row(ae="2027-04-06 08:25")), rules)  # 25 of 30 planned: within 5
    beyond = read(csv(row(ae="2027-04-06 08:24")), rules)  # 24: charged 24
    assert hours(within) == {("GB-CRF", "weekday_day"): Decimal("0.50")}
    assert hours(beyond) == {("GB-CRF", "weekday_day"): Decimal("0.40")}


def test_planned_basis_ignores_actual_length():
    rules = v.Rules(charge_basis=v.PLANNED, tolerance_minutes=0, minimum_charge_minutes=0, rounding_minutes=1)
    assert hours(read(csv(row(ae="2027-04-06 08:10")), rules)) == {("GB-CRF", "weekday_day"): Decimal("0.50")}


def test_minimum_charge_and_rounding():
    rules = v.Rules(charge_basis=v.ACTUAL, tolerance_minutes=0, minimum_charge_minutes=15,
                    rounding_minutes=15)
    short = read(csv(row(pe="2027-04-06 08:10", ae="2027-04-06 08:05")), rules)  # 5 min: the minimum
    assert hours(short) == {("GB-CRF", "weekday_day"): Decimal("0.25")}
    nearest = read(csv(row(pe="2027-04-06 08:40", ae="2027-04-06 08:37")), rules)  # 37 -> 30
    assert hours(nearest) == {("GB-CRF", "weekday_day"): Decimal("0.50")}
    half_up = read(csv(row(pe="2027-04-06 08:40", ae="2027-04-06 08:38")), rules)  # 38 -> 45 (37.5 up)
    assert hours(half_up) == {("GB-CRF", "weekday_day"): Decimal("0.75")}


def test_minimum_is_taken_up_to_whole_units():
    charged = v.charged_minutes(np.array([5.0]), np.array([5.0]), np.array([True]),
                                v.Rules(minimum_charge_minutes=20, rounding_minutes=15, tolerance_minutes=0))
    assert charged.tolist() == [30]


def test_missed_visits_are_not_charged_and_counted():
    summary = read(csv(row(), row(ref="V2", as_="", ae="", ps="2027-04-06 09:00", pe="2027-04-06 09:30")))
    assert hours(summary) == {("GB-CRF", "weekday_day"): Decimal("0.50")}
    assert summary.counts == {"visits_planned": 2, "visits_delivered": 1, "visits_missed": 1,
                              "visits_late": 0, "visits_short": 0}


def test_late_and_cut_short_beyond_tolerance():
    rules = v.Rules(tolerance_minutes=5)
    summary = read(csv(
        row(as_="2027-04-06 08:05", ae="2027-04-06 08:35"),  # 5 late: not late
        row(ref="V2", carer="C2", as_="2027-04-06 08:06", ae="2027-04-06 08:36"),  # late
        row(ref="V3", carer="C3", ae="2027-04-06 08:24"),  # 6 short: cut short
    ), rules)
    assert summary.counts["visits_late"] == 1 and summary.counts["visits_short"] == 1


# --- time bands ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "band"), [
    ("2027-04-06 07:00", "weekday_day"), ("2027-04-06 18:59", "weekday_day"), ("2027-04-06 19:00", "evening"),
    ("2027-04-06 21:59", "evening"), ("2027-04-06 22:00", "night"), ("2027-04-07 06:59", "night"),
    ("2027-04-10 08:00", "weekend"), ("2027-04-11 23:00", "weekend"),
    ("2027-05-03 09:00", "bank_holiday"),  # early May bank holiday (outside PERIOD: band only)
])
def test_time_band_of_the_planned_start(start, band):
    stamp = pd.Series(pd.to_datetime([start]))
    holidays = v.welsh_bank_holidays(dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert v.time_bands(stamp, holidays) == [band]


def test_welsh_bank_holidays_include_easter_monday_and_substitute_days():
    days = v.welsh_bank_holidays(dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert dt.date(2027, 3, 29) in days  # Easter Monday
    assert dt.date(2027, 12, 27) in days and dt.date(2027, 12, 28) in days  # substitutes for 25-26 Dec


def test_bank_holiday_in_the_period_is_its_own_band():
    period = (dt.date(2027, 3, 29), dt.date(2027, 4, 4))
    summary = read(csv(row(ps="2027-03-29 08:00", pe="2027-03-29 08:30", as_="2027-03-29 08:00",
                           ae="2027-03-29 08:30")), period=period)
    assert list(hours(summary)) == [("GB-CRF", "bank_holiday")]


def test_clocks_going_forward_are_taken_into_account():
    # 28 March 2027: 01:00 GMT becomes 02:00 BST. A visit 00:30 to 03:00 local lasts 90 minutes.
    period = (dt.date(2027, 3, 22), dt.date(2027, 3, 28))
    rules = v.Rules(charge_basis=v.ACTUAL, tolerance_minutes=0, minimum_charge_minutes=0, rounding_minutes=1)
    summary = read(csv(row(ps="2027-03-28 00:30", pe="2027-03-28 03:00", as_="2027-03-28 00:30",
                           ae="2027-03-28 03:00")), rules, period=period)
    assert hours(summary) == {("GB-CRF", "weekend"): Decimal("1.50")}


# --- areas, formats ---------------------------------------------------------------------------------------

def test_area_column_needed_for_two_areas_and_read_by_code_or_name():
    problems = refused(csv(row()), areas=TWO)
    assert problems[0].column == "council"
    header = HEADER + ",Council Area"
    summary = read(csv(row(area="Cardiff"), row(ref="V2", carer="C2", area="GB-GWN"), header=header),
                   areas=TWO)
    assert set(hours(summary)) == {("GB-CRF", "weekday_day"), ("GB-GWN", "weekday_day")}
    wrong = refused(csv(row(area="Powys"), header=header), areas=TWO)
    assert (wrong[0].row, wrong[0].column) == (2, "council_area")


def test_uk_dates_and_xlsx():
    uk = read(csv(row(ps="06/04/2027 08:00", pe="06/04/2027 08:30", as_="06/04/2027 08:00",
                      ae="06/04/2027 08:30")))
    assert hours(uk) == {("GB-CRF", "weekday_day"): Decimal("0.50")}
    eight, nine = dt.datetime(2027, 4, 6, 8), dt.datetime(2027, 4, 6, 9)
    frame = pd.DataFrame([{"Visit reference": "V1", "Person reference": "P1", "Planned start": eight,
                           "Planned end": nine, "Actual start": eight, "Actual end": nine,
                           "Carer reference": "C1"}])
    out = io.BytesIO()
    frame.to_excel(out, index=False)
    assert hours(read(out.getvalue(), filename="ecm.xlsx")) == {("GB-CRF", "weekday_day"): Decimal("1.00")}


def test_bands_outside_the_subcontract_are_refused():
    problems = refused(csv(row(ps="2027-04-06 20:00", pe="2027-04-06 20:30", as_="2027-04-06 20:00",
                               ae="2027-04-06 20:30")), lines=[("GB-CRF", "weekday_day")])
    assert problems[0].row == 2 and "no line" in problems[0].message


# --- refusals ---------------------------------------------------------------------------------------------

def test_wrong_or_missing_columns():
    problems = refused(csv("V1,P1,x", header="visit_reference,person_reference,when"))
    messages = " ".join(p.message for p in problems)
    assert "“when”" in messages and "“planned_start” is missing" in messages


def test_unparseable_times_and_missing_ends():
    problems = refused(csv(row(ps="tomorrow"), row(ref="V2", carer="C2", ae="")))
    assert [(p.row, p.column) for p in problems] == [(2, "planned_start"), (3, "actual_end")]


def test_negative_durations():
    problems = refused(csv(row(pe="2027-04-06 07:30"), row(ref="V2", carer="C2", ae="2027-04-06 07:59")))
    assert [(p.row, p.column) for p in problems] == [(2, "planned_end"), (3, "actual_end")]


def test_visits_outside_the_period():
    problems = refused(csv(row(), row(ref="V2", carer="C2", ps="2027-05-03 08:00", pe="2027-05-03 08:30",
                                      as_="2027-05-03 08:00", ae="2027-05-03 08:30")))
    assert [(p.row, p.column) for p in problems] == [(3, "planned_start")]


def test_overlapping_visits_of_one_carer():
    problems = refused(csv(
        row(),
        row(ref="V2", as_="2027-04-06 08:30", ae="2027-04-06 09:00"),  # touching: fine
        row(ref="V3", as_="2027-04-06 08:45", ae="2027-04-06 09:10"),  # overlaps V2
        row(ref="V4", carer="C2", as_="2027-04-06 08:10", ae="2027-04-06 08:20"),  # other carer: fine
    ))
    assert [(p.row, p.column) for p in problems] == [(4, "actual_start")]


def test_duplicate_visit_references():
    problems = refused(csv(row(), row(carer="C2")))
    assert [(p.row, p.column) for p in problems] == [(3, "visit_reference")]


@pytest.mark.parametrize("person", ["943 476 5919", "9434765919"])
def test_nhs_numbers_are_refused(person):
    problems = refused(csv(row(person=person)))
    assert (problems[0].row, problems[0].column) == (2, "person_reference")
    assert "NHS" in problems[0].message


def test_ten_digits_without_a_valid_check_digit_are_not_nhs_numbers():
    assert not v.nhs_number_valid("9434765918")
    assert v.nhs_number_valid("9434765919")
    assert read(csv(row(person="9434765918")))  # a pseudonymous number that fails the check


@pytest.mark.parametrize("person", ["Mary Jones", "Siân Llywelyn-Jones", "John O'Neil Smith",
                                    "Dafydd ap Gwilym".title()])
def test_names_are_refused(person):
    problems = refused(csv(row(person=person)))
    assert (problems[0].row, problems[0].column) == (2, "person_reference")


@pytest.mark.parametrize("header", ["Name", "Surname", "NHS Number", "nhs"])
def test_personal_headers_are_refused(header):
    problems = refused(csv(row() + ",x", header=HEADER + "," + header))
    assert "names or NHS numbers" in problems[0].message


def test_pseudonymous_references_pass():
    assert read(csv(row(person="PX-00123"), row(ref="V2", carer="C2", person="ab12 cd")))


def test_every_problem_is_listed_and_long_lists_are_cut():
    rows = [row(ref=f"V{i}", carer=f"C{i}", ps="nonsense") for i in range(v.MAX_PROBLEMS + 5)]
    with pytest.raises(v.VisitFileRefused) as caught:
        read(csv(*rows))
    assert len(caught.value.rows) == v.MAX_PROBLEMS and caught.value.more == 5
    assert caught.value.as_dict()["visits_file"][-1] == "and 5 more problems."


def test_an_unreadable_file():
    assert refused(b"PK\x03\x04 not really a workbook")[0].row is None


# --- property --------------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(planned=st.integers(0, 600), actual=st.integers(0, 600), tolerance=st.integers(0, 30),
       minimum=st.integers(0, 60), unit=st.integers(1, 60), basis=st.sampled_from([v.PLANNED, v.ACTUAL]))
def test_charged_minutes_respect_the_rules(planned, actual, tolerance, minimum, unit, basis):
    rules = v.Rules(charge_basis=basis, tolerance_minutes=tolerance, minimum_charge_minutes=minimum,
                    rounding_minutes=unit)
    charged = int(v.charged_minutes(np.array([planned]), np.array([actual]), np.array([True]), rules)[0])
    assert charged % unit == 0
    assert charged >= minimum
    base = planned if basis == v.PLANNED or 0 <= planned - actual <= tolerance else actual
    # Rounded to the nearest unit (a half up), unless the minimum lifts it.
    assert abs(charged - base) * 2 <= unit or charged == -(-minimum // unit) * unit
    if basis == v.ACTUAL and 0 < planned - actual <= tolerance:
        same = v.charged_minutes(np.array([planned]), np.array([planned]), np.array([True]), rules)
        assert charged == int(same[0])
    missed = v.charged_minutes(np.array([planned]), np.array([np.nan]), np.array([False]), rules)
    assert int(missed[0]) == 0
