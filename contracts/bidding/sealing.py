"""The seal of a submitted joint bid: one canonical text of its snapshot and that text's SHA-256.
Pure (no database, no Django): the submission service seals with it, and anyone who reads a
submission (the council's review, scoring, the API) checks the seal with ``verify``.

The canonical text and its digest are ``consortium.sealing``'s, shared with every sealed record.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from consortium.sealing import canonical_json, sha256_of

__all__ = ["Sealed", "canonical_json", "decimal_or_none", "sha256_of", "verify"]


class Sealed(Protocol):
    """What a sealed submission holds (``contracts.models.BidSubmission``)."""

    snapshot: Any
    canonical: str
    sha256: str


def verify(submission: Sealed) -> bool:
    """The stored canonical text hashes to the stored digest, and the stored snapshot is that text."""
    return (sha256_of(submission.canonical) == submission.sha256
            and canonical_json(submission.snapshot) == submission.canonical)


def decimal_or_none(value) -> Decimal | None:
    """A number of a snapshot (money and volumes are stored as strings) as a Decimal; None when
    it is missing or not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
