"""Dates, times, money and amounts in a unit written for people, one way, in the reader's language.

Every page, message and e-mail formats through these (templates through the filters of
``consortium/templatetags/formatting.py``), so a date reads "16 Dec 2026" (Welsh "16 Rhag
2026") wherever it appears, a time is the time in Wales, and money reads "£1,695.00" or
"−£0.06". Call them where the text is made, inside the reader's language: a value put into a
gettext message is formatted at that point, never left for ``%s`` to write as "2026-12-16".

A number next to a noun goes through ``ngettext`` (or ``{% blocktranslate count %}``), so Welsh
gets its four plural forms; ``volume`` does it for the service types' units.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone
from django.utils.translation import ngettext, npgettext

DAY_FORMAT = "j M Y"
MOMENT_FORMAT = "j M Y H:i"
MINUS = "\u2212"
CENT = Decimal("0.01")
MISSING = "–"


def day(value: dt.date | None) -> str:
    """A day as pages show it: "16 Dec 2026", "16 Rhag 2026" in Welsh. A datetime gives its day
    in Wales. None gives "–"."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = _in_wales(value).date()
    return formats.date_format(value, DAY_FORMAT)


def moment(value: dt.datetime | None) -> str:
    """A point in time in Wales (Europe/London, so BST in summer): "16 Dec 2026 14:05". None
    gives "–"."""
    if value is None:
        return MISSING
    return formats.date_format(_in_wales(value), MOMENT_FORMAT)


def money(value: Decimal | int | str | None) -> str:
    """Pounds to the penny with thousands separated: "£1,695.00"; below zero with a real minus
    sign, "−£0.06". None (and text that is no number) gives "–"."""
    if value is None or value == "":
        return MISSING
    try:
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except ArithmeticError:
        return MISSING
    text = f"£{abs(amount):,.2f}"
    return MINUS + text if amount < 0 else text


def volume(value: Decimal | int | float, unit: str) -> str:
    """An amount of a service in its unit (a ``consortium.models.Unit`` code), singular or plural
    as the language needs: "1 place", "2 places", "1.5 hours per week"."""
    number = Decimal(str(value))
    count = _count(number)
    shown = format(number.normalize(), ",f")
    if unit == "places":
        text = ngettext("%(n)s place", "%(n)s places", count)
    elif unit == "sessions_per_week":
        text = ngettext("%(n)s session per week", "%(n)s sessions per week", count)
    else:
        text = ngettext("%(n)s hour per week", "%(n)s hours per week", count)
    return text % {"n": shown}


def unit_noun(value: Decimal | int | float, unit: str) -> str:
    """The unit alone, as it follows ``value`` where the number is shown apart (in bold, say):
    "place" after 1, "places" after 2."""
    count = _count(Decimal(str(value)))
    if unit == "places":
        return npgettext("unit after a figure", "place", "places", count)
    if unit == "sessions_per_week":
        return npgettext("unit after a figure", "session per week", "sessions per week", count)
    return npgettext("unit after a figure", "hour per week", "hours per week", count)


def _count(number: Decimal) -> int:
    # ngettext takes a whole number: a fraction takes the form of "many" (3 is "many" in English
    # and in Welsh).
    return int(number) if number == number.to_integral_value() else 3


def _in_wales(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value, timezone.get_default_timezone())
