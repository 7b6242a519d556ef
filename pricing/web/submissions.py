"""Web pages of open-book cost submissions: the list, the submission form, a submission's
build-up and versions, and the coordinator's submission windows.

Who may use what (the selectors decide the rows):
- list, submit, detail: coordinators (their consortium's members; they may submit for one) and
  member users (their own co-op); board members and council reviewers are refused (403), and a
  submission the user may not see answers 404;
- submission windows: coordinators only (403 for everyone else).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium import formatting
from consortium.errors import DomainError, require
from consortium.models import TimeBand
from consortium.web import add_domain_error
from pricing import cost_model as cm
from pricing.filters import SubmissionFilter
from pricing.forms import SubmissionForm, WindowForm, current_financial_year
from pricing.models import SubmissionWindow, financial_year_label
from pricing.selectors import submissions as selectors
from pricing.services import submissions as services

PAGE_SIZE = 50


def _paginate(request, items) -> dict:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page_obj": page}


STATE_LABELS = {
    "open": gettext_lazy("Open"),
    "not_open_yet": gettext_lazy("Not open yet"),
    "closed": gettext_lazy("Closed"),
}


@dataclass(frozen=True)
class WindowRow:
    window: SubmissionWindow
    state: str

    @property
    def label(self) -> str:
        return financial_year_label(self.window.financial_year)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def _window_context(window: SubmissionWindow | None) -> dict:
    return {"window": window, "window_state": services.submission_window_state(window),
            "window_label": financial_year_label(window.financial_year) if window else ""}


def _windows(user) -> list[WindowRow]:
    return [WindowRow(w, services.submission_window_state(w)) for w in selectors.windows_visible_to(user)]


@login_required
def submission_list(request):
    user = request.user
    require(selectors.can_see_submissions(user))
    coordinator = selectors.is_coordinator(user)
    qs = selectors.submissions_visible_to(user).order_by(
        "coop__legal_name", "service_type__name_en", "-financial_year", "-version", "pk"
    )
    filterset = SubmissionFilter(request.GET if coordinator else {}, queryset=qs, request=request)
    if coordinator:
        del filterset.form.fields["latest"]
    rows = filterset.qs if filterset.is_valid() else qs.none()
    context = {
        **_paginate(request, rows),
        "is_coordinator": coordinator,
        "filter_form": filterset.form if coordinator else None,
        "windows": _windows(user),
        "can_submit": selectors.submission_coops_for(user).exists(),
    }
    window = selectors.current_window(user.consortium_id)
    context.update(_window_context(window))
    if coordinator:
        context["progress"] = (
            selectors.window_progress(consortium=user.consortium_id, financial_year=window.financial_year)
            if window else []
        )
    else:
        context["coop"] = selectors.submission_filter_coops(user).first()
    return render(request, "pricing/submissions/list.html", context)


@login_required
def submission_create(request):
    user = request.user
    require(selectors.can_see_submissions(user))
    coops = selectors.submission_coops_for(user)
    coordinator = selectors.is_coordinator(user)
    own_coop = None if coordinator else coops.first()
    require(coordinator or own_coop is not None)  # not a member user whose co-op has withdrawn (or no co-op)

    initial: dict = {}
    source = previous = None
    if request.GET.get("from"):
        source = selectors.submission_get_for_user(user, request.GET["from"])
        initial = SubmissionForm.initial_from(source)
    else:
        asked = request.GET.get("coop", "")
        coop = own_coop or (coops.filter(pk=int(asked)).first() if coordinator and asked.isdigit() else None)
        previous = selectors.latest_own_submission(user, coop) if coop else None
        if previous is not None:  # the co-op's own latest figures, for a new year's submission
            initial = {**SubmissionForm.initial_from(previous), "evidence_notes": ""}
            del initial["financial_year"]
        if coordinator and asked:
            initial["coop"] = asked
        window = selectors.current_window(user.consortium_id)
        if services.submission_window_state(window) == "open":
            initial["financial_year"] = window.financial_year

    windows = _windows(user)
    data = request.POST if request.method == "POST" else None
    form = SubmissionForm(data, initial=initial, coops=coops if coordinator else None,
                          years=[row.window.financial_year for row in windows])
    if not coordinator:
        form.fields["service_type"].queryset = own_coop.service_types.order_by("name_en")
    if request.method == "POST" and form.is_valid():
        coop = form.cleaned_data["coop"] if coordinator else own_coop
        try:
            submission = services.cost_submit(
                coop=coop, service_type=form.cleaned_data["service_type"],
                financial_year=form.cleaned_data["financial_year"], inputs=form.submission_inputs(),
                evidence_notes=form.cleaned_data["evidence_notes"], by=user,
            )
        except cm.CostInputError as error:
            form.add_cost_errors(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _(
                "Costs submitted for %(service)s, %(year)s: version %(version)s, %(total)s per "
                "contact hour on weekdays."
            ) % {"service": submission.service_type, "year": submission.financial_year_label,
                 "version": submission.version, "total": formatting.money(submission.total)})
            return redirect("cost-submission-detail", pk=submission.pk)
    return render(request, "pricing/submissions/form.html", {
        "form": form, "coop": own_coop, "source": source, "previous": previous,
        "is_coordinator": coordinator,
        "windows": windows,
    })


@login_required
def submission_detail(request, pk: int):
    user = request.user
    require(selectors.can_see_submissions(user))
    submission = selectors.submission_get_for_user(user, pk)
    lines = [
        {"code": code, "label": cm.LINE_LABELS[code], "amount": getattr(submission, code)}
        for code in cm.LINE_CODES
    ]
    floors = {floor.time_band: floor.rate for floor in submission.floors.all()}
    return render(request, "pricing/submissions/detail.html", {
        "submission": submission,
        "lines": lines,
        "floors": [(label, floors.get(band)) for band, label in TimeBand.choices],
        "versions": list(selectors.submission_versions(submission)),
        "inputs": _inputs_rows(submission.inputs),
        "can_submit": selectors.submission_coops_for(user).filter(pk=submission.coop_id).exists(),
    })


INPUT_UNITS = {
    "hourly_pay": gettext_lazy("%(value)s an hour"),
    "travel_minutes_per_hour": gettext_lazy("%(value)s minutes"),
    "visit_minutes": gettext_lazy("%(value)s minutes"),
    "travel_minutes_per_visit": gettext_lazy("%(value)s minutes"),
    "miles_per_hour": gettext_lazy("%(value)s miles"),
    "pence_per_mile": gettext_lazy("%(value)sp a mile"),
}
PERCENT = gettext_lazy("%(value)s%%")
POUNDS_PER_HOUR = gettext_lazy("%(value)s per contact hour")


def _inputs_rows(inputs: dict) -> list[tuple[str, str]]:
    """The stored inputs as (what, value) rows, in the cost model's order, with their units."""
    rows = []
    for name, label in cm.INPUT_NAMES.items():
        value = (inputs or {}).get(name)
        if value is None:
            continue
        if isinstance(value, dict):
            pounds = value.get("basis") == cm.Basis.POUNDS.value
            shown = (POUNDS_PER_HOUR % {"value": formatting.money(value.get("value"))} if pounds
                     else PERCENT % {"value": value.get("value")})
        elif name == "hourly_pay":
            shown = INPUT_UNITS[name] % {"value": formatting.money(value)}
        else:
            shown = INPUT_UNITS.get(name, PERCENT) % {"value": value}  # premiums: % of pay
        rows.append((str(label), str(shown)))
    return rows


@login_required
def window_edit(request):
    user = request.user
    require(selectors.can_manage_windows(user))
    windows = _windows(user)
    window = None
    year = request.GET.get("year")
    if year and year.isdigit():
        window = selectors.window_for(user.consortium_id, int(year))
    if request.method == "POST":
        form = WindowForm(request.POST)
        if form.is_valid():
            try:
                window = services.submission_window_set(consortium=user.consortium, by=user,
                                                        **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _(
                    "Submission window for %(year)s saved: %(opens)s to %(closes)s."
                ) % {
                    "year": financial_year_label(window.financial_year),
                    "opens": services.when(window.opens_at), "closes": services.when(window.closes_at),
                })
                return redirect(reverse("cost-submission-list"))
    elif window is not None:
        form = WindowForm(initial=WindowForm.initial_from(window))
    else:
        form = WindowForm(initial={"financial_year": int(year) if year and year.isdigit()
                                   else current_financial_year() + 1})
    return render(request, "pricing/submissions/window_form.html", {
        "form": form, "windows": windows, "window": window,
    })


urlpatterns = [
    path("pricing/submissions/", submission_list, name="cost-submission-list"),
    path("pricing/submissions/new/", submission_create, name="cost-submission-create"),
    path("pricing/submissions/<int:pk>/", submission_detail, name="cost-submission-detail"),
    path("pricing/submissions/windows/", window_edit, name="submission-window-edit"),
]
