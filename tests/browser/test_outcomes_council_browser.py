"""A council reviewer reads the outcomes and quality of the care Cardiff commissions, in English
and in Welsh, with an axe-core scan of each (tables, charts, the year chosen with the keyboard),
and follows a contract to its value for money."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.outcomes_council_factories import YEAR, population

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_reviewer_reads_the_council_benchmark_in_english_and_welsh(world, new_page):
    made = population(world)
    page = new_page()
    sign_in(page, "reviewer")
    page.goto(f"/outcomes/council/?financial_year={YEAR}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Outcomes and quality of the care you commission")
    duty = page.locator("#section-16 + .govuk-inset-text")
    expect(duty).to_contain_text("places a duty on the council to promote")
    expect(page.locator("#section16")).to_contain_text("Cardiff")
    chart = page.get_by_role("img", name="Bar chart: Share held by consortia of co-operatives")
    expect(chart).to_be_visible()
    expect(page.locator("#outcomes")).to_contain_text("Fewer than 5 people")
    assert_accessible(page)

    page.get_by_label("Financial year").select_option(str(YEAR))
    page.get_by_role("button", name="Show this year").press("Enter")
    expect(page.locator("#value-rates")).to_contain_text(made.cardiff_a.lot.tender.reference)

    page.get_by_role("button", name="Cymraeg").press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("#section16")).to_contain_text("Caerdydd")
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name=f"Value for money of {made.cardiff_a.lot.tender.reference} lot 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Value for money")
    expect(page.locator("#value-outcomes")).to_be_visible()
    assert_accessible(page)
