"""Pages of quality and member governance: each member co-op's Care Inspectorate Wales
inspections and its own governance reports (with the evidence document, served here only to
those who may see it), the consortium's list of every member's latest with what is missing or
overdue, and the Real Living Wage series.

Who may use what (the selectors decide; see outcomes/selectors/quality.py):
- a co-op's page: its consortium's coordinators and board members, and the co-op's own users;
- recording an inspection or a governance report: its coordinators and the co-op's own users
  (board members 403);
- the consortium's list: coordinators and board members (a member user is sent on to its own
  co-op's page);
- the Real Living Wage series: anyone signed in.
Councils, applicants and staff 403; another consortium's co-op, or another member co-op, 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from consortium.errors import DomainError
from consortium.web import private_download, problems_of
from members.selectors import user_coop_id
from outcomes.forms.quality import CIWInspectionForm, GovernanceReportForm
from outcomes.selectors import quality as selectors
from outcomes.services import quality as services


@login_required
def consortium_list(request):
    user = request.user
    if user.is_member_user and selectors.can_see_quality(user) and user_coop_id(user):
        return redirect("quality-member", pk=user_coop_id(user))
    rows = selectors.consortium_quality(user)
    return render(request, "outcomes/quality/consortium.html", {
        "rows": rows,
        "last_year": selectors.financial_year_label(selectors.last_financial_year()),
        "stale_years": selectors.INSPECTION_STALE_YEARS,
        "attention": [row for row in rows if row.attention],
    })


@login_required
def member_page(request, pk: int):
    user = request.user
    coop = selectors.quality_member_get_for_user(user, pk)
    return render(request, "outcomes/quality/member.html", {
        "coop": coop,
        "quality": selectors.member_quality(coop),
        "can_record": selectors.can_record_quality(user),
        "stale_years": selectors.INSPECTION_STALE_YEARS,
    })


@login_required
def inspection_create(request, pk: int):
    coop = selectors.quality_member_get_for_user(request.user, pk, for_write=True)
    form = CIWInspectionForm(request.POST or None, coop=coop)
    if request.method == "POST" and form.is_valid():
        try:
            services.ciw_inspection_record(coop=coop, by=request.user, **form.inspection_data())
        except DomainError as error:
            _show(form, error)
        else:
            messages.success(request, _("The CIW inspection was recorded."))
            return redirect("quality-member", pk=coop.pk)
    return render(request, "outcomes/quality/inspection_form.html", {"form": form, "coop": coop})


@login_required
def report_create(request, pk: int):
    coop = selectors.quality_member_get_for_user(request.user, pk, for_write=True)
    return _report_page(request, coop, None)


@login_required
def report_edit(request, pk: int):
    report = selectors.governance_report_get_for_user(request.user, pk, for_write=True)
    coop = selectors.quality_member_get_for_user(request.user, report.coop_id, for_write=True)
    return _report_page(request, coop, report)


def _report_page(request, coop, report):
    form = GovernanceReportForm(request.POST or None, request.FILES or None, instance=report)
    if report is None and request.method != "POST":
        form.initial.setdefault("financial_year", selectors.last_financial_year())
    if request.method == "POST" and form.is_valid():
        try:
            services.governance_report_save(coop=coop, by=request.user, report=report,
                                            **form.report_data())
        except DomainError as error:
            _show(form, error)
        else:
            messages.success(request, _("The governance report was saved."))
            return redirect("quality-member", pk=coop.pk)
    return render(request, "outcomes/quality/report_form.html",
                  {"form": form, "coop": coop, "report": report})


def _show(form, error: DomainError) -> None:
    for field, message in problems_of(error):
        form.add_domain_error(DomainError(message, field=field, code=error.code))


@login_required
def report_evidence(request, pk: int):
    """The evidence document, to those who may see the report: never a public media URL."""
    report = selectors.governance_report_get_for_user(request.user, pk)
    if not report.evidence:
        raise Http404
    return private_download(report.evidence, filename=selectors.evidence_filename(report))


@login_required
def living_wage(request):
    """Public reference data: anyone signed in."""
    return render(request, "outcomes/quality/living_wage.html",
                  {"rates": selectors.living_wage_rates()})


urlpatterns = [
    path("outcomes/quality/", consortium_list, name="quality-consortium"),
    path("outcomes/quality/members/<int:pk>/", member_page, name="quality-member"),
    path("outcomes/quality/members/<int:pk>/inspections/new/", inspection_create,
         name="quality-inspection-create"),
    path("outcomes/quality/members/<int:pk>/governance/new/", report_create,
         name="quality-report-create"),
    path("outcomes/quality/governance/<int:pk>/edit/", report_edit, name="quality-report-edit"),
    path("outcomes/quality/governance/<int:pk>/evidence/", report_evidence,
         name="quality-report-evidence"),
    path("outcomes/living-wage/", living_wage, name="quality-living-wage"),
]
