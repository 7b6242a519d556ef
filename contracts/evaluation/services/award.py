"""Award decisions per lot: decide, cancel during the standstill, confirm after it, or no award.

Rules:
- Only the lead reviewer of the tender's panel decides, cancels, confirms by hand or marks a lot
  as not awarded; the daily beat task (``contracts.tasks.confirm_awards_after_standstill``)
  confirms awards whose standstill has ended, with no user.
- A decision needs the tender in evaluation, the lot closed and every bid for the lot fully
  scored (price, every quality question's agreed mark, social value). The winner is normally
  the highest-ranked bid; choosing another needs a reason. The scores as they stand are frozen in
  ``Award.scores`` (``Score.as_dict`` of every bid), so what bidders are told never changes.
- The standstill runs for ``settings.AWARD_STANDSTILL_WORKING_DAYS`` working days after the day of
  the decision (Monday to Friday, less the bank holidays in Wales); ``Award.standstill_ends`` is
  its last day, and the award can be confirmed from the next day on.
- Confirming: the award is confirmed, the lot awarded; each joint bid to the tender whose lots
  are all decided leaves the live statuses (awarded if it won a lot, unsuccessful otherwise), so
  its allocations stop reserving capacity in the same transaction; a winning joint bid gets its
  contract and members' sub-contracts, committing capacity (``award_confirmed``, answered by
  ``contracts.delivery.receivers``); once every lot of the tender is decided the tender is
  awarded (or unsuccessful, if none was).
- A bid that won one lot keeps reserving its other lots until they are decided too (and its won
  lot is both reserved and committed meanwhile): erring on the side of never promising a
  member's hours twice.
- The bidding consortia's coordinators are e-mailed (``contracts.evaluation.services.award_mail``)
  once a decision, a cancellation or a confirmation commits: whether they won, their scores and the
  winner's, when the standstill ends.
- A tender cancelled while an award is in standstill cancels the award too
  (``awards_cancel_for_tender``, answering ``tender_moved`` in ``contracts.evaluation.receivers``):
  no contract follows.

Race: two decisions (or a decision and a confirmation) for lots of one tender at once. Every
write here locks the tender's row first, then the lot, then the award, then the bids (in primary
key order), then members' capacity (``members.capacity``, through delivery's contract service):
one order, so writers of one tender queue and cannot deadlock. One standing award per lot is
also a unique index.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import holidays
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import update_change_reason

from consortium import formatting, notifications
from consortium.audit import save_audited
from consortium.cleaning import clean_reason
from consortium.errors import DomainError, require
from consortium.models import User
from contracts.bidding.services.bids import bid_transition
from contracts.evaluation.selectors.award import missing_text, standing_award
from contracts.evaluation.selectors.review import is_lead
from contracts.evaluation.selectors.scores import entry_key, lot_entries, lot_scores
from contracts.evaluation.services.award_mail import CANCELLED, CONFIRMED, DECIDED, queue_award_mail
from contracts.evaluation.signals import award_confirmed
from contracts.labels import label
from contracts.models import (
    AWARD_TRANSITIONS,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Entry,
    Lot,
    LotStatus,
    SubContract,
    Tender,
    TenderStatus,
)
from contracts.tendering.services.tenders import lot_transition, tender_transition
from members.selectors import coop_users

logger = logging.getLogger(__name__)

REASON_MAX = 2000
DECIDED_LOT_STATUSES = (LotStatus.AWARDED, LotStatus.UNSUCCESSFUL, LotStatus.CANCELLED)


# --- working days -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _welsh_bank_holidays() -> holidays.HolidayBase:
    # Filled in year by year as dates are asked about (the library expands on lookup).
    return holidays.UnitedKingdom(subdiv="WLS")


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a bank holiday in Wales (substitute days included)."""
    return day.weekday() < 5 and day not in _welsh_bank_holidays()


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``day`` (``day`` itself is not counted)."""
    if days < 0:
        raise ValueError("days cannot be negative")
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def standstill_end(decided_on: dt.date, days: int | None = None) -> dt.date:
    """The last day of the standstill after a decision made on ``decided_on``."""
    days = settings.AWARD_STANDSTILL_WORKING_DAYS if days is None else days
    return add_working_days(decided_on, days)


# --- checks -------------------------------------------------------------------------------------

#: The refusal of ``is_lead``.
ONLY_LEAD = gettext_lazy("Only the lead reviewer of the tender's panel can do this.")


def _lock(lot: Lot) -> tuple[Tender, Lot]:
    # Race: see the module's docstring. The tender first, then the lot: every writer of awards
    # takes them in this order.
    tender = Tender.objects.select_for_update().get(pk=lot.tender_id)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    return tender, lot


def _check_open_for_award(tender: Tender, lot: Lot) -> None:
    if tender.status != TenderStatus.IN_EVALUATION:
        raise DomainError(_("Awards are made while the tender is in evaluation; it is %(status)s.")
                          % {"status": label(TenderStatus, tender.status)}, code="transition")
    if lot.status != LotStatus.CLOSED:
        raise DomainError(_("%(lot)s is %(status)s: it cannot be awarded now.")
                          % {"lot": lot, "status": label(LotStatus, lot.status)}, code="transition")


# --- decide, cancel, confirm, no award ----------------------------------------------------------

@transaction.atomic
def award_decide(*, lot: Lot, entry: Entry, by: User, reason: str = "") -> Award:
    """The lead reviewer awards the lot to ``entry``: the scores are frozen and the standstill
    starts. Refused while any bid for the lot is not fully scored."""
    tender, lot = _lock(lot)
    require(is_lead(by, tender), ONLY_LEAD)
    _check_open_for_award(tender, lot)
    if entry.lot_id != lot.pk:
        raise DomainError(_("Choose a bid for this lot."), field="entry")
    if standing_award(lot) is not None:
        raise DomainError(_("%(lot)s is already awarded: cancel that award during its standstill before "
                            "making another.") % {"lot": lot}, code="transition")
    reason = clean_reason(reason, max_length=REASON_MAX)
    entries = lot_entries(lot)
    if not entries:
        raise DomainError(_("There is no bid for this lot to award."), field="entry")
    scores = lot_scores(lot, entries)
    numbers = dict(lot.questions.values_list("pk", "number"))
    incomplete = [f"{s.name}: {missing_text(s.missing, numbers)}" for s in scores if s.missing]
    if incomplete:
        raise DomainError(
            _("Every bid must be fully scored before the award. Still missing:") + " "
            + "; ".join(incomplete) + ".",
            code="not_ready",
        )
    chosen = next(s for s in scores if s.key == entry_key(entry))
    if chosen.rank != 1 and not reason:
        raise DomainError(
            _("%(name)s is ranked %(rank)s. Awarding to a bid other than the highest-ranked needs a "
              "reason.") % {"name": chosen.name, "rank": chosen.rank},
            field="reason",
        )
    now = timezone.now()
    award = Award(lot=lot, entry=entry, scores=[s.as_dict() for s in scores], reason=reason,
                  decided_by=by, decided_at=now, standstill_ends=standstill_end(timezone.localdate(now)))
    try:
        with transaction.atomic():
            save_audited(award, by)
    except IntegrityError:  # another decision for the lot, racing this one
        raise DomainError(_("%(lot)s is already awarded.") % {"lot": lot}, code="transition") from None
    queue_award_mail(award=award, kind=DECIDED)
    _notify_bidders(award, notifications.AWARD_DECIDED)
    return award


def _notify_bidders(award: Award, kind: str) -> None:
    """Tell the coordinators and board of each consortium whose joint bid is an entry for the
    lot whether theirs won (its scores and the winner's are on its results page, not here)."""
    lot = Lot.objects.select_related("tender").get(pk=award.lot_id)
    params = {"tender": lot.tender.reference, "lot": lot.number,
              "standstill_ends": award.standstill_ends}
    entries = (Entry.objects.filter(lot_id=award.lot_id, submission__isnull=False)
               .select_related("submission__bid").order_by("pk"))
    for entry in entries:
        bid = entry.submission.bid
        notifications.notify(
            recipients=notifications.coordinators_and_board_of(bid.consortium_id), kind=kind,
            params={**params, "outcome": "won" if entry.pk == award.entry_id else "lost"},
            url=notifications.link("bid-results", pk=bid.pk))


def _notify_subcontractors(award: Award) -> None:
    """Tell each member given a sub-contract under the award's contract (its own only)."""
    for sub in (SubContract.objects.filter(contract__award=award)
                .select_related("contract__lot__tender").order_by("pk")):
        contract = sub.contract
        notifications.notify(
            recipients=coop_users([sub.coop_id]), kind=notifications.SUBCONTRACT_MADE,
            params={"tender": contract.lot.tender.reference, "lot": contract.lot.number,
                    "start": contract.start},
            url=notifications.link("subcontract-list"))


def _move(award: Award, to: str, by: User | None, reason: str = "", **changes) -> Award:
    """The one place an award's status changes (the award is locked by the caller)."""
    if award.status == to:
        return award
    if to not in AWARD_TRANSITIONS[award.status]:
        raise DomainError(
            _("An award that is %(status)s cannot become %(to)s.")
            % {"status": label(AwardStatus, award.status), "to": label(AwardStatus, to)},
            code="transition",
        )
    award.status = to
    for name, value in changes.items():
        setattr(award, name, value)
    save_audited(award, by, reason=reason, update_fields=["status", *changes])
    return award


def _lock_award(award: Award) -> tuple[Tender, Lot, Award]:
    tender, lot = _lock(Lot.objects.only("pk", "tender_id").get(pk=award.lot_id))
    award = Award.objects.select_for_update().get(pk=award.pk)
    return tender, lot, award


@transaction.atomic
def award_cancel(*, award: Award, by: User, reason: str) -> Award:
    """The lead reviewer withdraws a decision during its standstill, with a reason (kept in the
    award's history); the lot can then be awarded again or marked as not awarded."""
    tender, lot, award = _lock_award(award)
    require(is_lead(by, tender), ONLY_LEAD)
    reason = clean_reason(reason, missing=_("Say why the award is cancelled."), max_length=REASON_MAX)
    if award.status == AwardStatus.CANCELLED:
        return award
    if award.status != AwardStatus.STANDSTILL:
        raise DomainError(_("A confirmed award cannot be cancelled."), code="transition")
    award = _move(award, AwardStatus.CANCELLED, by, reason)
    queue_award_mail(award=award, kind=CANCELLED)
    return award


def awards_cancel_for_tender(*, tender: Tender, by: User | None, reason: str) -> list[Award]:
    """The tender is being cancelled (``tenders.tender_transition``, which holds the tender's
    lock, tells ``contracts.evaluation.receivers``): every award of its lots still in standstill
    is cancelled through ``_move``, with the reason in its history, and the bidders are told; no
    contract will follow. Confirmed awards
    stand (their contracts are made). Returns the awards cancelled."""
    # Race: a confirmation (the beat task) racing the cancellation. Both lock the tender's row
    # first (the caller holds it), then the lot, then the award: one waits for the other, and
    # finds the award confirmed (left alone) or cancelled (not confirmed).
    cancelled = []
    standing = (Award.objects.filter(lot__tender=tender, status=AwardStatus.STANDSTILL)
                .order_by("lot_id", "pk").values_list("pk", "lot_id"))
    for pk, lot_id in list(standing):
        Lot.objects.select_for_update().get(pk=lot_id)
        award = Award.objects.select_for_update().get(pk=pk)
        if award.status != AwardStatus.STANDSTILL:
            continue
        cancelled.append(_move(award, AwardStatus.CANCELLED, by, reason))
        queue_award_mail(award=award, kind=CANCELLED, tender_cancelled=True)
    return cancelled


def _settle_bids(tender: Tender, by: User | None) -> None:
    """Each submitted joint bid to the tender whose lots are all decided leaves the live
    statuses: awarded if it won a lot (a confirmed award), unsuccessful otherwise."""
    decided = set(Lot.objects.filter(tender=tender, status__in=DECIDED_LOT_STATUSES)
                  .values_list("pk", flat=True))
    winners = set(Award.objects.filter(lot__tender=tender, status=AwardStatus.CONFIRMED,
                                       entry__submission__isnull=False)
                  .values_list("entry__submission__bid_id", flat=True))
    bids = (Bid.objects.select_for_update(of=("self",)).filter(tender=tender, status=BidStatus.SUBMITTED)
            .prefetch_related("bid_lots").order_by("pk"))
    for bid in bids:
        lots = {bl.lot_id for bl in bid.bid_lots.all()}
        if lots and lots <= decided:
            to = BidStatus.AWARDED if bid.pk in winners else BidStatus.UNSUCCESSFUL
            bid_transition(bid=bid, to=to, by=by)


def bids_settle_for_tender(*, tender: Tender, by: User | None) -> None:
    """Settle the submitted joint bids of a tender whose lots are all decided (the tender is
    being cancelled, say; the caller holds its row lock): see ``_settle_bids``."""
    _settle_bids(tender, by)


def _settle_tender(tender: Tender, by: User | None) -> None:
    """Once every lot is decided, the tender is awarded (or unsuccessful if no lot was)."""
    statuses = list(Lot.objects.filter(tender=tender).values_list("status", flat=True))
    if statuses and all(s in DECIDED_LOT_STATUSES for s in statuses):
        awarded = LotStatus.AWARDED in statuses
        tender_transition(tender=tender, to=TenderStatus.AWARDED if awarded else TenderStatus.UNSUCCESSFUL,
                          by=by)


def _confirm(award: Award, by: User | None, *, today: dt.date | None = None) -> tuple[Award, bool]:
    """Confirm under the locks; returns the award and whether this call confirmed it."""
    tender, lot, award = _lock_award(award)
    if by is not None:
        require(is_lead(by, tender), ONLY_LEAD)
    if award.status == AwardStatus.CONFIRMED:
        return award, False
    if award.status != AwardStatus.STANDSTILL:
        raise DomainError(_("A cancelled award cannot be confirmed."), code="transition")
    today = today or timezone.localdate()
    if today <= award.standstill_ends:
        raise DomainError(
            _("The standstill period runs to the end of %(end)s: the award can be confirmed from %(next)s.")
            % {"end": formatting.day(award.standstill_ends),
               "next": formatting.day(award.standstill_ends + dt.timedelta(days=1))},
            code="standstill",
        )
    _check_open_for_award(tender, lot)
    _move(award, AwardStatus.CONFIRMED, by, confirmed_at=timezone.now())
    lot_transition(lot=lot, to=LotStatus.AWARDED, by=by)
    _settle_bids(tender, by)
    award_confirmed.send(sender=Award, award=award, by=by)  # the contract: contracts.delivery.receivers
    _settle_tender(tender, by)
    queue_award_mail(award=award, kind=CONFIRMED)
    _notify_bidders(award, notifications.AWARD_CONFIRMED)
    _notify_subcontractors(award)
    return award, True


@transaction.atomic
def award_confirm(*, award: Award, by: User | None = None) -> Award:
    """Confirm an award after its standstill (the lead reviewer, or the beat task with no user):
    the lot is awarded and, for a joint bid, the contract and sub-contracts are made. Already
    confirmed: nothing happens."""
    return _confirm(award, by)[0]


@transaction.atomic
def lot_no_award(*, lot: Lot, by: User, reason: str) -> Lot:
    """The lead reviewer decides not to award the lot (no bid, or none acceptable), with a
    reason kept in the lot's history."""
    tender, lot = _lock(lot)
    require(is_lead(by, tender), ONLY_LEAD)
    reason = clean_reason(reason, missing=_("Say why the lot is not awarded."), max_length=REASON_MAX)
    if lot.status == LotStatus.UNSUCCESSFUL:
        return lot
    _check_open_for_award(tender, lot)
    if standing_award(lot) is not None:
        raise DomainError(_("%(lot)s has an award: cancel it during its standstill first.") % {"lot": lot},
                          code="transition")
    lot = lot_transition(lot=lot, to=LotStatus.UNSUCCESSFUL, by=by)
    update_change_reason(lot, reason)
    _settle_bids(tender, by)
    _settle_tender(tender, by)
    return lot


def awards_confirm_due(*, today: dt.date | None = None) -> int:
    """Confirm every award whose standstill has ended. Returns how many this call confirmed;
    safe to run twice, or in two workers at once (each award is confirmed under its tender's
    lock, and one already confirmed is left alone). An award that cannot be confirmed (say, a
    member's capacity is no longer there for the contract) is logged and left in standstill for
    the lead reviewer to see."""
    today = today or timezone.localdate()
    due = Award.objects.filter(status=AwardStatus.STANDSTILL, standstill_ends__lt=today,
                               lot__status=LotStatus.CLOSED, lot__tender__status=TenderStatus.IN_EVALUATION)
    confirmed = 0
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                _, done = _confirm(Award.objects.get(pk=pk), None, today=today)
        except DomainError as error:
            logger.warning("award %s not confirmed: %s", pk, error.message)
            continue
        confirmed += int(done)
    return confirmed
