"""What a member sees of the benchmarks discloses no other member's figure, and no person.

The attacker (as tests/test_pricing_disclosure.py for costs). For one figure of one period, a
member sees the consortium's distribution (``outcomes.figures.disclosed``: members, and the
nearest-rank lower quartile, median and upper quartile rounded down to a whole percentage point,
where at least five members contribute) and knows its own figure. A world is any list of the other
members' figures (whole tenths of a percent, 0 to 1000 for a rate) with which the rule shows
exactly what was shown. The k-th lowest of the others' figures is worked out when, over all
consistent worlds, it spans half a step (5 tenths) or less. Two checkers, both judged by the rule
itself: exhaustive (5 members, every multiset of others' figures in a window) and witnesses (5 to
8 members: for each rank two verified consistent worlds more than half a step apart).

Then the pages: a member's page and downloads hold no other member's figure or name; people-based
figures are suppressed below five people's reviews; the board sees no names unless the rules say
so; another consortium, council reviewers and applicants see nothing of it.
"""

from __future__ import annotations

import io
import itertools
import random
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from conftest import build_world
from governance.forms import RULE_CHOICES
from governance.models import GovernanceRules
from governance.selectors.rules import rules_in_force
from governance.services.meetings import RULE_FIELDS, clean_rules_change
from outcomes import disclosure
from outcomes import figures as fig
from outcomes.selectors import benchmarks as selectors
from pricing import statistics
from tests.factories import member_user
from tests.outcomes_benchmark_factories import seed_population
from tests.shared_rows import rows_for_the_module

STEP = disclosure.RATE_STEP
WITHIN = STEP // 2  # half a step: a figure known to within this is worked out
TOP = 1000


def rate_rule(values):
    return fig.disclosed(values, "outcomes_met")


def _widths(lowest, highest):
    return [high - low for low, high in zip(lowest, highest, strict=True)]


def _bands(shown: dict, n: int) -> dict[int, tuple[int, int]]:
    return {statistics.nearest_rank(q, n) - 1: (shown[name], min(shown[name] + STEP - 1, TOP))
            for name, (q, _fewest) in statistics.DISCLOSED.items() if shown[name] is not None}


def witness_widths(shown: dict, own: int, n: int, rule=rate_rule) -> list[int]:
    """Per rank of the others, the spread between two verified consistent worlds."""
    bands = _bands(shown, n)
    lowest, highest = [None] * (n - 1), [None] * (n - 1)
    for mine in range(n):
        low, high = [0] * n, [TOP] * n
        for rank, (a, b) in [*bands.items(), (mine, (own, own))]:
            low[rank], high[rank] = max(low[rank], a), min(high[rank], b)
        for i in range(1, n):
            low[i] = max(low[i], low[i - 1])
        for i in range(n - 2, -1, -1):
            high[i] = min(high[i], high[i + 1])
        if any(a > b for a, b in zip(low, high, strict=True)):
            continue
        for world, keep in ((low, min), (high, max)):
            assert rule(world) == shown, (world, shown)  # a real, consistent world
            others = world[:mine] + world[mine + 1:]
            target = lowest if keep is min else highest
            for k, value in enumerate(others):
                target[k] = value if target[k] is None else keep(target[k], value)
    assert None not in lowest and None not in highest, "the true world must be consistent"
    return _widths(lowest, highest)


def exhaustive_widths(shown, own, n, domain, rule=rate_rule) -> list[int]:
    lowest, highest = [None] * (n - 1), [None] * (n - 1)
    for others in itertools.combinations_with_replacement(domain, n - 1):
        if rule([*others, own]) != shown:
            continue
        for k, value in enumerate(others):
            lowest[k] = value if lowest[k] is None else min(lowest[k], value)
            highest[k] = value if highest[k] is None else max(highest[k], value)
    assert None not in lowest
    return _widths(lowest, highest)


def populations() -> list[list[int]]:
    found = []
    for n in range(5, 9):
        found += [
            [TOP] * n, [0] * n, [TOP - 1] * n, [995] * n, [500] * n, [509] * n,
            [0] * (n - 1) + [TOP], [TOP] * (n - 1) + [0], [990 + i for i in range(n)],
            [996 + i % 5 for i in range(n)], [100 * i for i in range(n)],
            [333] * (n // 2) + [666] * (n - n // 2),
        ]
    rng = random.Random(20261207)
    for _ in range(80):
        n = rng.randint(5, 8)
        centre, spread = rng.randint(0, TOP), rng.choice((3, 12, 40, 300))
        found.append([min(TOP, max(0, centre + rng.randint(-spread, spread))) for _ in range(n)])
    return found


def test_no_member_works_out_another_members_rate_from_5_to_8_members():
    checked = 0
    for population in populations():
        shown = rate_rule(population)
        assert shown is not None
        for own in set(population):
            widths = witness_widths(shown, own, len(population))
            assert min(widths) > WITHIN, (population, own, shown, widths)
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("population", [[1000] * 5, [995, 998, 1000, 1000, 1000], [990] * 5,
                                        [0, 0, 0, 0, 3]])
def test_exhaustive_search_at_the_edges_of_the_scale_finds_no_figure_worked_out(population):
    shown = rate_rule(population)
    low = max(0, min(population) - 14)
    domain = range(low, min(TOP, max(population) + 14) + 1)
    for own in set(population):
        widths = exhaustive_widths(shown, own, 5, domain)
        assert min(widths) > WITHIN, (population, own, shown, widths)


def test_the_checker_finds_the_members_at_100_percent_without_the_cap():
    """Rounding alone pins members at exactly 100%: the cap is what keeps them hidden."""
    population = [1000] * 5
    shown = disclosure.distribution(population)
    assert shown["upper_quartile"] == 1000
    widths = exhaustive_widths(shown, 1000, 5, range(985, 1001), rule=disclosure.distribution)
    assert min(widths) == 0


def test_fewer_than_five_members_are_not_compared_and_counts_never_are():
    assert fig.disclosed([500, 600, 700, 800], "outcomes_met") is None
    assert fig.disclosed([500, 600, 700, 800, None, None], "visits_late") is None
    assert fig.disclosed([500, 600, 700, 800, 900], "visits_late")["members"] == 5
    assert "complaints" not in fig.COMPARED and "people_reviewed" not in fig.COMPARED


# --- the pages ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
            population = seed_population(world)
            few = member_user(population.coops[2], username="member-few")  # 3 people reviewed in Q1
        yield world, population, few


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def texts_of(value, code) -> str | None:
    """A figure as a page writes it (rates and per 1,000 hours: with one decimal place)."""
    if value is None or fig.METRIC[code].kind == fig.COUNT:
        return None
    return f"{int(value) // 10}.{int(value) % 10}"


def read_all(c: Client) -> tuple[str, list[str]]:
    """The page, and every cell of its CSV and XLSX downloads."""
    page = c.get(reverse("benchmark-page")).content.decode()
    cells = c.get(reverse("benchmark-export"), {"file_format": "csv"}).content.decode().replace("\n", ",")
    book = openpyxl.load_workbook(io.BytesIO(c.get(reverse("benchmark-export"),
                                                   {"file_format": "xlsx"}).content))
    values = [str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
              for cell in row if cell is not None]
    return page, [*cells.split(","), *values]


def appears(text: str, page: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(text)}(?![\d])", page) is not None


@pytest.mark.django_db
def test_a_members_page_and_downloads_hold_no_other_members_figure_or_name(seeded):
    world, population, _few = seeded
    b = selectors.benchmarks_for(world.user("coordinator"))
    periods = [*b.quarters, None]
    mine = world.coop_a.pk
    allowed = set()
    for q in periods:
        for code in fig.COMPARED:
            allowed.add(texts_of(b.figure(mine, q, code), code))
            dist = b.distribution(q, code)
            if dist:
                allowed |= {texts_of(dist[k], code) for k in ("lower_quartile", "median", "upper_quartile")}
    page, cells = read_all(client(world.user("member_a")))
    checked = 0
    for coop in population.coops[1:]:
        for q in periods:
            for code in fig.COMPARED:
                text = texts_of(b.figure(coop.pk, q, code), code)
                if text is None or text in allowed:
                    continue
                checked += 1
                assert not appears(text, page), (coop, q, code, text)
                assert text not in cells and f"{text}%" not in cells, (coop, q, code, text)
    assert checked > 100
    for coop in [*population.coops[1:], *population.other_coops]:
        for name in (coop.trading_name, coop.legal_name):
            assert name not in page and name not in cells


@pytest.mark.django_db
def test_people_based_figures_are_suppressed_below_five_people_for_everyone(seeded):
    world, population, few = seeded
    q1 = (2026, 1)
    b = selectors.benchmarks_for(world.user("coordinator"))
    coop = population.coops[2]
    for code in ("outcomes_met", "outcomes_partly", "outcomes_not_met", "involvement", "people_reviewed"):
        assert b.figure(coop.pk, q1, code) is None
    page = client(world.user("coordinator")).get(reverse("benchmark-page")).content.decode()
    row = re.search(rf"<th scope=\"row\" class=\"govuk-table__header\">{coop.trading_name}</th>(.*?)</tr>",
                    page).group(1)
    assert row.count("Fewer than 5 people") >= 1
    own_page = client(few).get(reverse("benchmark-page")).content.decode()
    q1_table = own_page.split('id="table-2026-27-q1"')[1].split("</table>")[0]
    for code in ("outcomes_met", "involvement", "people_reviewed"):
        cells = q1_table.split(f'data-figure="{code}"')[1].split("</tr>")[0]
        assert "Fewer than 5 people" in cells


@pytest.mark.django_db
def test_the_board_sees_no_names_unless_the_rules_say_so(seeded):
    world, population, _few = seeded
    page, cells = read_all(client(world.user("board")))
    for coop in population.coops:
        for name in (coop.trading_name, coop.legal_name):
            assert name not in page and name not in cells
    assert "Member A" in page and "Member F" in page and 'id="letters-note"' in page
    # the letters follow neither names nor ids
    order = selectors.letter_order(world.consortium.pk, [c.pk for c in population.coops])
    assert order == selectors.letter_order(world.consortium.pk, sorted(c.pk for c in population.coops))
    rules = GovernanceRules.objects.filter(consortium=world.consortium).order_by("-version").first()
    GovernanceRules.objects.filter(pk=rules.pk).update(board_sees_member_names=True)
    page, cells = read_all(client(world.user("board")))
    assert all(coop.trading_name in page and coop.trading_name in cells for coop in population.coops)


@pytest.mark.django_db
def test_another_consortium_council_reviewers_and_applicants_see_nothing_of_it(seeded):
    world, population, _few = seeded
    page, cells = read_all(client(world.user("coordinator_other")))
    for coop in population.coops:
        assert coop.trading_name not in page and coop.trading_name not in cells
    for persona in ("reviewer", "reviewer_other", "applicant"):
        c = client(world.user(persona))
        assert c.get(reverse("benchmark-page")).status_code == 403
        for file_format in ("csv", "xlsx"):
            assert c.get(reverse("benchmark-export"), {"file_format": file_format}).status_code == 403
    assert Client().get(reverse("benchmark-page")).status_code == 302


@pytest.mark.django_db
def test_a_bad_file_format_is_refused_with_a_message(seeded):
    world, _population, _few = seeded
    response = client(world.user("member_a")).get(reverse("benchmark-export"), {"file_format": "pdf"})
    assert response.status_code == 400 and b"csv or xlsx" in response.content


@pytest.mark.django_db
def test_rules_change_can_set_whether_the_board_sees_names(seeded):
    world, _population, _few = seeded
    change, candidate = clean_rules_change(rules_in_force(world.consortium),
                                           {"board_sees_member_names": True})
    assert change == {"board_sees_member_names": True} and candidate.board_sees_member_names
    # and a later change of another rule keeps it as it was
    GovernanceRules.objects.filter(consortium=world.consortium).update(board_sees_member_names=True)
    _change, later = clean_rules_change(rules_in_force(world.consortium), {"quorum_percent": "30"})
    assert later.board_sees_member_names
    assert "board_sees_member_names" in RULE_FIELDS
    assert "board_sees_member_names" in dict(RULE_CHOICES)


@pytest.mark.django_db
def test_a_member_finds_its_benchmarks_from_the_dashboard_and_the_navigation(seeded):
    world, _population, _few = seeded
    page = client(world.user("member_a")).get(reverse("dashboard")).content.decode()
    assert page.count(f'href="{reverse("benchmark-page")}"') == 2
    reviewer = client(world.user("reviewer")).get(reverse("dashboard")).content.decode()
    assert reverse("benchmark-page") not in reviewer
