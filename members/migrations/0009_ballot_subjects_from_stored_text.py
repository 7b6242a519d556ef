"""Ballots the product opened before subjects were codes: read each stored English subject back
into its code and parameters, so it reads in each reader's language. A subject that matches no
pattern (a motion a coordinator typed, or one written in Welsh) keeps its text, shown as typed."""

import re

from django.db import migrations

BID = re.compile(r"^Approve the joint bid for (?P<tender>.+)$", re.S)
ADMISSION = re.compile(r"^Admit (?P<coop>.+) \((?P<number>[^()]*)\) as a member co-op$", re.S)
OPENING = re.compile(r"^Approve the opening position \(round (?P<n>\d+)\) for (?P<service>.+) with "
                     r"(?P<council>.+), (?P<year>\d{4}-\d{2})$", re.S)


def subject_code_and_params(subject, Council, ServiceType):
    if m := OPENING.match(subject):
        service = ServiceType.objects.filter(name_en=m["service"]).first()
        council = Council.objects.filter(name_en=m["council"]).first()
        if service is None or council is None:
            return "", {}
        return "opening_position", {
            "n": int(m["n"]), "service_type": service.pk, "service": m["service"],
            "council_id": council.pk, "council": m["council"], "year": m["year"]}
    if m := BID.match(subject):
        return "bid_approval", {"tender": m["tender"]}
    if m := ADMISSION.match(subject):
        return "admission", {"coop": m["coop"], "number": m["number"]}
    return "", {}


def forwards(apps, schema_editor):
    Ballot = apps.get_model("members", "Ballot")
    Council = apps.get_model("consortium", "Council")
    ServiceType = apps.get_model("consortium", "ServiceType")
    for ballot in Ballot.objects.filter(subject_code="").only("pk", "subject"):
        code, params = subject_code_and_params(ballot.subject, Council, ServiceType)
        if code:
            Ballot.objects.filter(pk=ballot.pk).update(subject_code=code, subject_params=params)


def backwards(apps, schema_editor):
    # The English text was never removed: nothing to undo.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ("consortium", "0001_initial"),
        ("members", "0008_ballot_subject_code_and_params"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
