"""Celery tasks of the bidding stage: thin wrappers over one service each, safe to run twice.
Their names are kept from before the stages (beat schedule, queued messages)."""

from celery import shared_task
from django.conf import settings

from contracts.bidding.services import allocation as allocation_services
from contracts.bidding.services import bids as bid_services
from contracts.models import AllocationJobStatus


@shared_task(name="contracts.tasks.send_response_reminders")
def send_response_reminders() -> int:
    """Beat task: remind members whose answer to a bid is due soon (idempotent)."""
    return bid_services.response_reminders_send()


@shared_task(name="contracts.tasks.run_allocation_job", bind=True, acks_late=True,
             reject_on_worker_lost=True, max_retries=None)
def run_allocation_job(self, job_id: int) -> str | None:
    """Run one background allocation (``contracts.models.AllocationJob``). The message is
    acknowledged only when the task ends, and handed back when its worker dies, so a run whose
    worker was killed is delivered again: the job, left running by the dead worker, starts
    again. A job already finished or failed is left alone, so a message delivered twice does
    nothing the second time. A job running in another worker that is alive is looked at again
    once that worker could have been taken for lost (it finishes, or this takes it over).
    Returns the job's status."""
    status = allocation_services.allocation_job_run(job_id=job_id)
    in_worker = not (self.request.is_eager or self.request.called_directly)
    if status == AllocationJobStatus.RUNNING and in_worker:
        raise self.retry(countdown=settings.ALLOCATION_JOB_WORKER_LOST_AFTER)
    return status


@shared_task(name="contracts.tasks.expire_stale_allocation_jobs")
def expire_stale_allocation_jobs() -> int:
    """Beat task: mark failed the background allocations that no worker came back for (queued,
    or running in their latest attempt, for longer than ``ALLOCATION_JOB_STALE_AFTER``, past
    the broker's visibility timeout), so their page says so and the bid can be allocated again
    without waiting for someone to try (idempotent); returns how many."""
    return allocation_services.allocation_jobs_expire_stale()
