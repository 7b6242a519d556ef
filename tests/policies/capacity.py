"""Policies of the capacity web pages (members/web/capacity.py).

- capacity list and declare (GET, and POST of a valid declaration): coordinators (of any
  consortium: they see their own) and member users; board members and council reviewers are
  refused (403);
- capacity history of a declaration of coop A: its coordinator and coop A's user; coop B's user
  and another consortium's coordinator do not know it exists (404); refused roles get 403;
- pooled capacity: coordinators and board members; per member: coordinators only.
"""

from __future__ import annotations

from tests.policies import Policy, personas


def _declaration_of_coop_a(world) -> dict:
    """A current declaration of coop A (created once, reused by every persona)."""
    from members.models import CapacityDeclaration
    from tests.factories import CapacityDeclarationFactory

    declaration = (
        CapacityDeclaration.objects.filter(coop=world.coop_a, is_current=True).first()
        or CapacityDeclarationFactory(coop=world.coop_a)
    )
    return {"pk": declaration.pk}


def _declaration_form(world) -> dict:
    """A valid declaration for coop A and coop B alike (both serve Cardiff with home care)."""
    from django.utils import timezone

    from tests.factories import service

    return {
        "service_type": service().pk, "council": world.council.pk, "time_band": "weekday_day",
        "valid_from": timezone.localdate().isoformat(), "declared_volume": "100",
        "staff_fte": "3", "welsh_speaking_share": "20",
    }


CAPACITY_ROLES = dict(coordinator=200, member_a=200, member_b=200, coordinator_other=200,
                      anonymous=302)

POLICIES = [
    Policy("capacity-list", personas(403, **CAPACITY_ROLES)),
    Policy("capacity-declare", personas(403, **CAPACITY_ROLES)),
    # A member user's valid declaration is saved (302 to the list); a coordinator posting
    # without choosing a co-op is shown the co-op chooser and nothing is saved.
    Policy(
        "capacity-declare",
        personas(403, coordinator=200, member_a=302, member_b=302, coordinator_other=200,
                 anonymous=302),
        method="POST",
        data=_declaration_form,
    ),
    Policy(
        "capacity-history",
        personas(403, coordinator=200, member_a=200, member_b=404, coordinator_other=404,
                 anonymous=302),
        kwargs=_declaration_of_coop_a,
    ),
    Policy(
        "pooled-capacity",
        personas(403, coordinator=200, board=200, coordinator_other=200, anonymous=302),
    ),
    Policy(
        "pooled-capacity-members",
        personas(403, coordinator=200, coordinator_other=200, anonymous=302),
    ),
]
