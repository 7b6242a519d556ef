"""Web pages: bulk import of capacity declarations from CSV or XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from consortium.errors import DomainError, require
from members.forms import ImportForm
from members.importing import (
    INLINE_MAX_ROWS,
    TEMPLATE_FORMATS,
    ImportRejected,
    can_import_capacity,
    capacity_import_start,
    capacity_template,
)
from members.models import CapacityImportJob
from members.selectors import capacity_import_job_get_for_user

COLUMN_HELP = [
    ("member", False, _("The co-op's society or company number, or its legal name. Member co-ops "
                        "may leave it blank: the row is then for their own co-op.")),
    ("service_type", True, _("The service type's code, for example domiciliary-support.")),
    ("council", True, _("The council's code (for example GB-CRF) or its English or Welsh name.")),
    ("time_band", True, _("One of: weekday_day, evening, night, weekend, bank_holiday.")),
    ("valid_from", True, _("The first day the declaration applies, as YYYY-MM-DD.")),
    ("valid_to", False, _("The last day, as YYYY-MM-DD; blank if open-ended.")),
    ("declared_volume", True, _("Volume you can deliver, in the service's unit (hours per week or "
                                "places), up to 2 decimal places.")),
    ("staff_fte", True, _("Staff for this volume, in full-time equivalents.")),
    ("welsh_speaking_share", True, _("The share of that staff who speak Welsh, from 0 to 100.")),
    ("min_package", False, _("The smallest package you take on, in the same unit.")),
    ("max_package", False, _("The largest package you take on; not less than min_package.")),
]


def _check_can_import(request) -> None:
    require(can_import_capacity(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def capacity_import_page(request):
    """Upload form; a rejected file re-renders it with every row error, and nothing changes."""
    _check_can_import(request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    rejected: ImportRejected | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = capacity_import_start(user=request.user, file=upload, filename=upload.name)
        except ImportRejected as exc:
            rejected = exc
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            if isinstance(result, CapacityImportJob):
                return redirect("capacity-import-job", pk=result.pk)
            messages.success(
                request,
                ngettext(
                    "%(created)s declaration imported, %(superseded)s superseded.",
                    "%(created)s declarations imported, %(superseded)s superseded.",
                    result.created,
                )
                % {"created": result.created, "superseded": result.superseded},
            )
            return redirect("capacity-import")
    return render(
        request,
        "members/imports/capacity_import.html",
        {
            "form": form,
            "rejected": rejected,
            "columns": COLUMN_HELP,
            "is_member_user": request.user.is_member_user,
            "inline_max_rows": INLINE_MAX_ROWS,
        },
    )


def _job_context(request, pk: int) -> dict:
    _check_can_import(request)
    job = capacity_import_job_get_for_user(request.user, pk)
    return {
        "job": job,
        "job_live": job.is_live and not job.is_stale,
        "hidden_count": max(0, job.error_count - len(job.row_errors)),
        "inline_max_rows": INLINE_MAX_ROWS,
    }


@login_required
@require_GET
def capacity_import_job_page(request, pk: int):
    """A large file's import, run in the background: its progress while it runs (polled by
    htmx), then what it imported, or every row error and that nothing changed."""
    return render(request, "members/imports/capacity_import_job.html", _job_context(request, pk))


@login_required
@require_GET
def capacity_import_job_progress(request, pk: int):
    """The progress of a background import, as a fragment of its page; once the job has ended
    the answer tells htmx to reload the page, which then shows the outcome."""
    context = _job_context(request, pk)
    response = render(request, "members/imports/_job_progress.html", context)
    if not context["job_live"] and request.headers.get("HX-Request") == "true":
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def capacity_import_template(request):
    _check_can_import(request)
    file_format = request.GET.get("file_format", "csv")
    if file_format not in TEMPLATE_FORMATS:
        raise Http404
    content, content_type, filename = capacity_template(file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("capacity/import/", capacity_import_page, name="capacity-import"),
    path("capacity/import/template/", capacity_import_template, name="capacity-import-template"),
    path("capacity/import/jobs/<int:pk>/", capacity_import_job_page, name="capacity-import-job"),
    path("capacity/import/jobs/<int:pk>/progress/", capacity_import_job_progress,
         name="capacity-import-job-progress"),
]
