"""Each role's journey in a real browser, with an axe-core scan of every page visited.

1. A member user declares capacity in the form (partly by keyboard);
2. the coordinator finds that capacity in the pooled heat table;
3. a council reviewer cannot reach member capacity (no link, 403 pages).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from consortium.models import TimeBand
from members.models import CapacityDeclaration
from tests.browser.conftest import assert_accessible, menu, sign_in

# serialized_rollback: the reference data (councils, service types) is loaded by migration;
# a transactional test flushes the database afterwards, and this puts it back for the next one.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_member_declares_capacity_and_the_coordinator_finds_it_in_the_heat_table(world, new_page):
    # 1. member-a declares capacity with the form.
    member = new_page()
    sign_in(member, "member-a")
    assert_accessible(member)  # dashboard
    menu(member, "Capacity").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("Capacity of Gofal A")
    assert_accessible(member)
    member.get_by_role("link", name="Declare capacity").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Declare capacity")
    assert_accessible(member)

    member.get_by_label("Council area").select_option(label="Cardiff")
    expect(member.get_by_label("Service type")).to_have_value(str(world.coop_a.service_types.get().pk))
    expect(member.get_by_label("Time band")).to_have_value(TimeBand.WEEKDAY_DAY)
    # The numbers by keyboard: type, Tab to the next field, Enter submits the form.
    member.get_by_label("Volume", exact=True).focus()
    member.keyboard.type("175.5")
    member.keyboard.press("Tab")
    member.keyboard.type("6")
    member.keyboard.press("Tab")
    member.keyboard.type("60")
    member.keyboard.press("Tab")
    member.keyboard.type("2")
    member.keyboard.press("Tab")
    member.keyboard.type("1")  # smaller than the minimum: the form says so on the field
    member.keyboard.press("Enter")

    expect(member.locator(".govuk-error-summary")).to_be_visible()
    expect(member).to_have_title(re.compile("^Error:"))
    assert_accessible(member)
    member.get_by_role("link", name="The minimum package cannot be larger than the maximum.").click()
    expect(member.get_by_label("Minimum package size (optional)")).to_be_focused()
    member.keyboard.press("ControlOrMeta+a")
    member.keyboard.type("1")
    member.keyboard.press("Tab")
    member.keyboard.press("ControlOrMeta+a")
    member.keyboard.type("20")
    member.keyboard.press("Enter")

    expect(member.locator(".govuk-notification-banner--success")).to_contain_text("Capacity declared")
    assert_accessible(member)
    expect(member.locator("table")).to_contain_text("175.50")
    declaration = CapacityDeclaration.objects.get(coop=world.coop_a, is_current=True)
    assert (declaration.declared_volume, declaration.council, declaration.min_package) == (
        175.5, world.council, 1)
    member.get_by_role("link", name=re.compile("^History")).click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("History of Domiciliary support")
    expect(member.locator("tbody")).to_contain_text("member-a")
    assert_accessible(member)

    # 2. The coordinator finds it in the heat table.
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.get_by_role("link", name="Pooled capacity").first.click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Pooled capacity")
    assert_accessible(coordinator)
    cell = coordinator.locator('td[data-council="GB-CRF"][data-service="domiciliary-support"]')
    expect(cell.locator(".app-heat__value")).to_have_text("175.50")
    expect(cell).to_contain_text("hours per week")
    expect(cell).to_contain_text("1 member")
    expect(cell).to_contain_text("105.3 in Welsh")
    expect(cell).to_have_class(re.compile(r"app-heat__cell--5"))

    # The cell's council leads to the per-member breakdown, where the co-op is named.
    coordinator.get_by_role("link", name=re.compile("^Cardiff")).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Pooled capacity per member co-op")
    expect(coordinator.locator("table")).to_contain_text("Gofal A")
    assert_accessible(coordinator)

    # ... and in the consortium's list of declarations, filtered to that co-op.
    menu(coordinator, "Capacity").click()
    coordinator.get_by_label("Member co-op").select_option(label="Gofal A")
    coordinator.get_by_role("button", name="Apply filters").click()
    expect(coordinator.locator("table tbody tr")).to_have_count(1)
    expect(coordinator.locator("table tbody")).to_contain_text("175.50")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Declare capacity").click()
    expect(coordinator.locator(".govuk-caption-l")).to_have_text("Gofal A")
    assert_accessible(coordinator)


def test_reviewer_cannot_reach_member_capacity(world, new_page):
    reviewer = new_page()
    sign_in(reviewer, "reviewer")
    assert_accessible(reviewer)  # dashboard
    nav = reviewer.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Capacity", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Pooled capacity")).to_have_count(0)
    for path in ("/capacity/", "/capacity/declare/", "/capacity/pooled/", "/capacity/pooled/members/"):
        response = reviewer.goto(path)
        assert response is not None and response.status == 403, path
        assert_accessible(reviewer)


def test_the_accessibility_scan_catches_a_serious_violation(browser):
    page = browser.new_page()
    try:
        page.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
        with pytest.raises(AssertionError, match="image-alt"):
            assert_accessible(page)
    finally:
        page.close()
