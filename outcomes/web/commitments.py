"""Pages of tracked social value commitments (who sees what: ``outcomes.selectors.commitments``).

- "Social value commitments" (``/outcomes/commitments/``): the user's contracts that carry
  commitments they may see, those with a commitment behind flagged and listed first
  (coordinators, board members, council reviewers, member users; anyone else 403);
- a contract's commitments (``/outcomes/contracts/<pk>/commitments/``): promised against
  delivered, each commitment's status, totals and a chart per heading; the coordinator tracks
  the winning bid's commitments there if a contract was made without them
  (``.../commitments/track/``, POST);
- a commitment (``/outcomes/commitments/<pk>/``): its figures and each quarter's progress;
  recording progress (``.../progress/``) for coordinators and the answerable member's users
  (others who see it: 403); naming the member answerable (``.../answerable/``): coordinators;
- an evidence document (``/outcomes/commitments/progress/<pk>/document/``): served only to those
  who see the commitment, never from a public media address.
A contract or commitment the user may not see: 404.
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
from consortium.web import private_download, problems_of
from contracts.delivery.selectors import contracts as contract_selectors
from outcomes.forms.commitments import AnswerableForm, ProgressForm
from outcomes.selectors import commitments as selectors
from outcomes.services import commitments as services


@login_required
def commitments_list(request):
    user = request.user
    require(selectors.can_see_commitments(user))
    today = timezone.localdate()
    rows = selectors.contracts_with_commitments(user, today=today)
    return render(request, "outcomes/commitments/list.html", {
        "rows": rows, "seen_as": selectors.viewer(user), "today": today,
        "behind": sum(1 for r in rows if r.behind),
    })


@login_required
def commitments_contract(request, pk: int):
    user = request.user
    contract = contract_selectors.contract_get_for_user(user, pk)
    view = selectors.contract_commitments(user, contract, today=timezone.localdate())
    return render(request, "outcomes/commitments/contract.html", {"contract": contract, "view": view})


@require_POST
@login_required
def commitments_track(request, pk: int):
    user = request.user
    contract = contract_selectors.contract_get_for_user(user, pk, for_write=True)
    tracked = services.commitments_track(contract=contract, by=user)
    messages.success(request, _("The winning bid's social value commitments are tracked: %(n)s in all.")
                     % {"n": len(tracked)})
    return redirect("commitments-contract", pk=contract.pk)


def _detail(request, commitment, *, form=None, status: int = 200):
    user = request.user
    today = timezone.localdate()
    quarters = selectors.quarters_open(commitment.contract, today)
    may_record = selectors.can_record_progress(user, commitment)
    if form is None and may_record:
        form = ProgressForm(quarters=quarters, initial={"quarter": quarters[-1].code if quarters else ""})
    return render(request, "outcomes/commitments/detail.html", {
        "commitment": commitment, "contract": commitment.contract,
        "figures": selectors.figures_of(commitment, today),
        "progress": selectors.progress_of(commitment), "form": form, "quarters": quarters,
        "may_record": may_record,
        "may_name": selectors.can_name_answerable(user, commitment.contract),
        "seen_as": selectors.viewer(user),
    }, status=status)


@login_required
def commitment_detail(request, pk: int):
    return _detail(request, selectors.commitment_get_for_user(request.user, pk))


@login_required
def progress_record(request, pk: int):
    user = request.user
    commitment = selectors.commitment_get_for_user(user, pk, for_write=True)
    if request.method != "POST":
        return _detail(request, commitment)
    quarters = selectors.quarters_open(commitment.contract, timezone.localdate())
    form = ProgressForm(request.POST, request.FILES, quarters=quarters)
    if form.is_valid():
        try:
            row = services.progress_record(commitment=commitment, by=user, **form.service_arguments())
        except DomainError as error:
            for field, message in problems_of(error):
                form.add_domain_error(DomainError(message, field=field))
        else:
            messages.success(request, _("Progress recorded for %(quarter)s.")
                             % {"quarter": selectors.Quarter(row.financial_year, row.quarter).label})
            return redirect("commitments-detail", pk=commitment.pk)
    return _detail(request, commitment, form=form)


@login_required
def commitment_answerable(request, pk: int):
    user = request.user
    commitment = selectors.commitment_get_for_user(user, pk)
    require(selectors.can_name_answerable(user, commitment.contract))
    members = selectors.answerable_choices(commitment.contract)
    form = AnswerableForm(request.POST if request.method == "POST" else None, members=members,
                          initial={"coop": str(commitment.coop_id or "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_answerable_set(commitment=commitment, coop=form.chosen(), by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Who answers for the commitment is saved."))
            return redirect("commitments-detail", pk=commitment.pk)
    return render(request, "outcomes/commitments/answerable.html", {
        "commitment": commitment, "contract": commitment.contract, "form": form})


@login_required
def progress_document(request, pk: int):
    return private_download(selectors.progress_get_for_user(request.user, pk).document)


urlpatterns = [
    path("outcomes/commitments/", commitments_list, name="commitments-list"),
    path("outcomes/contracts/<int:pk>/commitments/", commitments_contract, name="commitments-contract"),
    path("outcomes/contracts/<int:pk>/commitments/track/", commitments_track, name="commitments-track"),
    path("outcomes/commitments/<int:pk>/", commitment_detail, name="commitments-detail"),
    path("outcomes/commitments/<int:pk>/progress/", progress_record, name="commitments-record"),
    path("outcomes/commitments/<int:pk>/answerable/", commitment_answerable, name="commitments-answerable"),
    path("outcomes/commitments/progress/<int:pk>/document/", progress_document, name="commitments-document"),
]
