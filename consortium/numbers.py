"""Decimals written for people: no trailing zeros and never an exponent."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal) -> str:
    """20.00 -> "20", 12.50 -> "12.5", 60 -> "60" (``normalize()`` alone would give "6E+1")."""
    return format(value.normalize(), "f")
