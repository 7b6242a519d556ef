"""Comparators of the cost-of-care evidence (the Homecare Association's minimum price, councils'
rates): published figures are reference data staff keep in the back office with their source
(a link and a date); a consortium's coordinator adds the consortium's own figures, marked as its
own and seen only by its users, and never changes a published figure or another consortium's."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from consortium.models import Role
from pricing.models import CouncilRate, ReferencePrice
from pricing.selectors import evidence as selectors
from pricing.services import reference as services
from tests.factories import UserFactory, service

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2025  # the Homecare Association published 32.14 for 2025-26 (loaded by migration)


def _published_rate(world, rate="19.80") -> CouncilRate:
    return CouncilRate.objects.create(
        council=world.council, service_type=service(), financial_year=YEAR, rate=D(rate),
        source="Cardiff Council, fees 2025-26", source_url="https://www.cardiff.gov.uk/fees",
        published_on=dt.date(2025, 3, 1))


def test_a_coordinators_figure_is_its_consortiums_own_and_leaves_the_published_one(world):
    price, created = services.reference_price_save(by=world.user("coordinator"), financial_year=YEAR,
                                                   amount=D("40.00"), source="Our own estimate")
    assert created and price.consortium == world.consortium
    published = ReferencePrice.objects.get(financial_year=YEAR, consortium=None)
    assert published.amount == D("32.14")
    _published_rate(world)
    rate, created = services.council_rate_save(by=world.user("coordinator"), council=world.council,
                                               service_type=service(), financial_year=YEAR, rate=D("25.00"))
    assert created and rate.consortium == world.consortium
    assert CouncilRate.objects.get(consortium=None).rate == D("19.80")


def test_another_consortium_neither_sees_nor_changes_a_consortiums_own_figures(world, api_for, client_for):
    services.reference_price_save(by=world.user("coordinator"), financial_year=2031, amount=D("40.00"))
    services.council_rate_save(by=world.user("coordinator"), council=world.council, service_type=service(),
                               financial_year=YEAR, rate=D("25.00"))
    other = world.user("coordinator_other")
    services.reference_price_save(by=other, financial_year=2031, amount=D("50.00"))
    services.council_rate_save(by=other, council=world.council, service_type=service(),
                               financial_year=YEAR, rate=D("35.00"))
    assert ReferencePrice.objects.get(consortium=world.consortium, financial_year=2031).amount == D("40.00")
    assert CouncilRate.objects.get(consortium=world.consortium).rate == D("25.00")

    listed = api_for("coordinator_other").get("/api/v1/pricing/reference-prices/").json()["results"]
    assert "40.00" not in [row["amount"] for row in listed]
    assert {row["amount"]: row["own"] for row in listed}["50.00"] is True
    rates = api_for("coordinator_other").get("/api/v1/pricing/council-rates/").json()["results"]
    assert [row["rate"] for row in rates] == ["35.00"]
    for name in ("reference-prices", "council-rates"):
        page = client_for("coordinator_other").get(reverse(name)).content.decode()
        assert "40.00" not in page and "25.00" not in page
    board = html.unescape(client_for("board").get(reverse("council-rates")).content.decode())
    assert "£25.00" in board and "£35.00" not in board
    assert "Your consortium's own figure" in board


def test_evidence_compares_with_the_published_figure_or_else_the_consortiums_own_marked(world, api_for):
    _published_rate(world)
    services.council_rate_save(by=world.user("coordinator_other"), council=world.council,
                               service_type=service(), financial_year=YEAR, rate=D("35.00"))
    services.reference_price_save(by=world.user("coordinator_other"), financial_year=YEAR, amount=D("50.00"))
    params = {"financial_year": YEAR, "service_type": service().pk, "council": world.council.pk}
    body = api_for("board").get("/api/v1/pricing/evidence/", params).json()
    assert (body["reference_price"]["amount"], body["reference_price"]["own"]) == ("32.14", False)
    assert body["council_rate"]["rate"] == "19.80"
    assert body["council_rate"]["source_url"] == "https://www.cardiff.gov.uk/fees"
    assert body["council_rate"]["published_on"] == "2025-03-01"

    services.reference_price_save(by=world.user("coordinator"), financial_year=2031, amount=D("41.00"))
    own = selectors.reference_price_for(2031, consortium=world.consortium)
    assert own.amount == D("41.00") and own.own
    assert selectors.reference_price_for(2031, consortium=world.consortium_other) is None
    # What councils are shown with an offer compares with published figures only.
    snapshot = selectors.evidence_snapshot(consortium=world.consortium, service_type=service(),
                                           financial_year=2031)
    assert snapshot["reference_price"] is None


def test_published_figures_are_kept_by_staff_with_a_link_and_a_date(world, client):
    staff = UserFactory(username="staff", role=Role.STAFF_ADMIN, consortium=None, is_staff=True,
                        is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:pricing_referenceprice_add")
    without = client.post(url, {"financial_year": "2031", "amount": "36.00", "basis": "England"})
    assert without.status_code == 200 and not ReferencePrice.objects.filter(financial_year=2031).exists()
    assert "Give the link to where the figure was published." in without.content.decode()
    saved = client.post(url, {"financial_year": "2031", "amount": "36.00", "basis": "England",
                              "source": "Homecare Association",
                              "source_url": "https://www.homecareassociation.org.uk/",
                              "published_on": "2031-02-01"})
    assert saved.status_code == 302
    price = ReferencePrice.objects.get(financial_year=2031)
    assert price.consortium is None and price.history.first().history_user == staff
