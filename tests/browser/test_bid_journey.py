"""The joint bid journey in a real browser, with an axe-core scan of every page visited.

"A reviewer publishes a tender; the coordinator opens a bid; two members opt in; the allocation
runs; one member declines and the allocation adapts; the board approves; the bid is submitted;
the reviewer sees nothing before the deadline."

1. Cardiff's reviewer records a tender with one lot (100 hours a week of home care on weekdays)
   and publishes it;
2. the coordinator opens the consortium's bid and invites the members who offer the service;
3. Gofal A and Gofal B opt in on their page of work proposed to them (by keyboard);
4. the coordinator runs the allocation (fair share: in proportion to declared capacity, 80 and
   60 hours), which gives both members hours;
5. Gofal B declines (by keyboard, with a reason): the allocation runs again without it, Gofal A
   takes all its capacity allows and the matrix shows the 20 hours still short;
6. Gofal A accepts; the coordinator prices the lot from the members' floors and sends the bid
   to the board; a board member votes for, the coordinator closes the vote: approved;
7. the coordinator submits the bid: its hashed snapshot (SHA-256) is shown;
8. Cardiff's reviewer, before the deadline, finds no sign of the bid.

Set up beforehand (what no page of this journey creates): the personas, the two members'
capacity declarations and their cost submissions (the floors the price is built from).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consortium.models import Role, TimeBand
from contracts.bidding.selectors.bids import financial_year_of, price_lines
from contracts.bidding.services.submission import verify
from contracts.models import (
    Allocation,
    AllocationStatus,
    Bid,
    BidStatus,
    BidSubmission,
    Invitation,
    InvitationStatus,
    MemberResponse,
    ResponseStatus,
    Tender,
    TenderStatus,
)
from members.models import BallotStatus, Vote
from tests import factories as f
from tests.browser.conftest import assert_accessible, menu, sign_in
from tests.pricing_factories import cost_submission

# serialized_rollback: see test_journeys.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REFERENCE = "CDF-ASC-2026-041"
TITLE = "Care and support at home: Cardiff north and east"
LOT_TITLE = "Home care, weekdays"
DAY = TimeBand.WEEKDAY_DAY
# Declared weekday capacity in Cardiff: fair share splits the lot's 100 hours 80:60.
CAPACITY_A, CAPACITY_B = Decimal("80"), Decimal("60")
SHARE_A, SHARE_B = Decimal("57.14"), Decimal("42.86")
D = Decimal


def success(page):
    return page.locator(".govuk-notification-banner--success")


def heading(page):
    return page.get_by_role("heading", level=1)


def type_through(page, first_label: str, values: list[str]) -> None:
    """Focus a field, then type each value and Tab on to the next field."""
    page.get_by_label(first_label, exact=True).focus()
    for value in values:
        page.keyboard.type(value)
        page.keyboard.press("Tab")


def local(moment: dt.datetime) -> str:
    """A datetime-local input's value (UK time)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def shares(bid: Bid) -> dict[tuple[str, str], Decimal]:
    """(trading name, status) -> weekly volume of the bid's allocations."""
    found: dict[tuple[str, str], Decimal] = {}
    for row in Allocation.objects.filter(bid_lot__bid=bid).select_related("coop"):
        key = (row.coop.trading_name, row.status)
        found[key] = found.get(key, D(0)) + row.volume
    return found


@pytest.fixture
def dates():
    """The tender's dates: the deadline three weeks ahead, the contract from two months after it."""
    deadline = (timezone.localtime() + dt.timedelta(days=21)).replace(hour=12, minute=0, second=0,
                                                                      microsecond=0)
    start = deadline.date() + dt.timedelta(days=60)
    return {"deadline": deadline, "clarification": deadline - dt.timedelta(days=7), "start": start,
            "end": start.replace(year=start.year + 3) - dt.timedelta(days=1)}


@pytest.fixture
def bid_world(world, dates):
    """Both members' weekday capacity in Cardiff, their costs for the contract's first financial
    year (Gofal A the cheaper), and a second board member (so the vote is closed by hand)."""
    for coop, volume in ((world.coop_a, CAPACITY_A), (world.coop_b, CAPACITY_B)):
        f.CapacityDeclarationFactory(coop=coop, council=world.council, time_band=DAY,
                                     declared_volume=volume)
    year = financial_year_of(dates["start"])
    cost_submission(world.coop_a, financial_year=year, hourly_pay="12.60")
    cost_submission(world.coop_b, financial_year=year, hourly_pay="13.40")
    f.UserFactory(username="board-2", role=Role.BOARD_MEMBER, consortium=world.consortium)
    return year


def test_tender_bid_allocation_decline_board_approval_submission_and_the_sealed_bid(
        world, bid_world, dates, new_page):
    # 1. Cardiff's reviewer records the tender, adds its lot and publishes it.
    reviewer = new_page()
    sign_in(reviewer, "reviewer")
    assert_accessible(reviewer)  # dashboard
    menu(reviewer, "Tenders").click()
    expect(heading(reviewer)).to_have_text("Tenders")
    assert_accessible(reviewer)
    reviewer.get_by_role("link", name="Record a tender").click()
    expect(heading(reviewer)).to_have_text("Record a tender")
    assert_accessible(reviewer)
    expect(reviewer.get_by_label("Council", exact=True)).to_have_value(str(world.council.pk))
    reviewer.get_by_label("Notice reference", exact=True).fill(REFERENCE)
    reviewer.get_by_label("Title", exact=True).fill(TITLE)
    reviewer.get_by_label("Description (optional)", exact=True).fill(
        "Domiciliary care and support for adults in their own homes, with the Active Offer of "
        "care in Welsh.")
    reviewer.get_by_label("Procedure", exact=True).select_option(label="Light-touch")
    reviewer.get_by_label("Clarification deadline (optional)", exact=True).fill(local(dates["clarification"]))
    reviewer.get_by_label("Submission deadline", exact=True).fill(local(dates["deadline"]))
    reviewer.get_by_label("Contract start", exact=True).fill(dates["start"].isoformat())
    reviewer.get_by_label("Contract end", exact=True).fill(dates["end"].isoformat())
    reviewer.get_by_role("button", name="Record the draft").click()
    expect(success(reviewer)).to_contain_text("Draft tender recorded.")
    expect(heading(reviewer)).to_have_text(TITLE)
    assert_accessible(reviewer)
    tender = Tender.objects.get(reference=REFERENCE)
    assert (tender.council, tender.status, tender.submission_deadline, tender.recorded_by_consortium) == (
        world.council, TenderStatus.DRAFT, dates["deadline"], None)

    reviewer.get_by_role("link", name="Add a lot").click()
    expect(heading(reviewer)).to_have_text("Add a lot")
    assert_accessible(reviewer)
    expect(reviewer.get_by_label("Lot number", exact=True)).to_have_value("1")
    reviewer.get_by_label("Title", exact=True).fill(LOT_TITLE)
    reviewer.get_by_label("Service", exact=True).select_option(label="Domiciliary support")
    expect(reviewer.get_by_label("Cardiff", exact=True)).to_be_checked()  # the tender's council
    reviewer.get_by_label("Duration (weeks)", exact=True).fill("156")
    reviewer.get_by_label("Ceiling rate (£ per unit)", exact=True).fill("38.00")
    reviewer.get_by_label("Share delivered in Welsh (%) (optional)", exact=True).fill("10")
    # The council accepts bids for part of the volume: a bid short of it can still be made.
    reviewer.get_by_label("Bids may offer part of the lot's volume", exact=True).check()
    # The weights, then the weekday volume, by keyboard.
    type_through(reviewer, "Price weight (%)", ["60", "30", "10", "100"])
    expect(reviewer.get_by_label("Evening, per week (optional)", exact=True)).to_be_focused()
    reviewer.get_by_label("Question", exact=True).fill(
        "How will you offer care in Welsh without the person having to ask?")
    reviewer.get_by_label("Maximum marks", exact=True).fill("20")
    reviewer.get_by_role("button", name="Save the lot").click()
    expect(success(reviewer)).to_contain_text("Lot 1 saved.")
    assert_accessible(reviewer)
    reviewer.get_by_role("button", name="Publish the tender").click()
    expect(reviewer.locator("main")).to_contain_text("Publishing cannot be undone")
    assert_accessible(reviewer)
    reviewer.get_by_role("button", name="Yes, publish the tender").click()
    expect(success(reviewer)).to_contain_text("The tender is published.")
    assert_accessible(reviewer)
    tender.refresh_from_db()
    lot = tender.lots.get()
    assert tender.status == TenderStatus.PUBLISHED
    assert (lot.title, lot.ceiling_rate, list(lot.volumes.values_list("time_band", "volume")),
            lot.allows_partial_bids) == (LOT_TITLE, D("38.00"), [(DAY, D("100.00"))], True)

    # 2. The coordinator opens the bid and invites the members offering the service.
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    assert_accessible(coordinator)  # dashboard
    menu(coordinator, "Joint bids").click()
    expect(heading(coordinator)).to_have_text("Joint bids")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Open a bid").click()
    expect(heading(coordinator)).to_have_text("Open a bid")
    assert_accessible(coordinator)
    coordinator.get_by_label("Tender", exact=True).select_option(label=f"{REFERENCE}: {TITLE}")
    coordinator.get_by_role("button", name="Open the bid").click()
    expect(success(coordinator)).to_contain_text("Bid opened for every open lot of the tender.")
    expect(heading(coordinator)).to_have_text(f"Joint bid for {REFERENCE}: {TITLE}")
    assert_accessible(coordinator)
    bid = Bid.objects.get(tender=tender)
    assert (bid.consortium, bid.status, bid.opened_by) == (world.consortium, BidStatus.DRAFT,
                                                          world.user("coordinator"))
    bid_url = re.compile(rf"/bids/{bid.pk}/$")

    coordinator.get_by_role("button", name="Invite members to lot 1").click()
    expect(success(coordinator)).to_contain_text(
        "Members offering the service in the lot's areas are invited.")
    invitations = coordinator.get_by_role("table").filter(has_text="Invitations")
    expect(invitations.locator("tbody tr")).to_have_count(2)
    expect(invitations).to_contain_text("Gofal A")
    expect(invitations).to_contain_text("Gofal B")
    assert_accessible(coordinator)
    assert set(Invitation.objects.filter(bid_lot__bid=bid).values_list("coop__trading_name", "status")) == {
        ("Gofal A", InvitationStatus.INVITED), ("Gofal B", InvitationStatus.INVITED)}

    # 3. Both members opt in, on the page of work proposed to them, by keyboard.
    members = {}
    for username, coop in (("member-a", world.coop_a), ("member-b", world.coop_b)):
        page = members[username] = new_page()
        sign_in(page, username)
        assert_accessible(page)  # dashboard
        menu(page, "Joint bids").click()
        expect(page.get_by_role("link", name=f"{REFERENCE}: {TITLE}")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Work proposed to us").click()
        expect(heading(page)).to_have_text("Work proposed to us")
        assert_accessible(page)
        take_part = page.get_by_role("button", name=re.compile("^Take part"))
        take_part.focus()
        page.keyboard.press("Enter")
        expect(success(page)).to_contain_text("Your co-op takes part in this lot.")
        expect(page.locator("tbody").first).to_contain_text("Taking part")
        assert_accessible(page)
        assert Invitation.objects.get(bid_lot__bid=bid, coop=coop).status == InvitationStatus.OPTED_IN
    member_a, member_b = members["member-a"], members["member-b"]

    # 4. The coordinator runs the allocation: both members get hours.
    coordinator.reload()
    coordinator.get_by_role("link", name="Allocation of the work").click()
    expect(heading(coordinator)).to_have_text("Who delivers what")
    assert_accessible(coordinator)
    coordinator.get_by_label(re.compile("^Fair share")).check()
    coordinator.get_by_role("button", name="Run the allocation").click()
    expect(success(coordinator)).to_contain_text(
        "The allocation was made: 100.0% of the volume is covered, by 2 members.")
    assert_accessible(coordinator)
    matrix = coordinator.locator("#matrix-caption").locator("xpath=..")
    row_a = matrix.get_by_role("row", name=re.compile("^Gofal A"))
    row_b = matrix.get_by_role("row", name=re.compile("^Gofal B"))
    expect(row_a).to_contain_text(str(SHARE_A))
    expect(row_b).to_contain_text(str(SHARE_B))
    assert shares(bid) == {("Gofal A", AllocationStatus.PROPOSED): SHARE_A,
                           ("Gofal B", AllocationStatus.PROPOSED): SHARE_B}
    assert set(MemberResponse.objects.filter(bid=bid).values_list("coop__trading_name", "status")) == {
        ("Gofal A", ResponseStatus.PENDING), ("Gofal B", ResponseStatus.PENDING)}

    # 5. Gofal B declines its share, by keyboard; the allocation adapts.
    member_b.reload()
    expect(member_b.locator("main")).to_contain_text(str(SHARE_B))
    expect(member_b.locator("main")).not_to_contain_text(str(SHARE_A))  # the other member's share
    assert_accessible(member_b)
    member_b.get_by_role("link", name=re.compile("^Decline")).click()
    expect(heading(member_b)).to_have_text("Decline the work proposed to your co-op")
    assert_accessible(member_b)
    reason = member_b.get_by_label("Why is your co-op declining?", exact=True)
    reason.focus()
    member_b.keyboard.press("Tab")
    expect(member_b.get_by_role("button", name="Decline the work")).to_be_focused()
    member_b.keyboard.press("Enter")  # no reason yet: the form says what is missing
    expect(member_b).to_have_title(re.compile("^Error:"))
    assert_accessible(member_b)
    member_b.locator(".govuk-error-summary").get_by_role("link", name="Say why your co-op declines").click()
    expect(reason).to_be_focused()
    member_b.keyboard.type("Two of our carers in Cardiff north have left; we cannot staff new packages "
                           "before the spring.")
    member_b.keyboard.press("Tab")
    member_b.keyboard.press("Enter")
    expect(success(member_b)).to_contain_text("Your co-op has declined the work")
    expect(member_b.locator("main")).to_contain_text("Declined")
    assert_accessible(member_b)
    assert MemberResponse.objects.get(bid=bid, coop=world.coop_b).status == ResponseStatus.DECLINED
    assert shares(bid) == {("Gofal A", AllocationStatus.PROPOSED): CAPACITY_A,
                           ("Gofal B", AllocationStatus.DECLINED): SHARE_B}

    coordinator.reload()
    expect(coordinator.locator("main")).to_contain_text("80.0% of the bid's weekly volume is allocated")
    expect(row_a).to_contain_text("80.00")
    expect(row_b).to_contain_text("declined")
    expect(row_b.locator("s")).to_have_text(str(SHARE_B))
    expect(coordinator.locator(".govuk-warning-text")).to_contain_text("Lot 1, Weekday daytime: 20.00 short.")
    expect(matrix.get_by_role("row", name=re.compile("^Shortfall"))).to_contain_text("20.00")
    assert_accessible(coordinator)

    # 6. Gofal A accepts its (grown) share.
    member_a.reload()
    expect(member_a.locator("main")).to_contain_text("80.00")
    member_a.get_by_role("button", name=re.compile("^Accept this work")).click()
    expect(success(member_a)).to_contain_text("Your co-op has accepted the work proposed to it.")
    assert_accessible(member_a)
    assert shares(bid) == {("Gofal A", AllocationStatus.ACCEPTED): CAPACITY_A,
                           ("Gofal B", AllocationStatus.DECLINED): SHARE_B}

    # The coordinator prices the lot from the floors and sends the bid to the board.
    coordinator.get_by_role("link", name=REFERENCE).click()  # breadcrumb back to the bid
    expect(coordinator).to_have_url(bid_url)
    coordinator.get_by_role("link", name="Prices and margins").click()
    expect(heading(coordinator)).to_have_text("Prices and margins")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Calculate the rates from the floors").click()
    expect(success(coordinator)).to_contain_text("Rates calculated from the allocated members' floors.")
    assert_accessible(coordinator)
    line = price_lines(Bid.objects.get(pk=bid.pk))[0]
    assert line.rate is not None and line.rate == line.required and line.rate <= D("38.00")
    assert [m.coop.trading_name for m in line.members] == ["Gofal A"]
    expect(coordinator.locator("caption").first).to_contain_text(f"£{line.rate}")

    coordinator.get_by_role("link", name=REFERENCE).click()
    expect(coordinator).to_have_url(bid_url)
    expect(coordinator.get_by_text("Before the bid can go to the board:")).to_have_count(0)
    expect(coordinator.locator("[data-partial-shortfalls]")).to_contain_text(
        "Lot 1, Weekday daytime: the bid offers 80.00 of the 100.00 a week the lot asks for, 20.00 short")
    coordinator.get_by_role("button", name="Send to the board for approval").click()
    expect(success(coordinator)).to_contain_text("The bid is before the board.")
    expect(coordinator.locator("main .govuk-tag").first).to_have_text("Awaiting board approval")
    assert_accessible(coordinator)
    bid.refresh_from_db()
    assert bid.status == BidStatus.AWAITING_APPROVAL and bid.ballot.electorate == 2

    # The board approves: a board member votes for (by keyboard), the coordinator closes the vote.
    board = new_page()
    sign_in(board, "board")
    assert_accessible(board)  # dashboard
    menu(board, "Joint bids").click()
    assert_accessible(board)
    board.get_by_role("link", name=f"{REFERENCE}: {TITLE}").click()
    expect(heading(board)).to_have_text(f"Joint bid for {REFERENCE}: {TITLE}")
    expect(board.locator("main")).not_to_contain_text("Margin")  # no member's floor or margin
    expect(board.locator("[data-partial-shortfalls]")).to_contain_text("20.00 short")  # what the bid leaves
    assert_accessible(board)
    expect(board.locator("main")).to_contain_text("Board vote")
    board.get_by_role("link", name="see the board's vote on this bid").click()
    expect(heading(board)).to_have_text(f"Approve the joint bid for {REFERENCE}: {TITLE}")
    assert_accessible(board)
    board.get_by_label("For", exact=True).focus()
    board.keyboard.press("Space")
    expect(board.get_by_label("For", exact=True)).to_be_checked()
    board.keyboard.press("Tab")
    expect(board.get_by_role("button", name="Cast your vote")).to_be_focused()
    board.keyboard.press("Enter")
    expect(success(board)).to_contain_text("Your vote is recorded.")
    expect(board.locator('[data-count="for"]')).to_have_text("1")
    assert_accessible(board)

    coordinator.get_by_role("link", name="see the board's vote on this bid").click()
    expect(heading(coordinator)).to_have_text(f"Approve the joint bid for {REFERENCE}: {TITLE}")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Close the vote and record the result").click()
    expect(success(coordinator)).to_contain_text("The vote is closed: carried.")
    assert_accessible(coordinator)
    bid.refresh_from_db()
    assert bid.status == BidStatus.APPROVED and bid.ballot.status == BallotStatus.CARRIED
    assert list(Vote.objects.filter(ballot=bid.ballot).values_list("voter__username", "choice")) == [
        ("board", "for")]

    # 7. The coordinator submits the bid: sealed, with its SHA-256.
    coordinator.get_by_role("link", name="Back").click()
    expect(coordinator).to_have_url(bid_url)
    expect(coordinator.locator("main .govuk-tag").first).to_have_text("Approved by the board")
    coordinator.get_by_role("button", name="Submit the bid").click()
    expect(coordinator.locator("main")).to_contain_text("A submitted bid cannot be changed")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Yes, submit the bid").click()
    expect(success(coordinator)).to_contain_text(
        "The bid is submitted. Its snapshot and SHA-256 are recorded.")
    expect(coordinator.locator("main .govuk-tag").first).to_have_text("Submitted")
    assert_accessible(coordinator)
    submission = BidSubmission.objects.get(bid=bid)
    assert re.fullmatch(r"[0-9a-f]{64}", submission.sha256)
    assert hashlib.sha256(submission.canonical.encode("utf-8")).hexdigest() == submission.sha256
    assert verify(submission)
    expect(coordinator.locator("main code")).to_have_text(submission.sha256)
    bid.refresh_from_db()
    assert (bid.status, bid.version) == (BidStatus.SUBMITTED, 1)
    members_in_snapshot = submission.snapshot["lots"][0]["members"]
    assert [m["legal_name"] for m in members_in_snapshot] == ["Cydweithfa A Cyf"]

    # 8. Before the deadline, Cardiff's reviewer finds no sign of the bid.
    assert timezone.now() < tender.submission_deadline
    reviewer.reload()
    expect(menu(reviewer, "Joint bids")).to_have_count(0)
    response = reviewer.goto("/bids/")
    assert response is not None and response.status == 403
    assert_accessible(reviewer)
    for path in (f"/bids/{bid.pk}/", f"/bids/{bid.pk}/allocation/", f"/bids/{bid.pk}/prices/",
                 f"/bids/{bid.pk}/snapshot/", f"/governance/ballots/{bid.ballot_id}/"):
        response = reviewer.goto(path)
        assert response is not None and response.status == 404, path
    assert_accessible(reviewer)
    reviewer.goto(f"/tenders/{tender.pk}/")
    expect(heading(reviewer)).to_have_text(TITLE)
    text = reviewer.locator("main").text_content()
    for secret in (world.consortium.name, "Gofal A", "Gofal B", "Cydweithfa", submission.sha256[:12],
                   str(line.rate)):
        assert secret not in text, f"the council's reviewer sees {secret!r} before the deadline"
    assert_accessible(reviewer)
