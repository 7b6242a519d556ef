"""Serializers of the member register API. Input and output are kept apart where they differ:
input serializers only check the shape of a request, services apply the rules."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortium.api import NamedChoiceField
from consortium.models import Council, ServiceType, TimeBand, Unit

from ..models import (
    CapacityDeclaration,
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

PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}
VOLUME = {"max_digits": 9, "decimal_places": 2, "min_value": 0}
PACKAGE = {"max_digits": 7, "decimal_places": 2, "min_value": 0}


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


# --- Member co-ops ---------------------------------------------------------------------------


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


# --- Stakeholder classes ---------------------------------------------------------------------


class StakeholderClassCreateSerializer(serializers.Serializer):
    coop = EditableCoopField()
    kind = serializers.ChoiceField(choices=StakeholderKind.choices)
    member_count = serializers.IntegerField(min_value=0, max_value=10_000_000)
    vote_share = serializers.DecimalField(**PERCENT)


class StakeholderClassUpdateSerializer(serializers.Serializer):
    member_count = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    vote_share = serializers.DecimalField(**PERCENT, required=False)


# --- Compliance documents --------------------------------------------------------------------


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


# --- Capacity --------------------------------------------------------------------------------


class CapacityDeclarationSerializer(serializers.ModelSerializer):
    coop_name = serializers.CharField(source="coop.display_name", read_only=True)
    service_type_name = serializers.CharField(source="service_type.name", read_only=True)
    council_name = serializers.CharField(source="council.name", read_only=True)
    unit = serializers.ChoiceField(source="service_type.unit", choices=Unit.choices, read_only=True)
    available_volume = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)

    class Meta:
        model = CapacityDeclaration
        fields = [
            "id", "coop", "coop_name", "service_type", "service_type_name", "unit", "council",
            "council_name", "time_band", "valid_from", "valid_to", "declared_volume",
            "committed_volume", "available_volume", "staff_fte", "welsh_speaking_share",
            "min_package", "max_package", "is_current", "supersedes", "declared_at",
        ]
        read_only_fields = fields


class CapacityDeclarationInputSerializer(serializers.Serializer):
    """A new version for one scope (co-op x service type x council x time band)."""

    coop = EditableCoopField()
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    council = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all())
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    valid_from = serializers.DateField(required=False, help_text=_("Defaults to today."))
    valid_to = serializers.DateField(required=False, allow_null=True)
    declared_volume = serializers.DecimalField(
        **VOLUME, help_text=_("In the service's unit: hours per week, or places.")
    )
    staff_fte = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    welsh_speaking_share = serializers.DecimalField(**PERCENT)
    min_package = serializers.DecimalField(**PACKAGE, required=False, allow_null=True)
    max_package = serializers.DecimalField(**PACKAGE, required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("valid_from", timezone.localdate())
        low, high = attrs.get("min_package"), attrs.get("max_package")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"min_package": _("The minimum package cannot be larger than the maximum.")}
            )
        valid_to = attrs.get("valid_to")
        if valid_to is not None and valid_to < attrs["valid_from"]:
            raise serializers.ValidationError(
                {"valid_to": _("The end of the period must be on or after its start.")}
            )
        return attrs


class PooledCapacityRowSerializer(serializers.Serializer):
    council = serializers.IntegerField()
    council_name = serializers.CharField()
    service_type = serializers.IntegerField()
    service_type_name = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    coop = serializers.IntegerField(
        allow_null=True, help_text=_("With by_member=true: the member co-op of this row.")
    )
    coop_name = serializers.CharField(allow_null=True)
    members = serializers.IntegerField(help_text=_("Member co-ops declaring in this row."))
    declared = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    staff_fte = serializers.DecimalField(max_digits=14, decimal_places=2)
    welsh_volume = serializers.DecimalField(
        max_digits=14, decimal_places=2,
        help_text=_("Declared volume that can be delivered in Welsh."),
    )
