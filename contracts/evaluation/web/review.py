"""Web pages of the council's review of the bids to a tender (reviewers of the tendering council,
after the submission deadline; anyone else, and anyone before it: 404, as if nothing existed).

- ``/review/``: the council's tenders past their deadline, with how many bids each has;
- ``/review/tenders/<pk>/``: the tender's bids (each snapshot's SHA-256, checked on every view),
  the bids from outside the system, the evaluation panel (the lead adds and removes reviewers),
  opening the evaluation, links to each bid's review and each lot's comparison;
- ``/review/tenders/<pk>/external-bids/new/``: record a bid from outside the system (reviewers
  on the panel, while the tender is in evaluation; other reviewers: 403);
- ``/review/entries/<pk>/``: one bid for one lot, from its submitted snapshot: who delivers what
  where, capacity, price against the ceiling, aggregated cost evidence, members' governance and
  compliance, social value, quality answers;
- ``/review/lots/<pk>/compare/``: the lot's bids side by side with their scores and workings.
A refusal shows the GOV.UK error summary, each error linked to its input, and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.models import User
from consortium.web import error_summary, problems_of
from contracts.evaluation.selectors import review as selectors
from contracts.evaluation.services import review as services

PANEL_ACTIONS = ("add", "remove")
PAGE_SIZE = 50


def _errors(problems) -> list[dict]:
    return error_summary(problems, linked=lambda field: field != "rates")


# --- the council's tenders ------------------------------------------------------------------------

@login_required
def review_list(request):
    if not selectors.is_reviewer(request.user):
        raise Http404
    page = Paginator(selectors.review_tenders_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/review/list.html", {"page_obj": page})


# --- one tender -----------------------------------------------------------------------------------

def _render_tender(request, tender, *, errors: list[dict] | None = None, panel_error: str | None = None):
    page = selectors.tender_review(tender, request.user)
    return render(request, "contracts/review/tender.html", {
        "tender": tender, "page": page, "errors": errors or [], "panel_error": panel_error,
    })


@login_required
def review_tender(request, pk: int):
    tender = selectors.review_tender_get_for_user(request.user, pk)
    return _render_tender(request, tender)


@require_POST
@login_required
def review_open(request, pk: int):
    tender = selectors.review_tender_get_for_user(request.user, pk)
    try:
        services.evaluation_open(tender=tender, by=request.user)
    except DomainError as error:
        tender = selectors.review_tender_get_for_user(request.user, pk)
        return _render_tender(request, tender, errors=_errors([(None, error.message)]))
    messages.success(request, _("The evaluation is open and you lead its panel. Add the other reviewers "
                                "to the panel, then each can mark the bids."))
    return redirect("review-tender", pk=tender.pk)


def _reviewer_of(tender, value) -> User | None:
    try:
        return User.objects.get(pk=int(value), council_id=tender.council_id)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        return None


@require_POST
@login_required
def review_panel(request, pk: int):
    tender = selectors.review_tender_get_for_user(request.user, pk)
    require(selectors.is_lead(request.user, tender))
    action = request.POST.get("action", "")
    reviewer = _reviewer_of(tender, request.POST.get("reviewer"))
    problem = None
    if action not in PANEL_ACTIONS:
        problem = _("Choose to add or to remove a reviewer.")
    elif reviewer is None:
        problem = _("Choose a reviewer of the tendering council.")
    else:
        try:
            if action == "add":
                services.panel_add(tender=tender, reviewer=reviewer, by=request.user)
                messages.success(request, _("%(name)s is on the panel.")
                                 % {"name": reviewer.get_full_name() or reviewer.username})
            else:
                services.panel_remove(tender=tender, reviewer=reviewer, by=request.user)
                messages.success(request, _("%(name)s is no longer on the panel.")
                                 % {"name": reviewer.get_full_name() or reviewer.username})
        except DomainError as error:
            problem = str(error.message)
    if problem:
        field = "reviewer" if action == "add" else None
        return _render_tender(request, tender, errors=_errors([(field, problem)]),
                              panel_error=problem if field else None)
    return redirect("review-tender", pk=tender.pk)


# --- bids from outside the system -----------------------------------------------------------------

def _external_form(tender, posted=None, problems=()):
    """The form's lots, each band with its input name, what it shows and its error."""
    errors = {field: str(message) for field, message in problems if field}
    lots = []
    for lot in selectors.review_lots(tender):
        bands = []
        for band, label, volume in selectors.lot_bands(lot):
            name = services.rate_field(lot.pk, band)
            bands.append({"name": name, "label": label, "volume": volume,
                          "value": (posted or {}).get(name, ""), "error": errors.get(name)})
        lots.append({"lot": lot, "bands": bands})
    return {
        "lots": lots,
        "bidder_name": (posted or {}).get("bidder_name", ""),
        "bidder_identifier": (posted or {}).get("bidder_identifier", ""),
        "name_error": errors.get("bidder_name"), "identifier_error": errors.get("bidder_identifier"),
    }


def _posted_rates(tender, post) -> dict:
    rates: dict = {}
    for lot in selectors.review_lots(tender):
        for band, _label, _volume in selectors.lot_bands(lot):
            value = post.get(services.rate_field(lot.pk, band), "").strip()
            if value:
                rates.setdefault(lot.pk, {})[band] = value
    return rates


@login_required
def review_external_new(request, pk: int):
    tender = selectors.review_tender_get_for_user(request.user, pk)
    require(selectors.is_panel_member(request.user, tender))
    problems: list[tuple[str | None, str]] = []
    posted = None
    if request.method == "POST":
        try:
            external = services.external_bid_record(
                tender=tender, by=request.user, bidder_name=request.POST.get("bidder_name", ""),
                bidder_identifier=request.POST.get("bidder_identifier", ""),
                rates=_posted_rates(tender, request.POST))
        except DomainError as error:
            problems, posted = problems_of(error), request.POST
        else:
            messages.success(request, _("The bid from %(name)s is recorded.")
                             % {"name": external.bidder_name})
            return redirect("review-tender", pk=tender.pk)
    return render(request, "contracts/review/external_form.html", {
        "tender": tender, "form": _external_form(tender, posted, problems), "errors": _errors(problems),
        "open": tender.status == "in_evaluation",
    })


@require_POST
@login_required
def review_external_delete(request, pk: int):
    external = selectors.review_external_bid_get_for_user(request.user, pk)
    tender = external.tender
    require(selectors.is_panel_member(request.user, tender))
    try:
        services.external_bid_delete(external_bid=external, by=request.user)
    except DomainError as error:
        return _render_tender(request, tender, errors=_errors([(None, error.message)]))
    messages.success(request, _("The bid from %(name)s is deleted.") % {"name": external.bidder_name})
    return redirect("review-tender", pk=tender.pk)


# --- one bid for one lot ----------------------------------------------------------------------------

@login_required
def review_entry(request, pk: int):
    entry = selectors.review_entry_get_for_user(request.user, pk)
    review = selectors.entry_review(entry)
    return render(request, "contracts/review/entry.html", {
        "review": review, "lot": review.lot, "tender": review.tender,
    })


# --- the bids for a lot side by side ---------------------------------------------------------------

@login_required
def review_lot(request, pk: int):
    lot = selectors.review_lot_get_for_user(request.user, pk)
    comparison = selectors.lot_comparison(lot)
    tender = lot.tender
    return render(request, "contracts/review/compare.html", {
        "lot": lot, "tender": tender, "comparison": comparison,
        "is_panel_member": selectors.is_panel_member(request.user, tender),
        "is_lead": selectors.is_lead(request.user, tender),
    })


urlpatterns = [
    path("review/", review_list, name="review-list"),
    path("review/tenders/<int:pk>/", review_tender, name="review-tender"),
    path("review/tenders/<int:pk>/open/", review_open, name="review-open"),
    path("review/tenders/<int:pk>/panel/", review_panel, name="review-panel"),
    path("review/tenders/<int:pk>/external-bids/new/", review_external_new, name="review-external-new"),
    path("review/external-bids/<int:pk>/delete/", review_external_delete, name="review-external-delete"),
    path("review/entries/<int:pk>/", review_entry, name="review-entry"),
    path("review/lots/<int:pk>/compare/", review_lot, name="review-lot"),
]
