"""Opening a tender's evaluation, its panel of reviewers and the bids from outside the system.

Rules:
- Only the tendering council's reviewers act, and only after the submission deadline.
- Opening the evaluation: the tender must be closed (a published tender whose deadline has passed
  is closed first, as the beat task would have done); it moves to "in evaluation" through
  ``tender_transition``. Every standing submission of a submitted joint bid becomes one entry per
  lot of its snapshot, with the snapshot's rates, after its SHA-256 is checked: a snapshot that
  fails the check refuses the whole opening, naming the consortium (nothing is changed). The
  reviewer who opens it becomes the panel's lead. Opening again changes nothing.
- The panel: the lead adds and removes reviewers of the same council; the lead cannot be removed,
  nor a reviewer whose marks are already part of the evaluation.
- Outside bids (single providers, or consortia not using the system), recorded by a reviewer on
  the panel while the tender is in evaluation: a name unique within the tender, and a rate for
  every time band of each lot it bids for. Every problem is reported at once, by input name
  (``rate-<lot>-<band>``), and nothing is saved. Deleted only while no marks, scores or awards
  refer to it. Neither recorded nor deleted once any reviewer has submitted a mark sheet for a
  lot of the tender (the comparison they marked would change under them).
- Every save records its user in the audit history (django-simple-history).

Race: two reviewers opening the evaluation at once, or recording an outside bid while it opens.
Every write here locks the tender's row first (``select_for_update``), as ``tender_transition``,
scoring and award do, so the second waits and finds the first's work.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import notifications
from consortium.audit import delete_audited as _delete
from consortium.audit import save_audited as _save
from consortium.errors import DomainError, DomainErrors, require
from consortium.models import TimeBand, User
from contracts.bidding.sealing import verify
from contracts.evaluation.selectors.review import (
    decimal_or_none,
    is_lead,
    is_panel_member,
    is_tender_reviewer,
    snapshot_lot,
    standing_submissions,
)
from contracts.labels import label
from contracts.models import (
    Award,
    AwardStatus,
    Entry,
    EntryRate,
    ExternalBid,
    Lot,
    LotStatus,
    MarkSheet,
    ModeratedMark,
    PanelMember,
    QualityMark,
    SocialValueScore,
    Tender,
    TenderStatus,
)
from contracts.tendering.services.tenders import tender_transition

PENNY = Decimal("0.01")
MAX_RATE = Decimal("9999999.99")
NAME_MAX = 300
IDENTIFIER_MAX = 80


def rate_field(lot_id: int, band: str) -> str:
    """The input name of an outside bid's rate for one lot and time band."""
    return f"rate-{lot_id}-{band}"


class BidRefused(DomainErrors):
    """Every problem of an outside bid at once, by input name."""


# --- shared --------------------------------------------------------------------------------------

def _lock(tender: Tender) -> Tender:
    # The tender's row only: the council is read, not locked (every review of that council's
    # tenders would otherwise queue on it).
    return Tender.objects.select_for_update(of=("self",)).select_related("council").get(pk=tender.pk)


def _check_after_deadline(tender: Tender) -> None:
    if tender.submission_deadline > timezone.now():
        raise DomainError(_("The submission deadline has not passed yet."), code="transition")


def _check_in_evaluation(tender: Tender) -> None:
    if tender.status != TenderStatus.IN_EVALUATION:
        raise DomainError(
            _("This can be done only while the tender is in evaluation; it is %(status)s.")
            % {"status": label(TenderStatus, tender.status)}, code="transition")


# --- opening the evaluation ----------------------------------------------------------------------

def _entries_for(submission, lots_by_number: dict[int, Lot], by: User | None) -> int:
    """An entry with the snapshot's rates for each lot of the snapshot; returns how many made."""
    made = 0
    for lot in lots_by_number.values():
        part = snapshot_lot(submission, lot)
        if part is None or lot.status == LotStatus.CANCELLED:
            continue
        if Entry.objects.filter(lot=lot, submission=submission).exists():
            continue
        entry = Entry(lot=lot, submission=submission)
        _save(entry, by)
        made += 1
        for price in part.get("prices") or []:
            rate = decimal_or_none(price.get("rate"))
            band = price.get("time_band")
            if rate is None or rate <= 0 or band not in TimeBand.values:
                continue
            _save(EntryRate(entry=entry, time_band=band, rate=rate.quantize(PENNY)), by)
    return made


@transaction.atomic
def evaluation_open(*, tender: Tender, by: User) -> Tender:
    """Open the tender's evaluation: entries for every submitted joint bid, ``by`` as the lead.
    Already open: nothing changes (any entry missing is made)."""
    tender = _lock(tender)
    require(is_tender_reviewer(by, tender), _("Only reviewers of the tendering council can do this."))
    _check_after_deadline(tender)
    if tender.status == TenderStatus.PUBLISHED:
        tender = tender_transition(tender=tender, to=TenderStatus.CLOSED, by=by)
    if tender.status not in (TenderStatus.CLOSED, TenderStatus.IN_EVALUATION):
        raise DomainError(
            _("The evaluation can be opened only for a closed tender; this one is %(status)s.")
            % {"status": label(TenderStatus, tender.status)}, code="transition")
    submissions = standing_submissions(tender)
    broken = [s.bid.consortium.name for s in submissions if not verify(s)]
    if broken:
        raise DomainError(
            _("The submitted bid of %(names)s fails its SHA-256 check: what is stored is not what "
              "was submitted. The evaluation cannot be opened until this is investigated.")
            % {"names": ", ".join(broken)}, code="tampered")
    if tender.status == TenderStatus.CLOSED:
        tender = tender_transition(tender=tender, to=TenderStatus.IN_EVALUATION, by=by)
        notifications.notify(recipients=notifications.reviewers_of(tender.council_id),
                             kind=notifications.MARKING_OPENED, actor=by,
                             params={"tender": tender.reference},
                             url=notifications.link("review-tender", pk=tender.pk))
    lots_by_number = {lot.number: lot for lot in Lot.objects.filter(tender=tender).order_by("number")}
    for submission in submissions:
        _entries_for(submission, lots_by_number, by)
    if not PanelMember.objects.filter(tender=tender, is_lead=True).exists():
        member = PanelMember.objects.filter(tender=tender, reviewer=by).first()
        if member is None:
            member = PanelMember(tender=tender, reviewer=by)
        member.is_lead = True
        _save(member, by)
    return tender


# --- the panel -----------------------------------------------------------------------------------

@transaction.atomic
def panel_add(*, tender: Tender, reviewer: User, by: User) -> PanelMember:
    """Add a reviewer of the tender's council to its panel (already on it: unchanged)."""
    tender = _lock(tender)
    require(is_lead(by, tender), _("Only the panel's lead reviewer can change the panel."))
    _check_in_evaluation(tender)
    if not (reviewer is not None and reviewer.is_active and reviewer.is_council_reviewer
            and reviewer.council_id == tender.council_id):
        raise DomainError(_("Choose a reviewer of the tendering council."), field="reviewer")
    member = PanelMember.objects.filter(tender=tender, reviewer=reviewer).first()
    if member is not None:
        return member
    member = PanelMember(tender=tender, reviewer=reviewer)
    _save(member, by)
    return member


@transaction.atomic
def panel_remove(*, tender: Tender, reviewer: User, by: User) -> bool:
    """Take a reviewer off the panel; returns whether they were on it."""
    tender = _lock(tender)
    require(is_lead(by, tender), _("Only the panel's lead reviewer can change the panel."))
    _check_in_evaluation(tender)
    member = PanelMember.objects.filter(tender=tender, reviewer=reviewer).first()
    if member is None:
        return False
    if member.is_lead:
        raise DomainError(_("The lead reviewer cannot be taken off the panel."), field="reviewer")
    if QualityMark.objects.filter(sheet__lot__tender=tender, sheet__reviewer=reviewer).exists() \
            or MarkSheet.objects.filter(lot__tender=tender, reviewer=reviewer,
                                        submitted_at__isnull=False).exists():
        raise DomainError(_("This reviewer has already marked bids: their marks are part of the "
                            "evaluation, so they stay on the panel."), field="reviewer")
    for sheet in MarkSheet.objects.filter(lot__tender=tender, reviewer=reviewer).order_by("pk"):
        _delete(sheet, by)
    _delete(member, by)
    return True


# --- bids from outside the system ----------------------------------------------------------------

def _check_no_submitted_sheet(tender: Tender, what: str) -> None:
    """Outside bids change only before any reviewer has submitted a mark sheet for a lot of the
    tender: after that, a bid added or taken away would change the comparison (the lowest price,
    the bids to mark) that sealed sheets were made against."""
    sheet = (MarkSheet.objects.filter(lot__tender=tender, submitted_at__isnull=False)
             .select_related("lot").order_by("lot__number", "pk").first())
    if sheet is not None:
        raise DomainError(
            _("Marks for %(lot)s have already been submitted, so an outside bid can no longer be "
              "%(what)s: the bids the reviewers compared would change under them.")
            % {"lot": sheet.lot, "what": what}, code="marked")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _clean_rates(tender: Tender, rates: Any) -> tuple[dict[Lot, dict[str, Decimal]], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    if not isinstance(rates, dict):
        return {}, [("rates", _("Give the bid's rates per lot and time band."))]
    lots = {lot.pk: lot for lot in Lot.objects.filter(tender=tender).prefetch_related("volumes")}
    cleaned: dict[Lot, dict[str, Decimal]] = {}
    for lot_key, bands in rates.items():
        try:
            lot = lots.get(int(lot_key))
        except (TypeError, ValueError, OverflowError):
            lot = None
        if lot is None:
            problems.append(("rates", _("%(lot)s is not a lot of this tender.") % {"lot": lot_key}))
            continue
        if not isinstance(bands, dict):
            problems.append(("rates", _("%(lot)s: give a rate per time band.") % {"lot": lot}))
            continue
        asked = {v.time_band for v in lot.volumes.all() if v.volume > 0}
        given: dict[str, Decimal] = {}
        for band, raw in bands.items():
            if _text(raw) == "":
                continue
            name = rate_field(lot.pk, band)
            if band not in asked:
                problems.append((name, _("%(lot)s does not ask for %(band)s.")
                                 % {"lot": lot, "band": _band(band)}))
                continue
            try:
                rate = Decimal(_text(raw).replace("£", "").replace(",", ""))
            except (InvalidOperation, ValueError):
                problems.append((name, _("%(lot)s, %(band)s: enter the rate as an amount in pounds, "
                                         "like 24.50.") % {"lot": lot, "band": _band(band)}))
                continue
            if not rate.is_finite() or rate <= 0:
                problems.append((name, _("%(lot)s, %(band)s: the rate must be more than £0.")
                                 % {"lot": lot, "band": _band(band)}))
                continue
            if rate > MAX_RATE:
                problems.append((name, _("%(lot)s, %(band)s: the rate must be at most £9,999,999.99.")
                                 % {"lot": lot, "band": _band(band)}))
                continue
            if rate != rate.quantize(PENNY):
                problems.append((name, _("%(lot)s, %(band)s: give the rate to the penny (two decimal "
                                         "places at most).") % {"lot": lot, "band": _band(band)}))
                continue
            given[band] = rate.quantize(PENNY)
        if not given:
            continue
        decided = Award.objects.filter(lot=lot).exclude(status=AwardStatus.CANCELLED).exists()
        if lot.status != LotStatus.CLOSED or decided:
            problems.append(("rates", _("%(lot)s is decided or cancelled: a bid for it can no longer be "
                                        "recorded.") % {"lot": lot}))
            continue
        for band in sorted(asked - set(given)):
            problems.append((rate_field(lot.pk, band),
                             _("%(lot)s, %(band)s: give a rate for every time band the lot asks for.")
                             % {"lot": lot, "band": _band(band)}))
        cleaned[lot] = given
    if not cleaned and not problems:
        problems.append(("rates", _("Give the bid's rates for at least one lot.")))
    return cleaned, problems


def _band(band: str) -> str:
    try:
        return str(TimeBand(band).label).lower()
    except ValueError:
        return str(band)


@transaction.atomic
def external_bid_record(*, tender: Tender, by: User, bidder_name: str, bidder_identifier: str = "",
                        rates: dict) -> ExternalBid:
    """Record a bid from outside the system with its rates per lot and time band: an entry for
    each lot it prices. Every problem is reported at once (``BidRefused``); nothing is saved."""
    tender = _lock(tender)
    require(is_panel_member(by, tender),
            _("Only reviewers on the tender's evaluation panel can record bids."))
    _check_in_evaluation(tender)
    _check_no_submitted_sheet(tender, _("recorded"))
    problems: list[tuple[str, str]] = []
    name = _text(bidder_name)
    identifier = _text(bidder_identifier)
    if not name:
        problems.append(("bidder_name", _("Enter the bidder's name.")))
    elif len(name) > NAME_MAX:
        problems.append(("bidder_name", _("The bidder's name must be %(max)s characters or fewer.")
                         % {"max": NAME_MAX}))
    elif ExternalBid.objects.filter(tender=tender, bidder_name__iexact=name).exists():
        problems.append(("bidder_name", _("A bid from %(name)s is already recorded for this tender.")
                         % {"name": name}))
    if len(identifier) > IDENTIFIER_MAX:
        problems.append(("bidder_identifier", _("The registration number must be %(max)s characters or "
                                                "fewer.") % {"max": IDENTIFIER_MAX}))
    cleaned, rate_problems = _clean_rates(tender, rates)
    problems.extend(rate_problems)
    if problems:
        raise BidRefused(problems)
    external = ExternalBid(tender=tender, bidder_name=name, bidder_identifier=identifier, recorded_by=by)
    _save(external, by)
    for lot in sorted(cleaned, key=lambda lot: lot.number):
        entry = Entry(lot=lot, external_bid=external)
        _save(entry, by)
        for band, rate in sorted(cleaned[lot].items()):
            _save(EntryRate(entry=entry, time_band=band, rate=rate), by)
    return external


def external_bid_in_use(external: ExternalBid) -> bool:
    """Marks, agreed marks, social value scores or an award refer to the bid."""
    entries = Entry.objects.filter(external_bid=external)
    return (QualityMark.objects.filter(entry__in=entries).exists()
            or ModeratedMark.objects.filter(entry__in=entries).exists()
            or SocialValueScore.objects.filter(entry__in=entries).exists()
            or Award.objects.filter(entry__in=entries).exists())


@transaction.atomic
def external_bid_delete(*, external_bid: ExternalBid, by: User) -> None:
    """Delete an outside bid recorded by mistake, while nothing refers to it."""
    tender = _lock(external_bid.tender)
    require(is_panel_member(by, tender),
            _("Only reviewers on the tender's evaluation panel can delete bids."))
    _check_in_evaluation(tender)
    external = ExternalBid.objects.select_for_update().filter(pk=external_bid.pk, tender=tender).first()
    if external is None:
        return
    _check_no_submitted_sheet(tender, _("deleted"))
    if external_bid_in_use(external):
        raise DomainError(_("%(name)s's bid has been marked or scored, so it cannot be deleted.")
                          % {"name": external.bidder_name}, code="in_use")
    for entry in Entry.objects.filter(external_bid=external).order_by("pk"):
        for rate in EntryRate.objects.filter(entry=entry).order_by("pk"):
            _delete(rate, by)
        _delete(entry, by)
    _delete(external, by)
