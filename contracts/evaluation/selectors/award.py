"""Scoped reads of award decisions: the award page of a lot for the tendering council's
reviewers, and the results a bidding consortium is told.

Who sees what:
- the award page (ranked scores with their workings, the standing award, the standstill): the
  reviewers of the tender's council once the submission deadline has passed (the review pages'
  access helper); only the panel's lead reviewer acts on it. Everyone else: 404;
- results: coordinators and board members of a consortium that bid, and only once a decision
  is made for a lot: their own bid's scores and the winner's, from the scores frozen at the
  decision (``Award.scores``); never a third bidder's. Before the decision: nothing. Member
  users: 403 (their part of an award is their sub-contract).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from consortium.models import TimeBand, User
from contracts.bidding.selectors.bids import bid_get_for_user
from contracts.evaluation.selectors.review import is_lead, review_lot_get_for_user
from contracts.evaluation.selectors.scores import entry_key, lot_entries, lot_scores
from contracts.models import (
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Bid,
    BidLot,
    Contract,
    Entry,
    Lot,
)
from members.capacity import valid_on
from members.models import CapacityDeclaration

STANDING = (AwardStatus.STANDSTILL, AwardStatus.CONFIRMED)


# --- the award page -----------------------------------------------------------------------------

def award_lot_get_for_user(user: User, pk) -> Lot:
    """A lot whose award page the user may see (reviewers of the tender's council, after the
    deadline), or 404."""
    return review_lot_get_for_user(user, pk)


def can_decide(user: User, lot: Lot) -> bool:
    return is_lead(user, lot.tender)


def standing_award(lot: Lot) -> Award | None:
    return (Award.objects.filter(lot=lot, status__in=STANDING)
            .select_related("decided_by", "entry__external_bid", "entry__submission__bid__consortium")
            .first())


def missing_text(codes, numbers: dict[int, int]) -> str:
    """What a bid's score still lacks, in words ("question:<id>" codes by question number)."""
    parts = []
    for code in codes:
        if code == "price":
            parts.append(_("a price for every time band"))
        elif code == "social_value":
            parts.append(_("the social value score"))
        elif code.startswith("question:"):
            number = numbers.get(int(code.split(":", 1)[1]), "?")
            parts.append(_("the agreed mark for question %(n)s") % {"n": number})
        else:
            parts.append(code)
    return ", ".join(parts)


@dataclass
class AwardPage:
    lot: Lot
    entries: dict[str, Entry]  # by score key
    scores: list[dict]  # ranked, as ``Score.as_dict``: frozen once an award stands, else live
    frozen: bool
    award: Award | None
    contract_id: int | None
    cancelled: list[Award] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.scores) and not any(row["missing"] for row in self.scores)

    @property
    def winner_key(self) -> str | None:
        return entry_key(self.award.entry) if self.award is not None else None


def award_page(lot: Lot) -> AwardPage:
    """What the award page shows of a lot (the caller checked access): the standing award with
    the scores it froze, or, before a decision, the scores as they stand now; each row with
    ``missing_text`` (what it still lacks, in words)."""
    entries = lot_entries(lot)
    by_key = {entry_key(e): e for e in entries}
    award = standing_award(lot)
    cancelled = list(Award.objects.filter(lot=lot, status=AwardStatus.CANCELLED)
                     .select_related("decided_by", "entry__external_bid",
                                     "entry__submission__bid__consortium")
                     .order_by("-decided_at"))
    if award is not None:
        rows = [dict(row) for row in award.scores]
        contract_id = Contract.objects.filter(award=award).values_list("pk", flat=True).first()
    else:
        rows = [s.as_dict() for s in lot_scores(lot, entries)]
        contract_id = None
    numbers = dict(lot.questions.values_list("pk", "number"))
    for row in rows:
        row["missing_text"] = missing_text(row["missing"], numbers)
    return AwardPage(lot, by_key, rows, award is not None, award, contract_id, cancelled)


# --- results for the bidders ----------------------------------------------------------------------

def can_see_results(user: User) -> bool:
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_board_member))


def results_bid_get_for_user(user: User, pk) -> Bid:
    """The consortium's bid whose results the user may see, or 404 (a bid they may not see);
    403 for member users, who see the bid but not the evaluation."""
    bid = bid_get_for_user(user, pk)
    if not can_see_results(user):
        raise PermissionDenied
    return bid


@dataclass
class LotResult:
    lot: Lot
    award: Award | None  # the decision (in standstill or confirmed); None: not decided yet
    own: dict | None  # this bid's frozen scores
    winner: dict | None  # the winner's frozen scores
    entered: bool = True  # the bid was among those evaluated for the lot (else nothing is shown)

    @property
    def won(self) -> bool:
        return self.own is not None and self.winner is not None and self.own["key"] == self.winner["key"]


def _without_third_price(scores: list[dict], own: dict | None,
                         winner: dict | None) -> tuple[dict | None, dict | None]:
    """The bidder's own frozen row and the winner's, as a standstill letter gives them: the
    price formula quotes the lowest price of all the bids only when it is one of theirs;
    otherwise it says the lowest came from another bid, without its figure."""
    prices = [Decimal(row["price"]) for row in scores if row.get("price") is not None
              and Decimal(row["price"]) > 0]
    if not prices:
        return own, winner
    lowest = min(prices)
    shown = {Decimal(row["price"]) for row in (own, winner) if row and row.get("price") is not None}
    if lowest in shown:
        return own, winner
    hidden = _("the lowest price came from another bid")
    return tuple(_price_working_hidden(row, hidden) for row in (own, winner))


def _price_working_hidden(row: dict | None, hidden: str) -> dict | None:
    """A copy of ``row`` whose price working ("<lowest> / <price> x <weight> = <score>") names
    no lowest price."""
    if row is None or " / " not in row["workings"].get("price", ""):
        return row
    rest = row["workings"]["price"].split(" / ", 1)[1]
    return {**row, "workings": {**row["workings"], "price": f"({hidden}) / {rest}"}}


def bid_results(bid: Bid) -> list[LotResult]:
    """Per lot of the bid: nothing before a decision; after it, the bid's own scores and the
    winner's, as frozen at the decision (a fixed number of queries). A bid that was not among
    those evaluated for a lot (never submitted, say) is told nothing of it."""
    bid_lots = list(
        BidLot.objects.filter(bid=bid).select_related("lot").prefetch_related(
            Prefetch("lot__awards", queryset=Award.objects.filter(status__in=STANDING),
                     to_attr="standing"),
        ).order_by("lot__number")
    )
    own_entries = {e.lot_id: entry_key(e)
                   for e in Entry.objects.filter(submission__bid=bid, lot__in=[bl.lot_id for bl in bid_lots])}
    results = []
    for bl in bid_lots:
        award = bl.lot.standing[0] if bl.lot.standing else None
        own = winner = None
        entered = bl.lot_id in own_entries
        if award is not None and entered:
            rows = {row["key"]: row for row in award.scores}
            own = rows.get(own_entries[bl.lot_id])
            winner = rows.get(f"entry-{award.entry_id}")
            own, winner = _without_third_price(award.scores, own, winner)
        results.append(LotResult(bl.lot, award if entered else None, own, winner, entered))
    return results


# --- capacity for the contract's dates -------------------------------------------------------------

@dataclass(frozen=True)
class CapacityGap:
    """A member's accepted share of a lot whose current capacity declaration is missing or not
    valid on the day the contract starts: the contract cannot commit it as it stands."""

    member: str
    area: str
    time_band: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @property
    def band(self) -> str:
        """The time band as it reads in a sentence ("weekday daytime")."""
        return str(TimeBand(self.time_band).label).lower()


def results_with_gaps(user: User, bid: Bid) -> list[tuple[LotResult, list[CapacityGap]]]:
    """The bid's results, each lot it won that is still in standstill with the members whose
    capacity is not declared for the day the contract starts, so they can declare it in time.
    Those gaps show members' declarations: only the consortium's coordinators see them."""
    results = bid_results(bid)
    coordinator = user.is_coordinator and user.consortium_id == bid.consortium_id
    return [(r, capacity_gaps(bid, r.lot)
             if coordinator and r.won and r.award.status == AwardStatus.STANDSTILL else [])
            for r in results]


def capacity_gaps(bid: Bid, lot: Lot) -> list[CapacityGap]:
    """The bid's accepted shares of ``lot`` that the contract (the tender's contract dates)
    would be refused for, for want of a declaration valid on those dates (two queries). For the
    bid's own consortium's coordinators only: it shows members' declarations."""
    tender = lot.tender
    allocations = list(Allocation.objects.filter(bid_lot__bid=bid, bid_lot__lot=lot,
                                                 status=AllocationStatus.ACCEPTED)
                       .select_related("coop", "council", "capacity").order_by("coop__legal_name", "pk"))
    if not allocations:
        return []
    current = {(d.coop_id, d.service_type_id, d.council_id, d.time_band): d
               for d in CapacityDeclaration.objects.filter(coop_id__in={a.coop_id for a in allocations},
                                                           is_current=True)}
    gaps = []
    for a in allocations:
        row = current.get((a.coop_id, a.capacity.service_type_id, a.council_id, a.time_band))
        if row is None or not valid_on(row, tender.contract_start):
            gaps.append(CapacityGap(a.coop.legal_name, str(a.council), a.time_band,
                                    row.valid_from if row else None, row.valid_to if row else None))
    return gaps
