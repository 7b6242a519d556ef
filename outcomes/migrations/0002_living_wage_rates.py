"""The Real Living Wage (UK rate) per financial year, as the Living Wage Foundation published it:
each rate is announced in the autumn and paid by accredited employers by 1 May, so it is the
rate of the financial year that starts that April. Staff add each new year's rate in the back
office once it is announced."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SOURCE = "https://www.livingwage.org.uk/what-real-living-wage"
RATES = [  # (financial year it is paid in, UK hourly rate, announced on)
    (2021, "9.50", dt.date(2020, 11, 9)),
    (2022, "9.90", dt.date(2021, 11, 15)),
    (2023, "10.90", dt.date(2022, 9, 22)),
    (2024, "12.00", dt.date(2023, 10, 24)),
    (2025, "12.60", dt.date(2024, 10, 22)),
    (2026, "13.45", dt.date(2025, 10, 22)),
]


def add_rates(apps, schema_editor):
    LivingWageRate = apps.get_model("outcomes", "LivingWageRate")
    for year, rate, announced in RATES:
        LivingWageRate.objects.get_or_create(
            financial_year=year,
            defaults={"hourly_rate": Decimal(rate), "announced_on": announced, "source": SOURCE})


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
