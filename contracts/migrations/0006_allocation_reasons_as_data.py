"""Allocations keep why a member got its share as reasons (a code and its parameters), put into
words when read, for the reader, instead of English text written once for every reader.

The old text cannot be told apart into reasons (and named members' floors to whoever read it):
each row that had some gets one reason saying it was allocated by an earlier run, which the
page shows until the allocation is run again; the text is dropped, from the audit history too.
"""

from django.db import migrations, models


def old_text_to_a_reason(apps, schema_editor):
    Allocation = apps.get_model("contracts", "Allocation")
    rows = Allocation.objects.exclude(explanation="").select_related("bid_lot__lot")
    for row in rows.iterator(chunk_size=2000):
        row.reasons = [{"code": "earlier_run", "lot": row.bid_lot.lot.number, "params": {}}]
        row.save(update_fields=["reasons"])


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0005_allocation_job_attempts_and_heartbeat'),
    ]

    operations = [
        migrations.AddField(
            model_name='allocation',
            name='reasons',
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name='why'),
        ),
        migrations.AddField(
            model_name='historicalallocation',
            name='reasons',
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name='why'),
        ),
        migrations.RunPython(old_text_to_a_reason, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name='allocation',
            name='explanation',
        ),
        migrations.RemoveField(
            model_name='historicalallocation',
            name='explanation',
        ),
    ]
