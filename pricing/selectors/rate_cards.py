"""Scoped reads of rate cards and uplift rules.

Who sees which cards (rate cards are the consortium's agreed prices, not anyone's costs):
- coordinators and board members: every card of their consortium, drafts too;
- member users: their consortium's agreed cards (in force or superseded), not drafts;
- council reviewers: agreed cards with their own council, of any consortium;
- anyone else: none.
Uplift rules are the coordinators' tool: coordinators see their consortium's, no one else any.

Who may write: ``can_manage_rate_cards`` here, the one answer for every write of cards and uplift
rules; ``pricing.services.rate_cards`` refuses with it (403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from consortium.models import Consortium, Council, TimeBand, User
from pricing.models import RateCard, RateCardRate, RateCardStatus, UpliftRule

AGREED = (RateCardStatus.IN_FORCE, RateCardStatus.SUPERSEDED)


def can_manage_rate_cards(user: User, consortium_id: int | None = None) -> bool:
    """Coordinators make, change, put in force and uplift their consortium's cards and uplift
    rules (``consortium_id``: that consortium's). The one access function of these writes:
    ``pricing.services.rate_cards`` refuses with it (403)."""
    return (user.is_authenticated and user.is_coordinator and user.consortium_id is not None
            and (consortium_id is None or user.consortium_id == consortium_id))


def can_see_rate_cards(user: User) -> bool:
    return user.is_authenticated and (
        ((user.is_coordinator or user.is_board_member or user.is_member_user)
         and user.consortium_id is not None)
        or (user.is_council_reviewer and user.council_id is not None)
    )


def _with_rates(qs: QuerySet[RateCard]) -> QuerySet[RateCard]:
    """Everything a card's row shows, in a fixed number of queries whatever the number of cards."""
    return qs.select_related("council", "service_type", "supersedes", "superseded_by").prefetch_related(
        Prefetch("rates", queryset=RateCardRate.objects.order_by("time_band"))
    )


def rate_cards_visible_to(user: User) -> QuerySet[RateCard]:
    qs = RateCard.objects.all()
    if not can_see_rate_cards(user):
        return _with_rates(qs.none())
    if user.is_coordinator or user.is_board_member:
        qs = qs.filter(consortium_id=user.consortium_id)
    elif user.is_member_user:
        qs = qs.filter(consortium_id=user.consortium_id, status__in=AGREED)
    else:
        qs = qs.filter(council_id=user.council_id, status__in=AGREED)
    return _with_rates(qs)


def rate_card_get_for_user(user: User, pk) -> RateCard:
    """A card the user may see, or 404."""
    try:
        return rate_cards_visible_to(user).get(pk=pk)
    except (RateCard.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def rates_by_band(card: RateCard) -> dict[str, Decimal]:
    """The card's rate per time band (from the prefetched rates), in the bands' own order."""
    found = {rate.time_band: rate.rate for rate in card.rates.all()}
    return {band: found[band] for band in TimeBand.values if band in found}


def band_rates(card: RateCard) -> list[Decimal | None]:
    """One entry per time band, in TimeBand order: the rate, or None where the card has none."""
    found = {rate.time_band: rate.rate for rate in card.rates.all()}
    return [found.get(band) for band in TimeBand.values]


def successor(card: RateCard) -> RateCard | None:
    return getattr(card, "superseded_by", None)


def cards_it_would_supersede(card: RateCard) -> list[RateCard]:
    """The cards in force of the draft's consortium, council and service whose period overlaps
    it, earliest first: what putting it in force supersedes (each then ends the day before it
    starts), as ``services.rate_cards.rate_card_put_in_force`` finds them under its lock."""
    found = RateCard.objects.filter(
        consortium_id=card.consortium_id, council_id=card.council_id, service_type_id=card.service_type_id,
        status=RateCardStatus.IN_FORCE).exclude(pk=card.pk)
    if card.effective_to is not None:
        found = found.filter(effective_from__lte=card.effective_to)
    found = found.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=card.effective_from))
    return list(found.order_by("effective_from"))


def rates_on(*, consortium, council, service_type, on: dt.date) -> dict[str, Decimal]:
    """The rates that apply on a date, by time band: those of the agreed card (in force or
    superseded) whose period covers the date. One query.

    Periods of agreed cards of one scope never overlap (putting a card in force ends the one
    before it); were they to, the card that started later wins.
    """
    rows = (
        RateCardRate.objects.filter(
            rate_card__consortium=consortium,
            rate_card__council=council,
            rate_card__service_type=service_type,
            rate_card__status__in=AGREED,
            rate_card__effective_from__lte=on,
        )
        .filter(Q(rate_card__effective_to__isnull=True) | Q(rate_card__effective_to__gte=on))
        .order_by("rate_card__effective_from", "rate_card_id")
        .values_list("time_band", "rate")
    )
    found = dict(rows)
    return {band: found[band] for band in TimeBand.values if band in found}


def consortia_with_cards_for(user: User) -> QuerySet[Consortium]:
    """The consortia whose agreed cards the user may see (for a council reviewer's choice)."""
    if not can_see_rate_cards(user):
        return Consortium.objects.none()
    if user.is_council_reviewer:
        ids = rate_cards_visible_to(user).values("consortium_id")
        return Consortium.objects.filter(pk__in=ids).order_by("name")
    return Consortium.objects.filter(pk=user.consortium_id)


def councils_for(user: User) -> QuerySet[Council]:
    """Councils a filter or form may offer: a reviewer's own; every council otherwise."""
    if user.is_authenticated and user.is_council_reviewer:
        return Council.objects.filter(pk=user.council_id)
    return Council.objects.order_by("name_en")


# --- History -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateChange:
    """One recorded change: a card's status or period, or one band's rate."""

    when: dt.datetime
    who: User | None
    card_id: int
    what: str
    time_band: str = ""
    old: Decimal | None = None
    new: Decimal | None = None

    @property
    def band_label(self) -> str:
        return str(TimeBand(self.time_band).label) if self.time_band in TimeBand.values else ""


@dataclass(frozen=True)
class RateHistory:
    cards: list[RateCard]  # oldest first, rates prefetched
    changes: list[RateChange]  # every card's and every rate's history rows, oldest first

    def agreed(self) -> list[RateCard]:
        return [card for card in self.cards if card.status in AGREED]


def _card_events(records) -> list[RateChange]:
    labels = {
        RateCardStatus.IN_FORCE: gettext("Put in force"),
        RateCardStatus.SUPERSEDED: gettext("Superseded"),
        RateCardStatus.WITHDRAWN: gettext("Withdrawn"),
    }
    events, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if before is None:
            what = gettext("Drafted")
        elif record.status != before.status:
            what = labels.get(record.status, record.get_status_display())
        elif (record.effective_from, record.effective_to, record.notes) != (
            before.effective_from, before.effective_to, before.notes
        ):
            what = gettext("Period or notes changed")
        else:
            continue
        events.append(RateChange(when=record.history_date, who=record.history_user, card_id=record.id,
                                 what=what))
    return events


def _rate_events(records) -> list[RateChange]:
    actions = {"+": gettext("Rate set"), "~": gettext("Rate changed"), "-": gettext("Rate removed")}
    events, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        events.append(RateChange(
            when=record.history_date, who=record.history_user, card_id=record.rate_card_id,
            what=actions.get(record.history_type, record.history_type), time_band=record.time_band,
            old=before.rate if before is not None and record.history_type != "+" else None,
            new=None if record.history_type == "-" else record.rate,
        ))
    return events


def rate_changes(card_ids) -> list[RateChange]:
    """The audit history of the cards and their rates, oldest first (with who made each change)."""
    ids = list(card_ids)
    cards = RateCard.history.filter(id__in=ids).select_related("history_user").order_by(
        "history_date", "history_id")
    rates = RateCardRate.history.filter(rate_card_id__in=ids).select_related("history_user").order_by(
        "history_date", "history_id")
    events = _card_events(cards) + _rate_events(rates)
    events.sort(key=lambda e: e.when)
    return events


def rate_history(*, consortium, council, service_type, visible_to: User | None = None) -> RateHistory:
    """Every card of one consortium, council and service type (oldest first) and each rate's
    history rows. With ``visible_to``, only the cards that user may see."""
    qs = rate_cards_visible_to(visible_to) if visible_to is not None else _with_rates(RateCard.objects.all())
    cards = list(
        qs.filter(consortium=consortium, council=council, service_type=service_type)
        .order_by("effective_from", "pk")
    )
    return RateHistory(cards=cards, changes=rate_changes(card.pk for card in cards))


# --- Uplift rules ------------------------------------------------------------------------------


def uplift_rules_visible_to(user: User) -> QuerySet[UpliftRule]:
    if not can_manage_rate_cards(user):
        return UpliftRule.objects.none()
    return UpliftRule.objects.filter(consortium_id=user.consortium_id).order_by("name", "pk")


def uplift_rule_get_for_user(user: User, pk) -> UpliftRule:
    try:
        return uplift_rules_visible_to(user).get(pk=pk)
    except (UpliftRule.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
