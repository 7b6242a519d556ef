"""Rate cards: agreed rates per council, service type and time band over a period; the rates that
apply on a date; supersession instead of editing; uplift rules; who sees what; audit history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from consortium.errors import DomainError
from pricing.models import RateCard, RateCardRate, RateCardStatus, UpliftRule, financial_year_label
from pricing.selectors import rate_cards as selectors
from pricing.selectors.evidence import current_financial_year
from pricing.services import rate_cards as services
from tests.factories import service

pytestmark = pytest.mark.shared_world


D = Decimal
APRIL_2025, APRIL_2026 = dt.date(2025, 4, 1), dt.date(2026, 4, 1)


def make_card(world, *, start=APRIL_2025, rates=None, council=None, consortium=None, in_force=True,
              year=None, by=None):
    consortium = consortium or world.consortium
    card = services.rate_card_create(
        consortium=consortium, council=council or world.council, service_type=service(),
        financial_year=year or start.year, effective_from=start,
        rates={"weekday_day": D("20.00"), "weekend": D("24.00")} if rates is None else rates,
        by=by or world.user("coordinator"),
    )
    if in_force:
        card = services.rate_card_put_in_force(card=card, by=by or world.user("coordinator"))
    return card


def rates_on(world, day, service_type=None):
    return selectors.rates_on(consortium=world.consortium, council=world.council,
                              service_type=service_type or service(), on=day)


# --- What applies on a date ---------------------------------------------------------------------


def test_rates_on_picks_the_card_in_force_either_side_of_a_supersession(world, django_assert_num_queries):
    make_card(world, start=APRIL_2025, rates={"weekday_day": D("20.00")})
    make_card(world, start=APRIL_2026, rates={"weekday_day": D("21.50"), "night": D("23.00")})

    home_care = service()
    with django_assert_num_queries(1):
        day_before = rates_on(world, APRIL_2026 - dt.timedelta(days=1), home_care)
    assert day_before == {"weekday_day": D("20.00")}
    assert rates_on(world, APRIL_2026) == {"weekday_day": D("21.50"), "night": D("23.00")}
    assert rates_on(world, APRIL_2026 + dt.timedelta(days=1))["weekday_day"] == D("21.50")
    assert rates_on(world, APRIL_2025 - dt.timedelta(days=1)) == {}


def test_rates_on_ignores_drafts_and_other_councils(world):
    make_card(world, start=APRIL_2025, in_force=False)
    make_card(world, start=APRIL_2025, council=world.council_other)
    assert rates_on(world, dt.date(2025, 6, 1)) == {}


def test_putting_a_card_in_force_supersedes_the_overlapping_one_the_day_before(world):
    old = make_card(world, start=APRIL_2025)
    new = make_card(world, start=APRIL_2026)
    old.refresh_from_db()
    assert old.status == RateCardStatus.SUPERSEDED
    assert old.effective_to == dt.date(2026, 3, 31)
    assert new.status == RateCardStatus.IN_FORCE
    assert new.supersedes == old
    assert selectors.successor(selectors.rate_card_get_for_user(world.user("coordinator"), old.pk)) == new


def test_a_card_starting_on_or_before_the_one_in_force_is_refused(world):
    old = make_card(world, start=APRIL_2026)
    same_day = make_card(world, start=APRIL_2026, in_force=False)
    with pytest.raises(DomainError) as refused:
        services.rate_card_put_in_force(card=same_day, by=world.user("coordinator"))
    assert refused.value.field == "effective_from"
    old.refresh_from_db()
    same_day.refresh_from_db()
    assert (old.status, old.effective_to) == (RateCardStatus.IN_FORCE, None)
    assert same_day.status == RateCardStatus.DRAFT


def test_put_in_force_twice_is_quiet_and_a_withdrawn_draft_cannot_be(world):
    card = make_card(world)
    assert services.rate_card_put_in_force(card=card, by=world.user("coordinator")).status == "in_force"
    draft = make_card(world, start=APRIL_2026, in_force=False)
    services.rate_card_withdraw_draft(card=draft, by=world.user("coordinator"))
    with pytest.raises(DomainError):
        services.rate_card_put_in_force(card=draft, by=world.user("coordinator"))
    draft.refresh_from_db()
    assert draft.status == RateCardStatus.WITHDRAWN


# --- Never edited in force ----------------------------------------------------------------------

NOT_EDITABLE = "A rate card in force cannot be changed; make a new card to supersede it"


def test_service_refuses_to_change_a_card_in_force(world):
    card = make_card(world)
    with pytest.raises(DomainError) as refused:
        services.rate_card_update_draft(card=card, by=world.user("coordinator"),
                                        rates={"weekday_day": D("99")})
    assert str(refused.value.message) == NOT_EDITABLE
    assert selectors.rates_by_band(RateCard.objects.get(pk=card.pk)) == {"weekday_day": D("20.00"),
                                                                          "weekend": D("24.00")}


def test_web_edit_of_a_card_in_force_changes_nothing(world, client_for):
    card = make_card(world)
    client = client_for("coordinator")
    url = reverse("rate-card-edit", args=[card.pk])
    page = client.get(url)
    assert NOT_EDITABLE in page.content.decode()
    response = client.post(url, {"effective_from": "2025-04-01", "rate_weekday_day": "99.00"})
    assert response.status_code == 200
    assert NOT_EDITABLE in response.content.decode()
    assert RateCardRate.objects.get(rate_card=card, time_band="weekday_day").rate == D("20.00")


def test_api_patch_of_a_card_in_force_is_refused(world, api_for):
    card = make_card(world)
    response = api_for("coordinator").patch(f"/api/v1/pricing/rate-cards/{card.pk}/",
                                            {"rates": {"weekday_day": "99.00"}}, format="json")
    assert response.status_code == 409
    assert response.json() == {"non_field_errors": [NOT_EDITABLE]}
    assert RateCardRate.objects.get(rate_card=card, time_band="weekday_day").rate == D("20.00")


def test_a_draft_can_be_changed_and_its_rate_history_names_the_user(world, client_for):
    coordinator = world.user("coordinator")
    card = make_card(world, in_force=False)
    response = client_for("coordinator").post(reverse("rate-card-edit", args=[card.pk]), {
        "effective_from": "2025-04-01", "rate_weekday_day": "20.40", "rate_night": "22.00",
    })
    assert response.status_code == 302
    assert selectors.rates_by_band(RateCard.objects.get(pk=card.pk)) == {"weekday_day": D("20.40"),
                                                                          "night": D("22.00")}
    history = RateCardRate.history.filter(rate_card_id=card.pk)
    changed = history.get(time_band="weekday_day", history_type="~")
    assert (changed.rate, changed.history_user) == (D("20.40"), coordinator)
    removed = history.get(time_band="weekend", history_type="-")
    assert removed.history_user == coordinator

    changes = selectors.rate_history(consortium=world.consortium, council=world.council,
                                     service_type=service()).changes
    weekday = [c for c in changes if c.time_band == "weekday_day"]
    assert [(c.old, c.new, c.who) for c in weekday] == [(None, D("20.00"), coordinator),
                                                         (D("20.00"), D("20.40"), coordinator)]
    page = client_for("coordinator").get(reverse("rate-card-detail", args=[card.pk])).content.decode()
    assert "Rate changed" in page and "£20.40" in page


def test_putting_in_force_is_recorded_with_the_user(world):
    card = make_card(world)
    latest = RateCard.history.filter(id=card.pk).order_by("-history_id").first()
    assert (latest.status, latest.history_user) == (RateCardStatus.IN_FORCE, world.user("coordinator"))


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rates, field", [
    ({}, "rates"),
    ({"weekday_day": D("0")}, "rate_weekday_day"),
    ({"weekday_day": D("-3.00")}, "rate_weekday_day"),
    ({"evening": D("20.005")}, "rate_evening"),
    ({"sometimes": D("20")}, "rates"),
    ({"night": D("NaN")}, "rate_night"),
])
def test_rates_must_be_positive_pence_for_known_bands(world, rates, field):
    with pytest.raises(DomainError) as refused:
        make_card(world, rates=rates, in_force=False)
    assert refused.value.field == field
    assert not RateCard.objects.exists()


def test_web_create_shows_field_errors_and_saves_nothing(world, client_for):
    response = client_for("coordinator").post(reverse("rate-card-create"), {
        "council": world.council.pk, "service_type": service().pk, "financial_year": "2026",
        "effective_from": "2026-04-01", "effective_to": "2026-01-01", "rate_weekday_day": "-5",
    })
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not RateCard.objects.exists()


def test_financial_year_is_chosen_the_same_way_on_rate_cards_and_negotiations(world, client_for):
    """Both forms offer the year as "2027-28" from a list, never a year typed as "2027"."""
    client = client_for("coordinator")
    next_year = current_financial_year() + 1
    option = f'<option value="{next_year}">{financial_year_label(next_year)}</option>'
    for name in ("rate-card-create", "negotiation-open"):
        page = client.get(reverse(name)).content.decode()
        assert '<select name="financial_year"' in page and option in page, name
    typed = client.post(reverse("rate-card-create"), {
        "council": world.council.pk, "service_type": service().pk, "financial_year": "2027-28",
        "effective_from": "2027-04-01", "rate_weekday_day": "22.35"})
    assert typed.status_code == 200 and "Choose one of the financial years listed" in typed.content.decode()
    assert not RateCard.objects.exists()


def test_web_create_makes_a_draft(world, client_for):
    response = client_for("coordinator").post(reverse("rate-card-create"), {
        "council": world.council.pk, "service_type": service().pk, "financial_year": "2026",
        "effective_from": "2026-04-01", "rate_weekday_day": "22.35", "rate_bank_holiday": "44.70",
    })
    card = RateCard.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rate-card-detail", args=[card.pk])
    assert card.status == RateCardStatus.DRAFT and card.consortium == world.consortium
    assert selectors.rates_by_band(card) == {"weekday_day": D("22.35"), "bank_holiday": D("44.70")}


def test_api_create_then_activate_supersedes(world, api_for):
    old = make_card(world, start=APRIL_2025)
    client = api_for("coordinator")
    created = client.post("/api/v1/pricing/rate-cards/", {
        "council": world.council.pk, "service_type": service().pk, "financial_year": 2026,
        "effective_from": "2026-04-01", "rates": {"weekday_day": "21.00", "evening": None},
    }, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["rates"] == {"weekday_day": "21.00", "evening": None, "night": None, "weekend": None,
                             "bank_holiday": None}
    activated = client.post(f"/api/v1/pricing/rate-cards/{body['id']}/activate/")
    assert activated.status_code == 200
    assert (activated.json()["status"], activated.json()["supersedes"]) == ("in_force", old.pk)
    old_body = client.get(f"/api/v1/pricing/rate-cards/{old.pk}/").json()
    assert (old_body["status"], old_body["effective_to"], old_body["superseded_by"]) == (
        "superseded", "2026-03-31", body["id"])


def test_api_create_refuses_bad_rates_by_field(world, api_for):
    response = api_for("coordinator").post("/api/v1/pricing/rate-cards/", {
        "council": world.council.pk, "service_type": service().pk, "financial_year": 2026,
        "effective_from": "2026-04-01", "rates": {"weekday_day": "-1"},
    }, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["rates.weekday_day"]
    empty = api_for("coordinator").post("/api/v1/pricing/rate-cards/", {
        "council": world.council.pk, "service_type": service().pk, "financial_year": 2026,
        "effective_from": "2026-04-01", "rates": {},
    }, format="json")
    assert empty.status_code == 400 and "rates" in empty.json()
    assert not RateCard.objects.exists()


# --- Uplift -------------------------------------------------------------------------------------


def rule(world, **fields):
    values = {"name": "RLW and CPI", "pay_share": D("70"), "pay_uplift": D("5"), "other_uplift": D("2")}
    values.update(fields)
    return services.uplift_rule_save(consortium=world.consortium, by=world.user("coordinator"), **values)


def uplift(rate, share, pay, other):
    return services.uplifted_rate(D(rate), pay_share=D(share), pay_uplift=D(pay), other_uplift=D(other))


def test_uplift_arithmetic_by_hand():
    # 20.00 x 70% = 14.00 pay, x 1.05 = 14.70; 6.00 rest x 1.02 = 6.12; 14.70 + 6.12 = 20.82
    assert uplift("20.00", 70, 5, 2) == D("20.82")
    # 19.99: 13.993 x 1.05 = 14.69265; 5.997 x 1.02 = 6.11694; 20.80959 -> 20.81
    assert uplift("19.99", 70, 5, 2) == D("20.81")
    # Rounded once, at the end: 5.05 x 1.005 = 5.07525 and 5.05 x 1.005 again: 10.1505 -> 10.15;
    # rounding each part first would give 5.08 + 5.08 = 10.16.
    assert uplift("10.10", 50, "0.5", "0.5") == D("10.15")
    # Half up: 10.00 at 50% +0.05% pay = 5.0025 + 5.00 = 10.0025 -> 10.00; 10.10 at +0.1%:
    # 5.05505 + 5.05 = 10.10505 -> 10.11
    assert uplift("10.00", 50, "0.05", 0) == D("10.00")
    assert uplift("10.10", 50, "0.1", 0) == D("10.11")


def test_uplift_drafts_next_years_card_from_1_april(world):
    card = make_card(world, start=APRIL_2025, year=2025,
                     rates={"weekday_day": D("20.00"), "night": D("22.00")})
    draft = services.rate_card_draft_uplift(card=card, rule=rule(world), by=world.user("coordinator"))
    assert (draft.status, draft.financial_year, draft.effective_from) == ("draft", 2026, APRIL_2026)
    # night: 22 x 0.7 = 15.40 x 1.05 = 16.17; 6.60 x 1.02 = 6.732; 22.902 -> 22.90
    assert selectors.rates_by_band(draft) == {"weekday_day": D("20.82"), "night": D("22.90")}
    card.refresh_from_db()
    assert card.status == RateCardStatus.IN_FORCE  # nothing changes until the draft is put in force


def test_uplift_refuses_another_consortiums_rule(world):
    card = make_card(world)
    theirs = services.uplift_rule_save(consortium=world.consortium_other, by=world.user("coordinator_other"),
                                       name="Theirs", pay_share=D(60), pay_uplift=D(4), other_uplift=D(3))
    with pytest.raises(DomainError):
        services.rate_card_draft_uplift(card=card, rule=theirs, by=world.user("coordinator"))


@pytest.mark.parametrize("fields, field", [
    ({"pay_share": D("101")}, "pay_share"),
    ({"pay_uplift": D("-100")}, "pay_uplift"),
    ({"name": "  "}, "name"),
])
def test_uplift_rule_refuses_bad_values(world, fields, field):
    with pytest.raises(DomainError) as refused:
        rule(world, **fields)
    assert refused.value.field == field
    assert not UpliftRule.objects.exists()


def test_uplift_page_previews_then_makes_the_draft(world, client_for):
    card = make_card(world, start=APRIL_2025, year=2025)
    client = client_for("coordinator")
    url = reverse("rate-card-uplift", args=[card.pk])
    form = {"name": "RLW and CPI", "pay_share": "70", "pay_uplift": "5", "other_uplift": "2"}
    preview = client.post(url, {**form, "action": "preview"})
    assert preview.status_code == 200 and "£20.82" in preview.content.decode()
    assert RateCard.objects.count() == 1 and not UpliftRule.objects.exists()
    made = client.post(url, {**form, "action": "create"})
    draft = RateCard.objects.get(status=RateCardStatus.DRAFT)
    assert made["Location"] == reverse("rate-card-detail", args=[draft.pk])
    assert selectors.rates_by_band(draft)["weekday_day"] == D("20.82")
    assert UpliftRule.objects.get().name == "RLW and CPI"


def test_api_uplift_with_a_rule(world, api_for):
    card = make_card(world, start=APRIL_2025, year=2025)
    response = api_for("coordinator").post(f"/api/v1/pricing/rate-cards/{card.pk}/uplift/",
                                           {"rule": rule(world).pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["financial_year"], response.json()["rates"]["weekday_day"]) == (2026, "20.82")


# --- Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def cards(world):
    agreed = make_card(world)
    draft = make_card(world, start=APRIL_2026, in_force=False)
    gwynedd = make_card(world, council=world.council_other)
    theirs = make_card(world, consortium=world.consortium_other, by=world.user("coordinator_other"))
    return {"agreed": agreed, "draft": draft, "gwynedd": gwynedd, "theirs": theirs}


@pytest.mark.parametrize("persona, visible", [
    ("coordinator", {"agreed", "draft", "gwynedd"}),
    ("board", {"agreed", "draft", "gwynedd"}),
    ("member_a", {"agreed", "gwynedd"}),
    ("reviewer", {"agreed", "theirs"}),
    ("reviewer_other", {"gwynedd"}),
    ("coordinator_other", {"theirs"}),
])
def test_each_persona_sees_its_rate_cards(world, cards, persona, visible, api_for):
    names = {card.pk: name for name, card in cards.items()}
    listed = api_for(persona).get("/api/v1/pricing/rate-cards/").json()["results"]
    assert {names[row["id"]] for row in listed} == visible


def test_reviewer_of_another_council_gets_404(world, cards, client_for, api_for):
    pk = cards["agreed"].pk
    assert client_for("reviewer_other").get(reverse("rate-card-detail", args=[pk])).status_code == 404
    assert api_for("reviewer_other").get(f"/api/v1/pricing/rate-cards/{pk}/").status_code == 404
    assert client_for("reviewer").get(reverse("rate-card-detail", args=[pk])).status_code == 200


def test_member_users_do_not_see_drafts(world, cards, client_for):
    client = client_for("member_a")
    assert client.get(reverse("rate-card-detail", args=[cards["draft"].pk])).status_code == 404
    page = client.get(reverse("rate-card-list")).content.decode()
    assert reverse("rate-card-detail", args=[cards["draft"].pk]) not in page
    assert reverse("rate-card-detail", args=[cards["agreed"].pk]) in page


def test_board_sees_but_cannot_change_or_activate(world, cards, client_for, api_for):
    draft = cards["draft"]
    assert client_for("board").post(reverse("rate-card-activate", args=[draft.pk])).status_code == 403
    assert api_for("board").post(f"/api/v1/pricing/rate-cards/{draft.pk}/activate/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == RateCardStatus.DRAFT


# --- Pages --------------------------------------------------------------------------------------


def test_list_filters_by_council_and_status(world, cards, client_for):
    page = client_for("coordinator").get(reverse("rate-card-list"), {
        "council": world.council_other.pk, "status": "in_force"}).content.decode()
    assert reverse("rate-card-detail", args=[cards["gwynedd"].pk]) in page
    assert reverse("rate-card-detail", args=[cards["agreed"].pk]) not in page
    bad = client_for("coordinator").get(reverse("rate-card-list"), {"financial_year": "next"})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()


def test_rates_on_date_page_shows_what_applies(world, client_for):
    make_card(world, start=APRIL_2025, rates={"weekday_day": D("20.00")})
    make_card(world, start=APRIL_2026, rates={"weekday_day": D("21.50")})
    page = client_for("member_a").get(reverse("rates-on-date"), {
        "council": world.council.pk, "service_type": service().pk, "date": "2026-03-31"}).content.decode()
    assert "£20.00" in page and "£21.50" not in page


def test_api_rates_on_date_by_codes(world, api_for):
    make_card(world, start=APRIL_2025, rates={"weekday_day": D("20.00")})
    make_card(world, start=APRIL_2026, rates={"weekday_day": D("21.50")})
    response = api_for("coordinator").get("/api/v1/pricing/rate-cards/on-date/", {
        "council": "GB-CRF", "service_type": "domiciliary-support", "date": "2026-04-01"})
    assert response.status_code == 200
    assert response.json()["rates"]["weekday_day"] == "21.50"
    reviewer = api_for("reviewer").get("/api/v1/pricing/rate-cards/on-date/", {
        "council": "GB-CRF", "service_type": "domiciliary-support", "date": "2026-03-31",
        "consortium": world.consortium.pk})
    assert reviewer.json()["rates"]["weekday_day"] == "20.00"


def test_detail_shows_the_chart_with_its_table_and_supersession(world, client_for):
    old = make_card(world, start=APRIL_2025, rates={"weekday_day": D("20.00")})
    new = make_card(world, start=APRIL_2026, rates={"weekday_day": D("21.50")})
    page = client_for("board").get(reverse("rate-card-detail", args=[new.pk])).content.decode()
    assert 'role="img"' in page and "<desc" in page
    assert "Weekday daytime £20.00" in page and "Weekday daytime £21.50" in page
    assert reverse("rate-card-detail", args=[old.pk]) in page


# --- Query counts -------------------------------------------------------------------------------


def _many_cards(world, n):
    coordinator = world.user("coordinator")
    for i in range(n):
        card = RateCard.objects.create(consortium=world.consortium, council=world.council,
                                       service_type=service(), financial_year=2000 + i,
                                       effective_from=dt.date(2000 + i, 4, 1), status="superseded",
                                       created_by=coordinator)
        RateCardRate.objects.bulk_create(RateCardRate(rate_card=card, time_band=band, rate=D("20") + i)
                                         for band in ("weekday_day", "evening", "night", "weekend",
                                                      "bank_holiday"))


@pytest.mark.parametrize("n", [3, 30])
def test_api_list_costs_the_same_queries_for_3_or_30_cards(world, api_for, n, django_assert_max_num_queries):
    _many_cards(world, n)
    client = api_for("coordinator")
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/pricing/rate-cards/")
    assert response.json()["count"] == n
    assert all(len([v for v in row["rates"].values() if v]) == 5 for row in response.json()["results"])


@pytest.mark.parametrize("n", [3, 30])
def test_list_page_costs_the_same_queries_for_3_or_30_cards(world, client_for, n,
                                                            django_assert_max_num_queries):
    _many_cards(world, n)
    client = client_for("coordinator")
    with django_assert_max_num_queries(9):
        response = client.get(reverse("rate-card-list"))
    assert response.status_code == 200
