"""Pages of what a member reports with its return: quality counts, workforce, personal outcomes.

- a return's report (``/outcomes/returns/<pk>/``): its co-op's member users (everything, with
  the reviews' references, and links to change it while the return is a draft or sent back) and
  the consortium's coordinators checking the return (the counts, the workforce shares, and the
  reviews' counts and rates only, suppressed below five people); anyone else 404;
- the period report's form (``/outcomes/returns/<pk>/report/``) and a review's forms
  (``.../reviews/add/``, ``/outcomes/reviews/<pk>/``, ``.../remove/``): the co-op's member users
  only (the coordinators, who see the return, 403 on the return's forms; a review is 404 to
  anyone but the co-op's users); locked once the return is submitted or accepted.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from consortium.errors import DomainError, refuse_if_forbidden
from outcomes.disclosure import MIN_PEOPLE
from outcomes.figures import financial_year_of
from outcomes.forms.reports import OutcomeReviewForm, PeriodReportForm
from outcomes.selectors import reports as selectors
from outcomes.services import reports as services
from pricing.models import financial_year_label


def _context(ret) -> dict:
    return {"ret": ret, "sub": ret.subcontract, "contract": ret.subcontract.contract, "period": ret.period,
            "open": selectors.is_open(ret), "min_people": MIN_PEOPLE,
            "year": financial_year_label(financial_year_of(ret.period.end))}


@login_required
def report_detail(request, pk: int):
    user = request.user
    ret = selectors.return_get(user, pk)
    is_member = selectors.can_write(user, ret)
    report = selectors.report_of(ret)
    return render(request, "outcomes/reports/detail.html", {
        **_context(ret), "is_member": is_member, "report": report,
        "workforce": selectors.workforce(report, selectors.living_wage_for(ret)),
        "reviews": selectors.reviews_of(ret) if is_member else None,
        "summary": None if is_member else selectors.review_summary(ret),
    })


def _locked(request, ret):
    messages.error(request, _("The return is submitted or accepted: its report and reviews are locked "
                              "with it."))
    return redirect("reports-detail", pk=ret.pk)


@login_required
def report_edit(request, pk: int):
    user = request.user
    ret = selectors.return_get_for_writing(user, pk)
    if not selectors.is_open(ret):
        return _locked(request, ret)
    report = selectors.report_of(ret)
    bands = list(report.pay_bands.all()) if report else []
    if request.method == "POST":
        form = PeriodReportForm(request.POST, bands=bands)
        if form.is_valid():
            try:
                services.period_report_save(ret=ret, by=user, **form.service_arguments())
            except DomainError as error:
                form.add_problems(error)
            else:
                messages.success(request, _("The period's report is saved."))
                return redirect("reports-detail", pk=ret.pk)
    else:
        initial = ({name: getattr(report, name) for name in ("complaints", "safeguarding_referrals",
                                                               "care_workers", "care_workers_registered")}
                   if report else None)
        form = PeriodReportForm(initial=initial, bands=bands)
    return render(request, "outcomes/reports/report_form.html", {
        **_context(ret), "form": form, "rate": selectors.living_wage_for(ret),
    })


def _review_page(request, ret, form, review=None):
    return render(request, "outcomes/reports/review_form.html", {
        **_context(ret), "form": form, "review": review,
    })


def _review_save(request, ret, review=None):
    user = request.user
    form = OutcomeReviewForm(request.POST, review=review)
    if form.is_valid():
        try:
            services.outcome_review_save(ret=ret, by=user, review=review, **form.service_arguments())
        except DomainError as error:
            form.add_problems(error)
        else:
            messages.success(request, _("The review is saved."))
            return redirect("reports-detail", pk=ret.pk)
    return _review_page(request, ret, form, review)


@login_required
def review_add(request, pk: int):
    ret = selectors.return_get_for_writing(request.user, pk)
    if not selectors.is_open(ret):
        return _locked(request, ret)
    if request.method == "POST":
        return _review_save(request, ret)
    return _review_page(request, ret, OutcomeReviewForm())


@login_required
def review_edit(request, pk: int):
    review = selectors.review_get_for_user(request.user, pk)
    ret = review.delivery_return
    if not selectors.is_open(ret):
        return _locked(request, ret)
    if request.method == "POST":
        return _review_save(request, ret, review)
    return _review_page(request, ret, OutcomeReviewForm(review=review), review)


@login_required
def review_delete(request, pk: int):
    review = selectors.review_get_for_user(request.user, pk)
    ret = review.delivery_return
    if not selectors.is_open(ret):
        return _locked(request, ret)
    if request.method == "POST":
        try:
            services.outcome_review_delete(review=review, by=request.user)
        except DomainError as error:
            refuse_if_forbidden(error)
            return _locked(request, ret)
        messages.success(request, _("The review of %(ref)s is removed.") % {"ref": review.reference})
        return redirect("reports-detail", pk=ret.pk)
    return render(request, "outcomes/reports/review_delete.html", {**_context(ret), "review": review})


urlpatterns = [
    path("outcomes/returns/<int:pk>/", report_detail, name="reports-detail"),
    path("outcomes/returns/<int:pk>/report/", report_edit, name="reports-report-edit"),
    path("outcomes/returns/<int:pk>/reviews/add/", review_add, name="reports-review-add"),
    path("outcomes/reviews/<int:pk>/", review_edit, name="reports-review-edit"),
    path("outcomes/reviews/<int:pk>/remove/", review_delete, name="reports-review-delete"),
]
