"""Celery tasks of the tendering stage: thin wrappers over one service each, safe to run twice.
Their names are kept from before the stages (beat schedule, queued messages)."""

from celery import shared_task

from contracts.tendering.services import tenders as tender_services


@shared_task(name="contracts.tasks.close_tenders_past_deadline")
def close_tenders_past_deadline() -> int:
    """Beat task: close published tenders whose submission deadline has passed (idempotent);
    returns how many this run closed."""
    return tender_services.tenders_close_past_deadline()
