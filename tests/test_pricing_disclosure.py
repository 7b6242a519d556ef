"""Disclosure control of cost-of-care statistics (pricing.statistics.disclose): no member, knowing
its own figures and everything it is shown, can work out another member's figure to within 5p.

The attacker. For one line (or the total) of a group of n members, a member sees what
``disclose`` gives and knows its own figure v. A world is any list of the other n - 1 members'
figures, in whole pence, at least 0, with which ``disclose`` gives exactly what was shown: every
such world is consistent with all the member knows. Members are anonymous in statistics, so the
others are named by rank: the k-th lowest of the others' figures is worked out to within 5p when,
over all consistent worlds, its highest and lowest values differ by 5p or less. (Naming them by
rank is the strongest attacker: it need not know which member is which.) Lines and the total are
each such a column; every place that shows statistics to non-coordinators shows these columns
(checked against the database below).

Two checkers, both using ``disclose`` itself as the judge of consistency:
- exhaustive (3 and 4 members): every multiset of others' figures in a range of pence around the
  population is tried; the range is finite, which can only narrow the widths found, so it errs
  towards failing. It finds the inversion the issue reported in the old rule (linear quartiles
  to the penny), which proves it has teeth;
- witnesses (3 to 8 members): for each rank, two consistent worlds whose figures at that rank
  differ by more than 5p. They are built from the bands the shown figures imply, propagated
  along the ranks, for every rank the attacker itself may hold, and each is verified with
  ``disclose``: a wrong guess of the bands can make the test fail, never pass wrongly.
"""

from __future__ import annotations

import importlib
import itertools
import random
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse

from pricing import statistics
from pricing.selectors import evidence as selectors
from tests.factories import MemberCoopFactory, service
from tests.pages import page_cells
from tests.pricing_factories import EVIDENCE_YEAR as YEAR
from tests.pricing_factories import evidence_submission as submit

WITHIN = 5  # pence: a figure known to within this is worked out
STEP = statistics.DISCLOSURE_STEP


def _widths(lowest: list[int], highest: list[int]) -> list[int]:
    return [high - low for low, high in zip(lowest, highest, strict=True)]


def exhaustive_widths(shown: dict, own: int, n: int, domain: range, rule=statistics.disclose) -> list[int]:
    """Per rank of the others, the spread of its figure over every consistent world whose figures
    all lie in ``domain``."""
    lowest, highest = [None] * (n - 1), [None] * (n - 1)
    for others in itertools.combinations_with_replacement(domain, n - 1):
        if rule([*others, own]) != shown:
            continue
        for k, value in enumerate(others):  # combinations come sorted
            lowest[k] = value if lowest[k] is None else min(lowest[k], value)
            highest[k] = value if highest[k] is None else max(highest[k], value)
    assert None not in lowest, "the true world must be consistent"
    return _widths(lowest, highest)


def _bands(shown: dict, n: int) -> dict[int, tuple[int, int]]:
    """Rank (from 0) -> the band of pence its figure lies in, as the published method says."""
    return {statistics.nearest_rank(q, n) - 1: (shown[name], shown[name] + STEP - 1)
            for name, (q, _fewest) in statistics.DISCLOSED.items() if shown[name] is not None}


def witness_widths(shown: dict, own: int, n: int, top: int) -> list[int]:
    """Per rank of the others, the spread between two verified consistent worlds (a lower bound of
    the true spread)."""
    bands = _bands(shown, n)
    lowest, highest = [None] * (n - 1), [None] * (n - 1)
    for mine in range(n):  # the rank the attacker's own figure may hold
        low, high = [0] * n, [top] * n
        for rank, (a, b) in [*bands.items(), (mine, (own, own))]:
            low[rank], high[rank] = max(low[rank], a), min(high[rank], b)
        for i in range(1, n):
            low[i] = max(low[i], low[i - 1])
        for i in range(n - 2, -1, -1):
            high[i] = min(high[i], high[i + 1])
        if any(a > b for a, b in zip(low, high, strict=True)):
            continue
        for world, keep in ((low, min), (high, max)):
            assert statistics.disclose(world) == shown, (world, shown)  # a real, consistent world
            others = world[:mine] + world[mine + 1:]
            target = lowest if keep is min else highest
            for k, value in enumerate(others):
                target[k] = value if target[k] is None else keep(target[k], value)
    assert None not in lowest, "the true world must be consistent"
    return _widths(lowest, highest)


def adversarial(n: int) -> list[list[int]]:
    """Populations of n figures in pence meant to pin someone."""
    base = 2500  # the bottom edge of a band: 2500 to 2509 pence show as 25.00
    return [
        [base + 4] * n,  # all equal
        [base] * n,  # all equal, at the bottom edge of a band
        [base + STEP - 1] * n,  # all equal, at the top edge of a band
        [2000] * (n // 2) + [2400] * (n - n // 2),  # two clusters
        [2000] * (n - 1) + [9000],  # one outlier
        [base + i for i in range(n)],  # 1p apart
        [base - 2 + i for i in range(n)],  # 1p apart across a band's edge
        [0] * n,  # a line nobody has (mileage)
        [0] * (n - 1) + [3],  # nearly nobody
        [1000 + STEP * i for i in range(n)],  # each in the next band
    ]


def populations() -> list[list[int]]:
    rng = random.Random(20261206)
    found = [pop for n in range(3, 9) for pop in adversarial(n)]
    for _ in range(60):
        n = rng.randint(3, 8)
        spread = rng.choice((3, 12, 40, 400, 2000))
        centre = rng.randint(500, 4000)
        found.append([max(0, centre + rng.randint(-spread, spread)) for _ in range(n)])
    return found


def test_no_member_works_out_another_members_figure_from_3_to_8_members():
    checked = 0
    for population in populations():
        n = len(population)
        shown = statistics.disclose(population)
        if shown["median"] is None:
            continue
        top = max(population) + 10_000
        for own in set(population):
            widths = witness_widths(shown, own, n, top)
            assert min(widths) > WITHIN, (population, own, shown, widths)
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("population", [
    [2500, 2500, 2500], [2509, 2509, 2509], [2504, 2504, 2504], [2498, 2499, 2500], [2490, 2500, 2510],
    [2480, 2500, 2519], [2499, 2500, 2501, 2502], [2500, 2500, 2509, 2509], [2490, 2495, 2500, 2510],
    [0, 0, 0], [0, 0, 0, 9],
])
def test_exhaustive_search_finds_no_figure_worked_out_from_3_or_4_members(population):
    n = len(population)
    shown = statistics.disclose(population)
    domain = range(max(0, min(population) - 12), max(population) + 13)
    for own in set(population):
        widths = exhaustive_widths(shown, own, n, domain)
        assert min(widths) > WITHIN, (population, own, shown, widths)


@pytest.mark.parametrize("population", [
    [2500, 2500, 2500, 2500], [2509, 2500, 2500, 2509], [2498, 2499, 2500, 2501], [2506, 2494, 2500, 2503],
])
def test_a_region_beside_all_wales_pins_no_one(population):
    """A member counts in all Wales and in each region it serves: here the first member serves no
    council of the region the three others serve, so everyone sees two groups, one inside the
    other. Others are named here (the attacker knows who serves where): for every other member,
    and every rank within each group, the spread over the worlds consistent with both is > 5p."""
    region = [1, 2, 3]
    shown = (statistics.disclose(population), statistics.disclose([population[i] for i in region]))
    domain = range(min(population) - 8, max(population) + 9)
    for attacker, own in enumerate(population):
        others = [i for i in range(4) if i != attacker]
        seen: dict = {}
        for values in itertools.product(domain, repeat=3):
            world = {**dict(zip(others, values, strict=True)), attacker: own}
            if (statistics.disclose(list(world.values())),
                    statistics.disclose([world[i] for i in region])) != shown:
                continue
            groups = {("all", k): v for k, v in enumerate(sorted(values))}
            inside = sorted(world[i] for i in region if i != attacker)
            groups |= {("region", k): v for k, v in enumerate(inside)}
            for key, value in [*world.items(), *groups.items()]:
                if key != attacker:
                    low, high = seen.get(key, (value, value))
                    seen[key] = (min(low, value), max(high, value))
        assert min(high - low for low, high in seen.values()) > WITHIN, (population, attacker)


def interpolated_to_the_penny(values) -> dict:
    """The old rule: quartiles and median by linear interpolation, rounded half up to the penny."""
    lq, median, uq = np.floor(np.quantile(sorted(values), [0.25, 0.5, 0.75]) + 0.5).astype(int)
    return {"members": len(values), "lower_quartile": int(lq), "median": int(median),
            "upper_quartile": int(uq)}


def test_the_checker_finds_the_inversion_of_interpolated_quartiles():
    # The attack: lowest = 2 x lower quartile - median, highest = 2 x upper quartile - median.
    population = [2013, 2027, 2046]
    shown = interpolated_to_the_penny(population)  # 20.20, 20.27, 20.37
    widths = exhaustive_widths(shown, 2013, 3, range(1990, 2070), rule=interpolated_to_the_penny)
    assert widths == [0, 1]  # the middle member to the penny, the highest to within a penny


def test_fewer_than_three_members_show_nothing_and_quartiles_need_five():
    assert statistics.disclose([2000, 2400]) == {
        "members": 2, "lower_quartile": None, "median": None, "upper_quartile": None}
    assert statistics.disclose([2013, 3106, 2347]) == {
        "members": 3, "lower_quartile": None, "median": 2340, "upper_quartile": None}
    assert statistics.disclose([2000, 2100, 2300, 2600, 3000, 2904]) == {
        "members": 6, "lower_quartile": 2100, "median": 2300, "upper_quartile": 2900}
    steps = [statistics.to_step(p) for p in (2499, 2500, 2509, 2510, 0, -1)]
    assert steps == [2490, 2500, 2500, 2510, 0, -10]


# --- every place that shows statistics to others uses the rule ------------------------------------


def test_board_sees_the_same_disclosed_figures_on_the_page_export_api_and_offer_evidence(
        world, client_for, api_for):
    # Three members: the old quartiles gave 2 x 21.80 - 23.47 = 20.13 and 2 x 27.27 - 23.47 = 31.07.
    third = MemberCoopFactory(consortium=world.consortium, councils_served=[world.council])
    for coop, total in ((world.coop_a, "20.13"), (world.coop_b, "23.47"), (third, "31.06")):
        submit(coop, total=total)
    exact = ("20.13", "23.47", "31.06", "21.80", "27.27", "27.26")
    query = {"financial_year": YEAR}

    page = client_for("member_a").get(reverse("cost-evidence"), query).content.decode()
    rows = {row[0]: row[1:] for row in page_cells(page)}
    assert rows["total"] == ["3", "", "23.40", ""]
    assert rows["contact_pay"] == ["3", "", "23.40", ""]
    assert 'id="disclosure-note"' in page
    exported = client_for("board").get(reverse("cost-evidence-export"), {**query, "file_format": "csv"})
    api = api_for("board").get("/api/v1/pricing/evidence/",
                               {"financial_year": YEAR, "service_type": service().pk}).json()
    assert (api["total"]["lower_quartile"], api["total"]["median"], api["total"]["upper_quartile"]) == (
        None, "23.40", None)
    snapshot = selectors.evidence_snapshot(consortium=world.consortium, service_type=service(),
                                           financial_year=YEAR)
    assert (snapshot["total"]["median"], snapshot["total"]["lower_quartile"]) == ("23.40", None)
    for text in (page, exported.content.decode(), str(api), str(snapshot)):
        for figure in exact:
            assert figure not in text
    coordinator = selectors.cost_evidence(viewer=world.user("coordinator"), consortium=world.consortium,
                                          service_type=service(), financial_year=YEAR)
    assert (coordinator.total.minimum, coordinator.total.median) == (Decimal("20.13"), Decimal("23.47"))


def test_evidence_attached_to_offers_before_the_rule_is_coarsened_by_the_migration(world):
    from django.apps import apps

    from pricing.models import NegotiationRound
    from pricing.services import negotiations

    coordinator = world.user("coordinator")
    negotiation = negotiations.negotiation_open(consortium=world.consortium, council=world.council,
                                                service_type=service(), financial_year=YEAR, by=coordinator)
    round_ = negotiations.opening_position_propose(
        negotiation=negotiation, rates={"weekday_day": Decimal("27.50")}, rationale="Members' costs",
        by=coordinator)
    old = {"count": 3, "lower_quartile": "21.80", "median": "23.47", "upper_quartile": "27.27",
           "suppressed": False}
    NegotiationRound.objects.filter(pk=round_.pk).update(evidence={
        "kind": "cost_of_care_evidence", "members": 3, "lines": [{"code": "contact_pay", **old}],
        "total": old, "sum_of_line_medians": "23.47", "difference": "0.00", "reference_price": None})
    migration = importlib.import_module(
        "pricing.migrations.0005_evidence_already_attached_disclosed_by_the_new_rule")
    migration.forwards(apps, None)
    evidence = NegotiationRound.objects.get(pk=round_.pk).evidence
    coarse = {"count": 3, "lower_quartile": None, "median": "23.40", "upper_quartile": None,
              "suppressed": False}
    assert evidence["total"] == coarse and evidence["lines"] == [{"code": "contact_pay", **coarse}]
    assert (evidence["sum_of_line_medians"], evidence["difference"]) == ("23.40", "0.00")
    for figure in ("21.80", "23.47", "27.27"):
        assert figure not in str(evidence)
