"""API: collective negotiations (pricing/negotiations/).

Reads through ``pricing.selectors.negotiations`` (what each role sees: see there; 404 for what
one may not see), writes through ``pricing.services.negotiations`` (DomainError -> 400, mapped
once). On a negotiation the user can see but may not act in, a write answers 403.
- list, retrieve: coordinators and board members (their consortium's, every round, with its
  ballot), council reviewers (their council's, offered rounds only), member users (agreed
  negotiations, with their own coverage);
- create: coordinators;
- propose, counter, accept, break-off: the negotiating parties (the consortium's coordinators,
  the council's reviewers).
"""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from consortium.api import JSONParser, NamedChoiceField, validated
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import Council, ServiceType, TimeBand
from members import governance
from members.models import BallotStatus
from pricing.api.calculator import FIELD_ERRORS
from pricing.models import Negotiation, NegotiationStatus, Party, RoundStatus, financial_year_label
from pricing.selectors import negotiations as selectors
from pricing.services import negotiations as services

NOT_A_PARTY = _("Only the negotiating parties (the consortium's coordinators and the council's "
                "reviewers) can do this.")
NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")


# --- named enums (field names like "status" are shared with other resources) ------------------


class NegotiationStatusField(NamedChoiceField):
    component = "NegotiationStatusEnum"
    enum_choices = NegotiationStatus.choices


class RoundStatusField(NamedChoiceField):
    component = "RoundStatusEnum"
    enum_choices = RoundStatus.choices


class RoundBallotStatusField(NamedChoiceField):
    component = "BallotStatusEnum"
    enum_choices = BallotStatus.choices


# --- output --------------------------------------------------------------------------------


class NegotiationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    consortium = serializers.IntegerField(source="consortium_id")
    consortium_name = serializers.CharField(source="consortium.name")
    council = serializers.IntegerField(source="council_id")
    council_name = serializers.CharField(source="council.name")
    service_type = serializers.IntegerField(source="service_type_id")
    service_type_code = serializers.CharField(source="service_type.code")
    service_type_name = serializers.CharField(source="service_type.name")
    financial_year = serializers.IntegerField()
    financial_year_label = serializers.SerializerMethodField()
    status = NegotiationStatusField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_financial_year_label(self, obj) -> str:
        return financial_year_label(obj.financial_year)


class RateSerializer(serializers.Serializer):
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    rate = serializers.DecimalField(max_digits=9, decimal_places=2)


class RoundBallotSerializer(serializers.Serializer):
    """The board's vote on an opening position (full detail: governance/ballots/{id}/)."""

    id = serializers.IntegerField()
    status = RoundBallotStatusField()
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    abstentions = serializers.IntegerField()
    electorate = serializers.IntegerField()
    decided_at = serializers.DateTimeField(allow_null=True)


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    party = serializers.ChoiceField(choices=Party.choices)
    status = RoundStatusField()
    rationale = serializers.CharField()
    evidence = serializers.JSONField(help_text=_(
        "The aggregated cost-of-care evidence attached to a consortium offer (suppressed where "
        "fewer than 3 members submitted) with the Homecare Association comparator; {} for none."))
    rates = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    ballot = serializers.SerializerMethodField()

    @extend_schema_field(RateSerializer(many=True))
    def get_rates(self, obj) -> list:
        return [{"time_band": band, "rate": rate} for band, rate in selectors.rates_by_band(obj).items()]

    @extend_schema_field(RoundBallotSerializer(allow_null=True))
    def get_ballot(self, obj) -> dict | None:
        if not self.context.get("insider") or not obj.ballot_id:
            return None
        tally = governance.ballot_tally(obj.ballot)
        return {
            "id": obj.ballot_id, "status": obj.ballot.status, "votes_for": tally.votes_for,
            "votes_against": tally.votes_against, "abstentions": tally.abstentions,
            "electorate": tally.electorate, "decided_at": obj.ballot.decided_at,
        }


class CoverageSerializer(serializers.Serializer):
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    agreed_rate = serializers.DecimalField(max_digits=9, decimal_places=2)
    floor = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True,
                                     help_text=_("Your co-op's own floor; null without a cost submission."))
    margin = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    margin_percent = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class ActionsSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices, allow_null=True)
    can_propose = serializers.BooleanField()
    can_counter = serializers.BooleanField()
    offer_to_accept = serializers.IntegerField(allow_null=True, help_text=_("The round you may accept."))
    can_break_off = serializers.BooleanField()


class NegotiationDetailSerializer(NegotiationSerializer):
    rounds = RoundSerializer(many=True)
    break_off_reason = serializers.CharField()
    actions = ActionsSerializer()
    coverage = CoverageSerializer(many=True, allow_null=True, help_text=_(
        "Member users: per time band, the agreed rate against their own co-op's floor; null for "
        "other roles."))


# --- input ---------------------------------------------------------------------------------


def _rate(required: bool = False) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"),
                                    required=required, allow_null=not required)


class RatesInputSerializer(serializers.Serializer):
    """Pounds per hour per time band; weekday daytime at least."""

    weekday_day = _rate(required=True)
    evening = _rate()
    night = _rate()
    weekend = _rate()
    bank_holiday = _rate()


class OfferInputSerializer(serializers.Serializer):
    rates = RatesInputSerializer()
    rationale = serializers.CharField(max_length=5000)



def _offered_rates(data: dict) -> dict[str, Decimal]:
    """An offer's rates (OfferInputSerializer's validated data), without the bands left empty."""
    return {band: value for band, value in data["rates"].items() if value is not None}


class NegotiationCreateSerializer(serializers.Serializer):
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    financial_year = serializers.IntegerField(min_value=2000, max_value=2100)


class AcceptInputSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text=_("The id of the offer accepted: the latest offer on the "
                                                 "table."))


class BreakOffInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


# --- views ---------------------------------------------------------------------------------

LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
WRITE_ERRORS = {400: OpenApiResponse(FIELD_ERRORS, description=_("Refused: see the messages by field. "
                                                                 "Nothing was changed.")),
                **error_responses(401, 403, 404, 409)}


def _detail(request: Request, pk) -> dict:
    user = request.user
    negotiation = selectors.negotiation_get_for_user(user, pk)
    rounds = list(selectors.rounds_visible_to(user, negotiation))
    insider = selectors.is_insider(user, negotiation)
    actions = selectors.negotiation_actions(user, negotiation, rounds)
    coverage = selectors.coverage_for_user(user, negotiation)
    data = NegotiationSerializer(negotiation).data
    data.update({
        "rounds": RoundSerializer(rounds, many=True, context={"insider": insider}).data,
        "break_off_reason": selectors.break_off_reason(negotiation),
        "actions": {
            "party": actions.party, "can_propose": actions.can_propose, "can_counter": actions.can_counter,
            "offer_to_accept": actions.offer_to_accept.pk if actions.offer_to_accept else None,
            "can_break_off": actions.can_break_off,
        },
        "coverage": None if coverage is None else CoverageSerializer(
            [{"time_band": c.time_band, "agreed_rate": c.agreed_rate, "floor": c.floor,
              "margin": c.margin, "margin_percent": c.margin_percent} for c in coverage], many=True).data,
    })
    return data


def _party(request: Request, negotiation: Negotiation) -> str:
    party = selectors.party_of(request.user, negotiation)
    if party is None:
        raise PermissionDenied(NOT_A_PARTY)
    return party


@extend_schema_view(
    list=extend_schema(summary=_("Negotiations the user may see"), tags=["pricing"],
                       responses={200: NegotiationSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A negotiation with the rounds the user may see"), tags=["pricing"],
                           responses={200: NegotiationDetailSerializer, **DETAIL_ERRORS}),
)
class NegotiationViewSet(viewsets.GenericViewSet):
    queryset = Negotiation.objects.none()
    serializer_class = NegotiationSerializer
    parser_classes = [JSONParser]  # rates are an object: JSON only

    def get_queryset(self):
        return selectors.negotiations_visible_to(self.request.user).order_by("-opened_at", "-pk")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NegotiationSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(_detail(request, pk))

    @extend_schema(summary=_("Open a negotiation with a council (coordinators)"), tags=["pricing"],
                   request=NegotiationCreateSerializer,
                   responses={201: NegotiationDetailSerializer,
                              **{k: v for k, v in WRITE_ERRORS.items() if k != 404}})
    def create(self, request: Request) -> Response:
        require(selectors.can_open_negotiation(request.user), NOT_COORDINATOR)
        data = validated(NegotiationCreateSerializer, request.data, flat=False)
        negotiation = services.negotiation_open(consortium=request.user.consortium, by=request.user, **data)
        return Response(_detail(request, negotiation.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Propose the consortium's opening position, for the board's approval "
                             "(coordinators)"), tags=["pricing"],
                   request=OfferInputSerializer, responses={201: NegotiationDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="propose")
    def propose(self, request: Request, pk=None) -> Response:
        negotiation = selectors.negotiation_get_for_user(request.user, pk)
        require(_party(request, negotiation) == Party.CONSORTIUM, NOT_COORDINATOR)
        data = validated(OfferInputSerializer, request.data, flat=False)
        services.opening_position_propose(negotiation=negotiation, rates=_offered_rates(data),
                                          rationale=data["rationale"], by=request.user)
        return Response(_detail(request, negotiation.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Counter the other side's offer (the council's reviewers for the council, "
                             "coordinators for the consortium)"), tags=["pricing"],
                   request=OfferInputSerializer, responses={201: NegotiationDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="counter")
    def counter(self, request: Request, pk=None) -> Response:
        negotiation = selectors.negotiation_get_for_user(request.user, pk)
        party = _party(request, negotiation)
        data = validated(OfferInputSerializer, request.data, flat=False)
        services.counter_offer(negotiation=negotiation, party=party, rates=_offered_rates(data),
                               rationale=data["rationale"], by=request.user)
        return Response(_detail(request, negotiation.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Accept the other side's latest offer: agreed, and its rates become a rate "
                             "card in force"), tags=["pricing"],
                   request=AcceptInputSerializer,
                   responses={200: NegotiationDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="accept")
    def accept(self, request: Request, pk=None) -> Response:
        negotiation = selectors.negotiation_get_for_user(request.user, pk)
        _party(request, negotiation)
        data = validated(AcceptInputSerializer, request.data, flat=False)
        try:
            round_ = selectors.round_get_for_user(request.user, negotiation, data["round"])
        except Http404:  # an offer the user cannot see is no offer to accept
            raise serializers.ValidationError({"round": [_("Choose the offer on the table.")]}) from None
        services.offer_accept(round=round_, by=request.user)
        return Response(_detail(request, negotiation.pk))

    @extend_schema(summary=_("Break off the negotiation, saying why (either party)"), tags=["pricing"],
                   request=BreakOffInputSerializer,
                   responses={200: NegotiationDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="break-off")
    def break_off(self, request: Request, pk=None) -> Response:
        negotiation = selectors.negotiation_get_for_user(request.user, pk)
        _party(request, negotiation)
        data = validated(BreakOffInputSerializer, request.data, flat=False)
        services.negotiation_break_off(negotiation=negotiation, by=request.user, reason=data["reason"])
        return Response(_detail(request, negotiation.pk))


def _view(actions: dict):
    return NegotiationViewSet.as_view(actions)


PREFIX = "pricing/negotiations/"
urlpatterns = [
    path(PREFIX, _view({"get": "list", "post": "create"}), name="negotiation-api-list"),
    path(f"{PREFIX}<int:pk>/", _view({"get": "retrieve"}), name="negotiation-api-detail"),
    path(f"{PREFIX}<int:pk>/propose/", _view({"post": "propose"}), name="negotiation-api-propose"),
    path(f"{PREFIX}<int:pk>/counter/", _view({"post": "counter"}), name="negotiation-api-counter"),
    path(f"{PREFIX}<int:pk>/accept/", _view({"post": "accept"}), name="negotiation-api-accept"),
    path(f"{PREFIX}<int:pk>/break-off/", _view({"post": "break_off"}), name="negotiation-api-break-off"),
]
