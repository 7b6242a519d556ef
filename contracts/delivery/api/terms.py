"""API: a contract's billing terms (``contracts/<id>/billing-terms/``) and billing periods
(``contracts/<id>/periods/``), mirroring ``contracts/delivery/web/terms.py``.

Whoever sees the contract (``contracts.delivery.selectors.contracts``) reads its terms and its
periods, each with the contract's rates in force in it (the council's price, never a member's);
a contract the user may not see answers 404. The consortium's coordinators set the terms (others
who see the contract: 403) while no return or invoice exists for it (then 409, saying why); bad
input answers 400.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from consortium.api_views import error_responses
from consortium.models import TimeBand
from contracts.delivery.selectors import contracts as selectors
from contracts.delivery.selectors import terms as term_selectors
from contracts.delivery.services import terms as services
from contracts.models import BillingCycle, ChargeBasis, Contract

NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")


class BillingTermsSerializer(serializers.Serializer):
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices)
    charge_basis = serializers.ChoiceField(choices=ChargeBasis.choices)
    tolerance_minutes = serializers.IntegerField(
        min_value=0, help_text=_("A visit shorter than planned by no more than this is charged as planned."))
    minimum_charge_minutes = serializers.IntegerField(min_value=0)
    rounding_minutes = serializers.IntegerField(
        min_value=1, help_text=_("Each visit's charged time is rounded to the nearest such unit."))


class BillingTermsReadSerializer(BillingTermsSerializer):
    locked = serializers.BooleanField(
        help_text=_("True once a return or an invoice exists: the terms can no longer change."))


class PeriodRateSerializer(serializers.Serializer):
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    rate = serializers.DecimalField(max_digits=9, decimal_places=2)


class BillingPeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="period.pk")
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    days = serializers.IntegerField()
    current = serializers.BooleanField(source="is_current")
    used = serializers.BooleanField(source="is_used", help_text=_("A return or an invoice stands on it."))
    rates = serializers.SerializerMethodField(help_text=_("The contract's rates in force in the period."))

    def get_rates(self, row) -> list[dict]:
        return PeriodRateSerializer([{"time_band": band, "rate": rate} for band, _name, rate in row.rates],
                                    many=True).data


class _ContractView(GenericAPIView):
    def _contract(self, pk, *, for_write: bool = False) -> Contract:
        try:
            return selectors.contract_get_for_user(self.request.user, pk, for_write=for_write)
        except DjangoPermissionDenied:
            raise PermissionDenied(NOT_COORDINATOR) from None


class BillingTermsView(_ContractView):
    serializer_class = BillingTermsReadSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(operation_id="contracts_billing_terms", tags=["contracts"],
                   summary=_("A contract's billing terms"),
                   responses={200: BillingTermsReadSerializer, **error_responses(401, 404)})
    def get(self, request, pk: int):
        return Response(term_selectors.billing_terms(self._contract(pk)).as_dict())

    @extend_schema(operation_id="contracts_billing_terms_set", tags=["contracts"],
                   summary=_("Set a contract's billing terms (coordinators; only before any return or "
                             "invoice; a new billing period remakes the periods)"),
                   request=BillingTermsSerializer,
                   responses={200: BillingTermsReadSerializer, **error_responses(400, 401, 403, 404, 409)})
    def put(self, request, pk: int):
        contract = self._contract(pk, for_write=True)
        serializer = BillingTermsSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        contract = services.contract_billing_terms_set(contract=contract, by=request.user,
                                                       **serializer.validated_data)
        return Response(term_selectors.billing_terms(contract).as_dict())


class BillingPeriodsView(_ContractView):
    serializer_class = BillingPeriodSerializer
    filter_backends = []

    @extend_schema(operation_id="contracts_periods", tags=["contracts"],
                   summary=_("A contract's billing periods, each with the contract's rates in force in it"),
                   responses={200: BillingPeriodSerializer(many=True), **error_responses(401, 404)})
    def get(self, request, pk: int):
        contract = self._contract(pk)
        page = self.paginate_queryset(term_selectors.periods_of(contract))
        rows = term_selectors.period_rows(contract, list(page), today=timezone.localdate())
        return self.get_paginated_response(BillingPeriodSerializer(rows, many=True).data)


urlpatterns = [
    path("contracts/<int:pk>/billing-terms/", BillingTermsView.as_view(), name="contract-api-billing-terms"),
    path("contracts/<int:pk>/periods/", BillingPeriodsView.as_view(), name="contract-api-periods"),
]
