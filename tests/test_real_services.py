"""Tests against the real services: PostgreSQL row locks under real threads, and a real Celery
worker fed through Redis. Both run where DATABASE_URL / CELERY_BROKER_URL point at the service;
locally they skip without it, in CI they fail (root conftest).

The reminder e-mail itself is checked without Redis, against the service the task wraps.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from consortium import formatting
from consortium.models import TimeBand
from members import services
from members.models import (
    CapacityDeclaration,
    ComplianceReminder,
    MembershipStatus,
    MembershipStatusChange,
)
from tests import factories as f
from tests.concurrency import run_together


def _assert_one_linear_history(rows: list[CapacityDeclaration], calls: int) -> None:
    assert len(rows) == calls
    current = [r for r in rows if r.is_current]
    assert len(current) == 1, f"{len(current)} current rows for one scope"
    successors = {r.pk: [s for s in rows if s.supersedes_id == r.pk] for r in rows}
    for row in rows:
        if not row.is_current:
            assert len(successors[row.pk]) == 1, f"row {row.pk} is superseded by {successors[row.pk]}"
    roots = [r for r in rows if r.supersedes_id is None]
    assert len(roots) == 1
    # Walking from the first declaration reaches every row once, and ends at the current one.
    chain = [roots[0]]
    while successors[chain[-1].pk]:
        chain.append(successors[chain[-1].pk][0])
    assert len(chain) == calls
    assert chain[-1] == current[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_declarations_never_leave_two_current_rows_for_a_scope(world):
    service, band = f.service(), TimeBand.WEEKDAY_DAY
    scopes = {world.coop_a: 20, world.coop_b: 8}  # 28 threads at once, 20 on coop A's scope

    def declare(coop, volume):
        return lambda: services.capacity_declare(
            coop=coop, by=None, service_type=service, council=world.council, time_band=band,
            valid_from=timezone.localdate(), declared_volume=Decimal(volume),
            staff_fte=Decimal("3"), welsh_speaking_share=Decimal("20"),
        )

    jobs = [declare(coop, 100 + i) for coop, calls in scopes.items() for i in range(calls)]
    errors = run_together(jobs)

    assert errors == []
    for coop, calls in scopes.items():
        rows = list(CapacityDeclaration.objects.filter(
            coop=coop, service_type=service, council=world.council, time_band=band
        ))
        _assert_one_linear_history(rows, calls)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_status_moves_record_exactly_one_change(world):
    coop = world.coop_b
    assert coop.status == MembershipStatus.ACTIVE
    before = MembershipStatusChange.objects.filter(coop=coop).count()

    def suspend(reason):
        return lambda: services.member_set_status(
            coop=coop, to_status=MembershipStatus.SUSPENDED, reason=reason,
            by=world.user("coordinator"),
        )

    errors = run_together([suspend("Late accounts"), suspend("Insurance lapsed")])

    assert errors == []
    changes = MembershipStatusChange.objects.filter(coop=coop).count() - before
    assert changes == 1
    coop.refresh_from_db()
    assert coop.status == MembershipStatus.SUSPENDED


# --- the reminder task ----------------------------------------------------------------------------

def _due_document(coop, days: int, **kwargs):
    today = timezone.localdate()
    return f.ComplianceDocumentFactory(
        coop=coop, issued_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=days), **kwargs,
    )


def test_reminders_mail_each_due_document_once(world, mailoutbox, django_capture_on_commit_callbacks):
    coop = world.coop_a
    services.contact_save(coop=coop, by=None, name="Eleri Jones", email="eleri@gofal-a.example",
                          is_primary=True)
    soon = _due_document(coop, 10, title="Employers' liability insurance")
    edge = _due_document(world.coop_b, 30, title="Safeguarding policy")
    _due_document(coop, -1, title="Expired policy")  # already expired: flagged, not reminded
    _due_document(coop, 31, title="Far-off policy")
    f.ComplianceDocumentFactory(coop=coop, expires_on=None, title="Open-ended policy")
    withdrawn = f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.WITHDRAWN)
    _due_document(withdrawn, 5, title="Withdrawn member's policy")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.compliance_reminders_send() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.compliance_reminders_send() == 0  # safe to run twice

    assert sorted(r.document_id for r in ComplianceReminder.objects.all()) == sorted([soon.pk, edge.pk])
    assert len(mailoutbox) == 2
    mail = next(m for m in mailoutbox if "Employers' liability" in m.subject)
    assert formatting.day(soon.expires_on) in mail.subject
    assert "Gofal A" in mail.body and "renewal" in mail.body
    assert sorted(mail.to) == ["eleri@gofal-a.example", "member-a@example.org"]


def test_a_reminder_reaches_each_reader_in_their_own_language(world, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    member = world.user("member_a")
    member.preferred_language = "cy"
    member.save(update_fields=["preferred_language"])
    services.contact_save(coop=world.coop_a, by=None, name="Eleri Jones", email="eleri@gofal-a.example",
                          is_primary=True)
    doc = _due_document(world.coop_a, 10, title="Employers' liability insurance")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.compliance_reminders_send() == 1
    by_reader = {tuple(m.to): m for m in mailoutbox}
    assert set(by_reader) == {("member-a@example.org",), ("eleri@gofal-a.example",)}
    with translation.override("cy"):
        welsh_day = formatting.day(doc.expires_on)
    welsh, english = by_reader[("member-a@example.org",)], by_reader[("eleri@gofal-a.example",)]
    assert welsh_day in welsh.subject and "expires" not in welsh.subject
    assert formatting.day(doc.expires_on) in english.subject and "expires" in english.subject


def test_renewed_document_is_reminded_again_for_its_new_expiry(world, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    doc = _due_document(world.coop_a, 10)
    with django_capture_on_commit_callbacks(execute=True):
        services.compliance_reminders_send()
    services.document_update(document=doc, by=None,
                             expires_on=timezone.localdate() + dt.timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.compliance_reminders_send() == 1
    assert len(mailoutbox) == 2


@pytest.mark.redis
@pytest.mark.postgres  # the worker is another process: it must share a real database
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_runs_the_reminder_task_once_per_document(world, celery_worker):
    from celery.backends.redis import RedisBackend

    from consortium.celery import app
    from members.tasks import send_compliance_reminders

    queue, broker, log = celery_worker
    doc = _due_document(world.coop_a, 10)
    results = RedisBackend(app=app, url=broker)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        def run_once() -> int:
            sent = send_compliance_reminders.apply_async(queue=queue)
            try:
                return app.AsyncResult(sent.id, backend=results).get(timeout=90)
            except Exception as exc:
                raise AssertionError(f"the worker did not answer: {exc}\n{log.read_text()}") from exc

        started = time.monotonic()
        assert run_once() == 1
        assert list(ComplianceReminder.objects.values_list("document_id", "days_before")) == [
            (doc.pk, 30)
        ]
        assert run_once() == 0  # the second run adds nothing
        assert ComplianceReminder.objects.count() == 1
        assert time.monotonic() - started < 90
    finally:
        app.conf.task_always_eager = eager
