"""Membership status changes the product recorded before reasons were codes: read each stored
English reason back into its code, so it reads in each reader's language. A reason a person typed
(or one stored in Welsh) keeps its text."""

import re

from django.db import migrations

ADMITTED = re.compile(r"^Admitted by the board(?: \(ballot (?P<ballot>\d+)\))?$")


def reason_code_and_params(reason):
    reason = reason.strip()
    if reason == "Application recorded":
        return "application_recorded", {}
    if m := ADMITTED.match(reason):
        return "admitted_by_board", {"ballot": int(m["ballot"])} if m["ballot"] else {}
    return "", {}


def forwards(apps, schema_editor):
    Change = apps.get_model("members", "MembershipStatusChange")
    for change in Change.objects.filter(reason_code="").only("pk", "reason"):
        code, params = reason_code_and_params(change.reason)
        if code:
            Change.objects.filter(pk=change.pk).update(reason_code=code, reason_params=params)


def backwards(apps, schema_editor):
    # The English text was never removed: nothing to undo.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0010_membership_reason_code_and_params"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
