"""Back office for staff: tenders, lots, documents and clarifications (read mostly; statuses
move only through the services, so status fields are read-only here), and the background
allocation runs (read only: a worker writes them)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from consortium.admin import ReadOnly
from contracts.models import (
    AllocationJob,
    Clarification,
    Lot,
    LotVolume,
    QualityQuestion,
    Tender,
    TenderDocument,
)


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0
    fields = ["number", "title", "service_type", "status"]
    readonly_fields = ["status"]
    show_change_link = True


class DocumentInline(admin.TabularInline):
    model = TenderDocument
    extra = 0
    fields = ["title", "version", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tender)
class TenderAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "council", "status", "submission_deadline"]
    list_filter = ["status", "procedure", "council"]
    search_fields = ["reference", "title"]
    readonly_fields = ["status", "recorded_by_consortium", "published_at", "lots_changed_at", "created_by"]
    inlines = [LotInline, DocumentInline]


class VolumeInline(admin.TabularInline):
    model = LotVolume
    extra = 0


class QuestionInline(admin.TabularInline):
    model = QualityQuestion
    extra = 0


@admin.register(Lot)
class LotAdmin(SimpleHistoryAdmin):
    list_display = ["tender", "number", "title", "service_type", "status"]
    list_filter = ["status", "service_type"]
    readonly_fields = ["status"]
    filter_horizontal = ["areas"]
    inlines = [VolumeInline, QuestionInline]


@admin.register(TenderDocument)
class TenderDocumentAdmin(admin.ModelAdmin):
    list_display = ["tender", "title", "version", "size", "uploaded_at"]
    readonly_fields = [
        "tender",
        "title",
        "version",
        "file",
        "sha256",
        "size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Clarification)
class ClarificationAdmin(SimpleHistoryAdmin):
    list_display = ["tender", "consortium", "asked_at", "answered_at"]
    readonly_fields = ["asked_by", "asked_at", "answered_by", "answered_at"]


@admin.register(AllocationJob)
class AllocationJobAdmin(ReadOnly, SimpleHistoryAdmin):
    """Read only: to find why a run failed or what it did, never to change one."""

    list_display = ["bid", "strategy", "status", "progress", "stage", "requested_by", "created_at",
                    "finished_at"]
    list_filter = ["status", "strategy"]
    list_select_related = ["bid__tender", "requested_by"]
    search_fields = ["bid__tender__reference", "bid__tender__title"]
    readonly_fields = ["bid", "strategy", "requested_by", "language", "cells", "status", "progress", "stage",
                       "error", "summary", "created_at", "started_at", "finished_at"]
