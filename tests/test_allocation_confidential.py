"""What each reader of a joint bid's allocation may learn from it.

- The explanations of the allocation are reasons (a code and its parameters) rendered when read,
  in the reader's language and from the current table: a member's floor is its cost, so the
  coordinators see every member's floor, the board none (only that members' floors decided), a
  member its own floor only.
- A change naming a co-op the coordinator may not see (another consortium's, or none at all)
  is refused with the very message a co-op of the consortium that has not opted in gets.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.models import InvitationStatus
from contracts.services import allocation as services
from tests import contracts_factories as cf
from tests import factories as f

DAY = TimeBand.WEEKDAY_DAY
D = Decimal


def declare(coop, council, volume, *, band=DAY):
    return f.CapacityDeclarationFactory(
        coop=coop, council=council, time_band=band, declared_volume=D(volume), committed_volume=D(0),
        welsh_speaking_share=D(0), valid_from=dt.date(2026, 1, 1))


def opt_in(bid, *coops, status=InvitationStatus.OPTED_IN):
    from contracts.models import Invitation

    for bid_lot in bid.bid_lots.all():
        for coop in coops:
            Invitation.objects.update_or_create(bid_lot=bid_lot, coop=coop, defaults={"status": status})


def a_bid(world, volumes):
    tender = cf.tender(world.council)
    cf.lot(tender, volumes=volumes)
    return cf.bid(world.consortium, tender, by=world.user("coordinator"))


# --- item 6: a change naming a co-op the coordinator may not see ---------------------------------

@pytest.fixture
def adjust_refusal(world):
    """The message refusing a change that gives lot 1 of a bid 5 h of a given co-op id."""
    bid = a_bid(world, {DAY: "100"})
    declare(world.coop_a, world.council, "100")
    declare(world.coop_other, world.council, "100")
    opt_in(bid, world.coop_a)
    lot = bid.bid_lots.get().lot

    def refusal(coop_id: int) -> tuple[str, str]:
        change = {"lot": lot.pk, "coop": coop_id, "council": world.council.pk, "time_band": DAY,
                  "volume": "5"}
        with pytest.raises(DomainError) as error:
            services.allocation_adjust(bid=bid, changes=[change], by=world.user("coordinator"))
        return str(error.value.message), error.value.field

    return refusal


def test_adjust_refuses_another_consortiums_coop_without_naming_it(world, adjust_refusal):
    """Own co-op not opted in, another consortium's co-op, an id that names nothing: one message."""
    not_opted = adjust_refusal(world.coop_b.pk)[0]
    other = adjust_refusal(world.coop_other.pk)[0]
    missing = adjust_refusal(10**9)[0]
    assert other == missing == not_opted
    assert "Other" not in other and "lot 1" in other


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.integers(min_value=0, max_value=3), pick=st.integers(min_value=0, max_value=10**6))
def test_adjust_refusal_is_the_same_for_any_coop_the_coordinator_may_not_see(world, adjust_refusal,
                                                                              extra, pick):
    """Looping over ids names no co-op of another consortium, and cannot tell one that exists
    from one that does not."""
    others = [world.coop_other] + [f.MemberCoopFactory(consortium=world.consortium_other,
                                                       legal_name=f"Hidden {pick}-{i} Ltd",
                                                       trading_name=f"Hidden Care {pick}-{i}")
                                   for i in range(extra)]
    expected = adjust_refusal(world.coop_b.pk)[0]
    ids = [c.pk for c in others] + [max(c.pk for c in others) + 1 + pick]
    for coop_id in ids:
        message, field = adjust_refusal(coop_id)
        assert message == expected, coop_id
        assert not any(str(c) in message or c.legal_name in message for c in others)
