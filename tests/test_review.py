"""The council's review of the bids to a tender: nothing before the deadline, nothing for another
council, opening the evaluation from the submitted snapshots (refused when one fails its SHA-256
check), the panel, bids from outside the system, the joint bid's review page, the lot's bids side
by side, and members' floors never shown.

The tender: a Cardiff tender with one lot of 100 weekday hours a week, ceiling £45, two quality
questions of 10 marks each, weights price 50 / quality 40 / social value 10. Consortium A's joint
bid (coop A 60 h, coop B 40 h, both with cost submissions for 2027, so both have floors) is
submitted at £40.00 an hour, with an answer to question 1 and one social value commitment.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.evaluation.services import review as services
from contracts.models import (
    Bid,
    BidSubmission,
    Entry,
    EntryRate,
    ExternalBid,
    PanelMember,
    SocialValueScore,
    Tender,
    TenderStatus,
)
from contracts.tendering.services.tenders import tender_transition
from pricing.selectors.submissions import member_floors
from tests import contracts_factories as cf
from tests.builders import ANSWER_1, submitted_joint_bid
from tests.concurrency import run_together
from tests.factories import second_reviewer

WEEKDAY = TimeBand.WEEKDAY_DAY
API = "/api/v1/review"


# --- set-up --------------------------------------------------------------------------------------

def _submitted_tender(world, *, title: str = "Care at home, Cardiff") -> Tender:
    """A published Cardiff tender with consortium A's joint bid submitted; deadline still ahead."""
    return submitted_joint_bid(world, title=title).tender


def _pass_deadline(tender: Tender, *, close: bool = True) -> Tender:
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - dt.timedelta(minutes=5),
                                               clarification_deadline=None)
    tender = Tender.objects.get(pk=tender.pk)
    if close:
        tender = tender_transition(tender=tender, to=TenderStatus.CLOSED, by=None)
    return tender


@pytest.fixture
def closed(world) -> Tender:
    return _pass_deadline(_submitted_tender(world))


@pytest.fixture
def opened(world, closed) -> Tender:
    return services.evaluation_open(tender=closed, by=world.user("reviewer"))


def _floors(world) -> list[str]:
    lot = Tender.objects.filter(council=world.council).first().lots.get()
    values = set()
    for coop in (world.coop_a, world.coop_b):
        floors = member_floors(coop=coop, service_type=lot.service_type, financial_year=2027)
        assert floors, "the test needs members with floors"
        values.update(str(rate) for rate in floors.values())
    assert all(Decimal(v) > 1 for v in values)
    return sorted(values)


# --- before the deadline, and for anyone else ------------------------------------------------------

def test_before_the_deadline_the_bid_appears_nowhere(world, client_for, api_for):
    tender = _submitted_tender(world)
    lot = tender.lots.get()
    reviewer = client_for("reviewer")
    for url in (reverse("review-tender", args=[tender.pk]), reverse("review-lot", args=[lot.pk]),
                reverse("review-external-new", args=[tender.pk])):
        assert reviewer.get(url).status_code == 404, url
    assert reviewer.post(reverse("review-open", args=[tender.pk])).status_code == 404
    page = reviewer.get(reverse("review-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert tender.reference not in html and world.consortium.name not in html
    api = api_for("reviewer")
    listed = api.get(f"{API}/tenders/")
    assert listed.status_code == 200 and listed.json() == []
    for url in (f"{API}/tenders/{tender.pk}/", f"{API}/lots/{lot.pk}/comparison/"):
        assert api.get(url).status_code == 404, url
    assert api.post(f"{API}/tenders/{tender.pk}/open-evaluation/").status_code == 404
    with pytest.raises(DomainError, match="deadline has not passed"):
        services.evaluation_open(tender=tender, by=world.user("reviewer"))
    assert not Entry.objects.exists() and Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED


def test_other_council_and_consortium_users_get_404_for_everything(world, opened, client_for, api_for):
    lot = opened.lots.get()
    entry = Entry.objects.get(lot=lot)
    urls = [reverse("review-list"), reverse("review-tender", args=[opened.pk]),
            reverse("review-entry", args=[entry.pk]), reverse("review-lot", args=[lot.pk]),
            reverse("review-external-new", args=[opened.pk])]
    apis = [f"{API}/tenders/", f"{API}/tenders/{opened.pk}/", f"{API}/entries/{entry.pk}/",
            f"{API}/lots/{lot.pk}/comparison/"]
    for persona in ("reviewer_other", "coordinator", "board", "member_a", "coordinator_other"):
        web, api = client_for(persona), api_for(persona)
        for url in urls:
            if persona == "reviewer_other" and url == reverse("review-list"):
                html = web.get(url).content.decode()  # their own council's list: without this tender
                assert opened.reference not in html and world.consortium.name not in html
                continue
            assert web.get(url).status_code == 404, (persona, url)
        for url in apis:
            if persona == "reviewer_other" and url == f"{API}/tenders/":
                assert api.get(url).json() == []
                continue
            assert api.get(url).status_code == 404, (persona, url)
        assert web.post(reverse("review-open", args=[opened.pk])).status_code == 404
        assert api.post(f"{API}/tenders/{opened.pk}/external-bids/", {}, format="json").status_code == 404
    with pytest.raises(DomainError, match="Only reviewers of the tendering council"):
        services.evaluation_open(tender=opened, by=world.user("reviewer_other"))


# --- opening the evaluation ------------------------------------------------------------------------

def test_evaluation_open_makes_entries_from_the_snapshot(world, closed):
    reviewer = world.user("reviewer")
    sub = BidSubmission.objects.get(bid__tender=closed)
    snapshot_rates = {p["time_band"]: Decimal(p["rate"]) for p in sub.snapshot["lots"][0]["prices"]}
    # What the snapshot says wins over the live bid: change the bid's price row behind its back.
    Bid.objects.get(pk=sub.bid_id).bid_lots.get().prices.update(rate=Decimal("44.00"))
    tender = services.evaluation_open(tender=closed, by=reviewer)
    assert tender.status == TenderStatus.IN_EVALUATION
    entry = Entry.objects.get(lot__tender=tender)
    assert entry.submission == sub
    assert {r.time_band: r.rate for r in entry.rates.all()} == snapshot_rates == {WEEKDAY: Decimal("40.00")}
    lead = PanelMember.objects.get(tender=tender)
    assert lead.reviewer == reviewer and lead.is_lead
    assert entry.history.first().history_user == reviewer
    assert tender.history.first().history_user == reviewer
    # Idempotent: opening again changes nothing.
    again = services.evaluation_open(tender=tender, by=second_reviewer(world))
    assert again.status == TenderStatus.IN_EVALUATION
    assert Entry.objects.filter(lot__tender=tender).count() == 1
    assert EntryRate.objects.filter(entry__lot__tender=tender).count() == 1
    assert list(PanelMember.objects.filter(tender=tender).values_list("reviewer", "is_lead")) == [
        (reviewer.pk, True)]


def test_evaluation_open_closes_a_published_tender_past_its_deadline(world, client_for):
    tender = _pass_deadline(_submitted_tender(world), close=False)
    assert tender.status == TenderStatus.PUBLISHED
    reviewer = client_for("reviewer")
    page = reviewer.get(reverse("review-tender", args=[tender.pk]))
    assert page.status_code == 200 and "Open the evaluation" in page.content.decode()
    response = reviewer.post(reverse("review-open", args=[tender.pk]))
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == TenderStatus.IN_EVALUATION
    assert tender.lots.get().status == "closed"
    assert Entry.objects.filter(lot__tender=tender).count() == 1


def test_a_tampered_snapshot_is_flagged_and_refuses_the_opening(world, closed, client_for, api_for):
    sub = BidSubmission.objects.get(bid__tender=closed)
    BidSubmission.objects.filter(pk=sub.pk).update(canonical=sub.canonical.replace('"40.00"', '"30.00"'))
    page = client_for("reviewer").get(reverse("review-tender", args=[closed.pk]))
    html = page.content.decode()
    assert "Does not match: altered since submission" in html and "govuk-warning-text" in html
    assert sub.sha256 in html
    data = api_for("reviewer").get(f"{API}/tenders/{closed.pk}/").json()
    assert data["joint_bids"][0]["intact"] is False
    with pytest.raises(DomainError, match=world.consortium.name) as refused:
        services.evaluation_open(tender=closed, by=world.user("reviewer"))
    assert refused.value.code == "tampered"
    response = client_for("reviewer").post(reverse("review-open", args=[closed.pk]))
    assert response.status_code == 200 and "fails its SHA-256 check" in response.content.decode()
    api = api_for("reviewer").post(f"{API}/tenders/{closed.pk}/open-evaluation/")
    assert api.status_code == 400 and world.consortium.name in json.dumps(api.json(), ensure_ascii=False)
    closed.refresh_from_db()
    assert closed.status == TenderStatus.CLOSED
    assert not Entry.objects.exists() and not PanelMember.objects.exists()


def test_a_snapshot_tampered_after_opening_shows_the_warning_on_its_review(world, opened, client_for,
                                                                           api_for):
    entry = Entry.objects.get(lot__tender=opened)
    ok = client_for("reviewer").get(reverse("review-entry", args=[entry.pk])).content.decode()
    assert ">Intact<" in ok and "does not match its SHA-256" not in ok
    sub = entry.submission
    snapshot = dict(sub.snapshot, social_value=[])
    BidSubmission.objects.filter(pk=sub.pk).update(snapshot=snapshot)
    html = client_for("reviewer").get(reverse("review-entry", args=[entry.pk])).content.decode()
    assert "This bid does not match its SHA-256" in html
    assert api_for("reviewer").get(f"{API}/entries/{entry.pk}/").json()["intact"] is False
    compare = client_for("reviewer").get(reverse("review-lot", args=[entry.lot_id])).content.decode()
    assert "Does not match its SHA-256" in compare


# --- the panel -------------------------------------------------------------------------------------

def test_the_lead_adds_and_removes_reviewers_of_the_same_council(world, opened, client_for):
    lead, second = world.user("reviewer"), second_reviewer(world)
    web = client_for("reviewer")
    assert web.post(reverse("review-panel", args=[opened.pk]),
                    {"action": "add", "reviewer": second.pk}).status_code == 302
    assert PanelMember.objects.filter(tender=opened, reviewer=second, is_lead=False).exists()
    # Another council's reviewer cannot join: the form's error, nothing changed.
    other = world.user("reviewer_other")
    response = web.post(reverse("review-panel", args=[opened.pk]), {"action": "add", "reviewer": other.pk})
    assert response.status_code == 200
    assert "Choose a reviewer of the tendering council" in response.content.decode()
    with pytest.raises(DomainError):
        services.panel_add(tender=opened, reviewer=other, by=lead)
    # The second reviewer is not the lead: 403 on the page, refused by the service.
    second_web = client_for("reviewer")
    second_web.force_login(second)
    assert second_web.post(reverse("review-panel", args=[opened.pk]),
                           {"action": "remove", "reviewer": lead.pk}).status_code == 403
    with pytest.raises(DomainError, match="lead reviewer"):
        services.panel_remove(tender=opened, reviewer=lead, by=second)
    with pytest.raises(DomainError, match="lead reviewer cannot be taken off"):
        services.panel_remove(tender=opened, reviewer=lead, by=lead)
    assert web.post(reverse("review-panel", args=[opened.pk]),
                    {"action": "remove", "reviewer": second.pk}).status_code == 302
    assert list(PanelMember.objects.filter(tender=opened).values_list("reviewer", flat=True)) == [lead.pk]


# --- bids from outside the system ------------------------------------------------------------------

def test_outside_bid_errors_are_field_level_and_save_nothing(world, opened, client_for, api_for):
    lot = opened.lots.get()
    other_lot = cf.lot(cf.tender(world.council))
    field = services.rate_field(lot.pk, WEEKDAY)
    web = client_for("reviewer")
    url = reverse("review-external-new", args=[opened.pk])
    response = web.post(url, {"bidder_name": "", field: "-3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#bidder_name"' in html and "Enter the bidder&#x27;s name." in html
    assert f'href="#{field}"' in html and "the rate must be more than £0" in html
    assert f'id="{field}-error"' in html
    response = web.post(url, {"bidder_name": "Solo Care Ltd", field: "36.005"})
    assert "to the penny" in response.content.decode()
    cases = [
        ({"bidder_name": "Solo", "rates": {str(lot.pk): {WEEKDAY: "abc"}}}, field),
        ({"bidder_name": "Solo", "rates": {str(lot.pk): {TimeBand.NIGHT: "30.00"}}},
         services.rate_field(lot.pk, TimeBand.NIGHT)),
        ({"bidder_name": "Solo", "rates": {str(other_lot.pk): {WEEKDAY: "30.00"}}}, "rates"),
        ({"bidder_name": "Solo", "rates": {}}, "rates"),
        ({"bidder_name": "x" * 301, "rates": {str(lot.pk): {WEEKDAY: "30.00"}}}, "bidder_name"),
    ]
    api = api_for("reviewer")
    for payload, key in cases:
        answer = api.post(f"{API}/tenders/{opened.pk}/external-bids/", payload, format="json")
        assert answer.status_code == 400, payload
        assert key in answer.json(), (payload, answer.json())
    assert not ExternalBid.objects.exists()
    assert Entry.objects.filter(external_bid__isnull=False).count() == 0


def test_outside_bid_is_recorded_compared_and_deleted_while_unmarked(world, opened, client_for, api_for):
    lot = opened.lots.get()
    web = client_for("reviewer")
    response = web.post(reverse("review-external-new", args=[opened.pk]),
                        {"bidder_name": "Solo Care Ltd", "bidder_identifier": "01234567",
                         services.rate_field(lot.pk, WEEKDAY): "36.00"})
    assert response.status_code == 302
    external = ExternalBid.objects.get()
    assert external.recorded_by == world.user("reviewer")
    entry = Entry.objects.get(external_bid=external)
    assert entry.rates.get().rate == Decimal("36.00")
    # The same name twice is refused at the name.
    payload = {"bidder_name": "solo care ltd", "rates": {str(lot.pk): {WEEKDAY: "30"}}}
    again = api_for("reviewer").post(f"{API}/tenders/{opened.pk}/external-bids/", payload, format="json")
    assert again.status_code == 400 and "bidder_name" in again.json()
    compare = web.get(reverse("review-lot", args=[lot.pk])).content.decode()
    assert "Solo Care Ltd" in compare and "36.00 / 36.00 x 50 = 50.00" in compare
    assert "36.00 / 40.00 x 50 = 45.00" in compare
    # Neither bid has its quality marks agreed: one count of the questions, not a phrase for each.
    assert "2 quality questions" in compare and "a quality question" not in compare
    data = api_for("reviewer").get(f"{API}/lots/{lot.pk}/comparison/").json()
    assert [b["name"] for b in data["bids"]] == ["Solo Care Ltd", world.consortium.name]
    assert data["bids"][1]["bands"] == [{"rate": "40.00", "offered": "100.00", "coverage_percent": "100.0"}]
    assert data["bids"][0]["bands"][0]["offered"] is None
    # Once scored it stays.
    SocialValueScore.objects.create(entry=entry, percent=Decimal("50"), reason="ok")
    with pytest.raises(DomainError, match="cannot be deleted"):
        services.external_bid_delete(external_bid=external, by=world.user("reviewer"))
    SocialValueScore.objects.filter(entry=entry).delete()
    assert api_for("reviewer").delete(f"{API}/external-bids/{external.pk}/").status_code == 204
    assert not ExternalBid.objects.exists() and not Entry.objects.filter(external_bid__isnull=False).exists()


def test_only_panel_members_record_outside_bids(world, opened, client_for, api_for):
    second = second_reviewer(world)
    web = client_for("reviewer")
    web.force_login(second)
    assert web.get(reverse("review-external-new", args=[opened.pk])).status_code == 403
    assert web.get(reverse("review-tender", args=[opened.pk])).status_code == 200
    api = api_for("reviewer")
    api.force_authenticate(second)
    answer = api.post(f"{API}/tenders/{opened.pk}/external-bids/",
                      {"bidder_name": "Solo", "rates": {}}, format="json")
    assert answer.status_code == 403


# --- the joint bid's review page -------------------------------------------------------------------

def test_joint_bid_review_page_shows_the_snapshot_and_the_members_evidence(world, opened, client_for):
    entry = Entry.objects.get(lot__tender=opened)
    response = client_for("reviewer").get(reverse("review-entry", args=[entry.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    sub = entry.submission
    assert sub.sha256 in html and ">Intact<" in html
    # Who delivers what, where, and the shares chart with its table.
    assert "Gofal A: 60.00" in html and "Gofal B: 40.00" in html
    assert "60.0%" in html and "40.0%" in html
    assert "<svg" in html and 'aria-labelledby="shares-chart-title' in html
    # Price against the ceiling.
    assert "£40.00" in html and "£5.00 under" in html
    # Capacity evidence from the members' declarations.
    assert "Within declared capacity" in html
    # Cost evidence: two members, so suppressed.
    assert "Suppressed (fewer than 3 members)" in html
    # Governance and compliance, social value by heading, quality answers.
    assert "User-led" in html and "Stakeholder shares" in html and "Compliance" in html
    assert "Stronger communities" in html and "Local people recruited" in html
    assert ANSWER_1 in html and "No answer given" in html


def test_entry_api_matches_the_snapshot(world, opened, api_for):
    entry = Entry.objects.get(lot__tender=opened)
    data = api_for("reviewer").get(f"{API}/entries/{entry.pk}/").json()
    assert data["sha256"] == entry.submission.sha256 and data["intact"] is True
    assert data["prices"][0]["rate"] == "40.00" and data["prices"][0]["within_ceiling"] is True
    assert sorted((s["member"], s["percent"]) for s in data["shares"]) == [("Gofal A", "60.0"),
                                                                          ("Gofal B", "40.0")]
    assert data["breakdown"][0]["area"] == world.council.code
    assert data["cost_evidence"]["suppressed"] is True
    assert [g["heading"] for g in data["social_value"]] == ["communities"]
    assert data["quality_answers"][0]["answer"] == ANSWER_1
    assert {m["legal_name"] for m in data["members"]} == {"Cydweithfa A Cyf", "Cydweithfa B Cyf"}


def _names_figure(text: str, figure: str) -> bool:
    """Whether ``text`` shows ``figure`` (say "42.30") as an amount, not as the digits of a
    longer number or of a time ("22:19:42.302208Z")."""
    return re.search(rf"(?<![\d.:]){re.escape(figure)}(?!\d)", text) is not None


def test_members_floors_appear_on_no_review_page_or_api(world, opened, client_for, api_for):
    lot = opened.lots.get()
    services.external_bid_record(tender=opened, by=world.user("reviewer"), bidder_name="Solo Care Ltd",
                                 rates={lot.pk: {WEEKDAY: Decimal("36.00")}})
    floors = _floors(world)
    web, api = client_for("reviewer"), api_for("reviewer")
    pages = [reverse("review-list"), reverse("review-tender", args=[opened.pk]),
             reverse("review-lot", args=[lot.pk])]
    pages += [reverse("review-entry", args=[e.pk]) for e in Entry.objects.filter(lot=lot)]
    apis = [f"{API}/tenders/", f"{API}/tenders/{opened.pk}/", f"{API}/lots/{lot.pk}/comparison/"]
    apis += [f"{API}/entries/{e.pk}/" for e in Entry.objects.filter(lot=lot)]
    for url in pages:
        response = web.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for floor in floors:
            assert not _names_figure(html, floor), (url, floor)
    for url in apis:
        response = api.get(url)
        assert response.status_code == 200, url
        text = json.dumps(response.json())
        for floor in floors:
            assert not _names_figure(text, floor), (url, floor)


# --- lists, nav and query counts ---------------------------------------------------------------------

def test_review_list_counts_bids_and_is_in_the_nav(world, opened, client_for, api_for):
    lot = opened.lots.get()
    for name in ("Solo Care Ltd", "Gofal Teulu"):
        services.external_bid_record(tender=opened, by=world.user("reviewer"), bidder_name=name,
                                     rates={lot.pk: {WEEKDAY: Decimal("35.00")}})
    rows = api_for("reviewer").get(f"{API}/tenders/").json()
    assert [(r["reference"], r["lots"], r["joint_bids"], r["external_bids"]) for r in rows] == [
        (opened.reference, 1, 1, 2)]
    html = client_for("reviewer").get(reverse("review-list")).content.decode()
    assert opened.reference in html and reverse("review-tender", args=[opened.pk]) in html
    assert 'href="/review/"' in html
    coordinator_html = client_for("coordinator").get(reverse("tender-list")).content.decode()
    assert 'href="/review/"' not in coordinator_html


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_number_of_bids_or_tenders(world, opened, client_for, api_for):
    web, api = client_for("reviewer"), api_for("reviewer")
    lot = opened.lots.get()
    urls = [reverse("review-list"), reverse("review-lot", args=[lot.pk]),
            reverse("review-tender", args=[opened.pk])]
    api_urls = [f"{API}/tenders/", f"{API}/lots/{lot.pk}/comparison/", f"{API}/tenders/{opened.pk}/"]
    services.external_bid_record(tender=opened, by=world.user("reviewer"), bidder_name="Gofal Un",
                                 rates={lot.pk: {WEEKDAY: Decimal("38.00")}})
    for url in urls + api_urls:  # warm caches (sessions, content types, translations)
        (api if url.startswith("/api") else web).get(url)
    before = [_count(web, u) for u in urls] + [_count(api, u) for u in api_urls]
    for name in ("Solo Care Ltd", "Gofal Teulu", "Cartref Da"):
        services.external_bid_record(tender=opened, by=world.user("reviewer"), bidder_name=name,
                                     rates={lot.pk: {WEEKDAY: Decimal("35.00")}})
    for _ in range(3):
        more = cf.tender(world.council, deadline=timezone.now() - dt.timedelta(days=1),
                         status=TenderStatus.CLOSED)
        cf.lot(more)
    after = [_count(web, u) for u in urls] + [_count(api, u) for u in api_urls]
    assert after == before
    assert max(after) < 40


def test_review_pages_render_in_welsh_with_plain_numbers_in_the_charts(world, opened, client_for):
    from django.conf import settings

    lot = opened.lots.get()
    services.external_bid_record(tender=opened, by=world.user("reviewer"), bidder_name="Solo Care Ltd",
                                 rates={lot.pk: {WEEKDAY: Decimal("36.00")}})
    web = client_for("reviewer")
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    joint = Entry.objects.get(lot=lot, submission__isnull=False)
    for url in (reverse("review-list"), reverse("review-tender", args=[opened.pk]),
                reverse("review-entry", args=[joint.pk]), reverse("review-lot", args=[lot.pk]),
                reverse("review-external-new", args=[opened.pk])):
        response = web.get(url)
        assert response.status_code == 200, url
        assert '<html lang="cy"' in response.content.decode(), url
    compare = web.get(reverse("review-lot", args=[lot.pk])).content.decode()
    assert 'width="300" height="24"' in compare  # the winner's bar, full width
    entry = web.get(reverse("review-entry", args=[joint.pk])).content.decode()
    assert 'width="180" height="24"' in entry  # coop A's 60% of 300


# --- races (PostgreSQL: real row locks) --------------------------------------------------------------



@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_opening_at_once_make_one_set_of_entries_and_one_lead(world):
    tender = _pass_deadline(_submitted_tender(world))
    first, second = world.user("reviewer"), second_reviewer(world)
    errors = run_together([lambda: services.evaluation_open(tender=tender, by=first),
                            lambda: services.evaluation_open(tender=tender, by=second)])
    assert errors == []
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.IN_EVALUATION
    assert Entry.objects.filter(lot__tender=tender).count() == 1
    assert EntryRate.objects.filter(entry__lot__tender=tender).count() == 1
    (lead,) = PanelMember.objects.filter(tender=tender)
    assert lead.is_lead and lead.reviewer in (first, second)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_outside_bid_recorded_twice_at_once_is_kept_once(world):
    tender = _pass_deadline(_submitted_tender(world))
    lead, second = world.user("reviewer"), second_reviewer(world)
    tender = services.evaluation_open(tender=tender, by=lead)
    services.panel_add(tender=tender, reviewer=second, by=lead)
    lot = tender.lots.get()

    def record(by):
        return lambda: services.external_bid_record(tender=tender, by=by, bidder_name="Solo Care Ltd",
                                                    rates={lot.pk: {WEEKDAY: "36.00"}})

    errors = run_together([record(lead), record(second)])
    assert len(errors) == 1 and isinstance(errors[0], DomainError)
    assert "already recorded" in str(errors[0].as_dict()["bidder_name"])
    assert ExternalBid.objects.filter(tender=tender).count() == 1
    assert Entry.objects.filter(lot=lot, external_bid__isnull=False).count() == 1


def _submit_sheet(lot, reviewer) -> None:
    from contracts.evaluation.services import scoring

    marks = {(entry.pk, q.pk): (1, "")
             for entry in Entry.objects.filter(lot=lot) for q in lot.questions.all()}
    scoring.mark_sheet_save(lot=lot, by=reviewer, marks=marks)
    scoring.mark_sheet_submit(lot=lot, by=reviewer)


def test_outside_bids_can_be_neither_recorded_nor_deleted_once_a_sheet_is_submitted(
        world, opened, client_for, api_for):
    lot = opened.lots.get()
    lead = world.user("reviewer")
    early = services.external_bid_record(tender=opened, by=lead, bidder_name="Early Care Ltd",
                                         rates={lot.pk: {WEEKDAY: "38.00"}})
    _submit_sheet(lot, lead)
    with pytest.raises(DomainError, match="already been submitted") as refused:
        services.external_bid_record(tender=opened, by=lead, bidder_name="Late Care Ltd",
                                     rates={lot.pk: {WEEKDAY: "30.00"}})
    assert refused.value.code == "marked" and "Lot 1" in str(refused.value.message)
    # Through the web and the API: a clear message, nothing saved.
    page = client_for("reviewer").post(reverse("review-external-new", args=[opened.pk]),
                                       {"bidder_name": "Late Care Ltd",
                                        services.rate_field(lot.pk, WEEKDAY): "30"})
    assert page.status_code == 200 and "already been submitted" in page.content.decode()
    answer = api_for("reviewer").post(f"{API}/tenders/{opened.pk}/external-bids/",
                                      {"bidder_name": "Late Care Ltd",
                                       "rates": {str(lot.pk): {WEEKDAY: "30"}}},
                                      format="json")
    assert answer.status_code == 409 and "already been submitted" in json.dumps(answer.json())
    assert list(ExternalBid.objects.values_list("bidder_name", flat=True)) == ["Early Care Ltd"]
    # Its marks aside, the early bid cannot be taken away from under the sealed sheet either.
    from contracts.models import QualityMark

    QualityMark.objects.filter(entry__external_bid=early).delete()
    with pytest.raises(DomainError, match="already been submitted"):
        services.external_bid_delete(external_bid=early, by=lead)
    assert api_for("reviewer").delete(f"{API}/external-bids/{early.pk}/").status_code == 409
    assert ExternalBid.objects.filter(pk=early.pk).exists()
    assert Entry.objects.filter(external_bid=early).count() == 1


def test_an_unsubmitted_sheet_does_not_stop_recording_an_outside_bid(world, opened):
    from contracts.evaluation.services import scoring

    lot = opened.lots.get()
    lead = world.user("reviewer")
    entry = Entry.objects.get(lot=lot)
    scoring.mark_sheet_save(lot=lot, by=lead, marks={(entry.pk, lot.questions.first().pk): (1, "")})
    services.external_bid_record(tender=opened, by=lead, bidder_name="Solo Care Ltd",
                                 rates={lot.pk: {WEEKDAY: "30.00"}})
    assert ExternalBid.objects.count() == 1
