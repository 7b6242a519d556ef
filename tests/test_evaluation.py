"""Scoring bids for a lot (contracts.evaluation.engine): the usual formula, traceable and exact."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from contracts.evaluation.engine import Candidate, Weights, score_lot, weighted_price

VOLUMES = {"weekday_day": D("100"), "weekend": D("20")}
QUESTIONS = {1: 10, 2: 5}
WEIGHTS = Weights(price=40, quality=50, social_value=10)


def _score(*candidates):
    return {s.key: s for s in score_lot(weights=WEIGHTS, volumes=VOLUMES, questions=QUESTIONS,
                                        candidates=candidates)}


def test_the_lowest_price_takes_the_whole_price_weight_and_others_in_proportion():
    scores = _score(
        Candidate("a", "Cwmni A", {"weekday_day": D("20"), "weekend": D("25")}, {1: 7, 2: 3}, D("50")),
        Candidate("b", "Consortiwm B", {"weekday_day": D("22"), "weekend": D("24")}, {1: 9, 2: 5}, D("80")),
    )
    a, b = scores["a"], scores["b"]
    # A: (20 x 100 + 25 x 20) / 120 = 20.8333; B: (22 x 100 + 24 x 20) / 120 = 22.3333
    assert a.price_score == D("40.00")
    assert b.price_score == D("37.31")  # 2500 / 2680 x 40
    assert a.quality_score == D("33.33") and b.quality_score == D("46.67")  # 10/15, 14/15 of 50
    assert a.social_value_score == D("5.00") and b.social_value_score == D("8.00")
    assert a.total == D("78.33")
    assert b.total == D("91.98")  # the unrounded scores summed, rounded once
    assert (b.rank, a.rank) == (1, 2)
    assert b.workings["price"] == "20.83 / 22.33 x 40 = 37.31"
    assert not a.missing and not b.missing


def test_the_price_is_weighted_by_the_lots_volume_per_band():
    assert weighted_price({"weekday_day": D("20"), "weekend": D("26")}, VOLUMES) == D("21")
    assert weighted_price({"weekday_day": D("20")}, VOLUMES) is None  # the weekend is not priced


def test_unscored_parts_count_as_zero_and_are_reported():
    scores = _score(Candidate("a", "A", {"weekday_day": D("20")}, {1: 8}))
    a = scores["a"]
    assert a.price_score == D("0.00")
    assert set(a.missing) == {"price", "question:2", "social_value"}
    assert a.quality_score == D("26.67")  # 8 / 15 x 50


def test_equal_totals_share_a_rank_and_list_cheaper_first():
    scores = score_lot(weights=Weights(100, 0, 0), volumes={"weekday_day": D("10")}, questions={},
                       candidates=[Candidate("x", "X", {"weekday_day": D("20")}),
                                   Candidate("y", "Y", {"weekday_day": D("20")}),
                                   Candidate("z", "Z", {"weekday_day": D("25")})])
    assert [(s.key, s.rank) for s in scores] == [("x", 1), ("y", 1), ("z", 3)]


@pytest.mark.parametrize("weights", [(50, 40, 0), (-10, 60, 50)])
def test_weights_must_be_non_negative_and_sum_to_100(weights):
    with pytest.raises(ValueError):
        Weights(*weights)


def test_a_mark_above_the_questions_maximum_is_refused():
    with pytest.raises(ValueError, match="outside 0 to 5"):
        _score(Candidate("a", "A", {"weekday_day": D("20"), "weekend": D("20")}, {1: 5, 2: 6}))


def test_scores_freeze_to_json_ready_strings():
    (only,) = score_lot(weights=WEIGHTS, volumes=VOLUMES, questions=QUESTIONS, candidates=[
        Candidate("a", "A", {"weekday_day": D("20"), "weekend": D("20")}, {1: 10, 2: 5}, D("100"))])
    frozen = only.as_dict()
    assert frozen["total"] == "100.00" and frozen["price"] == "20.00" and frozen["rank"] == 1
