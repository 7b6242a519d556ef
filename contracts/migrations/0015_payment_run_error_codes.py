"""Why a payment run failed, as the product says it, is stored as a code and read in each
reader's language; ``error`` keeps the English text. The three failures it stored in English
before are given their code; any other text (a refusal's own message, or text stored in Welsh)
is shown as recorded."""

from django.db import migrations, models

ENGLISH = {
    "The payment run stopped before it finished. Nothing was paid: start another run.": "stopped",
    "The payment run could not be started: the background worker cannot be reached. Nothing was paid: "
    "try again in a few minutes.": "unreachable",
    "The payment run failed unexpectedly. Nothing was paid: start another run, and if it fails again, "
    "tell the system's administrators.": "unexpected",
}


def forwards(apps, schema_editor):
    PaymentRun = apps.get_model("contracts", "PaymentRun")
    for text, code in ENGLISH.items():
        PaymentRun.objects.filter(error_code="", error=text).update(error_code=code)


def backwards(apps, schema_editor):
    # The English text was never removed: nothing to undo.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0014_contract_version_reason_codes'),
    ]

    operations = [
        migrations.AddField(
            model_name='paymentrun',
            name='error_code',
            field=models.CharField(blank=True, choices=[('', 'As recorded'), ('stopped', 'Stopped before it finished'), ('unreachable', 'The background worker could not be reached'), ('unexpected', 'An unexpected error')], default='', editable=False, max_length=20, verbose_name='kind of error'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
