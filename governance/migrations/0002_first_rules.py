"""Every consortium made before governance gets version 1 of the rules (the defaults)."""

from django.db import migrations


def first_rules(apps, schema_editor):
    Consortium = apps.get_model("consortium", "Consortium")
    GovernanceRules = apps.get_model("governance", "GovernanceRules")
    for consortium_id in Consortium.objects.values_list("pk", flat=True):
        GovernanceRules.objects.get_or_create(consortium_id=consortium_id, version=1)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(first_rules, migrations.RunPython.noop)]
