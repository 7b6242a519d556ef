"""Policies of the negotiation pages (pricing/web/negotiations.py) and API
(pricing/api/negotiations.py).

The world's negotiation: consortium A with Cardiff for domiciliary support, its opening position
approved by the board (the world's one board member voted for it), so an offer by the
consortium is on the table.
- list: every signed-in persona (each sees its own rows; others' lists are empty);
- open: coordinators (of any consortium: they open their own); others 403;
- detail: consortium A's coordinator and board member, Cardiff's reviewer; member users see
  only agreed negotiations (404 on an open one), as do another council's reviewer and another
  consortium's coordinator;
- new offer, accept, break off: the parties (A's coordinator, Cardiff's reviewer); the board
  member, who sees the negotiation, gets 403. A party with nothing to do gets the page saying so
  (a new offer while its own offer is on the table) or the refusal on the page (accepting its own
  offer), and nothing changes.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _offered(world):
    """An open negotiation of consortium A with Cardiff, with the consortium's offer on the table."""
    from members import governance
    from pricing.models import Negotiation
    from pricing.services import negotiations as services
    from tests.factories import service

    existing = Negotiation.objects.filter(consortium=world.consortium, council=world.council,
                                          service_type=service()).first()
    if existing:
        return existing
    negotiation = services.negotiation_open(consortium=world.consortium, council=world.council,
                                            service_type=service(), financial_year=2026,
                                            by=world.user("coordinator"))
    round_ = services.opening_position_propose(negotiation=negotiation, rationale="Members' costs",
                                               rates={"weekday_day": "27.50"}, by=world.user("coordinator"))
    governance.vote_cast(ballot=round_.ballot, voter=world.user("board"), choice="for")
    return negotiation


def _fresh(world):
    """An open negotiation with no offer yet (the opening position is still to come)."""
    from pricing.services import negotiations as services
    from tests.factories import service

    return services.negotiation_open(consortium=world.consortium, council=world.council,
                                     service_type=service("supported-living"), financial_year=2026,
                                     by=world.user("coordinator"))


def _pk(make):
    return lambda world: {"pk": make(world).pk}


def _id(make):
    return lambda world: {"id": make(world).pk}


def _offered_round(world) -> dict:
    from pricing.models import NegotiationRound

    round_ = NegotiationRound.objects.filter(negotiation__consortium=world.consortium,
                                             status="offered").order_by("-pk").first()
    return {"round": round_.pk}


def _open_form(world) -> dict:
    from pricing.selectors.evidence import current_financial_year
    from tests.factories import service

    return {"council": world.council.pk, "service_type": service("respite").pk,
            "financial_year": current_financial_year()}


COUNTER = {"weekday_day": "25.40", "rationale": "The council's budget"}
OFFER_JSON = {"rates": {"weekday_day": "25.40"}, "rationale": "The council's budget"}

SEEN = dict(coordinator=200, board=200, reviewer=200)
HIDDEN_WEB = dict(member_a=404, member_b=404, reviewer_other=404, coordinator_other=404, anonymous=302)
HIDDEN_API = dict(member_a=404, member_b=404, reviewer_other=404, coordinator_other=404, anonymous=401)

POLICIES = [
    Policy("negotiation-list", personas(200, anonymous=302)),
    Policy("negotiation-open", personas(403, coordinator=200, coordinator_other=200, anonymous=302)),
    Policy("negotiation-open", personas(403, coordinator=302, coordinator_other=302, anonymous=302),
           method="POST", data=_open_form, note="a valid form opens a negotiation in the user's consortium"),
    Policy("negotiation-detail", personas(404, **SEEN, anonymous=302), kwargs=_pk(_offered)),
    Policy("negotiation-round-create", personas(404, coordinator=200, board=403, reviewer=200, anonymous=302),
           kwargs=_pk(_offered), note="coordinator: its own offer is on the table, so the page says so"),
    Policy("negotiation-round-create",
           personas(404, coordinator=200, board=403, reviewer=302, anonymous=302),
           kwargs=_pk(_offered), method="POST", data=lambda w: COUNTER,
           note="the reviewer's counter-offer is made; the coordinator has no offer to answer"),
    Policy("negotiation-accept", personas(404, coordinator=200, board=403, reviewer=302, anonymous=302),
           kwargs=_pk(_offered), method="POST", data=_offered_round,
           note="the council accepts the consortium's offer; the consortium may not accept its own"),
    Policy("negotiation-break-off", personas(404, coordinator=200, board=403, reviewer=200, anonymous=302),
           kwargs=_pk(_offered)),
    Policy("negotiation-break-off", personas(404, coordinator=302, board=403, reviewer=302, anonymous=302),
           kwargs=_pk(_offered), method="POST", data=lambda w: {"reason": "No budget this year"}),
    # API
    Policy("GET /api/v1/pricing/negotiations/", personas(200, anonymous=401)),
    Policy("POST /api/v1/pricing/negotiations/",
           personas(403, coordinator=201, coordinator_other=201, anonymous=401), data=_open_form),
    Policy("GET /api/v1/pricing/negotiations/{id}/", personas(404, **SEEN, anonymous=401),
           kwargs=_id(_offered)),
    Policy("POST /api/v1/pricing/negotiations/{id}/propose/",
           personas(404, coordinator=201, board=403, anonymous=401), kwargs=_id(_fresh),
           data=lambda w: {"rates": {"weekday_day": "27.50"}, "rationale": "Members' costs"},
           note="no offer yet: the council's reviewer does not know of the negotiation"),
    Policy("POST /api/v1/pricing/negotiations/{id}/counter/",
           personas(404, coordinator=400, board=403, reviewer=201, anonymous=401),
           kwargs=_id(_offered), data=lambda w: OFFER_JSON,
           note="the coordinator has no council offer to counter"),
    Policy("POST /api/v1/pricing/negotiations/{id}/accept/",
           personas(404, coordinator=400, board=403, reviewer=200, anonymous=401),
           kwargs=_id(_offered), data=_offered_round),
    Policy("POST /api/v1/pricing/negotiations/{id}/break-off/",
           personas(404, coordinator=200, board=403, reviewer=200, anonymous=401),
           kwargs=_id(_offered), data=lambda w: {"reason": "No budget this year"}),
]
