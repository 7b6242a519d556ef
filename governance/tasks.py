"""Celery tasks of governance: take ids, call one service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from .services.elections import board_terms_end

# --- elections ---


@shared_task(name="governance.tasks.end_board_terms")
def end_board_terms() -> int:
    """Daily beat task: end the board terms whose last day has passed, and the board role with
    them (idempotent)."""
    return board_terms_end()
