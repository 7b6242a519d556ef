"""Joining: the application page, the coordinator's check, the board's decision, the share register.

Who may use what:
- the joining page (``join``): anyone not signed in applies; an applicant is sent to its
  application; other signed-in people are asked to sign out first (nothing is written);
- an application's page: the consortium's coordinators and board members, and the applicant
  for its own (404 for any other); the list: coordinators and board members (403 otherwise);
- check, send to the board, refuse, admit: coordinators (403 for others who see the page);
  withdraw: the applicant;
- the share register: coordinators, board members and member co-op users of the consortium
  (the register of members is open to the members); councils and applicants 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.models import Consortium
from members.models import BallotStatus, StakeholderKind

from ..forms import (
    ApplicationCheckForm,
    ApplicationForm,
    ApplicationRefuseForm,
    ContactRows,
    StakeholderRows,
)
from ..models import APPLICATION_TRANSITIONS, ApplicationStatus
from ..selectors import joining as selectors
from ..selectors.rules import rules_in_force
from ..services import joining as services

PAGE_SIZE = 50
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _consortia():
    return list(Consortium.objects.order_by("name"))


# --- the joining page --------------------------------------------------------------------------


def join(request):
    user = request.user
    if user.is_authenticated:
        if user.is_applicant:
            return redirect("join-application")
        return render(request, "governance/joining_signed_in.html")
    consortia = _consortia()
    rules = [(c, rules_in_force(c)) for c in consortia]
    data = request.POST if request.method == "POST" else None
    form = ApplicationForm(data, consortia=consortia,
                           initial={"rules_version": rules[0][1].version if len(rules) == 1 else None})
    stakeholders = StakeholderRows(data, prefix="stakeholders")
    contacts = ContactRows(data, prefix="contacts")
    if data is not None and all([form.is_valid(), stakeholders.is_valid(), contacts.is_valid()]):
        cleaned = form.cleaned_data
        try:
            application = services.application_submit(
                consortium=cleaned["consortium"], username=cleaned["username"],
                email=cleaned["email"], password=cleaned["password"],
                language=translation.get_language() or "en", consent=cleaned["consent"],
                rules_version=cleaned["rules_version"] if len(rules) == 1 else None,
                stakeholders=stakeholders.rows(), contacts=contacts.rows(),
                base_council=cleaned["base_council"],
                councils_served=list(cleaned["councils_served"]),
                service_types=list(cleaned["service_types"]),
                **{name: cleaned[name] for name in (
                    "legal_name", "trading_name", "legal_form", "society_number", "company_number",
                    "coop_type", "social_coop_type", "total_workers", "disadvantaged_workers")},
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            login(request, application.applicant, backend=BACKEND)
            return redirect("join-submitted")
    return render(request, "governance/joining_form.html", {
        "form": form, "stakeholders": stakeholders, "contacts": contacts, "rules": rules,
        "errors": bool(form.errors or stakeholders.total_error_count() or contacts.total_error_count()),
    })


def _applicant(request):
    require(request.user.is_applicant)
    return selectors.own_application(request.user)


@login_required
def join_submitted(request):
    return render(request, "governance/joining_submitted.html", {"application": _applicant(request)})


@login_required
def join_application(request):
    application = _applicant(request)
    if application is not None:
        return redirect("application-detail", pk=application.pk)
    return render(request, "governance/joining_submitted.html", {"application": None})


# --- the coordinator's pages -------------------------------------------------------------------


@login_required
def application_list(request):
    require(selectors.can_see_applications(request.user))
    qs = selectors.applications_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-submitted_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/joining_list.html", {
        "page_obj": page, "status": status, "statuses": ApplicationStatus.choices,
    })


def _detail(request, pk):
    require(selectors.can_see_application(request.user))
    return selectors.application_get_for_user(request.user, pk)


@login_required
def application_detail(request, pk, *, check_form=None, refuse_form=None):
    application = _detail(request, pk)
    user = request.user
    manages = selectors.can_manage_applications(user)
    status = application.status
    ballot = application.ballot
    return render(request, "governance/joining_detail.html", {
        "application": application,
        "history": selectors.application_history(application),
        "manages": manages,
        "is_applicant": user.pk == application.applicant_id,
        "can_check": manages and status == ApplicationStatus.SUBMITTED,
        "can_send": manages and (status == ApplicationStatus.CHECKED
                                 or services.may_ask_the_board_again(application)),
        "can_refuse": manages and status in (ApplicationStatus.SUBMITTED, ApplicationStatus.CHECKED,
                                             ApplicationStatus.WITH_BOARD),
        "can_admit": manages and status == ApplicationStatus.WITH_BOARD and ballot is not None
        and ballot.status == BallotStatus.CARRIED,
        "can_withdraw": user.pk == application.applicant_id
        and ApplicationStatus.WITHDRAWN in APPLICATION_TRANSITIONS[status],
        "check_form": check_form or ApplicationCheckForm(),
        "stakeholder_rows": [{**row, "label": StakeholderKind(row["kind"]).label}
                             for row in application.stakeholders
                             if row.get("kind") in StakeholderKind.values],
        "councils": list(application.councils_served.order_by("name_en")),
        "services": list(application.service_types.order_by("name_en")),
        "share_entries": list(application.coop.share_entries.order_by("number")) if application.coop else [],
    })


def _coordinator_application(request, pk):
    application = _detail(request, pk)
    require(selectors.can_manage_applications(request.user))
    return application


@login_required
@require_POST
def application_check(request, pk):
    application = _coordinator_application(request, pk)
    form = ApplicationCheckForm(request.POST)
    if form.is_valid():
        try:
            services.application_check(application=application, by=request.user,
                                       notes=form.cleaned_data["notes"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The application is checked: you can put it to the board."))
            return redirect("application-detail", pk=application.pk)
    return application_detail(request, pk, check_form=form)


def _act(request, pk, action, done: str):
    application = _coordinator_application(request, pk)
    try:
        action(application=application, by=request.user)
    except DomainError as error:
        if error.code == "forbidden":
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("application-detail", pk=application.pk)


@login_required
@require_POST
def application_to_board(request, pk):
    return _act(request, pk, services.application_to_board,
                _("The application is with the board: board members vote on it."))


@login_required
@require_POST
def application_admit(request, pk):
    return _act(request, pk, services.application_admit,
                _("The co-op is admitted: it is on the register, its share is recorded and its "
                  "contacts are invited."))


@login_required
def application_refuse(request, pk):
    application = _coordinator_application(request, pk)
    form = ApplicationRefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_refuse(application=application, by=request.user,
                                        reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The application is refused; the co-op has been told why."))
            return redirect("application-detail", pk=application.pk)
    return render(request, "governance/joining_refuse.html", {"application": application, "form": form})


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _detail(request, pk)
    require(request.user.pk == application.applicant_id)
    try:
        services.application_withdraw(application=application, by=request.user)
    except DomainError as error:
        if error.code == "forbidden":
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("application-detail", pk=application.pk)


# --- the share register ------------------------------------------------------------------------


@login_required
def share_register(request):
    require(selectors.sees_governance(request.user))
    qs = selectors.share_entries_visible_to(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/joining_shares.html", {
        "page_obj": page, "rules": rules_in_force(request.user.consortium_id),
    })


urlpatterns = [
    path("join/", join, name="join"),
    path("join/submitted/", join_submitted, name="join-submitted"),
    path("join/application/", join_application, name="join-application"),
    path("applications/", application_list, name="application-list"),
    path("applications/<int:pk>/", application_detail, name="application-detail"),
    path("applications/<int:pk>/check/", application_check, name="application-check"),
    path("applications/<int:pk>/to-board/", application_to_board, name="application-to-board"),
    path("applications/<int:pk>/admit/", application_admit, name="application-admit"),
    path("applications/<int:pk>/refuse/", application_refuse, name="application-refuse"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="application-withdraw"),
    path("shares/", share_register, name="share-register"),
]
