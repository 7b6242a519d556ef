"""Celery tasks of the delivery stage: thin wrappers over one service each, safe to run twice.
Their names are kept from before the stages (beat schedule, queued messages)."""

from celery import shared_task

from contracts.delivery.services import contracts as contract_services


@shared_task(name="contracts.tasks.update_contract_statuses")
def update_contract_statuses() -> int:
    """Beat task: pending contracts become active on their start date, live ones expire after
    their end date (idempotent); returns how many moves this run made."""
    return contract_services.contracts_update_statuses()
