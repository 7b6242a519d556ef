"""Council payments shared out to members to the penny, payment runs, bank files, remittance
advices, members' bank details and the ledgers (contracts/delivery/shares.py,
services/payments.py, selectors/ledger.py, members/bank.py and their pages and API).

Invoices are written straight to the models (tests/delivery_factories.py), from accepted
returns (tests/builders.py). The property tests share random payments with hypothesis; the
thread test and the worker kill test need PostgreSQL and Redis.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consortium.errors import Conflict, DomainError, Forbidden
from consortium.models import TimeBand
from contracts.bidding.selectors.bids import net_rate
from contracts.delivery import shares
from contracts.delivery.selectors import payments as selectors
from contracts.delivery.services import payments as services
from contracts.models import (
    CouncilPayment,
    InvoiceStatus,
    Remittance,
    ReturnLine,
    ReturnStatus,
)
from tests.builders import accepted_return, live_contract
from tests.delivery_factories import credit_note_for, invoice_for

D = Decimal
DAY, WEEKEND = TimeBand.WEEKDAY_DAY, TimeBand.WEEKEND
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


@pytest.fixture
def coordinator(world):
    return world.user("coordinator")


@pytest.fixture
def delivered(world):
    """Consortium A's live Cardiff contract, its first period returned and accepted (coop A
    12.5 weekday and 3.25 weekend hours, coop B 7.75 weekday hours) and invoiced."""
    contract = live_contract(world)
    period = contract.periods.order_by("start").first()
    accepted_return(contract, world.coop_a, period, {(world.council, DAY): "12.50",
                                                     (world.council, WEEKEND): "3.25"})
    accepted_return(contract, world.coop_b, period, {(world.council, DAY): "7.75"})
    invoice = invoice_for(contract, period)
    return contract, period, invoice


def pay(invoice, amount, by, reference=None):
    return services.payment_record(invoice=invoice, reference=reference or f"REF-{uuid.uuid4().hex[:8]}",
                                   amount=D(amount), paid_on=YESTERDAY, by=by)


def by_line(payment) -> dict[int, Decimal]:
    return {r.return_line_id: r.amount for r in payment.remittances.all()}


# --- the shares, pure ---------------------------------------------------------------------------

def test_a_full_payment_gives_each_line_its_entitlement_and_the_fee_the_rest():
    lines = [shares.Entitled(line=1, coop=1, quantity=D("10"), rate=D("20"), net_rate=D("18.50")),
             shares.Entitled(line=2, coop=2, quantity=D("3.33"), rate=D("20"), net_rate=D("18.50"))]
    owed, fee = shares.full_shares(D("266.60"), lines)
    assert owed == {1: D("185.00"), 2: D("61.61")}  # 61.605: the odd half penny by largest remainder
    assert fee == D("19.99")
    assert sum(owed.values()) + fee == D("266.60")


def test_equal_remainders_go_to_members_before_the_fee_then_larger_entitlement_then_line_id():
    # Three equal weights and one penny to share: three shares of 1/3 p each, one penny left.
    assert shares.allocate(1, [1, 1, 1], [7, 3, shares.FEE]) == [0, 1, 0]
    assert shares.allocate(1, [1, 2, 3], [1, 2, shares.FEE]) == [0, 0, 1]  # largest remainder first
    assert shares.allocate(2, [1, 1, 1], [5, shares.FEE, 4]) == [1, 0, 1]


def test_the_int64_path_and_python_integers_agree():
    weights = [123456789, 987654321, 5, -3, 77]
    keys = [1, 2, 3, 4, shares.FEE]
    fast = shares.allocate(1234567, weights, keys)
    slow = shares.allocate(1234567 * 10**12, [w * 1 for w in weights], keys)  # too big for int64
    assert sum(fast) == 1234567 and sum(slow) == 1234567 * 10**12


money = st.integers(min_value=1, max_value=10_000_00)


@st.composite
def invoices(draw):
    """A random invoice: 1-12 return lines (quantities to the hundredth, some adjustments
    negative) in 1-3 rates, a fee of 0-30%; the payable total as the invoice builder rounds it."""
    fee_percent = D(draw(st.integers(0, 3000))) / 100
    n = draw(st.integers(1, 12))
    rates = [D(draw(st.integers(1000, 4000))) / 100 for _ in range(draw(st.integers(1, 3)))]
    lines, by_rate = [], {}
    for i in range(n):
        rate = draw(st.sampled_from(rates))
        q = D(draw(st.integers(0, 20000))) / 100
        lines.append(shares.Entitled(line=i + 1, coop=draw(st.integers(1, 4)), quantity=q, rate=rate,
                                     net_rate=net_rate(rate, fee_percent)))
        by_rate[rate] = by_rate.get(rate, D(0)) + q
    payable = sum(((q * r).quantize(D("0.01"), rounding="ROUND_HALF_UP") for r, q in by_rate.items()), D(0))
    return lines, payable


@given(invoices(), st.lists(st.integers(1, 10_000), min_size=1, max_size=6))
@settings(max_examples=300, deadline=None)
def test_property_remittances_and_fee_add_up_and_part_payments_complete_each_entitlement(invoice, cuts):
    lines, payable = invoice
    if payable <= 0:
        return
    total = shares.pence(payable)
    # Part payments: random cut points of the total, the last one completing it.
    points = sorted({min(total, max(1, total * c // 10_000)) for c in cuts} | {total})
    paid, remitted, fee_total = 0, {}, D(0)
    for point in points:
        amount = D(point - paid) / 100
        d = shares.distribute(payment=amount, payable=payable, lines=lines, paid_before=D(paid) / 100,
                              remitted_before=remitted)
        assert d.total == amount  # remittances + fee = payment, exactly
        for line_id, value in d.remittances.items():
            remitted[line_id] = remitted.get(line_id, D(0)) + value
        fee_total += d.fee
        paid = point
    full, fee = shares.full_shares(payable, lines)
    assert remitted == {k: v for k, v in full.items()} and fee_total == fee
    for x in lines:  # the full share is the entitlement, rounded (never a penny or more off)
        assert abs(full[x.line] - x.entitlement) < D("0.01")
    assert sum(full.values()) + fee == payable


# --- recording a payment ------------------------------------------------------------------------

def test_a_full_payment_pays_every_line_of_the_accepted_returns_and_the_fee(world, delivered, coordinator):
    contract, period, invoice = delivered
    payment = pay(invoice, invoice.total, coordinator)
    assert payment.already_recorded is False
    remittances = list(payment.remittances.select_related("return_line__delivery_return"))
    assert len(remittances) == 3
    fee_percent = contract.management_fee_percent
    for r in remittances:
        assert r.return_seal == r.return_line.delivery_return.seal and r.return_seal
        assert r.net_rate == net_rate(invoice.lines.get(time_band=r.return_line.time_band).rate, fee_percent)
        assert abs(r.amount - r.quantity * r.net_rate) < D("0.01")
    assert sum(r.amount for r in remittances) + payment.fee == payment.amount == invoice.total
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_part_payments_move_the_invoice_and_complete_each_members_share(world, delivered, coordinator):
    _contract, _period, invoice = delivered
    first = pay(invoice, D("100.01"), coordinator)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PART_PAID
    second = pay(invoice, invoice.total - D("100.01"), coordinator)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    totals: dict[int, Decimal] = {}
    for p in (first, second):
        for line, amount in by_line(p).items():
            totals[line] = totals.get(line, D(0)) + amount
    behind = [b.entitled for b in selectors.entitled_lines(invoice)]
    assert totals == shares.full_shares(invoice.total, behind)[0]
    assert first.fee + second.fee == shares.full_shares(invoice.total, behind)[1]


def test_the_same_reference_again_gives_back_the_payment_and_another_amount_is_refused(
        world, delivered, coordinator):
    _contract, _period, invoice = delivered
    first = pay(invoice, D("50.00"), coordinator, reference="BACS-001")
    again = pay(invoice, D("50.00"), coordinator, reference=" BACS-001 ")
    assert again.pk == first.pk and again.already_recorded
    assert CouncilPayment.objects.count() == 1 and Remittance.objects.filter(payment=first).count() == 3
    with pytest.raises(Conflict) as refused:
        pay(invoice, D("60.00"), coordinator, reference="BACS-001")
    assert "already recorded" in refused.value.message


def test_more_than_is_due_nothing_and_credited_invoices_are_refused(world, delivered, coordinator):
    _contract, _period, invoice = delivered
    with pytest.raises(DomainError) as refused:
        pay(invoice, invoice.total + D("0.01"), coordinator)
    assert refused.value.field == "amount" and "more than is still due" in refused.value.message
    for amount in ("0", "-5", "1.001", "lots"):
        with pytest.raises(DomainError) as refused:
            services.payment_record(invoice=invoice, reference="X", amount=amount, paid_on=YESTERDAY,
                                    by=coordinator)
        assert refused.value.field == "amount"
    with pytest.raises(DomainError):
        services.payment_record(invoice=invoice, reference="X", amount="1", by=coordinator,
                                paid_on=dt.date.today() + dt.timedelta(days=2))
    credit_note_for(invoice)
    invoice.refresh_from_db()
    with pytest.raises(Conflict):
        pay(invoice, D("1.00"), coordinator)
    assert not CouncilPayment.objects.exists()


def test_who_may_record_the_councils_payment(world, delivered):
    _contract, _period, invoice = delivered
    payment = pay(invoice, D("10.00"), world.user("reviewer"))  # Cardiff's own reviewer
    assert payment.council == world.council
    for persona in ("board", "member_a", "reviewer_other", "coordinator_other"):
        with pytest.raises(Forbidden):
            pay(invoice, D("10.00"), world.user(persona))


def test_no_member_is_paid_for_a_line_not_in_an_accepted_return(world, delivered, coordinator):
    contract, _period, invoice = delivered
    stray = accepted_return(contract, world.coop_a, contract.periods.order_by("start")[1], {})
    line = ReturnLine.objects.create(delivery_return=stray, council=world.council, time_band=DAY,
                                     quantity=D("5"))
    type(stray).objects.filter(pk=stray.pk).update(status=ReturnStatus.SUBMITTED, seal="")
    invoice.lines.get(time_band=DAY).return_lines.add(line)  # a bad link must not pay it
    payment = pay(invoice, invoice.total, coordinator)
    assert line.pk not in by_line(payment)
    assert all(r.return_line.delivery_return.status == ReturnStatus.ACCEPTED
               for r in payment.remittances.select_related("return_line__delivery_return"))
