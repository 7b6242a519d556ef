"""A member writing its return while a coordinator accepts it: the member's write goes in first
(and is what is sealed) or is refused with a clear message (the period is locked); a seal never
covers half a write. And a member submitting a draft while a coordinator tries to accept it:
the coordinator's acceptance goes through only if the submission went in first.

PostgreSQL with real threads (SQLite does not lock rows): locally the test skips without
DATABASE_URL pointing at PostgreSQL; in CI it fails instead (root conftest).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from consortium.errors import Conflict
from contracts.delivery.sealing import seal_of
from contracts.delivery.services import returns as services
from contracts.models import BillingCycle, DeliveryReturn, ReturnStatus
from tests.builders import WEEKDAY, WEEKEND, started_contract
from tests.concurrency import run_together

ROUNDS = 10


def _lines(weekday: str, weekend: str) -> list[dict]:
    return [{"council": "GB-CRF", "time_band": WEEKDAY, "quantity": weekday},
            {"council": "GB-CRF", "time_band": WEEKEND, "quantity": weekend}]


def _quantities(ret: DeliveryReturn) -> dict[str, Decimal]:
    return {x.time_band: x.quantity for x in ret.lines.filter(adjusts__isnull=True)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_member_editing_while_the_coordinator_accepts_goes_first_or_is_refused(world):
    contract = started_contract(world, weeks_ago=2 * ROUNDS + 1, cycle=BillingCycle.WEEKLY)
    sub = contract.subcontracts.get(coop=world.coop_a)
    member, coordinator = world.user("member_a"), world.user("coordinator")
    periods = list(contract.periods.order_by("start"))[: 2 * ROUNDS]
    outcomes = {"member first": 0, "member refused": 0, "submit first": 0, "accept refused": 0}

    for period in periods[:ROUNDS]:
        ret = services.return_save(subcontract=sub, period=period, by=member, lines=_lines("60", "40"))
        services.return_submit(ret=ret, by=member)
        errors = run_together([
            lambda period=period: services.return_save(subcontract=sub, period=period, by=member,
                                                       lines=_lines("55.50", "39")),
            lambda ret=ret: services.return_accept(ret=ret, by=coordinator),
        ])
        assert all(isinstance(e, Conflict) for e in errors), errors
        ret.refresh_from_db()
        assert ret.status == ReturnStatus.ACCEPTED
        assert ret.seal == seal_of(services.sealed_content(ret)) == seal_of(ret.sealed_content)
        if errors:
            assert "locked" in str(errors[0].message)
            assert _quantities(ret) == {WEEKDAY: Decimal("60"), WEEKEND: Decimal("40")}
            outcomes["member refused"] += 1
        else:
            assert _quantities(ret) == {WEEKDAY: Decimal("55.50"), WEEKEND: Decimal("39")}
            outcomes["member first"] += 1

    for period in periods[ROUNDS:]:
        ret = services.return_save(subcontract=sub, period=period, by=member, lines=_lines("60", "40"))
        errors = run_together([
            lambda ret=ret: services.return_submit(ret=ret, by=member),
            lambda ret=ret: services.return_accept(ret=ret, by=coordinator),
        ])
        assert all(isinstance(e, Conflict) for e in errors), errors
        ret.refresh_from_db()
        if errors:  # the coordinator came first: nothing to accept yet
            assert ret.status == ReturnStatus.SUBMITTED and ret.seal == ""
            outcomes["accept refused"] += 1
        else:
            assert ret.status == ReturnStatus.ACCEPTED
            assert ret.seal == seal_of(services.sealed_content(ret))
            outcomes["submit first"] += 1
    assert sum(outcomes.values()) == 2 * ROUNDS, outcomes
