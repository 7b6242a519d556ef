"""Celery finds each app's tasks in its ``tasks`` module: this one gathers the stages' own."""

from contracts.bidding.tasks import (
    expire_stale_allocation_jobs,
    run_allocation_job,
    send_response_reminders,
)
from contracts.delivery.tasks import payment_run, update_contract_statuses
from contracts.evaluation.tasks import confirm_awards_after_standstill
from contracts.tendering.tasks import close_tenders_past_deadline

__all__ = [
    "close_tenders_past_deadline",
    "confirm_awards_after_standstill",
    "expire_stale_allocation_jobs",
    "payment_run",
    "run_allocation_job",
    "send_response_reminders",
    "update_contract_statuses",
]
