"""Web pages of award decisions.

- award page of a lot (``/review/lots/<pk>/award/``): reviewers of the tender's council after
  the deadline see the ranked scores with their workings and the standing award; the panel's
  lead reviewer decides, cancels during the standstill, confirms after it, or decides not to
  award (another reviewer: 403 on those). Anyone else: 404;
- results of a joint bid (``/bids/<pk>/results/``): the consortium's coordinators and board
  members, per lot, once decided: their own scores and the winner's. Member users: 403; anyone
  who may not see the bid: 404.
Deciding and confirming an award go through a confirmation page first (what happens, what cannot
be undone); a POST without its ``confirm=yes`` decides nothing.
Services refuse what the tender's state does not allow; the page then shows why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.web import confirmed
from contracts.evaluation.forms import DecideForm, ReasonForm
from contracts.evaluation.selectors import award as selectors
from contracts.evaluation.services import award as services
from contracts.models import AwardStatus, LotStatus, TenderStatus

# --- the award page -----------------------------------------------------------------------------

def _forms(page, data=None, which: str | None = None) -> dict:
    return {
        "decide_form": DecideForm(data if which == "decide" else None, rows=page.scores,
                                  entries=page.entries),
        "cancel_form": ReasonForm(data if which == "cancel" else None, prefix="cancel"),
        "no_award_form": ReasonForm(data if which == "no_award" else None, prefix="no_award"),
    }


def _confirmable(award) -> bool:
    """The service confirms only after the standstill's last day: no button that can only fail."""
    return (award is not None and award.status == AwardStatus.STANDSTILL
            and timezone.localdate() > award.standstill_ends)


def _render(request, lot, *, forms_: dict | None = None, errors: list[str] | None = None, status: int = 200):
    page = selectors.award_page(lot)
    tender = lot.tender
    open_for_award = tender.status == TenderStatus.IN_EVALUATION and lot.status == LotStatus.CLOSED
    award = page.award
    context = {
        "lot": lot, "tender": tender, "page": page, "award": award, "errors": errors or [],
        "is_lead": selectors.can_decide(request.user, lot),
        "can_decide": open_for_award and award is None,
        "in_standstill": award is not None and award.status == AwardStatus.STANDSTILL,
        "can_confirm": _confirmable(award),
        **(forms_ or _forms(page)),
    }
    return render(request, "contracts/award/page.html", context, status=status)


@login_required
def lot_award(request, pk: int):
    lot = selectors.award_lot_get_for_user(request.user, pk)
    return _render(request, lot)


def _lead_lot(request, pk: int):
    lot = selectors.award_lot_get_for_user(request.user, pk)
    require(selectors.can_decide(request.user, lot))
    return lot


@require_POST
@login_required
def lot_award_decide(request, pk: int):
    lot = _lead_lot(request, pk)
    page = selectors.award_page(lot)
    forms_ = _forms(page, request.POST, "decide")
    form = forms_["decide_form"]
    if form.is_valid():
        entry = {e.pk: e for e in page.entries.values()}[form.cleaned_data["entry"]]
        if not confirmed(request):
            return _confirm_decision(request, lot, page, entry, form.cleaned_data["reason"])
        try:
            services.award_decide(lot=lot, entry=entry, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The lot is awarded. The standstill period has started; the bidders "
                                        "can now see their scores and the winner's."))
            return redirect("lot-award", pk=lot.pk)
    return _render(request, lot, forms_=forms_)


def _confirm_decision(request, lot, page, entry, reason: str):
    """The decision chosen on the award page, what it does and what cannot be undone, before the
    lead reviewer says yes: nothing is decided until then."""
    row = next((r for r in page.scores if page.entries.get(r["key"]) is entry), None)
    return render(request, "contracts/award/confirm_decide.html", {
        "lot": lot, "tender": lot.tender, "entry": entry, "row": row, "reason": reason,
        "standstill_ends": services.standstill_end(timezone.localdate()),
        "hidden": [("entry", entry.pk), ("reason", reason)],
    })


@require_POST
@login_required
def lot_award_cancel(request, pk: int):
    lot = _lead_lot(request, pk)
    page = selectors.award_page(lot)
    forms_ = _forms(page, request.POST, "cancel")
    form = forms_["cancel_form"]
    if form.is_valid():
        if page.award is None:
            return _render(request, lot, errors=[_("There is no award to cancel.")])
        try:
            services.award_cancel(award=page.award, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The award is cancelled. The lot can be awarded again."))
            return redirect("lot-award", pk=lot.pk)
    return _render(request, lot, forms_=forms_)


@login_required
def lot_award_confirm_check(request, pk: int):
    """What confirming the award does and cannot undo, with the winner and its scores, before
    the lead reviewer says yes: the only way to confirm an award on the web."""
    lot = _lead_lot(request, pk)
    page = selectors.award_page(lot)
    award = page.award
    row = next((r for r in page.scores if r["key"] == page.winner_key), None) if award else None
    return render(request, "contracts/award/confirm_award.html", {
        "lot": lot, "tender": lot.tender, "award": award, "row": row, "can_confirm": _confirmable(award),
    })


@require_POST
@login_required
def lot_award_confirm(request, pk: int):
    lot = _lead_lot(request, pk)
    if not confirmed(request):
        return redirect("lot-award-confirm-check", pk=lot.pk)
    page = selectors.award_page(lot)
    if page.award is None:
        return _render(request, lot, errors=[_("There is no award to confirm.")])
    try:
        services.award_confirm(award=page.award, by=request.user)
    except DomainError as error:
        return _render(request, lot, errors=[str(error.message)])
    messages.success(request, _("The award is confirmed and the lot awarded."))
    return redirect("lot-award", pk=lot.pk)


@require_POST
@login_required
def lot_no_award(request, pk: int):
    lot = _lead_lot(request, pk)
    page = selectors.award_page(lot)
    forms_ = _forms(page, request.POST, "no_award")
    form = forms_["no_award_form"]
    if form.is_valid():
        try:
            services.lot_no_award(lot=lot, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The lot is not awarded."))
            return redirect("lot-award", pk=lot.pk)
    return _render(request, lot, forms_=forms_)


# --- results for the bidders ----------------------------------------------------------------------

@login_required
def bid_results(request, pk: int):
    bid = selectors.results_bid_get_for_user(request.user, pk)
    return render(request, "contracts/award/results.html", {
        "bid": bid, "results": selectors.results_with_gaps(request.user, bid),
    })


urlpatterns = [
    path("bids/<int:pk>/results/", bid_results, name="bid-results"),
    path("review/lots/<int:pk>/award/", lot_award, name="lot-award"),
    path("review/lots/<int:pk>/award/decide/", lot_award_decide, name="lot-award-decide"),
    path("review/lots/<int:pk>/award/cancel/", lot_award_cancel, name="lot-award-cancel"),
    path("review/lots/<int:pk>/award/confirm/", lot_award_confirm, name="lot-award-confirm"),
    path("review/lots/<int:pk>/award/confirm/check/", lot_award_confirm_check,
         name="lot-award-confirm-check"),
    path("review/lots/<int:pk>/award/no-award/", lot_no_award, name="lot-no-award"),
]
