"""Writes that name their author in the audit history (django-simple-history reads
``_history_user`` off the instance when it records the change)."""

from __future__ import annotations

from typing import Any


def save_audited(obj: Any, by: Any, **kwargs: Any) -> None:
    obj._history_user = by
    obj.save(**kwargs)


def delete_audited(obj: Any, by: Any) -> None:
    obj._history_user = by
    obj.delete()
