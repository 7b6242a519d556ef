"""The seal of a submitted joint bid: one canonical text of its snapshot and that text's SHA-256.
Pure (no database, no Django): the submission service seals with it, and anyone who reads a
submission (the council's review, scoring, the API) checks the seal with ``verify``.

Canonical JSON: keys sorted, no spaces, non-ASCII kept as UTF-8, Decimals as strings, datetimes
as ISO 8601 in UTC, dates as ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any, Protocol


class Sealed(Protocol):
    """What a sealed submission holds (``contracts.models.BidSubmission``)."""

    snapshot: Any
    canonical: str
    sha256: str


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_json(data: Any) -> str:
    """The one text form of a snapshot."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(submission: Sealed) -> bool:
    """The stored canonical text hashes to the stored digest, and the stored snapshot is that text."""
    return (sha256_of(submission.canonical) == submission.sha256
            and canonical_json(submission.snapshot) == submission.canonical)
