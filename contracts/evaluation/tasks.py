"""Celery tasks of the evaluation stage: thin wrappers over one service each, safe to run twice.
Their names are kept from before the stages (beat schedule, queued messages)."""

from celery import shared_task

from contracts.evaluation.services import award as award_services


@shared_task(name="contracts.tasks.confirm_awards_after_standstill")
def confirm_awards_after_standstill() -> int:
    """Beat task: confirm the awards whose standstill has ended, making their contracts
    (idempotent: an award already confirmed is left alone); returns how many this run confirmed."""
    return award_services.awards_confirm_due()
