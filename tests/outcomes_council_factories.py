"""Test data for the council benchmark: contracts of two consortia with Cardiff, one of
consortium A with the Vale of Glamorgan (Cardiff's Regional Partnership Board), one of consortium B
with Gwynedd (another board), a Cardiff lot awarded to a bidder outside the system; members'
returns with period reports, outcome reviews and results, CIW inspections, invoices and a credit
note, the council's published rate and cost submissions.

Rows are written straight to the models (as a migration would): the pages that record them are
built elsewhere, and this module must not depend on them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from consortium.models import TimeBand
from contracts.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BidSubmission,
    BillingPeriod,
    Contract,
    ContractRate,
    ContractStatus,
    ContractVersion,
    DeliveryReturn,
    Entry,
    ExternalBid,
    Invoice,
    InvoiceKind,
    ReturnLine,
    ReturnStatus,
    SubContract,
    TenderStatus,
)
from members.models import CoopType
from outcomes.models import CIWInspection, OutcomeResult, OutcomeReview, PeriodReport
from pricing.models import CouncilRate
from tests.contracts_factories import lot, tender
from tests.factories import MemberCoopFactory, council, service
from tests.pricing_factories import evidence_submission

YEAR = 2026  # the financial year the returns fall in (2026-27)
START = dt.date(2026, 4, 6)
END = dt.date(2029, 4, 5)
INVOLVEMENTS = ("person", "carer", "both", "neither")
RESULTS = ("met", "partly", "not_met")
OUTCOMES = ("rights", "health", "protection", "learning", "relationships", "contribution", "economic",
            "home")
THEME_VALUES = ("excellent", "good", "requires_improvement", "poor")


def _award(lot_, entry) -> Award:
    now = timezone.now()
    return Award.objects.create(lot=lot_, entry=entry, status=AwardStatus.CONFIRMED, scores={},
                                decided_at=now, standstill_ends=now.date(), confirmed_at=now)


def external_award(council_, *, volumes: dict[str, str], name: str = "Acme Homecare Ltd") -> Award:
    """A lot of ``council_`` awarded to a bid from outside the system: no contract kept here."""
    t = tender(council_, status=TenderStatus.AWARDED, contract_start=START, contract_end=END)
    lot_ = lot(t, volumes=volumes, questions=0)
    bid = ExternalBid.objects.create(tender=t, bidder_name=name)
    return _award(lot_, Entry.objects.create(lot=lot_, external_bid=bid))


def contract(council_, consortium, coops, *, rates: dict[str, str], volumes: dict[str, str],
             start: dt.date = START, end: dt.date = END, service_type=None) -> Contract:
    """A consortium's contract made by a confirmed award of its submitted joint bid, with the
    original version, current rates and a sub-contract per member."""
    t = tender(council_, status=TenderStatus.AWARDED, contract_start=start, contract_end=end)
    lot_ = lot(t, volumes=volumes, questions=0, service_type=service_type)
    bid = Bid.objects.create(consortium=consortium, tender=t, status=BidStatus.AWARDED,
                             management_fee_percent=Decimal("5"))
    submission = BidSubmission.objects.create(bid=bid, version=1, snapshot={}, canonical="{}",
                                              sha256="0" * 64, submitted_at=timezone.now())
    award = _award(lot_, Entry.objects.create(lot=lot_, submission=submission))
    terms = {band: {"rate": rates[band], "volume": volumes[band]} for band in sorted(volumes)}
    made = Contract.objects.create(award=award, council=council_, consortium=consortium, lot=lot_,
                                   status=ContractStatus.ACTIVE, start=start, end=end,
                                   value=Decimal("100000.00"), management_fee_percent=Decimal("5"))
    ContractVersion.objects.create(contract=made, number=1, kind=ContractVersion.Kind.ORIGINAL, start=start,
                                   end=end, terms=terms, value=made.value, effective_from=start)
    for band in volumes:
        ContractRate.objects.create(contract=made, time_band=band, rate=Decimal(rates[band]),
                                    volume=Decimal(volumes[band]))
    for coop in coops:
        SubContract.objects.create(contract=made, coop=coop, value=Decimal("1000.00"))
    return made


def vary_volumes(contract_: Contract, *, volumes: dict[str, str], effective_from: dt.date) -> ContractVersion:
    rates = {r.time_band: str(r.rate) for r in contract_.rates.all()}
    number = contract_.versions.count() + 1
    version = ContractVersion.objects.create(
        contract=contract_, number=number, kind=ContractVersion.Kind.VOLUME, start=contract_.start,
        end=contract_.end, terms={b: {"rate": rates[b], "volume": v} for b, v in sorted(volumes.items())},
        value=contract_.value, effective_from=effective_from)
    Contract.objects.filter(pk=contract_.pk).update(version=number)
    return version


_numbers = iter(range(1, 10**9))


def returns_for(contract_: Contract, rng: random.Random, *, periods: int, reviews: tuple[int, int],
                first: dt.date = START) -> list[DeliveryReturn]:
    """A week's billing period after another from ``first``, and for each member of the contract a
    return in each (mostly accepted, some submitted, a draft and a sent-back one that do not
    count), with lines, a period report (most), reviews and their results; an invoice per period
    and a credit note on the first. Written in bulk (no history rows: nothing here reads them)."""
    subs = list(contract_.subcontracts.all())
    made_periods = BillingPeriod.objects.bulk_create(
        BillingPeriod(contract=contract_, start=first + dt.timedelta(days=7 * i),
                      end=first + dt.timedelta(days=7 * i + 6)) for i in range(periods))
    made = []
    for period in made_periods:
        for sub in subs:
            status = rng.choice([ReturnStatus.ACCEPTED] * 5 + [ReturnStatus.SUBMITTED] * 2
                                + [ReturnStatus.DRAFT, ReturnStatus.SENT_BACK])
            planned = rng.randint(20, 60)
            made.append(DeliveryReturn(
                subcontract=sub, period=period, status=status, visits_planned=planned,
                visits_delivered=planned - 2, visits_missed=rng.randint(0, 3), visits_late=rng.randint(0, 5),
                visits_short=rng.randint(0, 4), seal="a" * 64 if status == ReturnStatus.ACCEPTED else ""))
    made = DeliveryReturn.objects.bulk_create(made)
    lines, reports, review_rows, outcomes = [], [], [], []
    for r in made:
        lines += [ReturnLine(delivery_return=r, council=contract_.council, time_band=band,
                             quantity=Decimal(rng.randint(500, 4000)) / 100)
                  for band in (TimeBand.WEEKDAY_DAY, TimeBand.WEEKEND)]
        if rng.random() < 0.8:
            workers = rng.randint(3, 12)
            reports.append(PeriodReport(delivery_return=r, complaints=rng.randint(0, 2),
                                        safeguarding_referrals=rng.randint(0, 1), care_workers=workers,
                                        care_workers_registered=rng.randint(0, workers)))
        for _n in range(rng.randint(*reviews)):
            review_rows.append(OutcomeReview(delivery_return=r, reference=f"P-{next(_numbers)}",
                                         reviewed_on=r.period.start, involvement=rng.choice(INVOLVEMENTS)))
            chosen = rng.sample(OUTCOMES, rng.randint(1, 3))
            outcomes.append([(outcome, rng.choice(RESULTS)) for outcome in chosen])
    ReturnLine.objects.bulk_create(lines)
    PeriodReport.objects.bulk_create(reports)
    review_rows = OutcomeReview.objects.bulk_create(review_rows)
    OutcomeResult.objects.bulk_create(OutcomeResult(review=review, outcome=outcome, result=result)
                                      for review, chosen in zip(review_rows, outcomes, strict=True)
                                      for outcome, result in chosen)
    for period in made_periods:
        invoice(contract_, period, net=Decimal(rng.randint(100000, 500000)) / 100)
    first_invoice = contract_.invoices.order_by("pk").first()
    if first_invoice is not None:
        credit_note(first_invoice, net=Decimal("-125.50"))
    return made


def invoice(contract_: Contract, period: BillingPeriod, *, net: Decimal) -> Invoice:
    today = timezone.localdate()
    return Invoice.objects.create(consortium=contract_.consortium, contract=contract_, period=period,
                                  kind=InvoiceKind.INVOICE, number=next(_numbers), issued_on=today,
                                  due_on=today, net=net, vat_rate_percent=Decimal("0"), vat=Decimal("0"),
                                  total=net)


def credit_note(original: Invoice, *, net: Decimal) -> Invoice:
    today = timezone.localdate()
    return Invoice.objects.create(consortium=original.consortium, contract=original.contract,
                                  period=original.period, kind=InvoiceKind.CREDIT_NOTE, credits=original,
                                  number=next(_numbers), issued_on=today, due_on=today, net=net,
                                  vat_rate_percent=Decimal("0"), vat=Decimal("0"), total=net)


def inspection(coop, *, on: dt.date, themes: tuple[str, str, str, str], service_type=None) -> CIWInspection:
    well_being, care, environment, leadership = themes
    return CIWInspection.objects.create(
        coop=coop, service_type=service_type or service(), inspected_on=on,
        report_url="https://www.careinspectorate.wales/example", well_being=well_being,
        care_and_support=care, environment=environment, leadership=leadership)


@dataclass
class Population:
    cardiff_a: Contract
    cardiff_b: Contract
    vale_a: Contract
    gwynedd_b: Contract
    external: Award
    user_led: object
    contracts: list[Contract] = field(default_factory=list)


def population(world, *, scale: int = 1, seed: int = 15) -> Population:
    """Two consortia holding contracts with Cardiff (A with members A, B and a user-led co-op;
    B with its one member, with too few reviews to show people's figures), A with the Vale of
    Glamorgan, B with Gwynedd, and a Cardiff lot awarded outside the system. ``scale`` multiplies
    the billing periods (and so the returns, reviews and invoices)."""
    rng = random.Random(seed)
    cardiff, vale, gwynedd = world.council, council("GB-VGL"), council("GB-GWN")
    user_led = MemberCoopFactory(consortium=world.consortium, legal_name="Pobl yn Arwain Cyf",
                                 trading_name="Pobl yn Arwain", coop_type=CoopType.USER_LED,
                                 councils_served=[cardiff])
    rates = {TimeBand.WEEKDAY_DAY: "24.50", TimeBand.WEEKEND: "27.80"}
    cardiff_a = contract(cardiff, world.consortium, [world.coop_a, world.coop_b, user_led], rates=rates,
                         volumes={TimeBand.WEEKDAY_DAY: "120", TimeBand.WEEKEND: "30"})
    vary_volumes(cardiff_a, volumes={TimeBand.WEEKDAY_DAY: "150", TimeBand.WEEKEND: "35.50"},
                 effective_from=dt.date(2027, 1, 4))
    cardiff_b = contract(cardiff, world.consortium_other, [world.coop_other],
                         rates={TimeBand.WEEKDAY_DAY: "23.10", TimeBand.WEEKEND: "25.00"},
                         volumes={TimeBand.WEEKDAY_DAY: "60", TimeBand.WEEKEND: "10"})
    vale_a = contract(vale, world.consortium, [world.coop_a], rates=rates,
                      volumes={TimeBand.WEEKDAY_DAY: "40", TimeBand.WEEKEND: "8"},
                      start=dt.date(2026, 5, 4), end=dt.date(2028, 5, 3))
    gwynedd_b = contract(gwynedd, world.consortium_other, [world.coop_other], rates=rates,
                         volumes={TimeBand.WEEKDAY_DAY: "75", TimeBand.WEEKEND: "15"})
    external = external_award(cardiff, volumes={TimeBand.WEEKDAY_DAY: "90", TimeBand.WEEKEND: "20"})

    returns_for(cardiff_a, rng, periods=3 * scale, reviews=(0, 3))
    returns_for(cardiff_a, rng, periods=1, reviews=(1, 2), first=dt.date(2026, 3, 2))  # 2025-26
    returns_for(cardiff_b, rng, periods=2 * scale, reviews=(0, 1))
    returns_for(vale_a, rng, periods=2 * scale, reviews=(1, 3), first=dt.date(2026, 5, 4))
    returns_for(gwynedd_b, rng, periods=2 * scale, reviews=(2, 4))

    inspection(world.coop_a, on=dt.date(2024, 6, 1), themes=("poor", "poor", "", "poor"))
    inspection(world.coop_a, on=dt.date(2025, 9, 1), themes=("good", "excellent", "", "requires_improvement"))
    inspection(world.coop_b, on=dt.date(2025, 11, 12), themes=("good", "good", "good", "good"))
    inspection(world.coop_other, on=dt.date(2025, 7, 1), themes=("requires_improvement", "good", "", "good"))
    inspection(world.coop_b, on=dt.date(2025, 3, 1), themes=("poor", "poor", "poor", "poor"),
               service_type=service("supported-living"))  # not a service of the contracts

    CouncilRate.objects.create(council=cardiff, service_type=service(), financial_year=YEAR,
                               rate=Decimal("23.75"), source="Cardiff Council",
                               source_url="https://www.cardiff.gov.uk/rates",
                               published_on=dt.date(2026, 3, 1))
    for coop, total in ((world.coop_a, "25.37"), (world.coop_b, "27.91"), (user_led, "23.05")):
        evidence_submission(coop, total=total, year=YEAR)
    evidence_submission(world.coop_other, total="26.00", year=YEAR)
    return Population(cardiff_a, cardiff_b, vale_a, gwynedd_b, external, user_led,
                      [cardiff_a, cardiff_b, vale_a, gwynedd_b])
