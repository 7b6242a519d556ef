"""Celery tasks of contracts: thin wrappers over one service each, safe to run twice."""

from celery import shared_task

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
