"""``{% load formatting %}``: ``{{ amount|money }}``, ``{{ date|day }}``, ``{{ when|moment }}``,
``{{ available|volume:service_type.unit }}`` and ``{{ available|unit_noun:service_type.unit }}``:
the functions of ``consortium.formatting`` as filters."""

from __future__ import annotations

from django import template

from consortium import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("day", formatting.day)
register.filter("moment", formatting.moment)
register.filter("volume", formatting.volume)
register.filter("unit_noun", formatting.unit_noun)
