"""Scoped reads of negotiations.

Who sees what (404 for anything else):
- coordinators and board members: every negotiation of their consortium, every round (also
  those awaiting the board or rejected by it) with its ballot and evidence snapshot;
- council reviewers: negotiations with their own council in which an offer has been made to
  them, and only the rounds the council has seen (offered, countered, accepted), with the
  aggregated (suppressed) evidence snapshot attached to them. Never a round before the board,
  never a member's own figures;
- member users: the agreed negotiations of their consortium (the outcome: the accepted
  round's rates), and how far those rates cover their own co-op's costs;
- anyone else: nothing.

Who may write: ``party_of`` and ``can_open_negotiation`` here, the one answer for each write of a
negotiation; ``pricing.services.negotiations`` refuses with them (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from consortium.models import Consortium, Role, TimeBand, User
from members import governance
from members.models import MemberCoop
from pricing.cost_model import LINE_LABELS
from pricing.models import Negotiation, NegotiationRound, NegotiationStatus, Party, RoundRate, RoundStatus
from pricing.selectors import submissions as submission_selectors

SHOWN_TO_COUNCIL = (RoundStatus.OFFERED, RoundStatus.COUNTERED, RoundStatus.ACCEPTED)
CONSORTIUM_INSIDERS = (Role.COORDINATOR, Role.BOARD_MEMBER)


def is_insider(user: User, negotiation: Negotiation) -> bool:
    """Coordinators and board members of the negotiating consortium: they see everything."""
    return (user.is_authenticated and (user.is_coordinator or user.is_board_member)
            and user.consortium_id == negotiation.consortium_id)


def _round_statuses_for(user: User) -> tuple[str, ...] | None:
    """The round statuses the user may see; None: all of them."""
    if user.is_coordinator or user.is_board_member:
        return None
    if user.is_council_reviewer:
        return SHOWN_TO_COUNCIL
    if user.is_member_user:
        return (RoundStatus.ACCEPTED,)
    return ()


def negotiations_visible_to(user: User) -> QuerySet[Negotiation]:
    qs = Negotiation.objects.select_related("consortium", "council", "service_type")
    if not user.is_authenticated:
        return qs.none()
    if user.is_coordinator or user.is_board_member:
        return qs.filter(consortium_id=user.consortium_id)
    if user.is_member_user:
        return qs.filter(consortium_id=user.consortium_id, status=NegotiationStatus.AGREED)
    if user.is_council_reviewer and user.council_id:
        offered = NegotiationRound.objects.filter(negotiation=OuterRef("pk"), status__in=SHOWN_TO_COUNCIL)
        return qs.filter(council_id=user.council_id).filter(Exists(offered))
    return qs.none()


def negotiation_get_for_user(user: User, pk) -> Negotiation:
    try:
        return negotiations_visible_to(user).get(pk=pk)
    except (Negotiation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def rounds_visible_to(user: User, negotiation: Negotiation) -> QuerySet[NegotiationRound]:
    """The negotiation's rounds the user may see, oldest first, with their rates (and ballots
    for the consortium's insiders)."""
    qs = (negotiation.rounds.select_related("created_by")
          .prefetch_related(Prefetch("rates", queryset=RoundRate.objects.order_by("pk")))
          .order_by("number"))
    statuses = _round_statuses_for(user)
    if statuses is None and is_insider(user, negotiation):
        return qs.prefetch_related(Prefetch("ballot", queryset=governance.ballots_visible_to(user)))
    if not statuses:
        return qs.none()
    return qs.filter(status__in=statuses)


def round_get_for_user(user: User, negotiation: Negotiation, pk) -> NegotiationRound:
    try:
        return rounds_visible_to(user, negotiation).get(pk=pk)
    except (NegotiationRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def rates_by_band(round_: NegotiationRound) -> dict[str, Decimal]:
    """The round's rates in time-band order (uses the prefetched rates)."""
    found = {line.time_band: line.rate for line in round_.rates.all()}
    return {band: found[band] for band in TimeBand.values if band in found}


def agreed_round(negotiation: Negotiation) -> NegotiationRound | None:
    if negotiation.status != NegotiationStatus.AGREED:
        return None
    return (negotiation.rounds.filter(status=RoundStatus.ACCEPTED)
            .prefetch_related("rates").first())


def break_off_reason(negotiation: Negotiation) -> str:
    """Why the negotiation was broken off (the change reason in its history), or ""."""
    if negotiation.status != NegotiationStatus.BROKEN_OFF:
        return ""
    entry = (negotiation.history.filter(status=NegotiationStatus.BROKEN_OFF)
             .order_by("history_date").first())
    return (entry.history_change_reason or "") if entry else ""


# --- the evidence attached to an offer ---------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    count: int | None
    lower_quartile: str | None
    median: str | None
    upper_quartile: str | None
    suppressed: bool
    is_total: bool = False


def evidence_rows(snapshot: dict | None) -> list[EvidenceRow]:
    """The snapshot's lines and total as table rows (an empty list when none is attached)."""
    if not snapshot or snapshot.get("kind") != "cost_of_care_evidence":
        return []

    def row(label, stat: dict, *, is_total: bool = False) -> EvidenceRow:
        return EvidenceRow(
            label=str(label), count=stat.get("count"), lower_quartile=stat.get("lower_quartile"),
            median=stat.get("median"), upper_quartile=stat.get("upper_quartile"),
            suppressed=bool(stat.get("suppressed")), is_total=is_total,
        )

    rows = [row(LINE_LABELS.get(line.get("code"), line.get("code", "")), line)
            for line in snapshot.get("lines") or []]
    if snapshot.get("total"):
        rows.append(row(_("Total per contact hour"), snapshot["total"], is_total=True))
    return rows


# --- what the user may do ----------------------------------------------------------------------


def party_of(user: User, negotiation: Negotiation) -> str | None:
    """The side the user speaks for in the negotiation (None: neither). The one access function
    of the negotiation's writes: the consortium's coordinators propose its opening position and
    make its offers, the council's reviewers make the council's, either side accepts the other's
    offer or breaks off (``pricing.services.negotiations`` refuses with it, 403)."""
    if (user.is_authenticated and user.is_coordinator
            and user.consortium_id == negotiation.consortium_id):
        return Party.CONSORTIUM
    if (user.is_authenticated and user.is_council_reviewer
            and user.council_id == negotiation.council_id):
        return Party.COUNCIL
    return None


def can_open_negotiation(user: User, consortium: Consortium | None = None) -> bool:
    """Coordinators open negotiations for their consortium (``consortium``: for that one)."""
    return (user.is_authenticated and user.is_coordinator and user.consortium_id is not None
            and (consortium is None or user.consortium_id == consortium.pk))


@dataclass(frozen=True)
class Actions:
    """What the user may do next in a negotiation (buttons on the page)."""

    party: str | None
    can_propose: bool
    can_counter: bool
    offer_to_accept: NegotiationRound | None
    can_break_off: bool
    is_open: bool


def negotiation_actions(user: User, negotiation: Negotiation, rounds: list[NegotiationRound]) -> Actions:
    """From the rounds the user sees (``rounds_visible_to``): what the user may do now."""
    party = party_of(user, negotiation)
    is_open = negotiation.status == NegotiationStatus.OPEN
    if party is None or not is_open:
        return Actions(party, False, False, None, False, is_open)
    statuses = {r.status for r in rounds}
    offers = [r for r in rounds if r.status == RoundStatus.OFFERED]
    current = offers[-1] if offers else None
    can_propose = (party == Party.CONSORTIUM and not statuses - {RoundStatus.REJECTED_BY_BOARD})
    theirs = current is not None and current.party != party
    return Actions(
        party=party, can_propose=can_propose, can_counter=theirs,
        offer_to_accept=current if theirs else None, can_break_off=True, is_open=True,
    )


# --- coverage of a member's own costs ------------------------------------------------------------


def members_floor_seen_by(user: User, negotiation: Negotiation) -> dict[str, Decimal]:
    """Per time band, the members' floor: the highest floor among the consortium's members'
    latest cost submissions for the negotiation's service and year, the lowest rate that covers
    every member's costs. It is one member's own floor, so only the consortium's coordinators
    see it (as they see every member's floor on a bid's prices); an empty dict for anyone else:
    the board (which sees no member's costs), members, and the council above all."""
    if not (is_insider(user, negotiation) and user.is_coordinator):
        return {}
    floors: dict[str, Decimal] = {}
    by_coop = submission_selectors.floors_for_members(
        consortium=negotiation.consortium_id, service_type=negotiation.service_type_id,
        financial_year=negotiation.financial_year)
    counted = set(submission_selectors.latest_submissions(
        consortium=negotiation.consortium_id, service_type=negotiation.service_type_id,
        financial_year=negotiation.financial_year).values_list("coop_id", flat=True))
    for coop_id, by_band in by_coop.items():
        if coop_id in counted:
            for band, rate in by_band.items():
                floors[band] = max(rate, floors.get(band, rate))
    return floors


@dataclass(frozen=True)
class Coverage:
    """One time band: the agreed rate against the member's own floor."""

    time_band: str
    agreed_rate: Decimal
    floor: Decimal | None

    @property
    def time_band_label(self) -> str:
        return str(TimeBand(self.time_band).label)

    @property
    def margin(self) -> Decimal | None:
        """Pounds per hour above (or, negative, below) the floor."""
        return None if self.floor is None else self.agreed_rate - self.floor

    @property
    def margin_percent(self) -> Decimal | None:
        """The margin as a percentage of the floor, to one decimal place."""
        if self.floor is None or self.floor == 0:
            return None
        return (self.margin * 100 / self.floor).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def covered(self) -> bool | None:
        return None if self.floor is None else self.agreed_rate >= self.floor


def coop_of(user: User) -> MemberCoop | None:
    """The co-op a member user acts for."""
    if not user.is_authenticated or not user.is_member_user:
        return None
    link = getattr(user, "member_link", None)
    return link.coop if link else None


def negotiation_coverage(*, negotiation: Negotiation, coop: MemberCoop) -> list[Coverage]:
    """Per band, the agreed rate against the co-op's own floor (its latest cost submission for
    the service type and year). Only for the co-op itself: callers pass the user's own co-op."""
    round_ = agreed_round(negotiation)
    if round_ is None or coop.consortium_id != negotiation.consortium_id:
        return []
    floors = submission_selectors.member_floors(
        coop=coop, service_type=negotiation.service_type, financial_year=negotiation.financial_year,
    ) or {}
    return [Coverage(band, rate, floors.get(band)) for band, rate in rates_by_band(round_).items()]


def coverage_for_user(user: User, negotiation: Negotiation) -> list[Coverage] | None:
    """The member user's own coverage; None for anyone who is not a member user."""
    coop = coop_of(user)
    if coop is None:
        return None
    return negotiation_coverage(negotiation=negotiation, coop=coop)
