"""A rate card's notes the product wrote (agreed in a negotiation; a draft uplifted by a rule)
are stored as a code and its details, and read in each reader's language; ``notes`` keeps their
English text for the record.

The notes it stored in English before are read back into their code and details. Notes that
match no pattern (typed by a person, or stored in Welsh) keep their text, with no code, and are
shown as typed. History rows are left as they were."""

import re

from django.db import migrations, models

AGREED = re.compile(r"^Agreed in negotiation round (?P<n>\d+)\.$")
NUMBER = r"-?\d+(?:\.\d+)?"
UPLIFTED = re.compile(rf"^Uplifted from the (?P<year>\d{{4}}-\d{{2}}) card by the rule “(?P<rule>.+)”: "
                      rf"(?P<share>{NUMBER})% of each rate is pay, raised by (?P<pay>{NUMBER})%; the rest "
                      rf"raised by (?P<other>{NUMBER})%\.$", re.S)


def notes_code_and_params(notes):
    notes = notes.strip()
    if m := AGREED.match(notes):
        return "agreed_in_negotiation", {"n": int(m["n"])}
    if m := UPLIFTED.match(notes):
        return "uplifted_by_rule", {name: m[name] for name in ("year", "rule", "share", "pay", "other")}
    return "", {}


def forwards(apps, schema_editor):
    RateCard = apps.get_model("pricing", "RateCard")
    for pk, notes in RateCard.objects.filter(notes_code="").exclude(notes="").values_list("pk", "notes"):
        code, params = notes_code_and_params(notes)
        if code:
            RateCard.objects.filter(pk=pk).update(notes_code=code, notes_params=params)


def backwards(apps, schema_editor):
    # The English text was never removed: nothing to undo.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ('pricing', '0005_evidence_already_attached_disclosed_by_the_new_rule'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalratecard',
            name='notes_code',
            field=models.CharField(blank=True, choices=[('', 'Notes as typed'), ('agreed_in_negotiation', 'Agreed in a negotiation'), ('uplifted_by_rule', 'Uplifted by a rule')], default='', editable=False, max_length=30, verbose_name='kind of notes'),
        ),
        migrations.AddField(
            model_name='historicalratecard',
            name='notes_params',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="notes' details"),
        ),
        migrations.AddField(
            model_name='ratecard',
            name='notes_code',
            field=models.CharField(blank=True, choices=[('', 'Notes as typed'), ('agreed_in_negotiation', 'Agreed in a negotiation'), ('uplifted_by_rule', 'Uplifted by a rule')], default='', editable=False, max_length=30, verbose_name='kind of notes'),
        ),
        migrations.AddField(
            model_name='ratecard',
            name='notes_params',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="notes' details"),
        ),
        migrations.AlterField(
            model_name='historicalratecard',
            name='notes',
            field=models.TextField(blank=True, help_text='As typed; for notes the product wrote (a notes code), their English text, kept for the record.', verbose_name='notes'),
        ),
        migrations.AlterField(
            model_name='ratecard',
            name='notes',
            field=models.TextField(blank=True, help_text='As typed; for notes the product wrote (a notes code), their English text, kept for the record.', verbose_name='notes'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
