"""A contract version's reason the product wrote (a rate card agreed in a negotiation and put in
force, ``contracts.delivery.services.uplift``) is stored as a code and its details, and read in
each reader's language; ``reason`` keeps its English text for the record.

The reasons it stored in English before are read back into their code and details. Text that
matches no pattern (a reason a person typed, or one stored in Welsh) keeps its text, with no
code, and is shown as typed."""

import datetime as dt
import re

from django.db import migrations, models

MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
DAY = r"\d{1,2} [A-Z][a-z]{2} \d{4}"
RATE_CARD = re.compile(rf"^Rates agreed with (?P<council>.+) in negotiation (?P<n>\d+) \(rate card "
                       rf"for (?P<year>\d{{4}}-\d{{2}})\), in force from (?P<day>{DAY})\."
                       rf"(?: (?P<note>.+))?$", re.S)
PUT_IN_FORCE_LATE = re.compile(rf"^The card was put in force on (?P<on>{DAY}), after its start, so its "
                               rf"rates apply from then\.$")
RATES_ALREADY_VARY = re.compile(rf"^The contract's rates already vary from (?P<day>{DAY}), so the card's "
                                rf"rates apply from then\.$")
PERIODS_IN_USE = re.compile(rf"^Billing periods up to (?P<last>{DAY}) already have returns or invoices, so "
                            rf"the card's rates apply from (?P<day>{DAY}); an earlier difference is "
                            rf"corrected by an adjustment in a later return\.$")


def _iso(text):
    """"16 Dec 2026" (how the product wrote a day in English) as "2026-12-16", or None."""
    day, month, year = text.split()
    try:
        return dt.date(int(year), MONTHS[month], int(day)).isoformat()
    except (KeyError, ValueError):
        return None


def _note(text, day):
    """The params of the note why the day moved, or None if it cannot be read."""
    if m := PUT_IN_FORCE_LATE.match(text):
        on = _iso(m["on"])
        return {"note": "put_in_force_late", "on": on} if on else None
    if (m := RATES_ALREADY_VARY.match(text)) and _iso(m["day"]) == day:
        return {"note": "rates_already_vary"}
    if (m := PERIODS_IN_USE.match(text)) and _iso(m["day"]) == day:
        last = _iso(m["last"])
        return {"note": "periods_in_use", "last": last} if last else None
    return None


def reason_code_and_params(reason, council_id, Council):
    """The code and params of a version's reason stored as English text, or ("", {}).
    ``council_id`` is the contract's council (the card's: an agreed card varies the contracts
    with its own council)."""
    m = RATE_CARD.match(reason.strip())
    if m is None:
        return "", {}
    day = _iso(m["day"])
    note = _note(m["note"], day) if m["note"] else {}
    if day is None or note is None:
        return "", {}
    council = (Council.objects.filter(pk=council_id, name_en=m["council"]).first()
               or Council.objects.filter(name_en=m["council"]).order_by("pk").first())
    return "rate_card", {"council_id": council.pk if council else None, "council": m["council"],
                         "n": int(m["n"]), "year": m["year"], "day": day, **note}


def forwards(apps, schema_editor):
    Version = apps.get_model("contracts", "ContractVersion")
    Council = apps.get_model("consortium", "Council")
    stored = Version.objects.filter(reason_code="", kind="rate", reason__startswith="Rates agreed with ")
    for pk, reason, council_id in stored.values_list("pk", "reason", "contract__council_id"):
        code, params = reason_code_and_params(reason, council_id, Council)
        if code:
            Version.objects.filter(pk=pk).update(reason_code=code, reason_params=params)


def backwards(apps, schema_editor):
    # The English text was never removed: nothing to undo.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ("consortium", "0001_initial"),
        ("contracts", "0013_allocation_gap_and_inline_time_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="contractversion",
            name="reason_code",
            field=models.CharField(blank=True, choices=[("", "A reason as typed"),
                                                        ("rate_card", "Rates agreed in a negotiation")],
                                   default="", max_length=30, verbose_name="kind of reason"),
        ),
        migrations.AddField(
            model_name="contractversion",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="reason's details"),
        ),
        migrations.AlterField(
            model_name="contractversion",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason", help_text=(
                "As typed; for a reason the product wrote (a reason code), its English text, kept for "
                "the record.")),
        ),
        migrations.RunPython(forwards, backwards),
    ]
