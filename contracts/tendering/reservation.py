"""The term a reserved tender may have (pure: no database).

Procurement Act 2023, s.33(1): the section applies where the contract "(a) is for reservable
light touch services, and (b) has a maximum term of five years or less." The tender form refuses
a reservation under section 33 for a longer term (``contracts.tendering.services.tenders``), and
``outcomes.reserved`` shows the same test on each bidder's evidence page: one rule, written here.
"""

from __future__ import annotations

import datetime as dt

from governance.evidence import add_months

#: s.33(1)(b): "a maximum term of five years or less".
MAX_TERM_MONTHS = 60


def latest_end(start: dt.date) -> dt.date:
    """The latest contract end that keeps the term (end - start) within five years."""
    return add_months(start, MAX_TERM_MONTHS)


def term_within_five_years(start: dt.date, end: dt.date) -> bool:
    """Whether a contract from ``start`` to ``end`` has a term of five years or less."""
    return end <= latest_end(start)
