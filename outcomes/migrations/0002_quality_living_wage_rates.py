"""The Real Living Wage (UK rate, outside London) per financial year, 2021-22 to 2026-27, as the
Living Wage Foundation announced each one the autumn before it is paid. Later years are added by
staff in the back office (outcomes/admin.py)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SOURCE = "https://www.livingwage.org.uk/what-real-living-wage"
RATES = [  # financial year (the year it starts in), hourly rate, announced on
    (2021, Decimal("9.50"), dt.date(2020, 11, 9)),
    (2022, Decimal("9.90"), dt.date(2021, 11, 15)),
    (2023, Decimal("10.90"), dt.date(2022, 9, 22)),
    (2024, Decimal("12.00"), dt.date(2023, 10, 24)),
    (2025, Decimal("12.60"), dt.date(2024, 10, 22)),
    (2026, Decimal("13.45"), dt.date(2025, 10, 21)),
]


def add_rates(apps, schema_editor):
    LivingWageRate = apps.get_model("outcomes", "LivingWageRate")
    for year, rate, announced in RATES:
        LivingWageRate.objects.get_or_create(
            financial_year=year,
            defaults={"hourly_rate": rate, "announced_on": announced, "source": SOURCE})


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
