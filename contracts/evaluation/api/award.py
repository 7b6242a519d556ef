"""API: award decisions under ``review/lots/{id}/award/`` and bidders' results under
``bids/{id}/results/`` (mirroring the web pages in ``contracts/evaluation/web/award.py``).

Reviewers of the tender's council, after the deadline, read a lot's ranked scores and its
standing award; only the panel's lead reviewer decides, cancels, confirms or decides not to award
(another reviewer: 403). Anyone else: 404. Results: the bidding consortium's coordinators and
board members (member users 403; anyone who may not see the bid 404). Services refuse what the
tender's state does not allow (DomainError -> 400, mapped once in ``consortium.api``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api_views import error_responses
from contracts.evaluation.selectors import award as selectors
from contracts.evaluation.services import award as services
from contracts.models import AwardStatus, Bid, Lot, LotStatus

READ_ERRORS = error_responses(401, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
NOT_LEAD = _("Only the lead reviewer of the tender's panel can do this.")


class AwardWorkingsSerializer(serializers.Serializer):
    price = serializers.CharField()
    quality = serializers.CharField()
    social_value = serializers.CharField()
    total = serializers.CharField()


class AwardScoreSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("\"entry-<id>\": the bid for the lot."))
    name = serializers.CharField()
    price = serializers.CharField(allow_null=True, help_text=_("Weighted rate, pounds per unit."))
    price_score = serializers.CharField()
    quality_marks = serializers.IntegerField()
    quality_max = serializers.IntegerField()
    quality_score = serializers.CharField()
    social_value_percent = serializers.CharField(allow_null=True)
    social_value_score = serializers.CharField()
    total = serializers.CharField()
    rank = serializers.IntegerField()
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("What is not scored yet: price, question:<id>, social_value."))
    workings = AwardWorkingsSerializer()


class AwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entry = serializers.IntegerField()
    bidder = serializers.CharField()
    status = serializers.ChoiceField(choices=AwardStatus.choices)
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()
    standstill_ends = serializers.DateField(
        help_text=_("The standstill's last day; confirmable from the next."))
    confirmed_at = serializers.DateTimeField(allow_null=True)
    contract = serializers.IntegerField(allow_null=True, help_text=_("The contract made on confirmation."))


class AwardEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class AwardPageSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    lot_status = serializers.ChoiceField(choices=LotStatus.choices)
    frozen = serializers.BooleanField(help_text=_("The scores are those frozen by the standing award."))
    complete = serializers.BooleanField(help_text=_("Every bid is fully scored."))
    is_lead = serializers.BooleanField()
    entries = AwardEntrySerializer(many=True)
    scores = AwardScoreSerializer(many=True)
    award = AwardSerializer(allow_null=True)


class AwardDecideSerializer(serializers.Serializer):
    entry = serializers.IntegerField(help_text=_("The bid for the lot (its entry id) to award it to."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AwardReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class BidLotResultSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    number = serializers.IntegerField(source="lot.number")
    title = serializers.CharField(source="lot.title")
    status = serializers.SerializerMethodField()
    standstill_ends = serializers.SerializerMethodField()
    entered = serializers.BooleanField(help_text=_("The bid was among those evaluated for the lot."))
    won = serializers.BooleanField()
    own = AwardScoreSerializer(allow_null=True)
    winner = AwardScoreSerializer(allow_null=True)

    def get_status(self, result) -> str | None:
        return result.award.status if result.award is not None else None

    def get_standstill_ends(self, result) -> str | None:
        return result.award.standstill_ends.isoformat() if result.award is not None else None


class BidResultsSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    lots = BidLotResultSerializer(many=True)


def _page_data(request: Request, lot) -> dict:
    page = selectors.award_page(lot)
    award = page.award
    award_data = None
    if award is not None:
        award_data = {
            "id": award.pk, "entry": award.entry_id, "bidder": award.entry.bidder_name,
            "status": award.status,
            "reason": award.reason, "decided_at": award.decided_at, "standstill_ends": award.standstill_ends,
            "confirmed_at": award.confirmed_at, "contract": page.contract_id,
        }
    scores = [{k: v for k, v in row.items() if k != "missing_text"} for row in page.scores]
    return AwardPageSerializer({
        "lot": lot.pk, "lot_status": lot.status, "frozen": page.frozen, "complete": page.complete,
        "is_lead": selectors.can_decide(request.user, lot),
        "entries": [{"id": e.pk, "key": key, "name": e.bidder_name} for key, e in page.entries.items()],
        "scores": scores, "award": award_data,
    }).data


class AwardViewSet(viewsets.GenericViewSet):
    """A lot's award decision, for the tendering council's reviewers after the deadline."""

    queryset = Lot.objects.none()
    serializer_class = AwardPageSerializer
    filter_backends: list = []
    pagination_class = None

    def _lot(self, pk, *, lead: bool = False):
        lot = selectors.award_lot_get_for_user(self.request.user, pk)
        if lead and not selectors.can_decide(self.request.user, lot):
            raise PermissionDenied(NOT_LEAD)
        return lot

    @extend_schema(methods=["GET"], summary=_("A lot's ranked scores with their workings and its standing "
                                              "award (the council's reviewers, after the deadline)"),
                   responses={200: AwardPageSerializer, **READ_ERRORS})
    @extend_schema(methods=["POST"], summary=_("Award the lot to a bid and start the standstill (the lead "
                                               "reviewer; a bid other than the first needs a reason)"),
                   request=AwardDecideSerializer, responses={201: AwardPageSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["get", "post"], url_path="award")
    def award(self, request: Request, pk=None) -> Response:
        if request.method == "GET":
            return Response(_page_data(request, self._lot(pk)))
        lot = self._lot(pk, lead=True)
        serializer = AwardDecideSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        entry = next((e for e in selectors.award_page(lot).entries.values()
                      if e.pk == serializer.validated_data["entry"]), None)
        if entry is None:
            raise ValidationError({"entry": [_("Choose a bid for this lot.")]})
        services.award_decide(lot=lot, entry=entry, by=request.user,
                              reason=serializer.validated_data.get("reason", ""))
        return Response(_page_data(request, lot), status=status.HTTP_201_CREATED)

    def _standing(self, lot):
        award = selectors.standing_award(lot)
        if award is None:
            raise ValidationError({"non_field_errors": [_("The lot has no standing award.")]})
        return award

    @extend_schema(summary=_("Cancel the award during its standstill, with a reason (the lead reviewer)"),
                   request=AwardReasonSerializer, responses={200: AwardPageSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="award/cancel")
    def cancel(self, request: Request, pk=None) -> Response:
        lot = self._lot(pk, lead=True)
        serializer = AwardReasonSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        services.award_cancel(award=self._standing(lot), by=request.user,
                              reason=serializer.validated_data["reason"])
        return Response(_page_data(request, lot))

    @extend_schema(summary=_("Confirm the award after its standstill: the lot is awarded and, for a joint "
                             "bid, the contract and sub-contracts are made (the lead reviewer)"),
                   request=None, responses={200: AwardPageSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="award/confirm")
    def confirm(self, request: Request, pk=None) -> Response:
        lot = self._lot(pk, lead=True)
        services.award_confirm(award=self._standing(lot), by=request.user)
        return Response(_page_data(request, lot))

    @extend_schema(summary=_("Decide not to award the lot, with a reason (the lead reviewer)"),
                   request=AwardReasonSerializer, responses={200: AwardPageSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="award/no-award")
    def no_award(self, request: Request, pk=None) -> Response:
        lot = self._lot(pk, lead=True)
        serializer = AwardReasonSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        services.lot_no_award(lot=lot, by=request.user, reason=serializer.validated_data["reason"])
        return Response(_page_data(request, self._lot(pk)))


class ResultsViewSet(viewsets.GenericViewSet):
    """A joint bid's results, once an award is decided."""

    queryset = Bid.objects.none()
    serializer_class = BidResultsSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary=_("Per lot of the bid, once decided: the bid's own scores and the winner's "
                             "(coordinators and board members)"),
                   responses={200: BidResultsSerializer, **error_responses(401, 403, 404)})
    @action(detail=True, methods=["get"], url_path="results")
    def results(self, request: Request, pk=None) -> Response:
        try:
            bid = selectors.results_bid_get_for_user(request.user, pk)
        except DjangoPermissionDenied:
            raise PermissionDenied(_("Results are for the consortium's coordinators and board.")) from None
        return Response(BidResultsSerializer({"bid": bid.pk, "lots": selectors.bid_results(bid)}).data)


router = SimpleRouter()
router.register("review/lots", AwardViewSet, basename="lot-award-api")
router.register("bids", ResultsViewSet, basename="bid-results-api")

urlpatterns = router.urls
