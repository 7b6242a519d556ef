"""Writes that name their author, and where given the reason, in the audit history
(django-simple-history reads ``_history_user`` and ``_change_reason`` off the instance when it
records the change)."""

from __future__ import annotations

from typing import Any


def save_audited(obj: Any, by: Any, *, reason: str = "", **kwargs: Any) -> None:
    obj._history_user = by
    if reason:
        obj._change_reason = reason
    obj.save(**kwargs)


def delete_audited(obj: Any, by: Any) -> None:
    obj._history_user = by
    obj.delete()
