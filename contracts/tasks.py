"""Celery tasks of contracts: thin wrappers over one service each, safe to run twice."""

from celery import shared_task
from django.conf import settings

from contracts.models import AllocationJobStatus
from contracts.services import allocation as allocation_services
from contracts.services import bids as bid_services
from contracts.services import tenders as tender_services


@shared_task(name="contracts.tasks.close_tenders_past_deadline")
def close_tenders_past_deadline() -> int:
    """Beat task: close published tenders whose submission deadline has passed (idempotent);
    returns how many this run closed."""
    return tender_services.tenders_close_past_deadline()


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


@shared_task(name="contracts.tasks.confirm_awards_after_standstill")
def confirm_awards_after_standstill() -> int:
    """Beat task: confirm the awards whose standstill has ended, making their contracts
    (idempotent: an award already confirmed is left alone); returns how many this run confirmed."""
    from contracts.services import award as award_services

    return award_services.awards_confirm_due()


@shared_task(name="contracts.tasks.update_contract_statuses")
def update_contract_statuses() -> int:
    """Beat task: pending contracts become active on their start date, live ones expire after
    their end date (idempotent); returns how many moves this run made."""
    from contracts.services import contract as contract_services

    return contract_services.contracts_update_statuses()
