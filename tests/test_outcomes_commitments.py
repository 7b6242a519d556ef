"""Tracked social value commitments: carried from the winning bid onto its contract, progress per
quarter with evidence, promised against delivered, and who sees and records what.

The module's rows (made once): the root world, and consortium A's Cardiff contract
(``live_contract`` of tests/builders.py: coop A's and coop B's sub-contracts) whose winning bid
carried two social value commitments before its award was confirmed.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import build_world
from consortium.errors import DomainErrors, Forbidden
from contracts.evaluation.services.award import award_confirm, award_decide
from contracts.models import Contract, SocialValueCommitment
from outcomes.models import CommitmentProgress, TrackedCommitment
from outcomes.selectors import commitments as selectors
from outcomes.services import commitments as services
from tests.builders import evaluated_lot, past_standstill
from tests.shared_rows import rows_for_the_module

PDF = b"%PDF-1.4\n% evidence of local recruitment\n"


@pytest.fixture(scope="module")
def _rows(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            world = build_world()
            ev = evaluated_lot(world)
            bid = ev.entry.submission.bid
            SocialValueCommitment.objects.create(bid=bid, heading="communities", unit="people",
                                                 measure="Local people recruited", quantity=12)
            SocialValueCommitment.objects.create(bid=bid, heading="well_being", unit="events",
                                                 measure="Community lunches", quantity=8)
            lead = world.user("reviewer")
            award = past_standstill(award_decide(lot=ev.lot, entry=ev.entry, by=lead))
            award_confirm(award=award, by=lead)
            contract = Contract.objects.get(award=award)
        yield world, contract


@pytest.fixture
def rows(db, _rows):
    world, contract = copy.deepcopy(_rows)
    contract.refresh_from_db()
    return world, contract


def _client(world, persona: str) -> Client:
    client = Client()
    if world.user(persona) is not None:
        client.force_login(world.user(persona))
    return client


def _run_from(contract: Contract, start: dt.date, end: dt.date) -> Contract:
    Contract.objects.filter(pk=contract.pk).update(start=start, end=end)
    contract.refresh_from_db()
    return contract


def _started(contract: Contract, *, quarters_ago: int = 2) -> Contract:
    """The contract moved to start on the first day of the quarter ``quarters_ago`` quarters
    before today's, for three years."""
    quarter = selectors.Quarter.of(timezone.localdate())
    for _ in range(quarters_ago):
        quarter = quarter.previous()
    return _run_from(contract, quarter.start, quarter.start.replace(year=quarter.start.year + 3)
                     - dt.timedelta(days=1))


def _answerable(contract: Contract, coop) -> TrackedCommitment:
    commitment = TrackedCommitment.objects.filter(contract=contract).order_by("pk").first()
    TrackedCommitment.objects.filter(pk=commitment.pk).update(coop=coop)
    commitment.refresh_from_db()
    return commitment


# --- tracking on award ---------------------------------------------------------------------------

def test_the_winning_bids_commitments_are_tracked_when_its_contract_is_made(rows):
    world, contract = rows
    tracked = TrackedCommitment.objects.filter(contract=contract).order_by("heading")
    assert [(t.heading, t.measure, t.unit, t.promised, t.coop_id) for t in tracked] == [
        ("communities", "Local people recruited", "people", Decimal("12.00"), None),
        ("well_being", "Community lunches", "events", Decimal("8.00"), None),
    ]
    again = services.commitments_track(contract=contract)
    assert len(again) == 2
    assert TrackedCommitment.objects.filter(contract=contract).count() == 2


def test_tracking_is_for_the_consortiums_coordinators_only(rows):
    world, contract = rows
    with pytest.raises(Forbidden):
        services.commitments_track(contract=contract, by=world.user("board"))
    with pytest.raises(Forbidden):
        services.commitments_track(contract=contract, by=world.user("coordinator_other"))


def test_the_coordinator_tracks_a_commitment_the_contract_missed(rows):
    world, contract = rows
    SocialValueCommitment.objects.create(bid=contract.award.entry.submission.bid, heading="benefit",
                                         unit="hours", measure="Volunteering hours", quantity=40)
    page = _client(world, "coordinator").get(reverse("commitments-contract", args=[contract.pk]))
    assert page.context["view"].untracked
    response = _client(world, "coordinator").post(reverse("commitments-track", args=[contract.pk]))
    assert response.status_code == 302
    assert TrackedCommitment.objects.filter(contract=contract).count() == 3


# --- who names the member answerable -----------------------------------------------------------

def test_the_coordinator_names_a_member_with_a_sub_contract_only(rows):
    world, contract = rows
    commitment = TrackedCommitment.objects.filter(contract=contract).first()
    url = reverse("commitments-answerable", args=[commitment.pk])
    coordinator = _client(world, "coordinator")
    assert coordinator.post(url, {"coop": str(world.coop_b.pk)}).status_code == 302
    commitment.refresh_from_db()
    assert commitment.coop_id == world.coop_b.pk
    refused = coordinator.post(url, {"coop": str(world.coop_other.pk)})
    assert refused.status_code == 200
    assert "Choose a member with a sub-contract" in refused.content.decode()
    with pytest.raises(Exception, match="sub-contract"):
        services.commitment_answerable_set(commitment=commitment, coop=world.coop_other,
                                           by=world.user("coordinator"))
    commitment.refresh_from_db()
    assert commitment.coop_id == world.coop_b.pk
    assert _client(world, "member_b").post(url, {"coop": ""}).status_code == 403


# --- progress ------------------------------------------------------------------------------------

def test_the_coordinator_and_the_answerable_member_record_progress_and_a_second_record_replaces(
        rows, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    quarter = selectors.Quarter.of(contract.start)
    url = reverse("commitments-record", args=[commitment.pk])
    response = _client(world, "member_a").post(url, {
        "quarter": quarter.code, "done": "3", "account": "Three people from the ward recruited.",
        "document": SimpleUploadedFile("evidence.pdf", PDF, "application/pdf")})
    assert response.status_code == 302
    response = _client(world, "coordinator").post(url, {
        "quarter": quarter.code, "done": "4.5", "account": "Four and a half, counting a part-timer."})
    assert response.status_code == 302
    row = CommitmentProgress.objects.get(commitment=commitment)
    assert (row.financial_year, row.quarter, row.done) == (quarter.year, quarter.number, Decimal("4.50"))
    assert row.recorded_by == world.user("coordinator")
    assert row.document, "a record without a new document keeps the one given before"
    assert [h.done for h in row.history.order_by("history_date")] == [Decimal("3.00"), Decimal("4.50")]
    detail = reverse("commitments-detail", args=[commitment.pk])
    page = _client(world, "reviewer").get(detail).content.decode()
    assert "Four and a half, counting a part-timer." in page and "4.50" in page


def test_other_members_and_other_consortia_may_not_record_or_see(rows):
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    quarter = selectors.Quarter.of(contract.start)
    data = {"quarter": quarter.code, "done": "1", "account": "Something."}
    url = reverse("commitments-record", args=[commitment.pk])
    for persona in ("member_b", "coordinator_other", "reviewer_other", "applicant"):
        assert _client(world, persona).post(url, data).status_code == 404, persona
        assert _client(world, persona).get(
            reverse("commitments-detail", args=[commitment.pk])).status_code == 404, persona
    for persona in ("board", "reviewer"):
        assert _client(world, persona).post(url, data).status_code == 403, persona
    with pytest.raises(Forbidden):
        services.progress_record(commitment=commitment, by=world.user("member_b"),
                                 financial_year=quarter.year, quarter=quarter.number, done="1", account="x")
    assert not CommitmentProgress.objects.exists()
    # The other commitment is the consortium's: member A does not see it.
    other = TrackedCommitment.objects.filter(contract=contract).exclude(pk=commitment.pk).get()
    assert _client(world, "member_a").get(reverse("commitments-detail", args=[other.pk])).status_code == 404
    page = _client(world, "member_a").get(
        reverse("commitments-contract", args=[contract.pk])).content.decode()
    assert commitment.measure in page and other.measure not in page


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"done": "-1"}, "done", "cannot be negative"),
    ({"done": "many"}, "done", "must be a number"),
    ({"done": "1.234"}, "done", "no more than 2 decimal places"),
    ({"done": ""}, "done", "as a number"),
    ({"account": ""}, "account", "Say in a few words"),
    ({"quarter": "2001-1"}, "quarter", "Choose a quarter from the list"),
])
def test_bad_input_is_shown_beside_its_field_and_changes_nothing(rows, data, field, message):
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    sent = {"quarter": selectors.Quarter.of(contract.start).code, "done": "2", "account": "Done.", **data}
    response = _client(world, "member_a").post(reverse("commitments-record", args=[commitment.pk]), sent)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert not CommitmentProgress.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("evidence.exe", b"MZ\x90\x00", "must be a PDF, an image"),
    ("evidence.pdf", b"just text, not a PDF", "not the kind of file its name says"),
    ("photo.png", PDF, "not the kind of file its name says"),
])
def test_a_bad_document_is_refused_beside_its_field(rows, name, content, message):
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    response = _client(world, "member_a").post(reverse("commitments-record", args=[commitment.pk]), {
        "quarter": selectors.Quarter.of(contract.start).code, "done": "2", "account": "Done.",
        "document": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors["document"])
    assert not CommitmentProgress.objects.exists()


def test_a_document_too_large_is_refused(rows, monkeypatch):
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    monkeypatch.setattr(services, "MAX_DOCUMENT_BYTES", 16)
    quarter = selectors.Quarter.of(contract.start)
    with pytest.raises(DomainErrors) as refused:
        services.progress_record(commitment=commitment, by=world.user("member_a"),
                                 financial_year=quarter.year, quarter=quarter.number, done="1",
                                 account="Done.", document=SimpleUploadedFile("big.pdf", PDF))
    assert list(refused.value.as_dict()) == ["document"]
    assert "must be smaller than" in refused.value.as_dict()["document"][0]
    assert not CommitmentProgress.objects.exists()


def test_quarters_outside_the_contract_are_refused_by_the_service(rows):
    world, contract = rows
    today = dt.date(2026, 12, 7)  # 2026-27 Q3
    contract = _run_from(contract, dt.date(2026, 5, 11), dt.date(2029, 5, 10))
    commitment = _answerable(contract, world.coop_a)
    assert [q.label for q in selectors.quarters_open(contract, today)] == [
        "2026-27 Q1", "2026-27 Q2", "2026-27 Q3"]

    def record(year, quarter):
        return services.progress_record(commitment=commitment, by=world.user("coordinator"),
                                        financial_year=year, quarter=quarter, done="1", account="Done.",
                                        today=today)

    for year, quarter in ((2025, 4), (2026, 4), (2027, 1), (2026, 5), ("x", 1)):
        with pytest.raises(DomainErrors) as refused:
            record(year, quarter)
        assert list(refused.value.as_dict()) == ["quarter"]
    assert record(2026, 1).quarter == 1 and record(2026, 3).quarter == 3
    # Before the contract starts, no quarter at all.
    _run_from(contract, dt.date(2027, 4, 5), dt.date(2030, 3, 31))
    with pytest.raises(DomainErrors, match="has not started"):
        record(2026, 3)


def test_the_quarter_of_a_day_is_the_financial_years():
    q = selectors.Quarter.of
    assert (q(dt.date(2026, 4, 1)), q(dt.date(2026, 6, 30)), q(dt.date(2026, 12, 31)),
            q(dt.date(2027, 1, 1)), q(dt.date(2027, 3, 31))) == (
        selectors.Quarter(2026, 1), selectors.Quarter(2026, 1), selectors.Quarter(2026, 3),
        selectors.Quarter(2026, 4), selectors.Quarter(2026, 4))
    assert selectors.Quarter(2026, 4).start == dt.date(2027, 1, 1)
    assert selectors.Quarter(2026, 4).end == dt.date(2027, 3, 31)
    assert selectors.Quarter(2026, 3).label == "2026-27 Q3"
    assert selectors.Quarter(2099, 2).label == "2099-00 Q2"


# --- documents -----------------------------------------------------------------------------------

def test_a_document_is_served_only_to_those_who_see_the_commitment(rows, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    quarter = selectors.Quarter.of(contract.start)
    row = services.progress_record(commitment=commitment, by=world.user("member_a"),
                                   financial_year=quarter.year, quarter=quarter.number, done="2",
                                   account="Done.",
                                   document=SimpleUploadedFile("evidence.pdf", PDF, "application/pdf"))
    url = reverse("commitments-document", args=[row.pk])
    for persona in ("coordinator", "board", "member_a", "reviewer"):
        response = _client(world, persona).get(url)
        assert response.status_code == 200, persona
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
    for persona in ("member_b", "reviewer_other", "coordinator_other", "applicant"):
        assert _client(world, persona).get(url).status_code == 404, persona
    assert _client(world, "anonymous").get(url).status_code == 302
    # The file is not at a public address.
    assert _client(world, "coordinator").get("/media/" + row.document.name).status_code == 404


# --- who sees the figures ------------------------------------------------------------------------

def test_a_council_sees_its_own_contracts_only(rows):
    world, contract = rows
    page = _client(world, "reviewer").get(reverse("commitments-contract", args=[contract.pk]))
    assert page.status_code == 200 and "Local people recruited" in page.content.decode()
    assert _client(world, "reviewer_other").get(
        reverse("commitments-contract", args=[contract.pk])).status_code == 404
    listed = _client(world, "reviewer").get(reverse("commitments-list")).context["rows"]
    assert [r.contract.pk for r in listed] == [contract.pk]
    assert _client(world, "reviewer_other").get(reverse("commitments-list")).context["rows"] == []
    assert _client(world, "coordinator_other").get(reverse("commitments-list")).context["rows"] == []


def test_the_contract_page_links_to_its_commitments(rows):
    world, contract = rows
    page = _client(world, "reviewer").get(reverse("contract-detail", args=[contract.pk])).content.decode()
    assert reverse("commitments-contract", args=[contract.pk]) in page
    listed = _client(world, "coordinator").get(reverse("contract-list")).content.decode()
    assert reverse("commitments-list") in listed


def _seed_population(world, contract, rng: random.Random) -> list[TrackedCommitment]:
    """Twenty commitments of the contract's bid (random headings, units, promises) and random
    progress in some of the contract's quarters."""
    bid = contract.award.entry.submission.bid
    headings = ["communities", "well_being", "benefit", "co_production"]
    made = []
    for i in range(20):
        source = SocialValueCommitment.objects.create(
            bid=bid, heading=rng.choice(headings), unit=rng.choice(["people", "hours"]),
            measure=f"Measure {i}", quantity=Decimal(rng.randint(1, 400)) / 4)
        made.append(TrackedCommitment.objects.create(
            contract=contract, source=source, heading=source.heading, measure=source.measure,
            unit=source.unit, promised=source.quantity))
    quarters = selectors.quarters_open(contract, dt.date(2030, 1, 1))
    rows = [CommitmentProgress(commitment=c, financial_year=q.year, quarter=q.number,
                               done=Decimal(rng.randint(0, 60)) / 4, account="Done.")
            for c in made for q in quarters if rng.random() < 0.4]
    CommitmentProgress.objects.bulk_create(rows)
    return made


def _pandas_figures(contract: Contract, today: dt.date) -> pd.DataFrame:
    """The figures worked out independently: pandas' fiscal quarters ending in March."""
    commitments = pd.DataFrame(list(TrackedCommitment.objects.filter(contract=contract).values(
        "pk", "heading", "unit", "promised")))
    progress = pd.DataFrame(list(CommitmentProgress.objects.filter(commitment__contract=contract).values(
        "commitment_id", "done")), columns=["commitment_id", "done"])
    delivered = progress.groupby("commitment_id")["done"].sum()
    frame = commitments.set_index("pk")
    frame["delivered"] = delivered.reindex(frame.index).apply(lambda v: Decimal(0) if pd.isna(v) else v)
    last_complete_end = (pd.Period(today, freq="Q-MAR") - 1).end_time.normalize()
    start, end = pd.Timestamp(contract.start), pd.Timestamp(contract.end)
    elapsed = max((min(last_complete_end, end) - start).days + 1, 0)
    term = (end - start).days + 1
    frame["expected"] = frame["promised"].apply(
        lambda p: (p * elapsed / term).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))
    frame["status"] = [
        "met" if d >= p else "not_yet_due" if e == 0 else "behind" if d < e else "on_track"
        for p, e, d in zip(frame["promised"], frame["expected"], frame["delivered"], strict=True)]
    return frame


@pytest.mark.parametrize("today", [dt.date(2026, 12, 7), dt.date(2028, 2, 29), dt.date(2031, 6, 1),
                                   dt.date(2026, 6, 15)])
def test_figures_and_statuses_agree_with_an_independent_calculation(rows, today):
    world, contract = rows
    TrackedCommitment.objects.filter(contract=contract).delete()
    contract = _run_from(contract, dt.date(2026, 5, 11), dt.date(2029, 5, 10))
    _seed_population(world, contract, random.Random(15))
    expected = _pandas_figures(contract, today)
    view = selectors.contract_commitments(world.user("coordinator"), contract, today=today)
    found = {r.commitment.pk: (r.expected, r.delivered, r.status) for r in view.rows}
    assert found == {pk: (row.expected, row.delivered, row.status) for pk, row in expected.iterrows()}
    totals = expected.groupby(["heading", "unit"]).agg(
        promised=("promised", "sum"), expected=("expected", "sum"), delivered=("delivered", "sum"),
        commitments=("promised", "size"), behind=("status", lambda s: int((s == "behind").sum())))
    assert {(t.heading, t.unit): (t.promised, t.expected, t.delivered, t.commitments, t.behind)
            for t in view.totals} == {
        key: (row.promised, row.expected, row.delivered, row.commitments, row.behind)
        for key, row in totals.iterrows()}
    listed = selectors.contracts_with_commitments(world.user("coordinator"), today=today)
    assert [(r.commitments, r.behind, r.met) for r in listed] == [
        (len(expected), int((expected.status == "behind").sum()), int((expected.status == "met").sum()))]
    if today == dt.date(2026, 6, 15):
        assert set(expected.status) <= {"not_yet_due", "met"}
    if today == dt.date(2031, 6, 1):
        assert set(expected.status) <= {"behind", "met"}


def test_the_page_shows_each_commitments_figures_and_the_chart(rows):
    world, contract = rows
    contract = _started(contract)
    commitment = _answerable(contract, world.coop_a)
    quarter = selectors.Quarter.of(contract.start)
    CommitmentProgress.objects.create(commitment=commitment, financial_year=quarter.year,
                                      quarter=quarter.number, done="12", account="All recruited.")
    response = _client(world, "reviewer").get(reverse("commitments-contract", args=[contract.pk]))
    html = response.content.decode()
    view = response.context["view"]
    statuses = {r.commitment.measure: r.status for r in view.rows}
    assert statuses["Local people recruited"] == "met"
    assert statuses["Community lunches"] == "behind"  # two quarters of three years elapsed, none done
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    assert "Cydweithfa A Cyf" in html  # named as the contract page names sub-contracts to the council
    assert "1 commitment is behind." in html
    flagged = _client(world, "coordinator").get(reverse("commitments-list")).content.decode()
    assert "1 behind" in flagged


def test_the_pages_cost_a_fixed_number_of_queries(rows):
    world, contract = rows
    client = _client(world, "coordinator")
    url = reverse("commitments-contract", args=[contract.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
            assert client.get(reverse("commitments-list")).status_code == 200
        return len(queries)

    before = count()
    _seed_population(world, contract, random.Random(3))
    assert count() == before


def test_the_welsh_pages_render(rows):
    world, contract = rows
    client = _client(world, "coordinator")
    client.post(reverse("set_language"), {"language": "cy"})
    response = client.get(reverse("commitments-contract", args=[contract.pk]))
    assert response.status_code == 200
