"""Web pages of a contract's billing terms and billing periods.

- billing terms (``/contracts/<pk>/billing-terms/``): the consortium's coordinators set the
  billing cycle and how visits are charged, while no return or invoice exists (then the page
  says why they are fixed, and a change is refused); others who see the contract: 403; a
  contract the user may not see: 404;
- billing periods (``/contracts/<pk>/periods/``): every period of the contract with the
  contract's rates in force in it, a page at a time, to whoever sees the contract (404
  otherwise). The contract page shows the terms and the periods around today.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.errors import DomainError
from contracts.delivery.forms import BillingTermsForm
from contracts.delivery.selectors import contracts as selectors
from contracts.delivery.selectors import terms as term_selectors
from contracts.delivery.services import terms as services

PERIODS_PAGE_SIZE = 52


@login_required
def contract_billing_terms(request, pk: int):
    user = request.user
    contract = selectors.contract_get_for_user(user, pk, for_write=True)
    form = BillingTermsForm(request.POST if request.method == "POST" else None, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_billing_terms_set(contract=contract, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The billing terms are saved."))
            return redirect("contract-detail", pk=pk)
    return render(request, "contracts/contract/billing_terms.html", {
        "contract": contract, "form": form, "terms": term_selectors.billing_terms(contract),
    })


@login_required
def contract_periods(request, pk: int):
    contract = selectors.contract_get_for_user(request.user, pk)
    page = Paginator(term_selectors.periods_of(contract), PERIODS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = term_selectors.period_rows(contract, list(page.object_list), today=timezone.localdate())
    return render(request, "contracts/contract/periods.html", {
        "contract": contract, "page_obj": page, "rows": rows,
        "terms": term_selectors.billing_terms(contract),
    })


urlpatterns = [
    path("contracts/<int:pk>/billing-terms/", contract_billing_terms, name="contract-billing-terms"),
    path("contracts/<int:pk>/periods/", contract_periods, name="contract-periods"),
]
