"""API: members' returns under ``returns/`` (mirroring the pages in
``contracts/delivery/web/returns.py``).

Reads go through ``contracts.delivery.selectors.returns``: member users see their co-op's
returns, coordinators their consortium's; anyone else gets 403 on the list and 404 on a return.
Member users write (``POST returns/``: the return of a sub-contract and started period, made or
rewritten; ``POST returns/visits/``: the same from a call monitoring file) and submit their own;
coordinators accept them (sealed) or send them back with a reason. Refusals: 403 for the wrong
person, 409 for a return whose state refuses the change (accepted: its period is locked), 400
for bad input (a call monitoring file's problems row by row under ``visits_file``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import NamedChoiceField, validated
from consortium.api_views import error_responses
from consortium.models import TimeBand
from contracts.delivery.selectors import returns as selectors
from contracts.delivery.services import returns as services
from contracts.models import BillingPeriod, DeliveryReturn, ReturnStatus, SubContract

HOURS = {"max_digits": 9, "decimal_places": 2}
LIST_ERRORS = error_responses(401, 403)
DETAIL_ERRORS = error_responses(401, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
NOT_YOURS = _("Returns are written by the member's own users and checked by the consortium's coordinators.")


class ReturnStatusField(NamedChoiceField):
    component = "ReturnStatusEnum"
    enum_choices = ReturnStatus.choices


class ReturnLineSerializer(serializers.Serializer):
    council = serializers.CharField(source="council.code",
                                    help_text=_("The council area's code, like GB-CRF."))
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    quantity = serializers.DecimalField(**HOURS,
                                        help_text=_("Hours delivered (an adjustment may be negative)."))
    adjusts = serializers.SerializerMethodField(help_text=_("The id of the period an adjustment corrects."))
    reason = serializers.CharField()

    def get_adjusts(self, line) -> int | None:
        return line.adjusts_id


class ReturnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subcontract = serializers.IntegerField(source="subcontract_id")
    contract = serializers.IntegerField(source="subcontract.contract_id")
    coop = serializers.CharField(source="subcontract.coop.legal_name")
    period = serializers.IntegerField(source="period_id")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    status = ReturnStatusField()
    visits_planned = serializers.IntegerField()
    visits_delivered = serializers.IntegerField()
    visits_missed = serializers.IntegerField()
    visits_late = serializers.IntegerField()
    visits_short = serializers.IntegerField()
    visits_file_sha256 = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    sent_back_reason = serializers.CharField()
    seal = serializers.CharField(help_text=_("SHA-256 of the accepted return's canonical content."))
    lines = ReturnLineSerializer(many=True, source="lines.all")


class LineInputSerializer(serializers.Serializer):
    council = serializers.CharField(max_length=10)
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    quantity = serializers.DecimalField(**HOURS)


class AdjustmentInputSerializer(LineInputSerializer):
    period = serializers.IntegerField(help_text=_("The earlier, accepted period corrected."))
    reason = serializers.CharField(max_length=2000)


class CountsSerializer(serializers.Serializer):
    visits_planned = serializers.IntegerField(min_value=0)
    visits_delivered = serializers.IntegerField(min_value=0)
    visits_missed = serializers.IntegerField(min_value=0)
    visits_late = serializers.IntegerField(min_value=0)
    visits_short = serializers.IntegerField(min_value=0)


class ReturnWriteSerializer(serializers.Serializer):
    subcontract = serializers.IntegerField()
    period = serializers.IntegerField()
    lines = LineInputSerializer(many=True, required=False, help_text=_("Replace the return's own lines."))
    counts = CountsSerializer(required=False)
    adjustments = AdjustmentInputSerializer(many=True, required=False,
                                            help_text=_("Replace the return's adjustment lines."))


class VisitsUploadSerializer(serializers.Serializer):
    subcontract = serializers.IntegerField()
    period = serializers.IntegerField()
    file = serializers.FileField(help_text=_("The call monitoring file, CSV or XLSX."))


class AcceptSerializer(serializers.Serializer):
    seen = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                 help_text=_("The seal of the content looked at: refused (409) if it "
                                             "changed."))


class SendBackSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema_view(
    list=extend_schema(summary=_("Returns the user may see (a member's own, or the consortium's for "
                                 "coordinators)"),
                       responses={200: ReturnSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("One return with its lines"),
                           responses={200: ReturnSerializer, **DETAIL_ERRORS}),
)
class ReturnViewSet(viewsets.GenericViewSet):
    queryset = DeliveryReturn.objects.none()
    serializer_class = ReturnSerializer

    def _check(self) -> None:
        if not selectors.can_see_returns(self.request.user):
            raise PermissionDenied(NOT_YOURS)

    def get_queryset(self):
        return selectors.returns_visible_to(self.request.user).order_by("-period__start", "pk")

    def _return(self, pk) -> DeliveryReturn:
        try:
            return selectors.return_get_for_user(self.request.user, pk)
        except Http404:
            raise NotFound from None

    def _target(self, data) -> tuple[SubContract, BillingPeriod]:
        try:
            sub = selectors.subcontract_for_returns(self.request.user, data["subcontract"])
            period = selectors.period_get(sub.contract, data["period"])
        except Http404:
            raise NotFound from None
        except DjangoPermissionDenied:
            raise PermissionDenied(NOT_YOURS) from None
        return sub, period

    def _answer(self, ret: DeliveryReturn, code: int = status.HTTP_200_OK) -> Response:
        return Response(ReturnSerializer(selectors.returns_visible_to(self.request.user).get(pk=ret.pk)).data,
                        status=code)

    def list(self, request: Request) -> Response:
        self._check()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReturnSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(ReturnSerializer(self._return(pk)).data)

    @extend_schema(summary=_("Write the co-op's return for a sub-contract and started period (made as a "
                             "draft, or rewritten until accepted)"),
                   request=ReturnWriteSerializer, responses={201: ReturnSerializer, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        self._check()
        data = validated(ReturnWriteSerializer, request.data)
        sub, period = self._target(data)
        existed = DeliveryReturn.objects.filter(subcontract=sub, period=period).exists()
        ret = services.return_save(
            subcontract=sub, period=period, by=request.user,
            lines=[dict(x) for x in data["lines"]] if "lines" in data else None,
            counts=dict(data["counts"]) if "counts" in data else None,
            adjustments=[dict(x) for x in data["adjustments"]] if "adjustments" in data else None)
        return self._answer(ret, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(summary=_("Work a return's hours and counts out from a call monitoring file (the file "
                             "is kept with its SHA-256; a refused file keeps nothing)"),
                   request={"multipart/form-data": VisitsUploadSerializer},
                   responses={201: ReturnSerializer, **WRITE_ERRORS})
    @action(detail=False, methods=["post"], url_path="visits", filter_backends=[], pagination_class=None,
            parser_classes=[MultiPartParser, FormParser])
    def visits(self, request: Request) -> Response:
        self._check()
        data = validated(VisitsUploadSerializer, request.data)
        sub, period = self._target(data)
        upload = data["file"]
        ret = services.return_import_visits(subcontract=sub, period=period, by=request.user,
                                            data=upload.read(), filename=upload.name)
        return self._answer(ret, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Submit the return to the coordinators (its member's users)"),
                   request=None, responses={200: ReturnSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="submit", filter_backends=[], pagination_class=None,
            parser_classes=[JSONParser])
    def submit(self, request: Request, pk=None) -> Response:
        ret = services.return_submit(ret=self._return(pk), by=request.user)
        return self._answer(ret)

    @extend_schema(summary=_("Accept a submitted return: it is sealed and its period locked (coordinators)"),
                   request=AcceptSerializer, responses={200: ReturnSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[], pagination_class=None)
    def accept(self, request: Request, pk=None) -> Response:
        ret = self._return(pk)
        data = validated(AcceptSerializer, request.data)
        ret = services.return_accept(ret=ret, by=request.user, seen=data.get("seen") or None)
        return self._answer(ret)

    @extend_schema(summary=_("Send a submitted return back to the member, with a reason (coordinators)"),
                   request=SendBackSerializer, responses={200: ReturnSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="send-back", filter_backends=[], pagination_class=None)
    def send_back(self, request: Request, pk=None) -> Response:
        ret = self._return(pk)
        if not selectors.can_check(request.user, ret.subcontract.contract):
            raise PermissionDenied(_("Only the consortium's coordinators can do this."))
        data = validated(SendBackSerializer, request.data)
        ret = services.return_send_back(ret=ret, by=request.user, reason=data["reason"])
        return self._answer(ret)


router = SimpleRouter()
router.register("returns", ReturnViewSet, basename="return-api")

urlpatterns = router.urls
