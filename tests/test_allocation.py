"""The allocation engine (contracts.bidding.engine): a pure computation, no database.

Small hand-checked cases for each constraint and strategy, the explanations a coordinator reads,
check_shares' refusals, determinism, and a property test on random small instances against an
independently written coverage LP (scipy's linprog) as the bound.
"""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from consortium.models import TimeBand
from contracts.bidding import engine as allocation
from contracts.bidding.engine import (
    BANDS,
    LotDemand,
    MemberSupply,
    MemberTerms,
    Share,
    Shortfall,
    SolveTimeLimit,
    Strategy,
    allocate,
    check_shares,
    explain,
)

CARDIFF, NEWPORT = 10, 11
HOMECARE = 1
DAY, WEEKEND = "weekday_day", "weekend"


def lot(number=1, volumes=None, *, areas=(CARDIFF,), welsh="0", cap=None, members=None) -> LotDemand:
    volumes = volumes or {DAY: "100"}
    return LotDemand(lot=number, areas=frozenset(areas), service=HOMECARE,
                     volumes={band: D(v) for band, v in volumes.items()}, welsh_share=D(welsh),
                     max_member_share=None if cap is None else D(cap),
                     members=None if members is None else frozenset(members))


def supply(member, available, *, band=DAY, area=CARDIFF, declared=None, welsh="0", floor=None,
           local=False) -> MemberSupply:
    return MemberSupply(member=member, area=area, service=HOMECARE, time_band=band, available=D(available),
                        declared=D(declared if declared is not None else available), welsh_share=D(welsh),
                        floor=None if floor is None else D(floor), local=local)


def terms(member, low=None, high=None) -> MemberTerms:
    return MemberTerms(member, None if low is None else D(low), None if high is None else D(high))


def hours(result, member, lot_number=None) -> D:
    return result.volume(member, lot_number)


def said(result, member, *, view=allocation.FULL, **names) -> list[str]:
    """What a reader (by default a coordinator) reads of why ``member`` got its share."""
    return explain(result.reasons.get(member, []), view=view, **names)


def run(lots, supplies, *, strategy=Strategy.LOWEST_COST, **kwargs):
    result = allocate(lots=lots, supplies=supplies, strategy=strategy, **kwargs)
    # Whatever the engine proposes passes its own check, bar a reported Welsh shortfall.
    problems = check_shares(lots=lots, supplies=supplies, terms=kwargs.get("terms", ()), shares=result.shares)
    assert [p for p in problems if "Welsh" not in p] == []
    assert bool([p for p in problems if "Welsh" in p]) == bool(result.welsh_shortfalls)
    return result


def test_bands_match_the_time_band_choices():
    assert set(BANDS) == set(TimeBand.values)


# -- coverage -----------------------------------------------------------------------------------


def test_demand_met_exactly_when_capacity_suffices():
    result = run([lot(volumes={DAY: "100", WEEKEND: "20.50"})],
                 [supply(1, "60"), supply(2, "60"), supply(2, "30", band=WEEKEND)])
    assert result.coverage == {(1, DAY): D("100.00"), (1, WEEKEND): D("20.50")}
    assert result.shortfalls == ()
    assert all(s.volume == s.volume.quantize(D("0.01")) for s in result.shares)


def test_a_time_limit_that_runs_out_stops_the_solve_and_a_generous_one_changes_nothing():
    lots = [lot(volumes={DAY: "100"})]
    supplies = [supply(1, "60", floor="30"), supply(2, "60", floor="31")]
    with pytest.raises(SolveTimeLimit):
        allocate(lots=lots, supplies=supplies, strategy=Strategy.LOWEST_COST, time_limit=0)
    limited = allocate(lots=lots, supplies=supplies, strategy=Strategy.LOWEST_COST, time_limit=60)
    assert limited == allocate(lots=lots, supplies=supplies, strategy=Strategy.LOWEST_COST)
    assert limited.gap == 0


def test_shortfall_reported_per_lot_and_time_band():
    lots = [lot(1, {DAY: "100", WEEKEND: "50"}), lot(2, {DAY: "10"}, areas=(NEWPORT,))]
    result = run(lots, [supply(1, "70"), supply(1, "50", band=WEEKEND), supply(2, "4", area=NEWPORT)])
    assert result.shortfalls == (Shortfall(1, DAY, D("30.00")), Shortfall(2, DAY, D("6.00")))
    assert result.coverage[(1, WEEKEND)] == D("50.00")


def test_one_members_hours_in_two_lots_count_against_the_same_capacity():
    lots = [lot(1, {DAY: "40"}), lot(2, {DAY: "40"}, areas=(CARDIFF, NEWPORT))]
    result = run(lots, [supply(1, "50")])
    assert hours(result, 1) == D("50.00")
    assert sum((s.volume for s in result.shortfalls), D(0)) == D("30.00")
    assert any("capped by available capacity 50.00 h in Caerdydd weekday day (shared with lot"
               in line for line in said(result, 1, area_names={CARDIFF: "Caerdydd"}))


def test_lot_cap_limits_each_members_share():
    result = run([lot(cap="30")], [supply(1, "100"), supply(2, "100"), supply(3, "100")])
    assert [hours(result, m) for m in (1, 2, 3)] == [D("30.00")] * 3
    assert result.shortfalls == (Shortfall(1, DAY, D("10.00")),)
    assert "Lot 1: lot cap 30% (30.00 h) reached." in said(result, 1)


def test_max_package_is_an_upper_bound_per_lot():
    result = run([lot()], [supply(1, "100", floor="10"), supply(2, "100", floor="20")],
                 terms=[terms(1, high="15")])
    assert hours(result, 1) == D("15.00") and hours(result, 2) == D("85.00")
    assert "Lot 1: maximum package 15.00 h reached." in said(result, 1)


# -- minimum packages (mixed-integer) ----------------------------------------------------------------


def test_unreachable_minimum_package_gets_nothing_with_the_reason():
    result = run([lot()], [supply(1, "40", floor="10"), supply(2, "100", floor="30")], terms=[terms(1, "50")])
    assert hours(result, 1) == 0 and hours(result, 2) == D("100.00")
    assert ("Lot 1: minimum package 50.00 h not reachable (at most 40.00 h available to this lot)."
            in said(result, 1))


def test_minimum_package_all_or_nothing_beside_a_cheaper_member():
    # Member 3 is cheaper but has 20 h. Member 2 must get 30 h or nothing: coverage comes first,
    # so member 2 gets its 30 h and the cheaper member the 10 h that are left.
    result = run([lot(volumes={DAY: "40"})], [supply(2, "40", floor="25"), supply(3, "20", floor="18")],
                 terms=[terms(2, "30")])
    assert hours(result, 2) == D("30.00") and hours(result, 3) == D("10.00")
    assert "Lot 1: minimum package 30.00 h met." in said(result, 2)


def test_minimum_package_left_out_when_the_demand_is_too_small_for_it():
    result = run([lot(volumes={DAY: "20"})], [supply(2, "40", floor="15"), supply(3, "20", floor="18")],
                 terms=[terms(2, "30")])
    assert hours(result, 2) == 0 and hours(result, 3) == D("20.00")
    assert any("minimum package 30.00 h not given" in line for line in said(result, 2))


def test_a_mixed_integer_solve_stopped_by_its_own_time_limit_returns_its_best_answer_and_its_gap(
        monkeypatch):
    lots, supplies, member_terms = instance(5)
    proven = run(lots, supplies, terms=member_terms)
    assert proven.gap == 0
    monkeypatch.setattr(allocation, "MIP_TIME_LIMIT", 0.0)
    stopped = run(lots, supplies, terms=member_terms)  # every constraint kept (see run)
    assert 0 < stopped.gap <= 1
    assert stopped.total <= proven.total


def test_minimum_package_counts_hours_across_bands_and_areas():
    result = run([lot(volumes={DAY: "6", WEEKEND: "6"}, areas=(CARDIFF, NEWPORT))],
                 [supply(1, "3", floor="20"), supply(1, "3", band=WEEKEND, area=NEWPORT, floor="20"),
                  supply(2, "20", floor="30"), supply(2, "20", band=WEEKEND, floor="30")],
                 terms=[terms(1, "6")])
    assert hours(result, 1) == D("6.00") and hours(result, 2) == D("6.00")


# -- Welsh language ----------------------------------------------------------------------------------


def test_welsh_share_met_by_welsh_capable_hours():
    result = run([lot(welsh="30")], [supply(1, "100", floor="15"), supply(2, "100", floor="25", welsh="100")])
    assert hours(result, 2) == D("30.00") and hours(result, 1) == D("70.00")
    assert result.welsh_shortfalls == {}


def test_welsh_share_counts_a_members_welsh_speaking_share_of_its_hours():
    result = run([lot(welsh="30")], [supply(1, "100", floor="15"), supply(2, "100", floor="25", welsh="50")])
    assert hours(result, 2) == D("60.00") and hours(result, 1) == D("40.00")


def test_welsh_shortfall_reported_when_it_cannot_be_met_and_coverage_comes_first():
    result = run([lot(welsh="30")], [supply(1, "100", floor="15"), supply(2, "10", floor="25", welsh="100")])
    assert result.coverage[(1, DAY)] == D("100.00")
    assert hours(result, 2) == D("10.00")
    assert result.welsh_shortfalls == {1: D("20.00")}


def count_solves(monkeypatch) -> list[int]:
    calls = []
    real = allocation._highs_run

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(allocation, "_highs_run", counted)
    return calls


def test_no_welsh_solve_when_the_coverage_answer_already_meets_every_welsh_share(monkeypatch):
    calls = count_solves(monkeypatch)
    result = run([lot(welsh="30")],
                 [supply(1, "60", floor="15", welsh="100"), supply(2, "60", floor="25", welsh="100")])
    assert result.welsh_shortfalls == {}
    assert hours(result, 1) == D("60.00") and hours(result, 2) == D("40.00")
    assert len(calls) == 2  # coverage, then the strategy: no Welsh phase was needed


def test_coverage_still_comes_first_when_welsh_hours_would_rather_drop_a_member(monkeypatch):
    calls = count_solves(monkeypatch)
    # Dropping an hour of member 1 would save half an hour of Welsh shortfall; the Welsh phase
    # only moves within the coverage phase's optimal face (its columns and rows with a non-zero
    # reduced cost or dual fixed), so coverage stays whole.
    result = run([lot(welsh="50")], [supply(1, "100", floor="15"), supply(2, "20", floor="25", welsh="100")])
    assert result.coverage == {(1, DAY): D("100.00")} and result.welsh_shortfalls == {1: D("30.00")}
    assert len(calls) == 3  # coverage, Welsh, the strategy


def test_only_capacity_for_the_lots_service_areas_and_bands_is_used():
    lots = [LotDemand(1, frozenset({CARDIFF}), HOMECARE, {DAY: D("100"), WEEKEND: D("0")})]
    supplies = [supply(1, "30", floor="15"), supply(2, "50", floor="20"),
                # another service, another area, a band the lot asks nothing of:
                MemberSupply(3, CARDIFF, HOMECARE + 1, DAY, D("100"), D("100"), floor=D("1")),
                supply(4, "100", area=NEWPORT, floor="1"), supply(5, "100", band=WEEKEND, floor="1")]
    result = run(lots, supplies)
    assert {share.member for share in result.shares} == {1, 2}
    assert result.shortfalls == (Shortfall(1, DAY, D("20.00")),)


# -- strategies ----------------------------------------------------------------------------------------


def test_lowest_cost_picks_the_cheapest_floor():
    result = run([lot(volumes={DAY: "50"})], [supply(1, "40", floor="21.00"), supply(2, "40", floor="19.20")])
    assert hours(result, 2) == D("40.00") and hours(result, 1) == D("10.00")
    assert "Lot 1: lowest floor £19.20 in area 10 weekday day." in said(result, 2)
    assert "Lot 1: floor £21.00 in area 10 weekday day; the lowest is £19.20." in said(result, 1)


def test_floors_are_read_by_coordinators_the_member_itself_and_never_the_board():
    result = run([lot(volumes={DAY: "50"})], [supply(1, "40", floor="21.00"), supply(2, "40", floor="19.20")])
    own = said(result, 1, view=allocation.OWN)
    assert "Lot 1: floor £21.00 in area 10 weekday day; members with a lower floor come first." in own
    assert not any("19.20" in line for line in own)
    for member in (1, 2):
        board = said(result, member, view=allocation.BOARD)
        assert not any("21.00" in line or "19.20" in line for line in board), board
        assert any("price limited by members' floors" in line for line in board)
        assert any("40.00 h a week allocated" in line or "10.00 h a week allocated" in line for line in board)


def test_the_board_reads_no_members_capacity_package_or_declared_hours():
    result = run([lot(volumes={DAY: "60"})], [supply(1, "17.50", declared="33.33", floor="10"),
                                              supply(2, "100", declared="91.11", floor="30")],
                 terms=[terms(1, "12.25", "17.50")], strategy=Strategy.FAIR_SHARE)
    full = " ".join(said(result, 1))
    assert "12.25" in full and "33.33" in full
    board = " ".join(said(result, 1, view=allocation.BOARD) + said(result, 2, view=allocation.BOARD))
    assert not any(figure in board for figure in ("17.50", "12.25", "33.33", "91.11", "124.44"))
    assert "124.44" not in " ".join(said(result, 1, view=allocation.OWN))


def test_reasons_survive_a_round_trip_through_json():
    result = run([lot(volumes={DAY: "50"})], [supply(1, "40", floor="21.00"), supply(2, "40", floor="19.20")])
    stored = [reason.as_json() for reason in result.reasons[1]]
    assert [allocation.Reason.from_json(data) for data in stored] == result.reasons[1]
    assert explain([allocation.Reason.from_json({"code": "no-such-code", "lot": 1})]) == [
        "Lot 1: a reason this version cannot show; run the allocation again to see why."]


def test_lowest_cost_counts_a_member_without_a_floor_as_most_expensive():
    result = run([lot(volumes={DAY: "50"})], [supply(1, "40"), supply(2, "40", floor="99")])
    assert hours(result, 2) == D("40.00") and hours(result, 1) == D("10.00")
    assert any("counted as the most expensive" in line for line in said(result, 1))


def test_lowest_cost_is_per_time_band():
    result = run([lot(volumes={DAY: "10", WEEKEND: "10"})],
                 [supply(1, "10", floor="20"), supply(1, "10", band=WEEKEND, floor="30"),
                  supply(2, "10", floor="22"), supply(2, "10", band=WEEKEND, floor="24")])
    assert {(s.member, s.time_band) for s in result.shares} == {(1, DAY), (2, WEEKEND)}


def test_fair_share_splits_in_proportion_to_declared_capacity():
    result = run([lot(volumes={DAY: "60"})], [supply(1, "100", declared="30", floor="10"),
                                              supply(2, "100", declared="90", floor="30")],
                 strategy=Strategy.FAIR_SHARE)
    assert hours(result, 1) == D("15.00") and hours(result, 2) == D("45.00")
    assert ("Lot 1: fair share of weekday day 15.00 h (declared 30.00 h of 120.00 h)."
            in said(result, 1))


def test_fair_share_thirds_round_to_the_demand_exactly():
    result = run([lot(volumes={DAY: "10"})], [supply(m, "10") for m in (1, 2, 3)],
                 strategy=Strategy.FAIR_SHARE)
    assert sorted(s.volume for s in result.shares) == [D("3.33"), D("3.33"), D("3.34")]
    assert result.coverage[(1, DAY)] == D("10.00")


def test_local_first_prefers_members_based_in_the_area():
    result = run([lot(volumes={DAY: "50"})],
                 [supply(1, "100", floor="10"), supply(2, "30", floor="30", local=True)],
                 strategy=Strategy.LOCAL_FIRST)
    assert hours(result, 2) == D("30.00") and hours(result, 1) == D("20.00")
    assert any("based in area 10: local members come first" in line for line in said(result, 2))


def test_ties_go_to_the_lower_member_id():
    result = run([lot(volumes={DAY: "50"})], [supply(7, "40", floor="20"), supply(3, "40", floor="20")])
    assert hours(result, 3) == D("40.00") and hours(result, 7) == D("10.00")


# -- opting in, declines and kept shares ------------------------------------------------------------------


def test_only_opted_in_and_not_excluded_members_get_work():
    lots = [lot(members={1, 2, 3})]
    result = run(lots, [supply(1, "40"), supply(2, "40"), supply(3, "40"), supply(4, "40")],
                 excluded_members={2})
    assert hours(result, 2) == 0 and hours(result, 4) == 0
    assert hours(result, 1) == D("40.00") and hours(result, 3) == D("40.00")
    assert said(result, 2) == ["Left out of this allocation (declined or withdrawn)."]


def test_kept_shares_stay_and_the_rest_is_reoptimised():
    supplies = [supply(1, "60", floor="30"), supply(2, "60", floor="10"), supply(3, "60", floor="20")]
    kept = [Share(1, 1, CARDIFF, DAY, D("25.00"))]
    result = run([lot()], supplies, excluded_members={2}, fixed=kept)
    assert hours(result, 1) == D("25.00") and hours(result, 3) == D("60.00") and hours(result, 2) == 0
    assert result.shortfalls == (Shortfall(1, DAY, D("15.00")),)
    assert "Lot 1: 25.00 h kept as already accepted." in said(result, 1)


def test_kept_shares_that_cannot_be_honoured_are_refused():
    with pytest.raises(ValueError, match="kept shares .* only 20.00 h available"):
        allocate(lots=[lot()], supplies=[supply(1, "20")], strategy="fair_share",
                 fixed=[Share(1, 1, CARDIFF, DAY, D("25.00"))])
    with pytest.raises(ValueError, match="matches no capacity"):
        allocate(lots=[lot()], supplies=[supply(1, "20")], strategy="fair_share",
                 fixed=[Share(1, 1, NEWPORT, DAY, D("5.00"))])


# -- malformed input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lots", "supplies", "terms_", "message"), [
    ([lot(volumes={DAY: "-1"})], [], [], "must not be negative"),
    ([lot(volumes={"dawn": "1"})], [], [], "unknown time band 'dawn'"),
    ([lot()], [supply(1, "-5")], [], "must not be negative"),
    ([lot()], [supply(1, "5", band="dusk")], [], "unknown time band 'dusk'"),
    ([lot()], [supply(1, "5"), supply(1, "6")], [], "given twice"),
    ([lot(), lot()], [], [], "lot 1 is given twice"),
    ([lot(welsh="101")], [], [], "at most 100"),
    ([lot()], [], [terms(1, "10", "5")], "above maximum package"),
    ([LotDemand(1, frozenset({1}), 1, {DAY: 1.5})], [], [], "must be a Decimal"),
])
def test_malformed_input_is_refused_clearly(lots, supplies, terms_, message):
    with pytest.raises(ValueError, match=message):
        allocate(lots=lots, supplies=supplies, terms=terms_, strategy=Strategy.LOWEST_COST)


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown strategy"):
        allocate(lots=[lot()], supplies=[], strategy="cheapest")


# -- check_shares ------------------------------------------------------------------------------------------


CHECK_LOTS = [lot(1, {DAY: "50"}, cap="60", welsh="20", members={1, 2, 3}),
              lot(2, {DAY: "50"}, areas=(CARDIFF, NEWPORT))]
CHECK_SUPPLIES = [supply(1, "40", welsh="100"), supply(2, "100"), supply(3, "100", welsh="100")]
CHECK_TERMS = [terms(2, "20", "35")]


def check(*shares):
    return check_shares(lots=CHECK_LOTS, supplies=CHECK_SUPPLIES, terms=CHECK_TERMS,
                        shares=[Share(lot_, m, area, band, D(v)) for lot_, m, area, band, v in shares])


def test_check_shares_accepts_a_valid_adjustment():
    assert check((1, 1, CARDIFF, DAY, "20"), (1, 2, CARDIFF, DAY, "30"), (2, 3, CARDIFF, DAY, "50")) == []


@pytest.mark.parametrize(("shares", "reason"), [
    ([(1, 3, CARDIFF, DAY, "25"), (1, 2, CARDIFF, DAY, "25"), (1, 1, CARDIFF, DAY, "10")],
     "Lot 1, weekday day: 60.00 h allocated but only 50.00 h asked for; remove 10.00 h."),
    ([(1, 1, CARDIFF, DAY, "30"), (2, 1, CARDIFF, DAY, "20")],
     "Member 1, area 10 weekday day: 50.00 h allocated (lots 1, 2) but only 40.00 h available; "
     "remove 10.00 h."),
    ([(2, 1, CARDIFF, DAY, "45")],
     "Member 1, area 10 weekday day: 45.00 h allocated (lot 2) but only 40.00 h available; remove 5.00 h."),
    ([(1, 3, CARDIFF, DAY, "31")], "Member 3 has 31.00 h in lot 1, above the lot cap of 60% (30.00 h)."),
    ([(2, 2, CARDIFF, DAY, "36")], "Member 2 has 36.00 h in lot 2, above its maximum package of 35.00 h."),
    ([(2, 2, CARDIFF, DAY, "5")],
     "Member 2 has 5.00 h in lot 2, below its minimum package of 20.00 h: give it at least that or nothing."),
    ([(1, 2, CARDIFF, DAY, "30")], "Lot 1 needs 20% of its hours Welsh-capable; it is 6.00 h short."),
    ([(3, 1, CARDIFF, DAY, "1")], "Lot 3 is not in this bid."),
    ([(1, 1, NEWPORT, DAY, "1")], "Lot 1 does not cover area 11."),
    ([(1, 1, CARDIFF, WEEKEND, "1")], "Lot 1 asks for nothing in weekend."),
    ([(2, 1, NEWPORT, DAY, "1")], "Member 1 has no capacity for lot 2's service in area 11 weekday day."),
    ([(1, 4, CARDIFF, DAY, "1")], "Member 4 is not taking part in lot 1."),
    ([(2, 1, CARDIFF, DAY, "-1")], "Member 1 in lot 2, area 10 weekday day: the volume cannot be negative."),
    ([(2, 1, CARDIFF, DAY, "1.005")],
     "Member 1 in lot 2, area 10 weekday day: give the volume to the hundredth of an hour at most."),
    ([(2, 1, CARDIFF, DAY, "1"), (2, 1, CARDIFF, DAY, "2")],
     "Member 1 in lot 2, area 10 weekday day is given twice."),
])
def test_check_shares_refuses_each_kind_of_breach_with_its_reason(shares, reason):
    assert check(*shares) == [reason]


def test_check_shares_names_areas_and_bands_when_told():
    problems = check_shares(lots=CHECK_LOTS, supplies=CHECK_SUPPLIES, terms=CHECK_TERMS,
                            shares=[Share(1, 1, NEWPORT, DAY, D("1"))], area_names={NEWPORT: "Casnewydd"},
                            band_names={DAY: "Weekday daytime"})
    assert problems == ["Lot 1 does not cover Casnewydd."]


# -- determinism -----------------------------------------------------------------------------------------


def instance(seed: int, members: int = 8, with_minimums: bool = True):
    rng = random.Random(seed)
    lots = [lot(1, {DAY: "120", WEEKEND: "40"}, areas=(CARDIFF, NEWPORT), welsh="25", cap="40"),
            lot(2, {DAY: "60", "night": "15"}, areas=(NEWPORT,))]
    supplies = []
    for member in range(1, members + 1):
        for area in (CARDIFF, NEWPORT):
            for band in (DAY, WEEKEND, "night"):
                if rng.random() < 0.6:
                    available = f"{rng.randint(0, 40)}.{rng.randint(0, 99):02d}"
                    supplies.append(supply(member, available, band=band, area=area, declared="45",
                                           welsh=str(rng.choice((0, 20, 100))),
                                           floor=rng.choice((None, "19.20", "21.50", "23.00")),
                                           local=area == (CARDIFF if member % 2 else NEWPORT)))
    member_terms = [terms(m, "12") for m in range(1, members + 1, 3)] if with_minimums else []
    return lots, supplies, member_terms


@pytest.mark.parametrize("strategy", list(Strategy))
def test_same_input_in_any_order_gives_the_same_result(strategy):
    lots, supplies, member_terms = instance(5)
    first = run(lots, supplies, terms=member_terms, strategy=strategy)
    rng = random.Random(9)
    for _ in range(2):
        rng.shuffle(lots)
        rng.shuffle(supplies)
        rng.shuffle(member_terms)
        again = allocate(lots=lots, supplies=supplies, terms=member_terms, strategy=strategy)
        assert again == first


STAGES = ("build", "coverage", "welsh", "strategy", "rounding", "explain", "done")


@pytest.mark.parametrize(("welsh", "with_minimums"), [("0", False), ("20", True)])
def test_progress_is_reported_stage_by_stage_and_ends_done(welsh, with_minimums):
    lots, supplies, member_terms = instance(4, with_minimums=with_minimums)
    lots = [LotDemand(lt.lot, lt.areas, lt.service, lt.volumes, D(welsh), lt.max_member_share) for lt in lots]
    seen = []
    result = allocate(lots=lots, supplies=supplies, terms=member_terms, strategy=Strategy.FAIR_SHARE,
                      progress=lambda fraction, stage: seen.append((fraction, stage)))
    fractions = [fraction for fraction, _stage in seen]
    assert fractions == sorted(fractions)
    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)
    assert seen[0] == (0.0, "build")
    assert seen[-1] == (1.0, "done")
    assert [stage for _f, stage in seen] == list(STAGES)  # every stage, in order, each once
    assert result.solver_seconds > 0
    # The callback changes nothing, and the time measured takes no part in equality.
    assert allocate(lots=lots, supplies=supplies, terms=member_terms, strategy=Strategy.FAIR_SHARE) == result


def test_progress_is_reported_even_with_nothing_to_allocate():
    seen = []
    result = allocate(lots=[lot()], supplies=[], strategy=Strategy.LOWEST_COST,
                      progress=lambda fraction, stage: seen.append((fraction, stage)))
    assert result.shares == ()
    assert [stage for _f, stage in seen] == list(STAGES)
    assert seen[-1] == (1.0, "done")
    assert result.solver_seconds == 0.0

# -- property test against an independent coverage LP ---------------------------------------------------


def reference_limits(lots, supplies, member_terms, columns, *, extra: int = 0) -> tuple[list, list]:
    """The rows (and right-hand sides) every reference model here shares, written separately from
    the engine: demand per lot and band, capacity per supply, and each member's cap and maximum
    package per lot; ``extra`` zero columns after the shares for a model's own variables."""
    pad = [0.0] * extra
    rows, bounds = [], []
    for lt in lots:
        for band, volume in lt.volumes.items():
            rows.append([1.0 if c[0] is lt and c[1].time_band == band else 0.0 for c in columns] + pad)
            bounds.append(float(volume))
    for s in supplies:
        rows.append([1.0 if c[1] is s else 0.0 for c in columns] + pad)
        bounds.append(float(s.available))
    maxima = {t.member: t.max_package for t in member_terms if t.max_package is not None}
    for lt in lots:
        for member in {s.member for s in supplies}:
            limits = [float(lt.max_member_share) * float(sum(lt.volumes.values())) / 100
                      if lt.max_member_share is not None else None,
                      float(maxima[member]) if member in maxima else None]
            limits = [x for x in limits if x is not None]
            if limits:
                rows.append([1.0 if c[0] is lt and c[1].member == member else 0.0 for c in columns] + pad)
                bounds.append(min(limits))
    return rows, bounds


def coverage_bound(lots, supplies, member_terms) -> float:
    """The most volume any allocation could cover: the coverage LP with capacity, demand, caps and
    maximum packages, but minimum packages relaxed and Welsh ignored (written separately here)."""
    columns = [(lt, s) for lt in lots for s in supplies
               if s.area in lt.areas and lt.volumes.get(s.time_band, 0) > 0
               and (lt.members is None or s.member in lt.members)]
    if not columns:
        return 0.0
    rows, bounds = reference_limits(lots, supplies, member_terms, columns)
    result = linprog(-np.ones(len(columns)), A_ub=np.array(rows), b_ub=np.array(bounds), bounds=(0, None),
                     method="highs")
    assert result.status == 0
    return -result.fun


def amounts(low: int = 0, high: int = 4000):
    return st.integers(low, high).map(lambda cents: D(cents) / 100)


@st.composite
def instances(draw):
    bands = draw(st.lists(st.sampled_from((DAY, WEEKEND, "night")), min_size=1, max_size=2, unique=True))
    lots = [LotDemand(lot=n, areas=frozenset(draw(st.sets(st.sampled_from((CARDIFF, NEWPORT)), min_size=1))),
                      service=HOMECARE, volumes={b: draw(amounts(1, 6000)) for b in bands},
                      welsh_share=D(draw(st.sampled_from((0, 0, 10, 50)))),
                      max_member_share=draw(st.sampled_from((None, None, D(35), D("62.5")))))
            for n in range(1, draw(st.integers(1, 2)) + 1)]
    supplies = []
    for member in range(1, draw(st.integers(1, 4)) + 1):
        for area in (CARDIFF, NEWPORT):
            for band in bands:
                if draw(st.booleans()):
                    available = draw(amounts())
                    supplies.append(MemberSupply(member, area, HOMECARE, band, available, available + 5,
                                                 D(draw(st.sampled_from((0, 30, 100)))),
                                                 draw(st.sampled_from((None, D("19.99"), D("22.40")))),
                                                 draw(st.booleans())))
    member_terms = [MemberTerms(m, draw(st.sampled_from((None, D(5), D("17.5")))),
                                draw(st.sampled_from((None, D(60))))) for m in range(1, 5)]
    return lots, supplies, member_terms, draw(st.sampled_from(list(Strategy)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_random_instances_keep_every_constraint_and_reach_the_coverage_bound(case):
    lots, supplies, member_terms, strategy = case
    result = run(lots, supplies, terms=member_terms, strategy=strategy)
    used = defaultdict(D)
    for share in result.shares:
        used[(share.member, share.area, share.time_band)] += share.volume
        assert share.volume > 0
    for s in supplies:
        assert used[(s.member, s.area, s.time_band)] <= s.available
    for key, covered in result.coverage.items():
        assert covered <= result.demand[key]
    covered = float(result.total)
    bound = coverage_bound(lots, supplies, member_terms)
    assert covered <= bound + 1e-6
    assert covered <= float(sum(s.available for s in supplies)) + 1e-6
    # Shares are in hundredths: at most a hundredth per lot and band is lost to rounding, and a
    # hundredth more per member in a capped lot, whose cap (a share of the lot) may fall between
    # two hundredths (35% of 0.02 h is 0.007 h: in hundredths, nothing).
    capped = {(lot.lot, s.member) for lot in lots if lot.max_member_share is not None
              for s in supplies if s.area in lot.areas and lot.volumes.get(s.time_band, 0) > 0}
    allowance = 0.01 * (len(result.coverage) + len(capped)) + 1e-6
    if all(t.min_package is None for t in member_terms):
        # An LP: the optimum, less what rounding loses.
        assert covered >= bound - allowance
    else:
        # Members without a minimum package alone cover at least what they could.
        minimums = {t.member for t in member_terms if t.min_package is not None}
        free = [s for s in supplies if s.member not in minimums]
        assert covered >= coverage_bound(lots, free, member_terms) - allowance


def test_a_stored_reason_with_a_figure_that_is_not_a_number_still_reads():
    reasons = [allocation.Reason("floor", 1, {"floor": "x", "best": "NaN", "area": 10, "band": DAY}),
               allocation.Reason("allocated", 1, {"hours": "abc"})]
    assert explain(reasons) == ["Lot 1: floor ? in area 10 weekday day; the lowest is ?.",
                                "Lot 1: nothing allocated."]


def least_fair_deviation(lots, supplies, member_terms, covered: float) -> float:
    """The least total absolute deviation from the fair share targets with coverage held at
    ``covered``: the textbook linearisation (a +/- pair per member, lot and band), written
    separately here. No Welsh shares and no minimum packages."""
    columns = [(lt, s) for lt in lots for s in supplies
               if s.area in lt.areas and lt.volumes.get(s.time_band, 0) > 0 and s.available > 0]
    triples = sorted({(lt.lot, s.time_band, s.member) for lt, s in columns})
    declared = defaultdict(D)
    for lt, s in columns:
        declared[(lt.lot, s.time_band, s.member)] += s.declared
    n, m = len(columns), len(triples)
    a_ub, b_ub = reference_limits(lots, supplies, member_terms, columns, extra=2 * m)
    a_ub.append([-1.0] * n + [0.0] * 2 * m)  # coverage held
    b_ub.append(-(covered - 1e-7))
    a_eq, b_eq = [], []
    by_lot = {lt.lot: lt for lt in lots}
    for i, (lot_number, band, member) in enumerate(triples):
        row = [1.0 if (c[0].lot, c[1].time_band, c[1].member) == (lot_number, band, member) else 0.0
               for c in columns] + [0.0] * 2 * m
        row[n + i], row[n + m + i] = -1.0, 1.0
        a_eq.append(row)
        whole = sum((v for (lo, b, _m), v in declared.items() if (lo, b) == (lot_number, band)), D(0))
        b_eq.append(float(by_lot[lot_number].volumes[band] * declared[(lot_number, band, member)] / whole))
    result = linprog([0.0] * n + [1.0] * 2 * m, A_ub=np.array(a_ub), b_ub=np.array(b_ub), A_eq=np.array(a_eq),
                     b_eq=np.array(b_eq), bounds=(0, None), method="highs")
    assert result.status == 0
    return result.fun, {key: b_eq[i] for i, key in enumerate(triples)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_fair_share_reaches_the_least_deviation_of_an_independent_model(case):
    lots, supplies, member_terms, _strategy = case
    lots = [LotDemand(lt.lot, lt.areas, lt.service, lt.volumes, D(0), lt.max_member_share) for lt in lots]
    member_terms = [MemberTerms(t.member, None, t.max_package) for t in member_terms]
    result = run(lots, supplies, terms=member_terms, strategy=Strategy.FAIR_SHARE)
    if not result.shares:
        return
    covered = coverage_bound(lots, supplies, member_terms)
    least, targets = least_fair_deviation(lots, supplies, member_terms, min(covered, float(result.total)))
    got = defaultdict(float)
    for share in result.shares:
        got[(share.lot, share.time_band, share.member)] += float(share.volume)
    deviation = sum(abs(got[key] - target) for key, target in targets.items())
    # Rounding to hundredths moves each share by a hundredth at most, each lot and band too.
    assert deviation <= least + 0.02 * (len(result.shares) + len(result.coverage)) + 1e-6
