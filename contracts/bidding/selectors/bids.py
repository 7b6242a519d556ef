"""Scoped reads of joint bids: the bids themselves, their lots, invitations, members' responses
and the price of each lot and time band.

Who may change what is decided here too, once for each write, by the access functions under
"who may do what": the services refuse with them (403) and ``bid_get_for_user(for_write=True)``
uses the same.

Who sees what:
- coordinators: every bid of their consortium, with each allocated member's floor and margin;
- board members: their consortium's bids, rates and totals, never a member's floor or margin;
- member users: the bids their co-op is invited to, and of those only their own co-op's
  invitations, allocations, response and the rate it would be paid;
- council reviewers and everyone else: nothing, not even that a bid exists (404). Issue 5
  opens the submitted bids to the council after the deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consortium import formatting
from consortium.models import TimeBand, User
from contracts.models import (
    Allocation,
    AllocationStatus,
    Bid,
    BidLot,
    BidPrice,
    BidStatus,
    BidSubmission,
    Invitation,
    InvitationStatus,
    LotStatus,
    LotVolume,
    MemberResponse,
    QualityAnswer,
    QualityQuestion,
    ResponseStatus,
    SocialValueCommitment,
    Tender,
    TenderStatus,
)
from members.compliance import Block, blocks_for
from members.models import MemberCoop, MembershipStatus
from members.selectors import user_coop_id
from pricing.models import financial_year_label
from pricing.selectors.submissions import floors_for_members

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)
BANDS = list(TimeBand)


# --- who may do what ----------------------------------------------------------------------------

def can_manage_bids(user: User) -> bool:
    """Coordinators open and run their consortium's bids."""
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


def can_see_bids(user: User) -> bool:
    return bool(
        user.is_authenticated and user.consortium_id
        and (user.is_coordinator or user.is_board_member or user.is_member_user)
    )


def sees_floors(user: User) -> bool:
    """Members' floors and margins: coordinators only."""
    return can_manage_bids(user)


def is_board(user: User) -> bool:
    return bool(user.is_authenticated and user.is_board_member and user.consortium_id)


def can_run_bid(user: User | None, bid: Bid) -> bool:
    """The bid's own coordinators change it: its settings, lots, invitations, prices, answers,
    social value, allocation, the board's vote, its submission and withdrawal."""
    return bool(user is not None and can_manage_bids(user) and user.consortium_id == bid.consortium_id)


def answers_for_coop(user: User | None, coop_id: int) -> bool:
    """Only a user of the co-op answers for it: its invitations and the work allocated to it."""
    return user is not None and user.is_authenticated and user_coop_id(user) == coop_id


# --- bids ---------------------------------------------------------------------------------------

def bids_visible_to(user: User) -> QuerySet[Bid]:
    qs = Bid.objects.select_related("tender", "tender__council", "consortium", "ballot")
    if not can_see_bids(user):
        return qs.none()
    if user.is_coordinator or user.is_board_member:
        return qs.filter(consortium_id=user.consortium_id)
    coop_id = user_coop_id(user)
    if coop_id is None:
        return qs.none()
    invited = Invitation.objects.filter(coop_id=coop_id).values("bid_lot__bid_id")
    responded = MemberResponse.objects.filter(coop_id=coop_id).values("bid_id")
    return qs.filter(consortium_id=user.consortium_id).filter(Q(pk__in=invited) | Q(pk__in=responded))


def bid_get_for_user(user: User, pk, *, for_write: bool = False) -> Bid:
    """A bid the user may see, or 404; with ``for_write``, 403 for one they may see but not run."""
    try:
        bid = bids_visible_to(user).get(pk=pk)
    except (Bid.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write and not can_run_bid(user, bid):
        raise PermissionDenied
    return bid


def bid_lot_get(bid: Bid, pk) -> BidLot:
    try:
        return BidLot.objects.select_related("lot", "lot__service_type").get(bid=bid, pk=pk)
    except (BidLot.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def bid_lots(bid: Bid) -> list[BidLot]:
    """The bid's lots with everything the workspace shows of them, in a fixed number of queries."""
    return list(
        BidLot.objects.filter(bid=bid).select_related("lot", "lot__service_type").prefetch_related(
            "lot__areas",
            Prefetch("lot__volumes", queryset=LotVolume.objects.order_by("time_band")),
            Prefetch("lot__questions", queryset=QualityQuestion.objects.order_by("number")),
            Prefetch("invitations", queryset=Invitation.objects.select_related("coop", "responded_by")),
            Prefetch("allocations", queryset=Allocation.objects.select_related("coop", "council")),
            Prefetch("prices", queryset=BidPrice.objects.order_by("time_band")),
            Prefetch("answers", queryset=QualityAnswer.objects.select_related("question")),
        ).order_by("lot__number")
    )


def tenders_open_for_bids(user: User) -> QuerySet[Tender]:
    """Published tenders before their deadline that the user's consortium has not bid for."""
    if not can_manage_bids(user):
        return Tender.objects.none()
    return (
        Tender.objects.filter(status=TenderStatus.PUBLISHED, submission_deadline__gt=timezone.now())
        .exclude(bids__consortium_id=user.consortium_id)
        .select_related("council").order_by("submission_deadline", "pk")
    )


def responses_of(bid: Bid) -> list[MemberResponse]:
    return list(MemberResponse.objects.filter(bid=bid).select_related("coop", "responded_by"))


def social_value_of(bid: Bid) -> list[SocialValueCommitment]:
    return list(SocialValueCommitment.objects.filter(bid=bid).order_by("heading", "pk"))


def social_value_get(bid: Bid, pk) -> SocialValueCommitment:
    try:
        return SocialValueCommitment.objects.get(bid=bid, pk=pk)
    except (SocialValueCommitment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def submissions_of(bid: Bid) -> list[BidSubmission]:
    return list(BidSubmission.objects.filter(bid=bid).select_related("submitted_by").order_by("-version"))


def standing_submission(bid: Bid) -> BidSubmission | None:
    return BidSubmission.objects.filter(bid=bid, withdrawn_at__isnull=True).first()


# --- members' own view ----------------------------------------------------------------------------

def invitations_for_member(user: User) -> QuerySet[Invitation]:
    coop_id = user_coop_id(user)
    if coop_id is None:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(coop_id=coop_id, bid_lot__bid__consortium_id=user.consortium_id)
        .select_related("bid_lot__lot__service_type", "bid_lot__bid__tender__council", "coop")
        .order_by("-bid_lot__bid__opened_at", "bid_lot__lot__number")
    )


def invitation_get_for_member(user: User, pk) -> Invitation:
    try:
        return invitations_for_member(user).get(pk=pk)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class InvitationState:
    """A member's true state in one lot of a bid, read from its invitation, its work allocated
    in the lot and its answer to the work in the bid, with the answers it can still give to the
    invitation (``services.invitation_respond`` refuses the others)."""

    code: str  # invited, opted_out, declined, work_accepted, work_proposed, taking_part
    label: str
    can_take_part: bool
    can_opt_out: bool


def invitation_state(invitation: Invitation, *, draft: bool, has_work: bool,
                     answer: str | None) -> InvitationState:
    """``has_work``: work in the lot is allocated to the member and not declined; ``answer``:
    the member's answer to its work in the bid (a ``ResponseStatus``), if it has any."""
    if invitation.status == InvitationStatus.OPTED_OUT:
        code, label = "opted_out", _("Not taking part")
    elif invitation.status == InvitationStatus.INVITED:
        code, label = "invited", _("Invited: no answer yet")
    elif answer == ResponseStatus.DECLINED and not has_work:
        code, label = "declined", _("Declined the work proposed")
    elif has_work and answer == ResponseStatus.ACCEPTED:
        code, label = "work_accepted", _("Taking part: work accepted")
    elif has_work:
        code, label = "work_proposed", _("Taking part: work proposed, waiting for an answer")
    else:
        code, label = "taking_part", _("Taking part: no work allocated yet")
    return InvitationState(
        code=code, label=label,
        can_take_part=draft and invitation.status != InvitationStatus.OPTED_IN,
        # Work allocated in the lot is declined on the work page, not by opting out.
        can_opt_out=draft and invitation.status != InvitationStatus.OPTED_OUT and not has_work,
    )


def invitation_states(invitations: list[Invitation], *, today: dt.date | None = None) -> list[Invitation]:
    """Set ``state`` (``InvitationState``) on each invitation, and ``blocks``: why its member may
    not be allocated work in the lot today (``members.compliance``; empty when it may), in five
    queries whatever their number. The invitations' bid lots must be loaded with their bids and
    lots."""
    if not invitations:
        return invitations
    today = today or timezone.localdate()
    blocked = blocks_for({i.coop_id for i in invitations},
                         service_types={i.bid_lot.lot.service_type for i in invitations}, on=today)
    lot_ids = {i.bid_lot_id for i in invitations}
    coop_ids = {i.coop_id for i in invitations}
    bid_ids = {i.bid_lot.bid_id for i in invitations}
    working = set(Allocation.objects.filter(bid_lot_id__in=lot_ids, coop_id__in=coop_ids)
                  .exclude(status=AllocationStatus.DECLINED).values_list("bid_lot_id", "coop_id"))
    answers = {(bid_id, coop_id): status for bid_id, coop_id, status in
               MemberResponse.objects.filter(bid_id__in=bid_ids, coop_id__in=coop_ids)
               .values_list("bid_id", "coop_id", "status")}
    for i in invitations:
        bid = i.bid_lot.bid
        i.state = invitation_state(i, draft=bid.status == BidStatus.DRAFT,
                                   has_work=(i.bid_lot_id, i.coop_id) in working,
                                   answer=answers.get((bid.pk, i.coop_id)))
        # Only a draft's allocation can still change: a bid gone further says nothing of it.
        i.blocks = (blocked.get((i.coop_id, i.bid_lot.lot.service_type_id), [])
                    if bid.status == BidStatus.DRAFT else [])
    return invitations


def eligible_coops(bid_lot: BidLot) -> QuerySet[MemberCoop]:
    """Active members of the consortium offering the lot's service in one of its areas."""
    lot = bid_lot.lot
    return (
        MemberCoop.objects.filter(
            consortium_id=bid_lot.bid.consortium_id, status=MembershipStatus.ACTIVE,
            service_types=lot.service_type_id, councils_served__in=lot.areas.all(),
        ).distinct().order_by("legal_name")
    )


@dataclass(frozen=True)
class NotInvited:
    """A member that offers the lot's service in its areas but is not invited, and why."""

    coop: MemberCoop
    blocks: list[Block]


def not_invited(bid_lots: list[BidLot], *, today: dt.date | None = None) -> dict[int, list[NotInvited]]:
    """Per bid lot (by id), the eligible members not invited to it because their compliance
    blocks them today (``members.compliance``): what the coordinator is shown beside the
    invitations. One query per lot and three more."""
    today = today or timezone.localdate()
    candidates: dict[int, list[MemberCoop]] = {}
    for bl in bid_lots:
        invited = {i.coop_id for i in bl.invitations.all()}
        candidates[bl.pk] = [c for c in eligible_coops(bl) if c.pk not in invited]
    blocked = blocks_for({c.pk for found in candidates.values() for c in found},
                         service_types={bl.lot.service_type for bl in bid_lots}, on=today)
    return {
        bl.pk: [NotInvited(c, blocked[(c.pk, bl.lot.service_type_id)]) for c in candidates[bl.pk]
                if (c.pk, bl.lot.service_type_id) in blocked]
        for bl in bid_lots
    }


def responses_for_member(user: User) -> QuerySet[MemberResponse]:
    coop_id = user_coop_id(user)
    if coop_id is None:
        return MemberResponse.objects.none()
    return (
        MemberResponse.objects.filter(coop_id=coop_id, bid__consortium_id=user.consortium_id)
        .select_related("bid__tender__council", "coop").order_by("respond_by", "pk")
    )


def response_get_for_member(user: User, bid: Bid) -> MemberResponse:
    """The user's co-op's response in this bid, or 404."""
    found = responses_for_member(user).filter(bid=bid).first()
    if found is None:
        raise Http404
    return found


def allocations_of_coop(bid: Bid, coop_id: int) -> list[Allocation]:
    return list(
        Allocation.objects.filter(bid_lot__bid=bid, coop_id=coop_id)
        .select_related("bid_lot__lot", "council").order_by("bid_lot__lot__number", "council__name_en",
                                                             "time_band")
    )


# --- price ----------------------------------------------------------------------------------------

def financial_year_of(day: dt.date) -> int:
    """The financial year (by the calendar year it starts in) a date falls in: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def ceil_penny(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_CEILING)


def fee_of(rate: Decimal, fee_percent: Decimal) -> Decimal:
    """The consortium's management fee out of a rate: never more than its percentage (rounded
    down to the penny), so the member's share is never less than the rate less that percentage."""
    return (rate * fee_percent / HUNDRED).quantize(PENNY, rounding=ROUND_DOWN)


def net_rate(rate: Decimal, fee_percent: Decimal) -> Decimal:
    """What a member is paid per unit: the bid's rate less the management fee."""
    return rate - fee_of(rate, fee_percent)


def required_rate(floor: Decimal, fee_percent: Decimal) -> Decimal:
    """The lowest rate (in pence) whose net (``net_rate``) covers ``floor``: floor / (1 - fee)
    rounded up to the penny, less the odd penny the fee's rounding down gives back."""
    rate = ceil_penny(floor * HUNDRED / (HUNDRED - fee_percent))
    while rate > PENNY and net_rate(rate - PENNY, fee_percent) >= floor:
        rate -= PENNY
    return rate


@dataclass
class MemberPrice:
    coop: MemberCoop
    volume: Decimal
    floor: Decimal | None
    required: Decimal | None
    net: Decimal | None = None  # at the rate set (or required, when none is set)
    margin: Decimal | None = None
    ceiling_net: Decimal | None = None
    over_ceiling_by: Decimal | None = None  # floor - ceiling net, when the ceiling cannot pay it


@dataclass
class PriceLine:
    """One lot and time band: the volume the lot asks for, the volume allocated to members (not
    declined), which is what the bid offers and what its price values, the allocated members,
    the rate needed and set."""

    bid_lot: BidLot
    time_band: str
    volume: Decimal  # what the lot asks for
    allocated: Decimal  # what the bid offers
    ceiling: Decimal
    members: list[MemberPrice] = field(default_factory=list)
    required: Decimal | None = None
    rate: Decimal | None = None  # the rate set on the bid (BidPrice), if any
    problems: list[str] = field(default_factory=list)

    @property
    def band_label(self) -> str:
        return str(TimeBand(self.time_band).label)

    @property
    def weekly_value(self) -> Decimal | None:
        """The rate times the volume the bid offers (allocated), never the lot's whole volume."""
        return (self.rate * self.allocated).quantize(PENNY) if self.rate is not None else None

    @property
    def shortfall(self) -> Decimal:
        """How much of the lot's volume in the band is not allocated (0 when all of it is)."""
        return max(self.volume - self.allocated, Decimal(0))

    @property
    def partial_allowed(self) -> bool:
        return self.bid_lot.lot.allows_partial_bids

    @property
    def shortfall_text(self) -> str:
        """The shortfall as a sentence (empty when none), the same for every role: it names no
        member and no member's cost."""
        if not self.shortfall:
            return ""
        figures = {"lot": self.bid_lot.lot.number, "band": self.band_label, "allocated": self.allocated,
                   "volume": self.volume, "short": self.shortfall}
        if self.partial_allowed:
            return _("Lot %(lot)s, %(band)s: the bid offers %(allocated)s of the %(volume)s a week the lot "
                     "asks for, %(short)s short (the lot allows partial bids).") % figures
        return _("Lot %(lot)s, %(band)s: only %(allocated)s of the %(volume)s a week the lot asks for is "
                 "allocated, %(short)s short; the lot does not allow partial bids, so allocate the rest "
                 "(or stop bidding for the lot).") % figures

    @property
    def breaches_ceiling(self) -> bool:
        return any(m.over_ceiling_by is not None for m in self.members)

    @property
    def ok(self) -> bool:
        return not self.problems


def price_lines(bid: Bid, lots: list[BidLot] | None = None) -> list[PriceLine]:
    """Per lot and time band (of the lot's volumes): the rate each allocated member needs for
    its net to cover its floor (floor / (1 - fee), up to the penny), the highest of them, and
    whatever stops the line being priced: no member allocated, a floor missing, the ceiling too
    low to pay a member's floor (which members, by how much), a rate set outside
    [required, ceiling]. Floors come from each member's latest cost submission for the service
    and the financial year the contract starts in."""
    lots = lots if lots is not None else bid_lots(bid)
    fee = bid.management_fee_percent
    year = financial_year_of(bid.tender.contract_start)
    floors_by_service: dict[int, dict[int, dict[str, Decimal]]] = {}
    lines: list[PriceLine] = []
    for bid_lot in lots:
        lot = bid_lot.lot
        service_id = lot.service_type_id
        if service_id not in floors_by_service:
            floors_by_service[service_id] = floors_for_members(
                consortium=bid.consortium_id, service_type=service_id, financial_year=year)
        floors = floors_by_service[service_id]
        rates = {p.time_band: p.rate for p in bid_lot.prices.all()}
        allocations = [a for a in bid_lot.allocations.all() if a.status != AllocationStatus.DECLINED]
        ceiling_net = net_rate(lot.ceiling_rate, fee)
        for volume in lot.volumes.all():
            band = volume.time_band
            by_coop: dict[int, MemberPrice] = {}
            for a in allocations:
                if a.time_band != band:
                    continue
                entry = by_coop.get(a.coop_id)
                if entry is None:
                    floor = floors.get(a.coop_id, {}).get(band)
                    entry = by_coop[a.coop_id] = MemberPrice(
                        coop=a.coop, volume=Decimal(0), floor=floor,
                        required=required_rate(floor, fee) if floor is not None else None,
                        ceiling_net=ceiling_net,
                    )
                entry.volume += a.volume
            members = sorted(by_coop.values(), key=lambda m: m.coop.legal_name)
            line = PriceLine(bid_lot=bid_lot, time_band=band, volume=volume.volume,
                             allocated=sum((m.volume for m in members), Decimal(0)),
                             ceiling=lot.ceiling_rate, members=members, rate=rates.get(band))
            known = [m.required for m in members if m.required is not None]
            line.required = max(known) if known else None
            label = {"lot": lot.number, "band": line.band_label}
            if not members:
                line.problems.append(_("Lot %(lot)s, %(band)s: no member is allocated yet.") % label)
            for m in members:
                if m.floor is None:
                    line.problems.append(
                        _("Lot %(lot)s, %(band)s: %(coop)s has no cost floor for %(year)s; ask it to "
                          "submit its costs.") % {**label, "coop": m.coop.display_name,
                                                  "year": financial_year_label(year)})
                elif m.floor > ceiling_net:
                    m.over_ceiling_by = m.floor - ceiling_net
                    line.problems.append(
                        _("Lot %(lot)s, %(band)s: %(coop)s's floor is %(floor)s but the ceiling of "
                          "%(ceiling)s pays a member at most %(net)s, %(gap)s short.")
                        % {**label, "coop": m.coop.display_name, "floor": formatting.money(m.floor),
                           "ceiling": formatting.money(lot.ceiling_rate),
                           "net": formatting.money(ceiling_net), "gap": formatting.money(m.over_ceiling_by)})
            shown = line.rate if line.rate is not None else line.required
            if shown is not None:
                for m in members:
                    m.net = net_rate(shown, fee)
                    m.margin = m.net - m.floor if m.floor is not None else None
            if members and not line.problems:
                if line.rate is None:
                    line.problems.append(_("Lot %(lot)s, %(band)s: no rate is set yet.") % label)
                elif line.required is not None and line.rate < line.required:
                    line.problems.append(
                        _("Lot %(lot)s, %(band)s: the rate %(rate)s is below the %(required)s the "
                          "allocated members' floors need.") % {**label, "rate": line.rate,
                                                                "required": line.required})
                elif line.rate > lot.ceiling_rate:
                    line.problems.append(
                        _("Lot %(lot)s, %(band)s: the rate %(rate)s is above the ceiling of %(ceiling)s.")
                        % {**label, "rate": line.rate, "ceiling": lot.ceiling_rate})
            lines.append(line)
    return lines


def readiness(bid: Bid, lots: list[BidLot] | None = None,
              lines: list[PriceLine] | None = None) -> list[str]:
    """What stops the bid going to the board (or being submitted): empty when nothing does."""
    lots = lots if lots is not None else bid_lots(bid)
    problems: list[str] = []
    if not lots:
        problems.append(_("Choose at least one lot to bid for."))
    for bl in lots:
        if bl.lot.status == LotStatus.CANCELLED:
            problems.append(_("Lot %(n)s was withdrawn by the council: remove it from the bid.")
                            % {"n": bl.lot.number})
    lines = lines if lines is not None else price_lines(bid, lots)
    for line in lines:
        problems.extend(line.problems)
    # A lot bid for must be covered in full, unless it allows partial bids (then the shortfall is
    # shown, not refused: ``partial_shortfalls``). A band with nothing allocated is a line problem.
    problems.extend(line.shortfall_text for line in lines
                    if line.allocated and line.shortfall and not line.partial_allowed)
    allocated = {a.coop_id: a.coop for bl in lots for a in bl.allocations.all()
                 if a.status != AllocationStatus.DECLINED}
    answers = {coop_id: status for coop_id, status in
               MemberResponse.objects.filter(bid=bid).values_list("coop_id", "status")}
    for coop_id, coop in sorted(allocated.items(), key=lambda kv: kv[1].legal_name):
        if answers.get(coop_id) != ResponseStatus.ACCEPTED:
            problems.append(_("%(coop)s has not accepted its share of the work yet.")
                            % {"coop": coop.display_name})
    return problems


def partial_shortfalls(lines: list[PriceLine]) -> list[str]:
    """What the bid deliberately leaves of lots that allow partial bids, per lot and band: shown
    to the coordinator and the board, not a reason to refuse the bid."""
    return [line.shortfall_text for line in lines
            if line.allocated and line.shortfall and line.partial_allowed]


@dataclass(frozen=True)
class BidWarning:
    """Something the bid goes to the board or the council without, that costs it marks or volume:
    shown before it is sent to the board and before it is submitted, never a reason to refuse it
    (``readiness`` says what is refused). ``code``: unanswered, no_social_value or shortfall."""

    code: str
    text: str


def _percent(value: Decimal) -> str:
    """A share of the marks as people write it: 40, 12.5 (never 40.0)."""
    return f"{value.quantize(Decimal('0.1')).normalize():f}"


def bid_warnings(bid: Bid, lots: list[BidLot] | None = None,
                 lines: list[PriceLine] | None = None) -> list[BidWarning]:
    """What the bid leaves out, per lot still open: quality questions not answered (how many and
    the share of the lot's marks they carry: their marks over the lot's, times its quality
    weight, as the evaluation scores them), no social value commitment where the lot weighs social
    value, and every band of a lot the allocation does not cover in full. The same for the
    coordinator and the board: it names no member and no member's cost."""
    lots = lots if lots is not None else bid_lots(bid)
    lots = [bl for bl in lots if bl.lot.status != LotStatus.CANCELLED]
    warnings: list[BidWarning] = []
    for bl in lots:
        lot = bl.lot
        questions = list(lot.questions.all())
        answered = {a.question_id for a in bl.answers.all() if a.answer.strip()}
        missing = [q for q in questions if q.pk not in answered]
        total_marks = sum(q.max_marks for q in questions)
        if missing and total_marks:
            share = Decimal(sum(q.max_marks for q in missing)) / Decimal(total_marks) * lot.quality_weight
            warnings.append(BidWarning("unanswered", ngettext(
                "Lot %(lot)s: %(count)s quality question is not answered; it carries %(share)s%% of the "
                "lot's marks.",
                "Lot %(lot)s: %(count)s quality questions are not answered; they carry %(share)s%% of the "
                "lot's marks.", len(missing)) % {"lot": lot.number, "count": len(missing),
                                                  "share": _percent(share)}))
    if not SocialValueCommitment.objects.filter(bid=bid).exists():
        for bl in lots:
            if bl.lot.social_value_weight:
                warnings.append(BidWarning("no_social_value", _(
                    "Lot %(lot)s: the bid makes no social value commitment; social value carries "
                    "%(share)s%% of the lot's marks.") % {"lot": bl.lot.number,
                                                          "share": bl.lot.social_value_weight}))
    lines = lines if lines is not None else price_lines(bid, lots)
    warnings.extend(BidWarning("shortfall", line.shortfall_text) for line in lines
                    if line.shortfall and line.bid_lot.lot.status != LotStatus.CANCELLED)
    return warnings


def board_totals(lines: list[PriceLine]) -> dict:
    """What the board sees of the price: the weekly value of the bid, not anyone's floor."""
    priced = [line.weekly_value for line in lines if line.weekly_value is not None]
    return {"weekly_value": sum(priced, Decimal(0)), "lines_priced": len(priced), "lines": len(lines)}


def member_rates(bid: Bid, coop_id: int, allocations: list[Allocation]) -> list[dict]:
    """For a member's own allocations: the bid's rate (if set) and what the member would be paid."""
    prices = {(p.bid_lot_id, p.time_band): p.rate
              for p in BidPrice.objects.filter(bid_lot__bid=bid)}
    rows = []
    for a in allocations:
        rate = prices.get((a.bid_lot_id, a.time_band))
        rows.append({"allocation": a, "rate": rate,
                     "paid": net_rate(rate, bid.management_fee_percent) if rate is not None else None})
    return rows


def bid_status_label(bid: Bid) -> str:
    return str(BidStatus(bid.status).label)


# --- the workspace, as each role may see it ---------------------------------------------------------

@dataclass
class MemberView:
    """A member user's own part of a bid."""

    coop_id: int
    invitations: list[Invitation]
    allocations: list[dict]  # {"allocation", "rate", "paid"}
    response: MemberResponse | None


@dataclass
class Workspace:
    bid: Bid
    role: str  # "coordinator", "board" or "member"
    lots: list[BidLot]
    lines: list[PriceLine]
    problems: list[str]
    responses: list[MemberResponse]
    social_value: list[SocialValueCommitment]
    submissions: list[BidSubmission]
    totals: dict
    mine: MemberView | None = None
    shortfalls: list[str] = field(default_factory=list)  # of lots allowing partial bids
    warnings: list[BidWarning] = field(default_factory=list)  # coordinator and board

    @property
    def sees_floors(self) -> bool:
        return self.role == "coordinator"


def _aggregate_line(line: PriceLine) -> PriceLine:
    """A line as the board sees it: rates and volumes, no member's floor, need or margin."""
    problems = [] if line.ok else [
        _("Lot %(lot)s, %(band)s cannot be priced yet.") % {"lot": line.bid_lot.lot.number,
                                                             "band": line.band_label}]
    return PriceLine(bid_lot=line.bid_lot, time_band=line.time_band, volume=line.volume,
                     allocated=line.allocated, ceiling=line.ceiling, members=[], required=None,
                     rate=line.rate, problems=problems)


def bid_workspace(user: User, bid: Bid) -> Workspace:
    """Everything of the bid the user may see (the bid itself comes from ``bid_get_for_user``)."""
    lots = bid_lots(bid)
    for bl in lots:
        bl.bid = bid
    invitation_states([i for bl in lots for i in bl.invitations.all()])
    submissions = submissions_of(bid)
    if can_manage_bids(user) or is_board(user):
        lines = price_lines(bid, lots)
        problems = readiness(bid, lots, lines)
        social = social_value_of(bid)
        responses = responses_of(bid)
        shortfalls = partial_shortfalls(lines)
        warnings = bid_warnings(bid, lots, lines)
        if can_manage_bids(user):
            if bid.status == BidStatus.DRAFT:  # invitations change only while it is a draft
                for bl, left_out in zip(lots, not_invited(lots).values(), strict=True):
                    bl.not_invited = left_out
            return Workspace(bid, "coordinator", lots, lines, problems, responses, social, submissions,
                             board_totals(lines), shortfalls=shortfalls, warnings=warnings)
        board_lines = [_aggregate_line(line) for line in lines]
        board_problems = [p for line in board_lines for p in line.problems] + [
            p for p in problems if not any(p in line.problems for line in lines)]
        return Workspace(bid, "board", lots, board_lines, board_problems, responses, social, submissions,
                         board_totals(lines), shortfalls=shortfalls, warnings=warnings)
    coop_id = user_coop_id(user)
    own_lots = []
    for bl in lots:
        invitations = [i for i in bl.invitations.all() if i.coop_id == coop_id]
        allocations = [a for a in bl.allocations.all() if a.coop_id == coop_id]
        if invitations or allocations:
            # Only the member's own rows are left on the lot it sees.
            bl._prefetched_objects_cache["invitations"] = invitations
            bl._prefetched_objects_cache["allocations"] = allocations
            bl._prefetched_objects_cache["prices"] = []
            bl._prefetched_objects_cache["answers"] = []
            own_lots.append(bl)
    allocations = allocations_of_coop(bid, coop_id) if coop_id else []
    response = MemberResponse.objects.filter(bid=bid, coop_id=coop_id).first() if coop_id else None
    mine = MemberView(coop_id=coop_id, invitations=[i for bl in own_lots for i in bl.invitations.all()],
                      allocations=member_rates(bid, coop_id, allocations), response=response)
    return Workspace(bid, "member", own_lots, [], [], [response] if response else [], [], [], {}, mine)
