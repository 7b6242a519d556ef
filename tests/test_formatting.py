"""One way to write dates, times, money and amounts in a unit (consortium.formatting and its
template filters), in English and in Welsh; and singular where there is one of a thing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from consortium.formatting import day, moment, money, unit_noun, volume
from consortium.models import TimeBand
from tests import factories as f

LONDON_SUMMER = dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC)  # 14:05 in Wales (BST)
LONDON_WINTER = dt.datetime(2026, 12, 16, 23, 30, tzinfo=dt.UTC)  # 23:30 in Wales (GMT)


def test_day_reads_as_pages_show_it_in_english_and_welsh():
    assert day(dt.date(2026, 12, 6)) == "6 Dec 2026"
    with translation.override("cy"):
        assert day(dt.date(2026, 12, 16)) == "16 Rhag 2026"
        assert day(dt.date(2026, 6, 1)) == "1 Meh 2026"
    assert day(None) == "–"


def test_a_datetimes_day_and_time_are_those_in_wales():
    assert moment(LONDON_SUMMER) == "1 Jul 2026 14:05"
    assert moment(LONDON_WINTER) == "16 Dec 2026 23:30"
    # 23:30 on 31 March in UTC is already 1 April in Wales (BST from 29 March 2026).
    assert day(dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)) == "1 Apr 2026"
    with translation.override("cy"):
        assert moment(LONDON_SUMMER) == "1 Gor 2026 14:05"


@pytest.mark.parametrize(("amount", "text"), [
    (D("1695"), "£1,695.00"),
    (D("1234567.891"), "£1,234,567.89"),
    (D("-0.06"), "\u2212£0.06"),
    (D("-1695.5"), "\u2212£1,695.50"),
    (D("0"), "£0.00"),
    (D("12.345"), "£12.35"),
    (7, "£7.00"),
    ("24.5", "£24.50"),
    (None, "–"),
])
def test_money_has_pence_thousands_and_a_real_minus_sign(amount, text):
    assert money(amount) == text
    with translation.override("cy"):
        assert money(amount) == text


def test_the_filters_format_as_the_functions_do():
    template = Template("{% load formatting %}{{ a|money }}|{{ d|day }}|{{ t|moment }}"
                        "|{{ v|volume:'places' }}|{{ v|unit_noun:'places' }}")
    context = Context({"a": D("-1695"), "d": dt.date(2026, 12, 16), "t": LONDON_SUMMER, "v": D("1")})
    assert template.render(context) == "\u2212£1,695.00|16 Dec 2026|1 Jul 2026 14:05|1 place|place"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (D("1"), "places", "1 place"),
    (D("2"), "places", "2 places"),
    (D("0"), "places", "0 places"),
    (D("1"), "sessions_per_week", "1 session per week"),
    (D("3"), "sessions_per_week", "3 sessions per week"),
    (D("1"), "hours_per_week", "1 hour per week"),
    (D("1.5"), "hours_per_week", "1.5 hours per week"),
    (D("1200.50"), "hours_per_week", "1,200.5 hours per week"),
])
def test_an_amount_in_its_unit_is_singular_for_one(value, unit, text):
    assert volume(value, unit) == text


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, 8])
def test_places_read_in_welsh_for_every_plural_form(n):
    """Welsh has four plural forms (one, two, few/many, eight and eleven); after a figure its noun
    stays singular, as the catalogue writes it everywhere. Needs the Welsh of
    /work/notes/cy-text.po in locale/ (merged and compiled)."""
    with translation.override("cy"):
        assert volume(D(n), "places") == f"{n} lle"
        assert volume(D(n), "hours_per_week") == f"{n} awr yr wythnos"
        assert unit_noun(D(n), "sessions_per_week") == "sesiwn yr wythnos"


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, 8])
def test_quality_questions_not_yet_scored_read_in_welsh_for_every_plural_form(n):
    """Needs the Welsh of /work/notes/cy-text.po in locale/ (merged and compiled)."""
    with translation.override("cy"):
        text = translation.ngettext("%(n)s quality question", "%(n)s quality questions", n) % {"n": n}
        assert text == f"{n} cwestiwn ansawdd"


def test_one_lot_is_singular_in_english_and_reads_in_welsh():
    """Needs the Welsh of /work/notes/cy-text.po in locale/ (merged and compiled)."""
    singular = ("Member %(member)s, %(area)s %(band)s: %(total)s h allocated (lot %(lots)s) but only "
                "%(available)s h available; remove %(over)s h.")
    plural = singular.replace("(lot %(lots)s)", "(lots %(lots)s)")
    params = {"member": "A", "area": "Caerdydd", "band": "dydd", "total": "5", "lots": "1",
              "available": "4", "over": "1"}
    with translation.override("cy"):
        assert "(lot 1)" in translation.ngettext(singular, plural, 1) % params
        assert "(lotiau 1, 2)" in translation.ngettext(singular, plural, 2) % {**params, "lots": "1, 2"}


@pytest.mark.django_db
def test_one_place_of_capacity_reads_one_place(world, client_for):
    f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council,
                                 service_type=f.service("care-home"), time_band=TimeBand.WEEKDAY_DAY,
                                 declared_volume=D("1"), valid_from=dt.date(2026, 1, 1))
    mine = client_for("member_a").get(reverse("capacity-list")).content.decode()
    assert ">place</span>" in mine and "places" not in mine
    pooled = client_for("coordinator").get(reverse("pooled-capacity"),
                                           {"time_band": TimeBand.WEEKDAY_DAY}).content.decode()
    assert "</strong> place" in pooled
    assert "</strong> places" not in pooled
