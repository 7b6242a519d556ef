"""Celery tasks of contracts: thin wrappers over one service each, safe to run twice."""

from celery import shared_task

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


@shared_task(name="contracts.tasks.run_allocation_job")
def run_allocation_job(job_id: int) -> str | None:
    """Run one queued background allocation (``contracts.models.AllocationJob``): a job that is
    not queued any more (already run, running elsewhere, or failed) is left alone, so a message
    delivered twice does nothing the second time. Returns the job's status."""
    return allocation_services.allocation_job_run(job_id=job_id)


@shared_task(name="contracts.tasks.expire_stale_allocation_jobs")
def expire_stale_allocation_jobs() -> int:
    """Beat task: mark failed the background allocations whose worker has stopped (queued or
    running for longer than ``ALLOCATION_JOB_STALE_AFTER``), so their page says so and the bid
    can be allocated again without waiting for someone to try (idempotent); returns how many."""
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
