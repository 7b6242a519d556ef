"""What each reader of a joint bid's allocation may learn from it.

- The explanations of the allocation are reasons (a code and its parameters) rendered when read,
  in the reader's language and from the current table: a member's floor is its cost, so the
  coordinators see every member's floor, the board none (only that members' floors decided), a
  member its own floor only.
- A change naming a co-op the coordinator may not see (another consortium's, or none at all)
  is refused with the very message a co-op of the consortium that has not opted in gets.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.selectors import allocation as selectors
from contracts.bidding.services import allocation as services
from tests import contracts_factories as cf
from tests import factories as f
from tests.contracts_factories import declare, opt_in
from tests.pricing_factories import cost_submission

DAY = TimeBand.WEEKDAY_DAY
D = Decimal


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


# --- item 1: who reads whose floor -----------------------------------------------------------------

def _floor(coop) -> Decimal:
    from pricing.models import CostFloor

    return CostFloor.objects.get(submission__coop=coop, submission__is_latest=True, time_band=DAY).rate


def _figures(value: Decimal) -> tuple[str, str]:
    """A floor as money and as a bare number."""
    return f"£{value}", str(value)


def _shows(text: str, value: Decimal) -> bool:
    money, bare = _figures(value)
    return money in text or re.search(rf"(?<![\d.]){re.escape(bare)}(?!\d)", text) is not None


@pytest.fixture
def priced_bid(world):
    """A draft bid whose lot needs both members, allocated by lowest cost: coop B (the cheaper)
    fills its 60 h, coop A gets the 40 h left."""
    bid = a_bid(world, {DAY: "100"})
    declare(world.coop_a, world.council, "70")
    declare(world.coop_b, world.council, "60")
    opt_in(bid, world.coop_a, world.coop_b)
    cost_submission(world.coop_a, financial_year=2027, hourly_pay="14.37")
    cost_submission(world.coop_b, financial_year=2027, hourly_pay="12.11")
    services.allocation_run(bid=bid, strategy="lowest_cost", by=world.user("coordinator"))
    assert _floor(world.coop_a) > _floor(world.coop_b)
    return bid


def _pages(client_for, api_for, persona, bid) -> dict[str, tuple[int, str]]:
    web = client_for(persona).get(reverse("bid-allocation", args=[bid.pk]))
    api = api_for(persona).get(f"/api/v1/bids/{bid.pk}/allocation/")
    return {"web": (web.status_code, web.content.decode()), "api": (api.status_code, api.content.decode())}


def test_coordinators_read_every_members_floor_in_the_allocation(world, priced_bid, client_for, api_for):
    for where, (status, text) in _pages(client_for, api_for, "coordinator", priced_bid).items():
        assert status == 200, where
        assert _shows(text, _floor(world.coop_a)) and _shows(text, _floor(world.coop_b)), where


def test_the_board_reads_no_members_floor_only_that_floors_decided(world, priced_bid, client_for, api_for):
    for where, (status, text) in _pages(client_for, api_for, "board", priced_bid).items():
        assert status == 200, where
        for coop in (world.coop_a, world.coop_b):
            assert not _shows(text, _floor(coop)), (where, coop)
        assert "price limited by members&#x27; floors" in text or "price limited by members' floors" in text
        assert "40.00 h a week allocated" in text and "60.00 h a week allocated" in text


def test_a_member_reads_its_own_floor_only(world, priced_bid, client_for, api_for):
    for where, (status, _text) in _pages(client_for, api_for, "member_a", priced_bid).items():
        assert status == 404, where
    page = client_for("member_a").get(reverse("member-bid-work")).content.decode()
    assert "Why your co-op was given this work" in page
    assert _shows(page, _floor(world.coop_a))
    assert not _shows(page, _floor(world.coop_b))
    other = client_for("member_b").get(reverse("member-bid-work")).content.decode()
    assert _shows(other, _floor(world.coop_b)) and not _shows(other, _floor(world.coop_a))
    mine = api_for("member_a").get(f"/api/v1/bids/{priced_bid.pk}/")
    assert mine.status_code == 200
    reasons = " ".join(mine.json()["my_work_reasons"])
    assert "Lot 1: 40.00 h a week allocated." in reasons and _shows(reasons, _floor(world.coop_a))
    assert not _shows(mine.content.decode(), _floor(world.coop_b))


def test_a_welsh_reader_reads_the_reasons_in_welsh(world, priced_bid, client_for):
    from django.conf import settings as django_settings

    client = client_for("coordinator")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "cy"
    html = client.get(reverse("bid-allocation", args=[priced_bid.pk])).content.decode()
    assert "40.00 awr yr wythnos wedi&#x27;u dyrannu" in html
    assert "h a week allocated" not in html


def test_after_a_hand_adjustment_the_reasons_match_the_table(world, priced_bid, client_for):
    lot = priced_bid.bid_lots.get().lot
    change = {"lot": lot.pk, "coop": world.coop_a.pk, "council": world.council.pk, "time_band": DAY,
              "volume": "24"}
    services.allocation_adjust(bid=priced_bid, changes=[change], by=world.user("coordinator"))

    matrix = selectors.allocation_matrix(priced_bid, world.user("coordinator"))
    [row_a] = [row for row in matrix.rows if row.coop == world.coop_a]
    assert row_a.total == D("24.00")
    assert "Lot 1: 24.00 h a week allocated." in row_a.explanations
    assert "Lot 1: set by hand by the coordinator." in row_a.explanations
    assert not any("40.00" in line for line in row_a.explanations)
    html = client_for("coordinator").get(reverse("bid-allocation", args=[priced_bid.pk])).content.decode()
    assert "24.00 h a week allocated" in html and "40.00 h a week allocated" not in html


@pytest.mark.postgres  # the migration is run inside the test's transaction: PostgreSQL's DDL rolls back
def test_explanations_stored_as_text_before_become_a_reason_that_names_no_floor(world):
    """The migration: an old row's English text (with floors in it) becomes one reason saying
    that an earlier run allocated it; the text is gone.

    The migration itself is run on the test's rows, backwards (the table as it was before it,
    with the text) and forwards again, in the test's transaction (PostgreSQL's DDL is rolled
    back with it): the models as they were before it, no other app's migrations."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from contracts.models import Allocation

    bid = a_bid(world, {DAY: "100"})
    declare(world.coop_a, world.council, "70")
    opt_in(bid, world.coop_a)
    services.allocation_run(bid=bid, strategy="lowest_cost", by=world.user("coordinator"))
    loader = MigrationLoader(connection)
    migration = loader.get_migration("contracts", "0006_allocation_reasons_as_data")
    before = loader.project_state(("contracts", migration.name), at_end=False)
    with connection.cursor() as cursor:
        # Foreign keys checked as each statement ends, not at the end of the test's transaction:
        # PostgreSQL alters no table with checks still to run.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with connection.schema_editor(atomic=migration.atomic) as editor:
            migration.unapply(before.clone(), editor)
        cursor.execute("UPDATE contracts_allocation SET explanation = %s",
                       ["Lot 1: floor £32.79 in Cardiff Weekday daytime; the lowest is £32.21."])
        with connection.schema_editor(atomic=migration.atomic) as editor:
            migration.apply(before.clone(), editor)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, Allocation._meta.db_table)
    columns = {column.name for column in table}
    assert "explanation" not in columns and "reasons" in columns

    row = Allocation.objects.get()
    assert row.reasons == [{"code": "earlier_run", "lot": 1, "params": {}}]
    [line_board] = [r for r in selectors.allocation_matrix(bid, world.user("board")).rows
                    if r.coop == world.coop_a]
    assert line_board.explanations == [
        "Lot 1: 70.00 h a week allocated.",
        "Lot 1: allocated by an earlier run; run the allocation again to see why."]



# The same in the demo (its bid in progress, read by its board member and its coordinator):
# tests/test_confidentiality.py, with the demo it seeds once for all its readers.
