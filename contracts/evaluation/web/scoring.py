"""Web pages of quality marking (reviewers of the tendering council, after the deadline).

- ``/review/lots/<pk>/marks/``: the reviewer's own mark sheet for the lot: every bid x question,
  with the bid's answer from its snapshot; save as often as needed, then submit (sealed). Once
  submitted it is read only and shows the other submitted marks. Reviewers on the panel only
  (another reviewer of the council: 403; anyone else, or before the deadline: 404).
- ``/review/lots/<pk>/moderation/``: the lead reviewer's grid: every submitted mark with its
  comment, spread, median and suggested mark; the agreed mark and reason per bid and question;
  the social value score and reason per bid; the live scores and ranks with their workings.
  The lead only (other reviewers on the panel: 403).
A refusal (a bad mark, an incomplete sheet, moderation before every sheet is in) shows the GOV.UK
error summary, each error linked to its input, and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consortium.errors import DomainError
from consortium.numbers import plain
from consortium.web import error_summary, problems_of
from contracts.evaluation.selectors import scoring as selectors
from contracts.evaluation.services import scoring as services

MARK_ACTIONS = ("save", "submit")


def _errors(problems) -> list[dict]:
    """Linked to their inputs: the marks' and reasons' boxes ("mark-<entry>-<question>" ...)."""
    return error_summary(problems, linked=lambda field: field[0].isalpha() and "-" in field)


# --- the reviewer's mark sheet --------------------------------------------------------------------

def _posted_marks(request, sheet) -> dict[tuple[int, int], tuple[str, str]]:
    marks = {}
    for bid in sheet.bids:
        for cell in bid.cells:
            if cell.mark_name in request.POST or cell.comment_name in request.POST:
                marks[(cell.entry_id, cell.question.pk)] = (
                    request.POST.get(cell.mark_name, ""), request.POST.get(cell.comment_name, ""))
    return marks


def _show_sheet(sheet, posted, problems) -> None:
    """What each input shows: what was posted when it was refused, what is stored otherwise."""
    errors = {field: str(message) for field, message in problems if field}
    for bid in sheet.bids:
        for cell in bid.cells:
            if posted is not None and (cell.mark_name in posted or cell.comment_name in posted):
                cell.shown_mark = posted.get(cell.mark_name, "")
                cell.shown_comment = posted.get(cell.comment_name, "")
            else:
                cell.shown_mark = "" if cell.mark is None else str(cell.mark)
                cell.shown_comment = cell.comment
            cell.mark_error = errors.get(cell.mark_name)
            cell.comment_error = errors.get(cell.comment_name)


@login_required
def lot_marks(request, pk: int):
    user = request.user
    lot = selectors.marking_lot_get_for_user(user, pk)
    sheet = selectors.my_sheet(lot, user)
    problems: list[tuple[str | None, str]] = []
    posted = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        marks = _posted_marks(request, sheet)
        if action not in MARK_ACTIONS:
            problems.append((None, _("Choose to save your marks or to submit them.")))
        elif not marks and action == "save":
            problems.append((None, _("No marks were sent: enter marks in the boxes below, then save.")))
        else:
            try:
                if marks and not (sheet.submitted and action == "submit"):
                    services.mark_sheet_save(lot=lot, by=user, marks=marks)
            except DomainError as error:
                problems, posted = problems_of(error), request.POST
            else:
                if action == "save":
                    messages.success(request, _("Your marks are saved. Nobody else can see them until you "
                                                "submit them."))
                    return redirect("lot-marks", pk=lot.pk)
                try:
                    services.mark_sheet_submit(lot=lot, by=user)
                except DomainError as error:
                    if marks:
                        messages.info(request, _("Your marks are saved, but not submitted."))
                    problems = problems_of(error)
                else:
                    messages.success(request, _("Your marks are submitted and sealed. You can now see the "
                                                "other reviewers' submitted marks."))
                    return redirect("lot-marks", pk=lot.pk)
        sheet = selectors.my_sheet(lot, user)
    _show_sheet(sheet, posted, problems)
    return render(request, "contracts/scoring/marks.html", {
        "lot": lot, "tender": lot.tender, "sheet": sheet, "errors": _errors(problems),
        "is_lead": selectors.is_lead(user, lot.tender),
    })


# --- the lead reviewer's moderation ---------------------------------------------------------------

def _suggested(cell) -> str:
    """What an agreed mark not yet set starts with: the median of the marks, rounded."""
    return "" if cell.suggested is None else str(cell.suggested)


def _changed_cell(cell, mark: str, reason: str) -> bool:
    if cell.agreed is None:  # the suggested mark the box starts with, left as it is, sets nothing
        untouched = mark.strip() in ("", _suggested(cell))
        return not (untouched and not reason.strip())
    return (mark.strip(), reason.strip()) != (str(cell.agreed.mark), cell.agreed.reason)


def _changed_sv(bid, percent: str, reason: str) -> bool:
    current = bid.social_value
    if current is None:
        return bool(percent.strip() or reason.strip())
    try:
        same = Decimal(percent.strip().rstrip("%")) == current.percent
    except (InvalidOperation, ValueError):
        same = False
    return not (same and reason.strip() == current.reason)


def _moderate(request, grid, user) -> tuple[int, list[tuple[str | None, str]]]:
    """Every changed agreed mark and social value score of the form, all or nothing."""
    changes, problems = 0, []
    post = request.POST
    with transaction.atomic():
        for bid in grid.bids:
            for cell in bid.cells:
                if cell.mark_name not in post and cell.reason_name not in post:
                    continue
                mark, reason = post.get(cell.mark_name, ""), post.get(cell.reason_name, "")
                if not _changed_cell(cell, mark, reason):
                    continue
                try:
                    with transaction.atomic():
                        services.mark_moderate(entry=bid.entry, question=cell.question, mark=mark,
                                               reason=reason, by=user)
                    changes += 1
                except DomainError as error:
                    problems += problems_of(error, {"mark": cell.mark_name, "reason": cell.reason_name})
            if bid.sv_name in post or bid.sv_reason_name in post:
                percent, reason = post.get(bid.sv_name, ""), post.get(bid.sv_reason_name, "")
                if _changed_sv(bid, percent, reason):
                    try:
                        with transaction.atomic():
                            services.social_value_score_set(entry=bid.entry, percent=percent, reason=reason,
                                                            by=user)
                        changes += 1
                    except DomainError as error:
                        names = {"percent": bid.sv_name, "reason": bid.sv_reason_name}
                        problems += problems_of(error, names)
        if problems:
            transaction.set_rollback(True)
    return changes, problems


def _show_grid(grid, posted, problems) -> None:
    errors = {field: str(message) for field, message in problems if field}
    for bid in grid.bids:
        for cell in bid.cells:
            if posted is not None and cell.mark_name in posted:
                cell.shown_mark = posted.get(cell.mark_name, "")
                cell.shown_reason = posted.get(cell.reason_name, "")
            else:
                cell.shown_mark = _suggested(cell) if cell.agreed is None else str(cell.agreed.mark)
                cell.shown_reason = "" if cell.agreed is None else cell.agreed.reason
            cell.mark_error, cell.reason_error = errors.get(cell.mark_name), errors.get(cell.reason_name)
        sv = bid.social_value
        if posted is not None and bid.sv_name in posted:
            bid.shown_percent = posted.get(bid.sv_name, "")
            bid.shown_reason = posted.get(bid.sv_reason_name, "")
        else:
            bid.shown_percent = "" if sv is None else plain(sv.percent)
            bid.shown_reason = "" if sv is None else sv.reason
        bid.percent_error, bid.reason_error = errors.get(bid.sv_name), errors.get(bid.sv_reason_name)


@login_required
def lot_moderation(request, pk: int):
    user = request.user
    lot = selectors.moderation_lot_get_for_user(user, pk)
    grid = selectors.moderation(lot, user)
    problems: list[tuple[str | None, str]] = []
    posted = None
    if request.method == "POST":
        changes, problems = _moderate(request, grid, user)
        if not problems:
            if changes:
                messages.success(request, ngettext("%(n)s change saved.", "%(n)s changes saved.", changes)
                                 % {"n": changes})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("lot-moderation", pk=lot.pk)
        posted = request.POST
    _show_grid(grid, posted, problems)
    return render(request, "contracts/scoring/moderation.html", {
        "lot": lot, "tender": lot.tender, "grid": grid, "errors": _errors(problems),
        "scores": selectors.score_rows(grid),
    })


urlpatterns = [
    path("review/lots/<int:pk>/marks/", lot_marks, name="lot-marks"),
    path("review/lots/<int:pk>/moderation/", lot_moderation, name="lot-moderation"),
]
