"""Quality marking of a lot's bids: each reviewer's own mark sheet, the lead reviewer's agreed
(moderated) marks and social value scores.

Rules:
- Reviewers on the tender's panel mark each quality question of each bid for the lot (0 to the
  question's maximum, with a comment) while the tender is in evaluation and the lot has no
  standing award. A sheet is the reviewer's alone until they submit it; submitting needs every
  bid x question marked and seals the sheet (its marks never change again). Saving is
  all-or-nothing: one bad mark refuses the lot of them, each problem named by bid and question.
- The lead reviewer sets the agreed mark of each bid's question, with a reason, once every
  reviewer on the panel has submitted their sheet for the lot; and each bid's social value score
  (0 to 100%), with a reason. Setting either again updates the row; the audit history
  (django-simple-history) keeps every earlier value and who set it.
- Scores are never typed in: ``contracts.evaluation.selectors.scores.lot_scores`` computes them from
  the agreed marks, the social value scores and the bids' rates.

Races and locks (one order everywhere: the tender's row, then the lot's, then the sheet's, as
``contracts.evaluation.services.review`` and ``contracts.evaluation.services.award`` take them, so
writers queue and cannot deadlock):
- one reviewer saving or submitting one sheet from two tabs at once: the sheet's row is locked
  (``select_for_update``) before its marks are read, so two saves cannot both insert one cell and
  a save cannot slip in after the seal;
- a sheet submitted while an outside bid is recorded (a new bid to mark): both lock the tender's
  row first, so the submit sees every bid there is, or the bid waits for the submit;
- the lead moderating while an award is decided for the lot (whose scores it freezes): both lock
  the tender's row and then the lot's, so one waits for the other and sees what it did.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium import formatting
from consortium.audit import delete_audited
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_percent, clean_reason
from consortium.errors import DomainError, DomainErrors, require
from consortium.models import User
from contracts.evaluation.selectors.review import is_lead, is_panel_member, panel_of
from contracts.labels import label
from contracts.models import (
    Award,
    AwardStatus,
    Entry,
    Lot,
    LotStatus,
    MarkSheet,
    ModeratedMark,
    QualityMark,
    QualityQuestion,
    SocialValueScore,
    Tender,
    TenderStatus,
)

COMMENT_MAX = 4000
REASON_MAX = 2000
#: The refusals of ``is_panel_member`` and ``is_lead``.
ONLY_PANEL = gettext_lazy("Only reviewers on the tender's evaluation panel can mark its bids.")
ONLY_LEAD = gettext_lazy("Only the lead reviewer of the tender's panel can do this.")
HUNDRED = Decimal(100)
WHOLE = re.compile(r"^[+-]?\d{1,6}$")


# --- input names ---------------------------------------------------------------------------------
# The web form's inputs and the API's error keys use one name per cell, so an error is shown beside
# the input it is about.

def mark_field(entry_id: int, question_id: int) -> str:
    return f"mark-{entry_id}-{question_id}"


def comment_field(entry_id: int, question_id: int) -> str:
    return f"comment-{entry_id}-{question_id}"


class MarksRefused(DomainErrors):
    """Every problem of a mark sheet at once, by input name (``mark-<entry>-<question>`` ...)."""


# --- shared checks -------------------------------------------------------------------------------

def _check_open(tender: Tender, lot: Lot, *, what: str) -> None:
    """Marks and scores change only while the tender is in evaluation and the lot is undecided."""
    if tender.status != TenderStatus.IN_EVALUATION:
        raise DomainError(
            _("%(what)s can be changed only while the tender is in evaluation; it is %(status)s.")
            % {"what": what, "status": label(TenderStatus, tender.status)}, code="transition")
    if lot.status != LotStatus.CLOSED:
        raise DomainError(
            _("%(lot)s is %(status)s: %(what)s can no longer be changed.")
            % {"lot": lot, "status": label(LotStatus, lot.status), "what": what.lower()},
            code="transition")
    if Award.objects.filter(lot=lot).exclude(status=AwardStatus.CANCELLED).exists():
        raise DomainError(
            _("%(lot)s has been awarded: %(what)s can no longer be changed (cancel the award during "
              "its standstill first).") % {"lot": lot, "what": what.lower()}, code="transition")


def _reason(value: Any, *, what: str) -> str:
    """The reason given, required; ``what`` names the bid (and question) for the messages."""
    return clean_reason(value, missing=_("%(what)s: give the reason.") % {"what": what}, about=what,
                        max_length=REASON_MAX)


def parse_mark(value: Any) -> int | None | str:
    """A mark as typed or sent: None when blank, the whole number, or "bad" when it is not one."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return int(text) if WHOLE.match(text) else "bad"
    return "bad"


def _whole_mark(value: Any, question: QualityQuestion, *, field: str, name: str) -> int | None:
    """The mark, or None when blank; DomainError naming the bid and question when it is not a whole
    number from 0 to the question's maximum."""
    mark = parse_mark(value)
    if mark is None:
        return None
    if mark == "bad" or not 0 <= mark <= question.max_marks:
        raise DomainError(
            _("%(bid)s, question %(n)s: the mark must be a whole number from 0 to %(max)s.")
            % {"bid": name, "n": question.number, "max": question.max_marks}, field=field)
    return mark


# --- the reviewer's mark sheet ------------------------------------------------------------------

def _lock_tender(lot: Lot) -> Lot:
    """The lot with its tender's row locked (see the module's docstring), both read afresh."""
    lot = Lot.objects.get(pk=lot.pk)
    lot.tender = Tender.objects.select_for_update().get(pk=lot.tender_id)
    return lot


def _lock_sheet(lot: Lot, by: User) -> MarkSheet:
    # Race: see the module's docstring (one reviewer, two tabs). The row is made if it is not
    # there yet (the unique index keeps it to one), then locked and read afresh.
    sheet = MarkSheet.objects.filter(lot=lot, reviewer=by).first()
    if sheet is None:
        sheet = MarkSheet(lot=lot, reviewer=by)
        try:
            with transaction.atomic():
                _save(sheet, by)
        except IntegrityError:  # made by the other tab meanwhile
            sheet = MarkSheet.objects.get(lot=lot, reviewer=by)
    return MarkSheet.objects.select_for_update().get(pk=sheet.pk)


def _sealed(sheet: MarkSheet) -> DomainError:
    when = formatting.moment(sheet.submitted_at)
    return DomainError(_("You submitted your marks for this lot on %(when)s: they are sealed and cannot "
                         "be changed.") % {"when": when}, code="sealed")


def _entries(lot: Lot) -> dict[int, Entry]:
    return {e.pk: e for e in Entry.objects.filter(lot=lot)
            .select_related("submission__bid__consortium", "external_bid").order_by("pk")}


def _clean_marks(marks: Any, entries: dict[int, Entry], questions: dict[int, QualityQuestion]
                 ) -> tuple[dict[tuple[int, int], tuple[int | None, str]], list[tuple[str, str]]]:
    if not isinstance(marks, dict):
        return {}, [("marks", _("Send the marks as a mapping of (bid, question) to (mark, comment)."))]
    cleaned: dict[tuple[int, int], tuple[int | None, str]] = {}
    problems: list[tuple[str, str]] = []
    for key, value in marks.items():
        try:
            entry_id, question_id = (int(k) for k in key)
        except (TypeError, ValueError):
            problems.append(("marks", _("Each mark must name a bid and a question.")))
            continue
        entry, question = entries.get(entry_id), questions.get(question_id)
        field = mark_field(entry_id, question_id)
        if entry is None or question is None:
            problems.append((field, _("Bid %(entry)s, question %(question)s: choose a bid and a question of "
                                      "this lot.") % {"entry": entry_id, "question": question_id}))
            continue
        mark, comment = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value, "")
        if comment is None:
            comment = ""
        if not isinstance(comment, str):
            problems.append((comment_field(entry_id, question_id), _("Write the comment as text.")))
            continue
        comment = comment.strip()
        try:
            mark = _whole_mark(mark, question, field=field, name=entry.bidder_name)
        except DomainError as error:
            problems.append((field, error.message))
            continue
        if len(comment) > COMMENT_MAX:
            problems.append((comment_field(entry_id, question_id),
                             _("%(bid)s, question %(n)s: keep the comment to %(max)s characters.")
                             % {"bid": entry.bidder_name, "n": question.number, "max": f"{COMMENT_MAX:,}"}))
            continue
        if mark is None and comment:
            problems.append((field, _("%(bid)s, question %(n)s: give a mark with your comment, or clear the "
                                      "comment.") % {"bid": entry.bidder_name, "n": question.number}))
            continue
        cleaned[(entry_id, question_id)] = (mark, comment)
    return cleaned, problems


@transaction.atomic
def mark_sheet_save(*, lot: Lot, by: User,
                    marks: dict[tuple[int, int], tuple[int | str | None, str]]) -> MarkSheet:
    """Save some of the reviewer's marks for the lot: ``marks`` maps (entry id, question id) to
    (mark, comment). A blank mark (None or "") with no comment clears that cell. All or nothing:
    any problem refuses every mark (``MarksRefused``, each problem by input name)."""
    lot = _lock_tender(lot)
    require(is_panel_member(by, lot.tender), ONLY_PANEL)
    _check_open(lot.tender, lot, what=_("Marks"))
    sheet = _lock_sheet(lot, by)
    if sheet.submitted_at is not None:
        raise _sealed(sheet)
    entries = _entries(lot)
    questions = {q.pk: q for q in QualityQuestion.objects.filter(lot=lot)}
    cleaned, problems = _clean_marks(marks, entries, questions)
    if problems:
        raise MarksRefused(problems)
    existing = {(m.entry_id, m.question_id): m for m in QualityMark.objects.filter(sheet=sheet)}
    for (entry_id, question_id), (mark, comment) in sorted(cleaned.items()):
        current = existing.get((entry_id, question_id))
        if mark is None:
            if current is not None:
                delete_audited(current, by)
            continue
        if current is None:
            _save(QualityMark(sheet=sheet, entry_id=entry_id, question_id=question_id, mark=mark,
                              comment=comment), by)
        elif (current.mark, current.comment) != (mark, comment):
            current.mark, current.comment = mark, comment
            _save(current, by, update_fields=["mark", "comment"])
    return sheet


def missing_marks(lot: Lot, sheet: MarkSheet | None) -> list[tuple[Entry, list[QualityQuestion]]]:
    """The bids of the lot with the questions the sheet has not marked yet."""
    questions = list(QualityQuestion.objects.filter(lot=lot).order_by("number"))
    marked = set() if sheet is None else set(
        QualityMark.objects.filter(sheet=sheet).values_list("entry_id", "question_id"))
    missing = []
    for entry in _entries(lot).values():
        gaps = [q for q in questions if (entry.pk, q.pk) not in marked]
        if gaps:
            missing.append((entry, gaps))
    return missing


@transaction.atomic
def mark_sheet_submit(*, lot: Lot, by: User) -> MarkSheet:
    """Submit the reviewer's sheet for the lot: every bid's every question must be marked. Seals
    the sheet; submitting a sealed sheet again changes nothing."""
    lot = _lock_tender(lot)
    require(is_panel_member(by, lot.tender), ONLY_PANEL)
    sheet = _lock_sheet(lot, by)
    if sheet.submitted_at is not None:
        return sheet
    _check_open(lot.tender, lot, what=_("Marks"))
    if not Entry.objects.filter(lot=lot).exists():
        raise DomainError(_("There is no bid for this lot to mark."), code="not_ready")
    missing = missing_marks(lot, sheet)
    if missing:
        parts = [
            _("%(bid)s: question %(numbers)s") % {
                "bid": entry.bidder_name, "numbers": ", ".join(str(q.number) for q in gaps)}
            for entry, gaps in missing
        ]
        raise DomainError(_("Mark every question of every bid before you submit. Still to mark: %(list)s.")
                          % {"list": "; ".join(parts)}, code="incomplete")
    sheet.submitted_at = timezone.now()
    _save(sheet, by, update_fields=["submitted_at"])
    return sheet


# --- the lead reviewer: agreed marks and social value ---------------------------------------------

def _lock_lot(lot_id: int) -> tuple[Tender, Lot]:
    # Race: see the module's docstring. The tender first, then the lot, as the award services do.
    lot = Lot.objects.only("tender_id").get(pk=lot_id)
    tender = Tender.objects.select_for_update().get(pk=lot.tender_id)
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    return tender, lot


def sheets_waiting(lot: Lot) -> list[User]:
    """Reviewers on the panel who have not yet submitted their sheet for the lot."""
    submitted = set(MarkSheet.objects.filter(lot=lot, submitted_at__isnull=False)
                    .values_list("reviewer_id", flat=True))
    return [member.reviewer for member in panel_of(lot.tender) if member.reviewer_id not in submitted]


def reviewer_name(user: User) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def mark_moderate(*, entry: Entry, question: QualityQuestion, mark: Any, reason: Any, by: User
                  ) -> ModeratedMark:
    """The lead reviewer sets the agreed mark of one bid's question, with a reason; only once every
    reviewer on the panel has submitted their sheet for the lot."""
    tender, lot = _lock_lot(entry.lot_id)
    require(is_lead(by, tender), ONLY_LEAD)
    _check_open(tender, lot, what=_("Agreed marks"))
    entry = Entry.objects.select_related("submission__bid__consortium", "external_bid").get(pk=entry.pk)
    if question.lot_id != lot.pk:
        raise DomainError(_("Choose a question of this lot."), field="question")
    waiting = sheets_waiting(lot)
    if waiting:
        raise DomainError(
            _("Agreed marks are set once every reviewer on the panel has submitted their marks for this "
              "lot. Still to submit: %(names)s.") % {"names": ", ".join(reviewer_name(u) for u in waiting)},
            code="not_ready")
    agreed = _whole_mark(mark, question, field="mark", name=entry.bidder_name)
    if agreed is None:
        raise DomainError(_("%(bid)s, question %(n)s: enter the agreed mark, from 0 to %(max)s.")
                          % {"bid": entry.bidder_name, "n": question.number, "max": question.max_marks},
                          field="mark")
    reason = _reason(reason, what=_("%(bid)s, question %(n)s") % {"bid": entry.bidder_name,
                                                                   "n": question.number})
    row = ModeratedMark.objects.select_for_update().filter(entry=entry, question=question).first()
    if row is None:
        row = ModeratedMark(entry=entry, question=question, mark=agreed, reason=reason, moderated_by=by)
        _save(row, by)
    elif (row.mark, row.reason) != (agreed, reason):
        row.mark, row.reason, row.moderated_by = agreed, reason, by
        _save(row, by)
    return row


def _percent(value: Any, *, name: str) -> Decimal:
    """A percentage from 0 to 100 to the penny (a trailing % sign allowed); DomainError naming the
    bid otherwise."""
    if isinstance(value, str):
        value = value.strip().rstrip("%")
    return clean_percent(value, field="percent",
                         what=_("%(bid)s: the social value score") % {"bid": name})


@transaction.atomic
def social_value_score_set(*, entry: Entry, percent: Any, reason: Any, by: User) -> SocialValueScore:
    """The lead reviewer scores a bid's social value commitments (0 to 100% of the lot's social
    value weight), with a reason."""
    tender, lot = _lock_lot(entry.lot_id)
    require(is_lead(by, tender), ONLY_LEAD)
    _check_open(tender, lot, what=_("Social value scores"))
    entry = Entry.objects.select_related("submission__bid__consortium", "external_bid").get(pk=entry.pk)
    percent = _percent(percent, name=entry.bidder_name)
    reason = _reason(reason, what=_("%(bid)s, social value") % {"bid": entry.bidder_name})
    row = SocialValueScore.objects.select_for_update().filter(entry_id=entry.pk).first()
    if row is None:
        row = SocialValueScore(entry_id=entry.pk, percent=percent, reason=reason, scored_by=by)
        _save(row, by)
    elif (row.percent, row.reason) != (percent, reason):
        row.percent, row.reason, row.scored_by = percent, reason, by
        _save(row, by)
    return row
