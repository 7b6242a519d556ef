"""Writes of council tenders: the tender and its key dates, lots (volumes per time band,
weights, quality questions), versioned documents, clarification questions and answers, and the
status machines of tender and lot.

Statuses move only through ``tender_transition`` and ``lot_transition`` (the tables
TENDER_TRANSITIONS and LOT_TRANSITIONS). Tendering is the first stage and knows nothing of bids
or awards: it says what happened (``contracts.tendering.signals``, sent inside the transaction)
and the later stages answer. Closing a tender (by hand or by the deadline's beat task) withdraws
the bids never submitted, so they stop reserving members' capacity; cancelling it cancels awards
still in standstill, withdraws unsubmitted bids and settles submitted ones. A tender is changed
while it is a draft; its lots may also change once it is published, and then every bid that was
awaiting approval, approved or submitted falls back to draft and must be confirmed again.
Every save records its user in the audit history (django-simple-history). Who may make each
write is asked of the access functions in ``contracts.tendering.selectors.tenders``; a refusal is
``Forbidden`` (403). ``by`` None is the system (the beat task, or another stage's service).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium import formatting, notifications
from consortium.audit import delete_audited
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal, clean_percent
from consortium.errors import DomainError, require
from consortium.models import Council, ServiceType, TimeBand, User
from contracts.labels import label
from contracts.models import (
    LOT_TRANSITIONS,
    TENDER_TRANSITIONS,
    Bid,
    BidStatus,
    Clarification,
    Lot,
    LotStatus,
    LotVolume,
    Procedure,
    QualityQuestion,
    Reservation,
    Tender,
    TenderDocument,
    TenderStatus,
)
from contracts.tendering.reservation import latest_end, term_within_five_years
from contracts.tendering.selectors import tenders as selectors
from contracts.tendering.signals import tender_lots_changed, tender_moved

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PENNY = Decimal("0.01")
MAX_MONEY = Decimal("9999999.99")
MAX_VOLUME = Decimal("9999999.99")
WEIGHT_FIELDS = ("price_weight", "quality_weight", "social_value_weight")
TENDER_FIELDS = (
    "reference",
    "title",
    "description",
    "procedure",
    "reserved",
    "clarification_deadline",
    "submission_deadline",
    "expected_award_date",
    "contract_start",
    "contract_end",
)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def volume_field(band: str) -> str:
    """The input name of one band's weekly volume (forms use it; DomainError names it)."""
    return f"volume_{band}"


# --- tenders ------------------------------------------------------------------------------------


def _text(value: Any, *, field: str, what: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(_("Enter %(what)s.") % {"what": what}, field=field)
    if len(text) > max_length:
        raise DomainError(
            _("%(what)s must be %(n)s characters or fewer.")
            % {"what": what[:1].upper() + what[1:], "n": max_length},
            field=field,
        )
    return text


def _date(value: Any, *, field: str, what: str, required: bool) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise DomainError(_("Enter %(what)s.") % {"what": what}, field=field)
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise DomainError(_("Enter %(what)s as a real date.") % {"what": what}, field=field)
    if not EARLIEST <= value <= LATEST:
        raise DomainError(_("Enter %(what)s between 2000 and 2100.") % {"what": what}, field=field)
    return value


def _moment(value: Any, *, field: str, what: str, required: bool) -> dt.datetime | None:
    if value is None or value == "":
        if required:
            raise DomainError(_("Enter %(what)s.") % {"what": what}, field=field)
        return None
    if not isinstance(value, dt.datetime):
        raise DomainError(_("Enter %(what)s as a date and time.") % {"what": what}, field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise DomainError(_("Enter %(what)s between 2000 and 2100.") % {"what": what}, field=field)
    return value


def tender_check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A tender's fields checked (DomainError naming the field) and cleaned; nothing saved.

    Dates must be in order: the clarification deadline no later than the submission deadline,
    the expected award not before the submission deadline, the contract ending after it starts.
    """
    unknown = sorted(set(fields) - set(TENDER_FIELDS))
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned = {
        "reference": _text(
            fields.get("reference"), field="reference", what=_("the notice reference"), max_length=80
        ),
        "title": _text(fields.get("title"), field="title", what=_("a title"), max_length=300),
        "description": _text(
            fields.get("description"),
            field="description",
            what=_("a description"),
            max_length=20000,
            required=False,
        ),
    }
    procedure = fields.get("procedure")
    if procedure not in Procedure.values:
        raise DomainError(_("Choose the procedure."), field="procedure")
    cleaned["procedure"] = procedure
    reserved = fields.get("reserved") or Reservation.NONE
    if reserved not in Reservation.values:
        raise DomainError(_("Choose whether the contract is reserved, from the list."), field="reserved")
    cleaned["reserved"] = reserved
    submission = _moment(
        fields.get("submission_deadline"),
        field="submission_deadline",
        what=_("the submission deadline"),
        required=True,
    )
    clarification = _moment(
        fields.get("clarification_deadline"),
        field="clarification_deadline",
        what=_("the clarification deadline"),
        required=False,
    )
    award = _date(
        fields.get("expected_award_date"),
        field="expected_award_date",
        what=_("the expected award date"),
        required=False,
    )
    start = _date(
        fields.get("contract_start"), field="contract_start", what=_("the contract start"), required=True
    )
    end = _date(fields.get("contract_end"), field="contract_end", what=_("the contract end"), required=True)
    if clarification is not None and clarification > submission:
        raise DomainError(
            _("The clarification deadline must be on or before the submission deadline."),
            field="clarification_deadline",
        )
    submission_day = timezone.localtime(submission).date()
    if award is not None and award < submission_day:
        raise DomainError(
            _("The expected award must be on or after the submission deadline."), field="expected_award_date"
        )
    if start < submission_day:
        raise DomainError(
            _("The contract must start on or after the submission deadline."), field="contract_start"
        )
    if end <= start:
        raise DomainError(_("The contract end must be after the contract start."), field="contract_end")
    # Procurement Act 2023, s.33(1): the section applies to a contract that "(b) has a maximum
    # term of five years or less". (s.33(1)(a), "reservable light touch services": social care
    # services are light touch services; the form says so rather than checking a list.)
    if reserved == Reservation.MUTUALS and not term_within_five_years(start, end):
        raise DomainError(
            _("A contract reserved for public service mutuals must have “a maximum term of five years "
              "or less” (Procurement Act 2023, section 33(1)(b)): this one runs from %(start)s to "
              "%(end)s. End it by %(latest)s, or do not reserve it under section 33.")
            % {"start": formatting.day(start), "end": formatting.day(end),
               "latest": formatting.day(latest_end(start))},
            field="reserved",
        )
    cleaned.update(
        submission_deadline=submission,
        clarification_deadline=clarification,
        expected_award_date=award,
        contract_start=start,
        contract_end=end,
    )
    return cleaned


def _reference_taken(recorder_id: int | None) -> DomainError:
    if recorder_id is None:
        return DomainError(_("This council already has a tender with this reference."), field="reference")
    return DomainError(
        _("Your consortium has already recorded a tender of this council with this reference."),
        field="reference",
    )


def _check_reference_free(
    council: Council, reference: str, *, recorder_id: int | None, exclude: int | None = None
) -> None:
    """A reference is unique among one recorder's tenders of one council: the council's own, or
    one consortium's. A consortium's record is its own business: it neither blocks the council
    nor another consortium, and the refusal names nothing of anyone else's tenders."""
    same = Tender.objects.filter(
        council=council, recorded_by_consortium_id=recorder_id, reference__iexact=reference
    )
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise _reference_taken(recorder_id)


@transaction.atomic
def tender_create(*, council: Council, by: User, **fields: Any) -> Tender:
    """A draft tender of ``council``. A council reviewer records their own council's tenders; a
    coordinator records any council's (mirroring its public notice) for their consortium."""
    require(selectors.can_record_tenders(by), _("Only council reviewers and coordinators record tenders."))
    if by.is_council_reviewer:
        if council.pk != by.council_id:
            raise DomainError(_("You can record tenders of your own council only."), field="council")
        recorder = None
    else:
        recorder = by.consortium
    cleaned = tender_check_fields(fields)
    recorder_id = recorder.pk if recorder is not None else None
    _check_reference_free(council, cleaned["reference"], recorder_id=recorder_id)
    tender = Tender(council=council, recorded_by_consortium=recorder, created_by=by, **cleaned)
    try:
        with transaction.atomic():
            _save(tender, by)
    except IntegrityError:  # the same recorder's second request with this reference, racing the first
        raise _reference_taken(recorder_id) from None
    return tender


#: The refusal of ``selectors.can_manage_tender``.
ONLY_RECORDER = gettext_lazy("Only whoever recorded the tender can change it: the council's reviewers, or "
                             "the coordinators of the consortium that recorded it.")


def tender_check_editable(tender: Tender) -> None:
    if tender.status != TenderStatus.DRAFT:
        raise DomainError(
            _("Only a draft tender can be changed; this one is %(status)s.")
            % {"status": label(TenderStatus, tender.status)},
            code="not_editable",
        )


@transaction.atomic
def tender_update(*, tender: Tender, by: User, **fields: Any) -> Tender:
    """Change a draft: the fields given replace the current ones (all checked together)."""
    require(selectors.can_manage_tender(by, tender), ONLY_RECORDER)
    # Race: an edit while another request publishes the tender; the lock makes the status read
    # here hold until this change commits.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    tender_check_editable(tender)
    current = {name: getattr(tender, name) for name in TENDER_FIELDS}
    cleaned = tender_check_fields({**current, **fields})
    if cleaned["reference"].lower() != tender.reference.lower():
        _check_reference_free(
            tender.council,
            cleaned["reference"],
            recorder_id=tender.recorded_by_consortium_id,
            exclude=tender.pk,
        )
    changed = [name for name, value in cleaned.items() if getattr(tender, name) != value]
    for name in changed:
        setattr(tender, name, cleaned[name])
    if changed:
        try:
            with transaction.atomic():
                _save(tender, by, update_fields=changed)
        except IntegrityError:  # another of this recorder's tenders took the reference meanwhile
            raise _reference_taken(tender.recorded_by_consortium_id) from None
    return tender


def tender_publish_problems(tender: Tender) -> list[str]:
    """What stops the tender being published (empty: nothing)."""
    problems = []
    lots = list(
        Lot.objects.filter(tender=tender)
        .exclude(status=LotStatus.CANCELLED)
        .prefetch_related("volumes", "questions")
        .order_by("number")
    )
    if not lots:
        problems.append(_("Add at least one lot."))
    for lot in lots:
        name = _("Lot %(number)s") % {"number": lot.number}
        if lot.weights_total != 100:
            problems.append(
                _("%(lot)s: the price, quality and social value weights add up to %(total)s, not 100.")
                % {"lot": name, "total": lot.weights_total}
            )
        if not lot.volumes.all():
            problems.append(_("%(lot)s: give a weekly volume for at least one time band.") % {"lot": name})
        if not lot.questions.all():
            problems.append(_("%(lot)s: add at least one quality question.") % {"lot": name})
    if tender.submission_deadline <= timezone.now():
        problems.append(_("The submission deadline has passed: move it later first."))
    return problems


@transaction.atomic
def lot_transition(*, lot: Lot, to: str, by: User | None) -> Lot:
    """Move a lot's status as LOT_TRANSITIONS allows; already there: nothing happens."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status == to:
        return lot
    if to not in LOT_TRANSITIONS[lot.status]:
        raise DomainError(
            _("A lot that is %(status)s cannot become %(to)s.")
            % {"status": label(LotStatus, lot.status), "to": label(LotStatus, to)},
            code="transition",
        )
    lot.status = to
    _save(lot, by, update_fields=["status"])
    return lot


def _lots_follow(tender: Tender, to: str, by: User | None) -> None:
    """Closing a tender closes its open lots; cancelling it cancels the lots not yet decided."""
    if to == TenderStatus.CLOSED:
        moving, target = (LotStatus.OPEN,), LotStatus.CLOSED
    elif to == TenderStatus.CANCELLED:
        moving, target = (LotStatus.OPEN, LotStatus.CLOSED), LotStatus.CANCELLED
    else:
        return
    for lot in Lot.objects.filter(tender=tender, status__in=moving).order_by("pk"):
        lot_transition(lot=lot, to=target, by=by)


@transaction.atomic
def tender_transition(*, tender: Tender, to: str, by: User | None) -> Tender:
    """Move a tender's status as TENDER_TRANSITIONS allows; already there: nothing happens.

    Publishing needs at least one lot, each with weights summing to 100, volumes and a quality
    question, and a submission deadline still ahead. Closing closes the open lots; cancelling
    cancels the lots not yet decided.
    """
    require(by is None or selectors.can_move_tender(by, tender, to), ONLY_RECORDER)
    # Race: two requests moving one tender (publish and cancel, say); the row lock serialises them.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status == to:
        return tender
    if to not in TENDER_TRANSITIONS[tender.status]:
        raise DomainError(
            _("A tender that is %(status)s cannot become %(to)s.")
            % {"status": label(TenderStatus, tender.status), "to": label(TenderStatus, to)},
            code="transition",
        )
    changed = ["status"]
    if to == TenderStatus.PUBLISHED:
        problems = tender_publish_problems(tender)
        if problems:
            raise DomainError(" ".join(problems), code="not_ready")
        tender.published_at = timezone.now()
        changed.append("published_at")
    was = tender.status
    tender.status = to
    _save(tender, by, update_fields=changed)
    _lots_follow(tender, to, by)
    tender_moved.send(sender=Tender, tender=tender, was=was, to=to, by=by)
    return tender


def tenders_close_past_deadline(now: dt.datetime | None = None) -> int:
    """Close every published tender whose submission deadline has passed (and its open lots).
    Returns how many this call closed; safe to run twice, or in two workers at once."""
    now = now or timezone.now()
    closed = 0
    due = Tender.objects.filter(status=TenderStatus.PUBLISHED, submission_deadline__lte=now)
    for pk in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Race: two workers closing the same tender. Only the one whose conditional update
            # changes the row goes on; the other finds it already closed and moves on.
            won = Tender.objects.filter(pk=pk, status=TenderStatus.PUBLISHED).update(
                status=TenderStatus.CLOSED
            )
            if not won:
                continue
            tender = Tender.objects.get(pk=pk)
            Tender.history.bulk_history_create(
                [tender], update=True, default_change_reason="submission deadline passed"
            )
            _lots_follow(tender, TenderStatus.CLOSED, None)
            tender_moved.send(sender=Tender, tender=tender, was=TenderStatus.PUBLISHED,
                              to=TenderStatus.CLOSED, by=None)
            closed += 1
    return closed


def _lots_changed(tender: Tender, by: User | None) -> None:
    """After a change to the lots of a published tender: record it, and say so (confirmed bids
    go back to draft: ``contracts.bidding.receivers``)."""
    if tender.status != TenderStatus.PUBLISHED:
        return
    tender.lots_changed_at = timezone.now()
    _save(tender, by, update_fields=["lots_changed_at"])
    tender_lots_changed.send(sender=Tender, tender=tender, by=by)


# --- lots ---------------------------------------------------------------------------------------

# A lot's own columns, its weights apart (WEIGHT_FIELDS); its areas, volumes and questions are
# rows of their own.
LOT_COLUMNS = (
    "number",
    "title",
    "service_type",
    "duration_weeks",
    "ceiling_rate",
    "welsh_share_percent",
    "max_provider_share_percent",
    "allows_partial_bids",
)
LOT_FIELDS = (*LOT_COLUMNS, "areas", *WEIGHT_FIELDS, "volumes", "questions")


def _whole(value: Any, *, field: str, what: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise DomainError(_("%(what)s must be a whole number.") % {"what": what}, field=field)
    number = clean_decimal(value, field=field, what=what)
    if number != number.to_integral_value():
        raise DomainError(_("%(what)s must be a whole number.") % {"what": what}, field=field)
    if not low <= number <= high:
        raise DomainError(
            _("%(what)s must be between %(low)s and %(high)s.") % {"what": what, "low": low, "high": high},
            field=field,
        )
    return int(number)


def _clean_volumes(volumes: dict[str, Any] | None) -> dict[str, Decimal]:
    """Weekly volume per band: a band left out, blank or 0 is absent; negative ones refused."""
    cleaned: dict[str, Decimal] = {}
    for band, value in (volumes or {}).items():
        if band not in TimeBand.values:
            raise DomainError(_("%(band)s is not a time band.") % {"band": band}, field="volumes")
        if value is None or value == "":
            continue
        label = str(TimeBand(band).label)
        field = volume_field(band)
        number = clean_decimal(value, field=field, what=_("The %(band)s volume") % {"band": label})
        if number < 0:
            raise DomainError(_("The %(band)s volume cannot be negative.") % {"band": label}, field=field)
        if number != number.quantize(PENNY) or number > MAX_VOLUME:
            raise DomainError(
                _("The %(band)s volume must be a number with up to 2 decimal places, below 10,000,000.")
                % {"band": label},
                field=field,
            )
        if number > 0:
            cleaned[band] = number.quantize(PENNY)
    if not cleaned:
        raise DomainError(
            _("Give a weekly volume for at least one time band."), field=volume_field(TimeBand.WEEKDAY_DAY)
        )
    return cleaned


def _clean_questions(questions: list | None) -> list[tuple[str, int]]:
    cleaned = []
    for i, item in enumerate(questions or [], start=1):
        text = str(item.get("text") or "").strip() if isinstance(item, dict) else ""
        if not text:
            raise DomainError(_("Question %(n)s: enter the question.") % {"n": i}, field="questions")
        if len(text) > 5000:
            raise DomainError(
                _("Question %(n)s must be 5000 characters or fewer.") % {"n": i}, field="questions"
            )
        marks = _whole(
            item.get("max_marks"),
            field="questions",
            what=_("Question %(n)s's maximum marks") % {"n": i},
            low=1,
            high=1000,
        )
        cleaned.append((text, marks))
    if not cleaned:
        raise DomainError(_("Add at least one quality question."), field="questions")
    return cleaned


def lot_check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A lot's fields checked (DomainError naming the field) and cleaned; nothing saved."""
    unknown = sorted(set(fields) - set(LOT_FIELDS))
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
    cleaned: dict[str, Any] = {
        "number": _whole(fields.get("number"), field="number", what=_("The lot number"), low=1, high=999),
        "title": _text(fields.get("title"), field="title", what=_("a title"), max_length=300),
    }
    service_type = fields.get("service_type")
    if not isinstance(service_type, ServiceType):
        raise DomainError(_("Choose the service."), field="service_type")
    cleaned["service_type"] = service_type
    areas = list(fields.get("areas") or [])
    if not areas or not all(isinstance(a, Council) for a in areas):
        raise DomainError(_("Choose at least one council area."), field="areas")
    cleaned["areas"] = areas
    cleaned["duration_weeks"] = _whole(
        fields.get("duration_weeks"), field="duration_weeks", what=_("The duration"), low=1, high=1000
    )
    ceiling = clean_decimal(fields.get("ceiling_rate"), field="ceiling_rate", what=_("The ceiling rate"))
    if ceiling <= 0 or ceiling > MAX_MONEY or ceiling != ceiling.quantize(PENNY):
        raise DomainError(
            _("The ceiling rate must be more than 0, in pounds and pence, like 24.50."), field="ceiling_rate"
        )
    cleaned["ceiling_rate"] = ceiling.quantize(PENNY)
    welsh = fields.get("welsh_share_percent")
    cleaned["welsh_share_percent"] = (
        Decimal("0.00")
        if welsh in (None, "")
        else clean_percent(welsh, field="welsh_share_percent", what=_("The share delivered in Welsh"))
    )
    cap = fields.get("max_provider_share_percent")
    cleaned["max_provider_share_percent"] = (
        None
        if cap in (None, "")
        else clean_percent(
            cap,
            field="max_provider_share_percent",
            what=_("The cap on one provider's share"),
            low=Decimal("0.01"),
        )
    )
    partial = fields.get("allows_partial_bids", False)
    if not isinstance(partial, bool):
        raise DomainError(_("Say whether bids may offer part of the lot's volume: yes or no."),
                          field="allows_partial_bids")
    cleaned["allows_partial_bids"] = partial
    for name, what in zip(
        WEIGHT_FIELDS,
        (_("The price weight"), _("The quality weight"), _("The social value weight")),
        strict=True,
    ):
        cleaned[name] = _whole(fields.get(name), field=name, what=what, low=0, high=100)
    total = sum(cleaned[name] for name in WEIGHT_FIELDS)
    if total != 100:
        raise DomainError(
            _("The price, quality and social value weights must add up to 100; they add up to %(total)s.")
            % {"total": total},
            field="weights",
        )
    cleaned["volumes"] = _clean_volumes(fields.get("volumes"))
    cleaned["questions"] = _clean_questions(fields.get("questions"))
    return cleaned


def _lock_tender_for_lots(tender: Tender) -> Tender:
    # Race: a lot change while the tender is published or closed; the lock holds its status.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
        raise DomainError(
            _("The lots of a tender that is %(status)s cannot change.")
            % {"status": label(TenderStatus, tender.status)},
            code="not_editable",
        )
    return tender


def _write_lot_rows(lot: Lot, cleaned: dict[str, Any], by: User | None) -> None:
    lot.areas.set(cleaned["areas"])
    existing = {v.time_band: v for v in LotVolume.objects.filter(lot=lot)}
    for band, row in existing.items():
        if band not in cleaned["volumes"]:
            delete_audited(row, by)
        elif row.volume != cleaned["volumes"][band]:
            row.volume = cleaned["volumes"][band]
            _save(row, by, update_fields=["volume"])
    for band in TimeBand.values:
        if band in cleaned["volumes"] and band not in existing:
            _save(LotVolume(lot=lot, time_band=band, volume=cleaned["volumes"][band]), by)
    current = {q.number: q for q in QualityQuestion.objects.filter(lot=lot)}
    wanted = dict(enumerate(cleaned["questions"], start=1))
    removed = sorted(set(current) - set(wanted))
    if removed and lot.tender.status != TenderStatus.DRAFT:
        # Refused whether or not a bid answers the question: the answer must not tell the council
        # that a bid exists before the deadline.
        raise DomainError(
            _(
                "Question %(n)s cannot be removed: bidders have read the questions of a published "
                "tender. Change its wording or marks instead, or withdraw the lot."
            )
            % {"n": removed[0]},
            field="questions",
        )
    for number in removed:
        row = current[number]
        delete_audited(row, by)
    for number, (text, marks) in wanted.items():
        row = current.get(number)
        if row is None:
            _save(QualityQuestion(lot=lot, number=number, text=text, max_marks=marks), by)
        elif (row.text, row.max_marks) != (text, marks):
            row.text, row.max_marks = text, marks
            _save(row, by, update_fields=["text", "max_marks"])


def _check_number_free(tender: Tender, number: int, *, exclude: int | None = None) -> None:
    same = Lot.objects.filter(tender=tender, number=number)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise DomainError(_("This tender already has a lot %(n)s.") % {"n": number}, field="number")


@transaction.atomic
def lot_create(*, tender: Tender, by: User | None, **fields: Any) -> Lot:
    """Add a lot to a draft or published tender (on a published one, confirmed bids go back to
    draft). ``volumes``: weekly volume per band; ``questions``: [{"text", "max_marks"}, ...]."""
    require(by is None or selectors.can_manage_tender(by, tender), ONLY_RECORDER)
    tender = _lock_tender_for_lots(tender)
    cleaned = lot_check_fields(fields)
    _check_number_free(tender, cleaned["number"])
    lot = Lot(
        tender=tender, **{k: v for k, v in cleaned.items() if k not in ("areas", "volumes", "questions")}
    )
    _save(lot, by)
    _write_lot_rows(lot, cleaned, by)
    _lots_changed(tender, by)
    return lot


@transaction.atomic
def lot_update(*, lot: Lot, by: User | None, **fields: Any) -> Lot:
    """Change an open lot: the fields given replace the current ones (all checked together)."""
    require(by is None or selectors.can_manage_tender(by, lot.tender), ONLY_RECORDER)
    tender = _lock_tender_for_lots(lot.tender)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.status != LotStatus.OPEN:
        raise DomainError(
            _("A lot that is %(status)s cannot change.") % {"status": label(LotStatus, lot.status)},
            code="not_editable",
        )
    current = {
        name: getattr(lot, name) for name in (*LOT_COLUMNS, *WEIGHT_FIELDS)
    }
    current["areas"] = list(lot.areas.all())
    current["volumes"] = {v.time_band: v.volume for v in lot.volumes.all()}
    current["questions"] = [
        {"text": q.text, "max_marks": q.max_marks} for q in lot.questions.order_by("number")
    ]
    cleaned = lot_check_fields({**current, **fields})
    try:
        before = lot_check_fields(current)
    except DomainError:  # rows written before these rules: any change is a change
        before = None
    if cleaned == before:
        return lot
    _check_number_free(tender, cleaned["number"], exclude=lot.pk)
    simple = [
        k for k in cleaned if k not in ("areas", "volumes", "questions") and getattr(lot, k) != cleaned[k]
    ]
    for name in simple:
        setattr(lot, name, cleaned[name])
    if simple:
        _save(lot, by, update_fields=simple)
    _write_lot_rows(lot, cleaned, by)
    _lots_changed(tender, by)
    return lot


@transaction.atomic
def lot_delete(*, lot: Lot, by: User | None) -> bool:
    """Remove a lot. A draft tender's lot is deleted (no bid can answer a draft). A published
    tender's lot is withdrawn: kept, cancelled, whether or not a bid answers it, so that what the
    council sees never tells it that a bid exists before the deadline, and a bid's history keeps
    the lot it answered (its page and readiness list say the council withdrew it). Returns True
    when the row was deleted, False when it was withdrawn."""
    require(by is None or selectors.can_manage_tender(by, lot.tender), ONLY_RECORDER)
    tender = _lock_tender_for_lots(lot.tender)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if tender.status == TenderStatus.DRAFT:
        delete_audited(lot, by)
        return True
    lot_transition(lot=lot, to=LotStatus.CANCELLED, by=by)
    _lots_changed(tender, by)
    return False


# --- documents ----------------------------------------------------------------------------------


def file_sha256(file) -> str:
    digest = hashlib.sha256()
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    if hasattr(file, "seek"):
        file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def tender_document_upload(*, tender: Tender, by: User | None, title: str, file) -> TenderDocument:
    """Store a document of a draft or published tender, with its SHA-256 and size. A document
    with the same title as an earlier one is its next version; nothing is overwritten."""
    # Race: two uploads of one title at once would take the same version number; the tender's
    # row lock makes them take turns.
    require(by is None or selectors.can_manage_tender(by, tender), ONLY_RECORDER)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
        raise DomainError(
            _("Documents can be added to a draft or published tender only; this one is %(status)s.")
            % {"status": label(TenderStatus, tender.status)},
            code="not_editable",
        )
    title = _text(title, field="title", what=_("a title for the document"), max_length=200)
    if file is None:
        raise DomainError(_("Choose a file to upload."), field="file")
    size = getattr(file, "size", None) or 0
    if size <= 0:
        raise DomainError(_("The file is empty."), field="file")
    if size > MAX_DOCUMENT_BYTES:
        raise DomainError(
            _("The file must be smaller than %(mb)s MB.") % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            field="file",
        )
    name = os.path.basename(getattr(file, "name", "") or "document")[-100:] or "document"
    latest = TenderDocument.objects.filter(tender=tender, title__iexact=title).aggregate(v=Max("version"))[
        "v"
    ]
    document = TenderDocument(
        tender=tender,
        title=title,
        version=(latest or 0) + 1,
        sha256=file_sha256(file),
        size=size,
        content_type=(getattr(file, "content_type", "") or "")[:100],
        uploaded_by=by,
    )
    document.file.save(name, file, save=False)
    document.save()
    return document


def tender_document_intact(document: TenderDocument) -> bool:
    """Whether the stored file is still the one uploaded (same SHA-256)."""
    try:
        with document.file.open("rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(65536), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return False
    return digest.hexdigest() == document.sha256


# --- clarifications -----------------------------------------------------------------------------


def clarification_deadline_of(tender: Tender) -> dt.datetime:
    return tender.clarification_deadline or tender.submission_deadline


@transaction.atomic
def clarification_ask(*, tender: Tender, by: User, question: str) -> Clarification:
    """A consortium's coordinator asks a question on a published tender, before the
    clarification deadline (the submission deadline when the tender gives none)."""
    require(selectors.asks_clarifications(by),
            _("Only a consortium's coordinators ask clarification questions."))
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status != TenderStatus.PUBLISHED:
        raise DomainError(_("Questions can be asked on a published tender only."), code="not_editable")
    if timezone.now() > clarification_deadline_of(tender):
        raise DomainError(_("The deadline for clarification questions has passed."), field="question")
    text = _text(question, field="question", what=_("your question"), max_length=5000)
    clarification = Clarification(tender=tender, consortium_id=by.consortium_id, question=text, asked_by=by)
    _save(clarification, by)
    return clarification


@transaction.atomic
def clarification_answer(*, clarification: Clarification, by: User, answer: str) -> Clarification:
    """One of the tender's council reviewers answers; the answer is then published to every
    bidder, without who asked. A question is answered once."""
    clarification = (
        Clarification.objects.select_for_update().select_related("tender").get(pk=clarification.pk)
    )
    require(selectors.is_tender_council(by, clarification.tender),
            _("Only the council's reviewers answer its clarification questions."))
    if clarification.answered_at is not None:
        raise DomainError(_("This question has already been answered."), field="answer")
    clarification.answer = _text(answer, field="answer", what=_("the answer"), max_length=10000)
    clarification.answered_by = by
    clarification.answered_at = timezone.now()
    _save(clarification, by, update_fields=["answer", "answered_by", "answered_at"])
    tender = clarification.tender
    bidders = set(Bid.objects.filter(tender=tender).exclude(status=BidStatus.WITHDRAWN)
                  .values_list("consortium_id", flat=True))
    notifications.notify(
        recipients=notifications.coordinators_of(*bidders, clarification.consortium_id),
        kind=notifications.CLARIFICATION_ANSWERED,
        params={"council": tender.council_id, "tender": tender.reference},
        url=notifications.link("tender-detail", pk=tender.pk))
    return clarification
