"""Evidence snapshots attached to negotiation rounds before disclosure control changed
(pricing.statistics.disclose) carry the old figures: quartiles by linear interpolation to the
penny, from which lowest = 2 x lower quartile - median and highest = 2 x upper quartile - median
give members' own costs. Coarsen them in place as the rule does: no quartiles below 5 members,
no median below 3, and every figure rounded down to a whole 10p (the sum of line medians and
the difference worked again from the rounded medians). The history keeps the figures the
coordinators already saw in full."""

from decimal import ROUND_FLOOR, Decimal

from django.db import migrations

STEP = Decimal("0.10")
FEWEST = {"lower_quartile": 5, "median": 3, "upper_quartile": 5}
MARK = "min_members_for_quartiles"


def _coarse(value, count: int, fewest: int):
    if value is None or count < fewest:
        return None
    return str((Decimal(value) / STEP).to_integral_value(rounding=ROUND_FLOOR) * STEP)


def _disclose(stat: dict) -> dict:
    count = int(stat.get("count") or 0)
    return {**stat, **{name: _coarse(stat.get(name), count, fewest) for name, fewest in FEWEST.items()}}


def forwards(apps, schema_editor):
    NegotiationRound = apps.get_model("pricing", "NegotiationRound")
    for round_ in NegotiationRound.objects.filter(evidence__kind="cost_of_care_evidence").iterator():
        evidence = round_.evidence
        if MARK in evidence:
            continue
        lines = [_disclose(line) for line in evidence.get("lines") or []]
        total = _disclose(evidence.get("total") or {})
        medians = [line.get("median") for line in lines]
        shown = total.get("median") is not None and None not in medians
        line_sum = sum((Decimal(m) for m in medians), Decimal("0.00")) if shown else None
        evidence.update(
            lines=lines, total=total, **{MARK: FEWEST["lower_quartile"]},
            sum_of_line_medians=None if line_sum is None else str(line_sum),
            difference=None if line_sum is None else str(Decimal(total["median"]) - line_sum),
            method="latest submissions of active members; figures coarsened after the offer: "
                   "median from 3 members, quartiles from 5, rounded down to a whole 10p",
        )
        NegotiationRound.objects.filter(pk=round_.pk).update(evidence=evidence)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0004_comparators_published_by_staff_or_a_consortiums_own")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
