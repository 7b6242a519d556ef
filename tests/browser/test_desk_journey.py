"""Each role's dashboard in a real browser: "What needs you" lists the role's work, each item
opens the page where it is done and the person comes back, in English and in Welsh, on a wide
screen and on a 375 px phone (no sideways scrolling), every page scanned with axe-core."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import InvitationStatus, TenderStatus
from contracts.tendering.services.tenders import clarification_ask
from members import governance
from tests import builders as b
from tests import contracts_factories as cf
from tests import factories as f
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1280, 375)
REFUSALS = {"Page not found", "Heb ddod o hyd i'r dudalen", "You cannot use this page",
            "Ni allwch ddefnyddio'r dudalen hon"}
HEADINGS = {"en": "Dashboard", "cy": "Dangosfwrdd"}

# What each role finds in its queue (the kinds' data-kind codes).
EXPECTED = {
    "coordinator": {"bid_deadline", "answers_outstanding", "ballot_open", "documents_expired",
                    "question_awaiting"},
    "member-a": {"work_to_answer", "lot_offered", "documents_expired"},
    "board": {"ballot_to_vote"},
    "reviewer": {"clarification_to_answer", "tender_to_evaluate"},
}


def demo_like_work(world) -> None:
    """Something for every role: a joint bid whose members have still to answer (and about
    which the coordinator asked the council a question), a lot offered to coop A in a second
    bid, an expired insurance of coop A, a motion put to the board, and a Cardiff tender past
    its deadline whose evaluation has not begun."""
    tender = b.joint_bid_tender(world)
    b.allocate_both(world, b.draft_joint_bid(world, tender))
    clarification_ask(tender=tender, by=world.user("coordinator"), question="Is travel time paid?")
    offered = b.draft_joint_bid(world, b.joint_bid_tender(world))
    cf.opt_in(offered, world.coop_a, status=InvitationStatus.INVITED)
    f.ComplianceDocumentFactory(coop=world.coop_a, expires_on=timezone.localdate() - dt.timedelta(days=4))
    governance.ballot_open(consortium=world.consortium, subject="Adopt the safeguarding policy",
                           by=world.user("coordinator"))
    closed = cf.tender(world.council, deadline=timezone.now() - dt.timedelta(days=1),
                       status=TenderStatus.CLOSED)
    cf.lot(closed)


WIDER_THAN_THE_PAGE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest(".app-scroll"))
    .slice(0, 5).map(e => e.tagName + "." + e.className + ": " + (e.textContent || "").trim().slice(0, 60));
}"""


def sideways_scroll(page) -> list[str]:
    """What makes the page wider than the window (nothing when it does not scroll sideways)."""
    if page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"):
        return []
    return page.evaluate(WIDER_THAN_THE_PAGE) or ["(the page is wider than the window)"]


def check_dashboard(page, language: str, width: int) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language])
    expect(page.locator("h2#queue-heading")).to_be_visible()  # "What needs you", first
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    if width == 375:
        wide = sideways_scroll(page)
        assert not wide, f"the dashboard scrolls sideways at 375 px: {wide}"


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_role_follows_its_work_from_the_dashboard_and_back(world, new_page, username):
    demo_like_work(world)
    page = new_page()
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    kinds = set(page.locator("ul.app-queue__list").evaluate_all("lists => lists.map(x => x.dataset.kind)"))
    assert kinds == EXPECTED[username]
    # The header's count says how many, in words too.
    count = page.locator(".app-queue__item").count()
    nav = page.get_by_role("navigation", name="Menu")
    dashboard_link = nav.get_by_role("link", name=re.compile("^Dashboard"))
    expect(dashboard_link).to_have_accessible_name(re.compile(rf"^Dashboard\s*, {count} items? needs? you$"))

    for language in ("en", "cy"):
        if language == "cy":
            page.get_by_role("button", name="Cymraeg").click()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/dashboard/")
            check_dashboard(page, language, width)
            links = page.locator(".app-queue__item a")
            for i in range(links.count()):
                link = links.nth(i)
                href = link.get_attribute("href")
                link.focus()  # by keyboard: the link takes focus and Enter follows it
                page.keyboard.press("Enter")
                page.wait_for_url(lambda url, href=href: url.endswith(href))
                assert page.locator("html").get_attribute("lang") == language
                title = page.get_by_role("heading", level=1).first.inner_text()
                assert title not in REFUSALS, (href, title)
                assert_accessible(page)
                page.go_back()
                check_dashboard(page, language, width)
