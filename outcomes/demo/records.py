"""What happened under the demo's live contract and in Cwlwm's member co-ops, so that each role
finds its benchmark after ``make run``:

- the live Cardiff contract (``contracts.demo.delivery_contract``): each social value commitment
  of its bid tracked (some answered by a member, some by the consortium), with progress in its
  first two quarters; the lunch club's volunteering is behind;
- with each of its returns, a period report (complaints, safeguarding referrals, care workers and
  how many are registered with Social Care Wales, hours per hourly rate of pay: Bro Homecare pays
  some hours below the Real Living Wage) and the outcome reviews held in the period: Gofal Taf
  holds at least five a quarter, Bro Homecare, with few people on the contract, fewer (so its
  people-based figures are suppressed);
- a Care Inspectorate Wales inspection of every service each member is registered for, in the
  last three years (Bro Homecare's inspected twice: the latest counts);
- each member's governance report for the last financial year, but one (Nedd Valley Living's
  has not come in).

The rows are written with the models, each checked by ``full_clean`` (the demo records what
members and the coordinator would have entered). Idempotent: a row already there (by what makes
it unique) is left as it is. Every name and reference is invented; nothing identifies a person.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from consortium.models import User
from contracts import demo as contracts_demo
from contracts.bidding.selectors.bids import financial_year_of
from contracts.models import Contract, DeliveryReturn, ReturnStatus
from members.demo import MembersDemo
from members.models import CIWRegistration, MemberCoop, MembershipStatus, StakeholderKind
from outcomes.models import (
    CIWInspection,
    CIWRating,
    CommitmentProgress,
    Involvement,
    LivingWageRate,
    MemberGovernanceReport,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    ReviewResult,
    TrackedCommitment,
    WellBeingOutcome,
)

# Which demo login answers for a member co-op's records; the coordinator for the others.
ANSWERING = {"Gofal Taf": "member-a", "Bro Homecare": "member-b"}

# --- tracked commitments: who answers for each (None: the consortium) and what was done in the
# contract's first two quarters (done, account). The lunch club's volunteering is behind: six
# hours where a pro-rata share of 360 over the three-year term is more than nine hours from the
# end of the contract's first quarter (it starts at least a month before it ends); the others are
# on track however the demo's dates fall.
COMMITMENTS: dict[str, tuple[str | None, list[tuple[str, str]]]] = {
    "People who draw on care and their families sitting on the service's quarterly review panel": (
        None, [
            ("5", "The panel's first meeting, at the Grangetown hub: five people who draw on care "
                  "and family members took part and chose its terms of reference."),
            ("2", "Two more people joined the panel, which reviewed the Welsh-language rota and "
                  "asked for visit times to be confirmed by text the day before."),
        ]),
    "Care workers recruited from Butetown, Grangetown and Cardiff Bay": (
        "Gofal Taf", [
            ("2", "Two care workers living in Grangetown started after the recruitment morning at "
                  "the community centre."),
            ("1", "One care worker from Butetown started; two more are in their induction."),
        ]),
    "Care workers completing dementia care training on the Social Care Wales framework": (
        "Gofal Taf", [
            ("3", "Three care workers completed the informed level of the dementia framework."),
            ("4", "Four care workers completed it, two of them in Welsh."),
        ]),
    "Hours volunteered by members at the Grangetown community lunch club": (
        "Bro Homecare", [
            ("4", "Members volunteered at the club's first lunch before its hall closed for "
                  "repairs."),
            ("2", "The hall was closed for repairs until late November; members volunteered at the "
                  "one lunch held. Volunteering is planned weekly from December."),
        ]),
}

# --- period reports, per member and per return in period order (the last entry repeats for
# later periods): complaints, safeguarding referrals, care workers, of whom registered with
# Social Care Wales, and hours worked per hourly rate of pay.
REPORTS: dict[str, list[tuple[int, int, int, int, dict[str, str]]]] = {
    "Gofal Taf": [
        (0, 0, 5, 5, {"13.45": "98.00", "14.10": "32.50"}),
        (1, 1, 5, 5, {"13.45": "100.50", "14.10": "31.00"}),
        (0, 0, 6, 5, {"13.45": "101.25", "14.10": "30.00"}),
    ],
    # Bro Homecare pays its newest care worker below the Real Living Wage 2026-27 (£13.45).
    "Bro Homecare": [
        (0, 0, 2, 1, {"13.10": "4.50", "13.45": "5.00"}),
        (0, 0, 2, 1, {"13.10": "4.00", "13.45": "5.00"}),
        (1, 0, 2, 2, {"13.10": "4.50", "13.45": "5.25"}),
    ],
}
# Outcome reviews held per return, in period order (the last repeats): Gofal Taf at least five
# in every period, so in every quarter however the periods fall; Bro Homecare fewer than five in
# all (suppressed wherever it stands alone).
REVIEWS: dict[str, list[int]] = {"Gofal Taf": [6, 5, 5], "Bro Homecare": [1, 2, 1]}
# Each review's participation and results, taken in turn: most outcomes met.
M, P, N = ReviewResult.MET, ReviewResult.PARTLY, ReviewResult.NOT_MET
W = WellBeingOutcome
REVIEW_PATTERNS: list[tuple[str, list[tuple[str, str]]]] = [
    (Involvement.PERSON, [(W.HEALTH, M), (W.HOME, M)]),
    (Involvement.BOTH, [(W.RELATIONSHIPS, M), (W.HEALTH, P), (W.LEARNING, M)]),
    (Involvement.PERSON, [(W.CONTRIBUTION, P), (W.HEALTH, M)]),
    (Involvement.CARER, [(W.PROTECTION, M), (W.HOME, M)]),
    (Involvement.BOTH, [(W.HEALTH, M), (W.RELATIONSHIPS, N)]),
    (Involvement.PERSON, [(W.ECONOMIC, M), (W.RIGHTS, M), (W.HEALTH, P)]),
    (Involvement.NEITHER, [(W.HEALTH, M)]),
    (Involvement.PERSON, [(W.LEARNING, P), (W.RELATIONSHIPS, M)]),
]
# Pseudonymous references: the member's own prefix and a number.
REFERENCE_PREFIX = {"Gofal Taf": "GT", "Bro Homecare": "BH"}

# The Real Living Wage (UK) for 2026-27, announced by the Living Wage Foundation on 22 October
# 2025: the reference row, if the installation does not hold it yet.
LIVING_WAGE_2026 = {"financial_year": 2026, "hourly_rate": Decimal("13.45"),
                    "announced_on": dt.date(2025, 10, 22), "source": "https://www.livingwage.org.uk/"}

# --- CIW inspections: per member, its latest ratings (well-being, care and support, leadership
# and management) and how many days ago it was inspected; Bro Homecare's earlier inspection too.
# Environment is not rated for domiciliary support or adult placement services: left blank.
E, G, R = CIWRating.EXCELLENT, CIWRating.GOOD, CIWRating.REQUIRES_IMPROVEMENT
INSPECTIONS: dict[str, tuple[int, tuple[str, str, str]]] = {
    "Gofal Taf": (140, (G, E, G)),
    "Bro Homecare": (210, (G, G, R)),
    "Llais": (380, (E, G, E)),
    "Camau": (520, (G, G, G)),
    "Cynon Care": (95, (G, R, G)),
    "Shared Lives Merthyr": (610, (E, E, G)),
    "Ogwr Support": (300, (G, G, G)),
    "Gofal Abertawe": (450, (E, G, G)),
    "Gower Coast Care": (700, (G, G, R)),
    "Nedd Valley Living": (260, (G, E, G)),
}
EARLIER_INSPECTIONS: dict[str, tuple[int, tuple[str, str, str]]] = {
    "Bro Homecare": (960, (R, G, R)),
}
CIW_REPORTS = "https://www.careinspectorate.wales/"
DEFAULT_INSPECTION = (400, (G, G, G))

# --- members' governance reports for the last financial year: all but this one's.
GOVERNANCE_REPORT_MISSING = "Nedd Valley Living"


def seed(demo: MembersDemo) -> None:
    """Add the outcomes records once (call inside a transaction)."""
    _living_wage()
    contract = contracts_demo.delivery_contract()
    if contract is not None:
        _commitments(demo, contract)
        _period_reports(demo, contract)
    _inspections(demo)
    _governance_reports(demo)


# --- helpers ---------------------------------------------------------------------------------


def _once(model: type[models.Model], unique: Mapping[str, Any], **values: Any) -> models.Model:
    """The row ``unique`` names, or a new one with ``values``, checked before it is saved."""
    row = model.objects.filter(**unique).first()
    if row is None:
        row = model(**unique, **values)
        row.full_clean()
        row.save()
    return row


def quarter_of(day: dt.date) -> tuple[int, int]:
    """The UK financial year (by the calendar year it starts in) and quarter a day falls in."""
    return financial_year_of(day), (day.month - 4) % 12 // 3 + 1


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def quarter_start(year: int, quarter: int) -> dt.date:
    month = 4 + 3 * (quarter - 1)
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _user(demo: MembersDemo, trading_name: str | None) -> User:
    return demo.users[ANSWERING.get(trading_name or "", "coordinator")]


def _nth(items: list, index: int):
    return items[min(index, len(items) - 1)]


def _living_wage() -> None:
    unique = {"financial_year": LIVING_WAGE_2026["financial_year"]}
    _once(LivingWageRate, unique, **{k: v for k, v in LIVING_WAGE_2026.items() if k not in unique})


# --- the live contract --------------------------------------------------------------------------


def _commitments(demo: MembersDemo, contract: Contract) -> None:
    """Each commitment of the awarded bid tracked on the contract, with its progress in the
    contract's first two quarters (those begun by now)."""
    bid = contract.award.entry.submission.bid
    first = quarter_of(contract.start)
    quarters = [q for q in (first, next_quarter(*first)) if quarter_start(*q) <= timezone.localdate()]
    for source in bid.social_value.order_by("pk"):
        answerable, progress = COMMITMENTS.get(source.measure, (None, []))
        coop = demo.coops[answerable] if answerable else None
        tracked = _once(TrackedCommitment, {"contract": contract, "source": source},
                        heading=source.heading, measure=source.measure, unit=source.unit,
                        promised=source.quantity, coop=coop)
        if tracked.coop_id is None and coop is not None and not tracked.progress.exists():
            tracked.coop = coop  # tracked when the contract was made, with no one answering yet
            tracked.full_clean()
            tracked.save()
        by = _user(demo, answerable)
        for (year, quarter), (done, account) in zip(quarters, progress, strict=False):
            _once(CommitmentProgress, {"commitment": tracked, "financial_year": year, "quarter": quarter},
                  done=Decimal(done), account=account, recorded_by=by)


def _period_reports(demo: MembersDemo, contract: Contract) -> None:
    """A period report and the outcome reviews with each submitted or accepted return."""
    returns = (DeliveryReturn.objects
               .filter(subcontract__contract=contract,
                       status__in=[ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED])
               .select_related("subcontract__coop", "period").order_by("period__start", "pk"))
    index_of: dict[int, int] = {}
    numbers = {name: itertools.count(412, 7) for name in REFERENCE_PREFIX}
    patterns = itertools.cycle(REVIEW_PATTERNS)
    for ret in returns:
        name = ret.subcontract.coop.trading_name
        if name not in REPORTS:
            continue
        index = index_of[ret.subcontract_id] = index_of.get(ret.subcontract_id, -1) + 1
        by = _user(demo, name)
        complaints, referrals, workers, registered, bands = _nth(REPORTS[name], index)
        report = _once(PeriodReport, {"delivery_return": ret}, complaints=complaints,
                       safeguarding_referrals=referrals, care_workers=workers,
                       care_workers_registered=registered, updated_by=by)
        for rate, hours in bands.items():
            _once(PayBand, {"report": report, "hourly_rate": Decimal(rate)}, hours=Decimal(hours))
        count = _nth(REVIEWS[name], index)
        days = (ret.period.end - ret.period.start).days
        for k in range(count):
            involvement, results = next(patterns)
            reference = f"{REFERENCE_PREFIX[name]}-{next(numbers[name]):04d}"
            review = _once(OutcomeReview, {"delivery_return": ret, "reference": reference},
                           reviewed_on=ret.period.start + dt.timedelta(days=(k * days) // max(count, 1)),
                           involvement=involvement, recorded_by=by)
            for outcome, result in results:
                _once(OutcomeResult, {"review": review, "outcome": outcome}, result=result)


# --- the member co-ops -------------------------------------------------------------------------


def _members(demo: MembersDemo) -> list[MemberCoop]:
    return list(MemberCoop.objects.filter(consortium=demo.consortium, status=MembershipStatus.ACTIVE)
                .order_by("trading_name", "pk"))


def _inspections(demo: MembersDemo) -> None:
    """The latest CIW inspection of every service each member is registered with CIW for (and
    an earlier one where EARLIER_INSPECTIONS says), once per member and service."""
    today = timezone.localdate()
    by = demo.users["coordinator"]
    registrations = (CIWRegistration.objects.filter(coop__in=_members(demo))
                     .select_related("coop", "service_type").order_by("coop__trading_name", "pk"))
    for registration in registrations:
        coop, service = registration.coop, registration.service_type
        if CIWInspection.objects.filter(coop=coop, service_type=service).exists():
            continue
        name = coop.trading_name
        for days_ago, (well_being, care, leadership) in (
                [EARLIER_INSPECTIONS[name]] if name in EARLIER_INSPECTIONS else []) + [
                INSPECTIONS.get(name, DEFAULT_INSPECTION)]:
            _once(CIWInspection, {"coop": coop, "service_type": service,
                                  "inspected_on": today - dt.timedelta(days=days_ago)},
                  report_url=CIW_REPORTS, well_being=well_being, care_and_support=care,
                  environment="", leadership=leadership, recorded_by=by)


def _governance_reports(demo: MembersDemo) -> None:
    """Each member's report of its own governance for the last financial year (its AGM in the
    autumn of that year; its members from its stakeholder classes), but one."""
    year = financial_year_of(timezone.localdate()) - 1
    for position, coop in enumerate(_members(demo)):
        if coop.trading_name == GOVERNANCE_REPORT_MISSING:
            continue
        classes = {s.kind: s.member_count for s in coop.stakeholders.all()}
        workers = coop.total_workers
        _once(MemberGovernanceReport, {"coop": coop, "financial_year": year},
              agm_held_on=dt.date(year, 9, 8 + 2 * position),
              members=sum(classes.values()), workers=workers,
              workers_who_are_members=min(classes.get(StakeholderKind.WORKERS, 0), workers),
              reported_by=_user(demo, coop.trading_name))
