"""The invoice journey in a real browser, with an axe-core scan of every page visited.

"The period has ended and the members' returns are accepted; the coordinator issues one
invoice to the council from the contract's page; the council's reviewer queries a line; the
coordinator answers; the reviewer accepts the invoice and downloads it as a PDF."

Set up beforehand, with services: the live contract (``live_contract``) and coop A's and coop
B's accepted returns for its first period. Every period has ended: the day is AFTER.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consortium.models import TimeBand
from contracts.models import Invoice, InvoiceQuery, InvoiceStatus
from tests.browser.conftest import assert_accessible, sign_in
from tests.builders import accepted_return, live_contract

# serialized_rollback: see test_journeys.py.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AFTER = dt.date(2030, 6, 1)


def heading(page):
    return page.locator("h1")


def success(page):
    return page.locator(".govuk-notification-banner--success")


def test_coordinator_invoices_the_council_queries_a_line_and_accepts(world, new_page, monkeypatch):
    contract = live_contract(world)
    period = contract.periods.order_by("start").first()
    c = world.council
    accepted_return(contract, world.coop_a, period,
                    {(c, TimeBand.WEEKDAY_DAY): "10", (c, TimeBand.WEEKEND): "4"})
    accepted_return(contract, world.coop_b, period, {(c, TimeBand.WEEKDAY_DAY): "6"})
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: AFTER)

    # 1. the coordinator issues the invoice from the contract's page
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto(f"/contracts/{contract.pk}/")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Invoices to the council, and periods ready to invoice").click()
    expect(heading(coordinator)).to_contain_text("Invoices for")
    assert_accessible(coordinator)
    coordinator.get_by_label(str(period)).check()
    coordinator.get_by_role("button", name="Issue invoice").click()
    expect(heading(coordinator)).to_have_text("Invoice 000001")
    expect(success(coordinator)).to_contain_text("Invoice 000001 issued to Cardiff.")
    expect(coordinator.locator("main")).to_contain_text("Cydweithfa B Cyf")  # the consortium's proof
    assert_accessible(coordinator)
    invoice = Invoice.objects.get()

    # 2. the council's reviewer finds it, without the members, and queries the weekend line
    reviewer = new_page()
    sign_in(reviewer, "reviewer")
    reviewer.goto("/invoices/")
    assert_accessible(reviewer)
    reviewer.get_by_role("link", name="Invoice 000001").click()
    expect(heading(reviewer)).to_have_text("Invoice 000001")
    main = reviewer.locator("main")
    expect(main).to_contain_text("£512.00")  # 16 x £25.00 + 4 x £28.00
    expect(main).not_to_contain_text("Cydweithfa")
    assert_accessible(reviewer)
    reviewer.get_by_role("link", name="Query Weekend").click()
    assert_accessible(reviewer)
    reviewer.get_by_label("Your question").fill("Weekend hours look high for April.")
    reviewer.get_by_role("button", name="Send the query").click()
    expect(success(reviewer)).to_contain_text("Your query is sent to the consortium.")
    expect(reviewer.locator("main .govuk-tag").first).to_have_text("Queried")

    # 3. the coordinator answers
    coordinator.goto(f"/invoices/{invoice.pk}/")
    expect(coordinator.locator("main")).to_contain_text("Weekend hours look high for April.")
    coordinator.get_by_label("Your answer").fill("Easter weekend visits.")
    coordinator.get_by_role("button", name="Send the answer").click()
    expect(success(coordinator)).to_contain_text("Your answer is sent to the council.")
    assert_accessible(coordinator)
    assert InvoiceQuery.objects.get().answer == "Easter weekend visits."

    # 4. the reviewer accepts the invoice and downloads its PDF
    reviewer.goto(f"/invoices/{invoice.pk}/")
    expect(reviewer.locator("main")).to_contain_text("Easter weekend visits.")
    reviewer.get_by_role("button", name="Accept the invoice").click()
    expect(success(reviewer)).to_contain_text("You accepted invoice 000001.")
    assert_accessible(reviewer)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED
    pdf = reviewer.request.get(f"/invoices/{invoice.pk}/pdf/")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert re.match(r"inline; filename=\"invoice-\d+-000001\.pdf\"", pdf.headers["content-disposition"])
