"""Test data for the benchmarks: rows of what delivery and the outcomes pages record, made
directly (the pages that record them are built alongside), and a seeded population of two
consortia.

``seed_population(world, scale=1)``: consortium A gets six member co-ops (the world's two and four
more, times ``scale``), each with returns in two quarters of 2026-27 (periods ending in June and
in September 2026), period reports with pay bands, outcome reviews, CIW inspections, tracked
commitments with progress and its own governance report; consortium B gets three members with
rows of their own. Values come from a seeded random generator, so the population is the same on
every run.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from contracts.models import (
    Award,
    BillingPeriod,
    Contract,
    DeliveryReturn,
    Entry,
    ExternalBid,
    ReturnLine,
    SocialValueCommitment,
    SocialValueHeading,
    SubContract,
)
from outcomes.models import (
    CIWInspection,
    CommitmentProgress,
    LivingWageRate,
    MemberGovernanceReport,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    TrackedCommitment,
)
from tests.contracts_factories import bid, lot, tender
from tests.factories import MemberCoopFactory, service

QUARTER_PERIODS = ((dt.date(2026, 6, 1), dt.date(2026, 6, 28)),  # 2026-27 Q1
                   (dt.date(2026, 9, 7), dt.date(2026, 10, 4)))  # ends in Q3: 2026-27 Q3
RLW = {2025: Decimal("12.60"), 2026: Decimal("13.45")}
RESULTS = ("met", "partly", "not_met")
INVOLVEMENTS = ("person", "carer", "both", "neither")
RATINGS = ("excellent", "good", "requires_improvement", "poor")


def living_wage() -> None:
    for year, rate in RLW.items():
        LivingWageRate.objects.update_or_create(financial_year=year, defaults={
            "hourly_rate": rate, "announced_on": dt.date(year - 1, 10, 20),
            "source": "https://www.livingwage.org.uk/what-real-living-wage"})


def contract_for(consortium, council, *, start=dt.date(2026, 4, 1), end=dt.date(2029, 3, 31)) -> Contract:
    """A contract of ``consortium`` with ``council`` (its award row made directly)."""
    tender_ = tender(council)
    lot_ = lot(tender_, questions=0)
    external = ExternalBid.objects.create(tender=tender_, bidder_name=f"{consortium.name} bid")
    entry = Entry.objects.create(lot=lot_, external_bid=external)
    now = timezone.now()
    award = Award.objects.create(lot=lot_, entry=entry, status="confirmed", scores={}, decided_at=now,
                                 standstill_ends=start, confirmed_at=now)
    contract = Contract.objects.create(award=award, council=council, consortium=consortium, lot=lot_,
                                       start=start, end=end, value=Decimal("1000000.00"),
                                       management_fee_percent=Decimal("5"))
    contract.bid = bid(consortium, tender_, lots=[lot_])  # for social value commitments
    return contract


def period(contract: Contract, start: dt.date, end: dt.date) -> BillingPeriod:
    return BillingPeriod.objects.get_or_create(contract=contract, start=start, defaults={"end": end})[0]


def a_return(sub: SubContract, period_: BillingPeriod, *, status: str = "submitted", hours=(),
             **counts) -> DeliveryReturn:
    seal = "a" * 64 if status == "accepted" else ""
    ret = DeliveryReturn.objects.create(subcontract=sub, period=period_, status=status, seal=seal,
                                        **counts)
    bands = ("weekday_day", "weekend", "evening", "night")
    ReturnLine.objects.bulk_create(ReturnLine(delivery_return=ret, council=sub.contract.council,
                                              time_band=bands[i], quantity=Decimal(str(q)))
                                   for i, q in enumerate(hours))
    return ret


def report(ret: DeliveryReturn, *, complaints=0, safeguarding=0, workers=0, registered=0,
           bands=()) -> PeriodReport:
    made = PeriodReport.objects.create(delivery_return=ret, complaints=complaints,
                                       safeguarding_referrals=safeguarding, care_workers=workers,
                                       care_workers_registered=registered)
    PayBand.objects.bulk_create(PayBand(report=made, hourly_rate=Decimal(str(rate)), hours=Decimal(str(h)))
                                for rate, h in bands)
    return made


def reviews(ret: DeliveryReturn, specs) -> None:
    """``specs``: (involvement, [result per outcome]) per person."""
    outcomes = ("rights", "health", "protection", "learning", "relationships")
    made = OutcomeReview.objects.bulk_create(
        OutcomeReview(delivery_return=ret, reference=f"P-{ret.pk}-{i}", reviewed_on=ret.period.end,
                      involvement=involvement) for i, (involvement, _results) in enumerate(specs))
    OutcomeResult.objects.bulk_create(
        OutcomeResult(review=review, outcome=outcomes[j], result=result)
        for review, (_inv, results) in zip(made, specs, strict=True) for j, result in enumerate(results))


def inspection(coop, *, on: dt.date, ratings, service_type=None) -> CIWInspection:
    well_being, care, environment, leadership = ratings
    return CIWInspection.objects.create(
        coop=coop, service_type=service_type or service(), inspected_on=on,
        report_url="https://www.careinspectorate.wales/inspection-report", well_being=well_being,
        care_and_support=care, environment=environment, leadership=leadership)


def commitment(contract: Contract, coop, *, promised: str, measure: str = "Local jobs") -> TrackedCommitment:
    source = SocialValueCommitment.objects.create(bid=contract.bid, heading=SocialValueHeading.choices[0][0],
                                                  measure=measure, unit="jobs", quantity=Decimal(promised))
    return TrackedCommitment.objects.create(contract=contract, source=source, heading=source.heading,
                                            measure=measure, unit="jobs", promised=Decimal(promised),
                                            coop=coop)


def progress(tracked: TrackedCommitment, *, year: int, quarter: int, done: str) -> CommitmentProgress:
    return CommitmentProgress.objects.create(commitment=tracked, financial_year=year, quarter=quarter,
                                             done=Decimal(done), account="Done as promised.")


def governance_report(coop, *, year: int, agm: dt.date | None, members: int, workers: int,
                      workers_members: int) -> MemberGovernanceReport:
    return MemberGovernanceReport.objects.create(coop=coop, financial_year=year, agm_held_on=agm,
                                                 members=members, workers=workers,
                                                 workers_who_are_members=workers_members)


# --- the seeded population -------------------------------------------------------------------


@dataclass
class Population:
    coops: list  # consortium A's members with figures
    other_coops: list  # consortium B's
    contracts: list = field(default_factory=list)


def _member_rows(rng: random.Random, contract: Contract, coop, *, index: int, reviewed: int) -> None:
    sub = SubContract.objects.create(contract=contract, coop=coop, value=Decimal("100000.00"))
    for p, (start, end) in enumerate(QUARTER_PERIODS):
        period_ = period(contract, start, end)
        planned = rng.randint(300, 900)
        ret = a_return(sub, period_, status=("submitted", "accepted")[(index + p) % 2],
                       hours=[Decimal(rng.randint(2000, 90000)) / 100 for _ in range(2)],
                       visits_planned=planned, visits_delivered=planned - 10,
                       visits_missed=rng.randint(0, 30), visits_late=rng.randint(0, 60),
                       visits_short=rng.randint(0, 40))
        workers = rng.randint(8, 40)
        report(ret, complaints=rng.randint(0, 6), safeguarding=rng.randint(0, 3), workers=workers,
               registered=rng.randint(workers // 2, workers),
               bands=[(rate, Decimal(rng.randint(1000, 60000)) / 100)
                      for rate in rng.sample(["11.90", "12.60", "13.45", "13.80", "14.20"], 3)])
        n = reviewed if p == 0 else reviewed + rng.randint(0, 3)
        reviews(ret, [(rng.choice(INVOLVEMENTS), [rng.choice(RESULTS) for _ in range(rng.randint(1, 4))])
                      for _ in range(n)])
    if index == 3:  # a return with no period report: its hours are not in the per-1,000-hours base
        a_return(sub, period(contract, dt.date(2026, 5, 4), dt.date(2026, 5, 31)), hours=["812.25"],
                 visits_planned=400, visits_missed=9)
    # a draft return in the second quarter: never counted
    late = period(contract, dt.date(2026, 10, 5), dt.date(2026, 11, 1))
    draft = a_return(sub, late, status="draft", hours=["999.00"], visits_planned=5, visits_missed=5)
    report(draft, complaints=50, workers=3, registered=0, bands=[("5.00", "100.00")])
    reviews(draft, [("neither", ["not_met"])] * 6)
    inspection(coop, on=dt.date(2025, 11, 3), ratings=("poor", "poor", "", "poor"))
    inspection(coop, on=dt.date(2026, 5, 10 + index % 10),
               ratings=tuple(rng.choice(RATINGS) for _ in range(3)) + ("good",))
    tracked = commitment(contract, coop, promised=str(rng.randint(4, 20)))
    progress(tracked, year=2026, quarter=1, done=str(rng.randint(0, 3)))
    progress(tracked, year=2026, quarter=2, done=str(rng.randint(0, 4)))
    governance_report(coop, year=2025, agm=dt.date(2025, 9, 20), members=rng.randint(10, 90),
                      workers=30, workers_members=12)
    governance_report(coop, year=2026, agm=dt.date(2026, 9, 10 + index % 15), members=rng.randint(10, 90),
                      workers=rng.randint(10, 60), workers_members=rng.randint(0, 10))


def seed_population(world, *, scale: int = 1, seed: int = 20261207, tag: str = "") -> Population:
    rng = random.Random(seed)
    living_wage()
    contract = contract_for(world.consortium, world.council)
    own = [] if tag else [world.coop_a, world.coop_b]  # a tagged population: new members only
    coops = own + [
        MemberCoopFactory(consortium=world.consortium, legal_name=f"Cwmni Benchmark {tag}{i} Cyf",
                          trading_name=f"Benchmark Care {tag}{i}") for i in range(6 * scale - len(own))]
    for index, coop in enumerate(coops):
        # one member has too few people reviewed to show its people-based figures
        _member_rows(rng, contract, coop, index=index, reviewed=3 if index == 2 else 6)
    other = contract_for(world.consortium_other, world.council)
    others = ([] if tag else [world.coop_other]) + [
        MemberCoopFactory(consortium=world.consortium_other, legal_name=f"Other Valleys {tag}{i} Ltd",
                          trading_name=f"Valleys Care {tag}{i}") for i in range(3 if tag else 2)]
    for index, coop in enumerate(others):
        _member_rows(rng, other, coop, index=index, reviewed=7)
    return Population(coops, others, [contract, other])
