"""API: rate cards (``pricing/rate-cards/``), the rates on a date (``pricing/rate-cards/on-date/``)
and uplift rules (``pricing/uplift-rules/``).

Reads go through ``pricing.selectors.rate_cards`` (lists scoped per role, objects a user may not
see answer 404), writes through ``pricing.services.rate_cards`` (DomainError -> 400, mapped once
in ``consortium.api``). Only coordinators write; on a card they can see but may not change, other
roles get 403. A card in force is never changed: a PATCH of one answers 400 and changes nothing.
Lists cost a fixed number of queries whatever their length (the rates are prefetched).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import validated
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import Council, ServiceType, TimeBand
from pricing.filters import RateCardFilter
from pricing.models import RateCard, RateCardStatus, UpliftRule, financial_year_label
from pricing.selectors import rate_cards as selectors
from pricing.services import rate_cards as services

NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")
MONEY = {"max_digits": 9, "decimal_places": 2}
PERCENT = {"max_digits": 6, "decimal_places": 2}

LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
CREATE_ERRORS = error_responses(400, 401, 403)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)


# --- Serializers -------------------------------------------------------------------------------


def _rate(*, output: bool = False) -> serializers.DecimalField:
    extra = {} if output else {"min_value": Decimal("0.01")}
    return serializers.DecimalField(**MONEY, required=False, allow_null=True, **extra,
                                    help_text=_("Pounds per hour, in pence; null: no rate for this band."))


class RatesSerializer(serializers.Serializer):
    """A rate per time band; a band left out (or null) has no rate on the card."""

    weekday_day = _rate()
    evening = _rate()
    night = _rate()
    weekend = _rate()
    bank_holiday = _rate()

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return {band: value for band, value in values.items() if value is not None}


class RatesOutSerializer(serializers.Serializer):
    weekday_day = _rate(output=True)
    evening = _rate(output=True)
    night = _rate(output=True)
    weekend = _rate(output=True)
    bank_holiday = _rate(output=True)


def _rates_data(rates: dict) -> dict:
    return RatesOutSerializer({band: rates.get(band) for band in TimeBand.values}).data


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class RateCardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    consortium = serializers.IntegerField(source="consortium_id")
    council = RefSerializer()
    service_type = RefSerializer()
    financial_year = serializers.IntegerField(help_text=_("The calendar year it starts in (2026 = 2026-27)."))
    financial_year_label = serializers.SerializerMethodField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True, help_text=_("Empty: until superseded."))
    status = serializers.ChoiceField(choices=RateCardStatus.choices)
    rates = serializers.SerializerMethodField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True,
                                          help_text=_("The card this one superseded."))
    superseded_by = serializers.SerializerMethodField(help_text=_("The card that superseded this one."))
    negotiation = serializers.IntegerField(source="negotiation_id", allow_null=True)
    notes = serializers.CharField(source="notes_text", help_text=_(
        "As typed, or, for notes the product wrote (agreed in a negotiation, uplifted by a rule), in the "
        "language of the request."))
    created_at = serializers.DateTimeField()

    def get_financial_year_label(self, card: RateCard) -> str:
        return financial_year_label(card.financial_year)

    @extend_schema_field(RatesOutSerializer)
    def get_rates(self, card: RateCard) -> dict:
        return _rates_data(selectors.rates_by_band(card))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_superseded_by(self, card: RateCard) -> int | None:
        following = selectors.successor(card)
        return following.pk if following is not None else None


class RateCardCreateSerializer(serializers.Serializer):
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    financial_year = serializers.IntegerField(min_value=services.FIRST_YEAR, max_value=services.LAST_YEAR,
                                              help_text=_("The calendar year it starts in (2026 = 2026-27)."))
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(required=False, allow_null=True)
    rates = RatesSerializer()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RateCardUpdateSerializer(serializers.Serializer):
    effective_from = serializers.DateField(required=False)
    effective_to = serializers.DateField(required=False, allow_null=True,
                                         help_text=_("null: until superseded."))
    rates = RatesSerializer(required=False, help_text=_("The card's rates, all of them: a band left "
                                                        "out is removed."))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class UpliftInputSerializer(serializers.Serializer):
    rule = serializers.IntegerField(help_text=_("One of your consortium's uplift rules."))
    effective_from = serializers.DateField(required=False, allow_null=True,
                                           help_text=_("Default: 1 April of the next financial year."))


class UpliftRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = UpliftRule
        fields = ["id", "name", "pay_share", "pay_uplift", "other_uplift"]


class UpliftRuleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    pay_share = serializers.DecimalField(**PERCENT, min_value=Decimal(0), max_value=Decimal(100),
                                         help_text=_("The share of each rate that is pay, percent."))
    pay_uplift = serializers.DecimalField(**PERCENT, min_value=Decimal("-99.99"), max_value=Decimal(100),
                                          help_text=_("The uplift on the pay share, percent (say the Real "
                                                      "Living Wage's rise)."))
    other_uplift = serializers.DecimalField(**PERCENT, min_value=Decimal("-99.99"), max_value=Decimal(100),
                                            help_text=_("The uplift on the rest, percent (say CPI)."))


class OnDateQuerySerializer(serializers.Serializer):
    council = serializers.CharField(max_length=20)
    service_type = serializers.CharField(max_length=50)
    date = serializers.DateField()
    consortium = serializers.IntegerField(required=False, min_value=1)


class OnDateSerializer(serializers.Serializer):
    consortium = serializers.IntegerField()
    council = RefSerializer()
    service_type = RefSerializer()
    date = serializers.DateField()
    rates = RatesOutSerializer(help_text=_("The rate per band that applies on the date; null: none."))


def _ref(obj) -> dict:
    return {"id": obj.pk, "code": obj.code, "name": obj.name}


def _card_data(card: RateCard) -> dict:
    return RateCardSerializer(card).data


def _lookup(model, value: str, field: str):
    """A council or service type by id or by code; a field error otherwise."""
    query = {"pk": int(value)} if value.isdigit() else {"code": value}
    obj = model.objects.filter(**query).first()
    if obj is None:
        raise ValidationError({field: [_("No such %(what)s: give its id or code.")
                                       % {"what": model._meta.verbose_name}]})
    return obj


# --- Views -------------------------------------------------------------------------------------

ON_DATE_PARAMETERS = [
    OpenApiParameter("council", str, required=True, description=_("The council's id or code (GB-CRF).")),
    OpenApiParameter("service_type", str, required=True,
                     description=_("The service type's id or code (domiciliary-support).")),
    OpenApiParameter("date", OpenApiTypes.DATE, required=True),
    OpenApiParameter("consortium", int, description=_(
        "Council reviewers: the consortium whose rates to show. Others: their own consortium.")),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("Rate cards the user may see, with the rate for each time band"),
        responses={200: RateCardSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary=_("A rate card"), responses={200: RateCardSerializer, **DETAIL_ERRORS}),
)
class RateCardViewSet(viewsets.GenericViewSet):
    """Rate cards. Coordinators and board members: their consortium's, drafts too. Member users:
    their consortium's agreed cards. Council reviewers: agreed cards with their own council."""

    queryset = RateCard.objects.none()
    serializer_class = RateCardSerializer
    filterset_class = RateCardFilter

    def get_queryset(self):
        # By ids rather than names: the database need not join and sort every card for one page.
        return selectors.rate_cards_visible_to(self.request.user).order_by(
            "council_id", "service_type_id", "-effective_from", "-pk")

    def _detail(self, pk) -> RateCard:
        return selectors.rate_card_get_for_user(self.request.user, pk)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([_card_data(card) for card in page])

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(_card_data(self._detail(pk)))

    @extend_schema(summary=_("Make a draft rate card (coordinators)"), request=RateCardCreateSerializer,
                   responses={201: RateCardSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        data = validated(RateCardCreateSerializer, request.data)
        card = services.rate_card_create(consortium=request.user.consortium, by=request.user, **data)
        return Response(_card_data(self._detail(card.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change a draft rate card (coordinators); a card in force cannot be changed"),
                   request=RateCardUpdateSerializer, responses={200: RateCardSerializer, **WRITE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        card = self._detail(pk)
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        data = dict(validated(RateCardUpdateSerializer, request.data, partial=True))
        clear = "effective_to" in data and data["effective_to"] is None
        services.rate_card_update_draft(card=card, by=request.user, clear_effective_to=clear, **data)
        return Response(_card_data(self._detail(card.pk)))

    @extend_schema(summary=_("Put a draft in force, superseding the card in force it overlaps "
                             "(coordinators)"),
                   request=None, responses={200: RateCardSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def activate(self, request: Request, pk=None) -> Response:
        card = self._detail(pk)
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        services.rate_card_put_in_force(card=card, by=request.user)
        return Response(_card_data(self._detail(card.pk)))

    @extend_schema(summary=_("Make next year's draft from an agreed card by an uplift rule (coordinators)"),
                   request=UpliftInputSerializer, responses={201: RateCardSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def uplift(self, request: Request, pk=None) -> Response:
        card = self._detail(pk)
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        data = validated(UpliftInputSerializer, request.data)
        rule = selectors.uplift_rules_visible_to(request.user).filter(pk=data["rule"]).first()
        if rule is None:
            raise ValidationError({"rule": [_("Choose one of your consortium's uplift rules.")]})
        draft = services.rate_card_draft_uplift(card=card, rule=rule, by=request.user,
                                                effective_from=data.get("effective_from"))
        return Response(_card_data(self._detail(draft.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("The rates that apply on a date, for a council and service type"),
                   parameters=ON_DATE_PARAMETERS,
                   responses={200: OnDateSerializer, **error_responses(400, 401, 403)})
    @action(detail=False, methods=["get"], url_path="on-date", filter_backends=[], pagination_class=None)
    def on_date(self, request: Request) -> Response:
        user = request.user
        require(selectors.can_see_rate_cards(user), _("Your role does not see rate cards."))
        query = validated(OnDateQuerySerializer, request.query_params)
        council = _lookup(Council, query["council"], "council")
        service_type = _lookup(ServiceType, query["service_type"], "service_type")
        if user.is_council_reviewer:
            if council.pk != user.council_id:
                raise ValidationError({"council": [_("You can see only your own council's rates.")]})
            if "consortium" not in query:
                raise ValidationError({"consortium": [_("Give the consortium whose rates to show.")]})
            consortium_id = query["consortium"]
        else:
            consortium_id = query.get("consortium", user.consortium_id)
            if consortium_id != user.consortium_id:
                raise ValidationError({"consortium": [_("You can see only your own consortium's rates.")]})
        rates = selectors.rates_on(consortium=consortium_id, council=council, service_type=service_type,
                                   on=query["date"])
        return Response(OnDateSerializer({
            "consortium": consortium_id, "council": _ref(council), "service_type": _ref(service_type),
            "date": query["date"], "rates": {band: rates.get(band) for band in TimeBand.values},
        }).data)


@extend_schema_view(
    list=extend_schema(summary=_("Your consortium's uplift rules (coordinators)"),
                       responses={200: UpliftRuleSerializer(many=True), **WRITE_ERRORS}),
    retrieve=extend_schema(summary=_("An uplift rule (coordinators)"),
                           responses={200: UpliftRuleSerializer, **error_responses(401, 403, 404)}),
)
class UpliftRuleViewSet(viewsets.GenericViewSet):
    """Uplift rules: how next year's draft card is made from this year's (coordinators only)."""

    queryset = UpliftRule.objects.none()
    serializer_class = UpliftRuleSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.uplift_rules_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UpliftRuleSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        return Response(UpliftRuleSerializer(selectors.uplift_rule_get_for_user(request.user, pk)).data)

    @extend_schema(summary=_("Add an uplift rule (coordinators)"), request=UpliftRuleWriteSerializer,
                   responses={201: UpliftRuleSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        data = validated(UpliftRuleWriteSerializer, request.data)
        rule = services.uplift_rule_save(consortium=request.user.consortium, by=request.user, **data)
        return Response(UpliftRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change an uplift rule (coordinators)"), request=UpliftRuleWriteSerializer,
                   responses={200: UpliftRuleSerializer, **WRITE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        require(selectors.can_manage_rate_cards(request.user), NOT_COORDINATOR)
        rule = selectors.uplift_rule_get_for_user(request.user, pk)
        data = validated(UpliftRuleWriteSerializer, request.data, partial=True)
        rule = services.uplift_rule_save(consortium=request.user.consortium, by=request.user, rule=rule,
                                         **data)
        return Response(UpliftRuleSerializer(rule).data)


router = SimpleRouter()
router.register("pricing/rate-cards", RateCardViewSet, basename="rate-card-api")
router.register("pricing/uplift-rules", UpliftRuleViewSet, basename="uplift-rule-api")

urlpatterns = router.urls
