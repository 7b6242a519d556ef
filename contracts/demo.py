"""The tenders and joint bids part of the demo, built on the member register part
(``members.demo``) through the services, as people would make it:

- Cardiff's reviewer records a tender with two lots (home care; supported living) and publishes
  it, its deadline four weeks ahead;
- the members offering each lot's service in Cardiff have submitted their costs for the year
  the contract starts in (the floors the bid is priced from);
- the coordinator opens the consortium's bid, sets the date members answer by and invites the
  members; Gofal Taf (``member-a``) takes part in both lots, Bro Homecare (``member-b``) in the
  first, Llais has not answered yet; the allocation is run (lowest cost).

So the coordinator finds a bid with its matrix, each member the work proposed to it, waiting for
its answer, and Cardiff's reviewer the tender but no sign of the bid.

Before it, a tender whose deadline has passed, for Cardiff's reviewers to evaluate: recorded
five weeks ago (the services are run as of then, so every record and its history carries that
day), its one lot bid for jointly by Gofal Taf and Bro Homecare (answers, social value, the
board's vote, the sealed submission) and by a single provider whose bid the reviewer recorded.
Cardiff's reviewer (``reviewer``) has opened the evaluation and leads a panel with a second
reviewer (``reviewer-2``): both can mark, then the lead moderates and awards.

And four more Cardiff tenders (STAGES, ``seed_stages``), each with the consortium's bid stopped at
one later stage, so that every stage has something a login can do now: the board's vote, the
submission, an award in its standstill, an award whose standstill has ended (to confirm).

Loaded once: a tender already there (by council and reference) is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from consortium.models import Council, ServiceType, TimeBand
from contracts.bidding.selectors.bids import financial_year_of
from contracts.bidding.services import allocation as allocation_services
from contracts.bidding.services import bids as bid_services
from contracts.bidding.services import submission as submission_services
from contracts.delivery.sealing import COUNTS
from contracts.delivery.services import contracts as contract_services
from contracts.delivery.services import invoices as invoice_services
from contracts.delivery.services import payments as payment_services
from contracts.delivery.services import returns as return_services
from contracts.evaluation.services import award as award_services
from contracts.evaluation.services import review as review_services
from contracts.evaluation.services import scoring as scoring_services
from contracts.models import (
    Award,
    Bid,
    BidStatus,
    Contract,
    DeliveryReturn,
    Entry,
    Invitation,
    MemberResponse,
    Procedure,
    SocialValueHeading,
    Tender,
    TenderStatus,
)
from contracts.tendering.services import tenders as tender_services
from members import bank, governance
from members.demo import MembersDemo
from members.models import VoteChoice
from pricing.models import CostSubmission, SubmissionWindow
from pricing.services import negotiations as negotiation_services
from pricing.services.submissions import cost_submit, submission_window_set

COUNCIL = "GB-CRF"
REFERENCE = "CDF-ASC-2026-017"
TITLE = "Care and support at home and supported living, Cardiff"
DESCRIPTION = (
    "Cardiff Council seeks providers of domiciliary care and supported living for adults across "
    "the city, under the light-touch regime, for three years from the start date. Care is to be "
    "offered in Welsh without the person having to ask (the Active Offer); bids from consortia of "
    "social enterprises and co-operatives are welcome (Social Services and Well-being (Wales) Act "
    "2014, section 16)."
)
LOTS = [
    {
        "number": 1, "title": "Care and support at home", "service": "domiciliary-support",
        "ceiling_rate": Decimal("38.50"), "welsh_share_percent": Decimal("10"),
        "volumes": {TimeBand.WEEKDAY_DAY: Decimal("50"), TimeBand.EVENING: Decimal("12")},
        "questions": [
            ("How will you make the Active Offer of care in Welsh to every person you support?", 20),
            ("How will people who draw on care and their families shape how their support is given?", 20),
        ],
    },
    {
        "number": 2, "title": "Supported living", "service": "supported-living",
        "ceiling_rate": Decimal("32.00"), "welsh_share_percent": Decimal("20"),
        "volumes": {TimeBand.WEEKDAY_DAY: Decimal("30"), TimeBand.EVENING: Decimal("8")},
        "questions": [
            ("How will tenants choose who supports them and how their home is run?", 20),
        ],
    },
]
# Who takes part: (trading name, lot number, demo user answering for the co-op).
OPT_INS = [("Gofal Taf", 1, "member-a"), ("Gofal Taf", 2, "member-a"), ("Bro Homecare", 1, "member-b")]
# Open-book costs for the contract's first year: (trading name, service, hourly pay, minutes per
# visit, travel minutes per visit). Supported living has long visits and little travel.
COSTS = [
    ("Gofal Taf", "domiciliary-support", "12.60", "30", "8"),
    ("Gofal Taf", "supported-living", "12.60", "60", "3"),
    ("Bro Homecare", "domiciliary-support", "12.85", "30", "8"),
    # Not in Cardiff, but a third contributor to the consortium's cost-of-care statistics.
    ("Cynon Care", "domiciliary-support", "12.93", "30", "9"),
]
# The second consortium's member, bidding through it for the same tender's first lot.
RIVAL_COSTS = [("Gofal Hafren", "domiciliary-support", "12.75", "30", "8")]


# The tender in evaluation: recorded and bid for as of BID_WEEKS_AGO, so its deadline (four
# weeks after) passed a week ago.
BID_WEEKS_AGO = 5
EVALUATION = {
    "reference": "CDF-ASC-2026-009",
    "title": "Care and support at home, north Cardiff",
    "description": (
        "Cardiff Council seeks care and support at home for adults in the north of the city "
        "(Llanishen, Rhiwbina, Whitchurch and Llandaff North), under the light-touch regime, for "
        "three years from the start date, with the Active Offer of care in Welsh."
    ),
    "lots": [{
        "number": 1, "title": "Care and support at home, north Cardiff", "service": "domiciliary-support",
        "ceiling_rate": Decimal("39.00"), "welsh_share_percent": Decimal("15"),
        "volumes": {TimeBand.WEEKDAY_DAY: Decimal("40"), TimeBand.EVENING: Decimal("10")},
        "questions": [
            ("How will you make the Active Offer of care in Welsh to every person you support?", 20),
            ("How will you keep the same small team of carers with each person?", 20),
        ],
    }],
}
EVALUATION_OPT_INS = [("Gofal Taf", "member-a"), ("Bro Homecare", "member-b")]
EVALUATION_ANSWERS = [
    "Every person is asked at the first visit, in Welsh and English, which language they want "
    "their care in; Gofal Taf's Welsh-speaking carers take the rounds of those who choose "
    "Welsh, and the rota shows each carer's Welsh level so that no one has to ask again.",
    "Each person has a team of at most four carers, named in their care plan; the two co-ops "
    "plan rounds by neighbourhood, so the same carers cover the same streets, and cover for "
    "holidays comes from within the team.",
]
EVALUATION_COMMITMENT = {
    "heading": SocialValueHeading.CO_PRODUCTION,
    "measure": "People who draw on care and their families sitting on the service's quarterly "
               "review panel",
    "unit": "people", "quantity": Decimal("8"),
}
# The live contract: a tender recorded DELIVERY_WEEKS_AGO, bid for by the consortium (the same
# members and answers as the one in evaluation, and DELIVERY_COMMITMENTS below), marked by the
# panel, awarded and confirmed after its standstill; its contract started some three months ago.
DELIVERY_WEEKS_AGO = 30
DELIVERY = {
    "reference": "CDF-ASC-2026-004",
    "title": "Care and support at home, Cardiff Bay and Grangetown",
    "description": (
        "Cardiff Council seeks care and support at home for adults in Butetown, Grangetown and "
        "Cardiff Bay, under the light-touch regime, for three years from the start date, with the "
        "Active Offer of care in Welsh."
    ),
    "lots": [{
        "number": 1, "title": "Care and support at home, Cardiff Bay and Grangetown",
        "service": "domiciliary-support", "ceiling_rate": Decimal("39.00"),
        "welsh_share_percent": Decimal("10"),
        "volumes": {TimeBand.WEEKDAY_DAY: Decimal("24"), TimeBand.EVENING: Decimal("6")},
        "questions": [
            ("How will you make the Active Offer of care in Welsh to every person you support?", 20),
            ("How will you keep the same small team of carers with each person?", 20),
        ],
    }],
}
# The live contract's bid promised more social value than the one in evaluation: the same
# review panel, and what its members promised for the neighbourhood (outcomes.demo tracks each,
# some answered by a member, some by the consortium).
DELIVERY_COMMITMENTS = [
    EVALUATION_COMMITMENT,
    {"heading": SocialValueHeading.COMMUNITIES,
     "measure": "Care workers recruited from Butetown, Grangetown and Cardiff Bay",
     "unit": "people", "quantity": Decimal("12")},
    {"heading": SocialValueHeading.WELL_BEING,
     "measure": "Care workers completing dementia care training on the Social Care Wales framework",
     "unit": "care workers", "quantity": Decimal("20")},
    {"heading": SocialValueHeading.SOCIAL_CAPITAL,
     "measure": "Hours volunteered by members at the Grangetown community lunch club",
     "unit": "hours", "quantity": Decimal("360")},
]
# The panel's marks for the two questions: (reviewer, marks), then the agreed marks.
DELIVERY_MARKS = [("reviewer", [16, 15]), ("reviewer-2", [15, 17])]
DELIVERY_AGREED = [16, 16]

# The live contract's first three ended billing periods, each member's hours per time band (Cardiff)
# and visits' counts (planned, delivered, missed, late, cut short): the first paid in full and its
# money paid on to the members; the second paid in part by the council; the third's invoice with
# a line the council queried. The next period has returns under way (OPEN_RETURNS); any later
# period that has ended waits for its returns.
DELIVERY_RETURNS = [
    {"Gofal Taf": ({TimeBand.WEEKDAY_DAY: "94.50", TimeBand.EVENING: "16.00"}, (196, 193, 3, 6, 2)),
     "Bro Homecare": ({TimeBand.EVENING: "8.00"}, (16, 16, 0, 1, 0))},
    {"Gofal Taf": ({TimeBand.WEEKDAY_DAY: "97.25", TimeBand.EVENING: "15.50"}, (198, 197, 1, 4, 1)),
     "Bro Homecare": ({TimeBand.EVENING: "7.50"}, (16, 15, 1, 0, 0))},
    {"Gofal Taf": ({TimeBand.WEEKDAY_DAY: "95.00", TimeBand.EVENING: "16.00"}, (196, 195, 1, 3, 2)),
     "Bro Homecare": ({TimeBand.EVENING: "8.00"}, (16, 16, 0, 0, 0))},
]
# The period after those three (begun, perhaps ended): Gofal Taf's return submitted, for the
# coordinator to check; Bro Homecare's written but not submitted yet, for its member to submit.
# (hours per time band, visits' counts, submitted)
OPEN_RETURNS = {
    "Gofal Taf": ({TimeBand.WEEKDAY_DAY: "48.50", TimeBand.EVENING: "8.00"}, (98, 97, 1, 2, 1), True),
    "Bro Homecare": ({TimeBand.EVENING: "4.00"}, (8, 8, 0, 0, 0), False),
}
DELIVERY_PART_PAID = Decimal("0.6")  # the share of the second invoice the council has paid so far
DELIVERY_QUERY = ("The weekday hours are above what we planned for the period: please send the "
                  "visits behind them.")
# Members' bank details (invented): (trading name, sort code, account number, name on the account).
BANK_DETAILS = [("Gofal Taf", "309634", "41526378", "CYDWEITHFA GOFAL T"),
                ("Bro Homecare", "200415", "73019284", "BRO HOMECARE COOP")]
# The April uplift: the rates agreed with Cardiff for the next financial year, in force from 1 April.
UPLIFT_RATES = {TimeBand.WEEKDAY_DAY: Decimal("35.30"), TimeBand.EVENING: Decimal("39.25")}

# A bid made to the council directly by a single provider (invented), per time band.
OUTSIDE_BID = ("Capital Homecare Services Ltd", "10234567",
               {TimeBand.WEEKDAY_DAY: "36.40", TimeBand.EVENING: "38.90"})


@contextmanager
def as_of(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: the demo's history starts weeks before the
    day it is loaded, as a real one would (each service reads the time from ``timezone.now``)."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def _percent(value: str) -> dict:
    return {"value": value, "basis": "percent"}


def cost_inputs(hourly_pay: str, visit_minutes: str, travel_minutes: str) -> dict:
    """A Welsh build-up on the Real Living Wage (illustrative, not a published rate)."""
    return {
        "hourly_pay": hourly_pay, "visit_minutes": visit_minutes, "travel_minutes_per_visit": travel_minutes,
        "national_insurance": _percent("9.5"), "pension": _percent("3"), "holiday": _percent("12.07"),
        "training": _percent("2"), "sick_pay": _percent("1.5"), "notice": _percent("0.5"),
        "miles_per_hour": "4.5", "pence_per_mile": "45",
        "evening_premium": "10", "night_premium": "15", "weekend_premium": "20",
        "bank_holiday_premium": "100",
        "running_costs": _percent("27"), "surplus": _percent("3"),
    }


def dates(now: dt.datetime) -> dict:
    """The deadline four weeks ahead at noon; the contract from the first of a month at least
    eight weeks after it, for three years."""
    deadline = (timezone.localtime(now) + dt.timedelta(weeks=4)).replace(hour=12, minute=0, second=0,
                                                                         microsecond=0)
    earliest = deadline.date() + dt.timedelta(weeks=8)
    start = (earliest.replace(day=1) + dt.timedelta(days=32)).replace(day=1) if earliest.day > 1 else earliest
    return {
        "submission_deadline": deadline,
        "clarification_deadline": deadline - dt.timedelta(days=10),
        "expected_award_date": deadline.date() + dt.timedelta(weeks=5),
        "contract_start": start,
        "contract_end": start.replace(year=start.year + 3) - dt.timedelta(days=1),
    }


def seed(demo: MembersDemo, rival: MembersDemo | None = None) -> Bid | None:
    """Add the tenders and bids once (call inside a transaction); returns the bid in progress."""
    council = Council.objects.get(code=COUNCIL)
    seed_evaluation(demo, council)
    tender = Tender.objects.filter(council=council, reference__iexact=REFERENCE).first()
    if tender is not None:
        bid = Bid.objects.filter(consortium=demo.consortium, tender=tender).first()
    else:
        now = timezone.now()
        tender = _tender(council, demo.users["reviewer"], now)
        _costs(demo, financial_year_of(tender.contract_start), now)
        bid = _bid(demo, tender, now)
    if rival is not None:
        seed_rival(rival, tender)
    return bid


def seed_rival(rival: MembersDemo, tender: Tender) -> Bid | None:
    """The second consortium's bid for the same tender's first lot (once): its member's costs,
    the invitation it takes up and the allocation, as the first consortium's."""
    existing = Bid.objects.filter(consortium=rival.consortium, tender=tender).first()
    if existing is not None:
        return existing
    if tender.status != TenderStatus.PUBLISHED or tender.submission_deadline <= timezone.now():
        return None  # a demo loaded long ago: its tender is past bidding
    now = timezone.now()
    _costs(rival, financial_year_of(tender.contract_start), now, costs=RIVAL_COSTS)
    coordinator = rival.users["coordinator"]
    bid = bid_services.bid_open(tender=tender, by=coordinator, lots=list(tender.lots.filter(number=1)),
                                response_deadline=tender.submission_deadline - dt.timedelta(days=14))
    bid_lot = bid.bid_lots.get()
    bid_services.invitations_send(bid_lot=bid_lot, by=coordinator)
    for invitation in Invitation.objects.filter(bid_lot=bid_lot).order_by("pk"):
        bid_services.invitation_respond(invitation=invitation, by=rival.users["member"], take_part=True)
    allocation_services.allocation_run(bid=bid, strategy=allocation_services.Strategy.LOWEST_COST.value,
                                       by=coordinator)
    return bid


def _tender(council: Council, reviewer, now: dt.datetime, *, reference: str = REFERENCE, title: str = TITLE,
            description: str = DESCRIPTION, lots: list[dict] | None = None) -> Tender:
    lots = LOTS if lots is None else lots
    tender = tender_services.tender_create(
        council=council, by=reviewer, reference=reference, title=title, description=description,
        procedure=Procedure.LIGHT_TOUCH, **dates(now),
    )
    services = {s.code: s for s in ServiceType.objects.filter(code__in={lot["service"] for lot in lots})}
    for lot in lots:
        tender_services.lot_create(
            tender=tender, by=reviewer, number=lot["number"], title=lot["title"],
            service_type=services[lot["service"]], areas=[council], duration_weeks=156,
            ceiling_rate=lot["ceiling_rate"], welsh_share_percent=lot["welsh_share_percent"],
            max_provider_share_percent=None, price_weight=50, quality_weight=40, social_value_weight=10,
            volumes=lot["volumes"],
            questions=[{"text": text, "max_marks": marks} for text, marks in lot["questions"]],
        )
    return tender_services.tender_transition(tender=tender, to=TenderStatus.PUBLISHED, by=reviewer)


def _costs(demo: MembersDemo, year: int, now: dt.datetime, *, costs: list[tuple] = COSTS) -> None:
    coordinator = demo.users["coordinator"]
    if not SubmissionWindow.objects.filter(consortium=demo.consortium, financial_year=year).exists():
        submission_window_set(consortium=demo.consortium, financial_year=year,
                              opens_at=now - dt.timedelta(days=14), closes_at=now + dt.timedelta(weeks=8),
                              by=coordinator)
    services = {s.code: s for s in ServiceType.objects.filter(code__in={c[1] for c in costs})}
    for trading_name, service, pay, visit, travel in costs:
        coop = demo.coops[trading_name]
        if CostSubmission.objects.filter(coop=coop, service_type=services[service],
                                         financial_year=year).exists():
            continue
        cost_submit(coop=coop, service_type=services[service], financial_year=year,
                    inputs=cost_inputs(pay, visit, travel), by=coordinator,
                    evidence_notes="Payroll report and rota analysis of visit lengths, last quarter.")


def _bid(demo: MembersDemo, tender: Tender, now: dt.datetime) -> Bid:
    coordinator = demo.users["coordinator"]
    bid = bid_services.bid_open(tender=tender, by=coordinator)
    answer_by = tender.submission_deadline - dt.timedelta(days=14)
    bid = bid_services.bid_update_settings(bid=bid, by=coordinator, response_deadline=answer_by)
    bid_lots = {bl.lot.number: bl for bl in bid.bid_lots.select_related("lot")}
    for bid_lot in bid_lots.values():
        bid_services.invitations_send(bid_lot=bid_lot, by=coordinator)
    for trading_name, number, username in OPT_INS:
        invitation = Invitation.objects.get(bid_lot=bid_lots[number], coop=demo.coops[trading_name])
        bid_services.invitation_respond(invitation=invitation, by=demo.users[username], take_part=True)
    allocation_services.allocation_run(bid=bid, strategy=allocation_services.Strategy.LOWEST_COST.value,
                                       by=coordinator)
    return bid


# --- the tender in evaluation ---------------------------------------------------------------------

def evaluation_tender() -> Tender | None:
    return Tender.objects.filter(council__code=COUNCIL, reference__iexact=EVALUATION["reference"]).first()


def seed_evaluation(demo: MembersDemo, council: Council) -> Tender:
    """The tender whose deadline has passed, with the consortium's submitted bid and an outside
    bid, its evaluation opened by ``reviewer`` with ``reviewer-2`` on the panel."""
    spec = EVALUATION
    existing = Tender.objects.filter(council=council, reference__iexact=spec["reference"]).first()
    if existing is not None:
        return existing
    now = timezone.now()
    then = now - dt.timedelta(weeks=BID_WEEKS_AGO)
    reviewer = demo.users["reviewer"]
    with as_of(then):
        tender = _tender(council, reviewer, then, reference=spec["reference"], title=spec["title"],
                         description=spec["description"], lots=spec["lots"])
        _costs(demo, financial_year_of(tender.contract_start), then)
        _submitted_bid(demo, tender, then)
    tender_services.tenders_close_past_deadline(now)
    tender = review_services.evaluation_open(tender=Tender.objects.get(pk=tender.pk), by=reviewer)
    review_services.panel_add(tender=tender, reviewer=demo.users["reviewer-2"], by=reviewer)
    name, identifier, rates = OUTSIDE_BID
    lot = tender.lots.get(number=1)
    review_services.external_bid_record(tender=tender, by=reviewer, bidder_name=name,
                                        bidder_identifier=identifier, rates={lot.pk: rates})
    return tender


def _submitted_bid(demo: MembersDemo, tender: Tender, now: dt.datetime, *,
                   strategy: str = allocation_services.Strategy.LOWEST_COST.value,
                   commitments: tuple[dict, ...] | list[dict] = (EVALUATION_COMMITMENT,),
                   until: str = BidStatus.SUBMITTED) -> Bid:
    """The consortium's joint bid taken through every step to its sealed submission, or only as
    far as ``until``: sent to the board (its ballot open, no one has voted) or approved by it."""
    coordinator = demo.users["coordinator"]
    bid = bid_services.bid_open(tender=tender, by=coordinator)
    answer_by = tender.submission_deadline - dt.timedelta(days=14)
    bid = bid_services.bid_update_settings(bid=bid, by=coordinator, response_deadline=answer_by)
    bid_lot = bid.bid_lots.select_related("lot").get()
    bid_services.invitations_send(bid_lot=bid_lot, by=coordinator)
    for trading_name, username in EVALUATION_OPT_INS:
        invitation = Invitation.objects.get(bid_lot=bid_lot, coop=demo.coops[trading_name])
        bid_services.invitation_respond(invitation=invitation, by=demo.users[username], take_part=True)
    allocation_services.allocation_run(bid=bid, strategy=strategy, by=coordinator)
    answering = {demo.coops[name].pk: demo.users[username] for name, username in EVALUATION_OPT_INS}
    for response in MemberResponse.objects.filter(bid=bid).order_by("pk"):
        bid_services.response_accept(response=response, by=answering[response.coop_id])
    bid_services.bid_prices_calculate(bid=bid, by=coordinator)
    for question, answer in zip(bid_lot.lot.questions.order_by("pk"), EVALUATION_ANSWERS, strict=True):
        bid_services.quality_answer_save(bid_lot=bid_lot, question=question, answer=answer, by=coordinator)
    for commitment in commitments:
        bid_services.social_value_add(bid=bid, by=coordinator, **commitment)
    bid = bid_services.bid_send_for_approval(bid=Bid.objects.get(pk=bid.pk), by=coordinator)
    if until == BidStatus.AWAITING_APPROVAL:
        return bid
    for voter in governance.board_members(demo.consortium).order_by("pk"):
        governance.vote_cast(ballot=bid.ballot, voter=voter, choice=VoteChoice.FOR)
    bid = Bid.objects.get(pk=bid.pk)
    if until == BidStatus.APPROVED:
        return bid
    submission_services.bid_submit(bid=bid, by=coordinator)
    return bid


# --- a tender at each later stage of a joint bid -----------------------------------------------

# Four more Cardiff tenders, each with the consortium's joint bid (Gofal Taf and Bro Homecare, as
# the one in evaluation) stopped at one stage, so that a newcomer can do that stage's step now,
# with the login named: the board's vote (``board``), the submission (``coordinator``), an award
# in its standstill (``reviewer``: cancel it, or wait; the consortium sees the results) and an award
# whose standstill has ended (``reviewer``: "Confirm the award", and the contract and members'
# sub-contracts are made; the hourly beat task does it if nobody has).
QUESTIONS = EVALUATION["lots"][0]["questions"]  # the answers of EVALUATION_ANSWERS fit them


def _stage(reference: str, area: str, districts: str, weekday: str, evening: str) -> dict:
    return {
        "reference": reference,
        "title": f"Care and support at home, {area}",
        "description": (
            f"Cardiff Council seeks care and support at home for adults in {districts}, under the "
            "light-touch regime, for three years from the start date, with the Active Offer of care "
            "in Welsh."
        ),
        "lots": [{
            "number": 1, "title": f"Care and support at home, {area}", "service": "domiciliary-support",
            "ceiling_rate": Decimal("39.00"), "welsh_share_percent": Decimal("10"),
            "volumes": {TimeBand.WEEKDAY_DAY: Decimal(weekday), TimeBand.EVENING: Decimal(evening)},
            "questions": QUESTIONS,
        }],
    }


# The stages, by the step a newcomer can take now.
APPROVAL, SUBMISSION, STANDSTILL, CONFIRMATION = "approval", "submission", "standstill", "confirmation"
# (stage, how many weeks ago the tender was recorded and the bid made, how far the bid goes before
# the deadline, the tender), oldest first. One made 9 weeks ago was awarded five weeks ago, its
# standstill long over; one made 4 weeks and 2 days ago was awarded yesterday (its standstill runs
# some ten days more); a bid made a week ago has its deadline three weeks ahead.
STAGES = [
    (CONFIRMATION, Decimal(9), BidStatus.SUBMITTED,
     _stage("CDF-ASC-2026-006", "Canton and Riverside", "Canton, Riverside and Pontcanna", "8", "2")),
    (STANDSTILL, Decimal(4) + Decimal(2) / 7, BidStatus.SUBMITTED,
     _stage("CDF-ASC-2026-008", "Llanrumney and St Mellons", "Llanrumney, St Mellons and Trowbridge",
            "8", "2")),
    (APPROVAL, Decimal(1), BidStatus.AWAITING_APPROVAL,
     _stage("CDF-ASC-2026-014", "Ely and Caerau", "Ely, Caerau and Fairwater", "8", "2")),
    (SUBMISSION, Decimal(1), BidStatus.APPROVED,
     _stage("CDF-ASC-2026-015", "Splott and Adamsdown", "Splott, Adamsdown and Tremorfa", "8", "2")),
]
AWARDED = (STANDSTILL, CONFIRMATION)


def stage_tender(stage: str) -> Tender | None:
    """The demo's tender at ``stage`` (one of STAGES')."""
    reference = next(spec["reference"] for name, _weeks, _until, spec in STAGES if name == stage)
    return Tender.objects.filter(council__code=COUNCIL, reference__iexact=reference).first()


def seed_stages(demo: MembersDemo, council: Council) -> None:
    """The tenders of STAGES, each once."""
    for stage, weeks, until, spec in STAGES:
        if Tender.objects.filter(council=council, reference__iexact=spec["reference"]).exists():
            continue
        then = timezone.now() - dt.timedelta(weeks=float(weeks))
        with as_of(then):
            tender = _tender(council, demo.users["reviewer"], then, reference=spec["reference"],
                             title=spec["title"], description=spec["description"], lots=spec["lots"])
            _costs(demo, financial_year_of(tender.contract_start), then)
            # Fair share for the award to confirm: both members deliver part, each its sub-contract.
            strategy = allocation_services.Strategy.FAIR_SHARE if stage == CONFIRMATION else (
                allocation_services.Strategy.LOWEST_COST)
            _submitted_bid(demo, tender, then, until=until, strategy=strategy.value)
        if stage in AWARDED:
            _awarded(demo, tender)


# --- the live contract ------------------------------------------------------------------------------

def delivery_contract() -> Contract | None:
    return Contract.objects.filter(lot__tender__council__code=COUNCIL,
                                   lot__tender__reference__iexact=DELIVERY["reference"]).first()


def seed_delivery_contract(demo: MembersDemo, council: Council) -> Contract:
    """The tender bid for DELIVERY_WEEKS_AGO, evaluated and awarded to the consortium, the award
    confirmed after its standstill, and the contract active since its start (each step as of the
    day it happened)."""
    existing = delivery_contract()
    if existing is not None:
        return existing
    spec = DELIVERY
    then = timezone.now() - dt.timedelta(weeks=DELIVERY_WEEKS_AGO)
    lead = demo.users["reviewer"]
    with as_of(then):
        tender = _tender(council, lead, then, reference=spec["reference"], title=spec["title"],
                         description=spec["description"], lots=spec["lots"])
        _costs(demo, financial_year_of(tender.contract_start), then)
        # Fair share: both members deliver part of it, so the money is split between them.
        _submitted_bid(demo, tender, then, strategy=allocation_services.Strategy.FAIR_SHARE.value,
                       commitments=DELIVERY_COMMITMENTS)
    award = _awarded(demo, tender)
    confirmed = timezone.make_aware(dt.datetime.combine(award.standstill_ends + dt.timedelta(days=1),
                                                        dt.time(9)))
    with as_of(confirmed):
        award_services.award_confirm(award=award, by=lead)
    contract = Contract.objects.get(award=award)
    with as_of(timezone.make_aware(dt.datetime.combine(contract.start, dt.time(6)))):
        contract_services.contracts_update_statuses(today=contract.start)
    return Contract.objects.get(pk=contract.pk)


def _awarded(demo: MembersDemo, tender: Tender) -> Award:
    """The day after the deadline: the tender closed, its evaluation opened by ``reviewer`` with
    ``reviewer-2`` on the panel, the consortium's bid (the only one) marked by both, moderated,
    scored for social value and awarded; the award's standstill begins."""
    lead = demo.users["reviewer"]
    marked = tender.submission_deadline + dt.timedelta(days=1)
    with as_of(marked):
        tender_services.tenders_close_past_deadline(marked)
        tender = review_services.evaluation_open(tender=Tender.objects.get(pk=tender.pk), by=lead)
        review_services.panel_add(tender=tender, reviewer=demo.users["reviewer-2"], by=lead)
        lot = tender.lots.get(number=1)
        entry = Entry.objects.get(lot=lot)
        questions = list(lot.questions.order_by("number"))
        for username, marks in DELIVERY_MARKS:
            marker = demo.users[username]
            sheet = {(entry.pk, q.pk): (mark, "Specific and credible.")
                     for q, mark in zip(questions, marks, strict=True)}
            scoring_services.mark_sheet_save(lot=lot, by=marker, marks=sheet)
            scoring_services.mark_sheet_submit(lot=lot, by=marker)
        for question, mark in zip(questions, DELIVERY_AGREED, strict=True):
            scoring_services.mark_moderate(entry=entry, question=question, mark=mark,
                                           reason="Agreed at the panel's meeting.", by=lead)
        scoring_services.social_value_score_set(entry=entry, percent="80", by=lead,
                                                reason="A measurable commitment to co-production.")
        return award_services.award_decide(lot=lot, entry=entry, by=lead,
                                           reason="The only bid, within the ceiling, with good answers.")


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock on ``day``, or an hour ago if that is later than now (the demo's steps
    never happen in the future)."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))),
               timezone.now() - dt.timedelta(hours=1))


def seed_delivery(demo: MembersDemo, contract: Contract) -> None:
    """Returns, invoices and payments of the live contract's first three ended periods
    (DELIVERY_RETURNS), the members' bank details, one payment run, the April uplift agreed
    with the council, and the next period's returns under way (OPEN_RETURNS). Loaded once: a
    contract with returns is left as it is."""
    if DeliveryReturn.objects.filter(subcontract__contract=contract).exists():
        return
    coordinator, reviewer = demo.users["coordinator"], demo.users["reviewer"]
    answering = {"Gofal Taf": demo.users["member-a"], "Bro Homecare": demo.users["member-b"]}
    today = timezone.localdate()
    ended = [p for p in contract.periods.order_by("start") if p.end < today][:len(DELIVERY_RETURNS)]
    subs = {sub.coop.trading_name: sub for sub in contract.subcontracts.select_related("coop")}
    council = contract.council
    for trading_name, sort_code, number, name in BANK_DETAILS:
        with as_of(_at(contract.start - dt.timedelta(days=7))):
            bank.bank_account_set(coop=demo.coops[trading_name], sort_code=sort_code, account_number=number,
                                  account_name=name, by=answering[trading_name])
    for index, (period, returns) in enumerate(zip(ended, DELIVERY_RETURNS, strict=False)):
        with as_of(_at(period.end + dt.timedelta(days=2))):
            made = []
            for trading_name, (hours, counts) in returns.items():
                sub = subs.get(trading_name)
                if sub is None:
                    continue
                lines = [{"council": council.code, "time_band": band, "quantity": quantity}
                         for band, quantity in hours.items()]
                ret = return_services.return_save(
                    subcontract=sub, period=period, by=answering[trading_name], lines=lines,
                    counts=dict(zip(COUNTS, counts, strict=True)))
                made.append(return_services.return_submit(ret=ret, by=answering[trading_name]))
        with as_of(_at(period.end + dt.timedelta(days=4))):
            for ret in made:
                return_services.return_accept(ret=ret, by=coordinator)
            invoice = invoice_services.invoice_issue(contract=contract, period=period, by=coordinator)
        if index == 2:  # the third: a line queried
            with as_of(_at(period.end + dt.timedelta(days=9))):
                line = invoice.lines.order_by("time_band").filter(time_band=TimeBand.WEEKDAY_DAY).first()
                invoice_services.invoice_query(invoice=invoice, line=line, reason=DELIVERY_QUERY, by=reviewer)
            continue
        with as_of(_at(period.end + dt.timedelta(days=9))):
            invoice_services.invoice_accept(invoice=invoice, by=reviewer)
        paid = _at(period.end + dt.timedelta(days=30))
        part = DELIVERY_PART_PAID if index else Decimal(1)
        amount = (invoice.total * part).quantize(Decimal("0.01"))
        with as_of(paid):
            payment_services.payment_record(invoice=invoice, reference=f"CDF-PAY-{invoice.number:05d}",
                                            amount=amount, paid_on=paid.date(), by=coordinator)
        if index == 0:  # the first payment is paid on to the members by a run two days later
            with as_of(_at(paid.date() + dt.timedelta(days=2))):
                run = payment_services.payment_run_start(consortium=contract.consortium,
                                                         pay_on=timezone.localdate(), by=coordinator)
                payment_services.payment_run_execute(run_id=run.pk)
    _uplift(demo, contract)
    _open_returns(contract, subs, answering, after=len(ended))


def _open_returns(contract: Contract, subs: dict, answering: dict, *, after: int) -> None:
    """OPEN_RETURNS, in the period after the first ``after`` (after the uplift, which may split a
    period no return stands on yet)."""
    periods = list(contract.periods.order_by("start"))
    if len(periods) <= after:
        return
    period = periods[after]
    for trading_name, (hours, counts, submitted) in OPEN_RETURNS.items():
        sub = subs.get(trading_name)
        if sub is None:
            continue
        lines = [{"council": contract.council.code, "time_band": band, "quantity": quantity}
                 for band, quantity in hours.items()]
        ret = return_services.return_save(subcontract=sub, period=period, by=answering[trading_name],
                                          lines=lines, counts=dict(zip(COUNTS, counts, strict=True)))
        if submitted:
            return_services.return_submit(ret=ret, by=answering[trading_name])


def _uplift(demo: MembersDemo, contract: Contract) -> None:
    """The coordinator opens a negotiation with the council for the next financial year; the board
    approves the opening position; the council accepts it: its rate card is in force from 1 April
    and the live contract is varied from then."""
    coordinator = demo.users["coordinator"]
    year = financial_year_of(timezone.localdate()) + 1
    negotiation = negotiation_services.negotiation_open(
        consortium=contract.consortium, council=contract.council, service_type=contract.lot.service_type,
        financial_year=year, by=coordinator)
    round_ = negotiation_services.opening_position_propose(
        negotiation=negotiation, rates=dict(UPLIFT_RATES), by=coordinator,
        rationale="The Real Living Wage rises in April; the uplift passes it on to care workers' pay.")
    for voter in governance.board_members(demo.consortium).order_by("pk"):
        governance.vote_cast(ballot=round_.ballot, voter=voter, choice=VoteChoice.FOR)
    round_.refresh_from_db()
    negotiation_services.offer_accept(round=round_, by=demo.users["reviewer"])
