"""Web pages of members' returns and the coordinator's check.

- "Returns" (``/contracts/returns/``): member users, their co-op's sub-contracts' started periods
  with each return's status (due, draft, submitted, sent back, accepted); coordinators, every
  sub-contract of their consortium, with a link to each contract's check; anyone else 403;
- a return's form (``/contracts/subcontracts/<sub>/periods/<period>/return/``): the member's own
  users only (the consortium's coordinators and board 403, anyone else 404): hours per council
  area and time band, the visits' counts, adjustments of earlier accepted periods, and the call
  monitoring file (its refusal shown row by row); save, or save and submit;
- a return (``/contracts/returns/<pk>/``): its member's users and the consortium's coordinators
  (who accept it or send it back with a reason); anyone else 404;
- the check (``/contracts/<pk>/returns/`` and ``.../<period>/``): coordinators (every member's
  return against its commissioned volume, returns not yet in, accept or send back) and board
  members (the totals only); anyone else 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, refuse_if_forbidden, require
from consortium.web import error_summary, problems_of
from contracts.delivery.forms import AcceptForm, ReturnForm, SendBackForm, VisitsFileForm
from contracts.delivery.sealing import seal_of
from contracts.delivery.selectors import returns as selectors
from contracts.delivery.services import returns as services
from contracts.delivery.visits import VisitFileRefused
from contracts.models import ReturnStatus

# --- lists ---------------------------------------------------------------------------------------------

@login_required
def return_list(request):
    user = request.user
    require(selectors.can_see_returns(user))
    rows = selectors.returns_due(user)
    groups: dict = {}
    for row in rows:
        groups.setdefault(row.subcontract, []).append(row)
    return render(request, "contracts/returns/list.html", {
        "groups": list(groups.items()), "is_member": user.is_member_user,
    })


# --- a member's return ---------------------------------------------------------------------------------

def _form(sub, period, ret, data=None) -> ReturnForm:
    lines = [x for x in ret.lines.all() if x.adjusts_id is None] if ret else []
    adjustments = [x for x in ret.lines.all() if x.adjusts_id is not None] if ret else []
    counts = {name: getattr(ret, name) for name in ("visits_planned", "visits_delivered", "visits_missed",
                                                    "visits_late", "visits_short")} if ret else None
    return ReturnForm(data, scope=selectors.return_scope(sub), lines=lines, counts=counts,
                      adjustments=adjustments, periods=selectors.adjustable_periods(sub, period))


def _edit_page(request, sub, period, *, form=None, file_form=None, file_problems=None, more=0,
               errors=None, status=200):
    ret = selectors.return_for(sub, period)
    return render(request, "contracts/returns/edit.html", {
        "sub": sub, "contract": sub.contract, "period": period, "ret": ret,
        "form": form or _form(sub, period, ret), "file_form": file_form or VisitsFileForm(),
        "file_problems": file_problems or [], "more": more, "errors": errors or [],
        "editable": ret is None or ret.status != ReturnStatus.ACCEPTED,
        "started": period.start <= timezone.localdate(),
    }, status=status)


@login_required
def return_edit(request, sub_pk: int, period_pk: int):
    user = request.user
    sub = selectors.subcontract_for_returns(user, sub_pk)
    period = selectors.period_get(sub.contract, period_pk)
    if request.method != "POST":
        return _edit_page(request, sub, period)
    ret = selectors.return_for(sub, period)
    form = _form(sub, period, ret, request.POST)
    if form.is_valid():
        try:
            saved = services.return_save(subcontract=sub, period=period, by=user, **form.service_arguments())
            if "submit" in request.POST:
                services.return_submit(ret=saved, by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your return is submitted: the coordinators will check it.")
                             if "submit" in request.POST else _("Your return is saved as it stands."))
            return redirect("return-edit", sub_pk=sub.pk, period_pk=period.pk)
    return _edit_page(request, sub, period, form=form)


@require_POST
@login_required
def return_import(request, sub_pk: int, period_pk: int):
    user = request.user
    sub = selectors.subcontract_for_returns(user, sub_pk)
    period = selectors.period_get(sub.contract, period_pk)
    file_form = VisitsFileForm(request.POST, request.FILES)
    if file_form.is_valid():
        upload = file_form.cleaned_data["file"]
        try:
            services.return_import_visits(subcontract=sub, period=period, by=user, data=upload.read(),
                                          filename=upload.name)
        except VisitFileRefused as refusal:
            return _edit_page(request, sub, period, file_form=file_form, file_problems=refusal.rows,
                              more=refusal.more, errors=[{"href": "#visits-file-problems", "message": _(
                                  "The file was not imported: %(n)s problems are listed below. Nothing "
                                  "was kept.") % {"n": len(refusal.rows) + refusal.more}}])
        except DomainError as error:
            refuse_if_forbidden(error)
            file_form.add_error("file", str(error.message))
        else:
            messages.success(request, _("The call monitoring file is imported: the hours and counts below "
                                        "come from it. Check them, then submit the return."))
            return redirect("return-edit", sub_pk=sub.pk, period_pk=period.pk)
    return _edit_page(request, sub, period, file_form=file_form)


# --- one return, and the coordinator's decision --------------------------------------------------------

@login_required
def return_detail(request, pk: int, *, send_back_form=None, errors=None):
    user = request.user
    ret = selectors.return_get_for_user(user, pk)
    can_check = selectors.can_check(user, ret.subcontract.contract)
    return render(request, "contracts/returns/detail.html", {
        "ret": ret, "sub": ret.subcontract, "contract": ret.subcontract.contract, "period": ret.period,
        "can_check": can_check and ret.status == ReturnStatus.SUBMITTED,
        "can_edit": selectors.can_return(user, ret.subcontract) and ret.status != ReturnStatus.ACCEPTED,
        "own_lines": [x for x in ret.lines.all() if x.adjusts_id is None],
        "adjustments": [x for x in ret.lines.all() if x.adjusts_id is not None],
        "seen": seal_of(services.sealed_content(ret)) if can_check else "",
        "send_back_form": send_back_form or SendBackForm(), "errors": errors or [],
        "back": (reverse("return-check-period", args=[ret.subcontract.contract_id, ret.period_id])
                 if can_check else reverse("return-list")),
    })


def _decided(request, ret):
    return redirect("return-check-period", pk=ret.subcontract.contract_id, period_pk=ret.period_id)


@require_POST
@login_required
def return_accept(request, pk: int):
    user = request.user
    ret = selectors.return_get_for_user(user, pk)
    if not selectors.can_check(user, ret.subcontract.contract):
        raise PermissionDenied
    form = AcceptForm(request.POST)
    form.is_valid()
    try:
        services.return_accept(ret=ret, by=user, seen=form.cleaned_data.get("seen") or None)
    except DomainError as error:
        return return_detail(request, pk, errors=error_summary(problems_of(error)))
    messages.success(request, _("%(coop)s's return for %(period)s is accepted and sealed.")
                     % {"coop": ret.subcontract.coop.legal_name, "period": ret.period})
    return _decided(request, ret)


@require_POST
@login_required
def return_send_back(request, pk: int):
    user = request.user
    ret = selectors.return_get_for_user(user, pk)
    if not selectors.can_check(user, ret.subcontract.contract):
        raise PermissionDenied
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.return_send_back(ret=ret, by=user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(coop)s's return for %(period)s is sent back.")
                             % {"coop": ret.subcontract.coop.legal_name, "period": ret.period})
            return _decided(request, ret)
    return return_detail(request, pk, send_back_form=form)


# --- the check -----------------------------------------------------------------------------------------

@login_required
def return_check(request, pk: int):
    user = request.user
    contract = selectors.contract_for_checks(user, pk)
    return render(request, "contracts/returns/check_index.html", {
        "contract": contract, "rows": selectors.check_periods(user, contract),
    })


@login_required
def return_check_period(request, pk: int, period_pk: int):
    user = request.user
    contract = selectors.contract_for_checks(user, pk)
    period = selectors.period_get(contract, period_pk)
    check = selectors.period_check(user, contract, period)
    return render(request, "contracts/returns/check.html", {
        "contract": contract, "period": period, "check": check,
    })


urlpatterns = [
    path("contracts/returns/", return_list, name="return-list"),
    path("contracts/returns/<int:pk>/", return_detail, name="return-detail"),
    path("contracts/returns/<int:pk>/accept/", return_accept, name="return-accept"),
    path("contracts/returns/<int:pk>/send-back/", return_send_back, name="return-send-back"),
    path("contracts/subcontracts/<int:sub_pk>/periods/<int:period_pk>/return/", return_edit,
         name="return-edit"),
    path("contracts/subcontracts/<int:sub_pk>/periods/<int:period_pk>/return/visits/", return_import,
         name="return-import"),
    path("contracts/<int:pk>/returns/", return_check, name="return-check"),
    path("contracts/<int:pk>/returns/<int:period_pk>/", return_check_period, name="return-check-period"),
]
