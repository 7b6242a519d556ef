"""The STV count (governance/stv.py): a published worked count reproduced stage by stage, the
Order's arithmetic, and properties that hold for any ballots."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from governance import stv

D = Decimal
B = stv.Ballot
FOODS = ["Oranges", "Pears", "Chocolate", "Strawberries", "Sweets"]


def food_ballots() -> list[stv.Ballot]:
    return ([B(("Oranges",))] * 4 + [B(("Pears", "Oranges"))] * 2
            + [B(("Chocolate", "Strawberries"))] * 8 + [B(("Chocolate", "Sweets"))] * 4
            + [B(("Strawberries",))] + [B(("Sweets",))])


def test_the_food_election_of_the_published_example_stage_by_stage():
    """The worked example of the English Wikipedia article "Single transferable vote", section
    "Example" (https://en.wikipedia.org/wiki/Single_transferable_vote#Example, as also published
    at https://www.liquisearch.com/single_transferable_vote/example, and shipped as the
    ``food_election`` data set of the R package ``vote``): 20 guests choose 3 of Oranges,
    Pears, Chocolate, Strawberries and Sweets. Droop quota 6.

    Round 1: Oranges 4, Pears 2, Chocolate 12, Strawberries 1, Sweets 1; Chocolate elected.
    Round 2: Chocolate's surplus of 6 goes to Strawberries (8 x 6/12 = 4) and Sweets
    (4 x 6/12 = 2): Chocolate 6, Strawberries 5, Sweets 3; no one reaches the quota, Pears
    (fewest) excluded.
    Round 3: Pears' 2 go to Oranges: Oranges 6, elected with no surplus.
    Round 4: Sweets (3) excluded; Strawberries (5) win the last seat.
    Result: Chocolate, Oranges, Strawberries.
    """
    result = stv.count(seats=3, candidates={c: "" for c in FOODS}, ballots=food_ballots())

    assert result.quota == 6
    assert result.valid_votes == 20
    assert result.elected == ["Chocolate", "Oranges", "Strawberries"]
    assert len(result.stages) == 4

    def votes(stage):
        return {c: stage.votes[c] for c in FOODS}

    one, two, three, four = result.stages
    assert one.kind == "first_preferences"
    assert votes(one) == {"Oranges": 4, "Pears": 2, "Chocolate": 12, "Strawberries": 1, "Sweets": 1}
    assert one.elected == ["Chocolate"]

    assert (two.kind, two.candidates, two.transfer_value) == ("surplus", ["Chocolate"], D("0.5"))
    assert votes(two) == {"Oranges": 4, "Pears": 2, "Chocolate": 6, "Strawberries": 5, "Sweets": 3}
    assert two.elected == []
    assert two.non_transferable == 0

    assert (three.kind, three.candidates) == ("exclusion", ["Pears"])
    assert votes(three) == {"Oranges": 6, "Pears": 0, "Chocolate": 6, "Strawberries": 5, "Sweets": 3}
    assert three.elected == ["Oranges"]

    assert (four.kind, four.candidates, four.transferred) == ("exclusion", ["Sweets"], False)
    assert votes(four) == {"Oranges": 6, "Pears": 0, "Chocolate": 6, "Strawberries": 5, "Sweets": 3}
    assert four.elected == ["Strawberries"]
    assert all(not s.lots for s in result.stages)


def test_the_count_sheet_is_json():
    sheet = stv.count(seats=3, candidates={c: "" for c in FOODS}, ballots=food_ballots()).as_json()
    assert sheet["method"] == "scottish_stv_2007"
    assert sheet["quota"] == "6"
    assert sheet["stages"][1]["votes"]["Strawberries"] == "5.00000"
    assert sheet["stages"][1]["transfer_value"] == "0.50000"


def test_transfer_values_are_truncated_to_five_places_and_the_rest_is_non_transferable():
    # quota for 2 seats of 7 is 3; A holds 4, a surplus of 1 over 4 papers: 0.25 each, and the
    # paper with no further preference is non-transferable
    ballots = [B(("A", "B"))] * 3 + [B(("A",))] + [B(("C",))] * 2 + [B(("D",))]
    surplus = stv.count(seats=2, candidates={c: "" for c in "ABCD"}, ballots=ballots).stages[1]
    assert surplus.transfer_value == D("0.25")
    assert surplus.votes["B"] == D("0.75")
    assert surplus.non_transferable == D("0.25")
    # quota for 2 seats of 4 is 2; A holds 3, a surplus of 1 over 3: 0.33333 each, 0.00001 lost
    ballots = [B(("A", "B"))] * 3 + [B(("C",))]
    result = stv.count(seats=2, candidates={c: "" for c in "ABCD"}, ballots=ballots)
    assert result.quota == 2
    assert result.stages[1].transfer_value == D("0.33333")
    assert result.stages[1].votes["B"] == D("0.99999")
    assert result.stages[1].non_transferable == D("0.00001")


def test_weights_count_and_a_ballot_keeps_its_value_when_received():
    ballots = [B(("A", "B"), D("3")), B(("C",), D("1")), B(("B",), D("0.5"))]
    result = stv.count(seats=1, candidates={c: "" for c in "ABC"}, ballots=ballots)
    assert result.valid_votes == D("4.5")
    assert result.quota == 3  # floor(4.5 / 2) + 1
    assert result.elected == ["A"]


def test_a_tie_for_exclusion_is_broken_by_the_first_stage_at_which_votes_differed():
    # 16 votes, 2 seats: quota 6. A's surplus of 2 over 8 papers (0.25 each) brings C from 1 to
    # 3, level with B; B had more at stage 1, so C is excluded.
    ballots = [B(("A", "C"))] * 8 + [B(("B",))] * 3 + [B(("C",))] + [B(("D",))] * 4
    result = stv.count(seats=2, candidates={c: "" for c in "ABCD"}, ballots=ballots)
    assert result.quota == 6
    assert result.stages[1].votes["B"] == result.stages[1].votes["C"] == 3
    assert result.stages[2].candidates == ["C"]
    assert result.stages[2].lots == []


def test_a_tie_at_every_stage_is_drawn_by_a_deterministic_lot():
    tie = [B(("A",)), B(("B",)), B(("C",))]
    first = stv.count(seats=1, candidates={c: "" for c in "ABC"}, ballots=tie, seed="42")
    again = stv.count(seats=1, candidates={c: "" for c in "ABC"}, ballots=list(reversed(tie)), seed="42")
    assert first.as_json() == again.as_json()
    assert first.stages[1].lots == ["A", "B", "C"]


def test_a_reserved_seat_goes_to_its_class_even_against_more_votes():
    candidates = {"W1": "worker", "W2": "worker", "W3": "worker", "U1": "user_led"}
    ballots = [B(("W1",))] * 10 + [B(("W2",))] * 9 + [B(("W3",))] * 8 + [B(("U1",))] * 2
    open_result = stv.count(seats=3, candidates=candidates, ballots=ballots)
    assert set(open_result.elected) == {"W1", "W2", "W3"}
    reserved = stv.count(seats=3, candidates=candidates, ballots=ballots, reserved_seats={"user_led": 1})
    assert "U1" in reserved.elected and len(reserved.elected) == 3
    barred = [s for s in reserved.stages if s.reason == "reserved_seats"]
    assert barred and barred[0].candidates == ["W3"]


def test_a_reservation_nobody_stands_for_lapses():
    candidates = {"W1": "worker", "W2": "worker"}
    ballots = [B(("W1",))] * 3 + [B(("W2",))] * 2
    result = stv.count(seats=2, candidates=candidates, ballots=ballots, reserved_seats={"user_led": 1})
    assert sorted(result.elected) == ["W1", "W2"]


def test_no_ballots_still_fills_the_seats_by_lot():
    result = stv.count(seats=2, candidates={c: "" for c in "ABC"}, ballots=[], seed="7")
    assert len(result.elected) == 2
    assert result.quota == 1


# --- properties ----------------------------------------------------------------------------

CLASSES = ["worker", "user_led", "multi_stakeholder"]


@st.composite
def elections(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    ids = [f"c{i}" for i in range(n)]
    classes = {c: draw(st.sampled_from(CLASSES)) for c in ids}
    seats = draw(st.integers(min_value=1, max_value=5))
    weights = st.sampled_from([D("1"), D("1"), D("2"), D("0.5"), D("33.333333")])
    ballots = draw(st.lists(
        st.builds(B, st.permutations(ids).flatmap(
            lambda p: st.integers(min_value=0, max_value=len(p)).map(lambda k: tuple(p[:k]))),
            weights),
        max_size=25))
    reserved = draw(st.dictionaries(st.sampled_from(CLASSES), st.integers(min_value=0, max_value=2),
                                    max_size=2))
    return seats, classes, ballots, reserved


@settings(max_examples=150, deadline=None)
@given(elections())
def test_it_elects_exactly_the_seats_or_every_candidate(election):
    seats, classes, ballots, reserved = election
    result = stv.count(seats=seats, candidates=classes, ballots=ballots, reserved_seats=reserved)
    assert len(result.elected) == min(seats, len(classes))
    assert len(set(result.elected)) == len(result.elected)


@settings(max_examples=150, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_does_not_matter(election, rnd: random.Random):
    seats, classes, ballots, reserved = election
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    a = stv.count(seats=seats, candidates=classes, ballots=ballots, reserved_seats=reserved, seed="9")
    b = stv.count(seats=seats, candidates=classes, ballots=shuffled, reserved_seats=reserved, seed="9")
    assert a.as_json() == b.as_json()


@settings(max_examples=150, deadline=None)
@given(elections())
def test_a_quota_of_first_preferences_elects(election):
    seats, classes, ballots, _ = election
    result = stv.count(seats=seats, candidates=classes, ballots=ballots)
    for c in classes:
        if result.stages[0].votes[c] >= result.quota:
            assert c in result.elected


@settings(max_examples=150, deadline=None)
@given(elections())
def test_reserved_seats_are_filled_where_candidates_stand(election):
    seats, classes, ballots, reserved = election
    result = stv.count(seats=seats, candidates=classes, ballots=ballots, reserved_seats=reserved)
    total_reserved = 0
    for k, n in reserved.items():
        standing = sum(1 for c in classes if classes[c] == k)
        owed = min(n, standing)
        total_reserved += owed
        got = sum(1 for c in result.elected if classes[c] == k)
        if sum(min(m, sum(1 for c in classes if classes[c] == j)) for j, m in reserved.items()) <= seats:
            assert got >= owed
    assert len(result.elected) <= seats


@settings(max_examples=100, deadline=None)
@given(elections())
def test_votes_are_conserved_at_every_stage(election):
    seats, classes, ballots, reserved = election
    result = stv.count(seats=seats, candidates=classes, ballots=ballots, reserved_seats=reserved)
    for stage in result.stages:
        assert sum(stage.votes.values()) + stage.non_transferable == result.valid_votes
