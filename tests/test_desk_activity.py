"""The consortium's activity page: the coordinator's own consortium's changes only (bids,
member co-ops, prices, contracts), readable (field labels, choice labels, not codes), filtered
by kind, person and days, paginated, a constant number of queries a page; members' cost
figures never shown."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from consortium.audit import save_audited
from consortium.models import TimeBand
from contracts.models import Bid, BidPrice, BidStatus
from desk.selectors.activity import PAGE_SIZE, SOURCES
from members.models import LegalForm, MemberCoop
from tests import contracts_factories as cf
from tests.pricing_factories import cost_submission

URL = reverse("activity")
# Two queries per history table at most (its rows on the page, the records before them), the
# count and the page of the union, councils and services, and the session, user and people.
MAX_QUERIES = 2 * len(SOURCES) + 8


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1]))


def _rename(coop: MemberCoop, name: str, by) -> None:
    coop = MemberCoop.objects.get(pk=coop.pk)
    coop.trading_name = name
    save_audited(coop, by)


def test_only_the_coordinators_own_consortium(world, client_for):
    _rename(world.coop_a, "Gofal A Newydd", world.user("coordinator"))
    _rename(world.coop_other, "Other Care Renamed", world.user("coordinator_other"))
    ours = _text(client_for("coordinator").get(URL))
    assert "Gofal A Newydd" in ours and "Other Care" not in ours and "Other Co-op" not in ours
    theirs = _text(client_for("coordinator_other").get(URL))
    assert "Other Care Renamed" in theirs and "Gofal A" not in theirs and "Cydweithfa" not in theirs


def test_changes_read_as_labels_not_codes(world, client_for):
    coordinator = world.user("coordinator")
    coop = MemberCoop.objects.get(pk=world.coop_a.pk)
    old = LegalForm(coop.legal_form).label
    coop.legal_form = LegalForm.CIC if coop.legal_form != LegalForm.CIC else LegalForm.CLG
    save_audited(coop, coordinator)
    tender = cf.tender(world.council)
    cf.lot(tender)
    bid = Bid.objects.get(pk=cf.bid(world.consortium, tender, by=coordinator).pk)
    bid.status = BidStatus.AWAITING_APPROVAL
    save_audited(bid, coordinator)
    price = BidPrice(bid_lot=bid.bid_lots.first(), time_band=TimeBand.EVENING, rate=Decimal("40.00"))
    save_audited(price, coordinator)
    price.rate = Decimal("41.50")
    save_audited(price, coordinator)
    page = _text(client_for("coordinator").get(URL))
    assert f"Legal form: {old} → {LegalForm(coop.legal_form).label}" in page
    assert "Status: Draft → Awaiting board approval" in page
    assert "awaiting_approval" not in page
    assert f"Joint bid: {bid.tender.reference}" in page
    assert "Rate (£ per unit): 40.00 → 41.50" in page and "Evening" in page


def test_cost_submissions_show_as_made_without_their_figures(world, client_for):
    first = cost_submission(world.coop_a, financial_year=2026)
    cost_submission(world.coop_a, financial_year=2026)  # a second version: the first is no longer the latest
    page = _text(client_for("coordinator").get(URL, {"kind": "prices"}))
    assert "Cost submission" in page and "Gofal A" in page
    for figure in (first.total, first.contact_pay, first.running_costs):
        assert str(figure) not in page
    assert "Is latest" not in page and "Total per contact hour" not in page


def test_filters_by_kind_person_and_days(world, client_for):
    _rename(world.coop_a, "Gofal A Newydd", world.user("coordinator"))
    _rename(world.coop_b, "Gofal B Newydd", world.user("member_b"))
    cf.bid(world.consortium, cf.tender(world.council), by=world.user("coordinator"))
    client = client_for("coordinator")
    members_only = _text(client.get(URL, {"kind": "members"}))
    assert "Gofal A Newydd" in members_only and "Joint bid:" not in members_only
    bids_only = _text(client.get(URL, {"kind": "bids"}))
    assert "Joint bid:" in bids_only and "Gofal A Newydd" not in bids_only
    by_member = _text(client.get(URL, {"person": world.user("member_b").pk}))
    assert "Gofal B Newydd" in by_member and "Gofal A Newydd" not in by_member
    # Move coop A's renaming back a month: a range of days around then finds only it.
    MemberCoop.history.filter(id=world.coop_a.pk, trading_name="Gofal A Newydd").update(
        history_date=timezone.now() - dt.timedelta(days=30))
    day = timezone.localdate() - dt.timedelta(days=30)
    month_ago = _text(client.get(URL, {"date_from": day.isoformat(), "date_to": day.isoformat()}))
    assert "Gofal A Newydd" in month_ago and "Gofal B Newydd" not in month_ago
    since = _text(client.get(URL, {"date_from": (day + dt.timedelta(days=1)).isoformat()}))
    assert "Gofal B Newydd" in since and "Gofal A Newydd" not in since


def test_bad_filters_show_errors_not_a_failure(world, client_for):
    client = client_for("coordinator")
    response = client.get(URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert "The last day must be the same as or after the first day." in response.content.decode()
    response = client.get(URL, {"date_from": "not a day", "person": "999999", "kind": "nothing"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()


def test_paginated_in_a_constant_number_of_queries(world, client_for, django_assert_max_num_queries):
    coordinator = world.user("coordinator")
    for n in range(PAGE_SIZE + 5):
        _rename(world.coop_a if n % 2 else world.coop_b, f"Name {n:02d}", coordinator)
    for _ in range(3):
        cf.bid(world.consortium, cf.tender(world.council), by=coordinator)
    cost_submission(world.coop_a, financial_year=2026)
    client = client_for("coordinator")
    with django_assert_max_num_queries(MAX_QUERIES):
        first = client.get(URL)
    page = _text(first)
    assert first.content.decode().count("<time datetime=") == PAGE_SIZE
    assert "Name 29" in page and "Name 00" not in page  # newest first
    with django_assert_max_num_queries(MAX_QUERIES):
        second = _text(client.get(URL, {"page": 2}))
    assert "Name 00" in second and "Name 29" not in second
    assert 'rel="next"' in first.content.decode()
