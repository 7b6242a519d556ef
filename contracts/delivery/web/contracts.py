"""Web pages of contracts and members' sub-contracts.

- list (``/contracts/``): coordinators and board members (their consortium's contracts), council
  reviewers (their council's), member users (those their co-op has a sub-contract in); anyone
  else 403;
- "Our sub-contracts" (``/contracts/subcontracts/``): member users (their co-op's), coordinators
  and board members (their consortium's); council reviewers 403;
- a contract (``/contracts/<pk>/``): its rates, versions and sub-contracts as the viewer may see
  them (reviewers: the member breakdown without members' rates; members: their own
  sub-contract only); coordinators move its status and record variations (others who see it:
  403). A contract the user may not see: 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, refuse_if_forbidden
from contracts.bidding.forms import DomainErrorForm
from contracts.delivery.selectors import contracts as selectors
from contracts.delivery.services import contracts as services
from contracts.models import ContractStatus, ContractVersion

PAGE_SIZE = 50
REASON_WIDGET = forms.Textarea(attrs={"rows": 3})
DECIMAL_WIDGET = {"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class TransitionForm(DomainErrorForm):
    to = forms.ChoiceField(label=gettext_lazy("New status"), widget=forms.RadioSelect,
                           error_messages={"required": gettext_lazy("Choose the new status"),
                                           "invalid_choice": gettext_lazy("Choose a status from the list")})
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=2000, widget=REASON_WIDGET,
        help_text=gettext_lazy("Needed to suspend or terminate the contract."),
        error_messages={"max_length": gettext_lazy("Keep the reason to 2,000 characters")})

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices


def _figure(label, initial) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=9, decimal_places=2, min_value=0, initial=initial,
        widget=forms.TextInput(attrs=DECIMAL_WIDGET),
        error_messages={"invalid": gettext_lazy("Enter a number, like 21.50"),
                        "min_value": gettext_lazy("Enter a number more than 0"),
                        "max_decimal_places": gettext_lazy("Enter the figure to 2 decimal places at most"),
                        "max_digits": gettext_lazy("The figure is too large"),
                        "max_whole_digits": gettext_lazy("The figure is too large")},
    )


class VariationForm(DomainErrorForm):
    """One variation: its kind, the reason, and the new figures of that kind (the others are
    ignored). Rates and volumes per time band of the contract, prefilled with the current ones."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What changes"), widget=forms.RadioSelect,
        choices=[(k, label) for k, label in ContractVersion.Kind.choices
                 if k != ContractVersion.Kind.ORIGINAL],
        error_messages={"required": gettext_lazy("Choose what the variation changes")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the variation"), max_length=2000, widget=REASON_WIDGET,
        error_messages={"required": gettext_lazy("Give the reason for the variation"),
                        "max_length": gettext_lazy("Keep the reason to 2,000 characters")})
    start = forms.DateField(label=gettext_lazy("Start date"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": gettext_lazy("Enter a real date")})
    end = forms.DateField(label=gettext_lazy("End date"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": gettext_lazy("Enter a real date")})

    def __init__(self, *args, rates, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = [r.time_band for r in rates]
        for r in rates:
            band = r.get_time_band_display()
            self.fields[f"rate_{r.time_band}"] = _figure(
                _("%(band)s rate (£ per unit)") % {"band": band}, r.rate)
            self.fields[f"volume_{r.time_band}"] = _figure(
                _("%(band)s volume per week") % {"band": band}, r.volume)
        self.fields["start"].initial = contract.start
        self.fields["end"].initial = contract.end

    def rate_fields(self):
        return [self[f"rate_{band}"] for band in self.bands]

    def volume_fields(self):
        return [self[f"volume_{band}"] for band in self.bands]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        arguments = {"kind": kind, "reason": data["reason"]}
        if kind == ContractVersion.Kind.RATE:
            arguments["rates"] = {b: data[f"rate_{b}"] for b in self.bands
                                  if data.get(f"rate_{b}") is not None}
        elif kind == ContractVersion.Kind.VOLUME:
            arguments["volumes"] = {b: data[f"volume_{b}"] for b in self.bands
                                    if data.get(f"volume_{b}") is not None}
        else:
            arguments["start"], arguments["end"] = data.get("start"), data.get("end")
        return arguments

    def add_domain_error(self, error: DomainError) -> None:
        refuse_if_forbidden(error)
        name = error.field or ""
        if "." in name:  # "rates.weekday_day" -> rate_weekday_day
            group, band = name.split(".", 1)
            name = f"{group[:-1]}_{band}"
        elif name in ("rates", "volumes"):
            name = ""
        self.add_error(name if name in self.fields else None, str(error.message))


# --- lists --------------------------------------------------------------------------------------

@login_required
def contract_list(request):
    user = request.user
    _require(selectors.can_see_contracts(user))
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
    _require(selectors.can_see_subcontracts(user))
    qs = selectors.subcontracts_visible_to(user).order_by("-contract__start", "coop__legal_name", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/contract/subcontracts.html", {
        "page_obj": page, "seen_as": selectors.viewer(user),
    })


# --- one contract ---------------------------------------------------------------------------------

def _transition_form(view, data=None) -> TransitionForm:
    return TransitionForm(data, choices=view.next_statuses, prefix="status")


@login_required
def contract_detail(request, pk: int, *, transition_form=None, errors=None, status: int = 200):
    user = request.user
    contract = selectors.contract_get_for_user(user, pk)
    view = selectors.contract_view(user, contract)
    return render(request, "contracts/contract/detail.html", {
        "contract": contract, "view": view, "errors": errors or [],
        "weeks": services.contract_weeks(contract.start, contract.end),
        "transition_form": transition_form or (_transition_form(view) if view.can_run else None),
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


@login_required
def contract_vary(request, pk: int):
    user = request.user
    contract = selectors.contract_get_for_user(user, pk, for_write=True)
    view = selectors.contract_view(user, contract)
    form = VariationForm(request.POST if request.method == "POST" else None, rates=view.rates,
                         contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.contract_vary(contract=contract, by=user, **form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Variation recorded as version %(n)s.") % {"n": version.number})
            return redirect("contract-detail", pk=pk)
    return render(request, "contracts/contract/vary.html", {"contract": contract, "view": view, "form": form})


urlpatterns = [
    path("contracts/", contract_list, name="contract-list"),
    path("contracts/subcontracts/", subcontract_list, name="subcontract-list"),
    path("contracts/<int:pk>/", contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/status/", contract_transition, name="contract-transition"),
    path("contracts/<int:pk>/vary/", contract_vary, name="contract-vary"),
]
