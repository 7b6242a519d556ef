"""The delivery journey in a real browser, for each role, with an axe-core scan of every page visited.

"A billing period has ended. Coop A imports its call monitoring file and submits its return;
coop B types its hours and submits (its form read in Welsh first); the coordinator checks the
period against the commissioned volume, accepts and seals both returns and invoices the council;
the council's reviewer accepts the invoice; the council pays in two parts; coop A sets its bank
details; the coordinator runs the payments, downloads the bank file and sees coop A's remittance
advice; coop A sees the period paid; coop B sees only its own; the board sees the totals only;
the council never sees a member or a net rate."

Set up beforehand, with services (what no page of this journey does): the live contract, moved to
have started 8 weeks ago (``started_contract``: its first four-weekly period has ended). Everything
else is done through the pages, by keyboard where it matters (Enter or Space on a button).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.delivery.services.payments import payment_run_execute
from contracts.delivery.visits import welsh_bank_holidays
from contracts.models import (
    CouncilPayment,
    DeliveryReturn,
    Invoice,
    InvoiceStatus,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    ReturnStatus,
)
from members.models import BankAccount
from tests.browser.conftest import assert_accessible, menu, sign_in
from tests.builders import started_contract

# serialized_rollback: see test_journeys.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal
MEMBER_NAMES = ("Cydweithfa A Cyf", "Cydweithfa B Cyf")  # legal names
TRADING_NAMES = ("Gofal A", "Gofal B")
WEEKDAY_LABEL = "Cardiff, weekday daytime: hours delivered"
WEEKEND_LABEL = "Cardiff, weekend: hours delivered"
# An invoice is named "<consortium>-<number>" in the payments pages.
RECORD_FOR_INVOICE_1 = re.compile(r"^Record a payment against invoice 000001$")


def heading(page):
    return page.get_by_role("heading", level=1)


def main(page):
    return page.locator("main")


def success(page):
    return page.locator(".govuk-notification-banner--success")


def money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def visits_csv(period) -> bytes:
    """Coop A's call monitoring file for ``period``: on a weekday, one visit on time (60 min), one
    2 minutes late and so 2 short (charged as planned within the 5 minutes' tolerance: 30 min) and
    one missed; on a Saturday, one visit of 2 hours. Weekday daytime 1.50 hours, weekend 2.00."""
    holidays = set(welsh_bank_holidays(period.start, period.end))
    days = [period.start + dt.timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    weekday = next(d for d in days if d.weekday() in (1, 2, 3) and d not in holidays)
    saturday = next(d for d in days if d.weekday() == 5 and d not in holidays)
    later = weekday + dt.timedelta(days=1)

    def at(day: dt.date, hhmm: str) -> str:
        return f"{day.isoformat()} {hhmm}"

    rows = [
        ("visit_reference", "person_reference", "planned_start", "planned_end", "actual_start",
         "actual_end", "carer_reference"),
        ("V-0001", "P-0101", at(weekday, "08:00"), at(weekday, "09:00"), at(weekday, "08:00"),
         at(weekday, "09:00"), "C-11"),
        ("V-0002", "P-0102", at(weekday, "10:00"), at(weekday, "10:30"), at(weekday, "10:02"),
         at(weekday, "10:30"), "C-11"),
        ("V-0003", "P-0101", at(later, "08:00"), at(later, "09:00"), "", "", "C-12"),
        ("V-0004", "P-0103", at(saturday, "09:00"), at(saturday, "11:00"), at(saturday, "09:00"),
         at(saturday, "11:00"), "C-12"),
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def council_sees_no_member(page) -> None:
    """A council's page shows no member's name and no net rate (what the members are paid)."""
    text = main(page).inner_text()
    for name in (*MEMBER_NAMES, *TRADING_NAMES):
        assert name not in text, f"{page.url} shows {name}"
    assert "net rate" not in text.lower(), f"{page.url} shows a net rate"


def test_returns_check_invoice_council_payments_payment_run_and_ledgers(world, new_page):
    contract = started_contract(world)
    period = contract.periods.order_by("start").first()
    assert period.end < timezone.localdate()  # the period has ended
    today = timezone.localdate().isoformat()

    # 1a. member A imports its call monitoring file, sees the hours worked out, and submits
    member_a = new_page()
    sign_in(member_a, "member-a")
    menu(member_a, "Our sub-contracts").click()
    assert_accessible(member_a)
    member_a.goto("/contracts/returns/")
    expect(heading(member_a)).to_have_text("Returns")
    assert_accessible(member_a)
    member_a.get_by_role("link", name=f"Write the return {period}").click()
    expect(heading(member_a)).to_have_text(f"Return for {period}")
    assert_accessible(member_a)
    member_a.get_by_label("Call monitoring file").set_input_files(
        files=[{"name": "visits.csv", "mimeType": "text/csv", "buffer": visits_csv(period)}])
    member_a.get_by_role("button", name="Import the file").press("Enter")
    expect(success(member_a)).to_contain_text("The call monitoring file is imported")
    expect(member_a.get_by_label(WEEKDAY_LABEL)).to_have_value("1.50")
    expect(member_a.get_by_label(WEEKEND_LABEL)).to_have_value("2.00")
    expect(main(member_a)).to_contain_text("File imported, SHA-256:")
    assert_accessible(member_a)
    member_a.get_by_role("button", name="Save and submit").press("Enter")
    expect(success(member_a)).to_contain_text("Your return is submitted")
    assert_accessible(member_a)
    ret_a = DeliveryReturn.objects.get(subcontract__coop=world.coop_a, period=period)
    assert ret_a.status == ReturnStatus.SUBMITTED
    assert (ret_a.visits_planned, ret_a.visits_delivered, ret_a.visits_missed) == (4, 3, 1)

    # 1b. member B reads its return form in Welsh, then types its hours in English and submits
    member_b = new_page()
    sign_in(member_b, "member-b")
    member_b.goto("/contracts/returns/")
    assert_accessible(member_b)
    member_b.get_by_role("link", name=f"Write the return {period}").click()
    expect(heading(member_b)).to_contain_text(str(period))
    member_b.get_by_role("button", name="Cymraeg").press("Space")
    expect(member_b.locator("html")).to_have_attribute("lang", "cy")
    # "Governance" in the header and "Sign out"
    expect(member_b.get_by_role("link", name="Llywodraethu", exact=True)).to_be_visible()
    expect(member_b.get_by_role("button", name="Allgofnodi")).to_be_visible()
    expect(heading(member_b)).to_contain_text(str(period))
    # the council area and the time band in the form's labels ("Cardiff", "weekday daytime")
    welsh_band = member_b.locator("main form").get_by_text("Caerdydd, dydd yn ystod yr wythnos")
    expect(welsh_band.first).to_be_visible()
    assert_accessible(member_b)
    member_b.get_by_role("button", name="English").click()
    expect(member_b.locator("html")).to_have_attribute("lang", "en")
    member_b.get_by_label(WEEKDAY_LABEL).fill("6")
    member_b.get_by_role("button", name="Save and submit").click()
    expect(success(member_b)).to_contain_text("Your return is submitted")
    assert_accessible(member_b)

    # 2. the coordinator checks the period (chart and table), accepts and seals both, invoices
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto(f"/contracts/{contract.pk}/")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Members' returns: check what was delivered").click()
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name=f"{period.start:%-d %b %Y} – {period.end:%-d %b %Y}").click()
    expect(heading(coordinator)).to_have_text(f"Returns for {period}")
    chart = coordinator.get_by_role("img", name="Bar chart of commissioned and delivered hours per time band")
    expect(chart).to_be_visible()
    totals = coordinator.locator("#totals")
    expect(totals.get_by_role("row", name="Weekday daytime")).to_contain_text("7.50")  # 1.50 + 6
    expect(totals.get_by_role("row", name="Weekend")).to_contain_text("2.00")
    assert_accessible(coordinator)
    for coop in MEMBER_NAMES:
        coordinator.get_by_role("link", name=f"Check and decide {coop}").click()
        expect(heading(coordinator)).to_have_text(f"{coop}: return for {period}")
        assert_accessible(coordinator)
        coordinator.get_by_role("button", name="Accept and seal the return").press("Enter")
        expect(success(coordinator)).to_contain_text(f"{coop}'s return for {period} is accepted and sealed.")
        assert_accessible(coordinator)
    for ret in DeliveryReturn.objects.filter(period=period):
        assert ret.status == ReturnStatus.ACCEPTED and ret.seal
    coordinator.goto(f"/contracts/{contract.pk}/")
    coordinator.get_by_role("link", name="Invoices to the council, and periods ready to invoice").click()
    assert_accessible(coordinator)
    coordinator.get_by_label(str(period)).check()
    coordinator.get_by_role("button", name="Issue invoice").press("Enter")
    expect(heading(coordinator)).to_have_text("Invoice 000001")
    assert_accessible(coordinator)
    invoice = Invoice.objects.get()
    total = (D("7.50") * D("25.00") + D("2.00") * D("28.00")).quantize(D("0.01"))  # £243.50
    assert invoice.total == total

    # 3. the council's reviewer accepts the invoice and records a part payment; the coordinator
    #    records the rest
    reviewer = new_page()
    sign_in(reviewer, "reviewer")
    menu(reviewer, "Invoices").click()
    assert_accessible(reviewer)
    council_sees_no_member(reviewer)
    reviewer.get_by_role("link", name="Invoice 000001").click()
    expect(main(reviewer)).to_contain_text(money(total))
    council_sees_no_member(reviewer)
    assert_accessible(reviewer)
    reviewer.get_by_role("button", name="Accept the invoice").press("Enter")
    expect(success(reviewer)).to_contain_text("You accepted invoice 000001.")
    assert_accessible(reviewer)
    part = D("100.00")
    menu(reviewer, "Payments").click()
    council_sees_no_member(reviewer)
    assert_accessible(reviewer)
    reviewer.get_by_role("link", name=RECORD_FOR_INVOICE_1).click()
    assert_accessible(reviewer)
    reviewer.get_by_label("The council's payment reference").fill("CDF-BACS-0001")
    reviewer.get_by_label("Amount paid (£)").fill(str(part))
    reviewer.get_by_label("Date paid").fill(today)
    reviewer.get_by_role("button", name="Record the payment").press("Enter")
    expect(success(reviewer)).to_contain_text(f"The payment of £{part} was recorded.")
    council_sees_no_member(reviewer)
    assert_accessible(reviewer)

    menu(coordinator, "Payments").click()
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name=RECORD_FOR_INVOICE_1).click()
    expect(main(coordinator)).to_contain_text(money(total - part))  # still due
    assert_accessible(coordinator)
    coordinator.get_by_label("The council's payment reference").fill("CDF-BACS-0002")
    coordinator.get_by_label("Amount paid (£)").fill(str(total - part))
    coordinator.get_by_label("Date paid").fill(today)
    coordinator.get_by_role("button", name="Record the payment").click()
    expect(success(coordinator)).to_contain_text(f"The payment of £{total - part} was recorded.")
    assert_accessible(coordinator)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert sum(p.amount for p in CouncilPayment.objects.all()) == total

    # 4. member A sets its bank details; the coordinator runs the payments
    menu(member_a, "What I am owed").click()
    assert_accessible(member_a)
    member_a.get_by_role("link", name="Add your bank details").click()
    expect(heading(member_a)).to_have_text("Bank details")
    assert_accessible(member_a)
    member_a.get_by_label("Account name").fill("CYDWEITHFA A CYF")
    member_a.get_by_label("Sort code").fill("30-96-34")
    member_a.get_by_label("Account number").fill("00733445")
    member_a.get_by_role("button", name="Save the bank details").press("Enter")
    expect(success(member_a)).to_contain_text("Your bank details were saved.")
    assert_accessible(member_a)
    assert BankAccount.objects.filter(coop=world.coop_a).exists()

    menu(coordinator, "Payments").click()
    coordinator.get_by_role("link", name="Payment runs to members").click()
    expect(heading(coordinator)).to_have_text("Payment runs")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Start a payment run").press("Enter")
    expect(coordinator.locator("#run-status")).to_be_visible()
    # The worker's part, as a worker would do it (with Celery eager it is done already, and doing
    # it again changes nothing); the run's page shows it done.
    payment_run_execute(run_id=PaymentRun.objects.get().pk)
    coordinator.reload()
    expect(coordinator.locator("#run-status .govuk-tag")).to_have_text("Done")
    expect(main(coordinator)).to_contain_text("Left for a later run: no bank details")
    assert_accessible(coordinator)
    run = PaymentRun.objects.get()
    assert run.status == PaymentRunStatus.DONE
    paid_a = sum(r.amount for r in Remittance.objects.filter(coop=world.coop_a))
    owed_b = sum(r.amount for r in Remittance.objects.filter(coop=world.coop_b))
    assert paid_a > 0 and owed_b > 0 and run.total == paid_a
    href = coordinator.get_by_role("link", name="Download the bank file (CSV)").get_attribute("href")
    bank_file = coordinator.request.get(href)
    assert bank_file.status == 200
    rows = list(csv.DictReader(io.StringIO(bank_file.text())))
    assert [(r["sort_code"], r["account_number"], r["account_name"], r["amount"]) for r in rows] == [
        ("309634", "00733445", "CYDWEITHFA A CYF", f"{paid_a:.2f}")]
    coordinator.get_by_role("link", name=re.compile(r"^Page ")).click()  # coop A: the only one paid
    expect(heading(coordinator)).to_have_text("Remittance advice")
    expect(main(coordinator)).to_contain_text(money(paid_a))
    ret_a.refresh_from_db()
    expect(main(coordinator)).to_contain_text(ret_a.seal)  # the sealed return it pays
    assert_accessible(coordinator)

    # 5. member A sees the period paid; member B sees its own figures only; the board, totals only
    member_a.goto("/payments/owed/")
    expect(heading(member_a)).to_have_text("What I am owed")
    row_a = member_a.get_by_role("row").filter(has_text=str(period))
    expect(row_a).to_contain_text(money(paid_a))
    # The reasons for the period's figures are on the row below it.
    expect(row_a.locator("xpath=following-sibling::tr[1]")).to_have_text(re.compile(r"Why:\s*Paid in full"))
    assert_accessible(member_a)

    menu(member_b, "What I am owed").click()
    expect(heading(member_b)).to_have_text("What I am owed")
    text_b = main(member_b).inner_text()
    assert "Cydweithfa A Cyf" not in text_b and "Gofal A" not in text_b and money(paid_a) not in text_b
    expect(main(member_b)).to_contain_text("No bank details are recorded")
    assert_accessible(member_b)
    for url in (f"/payments/owed/{world.coop_a.pk}/", f"/payments/runs/{run.pk}/advice/{world.coop_a.pk}/"):
        assert member_b.request.get(url).status == 404, url  # coop A's figures are not B's to see

    board = new_page()
    sign_in(board, "board")
    menu(board, "Ledger").click()
    expect(heading(board)).to_have_text("The consortium ledger")
    board_main = main(board)
    expect(board_main).to_contain_text(money(total))  # received from the council
    expect(board_main).to_contain_text(money(paid_a))  # paid to members
    text = board_main.inner_text()
    assert not any(name in text for name in (*MEMBER_NAMES, *TRADING_NAMES))
    assert "Held for each member" not in text
    assert_accessible(board)

    # the council's payment pages, after all this, still show no member
    reviewer.goto("/payments/")
    council_sees_no_member(reviewer)
    reviewer.get_by_role("link", name="CDF-BACS-0002").click()
    council_sees_no_member(reviewer)
    assert_accessible(reviewer)
    reviewer.goto(f"/invoices/{invoice.pk}/")
    council_sees_no_member(reviewer)
    for url in ("/payments/ledger/", "/payments/owed/", f"/payments/owed/{world.coop_a.pk}/",
                f"/payments/runs/{run.pk}/advice/{world.coop_a.pk}/"):
        assert reviewer.request.get(url).status == 404, url
