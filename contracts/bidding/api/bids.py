"""API: joint bids under ``bids/`` (mirroring the web pages).

Reads go through ``contracts.bidding.selectors.bids`` (lists scoped per role; a bid a user may not see
answers 404, council reviewers see none at all), writes through ``contracts.bidding.services.bids`` and
``contracts.bidding.services.submission`` (DomainError -> 400, mapped once in ``consortium.api``).
Coordinators run their consortium's bids; members answer for their own co-op (opt in or out of a
lot, accept or decline the work allocated); board members read (and vote on the ballot page).
A role that sees the bid but may not do something gets 403.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import validated
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import TimeBand
from contracts.bidding.filters import BidFilter
from contracts.bidding.selectors import allocation as allocation_selectors
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services import bids as services
from contracts.bidding.services import submission as submission_services
from contracts.models import (
    Bid,
    BidStatus,
    InvitationStatus,
    Lot,
    QualityQuestion,
    ResponseStatus,
    SocialValueHeading,
    Tender,
)
from members.models import MemberCoop

MONEY = {"max_digits": 9, "decimal_places": 2}
LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
CREATE_ERRORS = error_responses(400, 401, 403)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")
NOT_MEMBER = _("Only a user of the member co-op can answer for it.")


def _path(name: str, description) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


# --- output ------------------------------------------------------------------------------------


class TenderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    council = serializers.CharField(source="council.code")
    submission_deadline = serializers.DateTimeField()


class BidSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tender = TenderRefSerializer()
    status = serializers.ChoiceField(choices=BidStatus.choices)
    version = serializers.IntegerField(help_text=_("Submitted versions so far."))
    management_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    response_deadline = serializers.DateTimeField(allow_null=True)
    ballot = serializers.IntegerField(source="ballot_id", allow_null=True)
    opened_at = serializers.DateTimeField()


class CoopRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    coop = CoopRefSerializer()
    status = serializers.ChoiceField(choices=InvitationStatus.choices, help_text=_(
        "The answer to the invitation; the member's true state in the lot is ``state``."))
    state = serializers.ChoiceField(source="state.code", choices=[
        "invited", "opted_out", "declined", "work_accepted", "work_proposed", "taking_part"], help_text=_(
        "The member's state in the lot, from its answer, its work in the lot and its answer to that work."))
    state_label = serializers.CharField(source="state.label")
    can_take_part = serializers.BooleanField(source="state.can_take_part", help_text=_(
        "Whether the co-op can opt in now."))
    can_opt_out = serializers.BooleanField(source="state.can_opt_out", help_text=_(
        "Whether the co-op can opt out now (not once work in the lot is allocated to it)."))
    responded_at = serializers.DateTimeField(allow_null=True)


class AllocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    coop = CoopRefSerializer()
    area = serializers.CharField(source="council.code")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**MONEY)
    status = serializers.CharField()


class PriceSerializer(serializers.Serializer):
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    rate = serializers.DecimalField(**MONEY)


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id")
    number = serializers.IntegerField(source="question.number")
    answer = serializers.CharField()


class BidLotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lot = serializers.IntegerField(source="lot_id")
    number = serializers.IntegerField(source="lot.number")
    title = serializers.CharField(source="lot.title")
    ceiling_rate = serializers.DecimalField(source="lot.ceiling_rate", **MONEY)
    invitations = InvitationSerializer(many=True, source="invitations.all")
    allocations = AllocationSerializer(many=True, source="allocations.all")
    prices = PriceSerializer(many=True, source="prices.all")
    answers = AnswerSerializer(many=True, source="answers.all")


class MemberPriceSerializer(serializers.Serializer):
    coop = CoopRefSerializer()
    volume = serializers.DecimalField(**MONEY)
    floor = serializers.DecimalField(**MONEY, allow_null=True)
    required = serializers.DecimalField(**MONEY, allow_null=True)
    net = serializers.DecimalField(**MONEY, allow_null=True)
    margin = serializers.DecimalField(**MONEY, allow_null=True)
    over_ceiling_by = serializers.DecimalField(**MONEY, allow_null=True)


class PriceLineSerializer(serializers.Serializer):
    bid_lot = serializers.IntegerField(source="bid_lot.pk")
    lot_number = serializers.IntegerField(source="bid_lot.lot.number")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**MONEY)
    allocated = serializers.DecimalField(**MONEY)
    ceiling = serializers.DecimalField(**MONEY)
    required = serializers.DecimalField(**MONEY, allow_null=True,
                                        help_text=_("Coordinators only: the least rate every floor needs."))
    rate = serializers.DecimalField(**MONEY, allow_null=True)
    shortfall = serializers.DecimalField(**MONEY, help_text=_("The lot's volume less the volume allocated."))
    partial_allowed = serializers.BooleanField(help_text=_("The lot allows bids for part of its volume."))
    weekly_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, help_text=_(
        "The rate times the volume allocated (what the bid offers)."))
    members = MemberPriceSerializer(many=True, help_text=_("Coordinators only."))
    problems = serializers.ListField(child=serializers.CharField())


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    coop = CoopRefSerializer()
    status = serializers.ChoiceField(choices=ResponseStatus.choices)
    respond_by = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)


class SocialValueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    heading = serializers.ChoiceField(choices=SocialValueHeading.choices)
    measure = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)


class SubmissionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    sha256 = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


class MyWorkSerializer(serializers.Serializer):
    lot_number = serializers.IntegerField(source="allocation.bid_lot.lot.number")
    area = serializers.CharField(source="allocation.council.code")
    time_band = serializers.ChoiceField(source="allocation.time_band", choices=TimeBand.choices)
    volume = serializers.DecimalField(source="allocation.volume", **MONEY)
    status = serializers.CharField(source="allocation.status")
    rate = serializers.DecimalField(**MONEY, allow_null=True)
    paid = serializers.DecimalField(**MONEY, allow_null=True,
                                    help_text=_("What the co-op is paid per unit: the rate less the fee."))


class TotalsSerializer(serializers.Serializer):
    weekly_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    lines_priced = serializers.IntegerField(required=False)
    lines = serializers.IntegerField(required=False)


class WorkspaceSerializer(serializers.Serializer):
    bid = BidSerializer()
    lots = BidLotSerializer(many=True)
    price_lines = PriceLineSerializer(many=True, source="lines")
    totals = TotalsSerializer()
    problems = serializers.ListField(child=serializers.CharField(),
                                     help_text=_("What stops the bid going to the board or being submitted."))
    shortfalls = serializers.ListField(child=serializers.CharField(), help_text=_(
        "What the bid leaves, per lot and time band, of lots that allow partial bids."))
    responses = ResponseSerializer(many=True)
    social_value = SocialValueSerializer(many=True)
    submissions = SubmissionSerializer(many=True)
    my_work = serializers.SerializerMethodField(help_text=_("Member users: their own co-op's allocations."))
    my_work_reasons = serializers.SerializerMethodField(help_text=_(
        "Member users: why their co-op was given its work, in their language, with their own floor "
        "and no other member's."))

    @extend_schema_field(MyWorkSerializer(many=True))
    def get_my_work(self, ws) -> list:
        return MyWorkSerializer(ws.mine.allocations if ws.mine else [], many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_my_work_reasons(self, ws) -> list[str]:
        return allocation_selectors.own_explanations([row["allocation"] for row in ws.mine.allocations]
                                                     if ws.mine else [])


# --- input -------------------------------------------------------------------------------------


class OpenSerializer(serializers.Serializer):
    tender = serializers.IntegerField(min_value=1)
    lots = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=200,
                                 help_text=_("Lot ids; default: every open lot."))
    management_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                                      min_value=Decimal(0), max_value=Decimal(50))
    response_deadline = serializers.DateTimeField(required=False)


class SettingsSerializer(serializers.Serializer):
    management_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                                      min_value=Decimal(0), max_value=Decimal(50))
    response_deadline = serializers.DateTimeField(required=False)


class LotInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField(min_value=1)


class InviteSerializer(serializers.Serializer):
    bid_lot = serializers.IntegerField(min_value=1)
    coops = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500,
                                  help_text=_("Member co-op ids; default: every active member offering the "
                                              "service in the lot's areas."))


class RespondSerializer(serializers.Serializer):
    take_part = serializers.BooleanField()


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PriceInputSerializer(serializers.Serializer):
    bid_lot = serializers.IntegerField(min_value=1)
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    rate = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))


class AnswerInputSerializer(serializers.Serializer):
    bid_lot = serializers.IntegerField(min_value=1)
    question = serializers.IntegerField(min_value=1)
    answer = serializers.CharField(max_length=services.ANSWER_MAX)


class SocialValueInputSerializer(serializers.Serializer):
    heading = serializers.ChoiceField(choices=SocialValueHeading.choices)
    measure = serializers.CharField(max_length=300)
    unit = serializers.CharField(max_length=60)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))


class SnapshotSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    sha256 = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    verified = serializers.BooleanField(help_text=_("The stored text still hashes to the stored digest."))
    snapshot = serializers.JSONField()


# --- views -------------------------------------------------------------------------------------

def _workspace(request: Request, bid: Bid) -> dict:
    return WorkspaceSerializer(selectors.bid_workspace(request.user, bid)).data


BID_ID = _path("id", _("The bid."))


@extend_schema_view(
    list=extend_schema(summary=_("Joint bids the user may see (coordinators and board members: their "
                                 "consortium's; member users: those their co-op is invited to)"),
                       responses={200: BidSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A bid's workspace, as the user's role may see it"),
                           responses={200: WorkspaceSerializer, **DETAIL_ERRORS}),
)
class BidViewSet(viewsets.GenericViewSet):
    """Joint bids. Council reviewers see none (404)."""

    queryset = Bid.objects.none()
    serializer_class = BidSerializer
    filterset_class = BidFilter

    def get_queryset(self):
        return selectors.bids_visible_to(self.request.user).order_by("-opened_at", "-pk")

    def _bid(self, pk, *, for_write: bool = False) -> Bid:
        try:
            return selectors.bid_get_for_user(self.request.user, pk, for_write=for_write)
        except DjangoPermissionDenied:
            raise PermissionDenied(NOT_COORDINATOR) from None

    def _member_bid(self, pk) -> Bid:
        bid = self._bid(pk)
        require(self.request.user.is_member_user, NOT_MEMBER)
        return bid

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BidSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Open the consortium's bid for a published tender (coordinators)"),
                   request=OpenSerializer, responses={201: WorkspaceSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_manage_bids(request.user), NOT_COORDINATOR)
        data = validated(OpenSerializer, request.data)
        tender = selectors.tenders_open_for_bids(request.user).filter(pk=data["tender"]).first() \
            or Tender.objects.filter(pk=data["tender"], status="published").first()
        if tender is None:
            raise ValidationError({"tender": [_("Choose a published tender.")]})
        lots = None
        if "lots" in data:
            lots = list(Lot.objects.filter(tender=tender, pk__in=data["lots"]))
            if len(lots) != len(set(data["lots"])):
                raise ValidationError({"lots": [_("Choose lots of this tender.")]})
        bid = services.bid_open(tender=tender, by=request.user, lots=lots,
                                management_fee_percent=data.get("management_fee_percent"),
                                response_deadline=data.get("response_deadline"))
        return Response(_workspace(request, self._bid(bid.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change the management fee or the date members answer by "
                             "(coordinators, drafts)"),
                   request=SettingsSerializer, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        data = validated(SettingsSerializer, request.data)
        services.bid_update_settings(bid=bid, by=request.user, **data)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Add a lot to the bid (coordinators, drafts)"), request=LotInputSerializer,
                   responses={201: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="lots", filter_backends=[], pagination_class=None)
    def add_lot(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        data = validated(LotInputSerializer, request.data)
        lot = Lot.objects.filter(tender_id=bid.tender_id, pk=data["lot"]).first()
        if lot is None:
            raise ValidationError({"lot": [_("Choose a lot of this tender.")]})
        services.bid_lot_add(bid=bid, lot=lot, by=request.user)
        return Response(_workspace(request, self._bid(pk)), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Stop bidding for a lot (coordinators, drafts)"), request=None,
                   parameters=[_path("bid_lot_id", _("The bid's lot."))],
                   responses={204: None, **WRITE_ERRORS})
    @action(detail=True, methods=["delete"], url_path=r"lots/(?P<bid_lot_id>[0-9]+)", filter_backends=[],
            pagination_class=None)
    def remove_lot(self, request: Request, pk=None, bid_lot_id=None) -> Response:
        bid = self._bid(pk, for_write=True)
        services.bid_lot_remove(bid_lot=selectors.bid_lot_get(bid, bid_lot_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Invite members to take part in a lot (coordinators, drafts)"),
                   request=InviteSerializer, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="invitations", filter_backends=[], pagination_class=None)
    def invite(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        data = validated(InviteSerializer, request.data)
        bid_lot = selectors.bid_lot_get(bid, data["bid_lot"])
        coops = None
        if "coops" in data:
            coops = list(MemberCoop.objects.filter(consortium_id=bid.consortium_id, pk__in=data["coops"]))
            if len(coops) != len(set(data["coops"])):
                raise ValidationError({"coops": [_("Choose members of your consortium.")]})
        services.invitations_send(bid_lot=bid_lot, by=request.user, coops=coops)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Opt your co-op in or out of a lot (member users)"), request=RespondSerializer,
                   parameters=[_path("invitation_id", _("Your co-op's invitation."))],
                   responses={200: InvitationSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path=r"invitations/(?P<invitation_id>[0-9]+)/respond",
            filter_backends=[], pagination_class=None)
    def respond(self, request: Request, pk=None, invitation_id=None) -> Response:
        bid = self._member_bid(pk)
        mine = selectors.invitations_for_member(request.user).filter(bid_lot__bid=bid)
        invitation = get_object_or_404(mine, pk=invitation_id)
        data = validated(RespondSerializer, request.data)
        invitation = services.invitation_respond(invitation=invitation, by=request.user,
                                                 take_part=data["take_part"])
        (invitation,) = selectors.invitation_states([mine.get(pk=invitation.pk)])
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(summary=_("Accept the work allocated to your co-op (member users)"), request=None,
                   responses={200: ResponseSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="response/accept", filter_backends=[],
            pagination_class=None)
    def accept(self, request: Request, pk=None) -> Response:
        bid = self._member_bid(pk)
        response = services.response_accept(response=selectors.response_get_for_member(request.user, bid),
                                            by=request.user)
        return Response(ResponseSerializer(response).data)

    @extend_schema(summary=_("Decline the work allocated to your co-op, with a reason (member users)"),
                   request=DeclineSerializer, responses={200: ResponseSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="response/decline", filter_backends=[],
            pagination_class=None)
    def decline(self, request: Request, pk=None) -> Response:
        bid = self._member_bid(pk)
        found = selectors.response_get_for_member(request.user, bid)
        data = validated(DeclineSerializer, request.data)
        response = services.response_decline(response=found, by=request.user, reason=data["reason"])
        return Response(ResponseSerializer(response).data)

    @extend_schema(summary=_("Price every lot and band from the allocated members' floors (coordinators)"),
                   request=None, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="prices/calculate", filter_backends=[],
            pagination_class=None)
    def calculate_prices(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        services.bid_prices_calculate(bid=bid, by=request.user)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Set one lot's rate for a band by hand, within [required, ceiling] "
                             "(coordinators)"),
                   request=PriceInputSerializer, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="prices", filter_backends=[], pagination_class=None)
    def set_price(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        data = validated(PriceInputSerializer, request.data)
        services.bid_price_set(bid_lot=selectors.bid_lot_get(bid, data["bid_lot"]),
                               time_band=data["time_band"], rate=data["rate"], by=request.user)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Write or change the answer to a quality question (coordinators)"),
                   request=AnswerInputSerializer, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="answers", filter_backends=[], pagination_class=None)
    def answer(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        data = validated(AnswerInputSerializer, request.data)
        bid_lot = selectors.bid_lot_get(bid, data["bid_lot"])
        question = QualityQuestion.objects.filter(lot_id=bid_lot.lot_id, pk=data["question"]).first()
        if question is None:
            raise ValidationError({"question": [_("Choose a question of this lot.")]})
        services.quality_answer_save(bid_lot=bid_lot, question=question, answer=data["answer"],
                                     by=request.user)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Add a social value commitment (coordinators)"),
                   request=SocialValueInputSerializer,
                   responses={201: SocialValueSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="social-value", filter_backends=[], pagination_class=None)
    def add_social_value(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        data = validated(SocialValueInputSerializer, request.data)
        row = services.social_value_add(bid=bid, by=request.user, **data)
        return Response(SocialValueSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PATCH"], summary=_("Change a social value commitment (coordinators)"),
                   request=SocialValueInputSerializer(partial=True),
                   parameters=[_path("commitment_id", _("The commitment."))],
                   responses={200: SocialValueSerializer, **WRITE_ERRORS})
    @extend_schema(methods=["DELETE"], summary=_("Remove a social value commitment (coordinators)"),
                   request=None, parameters=[_path("commitment_id", _("The commitment."))],
                   responses={204: None, **WRITE_ERRORS})
    @action(detail=True, methods=["patch", "delete"], url_path=r"social-value/(?P<commitment_id>[0-9]+)",
            filter_backends=[], pagination_class=None)
    def social_value(self, request: Request, pk=None, commitment_id=None) -> Response:
        bid = self._bid(pk, for_write=True)
        commitment = selectors.social_value_get(bid, commitment_id)
        if request.method == "DELETE":
            services.social_value_delete(commitment=commitment, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = validated(SocialValueInputSerializer, request.data, partial=True)
        row = services.social_value_update(commitment=commitment, by=request.user, **data)
        return Response(SocialValueSerializer(row).data)

    @extend_schema(summary=_("Send the bid to the board for approval (coordinators)"), request=None,
                   responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="send-for-approval", filter_backends=[],
            pagination_class=None)
    def send_for_approval(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        services.bid_send_for_approval(bid=bid, by=request.user)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Take a bid before the board, or approved, back to draft (coordinators)"),
                   request=None, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="reopen", filter_backends=[], pagination_class=None)
    def reopen(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        services.bid_reopen(bid=bid, by=request.user)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("Submit the approved bid before the deadline (coordinators)"), request=None,
                   responses={201: SnapshotSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="submit", filter_backends=[], pagination_class=None)
    def submit(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        submission = submission_services.bid_submit(bid=bid, by=request.user)
        return Response(_snapshot_data(submission), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Withdraw the submitted bid before the deadline; it goes back to draft "
                             "(coordinators)"),
                   request=None, responses={200: WorkspaceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="withdraw", filter_backends=[], pagination_class=None)
    def withdraw(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk, for_write=True)
        submission_services.bid_withdraw(bid=bid, by=request.user)
        return Response(_workspace(request, self._bid(pk)))

    @extend_schema(summary=_("The latest submitted snapshot with its SHA-256 (coordinators and board "
                             "members)"),
                   responses={200: SnapshotSerializer, **error_responses(401, 403, 404)})
    @action(detail=True, methods=["get"], url_path="snapshot", filter_backends=[], pagination_class=None)
    def snapshot(self, request: Request, pk=None) -> Response:
        bid = self._bid(pk)
        require(request.user.is_coordinator or request.user.is_board_member,
                _("The submitted snapshot is for the coordinators and the board."))
        submission = bid.submissions.order_by("-version").first()
        if submission is None:
            raise ValidationError({"non_field_errors": [_("The bid has not been submitted yet.")]})
        return Response(_snapshot_data(submission))


def _snapshot_data(submission) -> dict:
    return SnapshotSerializer({
        "version": submission.version, "sha256": submission.sha256, "submitted_at": submission.submitted_at,
        "withdrawn_at": submission.withdrawn_at, "verified": submission_services.verify(submission),
        "snapshot": submission.snapshot,
    }).data


router = SimpleRouter()
router.register("bids", BidViewSet, basename="bid-api")

urlpatterns = router.urls
