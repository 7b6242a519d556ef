"""Wide tables scroll inside their own region, never the page, with the first column kept in
view: the allocation page (three lots of five time bands) and the pooled capacity heat table,
at a desktop (1280 px) and a phone (375 px) width, each page clean under axe."""

from __future__ import annotations

import pytest

from consortium.models import TimeBand
from tests import contracts_factories as cf
from tests.browser.conftest import assert_accessible, sign_in
from tests.builders import draft_joint_bid

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1280, 375)
PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth"
REGION = """(region) => ({
    scrolls: region.scrollWidth > region.clientWidth,
    overflow: getComputedStyle(region).overflowX,
    firstColumn: getComputedStyle(region.querySelector('tbody tr > :first-child')).position,
    labelled: !!document.getElementById(region.getAttribute('aria-labelledby')),
    focusable: region.tabIndex === 0,
})"""


def _wide_bid(world):
    """Consortium A's draft bid for a Cardiff tender of three lots, each asking for every time
    band; Gofal A and Gofal B allocated hours in the first lot."""
    tender = cf.tender(world.council)
    for _ in range(3):
        cf.lot(tender, volumes={band: "40" for band in TimeBand.values})
    bid = draft_joint_bid(world, tender)
    cf.allocate(bid, world.coop_a, "30")
    cf.allocate(bid, world.coop_b, "10", band=TimeBand.EVENING)
    return bid


def _check(page, region_selector: str, width: int) -> None:
    assert page.evaluate(PAGE_FITS), f"the page scrolls sideways at {width} px"
    region = page.locator(region_selector)
    found = region.evaluate(REGION)
    assert found["overflow"] == "auto" and found["firstColumn"] == "sticky", found
    assert found["labelled"] and found["focusable"], found
    if width == 375:
        assert found["scrolls"], "the table's region should scroll at 375 px"
    assert_accessible(page)


def test_the_allocation_page_and_the_heat_table_scroll_inside_their_regions(world, new_page):
    bid = _wide_bid(world)
    page = new_page()
    page.set_default_timeout(60_000)  # two wide pages at two widths, each scanned by axe
    sign_in(page, "coordinator")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/bids/{bid.pk}/allocation/")
        _check(page, ".app-table-scroll[aria-labelledby='matrix-caption']", width)
        page.goto("/capacity/pooled/")
        _check(page, ".app-table-scroll[aria-labelledby='heat-caption']", width)
