"""API for the core: token login and the reference data (councils, service types)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter
from rest_framework.throttling import AnonRateThrottle

from consortium.models import Council, ServiceType


class CouncilSerializer(serializers.ModelSerializer):
    class Meta:
        model = Council
        fields = ["id", "code", "name_en", "name_cy", "regional_partnership_board", "health_board"]


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name_en", "name_cy", "unit", "ciw_service"]


class CouncilFilter(django_filters.FilterSet):
    regional_partnership_board = django_filters.CharFilter(lookup_expr="iexact")
    name = django_filters.CharFilter(field_name="name_en", lookup_expr="icontains")

    class Meta:
        model = Council
        fields = ["code", "regional_partnership_board", "name"]


class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """The 22 principal councils of Wales (reference data, readable by any signed-in user)."""

    queryset = Council.objects.order_by("name_en")
    serializer_class = CouncilSerializer
    filterset_class = CouncilFilter


class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ServiceType.objects.order_by("name_en")
    serializer_class = ServiceTypeSerializer
    filterset_fields = ["code", "unit"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class LoginThrottle(AnonRateThrottle):
    rate = "30/minute"


class ObtainTokenView(ObtainAuthToken):
    """POST a username and password, get the token to send as ``Authorization: Token <key>``.

    Failed attempts count towards the same lockout as the login page.
    """

    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


router = DefaultRouter()
router.register("councils", CouncilViewSet, basename="council")
router.register("service-types", ServiceTypeViewSet, basename="service-type")
