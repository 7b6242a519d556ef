"""Who sees a reserved tender's evidence page, and the records behind it.

- The tendering council's reviewers, after the submission deadline (as with the bids: a council
  never sees a bid before the deadline): every bidder, the consortia's joint bids and the bids
  from outside the system recorded by a reviewer.
- A consortium's coordinator and board members, for their own bid only, before the deadline too
  (so they can check their eligibility): never another consortium's evidence.
- Anyone else who may see tenders: 404 (the page's existence says nothing); other roles: 403.

The records are read here and handed to the pure tests of ``outcomes.reserved`` as plain values.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consortium.errors import require
from consortium.models import Consortium, User
from contracts.evaluation.selectors.review import can_review
from contracts.models import (
    LIVE_CONTRACT_STATUSES,
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    Entry,
    Lot,
    LotStatus,
    Reservation,
    Tender,
)
from contracts.tendering.selectors.tenders import tenders_visible_to
from governance.models import BoardTerm, VoteWeighting
from governance.selectors.rules import rules_in_force
from members.models import MemberCoop, MembershipStatus, StakeholderClass, StakeholderKind
from outcomes import reserved as tests

NOT_ALLOWED = _("Only the council's reviewers, and a consortium's coordinator and board for their "
                "own bid, see the evidence against a reserved contract's tests.")
STANDING = (BidStatus.SUBMITTED, BidStatus.AWARDED, BidStatus.UNSUCCESSFUL)


def may_use(user: User) -> bool:
    return user.is_authenticated and (
        (user.is_council_reviewer and user.council_id is not None)
        or ((user.is_coordinator or user.is_board_member) and user.consortium_id is not None))


@dataclass
class Access:
    tender: Tender
    council: bool  # the council's view (every bidder); else the user's consortium's bid only
    bid: Bid | None = None


def reserved_tender_get_for_user(user: User, pk) -> Access:
    """The reserved tender whose evidence the user may see, or 404 (403 for a role that never may)."""
    require(may_use(user), NOT_ALLOWED)
    try:
        tender = Tender.objects.select_related("council").exclude(reserved=Reservation.NONE).get(pk=pk)
    except (Tender.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if user.is_council_reviewer:
        if not can_review(user, tender):
            raise Http404
        return Access(tender, council=True)
    if not tenders_visible_to(user).filter(pk=tender.pk).exists():
        raise Http404
    bid = Bid.objects.filter(tender=tender, consortium_id=user.consortium_id).first()
    if bid is None:
        raise Http404
    return Access(tender, council=False, bid=bid)


# --- the page ------------------------------------------------------------------------------------


@dataclass
class BidderEvidence:
    name: str
    external: bool
    findings: list
    overall: str

    @property
    def overall_label(self):
        return tests.Verdict(self.overall).label


@dataclass
class LotEvidence:
    lot: Lot
    award_day: dt.date
    awarded: bool
    bidders: list[BidderEvidence] = field(default_factory=list)


@dataclass
class Page:
    tender: Tender
    council: bool
    term: tests.Finding | None
    lots: list[LotEvidence]
    quotes: list


def _members(consortium_id: int) -> list[MemberCoop]:
    return list(
        MemberCoop.objects.filter(consortium_id=consortium_id, status=MembershipStatus.ACTIVE)
        .prefetch_related(Prefetch("stakeholders", queryset=StakeholderClass.objects.order_by("kind")),
                          "service_types")
        .order_by("legal_name"))


def _class_share(coop: MemberCoop, kinds) -> object:
    classes = list(coop.stakeholders.all())
    if not classes:
        return None
    return sum((c.vote_share for c in classes if c.kind in kinds), start=0)


class _Consortia:
    """Each consortium's records, read once for the page."""

    def __init__(self, tender: Tender, today: dt.date):
        self.tender = tender
        self.today = today
        self._cache: dict[int, tuple] = {}

    def records(self, consortium: Consortium) -> tuple:
        if consortium.pk not in self._cache:
            coops = _members(consortium.pk)
            rules = rules_in_force(consortium)
            weights = (dict(rules.class_weights or {})
                       if rules is not None and rules.weighting == VoteWeighting.BY_CLASS else {})
            seats = Counter(BoardTerm.objects.filter(
                Q(ended_at__isnull=True, starts_on__lte=self.today, ends_on__gte=self.today),
                consortium_id=consortium.pk).values_list("seat_class", flat=True))
            contracts = list(
                Contract.objects.filter(consortium_id=consortium.pk)
                .select_related("council", "lot__tender", "lot__service_type", "award"))
            self._cache[consortium.pk] = (coops, weights, dict(seats), contracts)
        return self._cache[consortium.pk]

    def bidder(self, consortium: Consortium, lot: Lot, performing: set[int]) -> tests.Bidder:
        coops, weights, seats, contracts = self.records(consortium)
        members = tuple(
            tests.Member(
                name=str(coop), legal_form=coop.legal_form, coop_type=coop.coop_type,
                social_coop_type=coop.social_coop_type, total_workers=coop.total_workers,
                disadvantaged_workers=coop.disadvantaged_workers,
                workers_vote_share=_class_share(coop, (StakeholderKind.WORKERS,)),
                users_vote_share=_class_share(coop, (StakeholderKind.SERVICE_USERS, StakeholderKind.CARERS)),
                services=tuple(str(s) for s in coop.service_types.all()),
                performs=not performing or coop.pk in performing,
            ) for coop in coops)
        held = tuple(f"{c.council}: {c.lot.tender.reference}, {c.lot}" for c in contracts
                     if c.status in LIVE_CONTRACT_STATUSES)
        comparable = tuple(
            tests.Comparable(f"{c.lot.tender.reference}, {c.lot}",
                             timezone.localtime(c.award.confirmed_at or c.award.decided_at).date())
            for c in contracts
            if c.council_id == self.tender.council_id and c.lot.tender.reserved == Reservation.MUTUALS
            and c.lot.service_type_id == lot.service_type_id and c.lot.tender_id != self.tender.pk)
        return tests.Bidder(name=consortium.name, members=members, legal_form=None,
                            registration=consortium.registration_number, class_weights=weights,
                            board_seats=seats, contracts_held=held, comparable=comparable)


def _performing(bid_ids) -> dict[tuple[int, int], set[int]]:
    """(bid, lot) -> the member co-ops with a share of the lot that they have not declined."""
    out: dict[tuple[int, int], set[int]] = {}
    for bid_id, lot_id, coop_id in (Allocation.objects.filter(bid_lot__bid_id__in=bid_ids)
                                    .exclude(status=AllocationStatus.DECLINED)
                                    .values_list("bid_lot__bid_id", "bid_lot__lot_id", "coop_id")):
        out.setdefault((bid_id, lot_id), set()).add(coop_id)
    return out


def reserved_evidence(access: Access) -> Page:
    """Every lot of the tender with each bidder's findings against each test of its reservation."""
    tender = access.tender
    today = timezone.localdate()
    lots = list(Lot.objects.filter(tender=tender).exclude(status=LotStatus.CANCELLED)
                .select_related("service_type").order_by("number"))
    awards = {a.lot_id: a for a in Award.objects.filter(lot__tender=tender).exclude(
        status=AwardStatus.CANCELLED)}
    if access.council:
        bids = list(Bid.objects.filter(tender=tender, status__in=STANDING,
                                       submissions__withdrawn_at__isnull=True)
                    .select_related("consortium").distinct().order_by("consortium__name"))
        bid_lots = {(bid_id, lot_id) for bid_id, lot_id in
                    Bid.objects.filter(pk__in=[b.pk for b in bids]).values_list("pk", "bid_lots__lot_id")}
        externals: dict[int, list[str]] = {}
        for lot_id, name in (Entry.objects.filter(lot__tender=tender, external_bid__isnull=False)
                             .order_by("external_bid__bidder_name").values_list("lot_id",
                                                                                "external_bid__bidder_name")):
            externals.setdefault(lot_id, []).append(name)
    else:
        bids = [access.bid]
        bid_lots = set(access.bid.bid_lots.values_list("bid_id", "lot_id"))
        externals = {}
    performing = _performing([b.pk for b in bids])
    consortia = _Consortia(tender, today)
    page_lots = []
    for lot in lots:
        award = awards.get(lot.pk)
        award_day = timezone.localtime(award.decided_at).date() if award is not None else today
        row = LotEvidence(lot, award_day, award is not None)
        for bid in bids:
            if (bid.pk, lot.pk) not in bid_lots:
                continue
            bidder = consortia.bidder(bid.consortium, lot, performing.get((bid.pk, lot.pk), set()))
            found = tests.findings(tender.reserved, bidder, award_day)
            row.bidders.append(BidderEvidence(bid.consortium.name, False, found, tests.overall(found)))
        for name in externals.get(lot.pk, []):
            found = tests.findings(tender.reserved, None, award_day)
            row.bidders.append(BidderEvidence(name, True, found, tests.overall(found)))
        if access.council or row.bidders:
            page_lots.append(row)
    term = tests.term_test(tender.contract_start, tender.contract_end) \
        if tender.reserved == Reservation.MUTUALS else None
    codes = (tests.Test.TERM, *tests.S33_TESTS) if tender.reserved == Reservation.MUTUALS else tests.S32_TESTS
    quotes = [(tests.Test(code).label, *tests.QUOTES[code], tests.source_of(code)) for code in codes]
    return Page(tender, access.council, term, page_lots, quotes)
