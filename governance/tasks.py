"""Celery tasks of governance: take ids, call one service, safe to run twice."""
