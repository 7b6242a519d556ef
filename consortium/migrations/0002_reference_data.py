"""Load the reference data the product ships with: Welsh councils and service types."""

import csv
from pathlib import Path

from django.db import migrations

COUNCILS_CSV = Path(__file__).resolve().parent.parent / "data" / "wales_councils.csv"

# Care Inspectorate Wales service categories, with the unit their volume is counted in.
SERVICE_TYPES = [
    ("domiciliary-support", "Domiciliary support", "Cymorth cartref", "hours_per_week",
     "Domiciliary support service"),
    ("supported-living", "Supported living", "Byw â chymorth", "hours_per_week",
     "Domiciliary support service"),
    ("care-home", "Care home", "Cartref gofal", "places", "Care home service"),
    ("adult-placement", "Adult placement (Shared Lives)", "Lleoli oedolion (Cysylltu Bywydau)",
     "places", "Adult placement service"),
    ("day-opportunities", "Day opportunities", "Cyfleoedd dydd", "sessions_per_week", ""),
    ("advocacy", "Advocacy", "Eiriolaeth", "hours_per_week", "Advocacy service"),
    ("respite", "Short breaks and respite", "Seibiannau byr a gofal seibiant", "places", ""),
]


def load(apps, schema_editor):
    Council = apps.get_model("consortium", "Council")
    ServiceType = apps.get_model("consortium", "ServiceType")
    with COUNCILS_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            Council.objects.update_or_create(
                code=row["iso_3166_2"],
                defaults={
                    "name_en": row["name_en"],
                    "name_cy": row["name_cy"],
                    "regional_partnership_board": row["regional_partnership_board"],
                    "health_board": row["health_board"],
                },
            )
    for code, name_en, name_cy, unit, ciw in SERVICE_TYPES:
        ServiceType.objects.update_or_create(
            code=code,
            defaults={"name_en": name_en, "name_cy": name_cy, "unit": unit, "ciw_service": ciw},
        )


class Migration(migrations.Migration):
    dependencies = [("consortium", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
