"""The benchmark pages in Chromium, in English and in Welsh, each scanned with axe-core: a member
co-op reaches its benchmarks from the navigation (its figures beside the distribution, with the
chart), the coordinator sees every member by name and the board by letter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.outcomes_benchmark_factories import seed_population

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_welsh(page) -> None:
    page.get_by_role("button", name="Cymraeg").press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert_accessible(page)


def test_each_role_reads_its_benchmarks_in_english_and_welsh(world, new_page):
    seed_population(world)

    member = new_page()
    sign_in(member, "member-a")
    member.get_by_role("link", name="Benchmarks", exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Benchmarks")
    expect(member.get_by_role("table", name="Your figures and the consortium's distribution, "
                                            "2026-27 Q3")).to_be_visible()
    expect(member.get_by_role("img", name="Chart of your rates against the consortium's quartiles, "
                                          "all quarters shown")).to_be_visible()
    expect(member.get_by_text("Gofal B")).to_have_count(0)
    assert_accessible(member)
    in_welsh(member)

    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto("/outcomes/benchmarks/")
    expect(coordinator.get_by_role("table", name="Outcomes met, each member by quarter")).to_contain_text(
        "Gofal B")
    assert_accessible(coordinator)
    in_welsh(coordinator)

    board = new_page()
    sign_in(board, "board")
    board.goto("/outcomes/benchmarks/")
    expect(board.get_by_role("table", name="Outcomes met, each member by quarter")).to_contain_text(
        "Member A")
    expect(board.get_by_text("Gofal B")).to_have_count(0)
    assert_accessible(board)
    in_welsh(board)
