"""Existing contracts: each version in force from the contract's start (the original) or the day it
was made (a variation), and the contract's billing periods (four-weekly, the default)."""

import datetime as dt

from django.db import migrations


def _bounds(start, end):
    periods, first = [], start
    while first <= end:
        last = min(first + dt.timedelta(days=27), end)
        periods.append((first, last))
        first = last + dt.timedelta(days=1)
    return periods


def forwards(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    ContractVersion = apps.get_model("contracts", "ContractVersion")
    BillingPeriod = apps.get_model("contracts", "BillingPeriod")
    for contract in Contract.objects.all().iterator():
        for version in ContractVersion.objects.filter(contract=contract, effective_from__isnull=True):
            version.effective_from = (contract.start if version.number == 1
                                      else max(contract.start, version.created_at.date()))
            version.save(update_fields=["effective_from"])
        if not BillingPeriod.objects.filter(contract=contract).exists():
            BillingPeriod.objects.bulk_create(BillingPeriod(contract=contract, start=s, end=e)
                                              for s, e in _bounds(contract.start, contract.end))


class Migration(migrations.Migration):

    dependencies = [("contracts", "0009_delivery_returns_invoices_payments")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
