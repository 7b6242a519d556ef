"""API: bulk import of capacity declarations and the template file.

Both routes sit under /api/v1/capacity-declarations/ and are listed before the router's
capacity-declaration routes, so "import" is never read as a declaration id.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api_views import error_responses
from consortium.errors import DomainError, is_forbidden
from consortium.i18n import interpolate_lazy
from members.importing import (
    CSV_CONTENT_TYPE,
    INLINE_MAX_ROWS,
    MAX_ERRORS_SHOWN,
    TEMPLATE_FORMATS,
    XLSX_CONTENT_TYPE,
    ImportRejected,
    can_import_capacity,
    capacity_import_start,
    capacity_template,
)
from members.models import CapacityImportJob, CapacityImportJobStatus, CapacityImportStage
from members.selectors import capacity_import_job_get_for_user


class CanImportCapacity(BasePermission):
    message = _("Only coordinators and member co-ops can import capacity declarations.")

    def has_permission(self, request, view) -> bool:
        return can_import_capacity(request.user)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A .csv (UTF-8) or .xlsx file with the template's columns and a header row.")
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("Declarations created."))
    superseded = serializers.IntegerField(help_text=_("Current declarations they replaced."))
    rows = serializers.IntegerField(help_text=_("Rows of data read from the file."))


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True,
        help_text=_("Row in the spreadsheet (the header is row 1); null for the whole file."),
    )
    column = serializers.CharField(allow_null=True, help_text=_("Column name; null if none."))
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where to follow the job."))
    status = serializers.ChoiceField(choices=CapacityImportJobStatus.choices, read_only=True)
    stage = serializers.ChoiceField(choices=CapacityImportStage.choices, read_only=True)
    stopped = serializers.BooleanField(
        source="is_stale", read_only=True,
        help_text=_("Still marked as running, for longer than any import takes: its worker stopped, "
                    "and nothing was imported."))
    errors = ImportErrorSerializer(source="row_errors", many=True, read_only=True, help_text=interpolate_lazy(
        _("The first %(n)s row errors of a refused file, by row."), {"n": MAX_ERRORS_SHOWN}))

    class Meta:
        model = CapacityImportJob
        fields = ["id", "url", "filename", "status", "stage", "progress", "rows_read", "stopped",
                  "created", "superseded", "rows", "error", "errors", "error_count", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: CapacityImportJob) -> str:
        return reverse("api-capacity-import-job", args=[job.pk])


class ImportErrorsSerializer(serializers.Serializer):
    errors = ImportErrorSerializer(
        many=True, help_text=interpolate_lazy(_("The first %(n)s errors, by row."), {"n": MAX_ERRORS_SHOWN})
    )
    error_count = serializers.IntegerField(help_text=_("All errors found, shown or not."))


class TemplateQuerySerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=TEMPLATE_FORMATS, default="csv", required=False)


def _errors_response(errors: list[dict], count: int | None = None) -> Response:
    return Response(
        {"errors": errors[:MAX_ERRORS_SHOWN], "error_count": len(errors) if count is None else count},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _field_errors(detail: dict) -> list[dict]:
    return [
        {"row": None, "column": name, "message": str(message)}
        for name, messages in detail.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]


class CapacityImportView(APIView):
    permission_classes = [IsAuthenticated, CanImportCapacity]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="capacity_declarations_import",
        tags=["capacity-declarations"],
        summary=_("Import capacity declarations from CSV or XLSX"),
        description=interpolate_lazy(_(
            "All or nothing: every row is validated and, if any is wrong, nothing changes and "
            "every error is returned with its row (the header is row 1), column and reason. "
            "Declarations replace the current declaration of the same co-op, service type, "
            "council and time band; work already committed carries over. A file of more than "
            "%(n)s rows is imported by a background job: the answer is then 202 with the job, "
            "to follow at its url."
        ), {"n": INLINE_MAX_ROWS}),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportResultSerializer,
            202: ImportJobSerializer,
            400: ImportErrorsSerializer,
            **error_responses(401, 403),
        },
    )
    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        if not upload.is_valid():
            return _errors_response(_field_errors(upload.errors))
        file = upload.validated_data["file"]
        try:
            result = capacity_import_start(user=request.user, file=file, filename=file.name)
        except ImportRejected as rejected:
            return _errors_response([e.as_dict() for e in rejected.shown], len(rejected.errors))
        except DomainError as error:
            if is_forbidden(error):
                raise  # 403, as every API refusal of the person (consortium.api)
            return _errors_response([{"row": None, "column": error.field, "message": str(error.message)}])
        if isinstance(result, CapacityImportJob):
            job = ImportJobSerializer(result).data
            return Response(job, status=status.HTTP_202_ACCEPTED, headers={"Location": job["url"]})
        return Response(
            ImportResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class CapacityImportJobView(APIView):
    permission_classes = [IsAuthenticated, CanImportCapacity]

    @extend_schema(
        operation_id="capacity_declarations_import_job",
        tags=["capacity-declarations"],
        summary=_("Follow a capacity import run in the background"),
        description=interpolate_lazy(_(
            "A file of more than %(n)s rows is imported by a background job: the import answers "
            "202 with this job. Poll it: status queued, running, then done (with the counts) or "
            "failed (with every row error, or the problem with the file); a failed job imported "
            "nothing. Only the user who uploaded the file sees its job."
        ), {"n": INLINE_MAX_ROWS}),
        responses={200: ImportJobSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(ImportJobSerializer(capacity_import_job_get_for_user(request.user, pk)).data)


class CapacityImportTemplateView(APIView):
    permission_classes = [IsAuthenticated, CanImportCapacity]

    def perform_content_negotiation(self, request, force=False):
        # The file is an HttpResponse of its own type; only errors are rendered (as JSON), so a
        # client asking for text/csv or the xlsx type must not be refused with a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="capacity_declarations_import_template",
        tags=["capacity-declarations"],
        summary=_("Download the import template"),
        description=_("A header row with the import's columns and one example row."),
        parameters=[
            OpenApiParameter(
                "file_format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(TEMPLATE_FORMATS),
                default="csv", description=_("csv or xlsx"),
            )
        ],
        responses={
            (200, CSV_CONTENT_TYPE.split(";")[0], XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: ImportErrorsSerializer,
            **error_responses(401, 403),
        },
    )
    def get(self, request):
        query = TemplateQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return _errors_response(_field_errors(query.errors))
        content, content_type, filename = capacity_template(query.validated_data["file_format"])
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


urlpatterns = [
    path("capacity-declarations/import/", CapacityImportView.as_view(), name="api-capacity-import"),
    path("capacity-declarations/import-jobs/<int:pk>/", CapacityImportJobView.as_view(),
         name="api-capacity-import-job"),
    path(
        "capacity-declarations/import-template/",
        CapacityImportTemplateView.as_view(),
        name="api-capacity-import-template",
    ),
]
