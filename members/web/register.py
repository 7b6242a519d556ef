"""Web pages: the member register, stakeholder classes, contacts, CIW registrations,
compliance evidence and the audit history of a co-op (the dashboard is the desk's: desk/web/dashboard.py).

Who may use what (the selectors decide the rows; the checks here only decide the role):
- register list and co-op pages: coordinators and board members of the consortium, and a member
  user for their own co-op (whose list is their co-op's page); reviewers and staff admins 403;
- writes (profile, classes, contacts, CIW registrations, documents): coordinators, and a member
  user for their own co-op; board members 403;
- new co-ops and membership status: coordinators only; the audit history: coordinators only;
- compliance documents: coordinators and the co-op itself; board members 403. A document's file
  is sent only by ``document_download``, to whoever the list shows the document (anyone else
  404): never from a public media address.
An object the user may not know exists answers 404 (the selectors' access helpers).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.web import private_download
from members import selectors, services
from members.filters import MemberFilter
from members.forms import (
    CIWRegistrationForm,
    ContactForm,
    DocumentFilterForm,
    DocumentForm,
    MemberForm,
    MemberStatusForm,
    StakeholderClassForm,
    govuk_form_messages,
)

PAGE_SIZE = 25


def _coop_for_write(request, pk):
    """A co-op the user may change: role first (403), then the access helper (404)."""
    require(selectors.can_see_member_detail(request.user))
    return selectors.member_get_for_user(request.user, pk, for_write=True)


def _coordinator_coop(request, pk):
    """A co-op for a coordinator-only page: 403 for other register roles on a co-op they may
    see, 404 where they may not see it."""
    require(selectors.can_see_register(request.user))
    selectors.member_get_for_user(request.user, pk)
    require(selectors.can_manage_register(request.user))
    return selectors.member_get_for_user(request.user, pk, for_write=True)


def _detail_url(coop) -> str:
    return reverse("member-detail", kwargs={"pk": coop.pk})


# --- The register ---------------------------------------------------------------------------


@login_required
def member_list(request):
    user = request.user
    require(selectors.can_see_register(user))
    if user.is_member_user:
        coop_id = selectors.user_coop_id(user)
        require(coop_id is not None)
        return redirect("member-detail", pk=coop_id)
    qs = selectors.members_with_indicators(user).order_by("legal_name", "pk")
    member_filter = MemberFilter(request.GET or None, queryset=qs, request=request)
    govuk_form_messages(member_filter.form, blank_label=_("Any"))
    page = Paginator(member_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(coop, selectors.member_indicators(coop)) for coop in page.object_list]
    return render(request, "members/member_list.html", {
        "filter": member_filter,
        "page_obj": page,
        "rows": rows,
        "can_manage": selectors.can_manage_register(user),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    })


@login_required
def member_detail(request, pk):
    user = request.user
    require(selectors.can_see_register(user))
    coop = selectors.member_get_for_user(user, pk)
    show_compliance = selectors.can_see_member_detail(user)
    documents = []
    if show_compliance:
        documents = list(selectors.documents_visible_to(user).filter(coop=coop).order_by(
            "expires_on", "title", "pk"))
    return render(request, "members/member_detail.html", {
        "coop": coop,
        "indicators": selectors.member_indicators(coop),
        "user_led_threshold": selectors.USER_LED_THRESHOLD,
        "type_b_threshold": selectors.TYPE_B_DISADVANTAGED_THRESHOLD,
        "status_changes": selectors.member_status_changes(coop),
        "show_compliance": show_compliance,
        "documents": documents,
        "can_edit": selectors.can_see_member_detail(user),
        "can_manage": selectors.can_manage_register(user),
    })


@login_required
def member_create(request):
    user = request.user
    require(selectors.can_manage_register(user))
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            coop = services.member_create(
                consortium=user.consortium, by=user,
                councils_served=list(form.cleaned_data["councils_served"]),
                service_types=list(form.cleaned_data["service_types"]),
                **form.profile_data(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(coop)s was added to the register as an applicant.")
                             % {"coop": coop})
            return redirect(_detail_url(coop))
    return render(request, "members/member_form.html", {"form": form, "coop": None})


@login_required
def member_edit(request, pk):
    coop = _coop_for_write(request, pk)
    form = MemberForm(request.POST or None, instance=coop)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                coop=coop, by=request.user,
                councils_served=list(form.cleaned_data["councils_served"]),
                service_types=list(form.cleaned_data["service_types"]),
                **form.profile_data(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The co-op's profile was saved."))
            return redirect(_detail_url(coop))
    return render(request, "members/member_form.html", {"form": form, "coop": coop})


@login_required
def member_status(request, pk):
    coop = _coordinator_coop(request, pk)
    form = MemberStatusForm(request.POST or None, coop=coop)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_set_status(
                coop=coop, to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"], effective_on=form.cleaned_data["effective_on"],
                by=request.user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The membership status was changed."))
            return redirect(_detail_url(coop))
    return render(request, "members/member_status.html", {"form": form, "coop": coop})


@login_required
def member_history(request, pk):
    coop = _coordinator_coop(request, pk)
    return render(request, "members/member_history.html", {
        "coop": coop,
        "entries": selectors.member_history(coop),
    })


# --- Stakeholder classes, contacts, CIW registrations ----------------------------------------


@login_required
def stakeholder_edit(request, pk):
    coop = _coop_for_write(request, pk)
    initial = {}
    kind = request.GET.get("kind")
    if request.method == "GET" and kind:
        current = next((c for c in coop.stakeholders.all() if c.kind == kind), None)
        if current is not None:
            initial = {"kind": current.kind, "member_count": current.member_count,
                       "vote_share": current.vote_share}
    form = StakeholderClassForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_class_save(coop=coop, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The stakeholder class was saved."))
            return redirect("stakeholder-edit", pk=coop.pk)
    return render(request, "members/stakeholder_form.html", {
        "form": form, "coop": coop, "indicators": selectors.member_indicators(coop),
    })


@require_POST
@login_required
def stakeholder_delete(request, pk, class_pk):
    coop = _coop_for_write(request, pk)
    stakeholder = selectors.stakeholder_class_get(coop, class_pk)
    services.stakeholder_class_delete(stakeholder=stakeholder, by=request.user)
    messages.success(request, _("The stakeholder class was removed."))
    return redirect("stakeholder-edit", pk=coop.pk)


def _contact_page(request, coop, contact=None):
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(coop=coop, by=request.user, contact=contact, **form.contact_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect(_detail_url(coop))
    return render(request, "members/contact_form.html", {"form": form, "coop": coop,
                                                          "contact": contact})


@login_required
def contact_create(request, pk):
    return _contact_page(request, _coop_for_write(request, pk))


@login_required
def contact_edit(request, pk, contact_pk):
    coop = _coop_for_write(request, pk)
    return _contact_page(request, coop, selectors.contact_get(coop, contact_pk))


@login_required
def ciw_registration_create(request, pk):
    coop = _coop_for_write(request, pk)
    form = CIWRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ciw_registration_save(coop=coop, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The CIW registration was recorded."))
            return redirect(_detail_url(coop))
    return render(request, "members/ciw_registration_form.html", {"form": form, "coop": coop})


# --- Compliance documents -------------------------------------------------------------------


@login_required
def document_list(request):
    user = request.user
    require(selectors.can_see_member_detail(user))
    qs = selectors.documents_visible_to(user).select_related("coop").order_by(
        "expires_on", "coop__legal_name", "title", "pk")
    is_coordinator = selectors.can_manage_register(user)
    coops = selectors.members_visible_to(user).order_by("legal_name") if is_coordinator else None
    filter_form = DocumentFilterForm(request.GET or None, coops=coops)
    if filter_form.is_bound and filter_form.is_valid():
        data = filter_form.cleaned_data
        if data.get("expiry"):
            qs = selectors.documents_in_expiry_state(qs, data["expiry"])
        if data.get("doc_type"):
            qs = qs.filter(doc_type=data["doc_type"])
        if data.get("coop"):
            qs = qs.filter(coop=data["coop"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    own_coop_id = None if is_coordinator else selectors.user_coop_id(user)
    return render(request, "members/document_list.html", {
        "filter_form": filter_form,
        "page_obj": page,
        "is_coordinator": is_coordinator,
        "own_coop_id": own_coop_id,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    })


@login_required
def document_create(request, pk):
    coop = _coop_for_write(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_create(coop=coop, by=request.user, **form.document_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The compliance document was added."))
            return redirect(_detail_url(coop) + "#compliance")
    return render(request, "members/document_form.html", {"form": form, "coop": coop,
                                                           "document": None})


@login_required
def document_download(request, pk):
    """The document's file, as an attachment: the list's selector decides who may have it."""
    return private_download(selectors.document_get_for_user(request.user, pk).file)


def _document_for_write(request, pk):
    require(selectors.can_see_member_detail(request.user))
    return selectors.document_get_for_user(request.user, pk, for_write=True)


@login_required
def document_edit(request, pk):
    document = _document_for_write(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None, instance=document)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(document=document, by=request.user, **form.document_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The compliance document was saved."))
            return redirect(_detail_url(document.coop) + "#compliance")
    return render(request, "members/document_form.html", {"form": form, "coop": document.coop,
                                                           "document": document})


@login_required
def document_delete(request, pk):
    document = _document_for_write(request, pk)
    if request.method == "POST":
        coop = document.coop
        services.document_delete(document=document, by=request.user)
        messages.success(request, _("The compliance document was deleted."))
        return HttpResponseRedirect(_detail_url(coop) + "#compliance")
    return render(request, "members/document_confirm_delete.html", {"document": document,
                                                                     "coop": document.coop})


urlpatterns = [
    path("members/", member_list, name="member-list"),
    path("members/new/", member_create, name="member-create"),
    path("members/<int:pk>/", member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", member_edit, name="member-edit"),
    path("members/<int:pk>/status/", member_status, name="member-status"),
    path("members/<int:pk>/history/", member_history, name="member-history"),
    path("members/<int:pk>/stakeholders/", stakeholder_edit, name="stakeholder-edit"),
    path("members/<int:pk>/stakeholders/<int:class_pk>/delete/", stakeholder_delete,
         name="stakeholder-delete"),
    path("members/<int:pk>/contacts/new/", contact_create, name="contact-create"),
    path("members/<int:pk>/contacts/<int:contact_pk>/edit/", contact_edit, name="contact-edit"),
    path("members/<int:pk>/ciw-registrations/new/", ciw_registration_create,
         name="ciw-registration-create"),
    path("members/<int:pk>/documents/new/", document_create, name="document-create"),
    path("documents/", document_list, name="document-list"),
    path("documents/<int:pk>/download/", document_download, name="document-download"),
    path("documents/<int:pk>/edit/", document_edit, name="document-edit"),
    path("documents/<int:pk>/delete/", document_delete, name="document-delete"),
]
