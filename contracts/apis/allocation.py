"""API: a joint bid's allocation (``/api/v1/bids/{id}/allocation/``).

- GET: the lots x members matrix (coordinators and board members of the bid's consortium; the
  board without floors or margins);
- POST: run the optimiser by a strategy (coordinators);
- PATCH: set cells by hand (coordinators); a change that breaks a rule answers 400 with the
  reasons and changes nothing.
Member users, council reviewers and other consortia get 404: they may not know the matrix exists.
Reads through ``contracts.selectors.allocation``, writes through
``contracts.services.allocation`` (DomainError -> 400, mapped once in ``consortium.api``).
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api_views import error_responses
from consortium.models import TimeBand
from contracts.selectors import allocation as selectors
from contracts.services import allocation as services

VOLUME = {"max_digits": 9, "decimal_places": 2}


class PartSerializer(serializers.Serializer):
    council = serializers.IntegerField(source="council.pk")
    council_name = serializers.CharField(source="council.name_en")
    volume = serializers.DecimalField(**VOLUME)
    status = serializers.CharField(help_text=_("proposed, accepted or declined"))
    adjusted_by_hand = serializers.BooleanField()


class CellSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="column.lot.pk")
    time_band = serializers.ChoiceField(source="column.time_band", choices=TimeBand.choices)
    volume = serializers.DecimalField(**VOLUME, help_text=_("Live volume (declined shares left out)."))
    parts = PartSerializer(many=True, help_text=_("The volume per council area."))


class MemberRowSerializer(serializers.Serializer):
    coop = serializers.IntegerField(source="coop.pk")
    name = serializers.CharField(source="coop.__str__")
    cells = CellSerializer(many=True)
    total = serializers.DecimalField(**VOLUME)
    response = serializers.CharField(allow_null=True,
                                     help_text=_("pending, accepted, declined; null: not asked"))
    explanations = serializers.ListField(child=serializers.CharField())
    margin = serializers.DecimalField(**VOLUME, allow_null=True,
                                      help_text=_("£ a week; coordinators only (null for others)."))


class ColumnSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    lot_number = serializers.IntegerField(source="lot.number")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    demand = serializers.DecimalField(**VOLUME)
    allocated = serializers.DecimalField(**VOLUME)
    shortfall = serializers.DecimalField(**VOLUME)
    coverage_percent = serializers.DecimalField(max_digits=6, decimal_places=1)


class WelshSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="bid_lot.lot.pk")
    needed = serializers.DecimalField(**VOLUME)
    covered = serializers.DecimalField(**VOLUME)
    shortfall = serializers.DecimalField(**VOLUME)


class ShortfallSerializer(serializers.Serializer):
    lot_number = serializers.IntegerField(source="lot")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**VOLUME)


class SummarySerializer(serializers.Serializer):
    strategy = serializers.CharField()
    coverage = serializers.DecimalField(max_digits=5, decimal_places=4, help_text=_("0 to 1"))
    shortfalls = ShortfallSerializer(many=True)
    welsh_shortfalls = serializers.DictField(child=serializers.DecimalField(**VOLUME),
                                             help_text=_("Lot number -> Welsh-capable hours missing."))
    members = serializers.IntegerField()


class MatrixSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid.pk")
    strategy = serializers.CharField(source="bid.strategy")
    coverage_percent = serializers.DecimalField(max_digits=6, decimal_places=1)
    columns = ColumnSerializer(many=True)
    members = MemberRowSerializer(many=True, source="rows")
    welsh = WelshSerializer(many=True)


class RunResultSerializer(MatrixSerializer):
    summary = SummarySerializer()


class RunInputSerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=[s.value for s in services.Strategy])


class ChangeSerializer(serializers.Serializer):
    lot = serializers.IntegerField(min_value=1, help_text=_("The lot's id."))
    coop = serializers.IntegerField(min_value=1, help_text=_("The member co-op's id."))
    council = serializers.IntegerField(min_value=1, help_text=_("The council area's id."))
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**VOLUME, min_value=Decimal(0), help_text=_("0 removes the share."))


class AdjustInputSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True, allow_empty=False, max_length=10000)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationError(serializer.errors)
    return serializer.validated_data


class BidAllocationView(APIView):
    """The allocation of one joint bid."""

    def _matrix(self, bid) -> dict:
        return MatrixSerializer(selectors.allocation_matrix(bid, self.request.user)).data

    @extend_schema(summary=_("A bid's allocation: lots x members, coverage, shortfalls, explanations"),
                   responses={200: MatrixSerializer, **error_responses(401, 404)})
    def get(self, request: Request, id: int) -> Response:
        bid = selectors.allocation_bid_get_for_user(request.user, id)
        return Response(self._matrix(bid))

    @extend_schema(summary=_("Run the allocation by a strategy (coordinators)"), request=RunInputSerializer,
                   responses={200: RunResultSerializer, **error_responses(400, 401, 403, 404)})
    def post(self, request: Request, id: int) -> Response:
        bid = selectors.allocation_bid_get_for_user(request.user, id, for_write=True)
        data = _valid(RunInputSerializer, request.data)
        summary = services.allocation_run(bid=bid, strategy=data["strategy"], by=request.user)
        body = self._matrix(bid)
        body["summary"] = SummarySerializer(summary).data
        return Response(body)

    @extend_schema(summary=_("Set allocation cells by hand (coordinators)"), request=AdjustInputSerializer,
                   responses={200: MatrixSerializer, **error_responses(400, 401, 403, 404)})
    def patch(self, request: Request, id: int) -> Response:
        bid = selectors.allocation_bid_get_for_user(request.user, id, for_write=True)
        data = _valid(AdjustInputSerializer, request.data)
        changes = [services.Change(**change) for change in data["changes"]]
        services.allocation_adjust(bid=bid, changes=changes, by=request.user)
        return Response(self._matrix(bid))


urlpatterns = [
    path("bids/<int:id>/allocation/", BidAllocationView.as_view(), name="bid-allocation-api"),
]
