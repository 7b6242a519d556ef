"""Large allocations run in the background: an AllocationJob queued by the request and run by
the Celery task ``contracts.tasks.run_allocation_job``, with its progress on the page.

Most tests queue the job (its task is scheduled on commit, which a test transaction never
reaches) and then call the task function here, so they behave the same on SQLite with Celery
eager and in CI (PostgreSQL, Redis broker, no worker). Where the whole request path is wanted,
the ``eager`` fixture makes Celery run the task in the caller, as in development. One test runs
the job on a real worker process through Redis.

``big`` lowers ``ALLOCATION_INLINE_MAX_CELLS`` to 1: a bid with two members' capacity in its one
lot, area and band (2 cells) runs in the background, one with a single member's (1 cell) inline.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts import tasks
from contracts.bidding.services import allocation as services
from contracts.models import (
    Allocation,
    AllocationJob,
    AllocationJobStage,
    AllocationJobStatus,
    AllocationStatus,
    BidStatus,
    MemberResponse,
    ResponseStatus,
)
from tests import builders as b
from tests import factories as f
from tests.contracts_factories import a_bid, cells, declare, opt_in
from tests.workers import start_worker, stop_worker, worker_env

DAY = TimeBand.WEEKDAY_DAY
D = Decimal
QUEUED, RUNNING, DONE, FAILED = (AllocationJobStatus.QUEUED, AllocationJobStatus.RUNNING,
                                 AllocationJobStatus.DONE, AllocationJobStatus.FAILED)


@pytest.fixture
def coordinator(world):
    return world.user("coordinator")


@pytest.fixture
def big(settings):
    settings.ALLOCATION_INLINE_MAX_CELLS = 1


def two_member_bid(world):
    """100 weekday hours; coop A can give 60 and coop B 20 (2 cells)."""
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "60")
    declare(world.coop_b, world.council, "20")
    opt_in(bid, world.coop_a, world.coop_b)
    return bid


def queued_job(bid, by) -> AllocationJob:
    job = services.allocation_request(bid=bid, strategy="fair_share", by=by)
    assert isinstance(job, AllocationJob)
    assert (job.status, job.progress, job.stage) == (QUEUED, 0, AllocationJobStage.QUEUED)
    return job


EXPECTED_SUMMARY = {
    "strategy": "fair_share", "coverage": "0.8000", "members": 2,
    "shortfalls": [{"lot": 1, "time_band": DAY, "volume": "20.00"}], "welsh_shortfalls": {},
    "solved_again_under_lock": False,
}


# --- inline or in the background ------------------------------------------------------------------

def test_size_is_the_cells_the_optimiser_may_fill(world, coordinator):
    bid = two_member_bid(world)
    inputs = services.gather_inputs(bid, floors=False)
    assert services.allocation_cells(inputs) == 2
    assert services.allocation_cells(inputs, excluded={world.coop_b.pk}) == 1


def test_a_small_run_is_still_made_inside_the_request(world, coordinator, big, client_for):
    bid = a_bid(world, volumes={DAY: "100"})
    declare(world.coop_a, world.council, "60")
    opt_in(bid, world.coop_a)  # one cell

    response = client_for("coordinator").post(reverse("bid-allocation", args=[bid.pk]),
                                              {"action": "run", "strategy": "fair_share"})

    assert response.status_code == 302
    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00")}
    assert not AllocationJob.objects.exists()


def test_a_large_run_from_the_page_is_a_job_that_saves_the_allocation(
        world, coordinator, big, eager, client_for, django_capture_on_commit_callbacks):
    bid = two_member_bid(world)
    client = client_for("coordinator")
    url = reverse("bid-allocation", args=[bid.pk])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"action": "run", "strategy": "fair_share"})

    assert response.status_code == 302 and len(callbacks) == 1
    job = AllocationJob.objects.get(bid=bid)
    assert (job.status, job.progress, job.stage, job.cells, job.error) == (DONE, 100, "done", 2, "")
    assert job.summary == EXPECTED_SUMMARY
    assert job.requested_by == coordinator and job.language == "en"
    assert timezone.is_aware(job.finished_at)
    assert job.created_at <= job.started_at <= job.finished_at
    assert [h.status for h in job.history.order_by("history_id")] == [QUEUED, RUNNING, DONE]
    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00"), (world.coop_b.pk, DAY): D("20.00")}
    assert Allocation.objects.filter(bid_lot__bid=bid).first().history.first().history_user == coordinator
    assert set(MemberResponse.objects.filter(bid=bid).values_list("status", flat=True)) == {
        ResponseStatus.PENDING}
    bid.refresh_from_db()
    assert bid.strategy == "fair_share"

    html = client.get(url).content.decode()
    assert "being worked out in the background" in html  # the flash message
    assert "was worked out in the background" in html and "80.0% of the volume is covered, by 2" in html
    assert "<progress" not in html and "disabled" not in html


def test_progress_is_written_to_the_job_while_it_solves(world, coordinator, big, monkeypatch):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    seen = []
    solve = services.engine.allocate

    def watched(**kwargs):
        report = kwargs["progress"]

        def progress(fraction, stage):
            report(fraction, stage)
            row = AllocationJob.objects.get(pk=job.pk)  # what another request reads now
            seen.append((stage, row.stage, row.progress, row.status))

        return solve(**{**kwargs, "progress": progress})

    monkeypatch.setattr(services.engine, "allocate", watched)
    assert tasks.run_allocation_job(job.pk) == DONE

    assert [s[0] for s in seen] == ["build", "coverage", "welsh", "strategy", "rounding", "explain", "done"]
    assert [s[1] for s in seen] == ["build", "coverage", "welsh", "strategy", "rounding", "explain", "saving"]
    percents = [s[2] for s in seen]
    assert percents == sorted(percents) and percents[0] == 5 and percents[-1] == 90
    assert {s[3] for s in seen} == {RUNNING}
    job.refresh_from_db()
    assert (job.status, job.progress) == (DONE, 100)


def test_the_task_is_safe_to_run_twice(world, coordinator, big):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    assert tasks.run_allocation_job(job.pk) == DONE
    history = job.history.count()
    rows = list(Allocation.objects.filter(bid_lot__bid=bid).values_list("pk", "volume"))

    assert tasks.run_allocation_job(job.pk) == DONE
    assert tasks.run_allocation_job(999999) is None

    assert job.history.count() == history
    assert list(Allocation.objects.filter(bid_lot__bid=bid).values_list("pk", "volume")) == rows


# --- failures -------------------------------------------------------------------------------------

def test_a_job_refused_by_a_rule_records_why(world, coordinator, big, client_for):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    bid.status = BidStatus.AWAITING_APPROVAL  # the bid moved on before a worker took the job
    bid.save()

    assert tasks.run_allocation_job(job.pk) == FAILED

    job.refresh_from_db()
    assert "Only a draft bid's allocation can change" in job.error
    assert job.finished_at is not None and job.summary is None
    assert not Allocation.objects.exists()
    bid.status = BidStatus.DRAFT
    bid.save()
    html = client_for("coordinator").get(reverse("bid-allocation", args=[bid.pk])).content.decode()
    assert "did not finish" in html and "Only a draft bid&#x27;s allocation can change" in html
    assert "<progress" not in html


def test_an_unexpected_error_fails_the_job_with_a_general_message_and_is_logged(
        world, coordinator, big, monkeypatch, caplog):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)

    def broken(**kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services.engine, "allocate", broken)
    with caplog.at_level(logging.ERROR, logger="contracts.bidding.services.allocation"):
        assert tasks.run_allocation_job(job.pk) == FAILED

    job.refresh_from_db()
    assert "unexpected error" in job.error and "solver exploded" not in job.error
    assert any(r.exc_info and "solver exploded" in str(r.exc_info[1]) for r in caplog.records)
    assert not Allocation.objects.exists()


def test_a_job_whose_worker_stopped_is_failed_when_asked_and_another_run_may_start(
        world, coordinator, big, client_for):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    long_ago = timezone.now() - dt.timedelta(hours=2)
    AllocationJob.objects.filter(pk=job.pk).update(status=RUNNING, started_at=long_ago, progress=40)
    url = reverse("bid-allocation", args=[bid.pk])

    html = client_for("coordinator").get(url).content.decode()  # reading changes nothing
    assert "did not finish" in html and "<progress" not in html and "disabled" not in html
    job.refresh_from_db()
    assert job.status == RUNNING

    second = queued_job(bid, coordinator)

    job.refresh_from_db()
    assert job.status == FAILED and "run the allocation again" in job.error
    assert second.pk != job.pk
    assert services.allocation_jobs_expire_stale() == 0


def test_the_beat_marks_a_stopped_job_failed_without_anyone_asking_and_only_once(world, coordinator, big):
    from django.conf import settings

    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    other = a_bid(world, volumes={DAY: "50"})
    opt_in(other, world.coop_a, world.coop_b)
    fresh = queued_job(other, coordinator)
    AllocationJob.objects.filter(pk=job.pk).update(status=RUNNING, started_at=timezone.now() - dt.timedelta(
        seconds=settings.ALLOCATION_JOB_STALE_AFTER + 60))
    assert tasks.expire_stale_allocation_jobs.apply().get() == 1
    assert tasks.expire_stale_allocation_jobs.apply().get() == 0
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == FAILED and fresh.status != FAILED  # a job within its time is left alone
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "contracts.tasks.expire_stale_allocation_jobs" in schedule


def test_a_job_taken_for_stopped_while_it_solves_drops_its_result(world, coordinator, big, monkeypatch):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    solve = services.engine.allocate

    def slow(**kwargs):
        result = solve(**kwargs)
        AllocationJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
        assert services.allocation_jobs_expire_stale(bid=bid) == 1
        return result

    monkeypatch.setattr(services.engine, "allocate", slow)
    assert tasks.run_allocation_job(job.pk) == FAILED

    assert not Allocation.objects.exists()
    job.refresh_from_db()
    assert "stopped before it finished" in job.error


def test_a_job_that_cannot_be_queued_fails_with_a_message(world, coordinator, big, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    bid = two_member_bid(world)

    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_allocation_job, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        job = queued_job(bid, coordinator)

    job.refresh_from_db()
    assert job.status == FAILED and "cannot be reached" in job.error


# --- a worker that dies under a run -----------------------------------------------------------------

def a_dead_process() -> int:
    """The id of a process of this machine that has ended (started, waited for)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603 - our own interpreter
    ended.wait(timeout=30)
    return ended.pid


def left_running(job, *, worker: str, silent_for: int = 0, attempts: int = 1) -> None:
    """As a worker leaves its job when it is killed mid-run: running, its heartbeat stopped."""
    last = timezone.now() - dt.timedelta(seconds=silent_for)
    AllocationJob.objects.filter(pk=job.pk).update(status=RUNNING, attempts=attempts, worker=worker,
                                                   started_at=last, heartbeat_at=last, progress=40)


def assert_one_set_of_results(world, bid, job) -> None:
    """Exactly one allocation, saved once: one row per cell, each created once in the audit
    history, one pending response per member, and the job done once."""
    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00"), (world.coop_b.pk, DAY): D("20.00")}
    rows = list(Allocation.objects.filter(bid_lot__bid=bid))
    assert len(rows) == 2
    assert [r.history.filter(history_type="+").count() for r in rows] == [1, 1]
    responses = list(MemberResponse.objects.filter(bid=bid))
    assert len(responses) == 2 and {r.status for r in responses} == {ResponseStatus.PENDING}
    assert [r.history.count() for r in responses] == [1, 1]
    job.refresh_from_db()
    assert (job.status, job.progress, job.summary) == (DONE, 100, EXPECTED_SUMMARY)
    assert list(job.history.values_list("status", flat=True)).count(DONE) == 1


def test_a_job_left_running_by_a_dead_process_is_started_again_when_its_message_comes_back(
        world, coordinator, big):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    # Its pool process was killed a moment ago: its heartbeat is fresh, but the process is gone.
    left_running(job, worker=f"{socket.gethostname()}:{a_dead_process()}")

    assert tasks.run_allocation_job(job.pk) == DONE

    assert_one_set_of_results(world, bid, job)
    assert job.attempts == 2 and job.worker == f"{socket.gethostname()}:{os.getpid()}"
    assert tasks.run_allocation_job(job.pk) == DONE  # and delivered once more, it does nothing
    assert_one_set_of_results(world, bid, job)


def test_a_job_whose_worker_elsewhere_fell_silent_is_started_again(world, coordinator, big, settings):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    left_running(job, worker="another-machine:4242", silent_for=settings.ALLOCATION_JOB_WORKER_LOST_AFTER + 5)

    assert tasks.run_allocation_job(job.pk) == DONE

    assert_one_set_of_results(world, bid, job)
    assert job.attempts == 2


def test_a_job_still_running_in_a_live_worker_is_left_to_it(world, coordinator, big, settings):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    left_running(job, worker="another-machine:4242", silent_for=5)  # heard of 5 s ago
    history = job.history.count()

    assert tasks.run_allocation_job(job.pk) == RUNNING
    # A live process of this machine, silent for long (too busy solving to beat): still alive.
    left_running(job, worker=f"{socket.gethostname()}:{os.getpid()}",
                 silent_for=settings.ALLOCATION_JOB_WORKER_LOST_AFTER + 5)
    assert tasks.run_allocation_job(job.pk) == RUNNING

    job.refresh_from_db()
    assert (job.attempts, job.progress, job.history.count()) == (1, 40, history)
    assert not Allocation.objects.exists()


def test_a_worker_handed_a_job_running_elsewhere_looks_again_once_that_worker_could_be_lost(
        world, coordinator, big, monkeypatch, settings):
    from celery.exceptions import Retry

    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    left_running(job, worker="another-machine:4242", silent_for=5)
    sent = []
    monkeypatch.setattr(tasks.run_allocation_job, "apply_async", lambda *a, **options: sent.append(options))
    tasks.run_allocation_job.push_request(id="redelivered", args=[job.pk], is_eager=False,
                                          called_directly=False, retries=0)
    try:
        with pytest.raises(Retry):  # as in a worker: the message is sent again, for later
            tasks.run_allocation_job.run(job.pk)
    finally:
        tasks.run_allocation_job.pop_request()

    assert len(sent) == 1 and sent[0]["countdown"] == settings.ALLOCATION_JOB_WORKER_LOST_AFTER


def test_a_run_taken_over_while_it_still_went_on_drops_its_result(world, coordinator, big, monkeypatch):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    solve = services.engine.allocate

    def taken_over(**kwargs):
        result = solve(**kwargs)
        # Another worker took this run for dead and started it again meanwhile.
        AllocationJob.objects.filter(pk=job.pk).update(attempts=2, worker="another-machine:4242",
                                                       heartbeat_at=timezone.now())
        return result

    monkeypatch.setattr(services.engine, "allocate", taken_over)
    assert tasks.run_allocation_job(job.pk) == RUNNING  # still the other worker's

    assert not Allocation.objects.exists() and not MemberResponse.objects.exists()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (RUNNING, 2, "")


def test_a_job_whose_runs_keep_dying_fails_instead_of_running_for_ever(world, coordinator, big, settings):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    left_running(job, worker="another-machine:4242", attempts=settings.ALLOCATION_JOB_MAX_ATTEMPTS,
                 silent_for=settings.ALLOCATION_JOB_WORKER_LOST_AFTER + 5)

    assert tasks.run_allocation_job(job.pk) == FAILED

    job.refresh_from_db()
    assert "stopped 3 times before it finished" in job.error and job.finished_at is not None
    assert not Allocation.objects.exists()
    assert isinstance(queued_job(bid, coordinator), AllocationJob)  # the bid is free again


def test_a_lost_message_comes_back_within_minutes_and_a_stopped_job_is_freed_soon_after():
    from django.conf import settings

    from consortium.celery import app

    task = app.tasks["contracts.tasks.run_allocation_job"]
    assert task.acks_late and task.reject_on_worker_lost
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    restore_every = app.conf.broker_transport_options["unacked_restore_interval"]
    # The message of a dead worker comes back after the longest run, within minutes...
    assert settings.ALLOCATION_JOB_LONGEST_RUN < visibility <= settings.ALLOCATION_JOB_LONGEST_RUN + 5 * 60
    assert visibility + restore_every <= 15 * 60
    # ... before the job is taken as stopped for good, which frees the bid within 20 minutes.
    assert visibility + restore_every < settings.ALLOCATION_JOB_STALE_AFTER <= 20 * 60
    assert settings.ALLOCATION_JOB_HEARTBEAT * 3 <= settings.ALLOCATION_JOB_WORKER_LOST_AFTER
    beat = settings.CELERY_BEAT_SCHEDULE["expire-stale-allocation-jobs"]["schedule"]
    assert beat <= dt.timedelta(minutes=5)


# --- one live job per bid -------------------------------------------------------------------------

def test_nothing_else_runs_or_changes_the_allocation_while_a_job_is_live(world, coordinator, big,
                                                                       client_for, api_for):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    busy = "already being worked out in the background"

    with pytest.raises(DomainError, match=busy):
        services.allocation_request(bid=bid, strategy="lowest_cost", by=coordinator)
    with pytest.raises(DomainError, match=busy):
        services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)
    lot = bid.bid_lots.get().lot
    change = {"lot": lot.pk, "coop": world.coop_a.pk, "council": world.council.pk, "time_band": DAY,
              "volume": "5"}
    with pytest.raises(DomainError, match=busy):
        services.allocation_adjust(bid=bid, changes=[change], by=coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says the same
        AllocationJob.objects.create(bid=bid, strategy="lowest_cost", status=RUNNING)

    url = reverse("bid-allocation", args=[bid.pk])
    response = client_for("coordinator").post(url, {"action": "run", "strategy": "lowest_cost"})
    assert response.status_code == 200 and busy in response.content.decode()
    response = api_for("coordinator").post(f"/api/v1/bids/{bid.pk}/allocation/",
                                           {"strategy": "lowest_cost"}, format="json")
    assert response.status_code == 409 and busy in str(response.json())
    assert AllocationJob.objects.count() == 1 and not Allocation.objects.exists()

    # The page shows the progress; the run form is disabled and the hand changes are put away.
    html = client_for("coordinator").get(url).content.decode()
    assert '<progress class="govuk-!-width-full" id="allocation-progress-bar" max="100" value="0">' in html
    assert 'role="status" aria-live="polite"' in html and "Waiting for a worker to start it" in html
    assert '<fieldset class="govuk-fieldset" disabled' in html and 'disabled aria-disabled="true"' in html
    assert f'href="{url}">Refresh the page' in html
    assert f'hx-get="{reverse("bid-allocation-progress", args=[bid.pk])}?stage=queued"' in html
    assert 'name="cell-' not in html

    assert tasks.run_allocation_job(job.pk) == DONE
    assert isinstance(queued_job(bid, coordinator), AllocationJob)  # once it has ended, another may run


def test_a_decline_in_a_large_bid_queues_a_background_rerun(world, coordinator, settings):
    coop_c = f.MemberCoopFactory(consortium=world.consortium)
    bid = two_member_bid(world)
    declare(coop_c, world.council, "30")
    opt_in(bid, coop_c)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=coordinator)  # always inline
    settings.ALLOCATION_INLINE_MAX_CELLS = 1
    member = world.user("member_a")
    Allocation.objects.filter(coop=world.coop_a).update(status=AllocationStatus.DECLINED)
    MemberResponse.objects.filter(coop=world.coop_a).update(status=ResponseStatus.DECLINED)

    assert services.allocation_rerun_after_decline(bid=bid, coop=world.coop_a, by=member) is None
    job = AllocationJob.objects.get(bid=bid)
    assert (job.status, job.cells, job.requested_by, job.strategy) == (QUEUED, 2, member, "lowest_cost")
    # A second decline while it is live is left to the job, which reads the declines it runs with.
    Allocation.objects.filter(coop=world.coop_b).update(status=AllocationStatus.DECLINED)
    MemberResponse.objects.filter(coop=world.coop_b).update(status=ResponseStatus.DECLINED)
    assert services.allocation_rerun_after_decline(bid=bid, coop=world.coop_b, by=member) is None
    assert AllocationJob.objects.count() == 1

    assert tasks.run_allocation_job(job.pk) == DONE
    assert cells(bid) == {(coop_c.pk, DAY): D("30.00")}


# --- the progress fragment ------------------------------------------------------------------------

def test_progress_fragment_shows_the_percent_and_reloads_the_page_when_done(world, coordinator, big,
                                                                          client_for):
    bid = two_member_bid(world)
    job = queued_job(bid, coordinator)
    AllocationJob.objects.filter(pk=job.pk).update(status=RUNNING, started_at=timezone.now(), progress=40,
                                                   stage=AllocationJobStage.COVERAGE)
    url = reverse("bid-allocation-progress", args=[bid.pk])
    client = client_for("coordinator")

    response = client.get(url + "?stage=build", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert 'value="40"' in html and "40% done" in html
    assert f'hx-get="{url}?stage=coverage" hx-trigger="every 2s"' in html
    assert 'hx-swap-oob="innerHTML">Covering as much of the volume as possible' in html  # a new stage

    html = client.get(url + "?stage=coverage", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-swap-oob" not in html and "40% done" in html  # same stage: nothing announced again

    assert client_for("board").get(url).status_code == 200
    for persona in ("member_a", "reviewer", "coordinator_other"):
        assert client_for(persona).get(url).status_code == 404, persona

    assert tasks.run_allocation_job(job.pk) == RUNNING  # running already (elsewhere): left alone
    AllocationJob.objects.filter(pk=job.pk).update(status=DONE, progress=100, stage=AllocationJobStage.DONE)
    response = client.get(url + "?stage=coverage", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-get" not in response.content.decode()
    response = client.get(url)  # without htmx: the fragment, with a way back
    assert "HX-Refresh" not in response and "See the allocation" in response.content.decode()


# --- the API --------------------------------------------------------------------------------------

def test_api_answers_202_with_the_job_and_shows_its_status(world, coordinator, big, api_for):
    bid = two_member_bid(world)
    api = api_for("coordinator")

    response = api.post(f"/api/v1/bids/{bid.pk}/allocation/", {"strategy": "fair_share"}, format="json")

    assert response.status_code == 202, response.content
    job = AllocationJob.objects.get(bid=bid)
    job_url = f"/api/v1/bids/{bid.pk}/allocation/jobs/{job.pk}/"
    assert response["Location"] == f"http://testserver{job_url}"
    body = response.json()
    assert (body["id"], body["status"], body["progress"], body["url"], body["summary"]) == (
        job.pk, "queued", 0, job_url, None)
    assert body["requested_by"] and body["cells"] == 2 and body["stale"] is False

    assert tasks.run_allocation_job(job.pk) == DONE
    body = api.get(job_url).json()
    assert (body["status"], body["progress"], body["stage"], body["error"]) == ("done", 100, "done", "")
    assert body["summary"]["coverage"] == "0.8000"
    assert body["summary"]["shortfalls"] == [{"lot_number": 1, "time_band": DAY, "volume": "20.00"}]
    assert api.get(f"/api/v1/bids/{bid.pk}/allocation/").json()["job"]["id"] == job.pk

    assert api_for("board").get(job_url).status_code == 200
    for persona in ("member_a", "member_b", "reviewer", "coordinator_other"):
        assert api_for(persona).get(job_url).status_code == 404, persona
    assert api_for("anonymous").get(job_url).status_code == 401
    other = a_bid(world)
    assert api.get(f"/api/v1/bids/{other.pk}/allocation/jobs/{job.pk}/").status_code == 404


# --- a real worker --------------------------------------------------------------------------------

@pytest.mark.redis
@pytest.mark.postgres  # the worker is another process: it must share a real database
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_the_job_to_the_end(world, settings, monkeypatch, celery_worker):
    settings.ALLOCATION_INLINE_MAX_CELLS = 1
    bid = two_member_bid(world)
    job, outcome = b.allocation_on_real_worker(bid, world.user("coordinator"), celery_worker, monkeypatch)
    assert isinstance(job, AllocationJob)
    log = celery_worker[2]

    assert outcome == DONE, log.read_text()
    job.refresh_from_db()
    assert (job.status, job.progress, job.stage) == (DONE, 100, "done")
    assert job.summary == EXPECTED_SUMMARY
    assert cells(bid) == {(world.coop_a.pk, DAY): D("60.00"), (world.coop_b.pk, DAY): D("20.00")}


def wait_for(what, seconds: float, log: Path):
    """``what()`` once it is true, polled for at most ``seconds``; else fail with the log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s in vain\n{log.read_text()}")


@pytest.mark.redis
@pytest.mark.postgres  # the worker is another process: it must share a real database
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("killed", ["pool process", "whole worker"])
def test_a_run_whose_worker_is_killed_finishes_by_itself_once(world, monkeypatch, tmp_path, killed):
    """A prefork worker (concurrency 1) is SIGKILLed mid-run: its pool process alone (the
    worker hands the message back at once), or the whole worker with its pool (the message
    stays unacknowledged in Redis until the visibility timeout, here 2 s, and a worker started
    afterwards takes it). Either way the run starts again in a new process and finishes once,
    with one set of results."""
    from redis import Redis

    from consortium.celery import app

    started = time.monotonic()
    bid = two_member_bid(world)
    monkeypatch.setattr(services, "_enqueue_job", lambda job_id: None)  # sent below, to our queue
    job = services.allocation_job_create(bid=bid, strategy="fair_share", by=world.user("coordinator"))
    queue, log, gate = f"test-{uuid.uuid4().hex[:12]}", tmp_path / "worker.log", tmp_path / "gate"
    gate.touch()
    held = ("tests.slow_worker",)
    env = {"ALLOCATION_TEST_GATE": str(gate), "ALLOCATION_JOB_HEARTBEAT": "0.5",
           "CELERY_RESTORE_UNACKED_EVERY": "1", "CELERY_TEST_KEY_PREFIX": f"{queue}:"}
    workers = [start_worker(queue, log, pool="prefork", command=held, env=worker_env(
        **env, CELERY_VISIBILITY_TIMEOUT="300"))]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    broker = app.connection_for_write(transport_options={**app.conf.broker_transport_options,
                                                         "global_keyprefix": env["CELERY_TEST_KEY_PREFIX"]})
    try:
        tasks.run_allocation_job.apply_async(args=[job.pk], queue=queue, connection=broker)
        solving = wait_for(lambda: list(tmp_path.glob("solving-*")), 40, log)  # held mid-run
        first = AllocationJob.objects.get(pk=job.pk)
        assert (first.status, first.attempts) == (RUNNING, 1)
        pid = int(solving[0].name.removeprefix("solving-"))
        assert first.worker.endswith(f":{pid}") and pid != workers[0].pid
        wait_for(lambda: AllocationJob.objects.get(pk=job.pk).heartbeat_at > first.heartbeat_at, 10, log)

        if killed == "pool process":
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(workers[0].pid, signal.SIGKILL)  # the worker's own process group
            workers[0].wait(timeout=10)
        gate.unlink()  # the next run goes straight through
        if killed == "whole worker":
            time.sleep(1)
            assert AllocationJob.objects.get(pk=job.pk).status == RUNNING  # nobody runs it now
            workers.append(start_worker(queue, log, pool="prefork", command=held, env=worker_env(
                **env, CELERY_VISIBILITY_TIMEOUT="2")))

        wait_for(lambda: AllocationJob.objects.get(pk=job.pk).status != RUNNING, 40, log)
        time.sleep(1.5)  # a message delivered twice would run now: nothing more must happen
    finally:
        app.conf.task_always_eager = eager
        broker.release()
        for worker in workers:
            stop_worker(worker)
        redis = Redis.from_url(os.environ["CELERY_BROKER_URL"])
        for key in redis.scan_iter(f"{env['CELERY_TEST_KEY_PREFIX']}*"):  # the queue's own keys
            redis.delete(key)
        redis.close()

    assert_one_set_of_results(world, bid, job)
    assert job.attempts == 2 and not job.worker.endswith(f":{pid}"), log.read_text()
    assert time.monotonic() - started < 60
