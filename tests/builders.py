"""Chains of test data that go through the services, each written once.

The joint bid: a Cardiff tender with one lot of 100 weekday hours a week (ceiling £45), consortium
A's draft bid with members' answers due in three days, coop A given 60 h and coop B 40 h, both
with open-book costs for 2027 (so floors; coop B's with a 10% surplus). From there, one step a
function: members accept, prices from the floors (``ready``), the board approves
(``board_approves``; both: ``approve``), the coordinator submits (``submit``);
``submitted_joint_bid`` takes it all the way, with the rate, quality answer and social value the
review and scoring tests read.

The evaluated lot: a tender past its deadline, one closed lot of 100 weekday and 40 weekend hours,
consortium A's sealed joint bid (coop A 60 weekday and 40 weekend hours, coop B 40 weekday hours,
fee 5%), optionally consortium B's, and an outside bid, the evaluation opened by the Cardiff
reviewer (so the panel's lead) and every bid scored.

The live contract: the evaluated lot awarded to consortium A and confirmed after the standstill,
so a contract from 5 April 2027 with coop A's and coop B's sub-contracts and its billing periods;
``accepted_return`` gives a member's return for a period as the coordinator accepted and sealed it.

Rows written straight to the models are in tests/contracts_factories.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from consortium.models import TimeBand
from contracts.bidding.services import bids as bid_services
from contracts.bidding.services.submission import bid_submit
from contracts.delivery.sealing import return_content, seal_of
from contracts.delivery.services.periods import billing_periods_make
from contracts.evaluation.services.award import award_confirm, award_decide
from contracts.evaluation.services.review import evaluation_open, external_bid_record
from contracts.models import (
    Award,
    Bid,
    BidSubmission,
    BillingCycle,
    BillingPeriod,
    Contract,
    DeliveryReturn,
    Entry,
    Lot,
    LotStatus,
    MemberResponse,
    ModeratedMark,
    ReturnLine,
    ReturnStatus,
    SocialValueScore,
    Tender,
    TenderStatus,
)
from contracts.tendering.services.tenders import tender_transition
from members import governance
from members.models import VoteChoice
from tests import contracts_factories as cf
from tests.pricing_factories import cost_submission

WEEKDAY, WEEKEND = TimeBand.WEEKDAY_DAY, TimeBand.WEEKEND
START, END = dt.date(2027, 4, 5), dt.date(2030, 3, 31)  # 1,092 days: 156 weeks exactly
ANSWER_1 = "Care workers are recruited locally and paid the Real Living Wage."


# --- the joint bid, step by step -------------------------------------------------------------------

def joint_bid_tender(world, *, questions: int = 1, **fields) -> Tender:
    """A published Cardiff tender, deadline in two weeks, one lot of 100 weekday hours a week at
    a ceiling of £45 with ``questions`` quality questions."""
    tender = cf.tender(world.council, **fields)
    cf.lot(tender, volumes={WEEKDAY: "100"}, ceiling_rate=Decimal("45.00"), questions=questions)
    return tender


def draft_joint_bid(world, tender: Tender) -> Bid:
    """Consortium A's draft bid for every lot of ``tender``, members' answers due in three days."""
    return cf.bid(world.consortium, tender, by=world.user("coordinator"),
                  response_deadline=timezone.now() + dt.timedelta(days=3))


def member_floors(world) -> None:
    """Coop A's and coop B's open-book costs for 2027 (coop B's surplus 10%), once."""
    if not world.coop_a.cost_submissions.exists():
        cost_submission(world.coop_a, financial_year=2027)
        cost_submission(world.coop_b, financial_year=2027, surplus={"value": "10", "basis": "percent"})


def allocate_both(world, bid: Bid) -> Bid:
    """Coop A 60 h and coop B 40 h of the weekday volume, both with floors for 2027."""
    member_floors(world)
    cf.allocate(bid, world.coop_a, "60")
    cf.allocate(bid, world.coop_b, "40")
    return bid


def accept_all(bid: Bid, world) -> None:
    """Both members accept their share."""
    for persona in ("member_a", "member_b"):
        user = world.user(persona)
        response = MemberResponse.objects.get(bid=bid, coop=user.member_link.coop)
        bid_services.response_accept(response=response, by=user)


def ready(bid: Bid, world) -> Bid:
    """Every share accepted and the prices calculated from the floors: ready for the board."""
    accept_all(bid, world)
    bid_services.bid_prices_calculate(bid=bid, by=world.user("coordinator"))
    return Bid.objects.get(pk=bid.pk)


def board_approves(bid: Bid, world) -> Bid:
    """The ready bid sent to the board, and carried by the board member's vote."""
    bid = bid_services.bid_send_for_approval(bid=Bid.objects.get(pk=bid.pk), by=world.user("coordinator"))
    governance.vote_cast(ballot=bid.ballot, voter=world.user("board"), choice=VoteChoice.FOR)
    return Bid.objects.get(pk=bid.pk)


def approve(bid: Bid, world) -> Bid:
    """Made ready, then approved by the board."""
    return board_approves(ready(bid, world), world)


def submit(bid: Bid, world) -> BidSubmission:
    """The coordinator submits the approved bid: its sealed snapshot."""
    return bid_submit(bid=Bid.objects.get(pk=bid.pk), by=world.user("coordinator"))


def approved_joint_bid(world) -> Bid:
    """The joint bid (one question, priced from the floors), approved by the board."""
    return approve(allocate_both(world, draft_joint_bid(world, joint_bid_tender(world))), world)


def submitted_joint_bid(world, **tender_fields) -> Bid:
    """The joint bid for a tender with two quality questions, submitted at £40.00 an hour with
    an answer to question 1 and one social value commitment; the deadline still ahead."""
    coordinator = world.user("coordinator")
    tender = joint_bid_tender(world, questions=2, **tender_fields)
    q1 = tender.lots.get().questions.order_by("number").first()
    bid = ready(allocate_both(world, draft_joint_bid(world, tender)), world)
    bid_lot = bid.bid_lots.get()
    bid_services.bid_price_set(bid_lot=bid_lot, time_band=WEEKDAY, rate="40.00", by=coordinator)
    bid_services.quality_answer_save(bid_lot=bid_lot, question=q1, answer=ANSWER_1, by=coordinator)
    bid_services.social_value_add(bid=bid, by=coordinator, heading="communities",
                                  measure="Local people recruited", unit="people", quantity="12")
    submit(board_approves(bid, world), world)
    return Bid.objects.get(pk=bid.pk)


# --- evaluations -----------------------------------------------------------------------------------

def evaluation_with_outside_bid(world, *, title: str) -> Tender:
    """A Cardiff tender with one lot of 100 weekday hours a week, its deadline five minutes past
    and closed, its evaluation opened by the Cardiff reviewer (so the panel's lead), and one bid
    from outside the system ("Solo Care Ltd", £36.00); no joint bid."""
    tender = cf.tender(world.council, title=title)
    lot = cf.lot(tender, volumes={WEEKDAY: "100"})
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=timezone.now() - dt.timedelta(minutes=5), clarification_deadline=None)
    tender = tender_transition(tender=Tender.objects.get(pk=tender.pk), to=TenderStatus.CLOSED, by=None)
    reviewer = world.user("reviewer")
    tender = evaluation_open(tender=tender, by=reviewer)
    external_bid_record(tender=tender, by=reviewer, bidder_name="Solo Care Ltd",
                        rates={lot.pk: {WEEKDAY: Decimal("36.00")}})
    return Tender.objects.get(pk=tender.pk)


# --- the evaluated lot -----------------------------------------------------------------------------

@dataclass
class Evaluated:
    tender: Tender
    lot: Lot
    entry: Entry  # consortium A's joint bid
    external: Entry
    rival: Entry | None = None
    capacity: dict = field(default_factory=dict)  # (coop pk, band) -> CapacityDeclaration


def score(entry: Entry, marks: list[int] | None, social_value: str | None, by=None) -> None:
    """Agreed marks for the lot's questions in order (None: none yet) and the social value score."""
    if marks is not None:
        for question, mark in zip(entry.lot.questions.order_by("number"), marks, strict=True):
            ModeratedMark.objects.update_or_create(entry=entry, question=question,
                                                   defaults={"mark": mark, "reason": "Agreed at moderation.",
                                                             "moderated_by": by})
    if social_value is not None:
        SocialValueScore.objects.update_or_create(entry=entry, defaults={
            "percent": Decimal(social_value), "reason": "Commitments are specific.", "scored_by": by})


def evaluated_lot(world, *, scored: bool = True, rival: bool = False, second_lot: bool = False) -> Evaluated:
    """A tender past its deadline with one closed lot of 100 weekday and 40 weekend hours a
    week, its evaluation opened by the Cardiff reviewer (so the panel's lead), the outside bid
    recorded, and the bids scored."""
    past = timezone.now() - dt.timedelta(days=2)
    tender = cf.tender(world.council, deadline=past, status=TenderStatus.CLOSED,
                       contract_start=START, contract_end=END)
    lot = cf.lot(tender, volumes={WEEKDAY: "100", WEEKEND: "40"}, ceiling_rate=Decimal("30.00"), questions=2)
    lots = [lot]
    if second_lot:
        lots.append(cf.lot(tender, volumes={WEEKDAY: "50"}, ceiling_rate=Decimal("30.00"), questions=1))
    Lot.objects.filter(tender=tender).update(status=LotStatus.CLOSED)
    lot.refresh_from_db()
    lead = world.user("reviewer")
    capacity: dict = {}
    ours = cf.joint_submission(lot, world.consortium, [
        (world.coop_a, WEEKDAY, "60", "80"), (world.coop_a, WEEKEND, "40", "50"),
        (world.coop_b, WEEKDAY, "40", "60"),
    ], {WEEKDAY: "25.00", WEEKEND: "28.00"}, capacity=capacity)
    theirs = None
    if rival:
        theirs = cf.joint_submission(lot, world.consortium_other, [(world.coop_other, WEEKDAY, "100", "100"),
                                                                    (world.coop_other, WEEKEND, "40", "40")],
                                     {WEEKDAY: "26.00", WEEKEND: "29.00"})
    evaluation_open(tender=tender, by=lead)
    tender.refresh_from_db()
    external_bid = external_bid_record(tender=tender, by=lead, bidder_name="Solo Care Ltd",
                                       rates={lot.pk: {WEEKDAY: "24.00", WEEKEND: "27.00"}})
    entry = Entry.objects.get(lot=lot, submission=ours)
    external = Entry.objects.get(lot=lot, external_bid=external_bid)
    rival_entry = Entry.objects.get(lot=lot, submission=theirs) if theirs is not None else None
    if scored:
        score(entry, [9, 9], "80", lead)
        score(external, [6, 6], "50", lead)
        if rival_entry is not None:
            score(rival_entry, [7, 7], "60", lead)
    return Evaluated(tender, lot, entry, external, rival_entry, capacity)


def past_standstill(award: Award) -> Award:
    """As if the standstill had run out yesterday."""
    Award.objects.filter(pk=award.pk).update(standstill_ends=timezone.localdate() - dt.timedelta(days=1))
    award.refresh_from_db()
    return award


# --- the live contract, and members' returns -----------------------------------------------------

def live_contract(world, *, cycle: str = BillingCycle.FOUR_WEEKLY) -> Contract:
    """The evaluated lot awarded to consortium A and confirmed: the contract, its sub-contracts
    (coop A 60 weekday and 40 weekend hours in Cardiff, coop B 40 weekday hours) and its billing
    periods in ``cycle``."""
    ev = evaluated_lot(world)
    lead = world.user("reviewer")
    award = past_standstill(award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    award_confirm(award=award, by=lead)
    contract = Contract.objects.get(award=award)
    if contract.billing_cycle != cycle:
        Contract.objects.filter(pk=contract.pk).update(billing_cycle=cycle)
        contract.refresh_from_db()
        billing_periods_make(contract)
    return contract


def accepted_return(contract: Contract, coop, period: BillingPeriod, quantities: dict, *, by=None,
                    counts: dict | None = None) -> DeliveryReturn:
    """Coop's return for ``period``, accepted and sealed: ``quantities`` maps (council, time
    band) or (council, time band, corrected period) to the quantity delivered, as a string."""
    sub = contract.subcontracts.get(coop=coop)
    counts = {"visits_planned": 0, "visits_delivered": 0, "visits_missed": 0, "visits_late": 0,
              "visits_short": 0, **(counts or {})}
    ret = DeliveryReturn.objects.create(subcontract=sub, period=period, **counts)
    lines = []
    for key, quantity in quantities.items():
        council, band, adjusts = (*key, None) if len(key) == 2 else key
        lines.append(ReturnLine.objects.create(delivery_return=ret, council=council, time_band=band,
                                               quantity=Decimal(quantity), adjusts=adjusts))
    content = return_content(
        subcontract_id=sub.pk, period=(period.start.isoformat(), period.end.isoformat()), counts=counts,
        lines=[{"council": x.council.code, "time_band": x.time_band, "quantity": f"{x.quantity:.2f}",
                "adjusts": x.adjusts.start.isoformat() if x.adjusts else None} for x in lines])
    now = timezone.now()
    DeliveryReturn.objects.filter(pk=ret.pk).update(
        status=ReturnStatus.ACCEPTED, submitted_at=now, decided_at=now, decided_by=by,
        submitted_by=coop.users.first().user if coop.users.exists() else None,
        seal=seal_of(content), sealed_content=content)
    ret.refresh_from_db()
    return ret


def started_contract(world, *, weeks_ago: int = 8, cycle: str = BillingCycle.FOUR_WEEKLY) -> Contract:
    """``live_contract`` moved to have started ``weeks_ago`` weeks before today (on a Monday), so
    that some of its billing periods have started and can be returned."""
    return contract_started(live_contract(world, cycle=cycle), weeks_ago=weeks_ago)


def contract_started(contract: Contract, *, weeks_ago: int = 8) -> Contract:
    """The contract moved to run three years from a Monday ``weeks_ago`` weeks before today (its
    billing periods made again); a contract with returns or invoices is left as it is."""
    if contract.periods.filter(Q(returns__isnull=False) | Q(invoices__isnull=False)).exists():
        return contract
    today = timezone.localdate()
    start = today - dt.timedelta(days=today.weekday() + 7 * weeks_ago)
    Contract.objects.filter(pk=contract.pk).update(start=start, end=start + dt.timedelta(days=7 * 156 - 1))
    contract.refresh_from_db()
    billing_periods_make(contract)
    return contract


# --- allocation on a real Celery worker -------------------------------------------------------------

def allocation_on_real_worker(bid, by, celery_worker, monkeypatch, *, strategy: str = "fair_share"):
    """Request the bid's allocation with the job sent to the real worker of ``celery_worker``
    (not run eagerly), and wait for it: the job, and what the task returned. The caller has set
    what makes the request hand over to the job (a cell limit, a time limit)."""
    from celery.backends.redis import RedisBackend

    from consortium.celery import app
    from contracts import tasks
    from contracts.bidding.services import allocation as services

    queue, broker, log = celery_worker
    sent = []
    monkeypatch.setattr(services, "_enqueue_job", lambda job_id: sent.append(
        tasks.run_allocation_job.apply_async(args=[job_id], queue=queue)))
    results = RedisBackend(app=app, url=broker)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        job = services.allocation_request(bid=bid, strategy=strategy, by=by)  # commits
        assert len(sent) == 1, job  # handed over to the job, sent once
        try:
            outcome = app.AsyncResult(sent[0].id, backend=results).get(timeout=120)
        except Exception as exc:
            raise AssertionError(f"the worker did not answer: {exc}\n{log.read_text()}") from exc
    finally:
        app.conf.task_always_eager = eager
    return job, outcome
