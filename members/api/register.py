"""API of the member register: member co-ops, their stakeholder classes and compliance
documents.

Reads go through ``members.selectors`` (lists scoped per role; objects a user may not see
answer 404), writes through ``members.services`` (refusals mapped once in ``consortium.api``).
On an object the user can see but may not change, a write answers 403. Input and output
serializers are kept apart where they differ: input serializers only check the shape of a
request, services apply the rules.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import NamedChoiceField, validated
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import Council, ServiceType

from .. import selectors, services
from ..filters import (
    ComplianceDocumentFilter,
    MemberFilter,
    StakeholderClassFilter,
)
from ..models import (
    CIWRegistration,
    ComplianceDocument,
    CoopType,
    DocumentType,
    LegalForm,
    MemberCoop,
    MembershipStatus,
    MembershipStatusChange,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
    WelshCapability,
)
from ..selectors import EXPIRY_WARNING_DAYS, member_indicators, members_editable_by

NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")


NOT_EDITOR = _("Only the consortium's coordinators and the co-op's own users can change this.")


NO_WRITES = _("Your role cannot change the member register.")

LIST_ERRORS = error_responses(400, 401, 404)


DETAIL_ERRORS = error_responses(401, 404)


CREATE_ERRORS = error_responses(400, 401, 403)


UPDATE_ERRORS = error_responses(400, 401, 403, 404)


DELETE_ERRORS = error_responses(401, 403, 404)


PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}






@extend_schema_field(OpenApiTypes.INT)
class EditableCoopField(serializers.PrimaryKeyRelatedField):
    """A co-op id limited to the co-ops the requesting user may change (others: 'does not exist')."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return MemberCoop.objects.none()
        return members_editable_by(request.user)


class MembershipStatusField(NamedChoiceField):
    """A membership status, one ``MembershipStatusEnum`` component for status, from_status and
    to_status; a blank status (before the first one) is output as null."""

    component = "MembershipStatusEnum"
    enum_choices = MembershipStatus.choices

    def to_representation(self, value):
        return super().to_representation(value) or None


class StakeholderClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = StakeholderClass
        fields = ["id", "coop", "kind", "member_count", "vote_share"]
        read_only_fields = fields


class MemberIndicatorsSerializer(serializers.Serializer):
    service_user_vote_share = serializers.DecimalField(max_digits=6, decimal_places=2)
    user_led = serializers.BooleanField(help_text=_("Service users hold at least 51% of the votes."))
    vote_share_total = serializers.DecimalField(max_digits=6, decimal_places=2)
    disadvantaged_worker_share = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True
    )
    meets_type_b_threshold = serializers.BooleanField(
        allow_null=True,
        help_text=_("Type B social co-ops: at least 30% disadvantaged workers. Null for other types."),
    )


class MemberSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    status = MembershipStatusField(read_only=True)
    stakeholder_classes = StakeholderClassSerializer(source="stakeholders", many=True, read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = MemberCoop
        fields = [
            "id", "legal_name", "trading_name", "display_name", "legal_form", "society_number",
            "company_number", "charity_number", "coop_type", "social_coop_type", "welsh_language",
            "base_council", "councils_served", "service_types", "total_workers",
            "disadvantaged_workers", "status", "joined_on", "created_at", "stakeholder_classes",
            "indicators",
        ]
        read_only_fields = fields

    @extend_schema_field(MemberIndicatorsSerializer)
    def get_indicators(self, obj: MemberCoop) -> dict:
        return MemberIndicatorsSerializer(member_indicators(obj)).data


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    from_status = MembershipStatusField(read_only=True, allow_null=True)
    to_status = MembershipStatusField(read_only=True)
    reason = serializers.CharField(source="reason_text", read_only=True, help_text=_(
        "Why, in the request's language (as typed, for a reason a coordinator gave)."))

    class Meta:
        model = MembershipStatusChange
        fields = ["id", "from_status", "to_status", "effective_on", "reason", "changed_by",
                  "changed_at"]
        read_only_fields = fields


class CIWRegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CIWRegistration
        fields = ["id", "service_type", "registration_number", "registered_on"]
        read_only_fields = fields


class MemberDetailSerializer(MemberSerializer):
    ciw_registrations = CIWRegistrationSerializer(many=True, read_only=True)
    status_changes = StatusChangeSerializer(many=True, read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "ciw_registrations", "status_changes"]
        read_only_fields = fields


class MemberWriteSerializer(serializers.Serializer):
    """Create (every required field) or change (``partial``) a co-op's profile."""

    legal_name = serializers.CharField(max_length=200)
    trading_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    society_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    company_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    charity_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    coop_type = serializers.ChoiceField(choices=CoopType.choices)
    social_coop_type = serializers.ChoiceField(choices=SocialCoopType.choices, required=False)
    welsh_language = serializers.ChoiceField(choices=WelshCapability.choices, required=False)
    base_council = serializers.PrimaryKeyRelatedField(
        queryset=Council.objects.all(), required=False, allow_null=True
    )
    councils_served = serializers.PrimaryKeyRelatedField(
        queryset=Council.objects.all(), many=True, required=False
    )
    service_types = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), many=True, required=False
    )
    total_workers = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    disadvantaged_workers = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)

    def validate_legal_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Give the co-op's legal name."))
        return value


class StatusInputSerializer(serializers.Serializer):
    to_status = MembershipStatusField()
    reason = serializers.CharField(max_length=2000)
    effective_on = serializers.DateField(required=False, help_text=_("Defaults to today."))


class ConsortiumIndicatorsSerializer(serializers.Serializer):
    active_members = serializers.IntegerField()
    social_coops = serializers.IntegerField()
    social_coop_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    threshold = serializers.DecimalField(max_digits=5, decimal_places=2)
    meets_threshold = serializers.BooleanField()


class StakeholderClassCreateSerializer(serializers.Serializer):
    coop = EditableCoopField()
    kind = serializers.ChoiceField(choices=StakeholderKind.choices)
    member_count = serializers.IntegerField(min_value=0, max_value=10_000_000)
    vote_share = serializers.DecimalField(**PERCENT)


class StakeholderClassUpdateSerializer(serializers.Serializer):
    member_count = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    vote_share = serializers.DecimalField(**PERCENT, required=False)


class ComplianceDocumentSerializer(serializers.ModelSerializer):
    coop_name = serializers.CharField(source="coop.display_name", read_only=True)
    has_file = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()
    expiring_soon = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceDocument
        fields = ["id", "coop", "coop_name", "doc_type", "title", "reference", "issued_on",
                  "expires_on", "has_file", "expired", "expiring_soon", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_file(self, obj: ComplianceDocument) -> bool:
        return bool(obj.file)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_expired(self, obj: ComplianceDocument) -> bool:
        return obj.expires_on is not None and obj.expires_on < timezone.localdate()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_expiring_soon(self, obj: ComplianceDocument) -> bool:
        """Not expired yet, and expiring within the warning period (30 days)."""
        if obj.expires_on is None:
            return False
        today = timezone.localdate()
        return today <= obj.expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS)


class ComplianceDocumentUpdateSerializer(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    issued_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    file = serializers.FileField(required=False, max_length=100)

    def validate(self, attrs: dict) -> dict:
        issued, expires = attrs.get("issued_on"), attrs.get("expires_on")
        if issued and expires and expires < issued:
            raise serializers.ValidationError(
                {"expires_on": _("The expiry date must be on or after the issue date.")}
            )
        return attrs


class ComplianceDocumentCreateSerializer(ComplianceDocumentUpdateSerializer):
    coop = EditableCoopField()
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    title = serializers.CharField(max_length=200)


def _member_detail(user, pk) -> MemberCoop:
    """The co-op with everything its detail output shows, or 404."""
    coop = selectors.member_get_for_user(user, pk)
    prefetch_related_objects(
        [coop],
        Prefetch(
            "status_changes",
            queryset=MembershipStatusChange.objects.select_related("changed_by").order_by(
                "-changed_at", "-id"
            ),
        ),
    )
    return coop


@extend_schema_view(
    list=extend_schema(
        summary=_("Member co-ops the user may see, with stakeholder classes and indicators"),
        responses={200: MemberSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("A member co-op with its membership status history"),
        responses={200: MemberDetailSerializer, **DETAIL_ERRORS},
    ),
)
class MemberViewSet(viewsets.GenericViewSet):
    """Member co-ops. Coordinators: their consortium's register, writes too. Board members:
    the register, read only. Member users: their own co-op. Council reviewers: nothing."""

    queryset = MemberCoop.objects.none()
    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        return selectors.members_with_indicators(self.request.user).prefetch_related(
            "councils_served", "service_types"
        ).order_by("legal_name", "pk")

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(MemberDetailSerializer(_member_detail(request.user, pk)).data)

    @extend_schema(
        summary=_("Add a member co-op (coordinators); it starts as an applicant"),
        request=MemberWriteSerializer, responses={201: MemberDetailSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        require(selectors.can_manage_register(request.user), NOT_COORDINATOR)
        data = validated(MemberWriteSerializer, request.data, context={"request": request})
        coop = services.member_create(consortium=request.user.consortium, by=request.user, **data)
        return Response(
            MemberDetailSerializer(_member_detail(request.user, coop.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Change a member co-op's profile (coordinators, or the co-op's own users)"),
        request=MemberWriteSerializer, responses={200: MemberDetailSerializer, **UPDATE_ERRORS},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        coop = selectors.member_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, coop), NOT_EDITOR)
        data = validated(MemberWriteSerializer, request.data, context={"request": request}, partial=True)
        services.member_update(coop=coop, by=request.user, **data)
        return Response(MemberDetailSerializer(_member_detail(request.user, coop.pk)).data)

    @extend_schema(
        summary=_("Move a co-op's membership status (coordinators)"),
        request=StatusInputSerializer, responses={200: MemberDetailSerializer, **UPDATE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="status", filter_backends=[],
            pagination_class=None)
    def change_status(self, request: Request, pk=None) -> Response:
        coop = selectors.member_get_for_user(request.user, pk)
        require(selectors.can_manage_register(request.user), NOT_COORDINATOR)
        data = validated(StatusInputSerializer, request.data, context={"request": request})
        services.member_set_status(coop=coop, by=request.user, **data)
        return Response(MemberDetailSerializer(_member_detail(request.user, coop.pk)).data)

    @extend_schema(
        summary=_("The consortium's social co-op share against its threshold"),
        responses={200: ConsortiumIndicatorsSerializer, **error_responses(401, 403)},
    )
    @action(detail=False, methods=["get"], url_path="indicators", filter_backends=[],
            pagination_class=None)
    def indicators(self, request: Request) -> Response:
        user = request.user
        require(user.is_coordinator or user.is_board_member or user.is_member_user,
                 _("Only the consortium's own users see its indicators."))
        return Response(ConsortiumIndicatorsSerializer(
            selectors.consortium_indicators(user.consortium)
        ).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("Stakeholder classes of the co-ops the user may see"),
        responses={200: StakeholderClassSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(responses={200: StakeholderClassSerializer, **DETAIL_ERRORS}),
    destroy=extend_schema(responses={204: None, **DELETE_ERRORS}),
)
class StakeholderClassViewSet(viewsets.GenericViewSet):
    """Stakeholder classes (service users, workers, carers, ...) with member counts and vote
    shares. A co-op's vote shares add up to 100% at most."""

    queryset = StakeholderClass.objects.none()
    serializer_class = StakeholderClassSerializer
    filterset_class = StakeholderClassFilter

    def get_queryset(self):
        return selectors.stakeholders_visible_to(self.request.user).order_by("coop_id", "kind")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(StakeholderClassSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        obj = selectors.stakeholder_get_for_user(request.user, pk)
        return Response(StakeholderClassSerializer(obj).data)

    @extend_schema(request=StakeholderClassCreateSerializer,
                   responses={201: StakeholderClassSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_write_member_records(request.user), NO_WRITES)
        data = validated(StakeholderClassCreateSerializer, request.data, context={"request": request})
        coop = data["coop"]
        require(selectors.can_edit_member(request.user, coop), NOT_EDITOR)
        if selectors.stakeholders_visible_to(request.user).filter(
            coop=coop, kind=data["kind"]
        ).exists():
            raise ValidationError({"kind": [_("This co-op already has this class; change it instead.")]})
        obj = services.stakeholder_class_save(by=request.user, **data)
        return Response(StakeholderClassSerializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StakeholderClassUpdateSerializer,
                   responses={200: StakeholderClassSerializer, **UPDATE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        obj = selectors.stakeholder_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, obj.coop), NOT_EDITOR)
        data = validated(StakeholderClassUpdateSerializer, request.data, context={"request": request},
                         partial=True)
        obj = services.stakeholder_class_save(
            coop=obj.coop, kind=obj.kind, by=request.user,
            member_count=data.get("member_count", obj.member_count),
            vote_share=data.get("vote_share", obj.vote_share),
        )
        return Response(StakeholderClassSerializer(obj).data)

    def destroy(self, request: Request, pk=None) -> Response:
        obj = selectors.stakeholder_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, obj.coop), NOT_EDITOR)
        services.stakeholder_class_delete(stakeholder=obj, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary=_("Compliance documents (coordinators: the consortium's; member users: their "
                  "co-op's)"),
        responses={200: ComplianceDocumentSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(responses={200: ComplianceDocumentSerializer, **DETAIL_ERRORS}),
    destroy=extend_schema(responses={204: None, **DELETE_ERRORS}),
)
class ComplianceDocumentViewSet(viewsets.GenericViewSet):
    """Compliance evidence with expiry flags: ``expired``, and ``expiring_soon`` (within 30
    days). Board members and council reviewers see none."""

    queryset = ComplianceDocument.objects.none()
    serializer_class = ComplianceDocumentSerializer
    filterset_class = ComplianceDocumentFilter

    def get_queryset(self):
        return selectors.documents_visible_to(self.request.user).order_by("expires_on", "id")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ComplianceDocumentSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        doc = selectors.document_get_for_user(request.user, pk)
        return Response(ComplianceDocumentSerializer(doc).data)

    @extend_schema(request=ComplianceDocumentCreateSerializer,
                   responses={201: ComplianceDocumentSerializer, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_write_member_records(request.user), NO_WRITES)
        data = validated(ComplianceDocumentCreateSerializer, request.data, context={"request": request})
        coop = data.pop("coop")
        require(selectors.can_edit_member(request.user, coop), NOT_EDITOR)
        doc = services.document_create(coop=coop, by=request.user, **data)
        doc = selectors.document_get_for_user(request.user, doc.pk)
        return Response(ComplianceDocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ComplianceDocumentUpdateSerializer,
                   responses={200: ComplianceDocumentSerializer, **UPDATE_ERRORS})
    def partial_update(self, request: Request, pk=None) -> Response:
        doc = selectors.document_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, doc.coop), NOT_EDITOR)
        data = validated(ComplianceDocumentUpdateSerializer, request.data, context={"request": request},
                         partial=True)
        if "issued_on" in data or "expires_on" in data:
            issued = data.get("issued_on", doc.issued_on)
            expires = data.get("expires_on", doc.expires_on)
            if issued and expires and expires < issued:
                raise ValidationError(
                    {"expires_on": [_("The expiry date must be on or after the issue date.")]}
                )
        services.document_update(document=doc, by=request.user, **data)
        doc = selectors.document_get_for_user(request.user, doc.pk)
        return Response(ComplianceDocumentSerializer(doc).data)

    def destroy(self, request: Request, pk=None) -> Response:
        doc = selectors.document_get_for_user(request.user, pk)
        require(selectors.can_edit_member(request.user, doc.coop), NOT_EDITOR)
        services.document_delete(document=doc, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


router = SimpleRouter()
router.register("members", MemberViewSet, basename="api-member")
router.register("stakeholder-classes", StakeholderClassViewSet, basename="api-stakeholder-class")
router.register("compliance-documents", ComplianceDocumentViewSet, basename="api-compliance-document")
