"""The Homecare Association's published Minimum Price for Homecare (England, national living
wage based), per contact hour: the comparator in negotiations. Coordinators can update it."""

from decimal import Decimal

from django.db import migrations

PUBLISHED = [
    (2020, "20.69"),
    (2023, "25.95"),
    (2024, "28.53"),
    (2025, "32.14"),
]


def load(apps, schema_editor):
    ReferencePrice = apps.get_model("pricing", "ReferencePrice")
    for year, amount in PUBLISHED:
        ReferencePrice.objects.get_or_create(
            financial_year=year,
            defaults={
                "amount": Decimal(amount),
                "basis": "England, National Living Wage",
                "source": "Homecare Association, Minimum Price for Homecare",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
