"""The pricing journey in a real browser, with an axe-core scan of every page visited.

1. member-a (Gofal A) submits its open-book costs for domiciliary support, this financial year,
   through the cost submission form (by keyboard);
2. the coordinator reads the cost-of-care evidence for Cardiff and Vale, opens a negotiation with
   Cardiff and proposes the opening position (rates per band, rationale; the aggregated evidence
   is attached to it);
3. the board approves it on the ballot page (a board member votes, the coordinator closes the vote);
4. Cardiff's reviewer sees the offer with aggregated evidence only, and makes a counter-offer;
5. the coordinator accepts the counter-offer;
6. the rate card is in force for the coordinator and the reviewer, and member-a sees the outcome
   against its own costs.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consortium.models import Role
from members.models import Ballot, BallotStatus, Vote
from pricing.models import (
    CostSubmission,
    Negotiation,
    NegotiationStatus,
    RateCard,
    RateCardStatus,
    RoundStatus,
)
from pricing.selectors.evidence import current_financial_year
from pricing.services.submissions import submission_window_set
from tests import factories as f
from tests.browser.conftest import assert_accessible, menu, sign_in
from tests.pricing_factories import cost_submission

# serialized_rollback: see test_journeys.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SERVICE = "Domiciliary support"
# Gofal A's costs as typed in the form (the example Welsh build-up, careworker pay £12.80):
# £32.67 per contact hour on weekdays; floors £35.65 in the evening, £38.63 at weekends.
# Gofal B (£13.40 an hour: £34.07) and Gofal Tri (£14.10: £35.70) have submitted already.
OWN_TOTAL, B_TOTAL, C_TOTAL = "32.67", "34.07", "35.70"
B_SHOWN = "34.00"  # the median as others see it: rounded down to a whole 10p (disclosure control)
OPENING = {"Weekday daytime": "35.00", "Evening": "38.50", "Weekend": "41.00"}
COUNTER = {"Weekday daytime": "33.50", "Evening": "36.80", "Weekend": "38.20"}


def success(page):
    return page.locator(".govuk-notification-banner--success")


def rate_field(page, band: str):
    """A band's rate field (optional bands are labelled so)."""
    return page.get_by_label(re.compile(rf"^{band} rate, pounds per hour"))


def type_through(page, first_label: str, values: list[str | None]) -> None:
    """Focus a field, then for each value type it (None: leave the control as it is) and Tab on."""
    page.get_by_label(first_label, exact=True).focus()
    for value in values:
        if value is not None:
            page.keyboard.type(value)
        page.keyboard.press("Tab")


@pytest.fixture
def pricing_world(world):
    """What the journey needs besides the personas: this year's window open, two other members'
    costs (so the evidence comes from three members) and a second board member."""
    year = current_financial_year()
    now = timezone.now()
    submission_window_set(consortium=world.consortium, financial_year=year,
                          opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30),
                          by=world.user("coordinator"))
    coop_c = f.MemberCoopFactory(consortium=world.consortium, legal_name="Cydweithfa C Cyf",
                                 trading_name="Gofal Tri", councils_served=[world.council])
    cost_submission(world.coop_b, financial_year=year, hourly_pay="13.40")
    cost_submission(coop_c, financial_year=year, hourly_pay="14.10")
    f.UserFactory(username="board-2", role=Role.BOARD_MEMBER, consortium=world.consortium)
    return year


def test_costs_evidence_negotiation_ballot_counter_offer_and_rate_card(world, pricing_world, new_page):
    year = pricing_world
    year_label = f"{year}-{(year + 1) % 100:02d}"

    # 1. member-a submits its costs, the whole form by keyboard.
    member = new_page()
    sign_in(member, "member-a")
    assert_accessible(member)  # dashboard
    menu(member, "Cost submissions").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Cost submissions")
    assert_accessible(member)
    member.get_by_role("link", name="Submit costs").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Submit costs")
    expect(member.locator(".govuk-caption-l")).to_have_text("Gofal A")
    assert_accessible(member)
    expect(member.get_by_label("Financial year", exact=True)).to_have_value(str(year))  # the open window's
    member.get_by_label("Service", exact=True).focus()
    member.keyboard.press("ArrowDown")  # the co-op's one service
    expect(member.get_by_label("Service", exact=True)).to_have_value(str(f.service().pk))
    type_through(member, "Careworker hourly pay (£)", [
        "12.80", None, "30", "8",  # pay; travel per hour left out: from the visits
        "9.5", None, "3", None, "12.07", None, "2", None, "1.5", None, "0.5", None,  # on-costs, in %
        "4.5", "45",  # mileage
        "10", "15", "20", "100",  # premiums
        "27", None, "3", None,  # running the business, surplus: shares of the price
        "Payroll report for October; rota analysis of visit lengths.",
    ])
    expect(member.get_by_role("button", name="Submit costs")).to_be_focused()
    member.keyboard.press("Enter")

    expect(success(member)).to_contain_text(f"Costs submitted for {SERVICE}, {year_label}: version 1, "
                                            f"£{OWN_TOTAL} per contact hour on weekdays.")
    expect(member.get_by_role("heading", level=1)).to_have_text(f"Costs for {SERVICE}, {year_label}")
    assert_accessible(member)
    own = CostSubmission.objects.get(coop=world.coop_a, financial_year=year, is_latest=True)
    assert (own.total, own.version, own.submitted_by, own.inputs["hourly_pay"]) == (
        Decimal(OWN_TOTAL), 1, world.user("member_a"), "12.8")
    assert dict(own.floors.values_list("time_band", "rate")) == {
        "weekday_day": Decimal("32.67"), "evening": Decimal("35.65"), "night": Decimal("37.14"),
        "weekend": Decimal("38.63"), "bank_holiday": Decimal("62.45")}

    # 2. The coordinator reads the evidence for the region, opens the negotiation, proposes.
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    assert_accessible(coordinator)  # dashboard
    menu(coordinator, "Cost evidence").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Cost-of-care evidence")
    assert_accessible(coordinator)
    expect(coordinator.get_by_label("Service type", exact=True)).to_have_value(str(f.service().pk))
    expect(coordinator.get_by_label("Financial year", exact=True)).to_have_value(str(year))
    region = coordinator.get_by_label("Region (Regional Partnership Board)", exact=True)
    region.select_option(label="Cardiff and Vale")
    coordinator.get_by_role("button", name="Show").click()
    heading = f"{SERVICE}, {year_label}, Cardiff and Vale"
    expect(coordinator.locator("#table-heading")).to_have_text(heading)
    assert_accessible(coordinator)
    table = coordinator.locator("#evidence-table")
    expect(table.locator("caption")).to_contain_text(": 3 members")
    total = table.locator('tr[data-row="total"] td')
    expect(total.nth(0)).to_have_text("3")
    expect(total.nth(2)).to_have_text(f"£{B_TOTAL}")  # median
    expect(total.nth(4)).to_have_text(f"£{OWN_TOTAL}")  # minimum: coordinators only
    expect(total.nth(5)).to_have_text(f"£{C_TOTAL}")  # maximum

    menu(coordinator, "Negotiations").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Negotiations")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Open a negotiation").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Open a negotiation")
    assert_accessible(coordinator)
    coordinator.get_by_label("Council", exact=True).select_option(label="Cardiff")
    coordinator.get_by_label("Service type", exact=True).select_option(label=SERVICE)
    coordinator.get_by_label("Financial year", exact=True).select_option(value=str(year))
    coordinator.get_by_role("button", name="Open the negotiation").click()
    title = f"Negotiation with Cardiff: {SERVICE}, {year_label}"
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(title)
    expect(success(coordinator)).to_contain_text("Negotiation opened")
    assert_accessible(coordinator)
    negotiation = Negotiation.objects.get(consortium=world.consortium)
    assert (negotiation.council, negotiation.service_type, negotiation.financial_year,
            negotiation.status) == (world.council, f.service(), year, NegotiationStatus.OPEN)
    negotiation_url = re.compile(rf"/pricing/negotiations/{negotiation.pk}/$")

    coordinator.get_by_role("link", name="Propose the opening position").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Propose the opening position")
    assert_accessible(coordinator)
    # The rates by keyboard (night and bank holiday left out); sent without a rationale first.
    type_through(coordinator, "Weekday daytime rate, pounds per hour",
                 [OPENING["Weekday daytime"], OPENING["Evening"], None, OPENING["Weekend"], None])
    expect(coordinator.get_by_label("Rationale", exact=True)).to_be_focused()
    coordinator.keyboard.press("Tab")
    expect(coordinator.get_by_role("button", name="Put to the board")).to_be_focused()
    coordinator.keyboard.press("Enter")
    expect(coordinator).to_have_title(re.compile("^Error:"))
    assert_accessible(coordinator)
    summary = coordinator.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        "Explain the offer: the rationale is shared with the other side.")  # not "This field is required."
    summary.get_by_role("link").click()
    expect(coordinator.get_by_label("Rationale", exact=True)).to_be_focused()
    expect(rate_field(coordinator, "Evening")).to_have_value(OPENING["Evening"])
    coordinator.keyboard.type("Members' median cost is £34.07 an hour on weekdays; the opening rates "
                              "carry it with a margin for recruitment.")
    coordinator.get_by_role("button", name="Put to the board").click()

    expect(coordinator).to_have_url(negotiation_url)
    expect(success(coordinator)).to_contain_text("Opening position proposed")
    assert_accessible(coordinator)
    round_1 = coordinator.locator("#round-1")
    expect(round_1.get_by_role("heading", level=3)).to_contain_text("Awaiting board approval")
    round_1.get_by_text("Cost-of-care evidence attached to round 1").click()
    expect(round_1.locator("table caption").first).to_contain_text("from 3 members")
    expect(round_1.get_by_role("row", name=re.compile("^Total per contact hour"))).to_contain_text(
        f"£{B_SHOWN}")
    opening = negotiation.rounds.get(number=1)
    assert opening.status == RoundStatus.AWAITING_APPROVAL
    assert {line.time_band: str(line.rate) for line in opening.rates.all()} == {
        "weekday_day": "35.00", "evening": "38.50", "weekend": "41.00"}
    assert opening.evidence["members"] == 3 and opening.evidence["total"]["median"] == B_SHOWN
    assert opening.ballot.status == BallotStatus.OPEN and opening.ballot.electorate == 2

    # 3. The board approves it: board votes for (by keyboard), the coordinator closes the vote.
    board = new_page()
    sign_in(board, "board")
    assert_accessible(board)  # dashboard
    menu(board, "Negotiations").click()
    assert_accessible(board)
    expect(board.locator("tbody")).to_contain_text("Board vote")
    board.get_by_role("link", name=re.compile("^Cardiff")).click()
    expect(board.get_by_role("heading", level=1)).to_have_text(title)
    assert_accessible(board)
    board.get_by_role("link", name="Vote on the opening position").click()
    expect(board.get_by_role("heading", level=1)).to_contain_text("Approve the opening position (round 1)")
    assert_accessible(board)
    board.get_by_label("For", exact=True).focus()
    board.keyboard.press("Space")
    expect(board.get_by_label("For", exact=True)).to_be_checked()
    board.keyboard.press("Tab")
    expect(board.get_by_role("button", name="Cast your vote")).to_be_focused()
    board.keyboard.press("Enter")
    expect(success(board)).to_contain_text("Your vote is recorded.")
    expect(board.get_by_text("You voted for.")).to_be_visible()
    expect(board.locator('[data-count="for"]')).to_have_text("1")
    assert_accessible(board)
    assert Vote.objects.get(ballot=opening.ballot).voter == world.user("board")
    assert Ballot.objects.get(pk=opening.ballot_id).status == BallotStatus.OPEN  # board-2 may vote

    # The coordinator, still on the negotiation, closes the vote from the ballot page.
    coordinator.get_by_role("link", name="Close the vote and record the result").click()
    expect(coordinator.locator("tbody").last).to_contain_text("board")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Close the vote and record the result").click()
    expect(success(coordinator)).to_contain_text("The vote is closed: carried.")
    assert_accessible(coordinator)
    opening.refresh_from_db()
    assert opening.status == RoundStatus.OFFERED
    assert opening.ballot.status == BallotStatus.CARRIED

    # 4. Cardiff's reviewer sees the offer, with aggregated evidence only, and counters.
    reviewer = new_page()
    sign_in(reviewer, "reviewer")
    assert_accessible(reviewer)  # dashboard
    menu(reviewer, "Negotiations").click()
    assert_accessible(reviewer)
    reviewer.get_by_role("link", name=re.compile("^Cardiff")).click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(title)
    reviewer.get_by_text("Cost-of-care evidence attached to round 1").click()
    expect(reviewer.locator("#round-1 table caption")).to_contain_text("from 3 members (aggregated")
    assert_accessible(reviewer)
    text = reviewer.locator("main").text_content()  # hidden text too
    for secret in ("Gofal A", "Gofal B", "Gofal Tri", "Cydweithfa", OWN_TOTAL, C_TOTAL, "Board approval",
                   "coordinator"):
        assert secret not in text, f"the council's reviewer sees {secret!r}"
    assert f"£{B_SHOWN}" in text  # the median of totals, rounded, is the aggregate they are given
    reviewer.get_by_role("link", name="Make a counter-offer").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Make a counter-offer")
    assert_accessible(reviewer)
    for band, rate in COUNTER.items():
        field = rate_field(reviewer, band)
        expect(field).to_have_value(OPENING[band])  # starts from the offer answered
        field.fill(rate)
    expect(rate_field(reviewer, "Night")).to_have_count(0)
    reviewer.get_by_label("Rationale", exact=True).fill(
        "Within the council's budget for the year after the Real Living Wage uplift.")
    reviewer.get_by_role("button", name="Make the offer").click()
    expect(success(reviewer)).to_contain_text("Counter-offer made.")
    expect(reviewer.locator("#round-2 h3")).to_contain_text("Offered")
    assert_accessible(reviewer)
    counter = negotiation.rounds.get(number=2)
    assert (counter.party, counter.status, counter.evidence) == ("council", RoundStatus.OFFERED, {})
    assert negotiation.rounds.get(number=1).status == RoundStatus.COUNTERED

    # 5. The coordinator accepts the council's counter-offer.
    coordinator.get_by_role("link", name="Back").click()  # from the ballot page
    expect(coordinator).to_have_url(negotiation_url)
    expect(round_1.get_by_role("heading", level=3)).to_contain_text("Countered")
    expect(coordinator.locator("#round-2 h3")).to_contain_text("offered by the council")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Accept the offer of round 2").click()
    expect(success(coordinator)).to_contain_text("Offer accepted")
    expect(coordinator.locator("main")).to_contain_text("Status: Agreed")
    assert_accessible(coordinator)
    negotiation.refresh_from_db()
    card = RateCard.objects.get(negotiation=negotiation)
    assert negotiation.status == NegotiationStatus.AGREED
    assert negotiation.rounds.get(number=2).status == RoundStatus.ACCEPTED
    assert (card.status, card.council, card.financial_year, card.effective_from) == (
        RateCardStatus.IN_FORCE, world.council, year, dt.date(year, 4, 1))
    assert {r.time_band: str(r.rate) for r in card.rates.all()} == {
        "weekday_day": "33.50", "evening": "36.80", "weekend": "38.20"}

    # 6. The rate card, for the coordinator ...
    coordinator.get_by_role("link", name="See the rate card").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"Rate card: Cardiff, {year_label}")
    assert_accessible(coordinator)
    for band, value in (("weekday_day", "33.50"), ("evening", "36.80"), ("weekend", "38.20")):
        expect(coordinator.locator(f'tr[data-band="{band}"] td')).to_have_text(f"£{value}")
    expect(coordinator.locator('tr[data-band="night"] td')).to_have_text("No rate")
    menu(coordinator, "Rate cards").click()
    assert_accessible(coordinator)
    row = coordinator.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("In force")
    expect(row).to_contain_text("£33.50")

    # ... for the reviewer ...
    menu(reviewer, "Rate cards").click()
    assert_accessible(reviewer)
    row = reviewer.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link")).to_contain_text("Cardiff")
    expect(row.locator("td")).to_have_text([year_label, f"From 1 Apr {year}", "In force", "£33.50",
                                            "£36.80", re.compile("no rate"), "£38.20", re.compile("no rate")])

    # ... and member-a sees the outcome against its own floors.
    menu(member, "Negotiations").click()
    assert_accessible(member)
    member.get_by_role("link", name=re.compile("^Cardiff")).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    assert_accessible(member)
    coverage = member.get_by_test_id("coverage")
    weekday = coverage.get_by_role("row", name=re.compile("^Weekday daytime"))
    expect(weekday.locator("td")).to_have_text(["£33.50", "£32.67", "£0.83", "2.5%", "Yes"])
    weekend = coverage.get_by_role("row", name=re.compile("^Weekend"))
    expect(weekend.locator("td")).to_have_text(["£38.20", "£38.63", "\u2212£0.43", "-1.1%",
                                                "No: below your floor"])
    expect(member.locator("main")).not_to_contain_text("Gofal B")
