"""The council's review journey in a real browser, with an axe-core scan of every page visited.

"The deadline passes; Cardiff's lead reviewer opens the evaluation and forms the panel; two
reviewers mark the quality questions independently; the lead moderates and scores social value,
then awards the lot; after the standstill the contract is made; everyone sees what is theirs."

1. the tender's deadline passes and the closing task runs as the beat task would; the lead
   reviewer opens the evaluation on the tender's review page and adds two reviewers of the
   council to the panel;
2. the two reviewers mark the quality questions on their marking pages: the second sees none
   of the first's marks before submitting their own sheet, and sees them afterwards (the lead
   submits a sheet too: every panel member's sheet is needed before moderation);
3. the lead agrees the marks with reasons and scores social value on the moderation page;
4. the lead awards the lot: the award is in standstill and the coordinator's results page shows
   the scores; the standstill ends and the confirming service runs as the beat task would, with
   a day after the standstill's end;
5. the contract is on the reviewer's and the coordinator's contracts pages; each member user
   sees its own sub-contract only;
6. each member's available capacity has dropped by its sub-contract's volume;
7. every page visited passes an axe scan (no serious or critical violation).

Set up beforehand, with services (what no page of this journey does): the tender with one lot,
the members' capacity and costs, and the consortium's joint bid, allocated fair share (60 and 40
of the lot's 100 weekday hours), priced, approved by the board and submitted before the deadline;
the two extra reviewers of the tendering council.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consortium.models import Role, TimeBand
from contracts.bidding.selectors.bids import financial_year_of
from contracts.bidding.services import allocation as allocation_services
from contracts.bidding.services import bids as bid_services
from contracts.evaluation.services.award import awards_confirm_due
from contracts.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    ContractStatus,
    Invitation,
    LotStatus,
    MarkSheet,
    ModeratedMark,
    PanelMember,
    SocialValueScore,
    SubContract,
    Tender,
    TenderStatus,
)
from contracts.tasks import close_tenders_past_deadline
from members.models import CapacityDeclaration
from tests import contracts_factories as cf
from tests import factories as f
from tests.browser.conftest import assert_accessible, menu, sign_in
from tests.builders import board_approves, ready, submit
from tests.pricing_factories import cost_submission

# serialized_rollback: see test_journeys.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal
DAY = TimeBand.WEEKDAY_DAY
REFERENCE = "CDF-ASC-2026-077"
TITLE = "Care and support at home: Cardiff west"
LOT_TITLE = "Home care, weekdays"
# Declared weekday capacity in Cardiff: fair share splits the lot's 100 hours 60:40.
CAPACITY_A, CAPACITY_B = D("90"), D("60")
SHARE_A, SHARE_B = D("60.00"), D("40.00")
QUESTIONS = (
    "How will you offer care in Welsh without the person having to ask?",
    "How will people using the service shape it?",
)
# Each reviewer's marks (question 1, question 2) with a comment only they wrote.
MARKS = {
    "panel-1": ((8, "Rhian: a named Welsh-speaking carer for every package."),
                (6, "Rhian: co-production is promised but not costed.")),
    "panel-2": ((6, "Owain: the Active Offer relies on one co-op's staff."),
                (8, "Owain: service users hold votes in both co-ops.")),
    "reviewer": ((7, "Lead: a credible Welsh-language plan."),
                 (7, "Lead: member control is real.")),
}
AGREED = ((7, "The panel agreed the Welsh plan is credible but thin in the west."),
          (7, "User votes in both co-ops show real co-production."))
SOCIAL_VALUE = ("75", "Specific local apprenticeships with numbers and dates.")


def success(page):
    return page.locator(".govuk-notification-banner--success")


def heading(page):
    return page.get_by_role("heading", level=1)


def main(page):
    return page.locator("main")


def number(text: str) -> Decimal:
    """A figure as a page shows it ("1,234.50", "90") as a Decimal."""
    return D(re.sub(r"[^0-9.\-]", "", text))


@pytest.fixture
def submitted(world):
    """The tender (deadline two days ahead), both members' capacity and costs, and the joint bid
    taken through the services to its submission; two more reviewers of the tendering council."""
    coordinator = world.user("coordinator")
    deadline = timezone.now() + dt.timedelta(days=2)
    start = timezone.localdate(deadline) + dt.timedelta(days=60)
    tender = cf.tender(world.council, deadline=deadline, reference=REFERENCE, title=TITLE,
                       contract_start=start,
                       contract_end=start.replace(year=start.year + 3) - dt.timedelta(days=1))
    lot = cf.lot(tender, title=LOT_TITLE, volumes={DAY: "100"}, ceiling_rate=D("45.00"), questions=0)
    for number_, text in enumerate(QUESTIONS, start=1):
        lot.questions.create(number=number_, text=text, max_marks=10)
    for coop, volume in ((world.coop_a, CAPACITY_A), (world.coop_b, CAPACITY_B)):
        f.CapacityDeclarationFactory(coop=coop, council=world.council, time_band=DAY, declared_volume=volume)
        cost_submission(coop, financial_year=financial_year_of(start))

    bid = bid_services.bid_open(tender=tender, by=coordinator,
                                response_deadline=timezone.now() + dt.timedelta(days=1))
    bid_lot = bid.bid_lots.get()
    bid_services.invitations_send(bid_lot=bid_lot, by=coordinator)
    for persona in ("member_a", "member_b"):
        user = world.user(persona)
        invitation = Invitation.objects.get(bid_lot=bid_lot, coop=user.member_link.coop)
        bid_services.invitation_respond(invitation=invitation, by=user, take_part=True)
    allocation_services.allocation_run(bid=bid, strategy="fair_share", by=coordinator)
    bid = ready(bid, world)
    for question in lot.questions.order_by("number"):
        bid_services.quality_answer_save(bid_lot=bid_lot, question=question, by=coordinator,
                                         answer=f"Our answer to question {question.number}, together.")
    bid_services.social_value_add(bid=bid, by=coordinator, heading="communities",
                                  measure="Local apprenticeships in Cardiff west", unit="people",
                                  quantity="4")
    submission = submit(board_approves(bid, world), world)

    for username, first, last in (("panel-1", "Rhian", "Evans"), ("panel-2", "Owain", "Price")):
        f.UserFactory(username=username, first_name=first, last_name=last, role=Role.COUNCIL_REVIEWER,
                      consortium=None, council=world.council)
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    assert dict(bid_lot.allocations.values_list("coop__trading_name", "volume")) == {
        "Gofal A": SHARE_A, "Gofal B": SHARE_B}
    return tender, lot, bid, submission


def mark_input(page, number_: int):
    return page.get_by_label(re.compile(rf"^Mark, 0 to 10: .*, question {number_}$"))


def comment_input(page, number_: int):
    return page.get_by_label(re.compile(rf"^Comment: .*, question {number_} \(optional\)$"))


def mark_sheet(page, username: str, lot_pk: int, *, keyboard: bool = False) -> None:
    """Open the marking page from the tender's review page and fill in the reviewer's marks
    (by keyboard: type a mark, Tab to its comment, type, Tab on to the next question's mark)."""
    page.get_by_role("link", name="Your marks for lot 1").click()
    expect(page).to_have_url(re.compile(rf"/review/lots/{lot_pk}/marks/$"))
    expect(heading(page)).to_have_text(f"Your marks: Lot 1: {LOT_TITLE}")
    for number_ in range(1, len(QUESTIONS) + 1):
        expect(main(page)).to_contain_text(f"Our answer to question {number_}, together.")
    if keyboard:
        mark_input(page, 1).focus()
    for number_, (mark, comment) in enumerate(MARKS[username], start=1):
        if keyboard:
            expect(mark_input(page, number_)).to_be_focused()
            page.keyboard.type(str(mark))
            page.keyboard.press("Tab")
            expect(comment_input(page, number_)).to_be_focused()
            page.keyboard.type(comment)
            page.keyboard.press("Tab")
        else:
            mark_input(page, number_).fill(str(mark))
            comment_input(page, number_).fill(comment)
    for number_, (mark, comment) in enumerate(MARKS[username], start=1):
        expect(mark_input(page, number_)).to_have_value(str(mark))
        expect(comment_input(page, number_)).to_have_value(comment)


def available(page) -> Decimal:
    """The available weekday volume in Cardiff on the member's capacity page."""
    table = page.get_by_role("table", name="Current declarations")
    row = table.get_by_role("row").filter(has_text="Weekday daytime").filter(has_text="Cardiff")
    expect(row).to_have_count(1)
    return number(row.locator("td").nth(4).locator("strong").text_content())


def submit_sheet(page) -> None:
    page.get_by_role("button", name="Save and submit my marks").click()
    expect(success(page)).to_contain_text("Your marks are submitted and sealed.")


def test_deadline_evaluation_independent_marking_moderation_award_standstill_contract_and_capacity(
        world, submitted, new_page):
    tender, lot, bid, submission = submitted
    consortium = world.consortium.name

    # The members' capacity before the award: nothing committed yet.
    members = {}
    available_before = {}
    for username, coop in (("member-a", world.coop_a), ("member-b", world.coop_b)):
        page = members[username] = new_page()
        sign_in(page, username)
        menu(page, "Capacity").click()
        expect(heading(page)).to_have_text(f"Capacity of {coop}")
        assert_accessible(page)
        available_before[username] = available(page)
    assert available_before == {"member-a": CAPACITY_A, "member-b": CAPACITY_B}

    # 1. The deadline passes; the closing task runs as the beat task would.
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now())
    assert close_tenders_past_deadline.apply().get() == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED and tender.lots.get().status == LotStatus.CLOSED

    lead = new_page()
    sign_in(lead, "reviewer")
    menu(lead, "Bids to review").click()
    expect(heading(lead)).to_have_text("Bids to review")
    assert_accessible(lead)
    lead.get_by_role("link", name=TITLE).click()
    expect(heading(lead)).to_have_text(TITLE)
    expect(main(lead)).to_contain_text(consortium)
    expect(main(lead).locator("code").first).to_contain_text(submission.sha256[:12])
    assert_accessible(lead)
    lead.get_by_role("button", name="Open the evaluation").click()
    expect(success(lead)).to_contain_text("The evaluation is open and you lead its panel.")
    assert_accessible(lead)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.IN_EVALUATION
    for name in ("Rhian Evans", "Owain Price"):
        lead.get_by_label("Add a reviewer of your council to the panel").select_option(label=name)
        lead.get_by_role("button", name="Add to the panel").click()
        expect(success(lead)).to_contain_text(f"{name} is on the panel.")
    panel = lead.locator("#panel + ul")
    for name in ("reviewer", "Rhian Evans", "Owain Price"):
        expect(panel).to_contain_text(name)
    assert_accessible(lead)
    assert set(PanelMember.objects.filter(tender=tender).values_list("reviewer__username", "is_lead")) == {
        ("reviewer", True), ("panel-1", False), ("panel-2", False)}

    # 2. Two reviewers mark the bid independently.
    reviewers = {}
    for username in ("panel-1", "panel-2"):
        page = reviewers[username] = new_page()
        sign_in(page, username)
        menu(page, "Bids to review").click()
        page.get_by_role("link", name=TITLE).click()
        expect(main(page)).to_contain_text("You are on the panel.")
        assert_accessible(page)
    first, second = reviewers["panel-1"], reviewers["panel-2"]

    mark_sheet(first, "panel-1", lot.pk)
    assert_accessible(first)
    first.get_by_role("button", name="Save my marks").click()  # saved, not yet submitted
    expect(success(first)).to_contain_text("Your marks are saved.")
    assert_accessible(first)
    submit_sheet(first)
    expect(main(first)).to_contain_text("No other reviewer has submitted marks yet.")
    assert_accessible(first)

    # Reviewer 2, before submitting: nothing of reviewer 1's sheet but that it is submitted.
    mark_sheet(second, "panel-2", lot.pk, keyboard=True)
    text = main(second).text_content()
    for (_mark, comment) in MARKS["panel-1"]:
        assert comment not in text, "reviewer 2 sees reviewer 1's comment before submitting"
    progress = second.get_by_role("table", name="The panel's progress")
    expect(progress.get_by_role("row", name=re.compile("^Rhian Evans"))).to_contain_text("Submitted")
    assert_accessible(second)
    submit_sheet(second)
    assert_accessible(second)
    # Reviewer 2, after submitting: reviewer 1's marks and comments beside their own.
    for number_, (mark, comment) in enumerate(MARKS["panel-1"], start=1):
        table = second.get_by_role("table", name=re.compile(rf"^Question {number_} \(out of 10\)"))
        row = table.get_by_role("row", name=re.compile("^Rhian Evans"))
        expect(row).to_contain_text(comment)
        expect(row.locator("td").first).to_have_text(str(mark))
        own = table.get_by_role("row", name=re.compile("^You"))
        expect(own.locator("td").first).to_have_text(str(MARKS["panel-2"][number_ - 1][0]))
    # Reviewer 1 now sees reviewer 2's marks too.
    first.reload()
    expect(main(first)).to_contain_text(MARKS["panel-2"][0][1])
    assert_accessible(first)

    # The lead cannot moderate before their own sheet is in; they mark and submit it.
    lead.get_by_role("link", name="Moderate lot 1").click()
    expect(heading(lead)).to_have_text(f"Agree the marks: Lot 1: {LOT_TITLE}")
    expect(main(lead)).to_contain_text("Submit your own marks for this lot first")
    expect(main(lead)).not_to_contain_text(MARKS["panel-1"][0][1])
    assert_accessible(lead)
    lead.get_by_role("link", name=tender.reference).click()  # breadcrumb back to the tender
    mark_sheet(lead, "reviewer", lot.pk)
    submit_sheet(lead)
    assert_accessible(lead)
    assert MarkSheet.objects.filter(lot=lot, submitted_at__isnull=False).count() == 3

    # 3. The lead moderates: agreed marks with reasons, and the social value score.
    lead.get_by_role("link", name="Agree the marks and score social value (lead reviewer)").click()
    expect(heading(lead)).to_have_text(f"Agree the marks: Lot 1: {LOT_TITLE}")
    for (_m, comment) in (*MARKS["panel-1"], *MARKS["panel-2"]):
        expect(main(lead)).to_contain_text(comment)
    assert_accessible(lead)
    lead.get_by_role("button", name="Save agreed marks and social value scores").click()  # nothing yet
    expect(lead.locator("main")).to_contain_text("Nothing was changed.")
    for number_, (mark, reason) in enumerate(AGREED, start=1):
        lead.get_by_label(re.compile(rf"^Agreed mark, 0 to 10: .*, question {number_}$")).fill(str(mark))
        lead.get_by_label(re.compile(rf"^Reason: .*, question {number_}$")).fill(reason)
    lead.get_by_label(re.compile(r"^Social value score \(%\)")).fill(SOCIAL_VALUE[0])
    lead.get_by_label(re.compile("^Reason for the social value score")).fill(SOCIAL_VALUE[1])
    lead.get_by_role("button", name="Save agreed marks and social value scores").click()
    expect(success(lead)).to_contain_text("3 changes saved.")
    scores = lead.get_by_role("table", name="Each bid's scores with their workings, highest total first")
    # Price 50 (the only bid: the lowest); quality 14/20 x 40 = 28.00; social value 75% x 10 = 7.50.
    row = scores.locator("tbody tr").filter(has_text=consortium)
    expect(row.locator("td").nth(1).locator("strong")).to_have_text("50.00")
    expect(row.locator("td").nth(2).locator("strong")).to_have_text("28.00")
    expect(row.locator("td").nth(3).locator("strong")).to_have_text("7.50")
    expect(row.locator("td").nth(4).locator("strong")).to_have_text("85.50")
    assert_accessible(lead)
    assert sorted(ModeratedMark.objects.filter(entry__lot=lot).values_list("question__number", "mark")) == [
        (1, 7), (2, 7)]
    assert SocialValueScore.objects.get(entry__lot=lot).percent == D("75.00")

    # 4. The lead awards the lot: standstill; the coordinator sees the scores.
    lead.get_by_role("link", name=tender.reference).click()
    lead.get_by_role("link", name="Award of lot 1").click()
    expect(heading(lead)).to_have_text(f"Award: Lot 1: {LOT_TITLE}")
    assert_accessible(lead)
    # By keyboard: choose the bid, Tab past the (optional) reason to the button.
    choice = lead.get_by_label(re.compile(f"^{consortium}: ranked 1, total 85.50"))
    choice.focus()
    lead.keyboard.press("Space")
    expect(choice).to_be_checked()
    lead.keyboard.press("Tab")
    expect(lead.get_by_label("Reason for the decision")).to_be_focused()
    lead.keyboard.press("Tab")
    expect(lead.get_by_role("button", name="Award the lot and start the standstill")).to_be_focused()
    lead.keyboard.press("Enter")
    expect(main(lead)).to_contain_text("The bidders see the decision and the scores at once")
    assert_accessible(lead)
    lead.get_by_role("button", name="Yes, award the lot").click()
    expect(success(lead)).to_contain_text("The lot is awarded. The standstill period has started")
    assert_accessible(lead)
    award = Award.objects.get(lot=lot)
    assert award.status == AwardStatus.STANDSTILL and award.decided_by == world.user("reviewer")
    decision = lead.locator("dl.govuk-summary-list").first
    expect(decision).to_contain_text(consortium)
    expect(decision).to_contain_text("In standstill")
    expect(lead.get_by_role("button", name="Confirm the award")).to_have_count(0)  # only after the standstill
    expect(main(lead)).to_contain_text("The award can be confirmed once the standstill has ended")

    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto(f"/bids/{bid.pk}/")
    coordinator.get_by_role("link", name="Evaluation results").click()
    expect(coordinator).to_have_url(re.compile(rf"/bids/{bid.pk}/results/$"))
    expect(heading(coordinator)).to_have_text("Evaluation results")
    expect(main(coordinator)).to_contain_text("Your bid won")
    expect(main(coordinator)).to_contain_text("The standstill period runs to the end of")
    results = coordinator.get_by_role("table", name="Scores for lot 1")
    expect(results.get_by_role("row", name=re.compile("^Your bid"))).to_contain_text("85.50")
    assert_accessible(coordinator)

    # The standstill ends: the confirming service runs as the beat task would, the day after.
    assert awards_confirm_due(today=award.standstill_ends) == 0  # still the standstill's last day
    assert awards_confirm_due(today=award.standstill_ends + dt.timedelta(days=1)) == 1
    award.refresh_from_db()
    contract = Contract.objects.get(award=award)
    assert award.status == AwardStatus.CONFIRMED
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.AWARDED
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.AWARDED
    assert contract.status == ContractStatus.PENDING
    lead.reload()
    expect(decision).to_contain_text("Confirmed")
    expect(lead.get_by_role("button", name="Confirm the award")).to_have_count(0)
    assert_accessible(lead)
    lead.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=tender.reference).click()
    expect(lead).to_have_url(re.compile(rf"/review/tenders/{tender.pk}/$"))
    expect(main(lead)).to_contain_text("The evaluation is finished.")
    expect(main(lead)).to_contain_text("awarded")
    assert_accessible(lead)
    coordinator.reload()
    expect(main(coordinator)).to_contain_text("Confirmed on")
    expect(results.get_by_role("row", name=re.compile("^Your bid"))).to_contain_text("85.50")
    assert_accessible(coordinator)

    # 5. The contract on the reviewer's and the coordinator's contracts pages.
    contract_link = f"{REFERENCE}, lot 1: {LOT_TITLE}"
    menu(lead, "Contracts").click()
    expect(heading(lead)).to_have_text("Contracts")
    lead_row = lead.get_by_role("row", name=re.compile(re.escape(contract_link)))
    expect(lead_row).to_contain_text(consortium)
    expect(lead_row).to_contain_text("Pending")
    assert_accessible(lead)
    menu(coordinator, "Contracts").click()
    expect(heading(coordinator)).to_have_text("Contracts")
    coordinator_row = coordinator.get_by_role("row", name=re.compile(re.escape(contract_link)))
    expect(coordinator_row).to_contain_text(world.council.name_en)
    expect(coordinator_row).to_contain_text(f"£{contract.value:,.2f}")
    assert_accessible(coordinator)

    # Each member sees its own sub-contract, and only that.
    volumes = {}
    for username, coop, share in (("member-a", world.coop_a, SHARE_A), ("member-b", world.coop_b, SHARE_B)):
        page = members[username]
        menu(page, "Our sub-contracts").click()
        expect(heading(page)).to_have_text("Our sub-contracts")
        expect(main(page).get_by_role("heading", level=2)).to_have_count(1)
        expect(main(page).get_by_role("heading", level=2)).to_have_text(f"{REFERENCE}, lot 1")
        lines = main(page).locator("tbody tr")
        expect(lines).to_have_count(1)
        expect(lines.locator("td").nth(2)).to_have_text(str(share))
        expect(lines.locator("td").nth(4)).to_have_text("Committed")
        other = world.coop_b if coop == world.coop_a else world.coop_a
        expect(main(page)).not_to_contain_text(other.legal_name)
        assert_accessible(page)
        volumes[username] = number(lines.locator("td").nth(2).text_content())
        sub = SubContract.objects.get(contract=contract, coop=coop)
        assert sub.lines.get().volume == share

    # 6. Each member's available capacity dropped by its sub-contract's volume.
    for username, coop in (("member-a", world.coop_a), ("member-b", world.coop_b)):
        page = members[username]
        menu(page, "Capacity").click()
        expect(heading(page)).to_have_text(f"Capacity of {coop}")
        assert_accessible(page)
        assert available(page) == available_before[username] - volumes[username]
    assert dict(CapacityDeclaration.objects.filter(is_current=True, council=world.council, time_band=DAY)
                .values_list("coop__trading_name", "committed_volume")) == {"Gofal A": SHARE_A,
                                                                          "Gofal B": SHARE_B}
