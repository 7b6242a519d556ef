"""Web pages of contracts and members' sub-contracts.

- list (``/contracts/``): coordinators and board members (their consortium's contracts), council
  reviewers (their council's), member users (those their co-op has a sub-contract in); anyone
  else 403;
- "Our sub-contracts" (``/contracts/subcontracts/``): member users (their co-op's), coordinators
  and board members (their consortium's); council reviewers 403;
- a contract (``/contracts/<pk>/``): its rates, versions and sub-contracts as the viewer may see
  them (reviewers: the member breakdown without members' rates; members: their own
  sub-contract only); while it is pending, why it cannot start (a member's compliance: the
  consortium sees every member's, a member its own); coordinators move its status (others who
  see it: 403). A contract the user may not see: 404.
- a variation (``/contracts/<pk>/vary/``, ``/contracts/<pk>/variations/<proposal>/``): either
  side proposes, the consortium's coordinators or the council's reviewers, and the other side
  accepts or declines it on the contract's page; the proposer may withdraw it (board members and
  members: 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.models import TimeBand
from contracts.delivery.forms import TransitionForm, VariationAnswerForm, VariationForm
from contracts.delivery.selectors import contracts as selectors
from contracts.delivery.selectors import terms as term_selectors
from contracts.delivery.services import contracts as services
from contracts.delivery.services import variations as variation_services
from contracts.models import ContractStatus, VariationSide
from contracts.weeks import contract_weeks_shown

PAGE_SIZE = 50
# --- lists --------------------------------------------------------------------------------------

@login_required
def contract_list(request):
    user = request.user
    require(selectors.can_see_contracts(user))
    qs = selectors.contracts_visible_to(user).order_by("-start", "-pk")
    status = request.GET.get("status", "")
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/contract/list.html", {
        "page_obj": page, "statuses": ContractStatus.choices, "status": status,
        "seen_as": selectors.viewer(user),
    })


@login_required
def subcontract_list(request):
    user = request.user
    require(selectors.can_see_subcontracts(user))
    qs = selectors.subcontracts_visible_to(user).order_by("-contract__start", "coop__legal_name", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/contract/subcontracts.html", {
        "page_obj": page, "seen_as": selectors.viewer(user),
    })


# --- one contract ---------------------------------------------------------------------------------

def _transition_form(view, data=None) -> TransitionForm:
    return TransitionForm(data, choices=view.next_statuses, prefix="status")


@login_required
def contract_detail(request, pk: int, *, transition_form=None, answer_form=None, errors=None,
                    status: int = 200):
    user = request.user
    contract = selectors.contract_get_for_user(user, pk)
    view = selectors.contract_view(user, contract)
    side = selectors.variation_side(user, contract)
    proposal = selectors.open_proposal(contract)
    return render(request, "contracts/contract/detail.html", {
        "side": side, "proposal": proposal,
        "proposal_terms": _proposal_terms(proposal, view) if proposal else [],
        "answer_form": answer_form or VariationAnswerForm(),
        "contract": contract, "view": view, "errors": errors or [],
        "weeks": contract_weeks_shown(contract.start, contract.end),
        "transition_form": transition_form or (_transition_form(view) if view.can_run else None),
        "billing": term_selectors.billing_summary(contract, today=timezone.localdate()),
        "start_blocks": selectors.start_blocks_seen_by(user, contract),
        "today": timezone.localdate(),
    }, status=status)


@require_POST
@login_required
def contract_transition(request, pk: int):
    user = request.user
    contract = selectors.contract_get_for_user(user, pk, for_write=True)
    view = selectors.contract_view(user, contract)
    form = _transition_form(view, request.POST)
    if form.is_valid():
        try:
            services.contract_transition(contract=contract, to=form.cleaned_data["to"], by=user,
                                         reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The contract is now %(status)s.")
                             % {"status": ContractStatus(form.cleaned_data["to"]).label.lower()})
            return redirect("contract-detail", pk=pk)
    return contract_detail(request, pk, transition_form=form)


def _proposal_terms(proposal, view) -> list[tuple[str, str, str]]:
    """Each time band's current figure and the proposed one, for a rate or volume variation."""
    figures = proposal.figures.get("rates") or proposal.figures.get("volumes") or {}
    now = {r.time_band: (r.rate if "rates" in proposal.figures else r.volume) for r in view.rates}
    return [(str(TimeBand(band).label), now.get(band), value) for band, value in sorted(figures.items())
            if band in TimeBand.values]


@login_required
def contract_vary(request, pk: int):
    """Propose a variation: either side of the contract (the consortium's coordinators, the
    council's reviewers); the other side accepts or declines it on the contract's page."""
    user = request.user
    contract = selectors.contract_get_for_user(user, pk)
    side = selectors.variation_side(user, contract)
    require(side is not None)
    view = selectors.contract_view(user, contract)
    form = VariationForm(request.POST if request.method == "POST" else None, rates=view.rates,
                         contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            variation_services.variation_propose(contract=contract, by=user, **form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Variation proposed: the council accepts or declines it.")
                             if side == VariationSide.CONSORTIUM
                             else _("Variation proposed: the consortium accepts or declines it."))
            return redirect("contract-detail", pk=pk)
    return render(request, "contracts/contract/vary.html", {
        "contract": contract, "view": view, "form": form, "waiting": selectors.open_proposal(contract),
    })


@require_POST
@login_required
def contract_variation_answer(request, pk: int, proposal_pk: int):
    """Accept or decline the other side's proposed variation, or withdraw one's own."""
    user = request.user
    contract = selectors.contract_get_for_user(user, pk)
    require(selectors.variation_side(user, contract) is not None)
    proposal = selectors.proposal_get(contract, proposal_pk)
    form = VariationAnswerForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action == "accept":
                version = variation_services.variation_accept(proposal=proposal, by=user)
                messages.success(request, _("Variation accepted and recorded as version %(n)s.")
                                 % {"n": version.number})
            elif action == "decline":
                variation_services.variation_decline(proposal=proposal, by=user,
                                                     reason=form.cleaned_data["reason"])
                messages.success(request, _("Variation declined: the contract stays as it is."))
            else:
                variation_services.variation_withdraw(proposal=proposal, by=user)
                messages.success(request, _("Variation withdrawn."))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return redirect("contract-detail", pk=pk)
    return contract_detail(request, pk, answer_form=form)


urlpatterns = [
    path("contracts/", contract_list, name="contract-list"),
    path("contracts/subcontracts/", subcontract_list, name="subcontract-list"),
    path("contracts/<int:pk>/", contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/status/", contract_transition, name="contract-transition"),
    path("contracts/<int:pk>/vary/", contract_vary, name="contract-vary"),
    path("contracts/<int:pk>/variations/<int:proposal_pk>/", contract_variation_answer,
         name="contract-variation-answer"),
]
