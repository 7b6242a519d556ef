"""API for the core: token login and the reference data (councils, service types)."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from consortium import notifications
from consortium.api import JSONParser
from consortium.filters import CouncilFilter
from consortium.models import Council, Notification, ServiceType
from consortium.network import client_ip


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


VALIDATION_ERRORS = {
    "type": "object",
    "description": _(
        "Messages by input field; non_field_errors for the request as a whole; detail when "
        "the body could not be read at all."
    ),
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}

ERROR_DESCRIPTIONS = {
    400: _("The input was refused: see the messages by field. Nothing was changed."),
    401: _("Not signed in: send a session cookie or \"Authorization: Token <key>\"."),
    403: _("Your role may not do this."),
    404: _("Not found, or not visible to you (or no such page of results)."),
    409: _("Refused by the state the object is in (not in this status, already running, sealed...): "
           "see the messages. Nothing was changed."),
    429: _("Too many requests: wait and try again."),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation, for ``extend_schema(responses=...)``."""
    return {
        code: OpenApiResponse(
            VALIDATION_ERRORS if code in (400, 409) else ErrorDetailSerializer,
            description=ERROR_DESCRIPTIONS[code],
        )
        for code in codes
    }


READ_LIST_ERRORS = error_responses(400, 401, 404)
READ_DETAIL_ERRORS = error_responses(401, 404)


class CouncilSerializer(serializers.ModelSerializer):
    class Meta:
        model = Council
        fields = ["id", "code", "name_en", "name_cy", "regional_partnership_board", "health_board"]


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name_en", "name_cy", "unit", "ciw_service"]


@extend_schema_view(
    list=extend_schema(responses={200: CouncilSerializer(many=True), **error_responses(401, 404)}),
    retrieve=extend_schema(responses={200: CouncilSerializer, **READ_DETAIL_ERRORS}),
)
class CouncilViewSet(viewsets.ReadOnlyModelViewSet):
    """The 22 principal councils of Wales (reference data, readable by any signed-in user)."""

    queryset = Council.objects.order_by("name_en")
    serializer_class = CouncilSerializer
    filterset_class = CouncilFilter


@extend_schema_view(
    list=extend_schema(responses={200: ServiceTypeSerializer(many=True), **READ_LIST_ERRORS}),
    retrieve=extend_schema(responses={200: ServiceTypeSerializer, **READ_DETAIL_ERRORS}),
)
class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ServiceType.objects.order_by("name_en")
    serializer_class = ServiceTypeSerializer
    filterset_fields = ["code", "unit"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class LoginThrottle(AnonRateThrottle):
    """Tries from one address: the client's, forwarded addresses believed only from our proxies."""

    rate = "30/minute"

    def get_ident(self, request):
        return client_ip(request)


class LoginUsernameThrottle(SimpleRateThrottle):
    """Tries for one username from any number of addresses (the lockout counts failures only)."""

    scope = "login-username"
    rate = "10/minute"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        # Usernames are matched case-insensitively here, so "Member-A" is no way round the limit.
        digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class ObtainTokenView(ObtainAuthToken):
    """POST a username and password, get the token to send as ``Authorization: Token <key>``.

    Failed attempts count towards the same lockout as the login page.
    """

    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle, LoginUsernameThrottle]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            **error_responses(400, 403, 429),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField(help_text=_("The notification, in your language."))
    url = serializers.SerializerMethodField(
        help_text=_("Where to act on it (a path on this site), or empty."))

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "created_at", "read_at"]

    def get_message(self, obj: Notification) -> str:
        return notifications.message_of(obj)

    def get_url(self, obj: Notification) -> str:
        return notifications.url_of(obj)


@extend_schema_view(
    list=extend_schema(responses={200: NotificationSerializer(many=True), **READ_LIST_ERRORS}))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your own notifications, newest first (nobody else's)."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return notifications.notifications_for(self.request.user)


# SimpleRouter: no browsable root view or format-suffix routes beside the documented operations.
router = SimpleRouter()
router.register("councils", CouncilViewSet, basename="council")
router.register("service-types", ServiceTypeViewSet, basename="service-type")
router.register("notifications", NotificationViewSet, basename="notification")
