"""A rate card's notes the product wrote (a draft uplifted by a rule; a card agreed in a
negotiation) are stored as a code and its details and read in the reader's language: written with
English active, they read in Welsh for a Welsh reader, on the card's page and in the API. Notes a
coordinator changes become theirs, as typed; saving the edit page unchanged keeps the product's
notes. The data migration reads the English notes stored before into codes and leaves typed text
as it was."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from pricing.models import RateCard, RateCardNote
from pricing.services import rate_cards as services
from tests.factories import service

pytestmark = pytest.mark.django_db

migration = importlib.import_module("pricing.migrations.0006_rate_card_notes_codes")

ENGLISH = ("Uplifted from the 2025-26 card by the rule “RLW and CPI”: 70.00% of each rate is pay, raised by "
           "5.00%; the rest raised by 2.00%.")
WELSH = ("Wedi'i godi o gerdyn 2025-26 drwy'r rheol “RLW and CPI”: mae 70.00% o bob cyfradd yn gyflog, "
         "wedi'i godi 5.00%; y gweddill wedi'i godi 2.00%.")


def _draft(world) -> RateCard:
    """Next year's draft, uplifted by a rule with English active."""
    coordinator = world.user("coordinator")
    with translation.override("en"):
        card = services.rate_card_create(
            consortium=world.consortium, council=world.council, service_type=service(), financial_year=2025,
            effective_from=dt.date(2025, 4, 1), rates={"weekday_day": D("20.00")}, by=coordinator)
        card = services.rate_card_put_in_force(card=card, by=coordinator)
        rule = services.uplift_rule_save(consortium=world.consortium, by=coordinator, name="RLW and CPI",
                                         pay_share=D("70.00"), pay_uplift=D("5.00"),
                                         other_uplift=D("2.00"))
        return services.rate_card_draft_uplift(card=card, rule=rule, by=coordinator)


def test_uplift_notes_written_in_english_read_in_welsh(world):
    draft = RateCard.objects.get(pk=_draft(world).pk)
    assert draft.notes_code == RateCardNote.UPLIFTED_BY_RULE and draft.notes == ENGLISH
    with translation.override("cy"):
        assert draft.notes_text == WELSH
    with translation.override("en"):
        assert draft.notes_text == ENGLISH


def test_the_card_page_and_the_api_show_the_notes_in_the_readers_language(world, client_for, api_for):
    draft = _draft(world)
    client = client_for("coordinator")
    client.cookies["django_language"] = "cy"
    page = client.get(reverse("rate-card-detail", args=[draft.pk])).content.decode()
    assert "Wedi&#x27;i godi o gerdyn 2025-26" in page and "Uplifted from" not in page
    api = api_for("coordinator")
    url = f"/api/v1/pricing/rate-cards/{draft.pk}/"
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="cy").json()["notes"] == WELSH
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["notes"] == ENGLISH


def test_notes_saved_unchanged_stay_the_products_and_changed_notes_are_typed(world):
    draft = _draft(world)
    coordinator = world.user("coordinator")
    with translation.override("cy"):  # a Welsh editor saves the page as it was filled in
        services.rate_card_update_draft(card=draft, by=coordinator, notes=WELSH)
    draft.refresh_from_db()
    assert (draft.notes_code, draft.notes) == (RateCardNote.UPLIFTED_BY_RULE, ENGLISH)
    with translation.override("cy"):
        services.rate_card_update_draft(card=draft, by=coordinator, notes="Ein nodiadau ni.")
    draft.refresh_from_db()
    assert (draft.notes_code, draft.notes_params, draft.notes) == ("", {}, "Ein nodiadau ni.")
    with translation.override("en"):
        assert draft.notes_text == "Ein nodiadau ni."


def test_a_card_agreed_in_a_negotiation_is_noted_in_the_readers_language(world):
    from tests.builders import live_contract
    from tests.test_delivery_uplift import test_the_council_accepting_an_offer_varies_the_contract as agree

    with translation.override("en"):
        agree(world, live_contract(world))
    card = RateCard.objects.get(negotiation__isnull=False)
    assert (card.notes_code, card.notes_params) == (RateCardNote.AGREED_IN_NEGOTIATION, {"n": 1})
    assert card.notes == "Agreed in negotiation round 1."
    with translation.override("cy"):
        assert card.notes_text == "Cytunwyd yn rownd 1 y drafodaeth."


def test_the_migration_reads_stored_english_notes_into_codes_and_leaves_typed_text(world):
    def card(notes, year):
        return services.rate_card_create(
            consortium=world.consortium, council=world.council, service_type=service(), financial_year=year,
            effective_from=dt.date(year, 4, 1), rates={"weekday_day": D("20.00")},
            by=world.user("coordinator"), notes=notes)

    agreed, uplifted = card("Agreed in negotiation round 3.", 2025), card(ENGLISH, 2026)
    typed, welsh = card("Agreed in round 3, after a long talk.", 2027), card(WELSH, 2028)
    migration.forwards(apps, None)
    rows = {c.pk: c for c in RateCard.objects.all()}
    assert (rows[agreed.pk].notes_code, rows[agreed.pk].notes_params) == ("agreed_in_negotiation", {"n": 3})
    assert rows[uplifted.pk].notes_params == {"year": "2025-26", "rule": "RLW and CPI", "share": "70.00",
                                              "pay": "5.00", "other": "2.00"}
    with translation.override("en"):
        assert rows[uplifted.pk].notes_text == ENGLISH  # read back word for word
    with translation.override("cy"):
        assert rows[uplifted.pk].notes_text == WELSH
        assert rows[agreed.pk].notes_text == "Cytunwyd yn rownd 3 y drafodaeth."
        for pk in (typed.pk, welsh.pk):
            assert (rows[pk].notes_code, rows[pk].notes_params) == ("", {})
            assert rows[pk].notes_text == rows[pk].notes
