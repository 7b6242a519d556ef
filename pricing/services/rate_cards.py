"""Writes of rate cards: the rates agreed between a consortium and a council for a service type,
per time band, for a period; and the uplift rules that make next year's draft from this year's.

A card is made as a draft, may be changed while it is one, and is then put in force: from then
on it is never edited, only superseded by a later card (its ``effective_to`` becomes the day
before the new card starts). Status moves only through ``RATE_CARD_TRANSITIONS``. Every save
records its user in the audit history (django-simple-history).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium import formatting
from consortium.audit import delete_audited
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal
from consortium.errors import DomainError, require
from consortium.models import Consortium, Council, ServiceType, TimeBand, User
from pricing.models import (
    RATE_CARD_TRANSITIONS,
    Negotiation,
    RateCard,
    RateCardNote,
    RateCardRate,
    RateCardStatus,
    UpliftRule,
    financial_year_label,
    rate_card_notes,
)
from pricing.selectors import rate_cards as selectors
from pricing.signals import rate_card_in_force

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_RATE = Decimal("9999999.99")  # the column holds 9 digits, 2 after the point
FIRST_YEAR, LAST_YEAR = 2000, 2100
EARLIEST, LATEST = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR + 1, 12, 31)
MAX_UPLIFT = Decimal(100)
UPLIFT_FIELDS = ("name", "pay_share", "pay_uplift", "other_uplift")


#: The refusal of ``selectors.can_manage_rate_cards``.
ONLY_COORDINATORS = gettext_lazy("Only the consortium's coordinators can do this.")


def rate_field(band: str) -> str:
    """The input name of one band's rate (forms use it; DomainError names it)."""
    return f"rate_{band}"


def _clean_rates(rates: dict[str, Any] | None) -> dict[str, Decimal]:
    """Rates by time band: known bands, each more than 0, in pounds and pence."""
    if not rates:
        raise DomainError(_("Give a rate for at least one time band."), field="rates")
    cleaned: dict[str, Decimal] = {}
    for band, value in rates.items():
        if band not in TimeBand.values:
            raise DomainError(_("%(band)s is not a time band.") % {"band": band}, field="rates")
        label = TimeBand(band).label
        field = rate_field(band)
        rate = clean_decimal(value, field=field, what=_("The %(band)s rate") % {"band": label})
        if rate <= 0:
            raise DomainError(_("The %(band)s rate must be more than 0.") % {"band": label}, field=field)
        if rate != rate.quantize(PENNY):
            raise DomainError(_("The %(band)s rate must be in pounds and pence, like 21.50.")
                              % {"band": label}, field=field)
        if rate > MAX_RATE:
            raise DomainError(_("The %(band)s rate is too large.") % {"band": label}, field=field)
        cleaned[band] = rate.quantize(PENNY)
    return cleaned


def _check_year(financial_year: Any) -> int:
    if isinstance(financial_year, bool) or not isinstance(financial_year, int) \
            or not FIRST_YEAR <= financial_year <= LAST_YEAR:
        raise DomainError(_("The financial year must be between %(first)s and %(last)s.")
                          % {"first": FIRST_YEAR, "last": LAST_YEAR}, field="financial_year")
    return financial_year


def _check_period(effective_from: Any, effective_to: Any) -> None:
    if not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime):
        raise DomainError(_("Enter the date the rates apply from."), field="effective_from")
    if not EARLIEST <= effective_from <= LATEST:
        raise DomainError(_("The rates must apply from a date between %(first)s and %(last)s.")
                          % {"first": FIRST_YEAR, "last": LAST_YEAR + 1}, field="effective_from")
    if effective_to is None:
        return
    if not isinstance(effective_to, dt.date) or isinstance(effective_to, dt.datetime):
        raise DomainError(_("Enter a real date, or leave the end date empty."), field="effective_to")
    if effective_to < effective_from:
        raise DomainError(_("The end date must be on or after the date the rates apply from."),
                          field="effective_to")
    if effective_to > LATEST:
        raise DomainError(_("The end date must be no later than %(last)s.") % {"last": LAST_YEAR + 1},
                          field="effective_to")


def _write_rates(card: RateCard, rates: dict[str, Decimal], by: User | None) -> None:
    """Make the card's rates exactly ``rates``: a changed rate is updated in place (so its history
    shows old and new), a new band added, a band left out deleted."""
    existing = {rate.time_band: rate for rate in RateCardRate.objects.filter(rate_card=card)}
    for band, row in existing.items():
        if band not in rates:
            delete_audited(row, by)
        elif row.rate != rates[band]:
            row.rate = rates[band]
            _save(row, by, update_fields=["rate"])
    for band in TimeBand.values:  # in the bands' own order, so history reads naturally
        if band in rates and band not in existing:
            _save(RateCardRate(rate_card=card, time_band=band, rate=rates[band]), by)


@transaction.atomic
def rate_card_create(
    *,
    consortium: Consortium,
    council: Council,
    service_type: ServiceType,
    financial_year: int,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    rates: dict[str, Decimal],
    by: User | None,
    negotiation: Negotiation | None = None,
    notes: str = "",
    notes_code: str = RateCardNote.TYPED,
    notes_params: dict | None = None,
) -> RateCard:
    """A draft card with one rate per band given (pounds per hour, more than 0, in pence). Made
    by the consortium's coordinators, or by the agreement of a ``negotiation``. Notes the product
    writes come as ``notes_code`` and ``notes_params`` (``pricing.models.RateCardNote``), read in
    each reader's language; ``notes`` then keeps their English text for the record."""
    require(by is None or negotiation is not None or selectors.can_manage_rate_cards(by, consortium.pk),
            ONLY_COORDINATORS)
    _check_year(financial_year)
    _check_period(effective_from, effective_to)
    cleaned = _clean_rates(rates)
    if negotiation is not None:
        if (negotiation.consortium_id, negotiation.council_id, negotiation.service_type_id) != (
            consortium.pk, council.pk, service_type.pk
        ):
            raise DomainError(_("The negotiation is about another council or service type."),
                              field="negotiation")
        if RateCard.objects.filter(negotiation=negotiation).exists():
            raise DomainError(_("This negotiation already has its rate card."), field="negotiation")
    card = RateCard(
        consortium=consortium, council=council, service_type=service_type,
        financial_year=financial_year, effective_from=effective_from, effective_to=effective_to,
        negotiation=negotiation, notes=notes or "", notes_code=notes_code, notes_params=notes_params or {},
        created_by=by,
    )
    if notes_code:
        with translation.override("en"):
            card.notes = rate_card_notes(notes_code, card.notes_params, "")
    _save(card, by)
    _write_rates(card, cleaned, by)
    return card


def rate_card_check_editable(card: RateCard) -> None:
    """Refuse (DomainError, code "not_editable") unless the card is a draft."""
    if card.status in (RateCardStatus.IN_FORCE, RateCardStatus.SUPERSEDED):
        raise DomainError(_("A rate card in force cannot be changed; make a new card to supersede it"),
                          code="not_editable")
    if card.status != RateCardStatus.DRAFT:
        raise DomainError(_("A withdrawn rate card cannot be changed; make a new card instead."),
                          code="not_editable")


@transaction.atomic
def rate_card_update_draft(
    *,
    card: RateCard,
    by: User | None,
    rates: dict[str, Decimal] | None = None,
    effective_from: dt.date | None = None,
    effective_to: dt.date | None = None,
    notes: str | None = None,
    clear_effective_to: bool = False,
) -> RateCard:
    """Change a draft: what is given (None: unchanged). ``clear_effective_to`` makes the card
    open-ended. A card in force, superseded or withdrawn is never changed. Notes the product wrote
    stay its own (in each reader's language) unless they are changed from what the editor reads
    (``notes_text``): then they are the editor's, as typed."""
    require(by is None or selectors.can_manage_rate_cards(by, card.consortium_id), ONLY_COORDINATORS)
    # Race: a draft being changed while another request puts it in force. The row lock makes
    # the status read here the one that holds until this change commits.
    card = RateCard.objects.select_for_update().get(pk=card.pk)
    rate_card_check_editable(card)
    new_from = effective_from if effective_from is not None else card.effective_from
    new_to = None if clear_effective_to else (effective_to if effective_to is not None else card.effective_to)
    _check_period(new_from, new_to)
    cleaned = _clean_rates(rates) if rates is not None else None
    changed = []
    if (card.effective_from, card.effective_to) != (new_from, new_to):
        card.effective_from, card.effective_to = new_from, new_to
        changed += ["effective_from", "effective_to"]
    if notes is not None and notes != card.notes_text:
        card.notes, card.notes_code, card.notes_params = notes, RateCardNote.TYPED, {}
        changed += ["notes", "notes_code", "notes_params"]
    if changed:
        _save(card, by, update_fields=changed)
    if cleaned is not None:
        _write_rates(card, cleaned, by)
    return card


def _lock_scope(card: RateCard) -> list[RateCard]:
    """Lock the card and every card in force of its scope, in primary-key order.

    Race: two drafts of one scope put in force at once would each supersede the same card, or
    (with no card in force yet) both come into force over the same dates. Locking the council's
    row first serialises every activation of a card with that council; the cards' rows are then
    locked in primary-key order, the same order every writer uses, so no two can deadlock.
    """
    Council.objects.select_for_update().filter(pk=card.council_id).first()
    return list(
        RateCard.objects.select_for_update()
        .filter(consortium_id=card.consortium_id, council_id=card.council_id,
                service_type_id=card.service_type_id)
        .filter(Q(pk=card.pk) | Q(status=RateCardStatus.IN_FORCE))
        .order_by("pk")
    )


def _move(card: RateCard, to: str, by: User | None, **changes) -> None:
    if to not in RATE_CARD_TRANSITIONS[card.status]:
        raise DomainError(
            _("A rate card that is %(status)s cannot become %(to)s.")
            % {"status": RateCardStatus(card.status).label.lower(), "to": RateCardStatus(to).label.lower()},
            code="transition",
        )
    card.status = to
    for name, value in changes.items():
        setattr(card, name, value)
    _save(card, by, update_fields=["status", *changes])


def _overlaps(card: RateCard, other: RateCard) -> bool:
    starts_before_end = card.effective_to is None or other.effective_from <= card.effective_to
    ends_after_start = other.effective_to is None or other.effective_to >= card.effective_from
    return starts_before_end and ends_after_start


@transaction.atomic
def rate_card_put_in_force(*, card: RateCard, by: User | None) -> RateCard:
    """Put a draft in force. The card in force for the same consortium, council and service whose
    period overlaps is superseded: it ends the day before this card starts. A card that starts on
    or before the card in force is refused (it would supersede nothing of it). Already in force:
    nothing happens. A negotiation's card is put in force by its agreement. Sends
    ``pricing.signals.rate_card_in_force`` (contracts vary the live contracts it covers)."""
    require(by is None or card.negotiation_id is not None
            or selectors.can_manage_rate_cards(by, card.consortium_id), ONLY_COORDINATORS)
    locked = {c.pk: c for c in _lock_scope(card)}
    card = locked[card.pk]
    if card.status == RateCardStatus.IN_FORCE:
        return card
    if RateCardStatus.IN_FORCE not in RATE_CARD_TRANSITIONS[card.status]:
        raise DomainError(
            _("Only a draft can be put in force; this card is %(status)s.")
            % {"status": RateCardStatus(card.status).label.lower()},
            code="transition",
        )
    if not RateCardRate.objects.filter(rate_card=card).exists():
        raise DomainError(_("Give a rate for at least one time band first."), field="rates")
    overlapping = sorted(
        (c for pk, c in locked.items() if pk != card.pk and _overlaps(card, c)),
        key=lambda c: c.effective_from,
    )
    for old in overlapping:
        if old.effective_from >= card.effective_from:
            raise DomainError(
                _("The card in force from %(date)s starts on or after this one; a new card must start "
                  "after the card it supersedes.") % {"date": formatting.day(old.effective_from)},
                field="effective_from",
            )
    superseded = overlapping[-1] if overlapping else None
    for old in overlapping:
        _move(old, RateCardStatus.SUPERSEDED, by,
              effective_to=card.effective_from - dt.timedelta(days=1))
    _move(card, RateCardStatus.IN_FORCE, by, supersedes=superseded)
    # Inside this transaction: a contract the card varies is varied with it, or nothing is.
    rate_card_in_force.send(sender=RateCard, card=card, by=by, on=timezone.localdate())
    return card


@transaction.atomic
def rate_card_withdraw_draft(*, card: RateCard, by: User | None) -> RateCard:
    """Withdraw a draft that will not be put in force; already withdrawn: nothing happens."""
    require(by is None or selectors.can_manage_rate_cards(by, card.consortium_id), ONLY_COORDINATORS)
    card = RateCard.objects.select_for_update().get(pk=card.pk)
    if card.status == RateCardStatus.WITHDRAWN:
        return card
    if card.status != RateCardStatus.DRAFT:
        raise DomainError(_("Only a draft can be withdrawn; a card in force is superseded by a new card."),
                          code="transition")
    _move(card, RateCardStatus.WITHDRAWN, by)
    return card


# --- Uplift ------------------------------------------------------------------------------------


def uplifted_rate(rate: Decimal, *, pay_share: Decimal, pay_uplift: Decimal,
                  other_uplift: Decimal) -> Decimal:
    """Next year's rate: the pay share of the rate rises by ``pay_uplift`` percent, the rest by
    ``other_uplift`` percent; rounded to the penny once, at the end (half up).

    20.00 with a 70% pay share, +5% on pay and +2% on the rest: 14.00 x 1.05 + 6.00 x 1.02
    = 14.70 + 6.12 = 20.82.
    """
    pay = rate * pay_share / HUNDRED
    rest = rate - pay
    exact = pay * (HUNDRED + pay_uplift) / HUNDRED + rest * (HUNDRED + other_uplift) / HUNDRED
    return exact.quantize(PENNY, rounding=ROUND_HALF_UP)


def uplifted_rates(rates: dict[str, Decimal], rule: UpliftRule) -> dict[str, Decimal]:
    return {
        band: uplifted_rate(rate, pay_share=rule.pay_share, pay_uplift=rule.pay_uplift,
                            other_uplift=rule.other_uplift)
        for band, rate in rates.items()
    }


def rate_card_draft_uplift(
    *, card: RateCard, rule: UpliftRule, by: User | None, effective_from: dt.date | None = None
) -> RateCard:
    """Next financial year's draft card, each band's rate uplifted by the rule. It starts on
    1 April of the next year unless ``effective_from`` is given."""
    require(by is None or selectors.can_manage_rate_cards(by, card.consortium_id), ONLY_COORDINATORS)
    if rule.consortium_id != card.consortium_id:
        raise DomainError(_("Choose one of your consortium's uplift rules."), field="rule")
    if card.status not in (RateCardStatus.IN_FORCE, RateCardStatus.SUPERSEDED):
        raise DomainError(
            _("Uplift an agreed card (in force or superseded), not a draft or a withdrawn one."),
            code="transition",
        )
    year = card.financial_year + 1
    rates = {r.time_band: r.rate for r in RateCardRate.objects.filter(rate_card=card)}
    new_rates = uplifted_rates(rates, rule)
    if year > LAST_YEAR:
        raise DomainError(_("There is no financial year after %(year)s to uplift to.")
                          % {"year": financial_year_label(card.financial_year)}, field="financial_year")
    params = {"year": financial_year_label(card.financial_year), "rule": rule.name,
              "share": str(rule.pay_share), "pay": str(rule.pay_uplift), "other": str(rule.other_uplift)}
    return rate_card_create(
        consortium=card.consortium, council=card.council, service_type=card.service_type,
        financial_year=year, effective_from=effective_from or dt.date(year, 4, 1),
        rates=new_rates, by=by, notes_code=RateCardNote.UPLIFTED_BY_RULE, notes_params=params,
    )


def uplift_rule_check(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields of an uplift rule, checked (DomainError by field) and cleaned; nothing saved."""
    unknown = sorted(set(fields) - set(UPLIFT_FIELDS))
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned: dict[str, Any] = {}
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            raise DomainError(_("Enter a name for the rule."), field="name")
        if len(name) > 100:
            raise DomainError(_("The name must be 100 characters or fewer."), field="name")
        cleaned["name"] = name
    labels = {"pay_share": _("The pay share"), "pay_uplift": _("The uplift on pay"),
              "other_uplift": _("The uplift on the rest")}
    for name, what in labels.items():
        if name not in fields:
            continue
        number = clean_decimal(fields[name], field=name, what=what)
        if number != number.quantize(PENNY):
            raise DomainError(_("%(what)s must have no more than 2 decimal places.") % {"what": what},
                              field=name)
        if name == "pay_share" and not 0 <= number <= 100:
            raise DomainError(_("The pay share must be between 0 and 100%."), field=name)
        if name != "pay_share" and not -MAX_UPLIFT < number <= MAX_UPLIFT:
            raise DomainError(_("%(what)s must be more than -100%% and no more than 100%%.") % {"what": what},
                              field=name)
        cleaned[name] = number
    return cleaned


@transaction.atomic
def uplift_rule_save(*, consortium: Consortium, by: User | None, rule: UpliftRule | None = None,
                     **fields: Any) -> UpliftRule:
    """Create a rule (every field given) or change one (the fields given): a name, the share of a
    rate that is pay (%), the uplift on that share (%) and on the rest (%)."""
    require(by is None or selectors.can_manage_rate_cards(by, consortium.pk), ONLY_COORDINATORS)
    cleaned = uplift_rule_check(fields)
    if rule is None:
        missing = [name for name in UPLIFT_FIELDS if name not in cleaned]
        if missing:
            raise DomainError(_("Enter this value."), field=missing[0])
        rule = UpliftRule(consortium=consortium)
    else:
        rule = UpliftRule.objects.select_for_update().get(pk=rule.pk)
        if rule.consortium_id != consortium.pk:
            raise DomainError(_("This rule belongs to another consortium."), field="rule")
    name = cleaned.get("name", rule.name)
    same_name = UpliftRule.objects.filter(consortium=consortium, name__iexact=name)
    if rule.pk:
        same_name = same_name.exclude(pk=rule.pk)
    if same_name.exists():
        raise DomainError(_("Your consortium already has a rule with this name."), field="name")
    for key, value in cleaned.items():
        setattr(rule, key, value)
    _save(rule, by)
    return rule
