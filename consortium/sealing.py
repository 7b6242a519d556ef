"""Sealing a record: one canonical text of it and that text's SHA-256. Pure (no database, no
Django). A joint bid's submission (``contracts.bidding.sealing``), a return or invoice
(``contracts.delivery.sealing``) and a general meeting's approved minutes (governance) are sealed
with it, so a record reads the same way wherever it is checked.

Canonical JSON: keys sorted, no spaces, non-ASCII kept as UTF-8, Decimals as strings, datetimes
as ISO 8601 in UTC, dates as ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_json(data: Any) -> str:
    """The one text form of a record."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plain(data: Any) -> Any:
    """The record as JSON values only (what a JSONField stores and gives back), so that the
    stored record and the sealed text are the same thing."""
    return json.loads(canonical_json(data))


def seal_of(data: Any) -> str:
    """SHA-256 of the record's canonical text."""
    return sha256_of(canonical_json(data))


def seal_holds(record: Any, seal: str) -> bool:
    """The stored record still hashes to its stored seal."""
    return bool(seal) and seal_of(record) == seal
