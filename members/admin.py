from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from members.models import (
    CapacityDeclaration,
    CapacityImportJob,
    CIWRegistration,
    ComplianceDocument,
    Contact,
    MemberCoop,
    MembershipStatusChange,
    MemberUser,
    StakeholderClass,
)


class StakeholderInline(admin.TabularInline):
    model = StakeholderClass
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class CIWInline(admin.TabularInline):
    model = CIWRegistration
    extra = 0


class StatusChangeInline(admin.TabularInline):
    model = MembershipStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "effective_on", "reason", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MemberCoop)
class MemberCoopAdmin(SimpleHistoryAdmin):
    list_display = ["legal_name", "trading_name", "consortium", "coop_type", "social_coop_type", "status"]
    list_filter = ["consortium", "status", "coop_type", "social_coop_type", "welsh_language"]
    search_fields = ["legal_name", "trading_name", "society_number", "company_number"]
    readonly_fields = ["status", "joined_on"]
    inlines = [StakeholderInline, ContactInline, CIWInline, StatusChangeInline]


@admin.register(MemberUser)
class MemberUserAdmin(admin.ModelAdmin):
    list_display = ["user", "coop"]
    list_select_related = ["user", "coop"]


@admin.register(ComplianceDocument)
class ComplianceDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "coop", "doc_type", "expires_on"]
    list_filter = ["doc_type"]
    list_select_related = ["coop"]


@admin.register(CapacityDeclaration)
class CapacityDeclarationAdmin(admin.ModelAdmin):
    """Read-only: declarations are versions, changed only by declaring again."""

    list_display = ["coop", "service_type", "council", "time_band", "declared_volume",
                    "committed_volume", "is_current", "declared_at"]
    list_filter = ["is_current", "time_band", "service_type"]
    list_select_related = ["coop", "service_type", "council"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CapacityImportJob)
class CapacityImportJobAdmin(SimpleHistoryAdmin):
    """Read only: to find why a background import failed or what it did, never to change one
    (the uploaded file is not shown)."""

    list_display = ["filename", "requested_by", "status", "progress", "created", "error_count",
                    "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    search_fields = ["filename", "requested_by__username"]
    fields = readonly_fields = ["filename", "requested_by", "language", "status", "stage", "progress",
                                "rows_read", "created", "superseded", "rows", "error", "row_errors",
                                "error_count", "created_at", "started_at", "finished_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
