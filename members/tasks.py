from celery import shared_task

from . import importing, services


@shared_task(name="members.tasks.send_compliance_reminders")
def send_compliance_reminders() -> int:
    """Beat task: e-mail members about compliance documents nearing expiry (idempotent)."""
    return services.compliance_reminders_send()


@shared_task(name="members.tasks.run_capacity_import_job")
def run_capacity_import_job(job_id: int) -> str | None:
    """Run one queued capacity import (``members.models.CapacityImportJob``): a job that is not
    queued any more is left alone, so a message delivered twice imports once. Returns the
    job's status."""
    return importing.capacity_import_job_run(job_id=job_id)
