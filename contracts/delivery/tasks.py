"""Celery tasks of the delivery stage: thin wrappers over one service each, safe to run twice.
Their names are kept from before the stages (beat schedule, queued messages)."""

from celery import shared_task

from contracts.delivery.services import contracts as contract_services
from contracts.delivery.services import payments as payment_services


@shared_task(name="contracts.tasks.update_contract_statuses")
def update_contract_statuses() -> int:
    """Beat task: pending contracts become active on their start date, live ones expire after
    their end date (idempotent); returns how many moves this run made."""
    return contract_services.contracts_update_statuses()


@shared_task(name="contracts.tasks.payment_run", acks_late=True, reject_on_worker_lost=True)
def payment_run(run_id: int) -> str | None:
    """Run one payment run (``contracts.models.PaymentRun``), all in one transaction. The message
    is acknowledged only when the task ends, and handed back when its worker dies: a run whose
    worker was killed paid nothing (its transaction rolled back) and runs again whole. A run
    already done is left alone, so a message delivered twice pays nobody twice. Returns the
    run's status."""
    return payment_services.payment_run_execute(run_id=run_id)
