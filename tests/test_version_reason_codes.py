"""A contract version's reason the product wrote (an agreed rate card's uplift) is stored as a code
and its details, and read in the reader's language: written with English active, it reads in
Welsh for a Welsh reader, on the contract's page, in the API and in the OCDS amendment. A reason a
person typed stays as typed. The data migration reads the English reasons stored before into
codes and leaves typed text (or text it cannot read) as it was.

The live contract (tests/builders.py): consortium A with Cardiff (Caerdydd) from 5 April 2027,
four-weekly periods."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from consortium import formatting
from contracts.delivery.services import contracts as contract_services
from contracts.models import Contract, ContractVersion, UpliftDayNote, VersionReason
from contracts.publication import ocds
from pricing.models import Negotiation, NegotiationStatus, RateCard
from pricing.services import rate_cards as card_services
from tests.builders import WEEKDAY, accepted_return, live_contract
from tests.factories import service

pytestmark = pytest.mark.django_db

migration = importlib.import_module("contracts.migrations.0014_contract_version_reason_codes")

APRIL = dt.date(2028, 4, 1)
WELSH_START = "Cyfraddau a gytunwyd gyda Caerdydd yn nhrafodaeth"


@pytest.fixture
def contract(world) -> Contract:
    return live_contract(world)


def _uplift(world) -> ContractVersion:
    """An agreed card put in force with English active; the version it made."""
    negotiation = Negotiation.objects.create(consortium=world.consortium, council=world.council,
                                             service_type=service(), financial_year=2028,
                                             status=NegotiationStatus.AGREED)
    with translation.override("en"):
        card = card_services.rate_card_create(
            consortium=world.consortium, council=world.council, service_type=service(), financial_year=2028,
            effective_from=APRIL, rates={WEEKDAY: "26.50"}, by=None, negotiation=negotiation)
        card_services.rate_card_put_in_force(card=card, by=world.user("reviewer"))
    return ContractVersion.objects.filter(reason_code=VersionReason.RATE_CARD).latest("number")


def test_an_uplift_written_in_english_reads_in_welsh(world, contract):
    version = _uplift(world)
    card = RateCard.objects.get(negotiation__isnull=False)
    assert version.reason_params == {"council_id": world.council.pk, "council": "Cardiff",
                                     "n": card.negotiation_id, "year": "2028-29", "day": "2028-04-01"}
    with translation.override("cy"):
        welsh = ContractVersion.objects.get(pk=version.pk).reason_text
        april = formatting.day(APRIL)
    assert welsh == (f"{WELSH_START} {card.negotiation_id} (cerdyn cyfraddau 2028-29), mewn grym o {april}.")
    assert april == "1 Ebr 2028"
    with translation.override("en"):
        english = ContractVersion.objects.get(pk=version.pk).reason_text
    # the English text kept for the record is the one an English reader reads
    assert english == version.reason == (f"Rates agreed with Cardiff in negotiation {card.negotiation_id} "
                                         f"(rate card for 2028-29), in force from 1 Apr 2028.")


def test_the_note_why_the_day_moved_reads_in_welsh(world, contract):
    from tests.test_delivery_uplift import _period

    spanning = _period(contract, APRIL)
    accepted_return(contract, world.coop_b, spanning, {(world.council, WEEKDAY): "10"})
    version = _uplift(world)
    assert version.reason_params["note"] == UpliftDayNote.PERIODS_IN_USE
    assert version.reason_params["last"] == "2028-04-02" and version.reason_params["day"] == "2028-04-03"
    assert "already have returns or invoices" in version.reason
    with translation.override("cy"):
        welsh = ContractVersion.objects.get(pk=version.pk).reason_text
    assert welsh.startswith(WELSH_START)
    assert ("Mae gan gyfnodau bilio hyd at 2 Ebr 2028 ffurflenni neu anfonebau eisoes, felly mae cyfraddau'r "
            "cerdyn yn gymwys o 3 Ebr 2028;") in welsh


def test_the_contract_page_and_the_api_show_the_reason_in_the_readers_language(world, contract, client_for,
                                                                               api_for):
    _uplift(world)
    client = client_for("coordinator")
    client.cookies["django_language"] = "cy"
    page = client.get(reverse("contract-detail", args=[contract.pk])).content.decode()
    assert WELSH_START in page and "Rates agreed with" not in page
    api = api_for("coordinator")
    welsh = api.get(f"/api/v1/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE="cy").json()["versions"]
    assert welsh[-1]["reason"].startswith(WELSH_START)
    english = api.get(f"/api/v1/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["versions"]
    assert english[-1]["reason"].startswith("Rates agreed with Cardiff in negotiation")


def test_the_ocds_amendment_gives_the_reason_in_the_language_it_declares(world, contract):
    version = _uplift(world)
    with translation.override("cy"):
        assert ocds._amendment(version)["rationale"].startswith(WELSH_START)
    with translation.override("en"):
        assert ocds._amendment(version)["rationale"] == version.reason


def test_a_typed_reason_stays_as_typed_in_every_language(world, contract):
    version = contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                              reason="Real Living Wage uplift.", rates={WEEKDAY: "26.00"})
    assert version.reason_code == VersionReason.TYPED and version.reason_params == {}
    with translation.override("cy"):
        assert ContractVersion.objects.get(pk=version.pk).reason_text == "Real Living Wage uplift."


def test_a_council_gone_reads_with_the_english_name_kept():
    params = {"council_id": 999999, "council": "Cardiff", "n": 4, "year": "2028-29", "day": "2028-04-01",
              "note": UpliftDayNote.PUT_IN_FORCE_LATE, "on": "2028-05-02"}
    from contracts.models import version_reason

    with translation.override("cy"):
        text = version_reason(VersionReason.RATE_CARD, params, "")
    assert text.startswith("Cyfraddau a gytunwyd gyda Cardiff yn nhrafodaeth 4 (cerdyn cyfraddau 2028-29)")
    assert "Rhoddwyd y cerdyn mewn grym ar 2 Mai 2028" in text


# --- the data migration ----------------------------------------------------------------------------

def _stored(contract, number: int, reason: str) -> ContractVersion:
    """A version as the product stored it before codes: the reason as text only."""
    current = contract.versions.order_by("number").last()
    return ContractVersion.objects.create(contract=contract, number=number, kind=ContractVersion.Kind.RATE,
                                          start=current.start, end=current.end, terms=current.terms,
                                          value=current.value, reason=reason, effective_from=APRIL)


def test_the_migration_reads_the_stored_english_reasons_into_codes_and_leaves_typed_text(world, contract):
    agreed = "Rates agreed with Cardiff in negotiation {n} (rate card for {year}), in force from {day}."
    plain = _stored(contract, 2, agreed.format(n=7, year="2028-29", day="1 Apr 2028"))
    late = _stored(contract, 3, agreed.format(n=8, year="2028-29", day="12 Sep 2028")
                   + " The card was put in force on 12 Sep 2028, after its start, so its rates apply "
                     "from then.")
    used = _stored(contract, 4, agreed.format(n=9, year="2029-30", day="3 Apr 2029")
                   + " Billing periods up to 2 Apr 2029 already have returns or invoices, so the card's "
                     "rates apply from 3 Apr 2029; an earlier difference is corrected by an adjustment in a "
                     "later return.")
    typed = _stored(contract, 5, "Rates agreed with the council after a long talk.")
    welsh = _stored(contract, 6, "Cyfraddau a gytunwyd gyda Caerdydd yn nhrafodaeth 7 (cerdyn cyfraddau "
                                 "2028-29), mewn grym o 1 Ebr 2028.")
    unread = _stored(contract, 7, agreed.format(n=7, year="2028-29", day="1 Apr 2028") + " And more.")
    migration.forwards(apps, None)
    rows = {v.pk: v for v in ContractVersion.objects.filter(contract=contract)}
    assert rows[plain.pk].reason_params == {"council_id": world.council.pk, "council": "Cardiff", "n": 7,
                                            "year": "2028-29", "day": "2028-04-01"}
    assert rows[late.pk].reason_params["note"] == "put_in_force_late"
    assert rows[late.pk].reason_params["on"] == "2028-09-12"
    assert rows[used.pk].reason_params["last"] == "2029-04-02"
    for pk in (plain.pk, late.pk, used.pk):
        assert rows[pk].reason_code == VersionReason.RATE_CARD
        with translation.override("en"):
            assert rows[pk].reason_text == rows[pk].reason  # read back word for word
        with translation.override("cy"):
            assert rows[pk].reason_text.startswith(WELSH_START)
    for pk in (typed.pk, welsh.pk, unread.pk):
        assert (rows[pk].reason_code, rows[pk].reason_params) == ("", {})
        with translation.override("cy"):
            assert rows[pk].reason_text == rows[pk].reason
    assert rows[typed.pk].reason == "Rates agreed with the council after a long talk."
