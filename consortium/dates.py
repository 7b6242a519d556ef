"""The range of dates the product accepts for anything people enter (a tender's dates, a rate
card's, a membership status change's): a typo like 1900 or 2999 is refused with a field error."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from consortium.errors import DomainError

EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def check_date_in_range(value: dt.date | None, *, field: str, what: str) -> None:
    """Raise a DomainError on ``field`` when ``value`` (``what`` it is, in a sentence) is outside
    2000 to 2100; None passes."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise DomainError(_("Enter %(what)s between 2000 and 2100.") % {"what": what}, field=field)
