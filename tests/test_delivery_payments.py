"""Council payments shared out to members to the penny, payment runs, bank files, remittance
advices, members' bank details and the ledgers (contracts/delivery/shares.py,
services/payments.py, selectors/ledger.py, members/bank.py and their pages and API).

Invoices and credit notes are issued by the invoicing services (``invoice_issue``,
``credit_note_issue``), from accepted returns (tests/builders.py). The property tests share
random payments with hypothesis; the thread test and the worker kill test need PostgreSQL and
Redis.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis import Redis

from consortium.celery import app
from consortium.errors import Conflict, DomainError, Forbidden
from consortium.models import TimeBand
from contracts import tasks
from contracts.bidding.selectors.bids import net_rate
from contracts.delivery import shares
from contracts.delivery.selectors import ledger
from contracts.delivery.selectors import payments as selectors
from contracts.delivery.selectors.invoices import payable_total
from contracts.delivery.services import payments as services
from contracts.delivery.services.invoices import credit_note_issue, invoice_issue
from contracts.models import (
    Contract,
    ContractVersion,
    CouncilPayment,
    Invoice,
    InvoiceStatus,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    ReturnLine,
    ReturnStatus,
)
from members import bank
from members.models import BankAccount
from tests.builders import accepted_return, live_contract
from tests.concurrency import run_together
from tests.delivery_factories import bank_account
from tests.policies import delivery_payments as payment_policies
from tests.routes import policy_url
from tests.workers import start_worker, stop_worker, worker_env

D = Decimal
DAY, WEEKEND = TimeBand.WEEKDAY_DAY, TimeBand.WEEKEND
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


@pytest.fixture
def coordinator(world):
    return world.user("coordinator")


def issue(contract, period, world) -> Invoice:
    """The consortium's invoice of ``period``, issued by its coordinator the day the period has
    ended (the test contract's periods are in the future)."""
    return invoice_issue(contract=contract, period=period, by=world.user("coordinator"),
                         today=period.end + dt.timedelta(days=1))


def credit(invoice, world, lines=None) -> Invoice:
    """A credit note reversing ``lines`` of the invoice (all of them by default)."""
    return credit_note_issue(invoice=invoice, lines=lines, reason="Credited in a test.",
                             by=world.user("coordinator"), today=invoice.issued_on)


@pytest.fixture
def delivered(world):
    """Consortium A's live Cardiff contract, its first period returned and accepted (coop A
    12.5 weekday and 3.25 weekend hours, coop B 7.75 weekday hours) and invoiced."""
    contract = live_contract(world)
    period = contract.periods.order_by("start").first()
    accepted_return(contract, world.coop_a, period, {(world.council, DAY): "12.50",
                                                     (world.council, WEEKEND): "3.25"})
    accepted_return(contract, world.coop_b, period, {(world.council, DAY): "7.75"})
    invoice = issue(contract, period, world)
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
    credit(invoice, world)
    invoice.refresh_from_db()
    with pytest.raises(Conflict):
        pay(invoice, D("1.00"), coordinator)
    assert not CouncilPayment.objects.exists()


def test_a_credited_line_is_not_paid_and_the_payable_total_is_net_of_the_credit_note(
        world, delivered, coordinator):
    _contract, _period, invoice = delivered
    weekend = invoice.lines.get(time_band=WEEKEND)
    credit(invoice, world, [weekend])
    payable = payable_total(invoice)
    assert payable == invoice.total - weekend.amount
    with pytest.raises(DomainError):
        pay(invoice, payable + D("0.01"), coordinator)
    payment = pay(invoice, payable, coordinator)
    day_lines = invoice.lines.get(time_band=DAY).return_lines.values_list("pk", flat=True)
    assert set(by_line(payment)) == set(day_lines)
    assert sum(by_line(payment).values()) + payment.fee == payable
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_an_adjustment_taking_hours_back_is_netted_in_the_members_payment(world, coordinator):
    """Coop A over-returned 2 hours in the first period: its second period's return corrects it
    (-2 at the first period's rates). The second invoice pays coop A its new hours less the 2,
    and a run pays it the net."""
    contract = live_contract(world)
    first, second = contract.periods.order_by("start")[:2]
    accepted_return(contract, world.coop_a, first, {(world.council, DAY): "10.00"})
    accepted_return(contract, world.coop_a, second, {(world.council, DAY): "5.00",
                                                     (world.council, DAY, first): "-2.00"})
    invoice = issue(contract, second, world)
    payment = pay(invoice, invoice.total, coordinator)
    amounts = sorted(by_line(payment).values())
    assert amounts[0] < 0 < amounts[1] and sum(amounts) + payment.fee == invoice.total
    bank_account(world.coop_a)
    run = services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    tasks.payment_run(run.pk)
    run.refresh_from_db()
    assert run.total == sum(amounts) and Remittance.objects.filter(run=run).count() == 2


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


# --- payment runs, bank file, remittance advice ---------------------------------------------------

def paid_invoice(world, delivered, coordinator, amount=None):
    _contract, _period, invoice = delivered
    return pay(invoice, amount or invoice.total, coordinator)


def test_a_run_pays_every_member_with_bank_details_and_leaves_the_others_listed(
        world, delivered, coordinator, client_for):
    payment = paid_invoice(world, delivered, coordinator)
    bank_account(world.coop_a, sort_code="309634", account_number="12345678", account_name="GOFAL A CYF")
    run = services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    assert run.status == PaymentRunStatus.PENDING
    assert tasks.payment_run(run.pk) == PaymentRunStatus.DONE
    run.refresh_from_db()
    owed_a = sum(r.amount for r in payment.remittances.filter(coop=world.coop_a))
    assert run.total == owed_a
    assert set(Remittance.objects.filter(run=run).values_list("coop_id", flat=True)) == {world.coop_a.pk}
    assert not Remittance.objects.filter(coop=world.coop_b, run__isnull=False).exists()  # no bank details
    assert tasks.payment_run(run.pk) == PaymentRunStatus.DONE  # safe to run twice: nothing paid twice
    assert Remittance.objects.filter(run=run).count() == 2

    client = client_for("coordinator")
    page = client.get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert str(world.coop_b) in page and "no bank details" in page.lower()
    bank_file = client.get(reverse("payment-run-bank-file", args=[run.pk]))
    lines = bank_file.content.decode().splitlines()
    assert lines[0] == "sort_code,account_number,account_name,amount,reference"
    sort_code, number, name, amount, reference = lines[1].split(",")
    assert (sort_code, number, name, D(amount)) == ("309634", "12345678", "GOFAL A CYF", owed_a)
    assert len(reference) <= 18 and reference == f"RUN{run.pk}M{world.coop_a.pk}"
    assert len(lines) == 2

    advice = client_for("member_a").get(reverse("remittance-advice-csv", args=[run.pk, world.coop_a.pk]))
    rows = advice.content.decode().splitlines()
    assert rows[0].startswith("period_from,period_to,return_seal,time_band,hours,net_rate,amount")
    seals = {r.return_seal for r in payment.remittances.filter(coop=world.coop_a)}
    assert len(rows) == 3 and all(row.split(",")[2] in seals for row in rows[1:])
    other = client_for("member_b").get(reverse("remittance-advice", args=[run.pk, world.coop_a.pk]))
    assert other.status_code == 404


def test_the_runs_page_starts_a_run_and_its_status_fragment_reloads_the_page_once_done(
        world, delivered, coordinator, client_for, monkeypatch):
    paid_invoice(world, delivered, coordinator)
    bank_account(world.coop_b)
    client = client_for("coordinator")
    listed = client.get(reverse("payment-run-list")).content.decode()
    assert str(world.coop_a) in listed and "Missing: left for a later run" in listed
    refused = client.post(reverse("payment-run-list"), {"pay_on": YESTERDAY.isoformat()})
    assert refused.status_code == 200 and "cannot be in the past" in refused.content.decode()
    started = client.post(reverse("payment-run-list"), {"pay_on": dt.date.today().isoformat()})
    run = PaymentRun.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse("payment-run-detail", args=[run.pk])
    url = reverse("payment-run-detail", args=[run.pk]) + "?fragment=status"
    waiting = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in waiting.content.decode() and "HX-Refresh" not in waiting
    tasks.payment_run(run.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    page = client.get(reverse("payment-run-detail", args=[run.pk])).content.decode()
    assert "Download the bank file" in page


def test_a_run_is_refused_while_another_is_live_and_when_nobody_can_be_paid(world, delivered, coordinator):
    with pytest.raises(Conflict):  # nothing recorded yet
        services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    paid_invoice(world, delivered, coordinator)
    with pytest.raises(Conflict):  # owed, but no member has bank details
        services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    bank_account(world.coop_b)
    services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    with pytest.raises(Conflict) as busy:
        services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    assert busy.value.code == "busy"
    with pytest.raises(DomainError):
        services.payment_run_start(consortium=world.consortium, pay_on=YESTERDAY, by=coordinator)
    with pytest.raises(Forbidden):
        services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(),
                                   by=world.user("coordinator_other"))


def test_a_run_left_waiting_too_long_is_failed_and_another_may_start(world, delivered, coordinator, settings):
    paid_invoice(world, delivered, coordinator)
    bank_account(world.coop_a)
    run = services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    PaymentRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    settings.PAYMENT_RUN_STALE_AFTER = 60
    again = services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.FAILED and "Nothing was paid" in run.error
    assert tasks.payment_run(run.pk) == PaymentRunStatus.FAILED  # its late message pays nothing
    assert tasks.payment_run(again.pk) == PaymentRunStatus.DONE


# --- bank details ---------------------------------------------------------------------------------

def test_bank_details_are_cleaned_and_every_problem_is_told_at_once(world):
    member = world.user("member_a")
    account = bank.bank_account_set(coop=world.coop_a, sort_code="30-96 34", account_number="0073 3445",
                                    account_name="  gofal a  cyf ", by=member)
    assert (account.sort_code, account.account_number, account.account_name) == ("309634", "00733445",
                                                                                 "GOFAL A CYF")
    with pytest.raises(DomainError) as refused:
        bank.bank_account_set(coop=world.coop_a, sort_code="3096", account_number="12345",
                              account_name="Gofal £ A", by=member)
    assert {field for field, _m in refused.value.problems} == {"sort_code", "account_number", "account_name"}
    with pytest.raises(DomainError) as refused:
        bank.bank_account_set(coop=world.coop_a, sort_code="309634", account_number="12345678",
                              account_name="A" * 19, by=member)
    assert "18 characters" in refused.value.message
    for persona in ("coordinator", "member_b", "board"):
        with pytest.raises(Forbidden):
            bank.bank_account_set(coop=world.coop_a, sort_code="309634", account_number="12345678",
                                  account_name="X", by=world.user(persona))


def test_the_bank_page_sets_them_shows_errors_by_field_and_masks_them_for_the_coordinator(world, client_for):
    url = reverse("member-bank", args=[world.coop_a.pk])
    member = client_for("member_a")
    page = member.post(url, {"sort_code": "30-96-3", "account_number": "1234567x", "account_name": "OK"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is a problem" in html and "six digits" in html and "eight digits" in html
    assert not BankAccount.objects.exists()
    saved = member.post(url, {"sort_code": "30-96-34", "account_number": "12345678",
                              "account_name": "Gofal A"})
    assert saved.status_code == 302
    assert "12345678" in member.get(url).content.decode()
    seen = client_for("coordinator").get(url).content.decode()
    assert "****5678" in seen and "12345678" not in seen and "30-96-34" not in seen
    assert client_for("coordinator").post(url, {"sort_code": "000000"}).status_code == 403
    for persona in ("member_b", "board", "reviewer", "coordinator_other"):
        assert client_for(persona).get(url).status_code == 404


# --- ledgers --------------------------------------------------------------------------------------

def test_what_i_am_owed_gives_each_figure_and_the_reason_for_each_difference(world, coordinator, client_for):
    contract = live_contract(world)
    first, second, third = contract.periods.order_by("start")[:3]
    accepted_return(contract, world.coop_a, first, {(world.council, DAY): "10.00"})
    accepted_return(contract, world.coop_b, first, {(world.council, DAY): "10.00"})
    accepted_return(contract, world.coop_a, second, {(world.council, DAY): "4.00"})  # not invoiced
    pending = accepted_return(contract, world.coop_a, third, {(world.council, DAY): "2.50"})
    type(pending).objects.filter(pk=pending.pk).update(status=ReturnStatus.SUBMITTED, seal="")
    invoice = issue(contract, first, world)
    pay(invoice, (invoice.total / 2).quantize(D("0.01")), coordinator)
    rows = {row.period.pk: row for row in ledger.member_ledger(world.coop_a).rows}
    one, two, three = rows[first.pk], rows[second.pk], rows[third.pk]
    net = net_rate(invoice.lines.get().rate, contract.management_fee_percent)
    assert (one.returned, one.accepted, one.invoiced) == (D("10"), D("10"), D("10"))
    assert one.owed == (10 * net).quantize(D("0.01"))
    assert abs(one.paid_by_council - one.owed / 2) <= D("0.01") and one.paid_to_member == 0
    assert any("part" in r for r in one.reasons) and any("bank details" in r for r in one.reasons)
    assert any("not yet invoiced" in r for r in two.reasons) and two.paid_by_council == 0
    assert three.accepted == 0 and any("not yet accepted" in r for r in three.reasons)

    page = client_for("member_a").get(reverse("owed-mine")).content.decode()
    assert "What I am owed" in page and "not yet invoiced" in page
    assert client_for("member_b").get(reverse("owed", args=[world.coop_a.pk])).status_code == 404
    assert client_for("reviewer").get(reverse("owed", args=[world.coop_a.pk])).status_code == 404


def test_the_consortium_ledger_balances_after_every_payment_and_run_and_the_board_sees_totals(
        world, delivered, coordinator, client_for):
    _contract, _period, invoice = delivered
    pay(invoice, D("100.00"), coordinator)
    bank_account(world.coop_a)
    run = services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    tasks.payment_run(run.pk)
    pay(invoice, invoice.total - D("100.00"), coordinator)
    whole = ledger.consortium_ledger(coordinator)
    assert whole.balances and whole.received == invoice.total and whole.paid_to_members > 0 and whole.held > 0
    assert len(whole.points) == 3
    assert all(p.received == p.paid_to_members + p.fee + p.held for p in whole.points)
    board = ledger.consortium_ledger(world.user("board"))
    assert board.totals_only and board.points == [] and board.held_by_member == []
    assert (board.received, board.paid_to_members, board.fee, board.held) == (
        whole.received, whole.paid_to_members, whole.fee, whole.held)
    page = client_for("coordinator").get(reverse("consortium-ledger")).content.decode()
    assert "The chart&#x27;s figures" in page or "The chart's figures" in page
    board_page = client_for("board").get(reverse("consortium-ledger")).content.decode()
    assert "Held for each member" not in board_page and str(world.coop_a) not in board_page
    assert client_for("reviewer").get(reverse("consortium-ledger")).status_code == 404


def test_a_credit_note_brings_the_ledger_back_to_the_same_balance(world, coordinator):
    contract = live_contract(world)
    period = contract.periods.order_by("start").first()
    accepted_return(contract, world.coop_a, period, {(world.council, DAY): "7.25"})
    accepted_return(contract, world.coop_b, period, {(world.council, WEEKEND): "3.50"})

    def snapshot():
        rows = [(r.period.pk, r.accepted, r.invoiced, r.owed, r.paid_by_council, r.outstanding)
                for coop in (world.coop_a, world.coop_b) for r in ledger.member_ledger(coop).rows]
        c = ledger.consortium_ledger(coordinator)
        return rows, (c.received, c.paid_to_members, c.fee, c.held)

    before = snapshot()
    invoice = issue(contract, period, world)
    assert snapshot() != before
    credit(invoice, world)
    assert snapshot() == before
    again = issue(contract, period, world)
    pay(again, again.total, coordinator)
    after = snapshot()
    assert after[1][0] == again.total and after[1][0] == after[1][2] + after[1][3]


# --- scoping --------------------------------------------------------------------------------------

def test_a_member_sees_only_its_own_remittances_and_the_council_never_a_share(
        world, delivered, coordinator, client_for, api_for):
    payment = paid_invoice(world, delivered, coordinator)
    a = api_for("member_a").get("/api/v1/remittances/").json()["results"]
    assert a and {r["coop"] for r in a} == {"Cydweithfa A Cyf"}
    b = client_for("member_b").get(reverse("remittance-list")).content.decode()
    assert str(world.coop_a) not in b and "Not yet" in b
    assert api_for("coordinator_other").get("/api/v1/remittances/").json()["results"] == []
    assert api_for("coordinator_other").get("/api/v1/payments/").json()["results"] == []
    council = api_for("reviewer").get(f"/api/v1/payments/{payment.pk}/").json()
    assert council["fee"] is None and council["remittances"] == []
    page = client_for("reviewer").get(reverse("payment-detail", args=[payment.pk])).content.decode()
    assert str(world.coop_a) not in page and "Fee retained" not in page
    assert api_for("reviewer_other").get(f"/api/v1/payments/{payment.pk}/").status_code == 404
    bank_account(world.coop_a)
    hidden = client_for("coordinator_other").get(reverse("member-bank", args=[world.coop_a.pk]))
    assert hidden.status_code == 404


def test_the_api_records_once_per_reference(world, delivered, api_for):
    _contract, _period, invoice = delivered
    body = {"invoice": invoice.pk, "reference": "BACS-77", "amount": "25.00",
            "paid_on": YESTERDAY.isoformat()}
    first = api_for("coordinator").post("/api/v1/payments/", body, format="json")
    assert first.status_code == 201 and D(first.json()["fee"]) >= 0
    assert sum(D(r["amount"]) for r in first.json()["remittances"]) + D(first.json()["fee"]) == D("25.00")
    again = api_for("reviewer").post("/api/v1/payments/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = api_for("coordinator").post("/api/v1/payments/", {**body, "amount": "26.00"}, format="json")
    assert other.status_code == 409 and "reference" in other.json()
    assert api_for("board").post("/api/v1/payments/", body, format="json").status_code == 403
    hidden = api_for("coordinator_other").post("/api/v1/payments/", body, format="json")
    assert hidden.status_code == 400 and "invoice" in hidden.json()
    assert CouncilPayment.objects.count() == 1


def test_the_record_page_records_and_shows_a_refusal_beside_the_amount(world, delivered, client_for):
    _contract, _period, invoice = delivered
    client = client_for("reviewer")
    url = reverse("payment-record", args=[invoice.pk])
    too_much = client.post(url, {"reference": "R1", "amount": str(invoice.total + 1),
                                 "paid_on": YESTERDAY.isoformat()})
    assert too_much.status_code == 200 and "more than is still due" in too_much.content.decode()
    done = client.post(url, {"reference": "R1", "amount": "10.00", "paid_on": YESTERDAY.isoformat()})
    assert done.status_code == 302 and CouncilPayment.objects.get().amount == D("10.00")


def test_no_persona_reads_a_members_bank_details_or_another_members_remittances_on_any_payment_route(
        world, client_for, api_for):
    """Every GET route of payments (its policy's object) read by every persona: coop A's and
    coop B's account numbers only by their own users (the coordinator sees the last 4 digits, but
    for the run's bank file, which the bank pays from),
    the seal of each member's return (on its remittances and advice) only by that member and
    the coordinators; never by the council or the board."""
    bank_account(world.coop_b, account_number="87654321")
    _invoice, payment, _run = payment_policies._paid(world)
    seal = {coop: payment.remittances.filter(coop=coop).first().return_seal
            for coop in (world.coop_a, world.coop_b)}
    secrets = {"12345678": {"member_a"}, "87654321": {"member_b"},
               seal[world.coop_a]: {"coordinator", "member_a"},
               seal[world.coop_b]: {"coordinator", "member_b"}}
    read = 0
    for policy in payment_policies.POLICIES:
        if policy.http_method != "GET":
            continue
        kwargs = policy.kwargs(world) if policy.kwargs else {}
        if not policy.is_api and "coop" in kwargs:  # coop B's own pages too
            routes = [kwargs, {**kwargs, "coop": world.coop_b.pk}]
        elif not policy.is_api and policy.route == "member-bank":
            routes = [kwargs, {"pk": world.coop_b.pk}]
        else:
            routes = [kwargs]
        for persona in PERSONAS_SIGNED_IN:
            client = api_for(persona) if policy.is_api else client_for(persona)
            for filled in routes:
                response = client.get(policy_url(policy, filled))
                if response.status_code != 200:
                    continue
                read += 1
                body = response.content.decode()
                for secret, allowed in secrets.items():
                    if "bank-file" in policy.route and persona == "coordinator" and secret in ACCOUNTS:
                        continue  # the bank file carries them whole: the bank pays into them
                    assert persona in allowed or secret not in body, (policy.route, filled, persona, secret)
    assert read >= 40


ACCOUNTS = ("12345678", "87654321")
PERSONAS_SIGNED_IN = ("coordinator", "board", "member_a", "member_b", "reviewer", "reviewer_other",
                      "coordinator_other")


# --- property tests on the database ---------------------------------------------------------------

class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_property_random_contracts_returns_and_payments_add_up_and_pay_only_accepted_lines(world):
    """Hypothesis draws the contract's fee and rates, the members' returns (some not accepted)
    and the payments (full, or parts that complete the invoice); each example runs in a savepoint
    that is rolled back."""
    contract = live_contract(world)
    coordinator = world.user("coordinator")
    period = contract.periods.order_by("start").first()
    version = ContractVersion.objects.filter(contract=contract).order_by("-number").first()
    quantity = st.integers(0, 4000).map(lambda n: f"{D(n) / 100:.2f}")

    @given(fee=st.integers(0, 2500), day_rate=st.integers(1500, 3500), weekend_rate=st.integers(1500, 4000),
           a_day=quantity, a_weekend=quantity, b_day=quantity, b_accepted=st.booleans(),
           cuts=st.lists(st.integers(1, 99), max_size=4))
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def check(fee, day_rate, weekend_rate, a_day, a_weekend, b_day, b_accepted, cuts):
        try:
            with transaction.atomic():
                Contract.objects.filter(pk=contract.pk).update(management_fee_percent=D(fee) / 100)
                terms = {**version.terms, DAY: {**version.terms.get(DAY, {}), "rate": str(D(day_rate) / 100)},
                         WEEKEND: {**version.terms.get(WEEKEND, {}), "rate": str(D(weekend_rate) / 100)}}
                ContractVersion.objects.filter(pk=version.pk).update(terms=terms)
                fresh = Contract.objects.get(pk=contract.pk)
                accepted_return(fresh, world.coop_a, period, {(world.council, DAY): a_day,
                                                              (world.council, WEEKEND): a_weekend})
                b = accepted_return(fresh, world.coop_b, period, {(world.council, DAY): b_day})
                try:
                    invoice = issue(fresh, period, world)
                except Conflict:  # every quantity drawn is nil: nothing to invoice
                    raise Rollback from None
                day_line = invoice.lines.filter(time_band=DAY).first()
                if not b_accepted and day_line is not None:  # a return not accepted never pays its member
                    type(b).objects.filter(pk=b.pk).update(status=ReturnStatus.SUBMITTED, seal="")
                    day_line.return_lines.add(*b.lines.all())
                total = payable_total(invoice)
                if total <= 0:
                    raise Rollback
                cut = {(total * c / 100).quantize(D("0.01")) for c in cuts} - {D(0), total}
                parts = [*sorted(cut), total]
                paid, lines = D(0), {}
                for point in parts:
                    payment = pay(invoice, point - paid, coordinator)
                    rem = list(payment.remittances.select_related("return_line__delivery_return"))
                    assert sum(r.amount for r in rem) + payment.fee == payment.amount
                    assert all(r.return_line.delivery_return.status == ReturnStatus.ACCEPTED for r in rem)
                    for r in rem:
                        lines[r.return_line_id] = lines.get(r.return_line_id, D(0)) + r.amount
                    paid = point
                invoice.refresh_from_db()
                assert invoice.status == InvoiceStatus.PAID
                behind = [x.entitled for x in selectors.entitled_lines(invoice)]
                full, _fee = shares.full_shares(total, behind)
                assert {k: v for k, v in lines.items() if v} == {k: v for k, v in full.items() if v}
                for x in behind:
                    assert abs(full[x.line] - x.entitlement) < D("0.01")
                raise Rollback
        except Rollback:
            pass

    check()


# --- real threads and a real worker (PostgreSQL, Redis) ---------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_council_payment_recorded_twice_at_once_is_recorded_once(world):
    contract = live_contract(world)
    period = contract.periods.order_by("start").first()
    accepted_return(contract, world.coop_a, period, {(world.council, DAY): "10.00"})
    invoice = issue(contract, period, world)
    coordinator, reviewer = world.user("coordinator"), world.user("reviewer")
    results: list = []
    errors = run_together([lambda: pay(invoice, D("40.00"), coordinator, reference="CRF-TWICE"),
                           lambda: pay(invoice, D("40.00"), reviewer, reference="CRF-TWICE"),
                           lambda: pay(invoice, D("40.00"), coordinator, reference="CRF-TWICE")],
                          results=results)
    assert errors == []
    assert len({p.pk for p in results}) == 1
    assert sorted(p.already_recorded for p in results) == [False, True, True]
    assert CouncilPayment.objects.count() == 1
    assert Remittance.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PART_PAID


def wait_for(what, seconds: float, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s in vain\n{log.read_text()}")


@pytest.mark.redis
@pytest.mark.postgres  # the worker is another process: it must share a real database
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("killed", ["pool process", "whole worker"])
def test_a_run_whose_worker_is_killed_midway_pays_all_or_none(world, monkeypatch, tmp_path, killed):
    """A prefork worker is SIGKILLed inside a run's transaction, after it marked the first
    member's remittances paid: nothing of the run is seen (none paid); the message comes back
    (at once for a killed pool process; after the visibility timeout, 2 s here, for a whole
    worker, to a worker started afterwards) and the run pays everyone, once."""
    coordinator = world.user("coordinator")
    contract = live_contract(world)
    period = contract.periods.order_by("start").first()
    accepted_return(contract, world.coop_a, period, {(world.council, DAY): "10.00"})
    accepted_return(contract, world.coop_b, period, {(world.council, DAY): "6.00"})
    invoice = issue(contract, period, world)
    payment = pay(invoice, invoice.total, coordinator)
    bank_account(world.coop_a)
    bank_account(world.coop_b, account_number="87654321")
    monkeypatch.setattr(services, "enqueue", lambda *args, **kwargs: None)  # sent below, to our queue
    run = services.payment_run_start(consortium=world.consortium, pay_on=dt.date.today(), by=coordinator)
    queue, log, gate = f"test-{uuid.uuid4().hex[:12]}", tmp_path / "worker.log", tmp_path / "gate"
    gate.touch()
    held = ("tests.slow_payment_worker",)
    env = {"PAYMENT_TEST_GATE": str(gate), "CELERY_RESTORE_UNACKED_EVERY": "1",
           "CELERY_TEST_KEY_PREFIX": f"{queue}:"}
    workers = [start_worker(queue, log, pool="prefork", command=held, env=worker_env(
        **env, CELERY_VISIBILITY_TIMEOUT="300"))]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    broker = app.connection_for_write(transport_options={**app.conf.broker_transport_options,
                                                         "global_keyprefix": env["CELERY_TEST_KEY_PREFIX"]})
    try:
        tasks.payment_run.apply_async(args=[run.pk], queue=queue, connection=broker)
        paying = wait_for(lambda: list(tmp_path.glob("paying-*")), 40, log)  # half way through
        pid = int(paying[0].name.removeprefix("paying-"))
        assert PaymentRun.objects.get(pk=run.pk).status == PaymentRunStatus.RUNNING
        assert not Remittance.objects.filter(run__isnull=False).exists()  # not committed
        if killed == "pool process":
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
        time.sleep(0.5)
        assert not Remittance.objects.filter(run__isnull=False).exists()  # none: rolled back
        gate.unlink()
        if killed == "whole worker":
            workers.append(start_worker(queue, log, pool="prefork", command=held, env=worker_env(
                **env, CELERY_VISIBILITY_TIMEOUT="2")))
        wait_for(lambda: PaymentRun.objects.get(pk=run.pk).status == PaymentRunStatus.DONE, 60, log)
        time.sleep(1.5)  # a message delivered twice would run now: nothing more must happen
    finally:
        app.conf.task_always_eager = eager
        broker.release()
        for worker in workers:
            stop_worker(worker)
        redis = Redis.from_url(os.environ["CELERY_BROKER_URL"])
        for key in redis.scan_iter(f"{env['CELERY_TEST_KEY_PREFIX']}*"):
            redis.delete(key)
        redis.close()
    run.refresh_from_db()
    remittances = list(payment.remittances.all())
    assert all(r.run_id == run.pk for r in remittances) and len(remittances) == 2
    assert run.total == sum(r.amount for r in remittances)
    assert PaymentRun.objects.count() == 1
    connection.close()
