"""Policies for the bulk import of capacity declarations (web pages and API operations).

Coordinators import for the co-ops of their consortium, member users for their own co-op;
board members, council reviewers and everyone else are refused. The empty POST the matrix
sends to the API import is a validation error (400: no file), and changes nothing.
"""

from tests.policies import Policy, personas

IMPORTERS = {"coordinator": 200, "member_a": 200, "member_b": 200, "coordinator_other": 200}
# A background import job is seen by the user who uploaded its file only: other importers do not
# know it exists (404), roles that cannot import are refused (403).
JOB_OWNER = {"coordinator": 200, "member_a": 404, "member_b": 404, "coordinator_other": 404}


def _coordinators_job(world) -> dict:
    """A finished background import of the coordinator's (made once, reused by every persona)."""
    from members.models import CapacityImportJob, CapacityImportJobStatus

    job = CapacityImportJob.objects.filter(requested_by=world.user("coordinator")).first()
    if job is None:
        job = CapacityImportJob.objects.create(
            requested_by=world.user("coordinator"), filename="capacity.xlsx", content=b"",
            status=CapacityImportJobStatus.DONE, progress=100, created=6000, superseded=0, rows=6000,
        )
    return {"pk": job.pk}


def _coordinators_job_id(world) -> dict:
    return {"id": _coordinators_job(world)["pk"]}


POLICIES = [
    Policy(route="capacity-import", expect=personas(403, anonymous=302, **IMPORTERS)),
    Policy(
        route="capacity-import",
        method="POST",
        expect=personas(403, anonymous=302, **IMPORTERS),
        note="no file: the form is shown again with its error, and nothing is imported",
    ),
    Policy(route="capacity-import-job", expect=personas(403, anonymous=302, **JOB_OWNER),
           kwargs=_coordinators_job),
    Policy(route="capacity-import-job-progress", expect=personas(403, anonymous=302, **JOB_OWNER),
           kwargs=_coordinators_job),
    Policy(
        route="GET /api/v1/capacity-declarations/import-jobs/{id}/",
        expect=personas(403, anonymous=401, **JOB_OWNER),
        kwargs=_coordinators_job_id,
    ),
    Policy(
        route="capacity-import-template",
        query="file_format=xlsx",
        expect=personas(403, anonymous=302, **IMPORTERS),
    ),
    Policy(
        route="POST /api/v1/capacity-declarations/import/",
        method="POST",
        expect=personas(403, anonymous=401, coordinator=400, member_a=400, member_b=400,
                        coordinator_other=400),
        extra={"format": "multipart"},
        note="an empty upload is refused with a row-less error and imports nothing",
    ),
    Policy(
        route="GET /api/v1/capacity-declarations/import-template/",
        query="file_format=xlsx",
        expect=personas(403, anonymous=401, **IMPORTERS),
    ),
]
