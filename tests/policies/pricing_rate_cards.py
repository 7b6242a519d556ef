"""Policies of rate cards (pricing/web/rate_cards.py, pricing/api/rate_cards.py).

Rate cards are the consortium's agreed prices, not anyone's costs:
- coordinators and board members see their consortium's cards, drafts too; member users see
  their consortium's agreed cards (in force or superseded); council reviewers see agreed cards
  with their own council; another consortium's coordinator and another council's reviewer do
  not know consortium A's Cardiff cards exist (404);
- only coordinators write: on a card they can see, other roles get 403; a draft is hidden from
  member users and reviewers (404);
- uplift rules are the coordinators' tool: every other role gets 403.
Objects are consortium A's cards with Cardiff (the reviewer's council), domiciliary support.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.policies import Policy, personas

API = "/api/v1"


def _card(world, *, in_force: bool):
    from pricing.models import RateCard, RateCardStatus
    from pricing.services import rate_cards as services
    from tests.factories import service

    status = RateCardStatus.IN_FORCE if in_force else RateCardStatus.DRAFT
    card = RateCard.objects.filter(consortium=world.consortium, council=world.council, status=status).first()
    if card is not None:
        return card
    coordinator = world.user("coordinator")
    card = services.rate_card_create(
        consortium=world.consortium, council=world.council, service_type=service(),
        financial_year=2026 if in_force else 2027,
        effective_from=dt.date(2026, 4, 1) if in_force else dt.date(2027, 4, 1),
        rates={"weekday_day": Decimal("24.50"), "weekend": Decimal("27.00")}, by=coordinator,
    )
    if in_force:
        services.rate_card_put_in_force(card=card, by=coordinator)
    return card


def in_force_pk(world) -> dict:
    return {"pk": _card(world, in_force=True).pk}


def draft_pk(world) -> dict:
    return {"pk": _card(world, in_force=False).pk}


def in_force_id(world) -> dict:
    return {"id": _card(world, in_force=True).pk}


def draft_id(world) -> dict:
    return {"id": _card(world, in_force=False).pk}


def rule_id(world) -> dict:
    from pricing.models import UpliftRule
    from pricing.services import rate_cards as services

    rule = UpliftRule.objects.filter(consortium=world.consortium).first() or services.uplift_rule_save(
        consortium=world.consortium, by=world.user("coordinator"), name="RLW and CPI",
        pay_share=Decimal(70), pay_uplift=Decimal(5), other_uplift=Decimal(2),
    )
    return {"id": rule.pk}


def new_card_form(world) -> dict:
    from tests.factories import service

    return {"council": world.council.pk, "service_type": service().pk, "financial_year": "2028",
            "effective_from": "2028-04-01", "rate_weekday_day": "26.10"}


def draft_form(world) -> dict:
    return {"effective_from": "2027-04-01", "rate_weekday_day": "25.00", "rate_weekend": "28.00"}


def uplift_form(world) -> dict:
    return {"name": "RLW and CPI 2027", "pay_share": "70", "pay_uplift": "5", "other_uplift": "2",
            "action": "create"}


def rule_form(world) -> dict:
    return {"name": "Wage-led", "pay_share": "80", "pay_uplift": "6", "other_uplift": "3"}


SEES_AGREED_A = dict(coordinator=200, board=200, member_a=200, member_b=200, reviewer=200)
COORDINATORS = dict(coordinator=200, coordinator_other=200)

POLICIES = [
    # --- web pages ---
    Policy("rate-card-list", personas(200, anonymous=302, applicant=403),
           note="scoped list: a reviewer sees their own council's agreed cards"),
    Policy("rate-card-detail", personas(404, anonymous=302, **SEES_AGREED_A), kwargs=in_force_pk),
    Policy("rate-card-create", personas(403, anonymous=302, **COORDINATORS)),
    Policy("rate-card-create", personas(403, anonymous=302, coordinator=302, coordinator_other=302),
           method="POST", data=new_card_form, note="a valid draft: made, then to its page"),
    Policy("rate-card-edit", personas(404, anonymous=302, coordinator=200, board=403), kwargs=draft_pk,
           note="drafts are hidden from member users and reviewers"),
    Policy("rate-card-edit", personas(404, anonymous=302, coordinator=302, board=403), kwargs=draft_pk,
           method="POST", data=draft_form),
    Policy("rate-card-activate-confirm", personas(404, anonymous=302, coordinator=200, board=403),
           kwargs=draft_pk, note="what putting the card in force does, before the coordinator says yes"),
    Policy("rate-card-activate", personas(404, anonymous=302, coordinator=302, board=403), kwargs=draft_pk,
           method="POST", data=lambda w: {"confirm": "yes"}, note="confirmed: in force, then to its page"),
    Policy("rate-card-uplift",
           personas(403, anonymous=302, coordinator=200, reviewer_other=404, coordinator_other=404),
           kwargs=in_force_pk),
    Policy("rate-card-uplift",
           personas(403, anonymous=302, coordinator=302, reviewer_other=404, coordinator_other=404),
           kwargs=in_force_pk, method="POST", data=uplift_form,
           note="a new rule and the draft it makes"),
    Policy("uplift-rules", personas(403, anonymous=302, **COORDINATORS)),
    Policy("uplift-rules", personas(403, anonymous=302, coordinator=302, coordinator_other=302),
           method="POST", data=rule_form),
    Policy("rates-on-date", personas(200, anonymous=302, applicant=403)),
    # --- API ---
    Policy(f"GET {API}/pricing/rate-cards/", personas(200, anonymous=401),
           note="scoped list: reviewers see agreed cards with their council"),
    Policy(f"POST {API}/pricing/rate-cards/",
           personas(403, anonymous=401, coordinator=400, coordinator_other=400)),
    Policy(f"GET {API}/pricing/rate-cards/{{id}}/", personas(404, anonymous=401, **SEES_AGREED_A),
           kwargs=in_force_id),
    Policy(f"PATCH {API}/pricing/rate-cards/{{id}}/",
           personas(404, anonymous=401, coordinator=400, board=403),
           kwargs=draft_id, data=lambda w: {"rates": {"weekday_day": "-1"}}),
    Policy(f"POST {API}/pricing/rate-cards/{{id}}/activate/",
           personas(404, anonymous=401, coordinator=200, board=403), kwargs=draft_id),
    Policy(f"POST {API}/pricing/rate-cards/{{id}}/uplift/",
           personas(403, anonymous=401, coordinator=400, reviewer_other=404, coordinator_other=404),
           kwargs=in_force_id, note="empty payload: no rule chosen"),
    Policy(f"GET {API}/pricing/rate-cards/on-date/",
           personas(200, anonymous=401, reviewer=400, reviewer_other=400, applicant=403),
           query="council=GB-CRF&service_type=domiciliary-support&date=2026-06-01",
           note="a reviewer must name the consortium, and may ask only about their own council"),
    Policy(f"GET {API}/pricing/uplift-rules/", personas(403, anonymous=401, **COORDINATORS)),
    Policy(f"POST {API}/pricing/uplift-rules/",
           personas(403, anonymous=401, coordinator=400, coordinator_other=400)),
    Policy(f"GET {API}/pricing/uplift-rules/{{id}}/",
           personas(403, anonymous=401, coordinator=200, coordinator_other=404), kwargs=rule_id),
    Policy(f"PATCH {API}/pricing/uplift-rules/{{id}}/",
           personas(403, anonymous=401, coordinator=400, coordinator_other=404), kwargs=rule_id,
           data=lambda w: {"pay_share": "250"}),
]
