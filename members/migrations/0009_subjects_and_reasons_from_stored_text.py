"""What the product stored in English before it stored codes: each ballot's subject and each
membership status change's reason it wrote is read back into its code and details, so it reads in
each reader's language. Text that matches no pattern (a motion or reason a person typed, or one
stored in Welsh) keeps its text and is shown as typed."""

import re

from django.db import migrations

BID = re.compile(r"^Approve the joint bid for (?P<tender>.+)$", re.S)
ADMISSION = re.compile(r"^Admit (?P<coop>.+) \((?P<number>[^()]*)\) as a member co-op$", re.S)
OPENING = re.compile(r"^Approve the opening position \(round (?P<n>\d+)\) for (?P<service>.+) with "
                     r"(?P<council>.+), (?P<year>\d{4}-\d{2})$", re.S)
ADMITTED = re.compile(r"^Admitted by the board(?: \(ballot (?P<ballot>\d+)\))?$")


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


def reason_code_and_params(reason):
    reason = reason.strip()
    if reason == "Application recorded":
        return "application_recorded", {}
    if m := ADMITTED.match(reason):
        return "admitted_by_board", {"ballot": int(m["ballot"])} if m["ballot"] else {}
    return "", {}


def forwards(apps, schema_editor):
    Ballot = apps.get_model("members", "Ballot")
    Change = apps.get_model("members", "MembershipStatusChange")
    Council = apps.get_model("consortium", "Council")
    ServiceType = apps.get_model("consortium", "ServiceType")
    for ballot in Ballot.objects.filter(subject_code="").only("pk", "subject"):
        code, params = subject_code_and_params(ballot.subject, Council, ServiceType)
        if code:
            Ballot.objects.filter(pk=ballot.pk).update(subject_code=code, subject_params=params)
    for change in Change.objects.filter(reason_code="").only("pk", "reason"):
        code, params = reason_code_and_params(change.reason)
        if code:
            Change.objects.filter(pk=change.pk).update(reason_code=code, reason_params=params)


def backwards(apps, schema_editor):
    # The English text was never removed: nothing to undo.
    pass


class Migration(migrations.Migration):

    dependencies = [
        ("consortium", "0001_initial"),
        ("members", "0008_ballot_subject_and_status_reason_codes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
