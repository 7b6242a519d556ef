"""Why a payment run failed, as the product says it, is stored as a code and read in the reader's
language: a run failed by the background worker (English active, or none) reads in Welsh for a
Welsh coordinator, on the run's page and in the API. A refusal's own message is shown as
recorded. The data migration gives the English failures stored before their code."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from contracts.delivery.services import payments as services
from contracts.models import PaymentRun, PaymentRunError, PaymentRunStatus

pytestmark = pytest.mark.django_db

migration = importlib.import_module("contracts.migrations.0015_payment_run_error_codes")

STOPPED_CY = "Stopiodd y rhediad talu cyn gorffen. Ni thalwyd dim: dechreuwch rediad arall."
UNREACHABLE_CY = "Nid oedd modd dechrau'r rhediad talu: ni ellir cyrraedd y gweithiwr cefndir."
UNEXPECTED_CY = "Methodd y rhediad talu yn annisgwyl."


def _run(world, **fields) -> PaymentRun:
    return PaymentRun.objects.create(consortium=world.consortium, pay_on=dt.date.today(),
                                     created_by=world.user("coordinator"), **fields)


def test_a_stale_run_failed_in_english_reads_in_welsh(world, settings):
    run = _run(world)
    PaymentRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    settings.PAYMENT_RUN_STALE_AFTER = 60
    with translation.override("en"):
        assert services.payment_runs_expire_stale(consortium_id=world.consortium.pk) == 1
    run.refresh_from_db()
    assert (run.status, run.error_code) == (PaymentRunStatus.FAILED, PaymentRunError.STOPPED)
    assert run.error == "The payment run stopped before it finished. Nothing was paid: start another run."
    with translation.override("cy"):
        assert run.error_text == STOPPED_CY


def test_a_worker_out_of_reach_and_an_unexpected_failure_read_in_welsh(world, monkeypatch):
    unreachable = _run(world)
    with translation.override("en"):
        services._unreachable(unreachable.pk)
    unexpected = _run(world)

    class Broken:
        @property
        def objects(self):
            raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "BankAccount", Broken())
    with translation.override("en"):
        assert services.payment_run_execute(run_id=unexpected.pk) == PaymentRunStatus.FAILED
    unreachable.refresh_from_db()
    unexpected.refresh_from_db()
    assert unreachable.error_code == PaymentRunError.UNREACHABLE
    assert unexpected.error_code == PaymentRunError.UNEXPECTED
    assert unexpected.error.startswith("The payment run failed unexpectedly.")
    with translation.override("cy"):
        assert unreachable.error_text.startswith(UNREACHABLE_CY)
        assert unexpected.error_text.startswith(UNEXPECTED_CY)


def test_the_run_page_and_the_api_give_the_error_in_the_readers_language(world, client_for, api_for):
    run = _run(world)
    with translation.override("en"):
        services._unreachable(run.pk)
    client = client_for("coordinator")
    client.cookies["django_language"] = "cy"
    page = client.get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert "Nid oedd modd dechrau&#x27;r rhediad talu" in page and "could not be started" not in page
    api = api_for("coordinator")
    welsh = api.get(f"/api/v1/payment-runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="cy")
    assert welsh.status_code == 200, welsh.content
    assert welsh.json()["error"].startswith(UNREACHABLE_CY)
    english = api.get(f"/api/v1/payment-runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["error"].startswith("The payment run could not be started")


def test_a_refusals_own_message_is_shown_as_recorded(world):
    run = _run(world)
    services._fail(run.pk, error="Nothing to pay.")
    run.refresh_from_db()
    assert (run.error_code, run.error) == (PaymentRunError.RECORDED, "Nothing to pay.")
    with translation.override("cy"):
        assert run.error_text == "Nothing to pay."


def test_the_migration_codes_the_stored_english_failures_and_leaves_other_text(world):
    stopped = _run(world, status=PaymentRunStatus.FAILED,
                   error="The payment run stopped before it finished. Nothing was paid: start another run.")
    unexpected = _run(world, status=PaymentRunStatus.FAILED,
                      error="The payment run failed unexpectedly. Nothing was paid: start another run, and "
                            "if it fails again, tell the system's administrators.")
    other = _run(world, status=PaymentRunStatus.FAILED, error="Nothing to pay.")
    migration.forwards(apps, None)
    rows = {r.pk: r for r in PaymentRun.objects.all()}
    assert rows[stopped.pk].error_code == PaymentRunError.STOPPED
    assert rows[unexpected.pk].error_code == PaymentRunError.UNEXPECTED
    assert rows[other.pk].error_code == PaymentRunError.RECORDED
    with translation.override("cy"):
        assert rows[stopped.pk].error_text == STOPPED_CY
        assert rows[other.pk].error_text == "Nothing to pay."
