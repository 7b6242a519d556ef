"""One invoice to the council per contract and period, credit notes, and the council's side.

The contract is ``live_contract`` of tests/builders.py: consortium A's Cardiff contract from 5
April 2027 at £25.00 weekday and £28.00 weekend (fee 5%, so members are paid £23.75 and £26.60),
coop A ("Cydweithfa A Cyf") delivering weekday and weekend hours, coop B ("Cydweithfa B Cyf")
weekday hours, in four-weekly periods. Returns are accepted with ``accepted_return``. Every
period of the contract ends long before ``AFTER``, the day invoices are issued on here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from consortium.errors import DomainError, Forbidden
from consortium.models import Role, TimeBand
from contracts.delivery import invoice_documents as documents
from contracts.delivery.services import contracts as contract_services
from contracts.delivery.services import invoices as services
from contracts.evaluation.services.award import award_confirm, award_decide
from contracts.models import (
    Contract,
    ContractVersion,
    DeliveryReturn,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceQuery,
    InvoiceSequence,
    InvoiceStatus,
    ReturnLine,
    ReturnStatus,
)
from members.models import CapacityDeclaration
from tests import factories as f
from tests.builders import accepted_return, evaluated_lot, live_contract, past_standstill
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

WEEKDAY, WEEKEND = TimeBand.WEEKDAY_DAY, TimeBand.WEEKEND
AFTER = dt.date(2030, 6, 1)
MEMBER_NAMES = ("Cydweithfa A Cyf", "Cydweithfa B Cyf", "Gofal A", "Gofal B")
NET_RATES = ("23.75", "26.60")  # £25.00 and £28.00 less the 5% fee


@pytest.fixture
def contract(world) -> Contract:
    return live_contract(world)


def periods(contract):
    return list(contract.periods.order_by("start"))


def issue(contract, period, world, persona="coordinator", **kwargs) -> Invoice:
    return services.invoice_issue(contract=contract, period=period, by=world.user(persona),
                                  today=kwargs.pop("today", AFTER), **kwargs)


def credit(invoice, world, lines=None, reason="Hours returned twice by mistake.") -> Invoice:
    return services.credit_note_issue(invoice=invoice, lines=lines, reason=reason,
                                      by=world.user("coordinator"), today=AFTER)


def lines_of(invoice) -> dict[tuple[str, Decimal], tuple[Decimal, Decimal]]:
    return {(x.time_band, x.rate): (x.quantity, x.amount) for x in invoice.lines.all()}


def live_count() -> Counter:
    """How many live invoice lines (an invoice's, not credited) each return line is on."""
    through = InvoiceLine.return_lines.through
    return Counter(through.objects.filter(invoiceline__invoice__kind=InvoiceKind.INVOICE,
                                          invoiceline__credited_by__isnull=True)
                   .values_list("returnline_id", flat=True))


@pytest.fixture
def after_the_periods(monkeypatch):
    """Pages and API issue "today": as if it were AFTER."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: AFTER)


def uplift_from(contract, day, world, *, weekday="26.50", weekend="29.00") -> None:
    """A rate variation in force from ``day`` (the April uplift): periods split there."""
    real = timezone.localdate
    timezone.localdate = lambda *a, **k: day
    try:
        contract_services.contract_vary(contract=contract, by=world.user("coordinator"),
                                        kind=ContractVersion.Kind.RATE, reason="April uplift",
                                        rates={WEEKDAY: weekday, WEEKEND: weekend})
    finally:
        timezone.localdate = real


# --- amounts -----------------------------------------------------------------------------------------

def test_invoice_sums_members_lines_by_time_band_at_the_contracts_rates(world, contract):
    p1 = periods(contract)[0]
    c = world.council
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "10.50", (c, WEEKEND): "4"})
    accepted_return(contract, world.coop_b, p1, {(c, WEEKDAY): "7.25"})

    invoice = issue(contract, p1, world)

    assert lines_of(invoice) == {
        (WEEKDAY, Decimal("25.00")): (Decimal("17.75"), Decimal("443.75")),
        (WEEKEND, Decimal("28.00")): (Decimal("4.00"), Decimal("112.00")),
    }
    assert invoice.net == invoice.total == Decimal("555.75")
    assert (invoice.vat, invoice.vat_exempt, invoice.vat_rate_percent) == (0, True, 0)
    assert invoice.number == 1 and invoice.status == InvoiceStatus.ISSUED
    assert invoice.issued_on == AFTER
    assert invoice.due_on == AFTER + dt.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
    weekday = invoice.lines.get(time_band=WEEKDAY)
    assert set(weekday.return_lines.values_list("delivery_return__subcontract__coop", flat=True)) == {
        world.coop_a.pk, world.coop_b.pk}


def test_adjustments_are_priced_at_the_period_they_correct_and_amounts_round_half_up(world, contract):
    first = periods(contract)[0]
    uplift_from(contract, periods(contract)[1].start, world)
    p1, p2 = periods(contract)[0], periods(contract)[1]
    assert (p1.start, p1.end) == (first.start, first.end)  # remade, same dates
    c = world.council
    accepted_return(contract, world.coop_a, p2, {(c, WEEKDAY): "10", (c, WEEKDAY, p1): "-1.50"})
    accepted_return(contract, world.coop_b, p2, {(c, WEEKDAY): "3.33"})

    invoice = issue(contract, p2, world)

    assert lines_of(invoice) == {
        (WEEKDAY, Decimal("25.00")): (Decimal("-1.50"), Decimal("-37.50")),   # the April rate
        (WEEKDAY, Decimal("26.50")): (Decimal("13.33"), Decimal("353.25")),   # 353.245, half up
    }
    assert invoice.total == Decimal("315.75")


def test_refusals_nothing_to_invoice_period_not_ended_negative_total_not_a_coordinator(world, contract):
    p1, p2 = periods(contract)[:2]
    c = world.council
    with pytest.raises(DomainError, match="Nothing to invoice"):
        issue(contract, p1, world)
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "5"})
    # a return not yet accepted is not invoiced
    DeliveryReturn.objects.create(subcontract=contract.subcontracts.get(coop=world.coop_b), period=p1,
                                  status=ReturnStatus.SUBMITTED)
    with pytest.raises(DomainError, match="once it has ended"):
        issue(contract, p1, world, today=p1.end)
    for persona in ("board", "reviewer", "member_a", "coordinator_other"):
        with pytest.raises(Forbidden):
            issue(contract, p1, world, persona)
    invoice = issue(contract, p1, world)
    assert lines_of(invoice) == {(WEEKDAY, Decimal("25.00")): (Decimal("5.00"), Decimal("125.00"))}
    accepted_return(contract, world.coop_a, p2, {(c, WEEKDAY, p1): "-2"})
    with pytest.raises(DomainError, match="credit note"):
        issue(contract, p2, world)
    with pytest.raises(DomainError, match="billing period of this contract"):
        other = live_contract_for_b(world)
        issue(contract, other.periods.first(), world)
    assert Invoice.objects.filter(consortium=world.consortium).count() == 1  # refusals take no number
    assert InvoiceSequence.objects.get(consortium=world.consortium).last_number == 1


# --- each return line on one live invoice ---------------------------------------------------------

def test_no_return_line_is_on_two_live_invoices(world, contract):
    p1 = periods(contract)[0]
    c = world.council
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "10"})
    first = issue(contract, p1, world)
    with pytest.raises(DomainError, match="Nothing to invoice"):
        issue(contract, p1, world)
    accepted_return(contract, world.coop_b, p1, {(c, WEEKDAY): "6"})  # in late: its own invoice
    late = issue(contract, p1, world)
    assert lines_of(late) == {(WEEKDAY, Decimal("25.00")): (Decimal("6.00"), Decimal("150.00"))}
    assert (first.number, late.number) == (1, 2)
    counts = live_count()
    assert set(counts.values()) == {1}
    assert set(counts) == set(ReturnLine.objects.values_list("pk", flat=True))


def test_credit_notes_reverse_lines_once_and_make_their_returns_invoiceable_again(
        world, contract, client_for):
    p1 = periods(contract)[0]
    c = world.council
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "10", (c, WEEKEND): "2"})
    invoice = issue(contract, p1, world)
    weekend = invoice.lines.get(time_band=WEEKEND)

    note = credit(invoice, world, lines=[weekend.pk])
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.credits == invoice and note.number == 2
    assert lines_of(note) == {(WEEKEND, Decimal("28.00")): (Decimal("-2.00"), Decimal("-56.00"))}
    assert note.lines.get().credits == weekend and note.total == Decimal("-56.00")
    # The credit note's page writes money below zero with a minus sign before the pound sign.
    page = client_for("coordinator").get(reverse("invoice-detail", args=[note.pk])).content.decode()
    assert "\u2212£56.00" in page and "£-56" not in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED  # a line still stands
    with pytest.raises(DomainError, match="already credited"):
        credit(invoice, world, lines=[weekend.pk])

    again = issue(contract, p1, world)  # the weekend hours, invoiced again
    assert lines_of(again) == {(WEEKEND, Decimal("28.00")): (Decimal("2.00"), Decimal("56.00"))}

    rest = credit(invoice, world)  # the rest of the invoice
    assert lines_of(rest) == {(WEEKDAY, Decimal("25.00")): (Decimal("-10.00"), Decimal("-250.00"))}
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    with pytest.raises(DomainError, match="cannot be credited"):
        credit(invoice, world)
    with pytest.raises(DomainError, match="cannot itself be credited"):
        credit(note, world)
    with pytest.raises(DomainError, match="cannot be accepted"):
        services.invoice_accept(invoice=invoice, by=world.user("reviewer"))
    with pytest.raises(DomainError, match="cannot be queried"):
        services.invoice_query(invoice=invoice, reason="Why credited?", by=world.user("reviewer"))
    # every document keeps what it said when issued
    assert invoice.total == Decimal("306.00")
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert set(live_count().values()) == {1}
    last = issue(contract, p1, world)
    assert lines_of(last) == {(WEEKDAY, Decimal("25.00")): (Decimal("10.00"), Decimal("250.00"))}
    Invoice.objects.filter(pk=last.pk).update(status=InvoiceStatus.PAID)  # as payments would
    with pytest.raises(DomainError, match="paid cannot be credited"):
        credit(last, world)


@override_settings(INVOICE_VAT_EXEMPT=False, INVOICE_VAT_RATE_PERCENT="20")
def test_vat_is_charged_at_the_settings_rate_and_credit_notes_reverse_it_exactly(world, contract):
    p1 = periods(contract)[0]
    c = world.council
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "1.01", (c, WEEKEND): "1.01"})
    invoice = issue(contract, p1, world)
    assert invoice.net == Decimal("53.53")  # 25.25 + 28.28
    assert (invoice.vat_exempt, invoice.vat_rate_percent, invoice.vat) == (False, Decimal("20.00"),
                                                                           Decimal("10.71"))
    assert invoice.total == Decimal("64.24")
    one = credit(invoice, world, lines=[invoice.lines.get(time_band=WEEKDAY).pk])
    two = credit(invoice, world)
    assert invoice.vat + one.vat + two.vat == 0 and invoice.total + one.total + two.total == 0
    html = documents.invoice_html(invoice, "en")
    assert "VAT at 20.00%" in html and "Schedule 9" not in html


def test_vat_exempt_invoice_says_so(world, contract, client_for):
    p1 = periods(contract)[0]
    accepted_return(contract, world.coop_a, p1, {(world.council, WEEKDAY): "3"})
    invoice = issue(contract, p1, world)
    statement = ("Exempt: welfare services supplied by a registered provider (VAT Act 1994, Schedule 9, "
                 "Group 7)")
    assert statement in documents.invoice_html(invoice, "en")
    assert statement in documents.invoice_csv(invoice, "en")
    page = client_for("reviewer").get(reverse("invoice-detail", args=[invoice.pk]))
    assert statement in page.content.decode()


# --- the council's side ------------------------------------------------------------------------------

def test_council_accepts_queries_a_line_and_the_consortium_answers(world, contract):
    p1 = periods(contract)[0]
    c = world.council
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "8", (c, WEEKEND): "2"})
    invoice = issue(contract, p1, world)
    line = invoice.lines.get(time_band=WEEKEND)
    reviewer, coordinator = world.user("reviewer"), world.user("coordinator")
    for persona in ("coordinator", "board", "reviewer_other"):
        with pytest.raises(Forbidden):
            services.invoice_query(invoice=invoice, line=line, reason="Why?", by=world.user(persona))
    with pytest.raises(DomainError, match="question"):
        services.invoice_query(invoice=invoice, line=line, reason="  ", by=reviewer)

    first = services.invoice_query(invoice=invoice, line=line, reason="Weekend hours look high.",
                                   by=reviewer)
    second = services.invoice_query(invoice=invoice, reason="Please send the period's visit log.",
                                    by=reviewer)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.QUERIED
    with pytest.raises(Forbidden):
        services.invoice_query_answer(query=first, answer="Checked.", by=reviewer)
    services.invoice_query_answer(query=first, answer="Two bank holiday visits.", by=coordinator)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.QUERIED  # one query still open
    with pytest.raises(DomainError, match="already answered"):
        services.invoice_query_answer(query=first, answer="Again.", by=coordinator)
    services.invoice_query_answer(query=second, answer="Sent by e-mail.", by=coordinator)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED

    with pytest.raises(Forbidden):
        services.invoice_accept(invoice=invoice, by=coordinator)
    services.invoice_accept(invoice=invoice, by=reviewer)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED
    assert list(invoice.history.values_list("status", flat=True))[:4] == [
        "accepted", "issued", "queried", "issued"]


def test_council_pages_csv_and_pdf_never_show_the_members(world, contract, client_for, api_for):
    p1 = periods(contract)[0]
    c = world.council
    accepted_return(contract, world.coop_a, p1, {(c, WEEKDAY): "10", (c, WEEKEND): "4"})
    accepted_return(contract, world.coop_b, p1, {(c, WEEKDAY): "6"})
    invoice = issue(contract, p1, world)
    reviewer = client_for("reviewer")
    texts = {
        "list": reviewer.get(reverse("invoice-list")).content.decode(),
        "contract": reviewer.get(reverse("contract-invoices", args=[contract.pk])).content.decode(),
        "detail": reviewer.get(reverse("invoice-detail", args=[invoice.pk])).content.decode(),
        "csv": reviewer.get(reverse("invoice-csv", args=[invoice.pk])).content.decode(),
        "pdf html": documents.invoice_html(invoice, "en"),
        "api": api_for("reviewer").get(f"/api/v1/invoices/{invoice.pk}/").content.decode(),
    }
    assert "400.00" in texts["detail"] and "112.00" in texts["csv"]  # the invoice is there
    for where, text in texts.items():
        for secret in (*MEMBER_NAMES, *NET_RATES, "Management fee", "management fee"):
            assert secret not in text, (where, secret)
    pdf = reviewer.get(reverse("invoice-pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # the consortium sees who is behind each line
    own = client_for("coordinator").get(reverse("invoice-detail", args=[invoice.pk])).content.decode()
    assert "Cydweithfa A Cyf" in own and "Cydweithfa B Cyf" in own


def test_csv_has_one_row_per_line(world, contract):
    p1 = periods(contract)[0]
    accepted_return(contract, world.coop_a, p1, {(world.council, WEEKDAY): "10",
                                                 (world.council, WEEKEND): "4"})
    invoice = issue(contract, p1, world)
    rows = documents.invoice_csv(invoice, "en").strip().splitlines()
    assert len(rows) == 1 + 2
    assert rows[0].startswith("number,kind,credits,issued_on,due_on")
    assert "000001,invoice,,2030-06-01,2030-07-01" in rows[1]


def test_welsh_pdf_has_welsh_labels(world, contract, client_for):
    p1 = periods(contract)[0]
    accepted_return(contract, world.coop_a, p1, {(world.council, WEEKDAY): "10"})
    invoice = issue(contract, p1, world)
    welsh = documents.invoice_html(invoice, "cy")
    english = documents.invoice_html(invoice, "en")
    assert '<html lang="cy">' in welsh and '<html lang="en">' in english
    pairs = (("Band amser", "Time band"), ("Cyfanswm", "Total"), ("Cyfnod", "Period"), ("Nifer", "Quantity"))
    for cy, en in pairs:
        assert cy in welsh and cy not in english
        assert re.search(rf">\s*{en}\s*<", english) and not re.search(rf">\s*{en}\s*<", welsh)
    assert "Caerdydd" in welsh  # the council's Welsh name
    client = client_for("reviewer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    response = client.get(reverse("invoice-pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- scoping -----------------------------------------------------------------------------------------

def live_contract_for_b(world) -> Contract:
    """Consortium B's Cardiff contract: the rival joint bid (coop_other) of another evaluated lot,
    awarded and confirmed."""
    ev = evaluated_lot(world, rival=True)
    lead = world.user("reviewer")
    award = past_standstill(award_decide(lot=ev.lot, entry=ev.rival, by=lead,
                                                reason="Better local coverage."))
    award_confirm(award=award, by=lead)
    return Contract.objects.get(award=award)


def test_each_consortium_numbers_and_sees_only_its_own_the_council_sees_both(world, contract, client_for,
                                                                               api_for):
    theirs = live_contract_for_b(world)
    assert theirs.consortium == world.consortium_other
    accepted_return(contract, world.coop_a, periods(contract)[0], {(world.council, WEEKDAY): "10"})
    accepted_return(theirs, world.coop_other, periods(theirs)[0], {(world.council, WEEKDAY): "7"})
    ours_invoice = issue(contract, periods(contract)[0], world)
    with pytest.raises(Forbidden):
        issue(theirs, periods(theirs)[0], world)
    their_invoice = issue(theirs, periods(theirs)[0], world, "coordinator_other")
    assert (ours_invoice.number, their_invoice.number) == (1, 1)

    def listed(persona) -> set[int]:
        data = api_for(persona).get("/api/v1/invoices/").json()
        return {row["id"] for row in data["results"]}

    assert listed("coordinator") == {ours_invoice.pk}
    assert listed("coordinator_other") == {their_invoice.pk}
    assert listed("reviewer") == {ours_invoice.pk, their_invoice.pk}
    assert listed("reviewer_other") == set()
    for persona, hidden in (("coordinator", their_invoice), ("coordinator_other", ours_invoice),
                            ("reviewer_other", ours_invoice), ("member_a", ours_invoice)):
        for name in ("invoice-detail", "invoice-pdf", "invoice-csv"):
            status = client_for(persona).get(reverse(name, args=[hidden.pk])).status_code
            assert status == 404, (persona, name)
    page = client_for("coordinator").get(reverse("invoice-list")).content.decode()
    assert "Other Valleys Consortium" not in page and "Other Co-op Ltd" not in page
    council_page = client_for("reviewer").get(reverse("invoice-detail", args=[their_invoice.pk]))
    council_page = council_page.content.decode()
    assert "Other Co-op Ltd" not in council_page and "Other Care" not in council_page


# --- pages and API -------------------------------------------------------------------------------------

def test_coordinator_issues_credits_and_answers_from_the_pages(world, contract, client_for,
                                                                after_the_periods):
    p1 = periods(contract)[0]
    accepted_return(contract, world.coop_a, p1, {(world.council, WEEKDAY): "10",
                                                 (world.council, WEEKEND): "4"})
    coordinator = client_for("coordinator")
    detail = coordinator.get(reverse("contract-detail", args=[contract.pk])).content.decode()
    assert reverse("contract-invoices", args=[contract.pk]) in detail
    page = coordinator.get(reverse("contract-invoices", args=[contract.pk])).content.decode()
    assert "Issue invoice" in page
    response = coordinator.post(reverse("invoice-issue", args=[contract.pk]), {"issue-period": p1.pk})
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoice-detail", args=[invoice.pk])
    page = coordinator.get(reverse("contract-invoices", args=[contract.pk])).content.decode()
    assert "No accepted return is waiting to be invoiced." in page

    reviewer = client_for("reviewer")
    weekend = invoice.lines.get(time_band=WEEKEND)
    response = reviewer.post(reverse("invoice-query", args=[invoice.pk]),
                             {"line": weekend.pk, "reason": "Weekend hours look high."})
    assert response.status_code == 302
    query = InvoiceQuery.objects.get()
    assert query.line == weekend
    answer_url = reverse("invoice-query-answer", args=[query.pk])
    response = coordinator.post(answer_url, {f"answer-{query.pk}-answer": ""})
    assert "Give the answer" in response.content.decode()
    response = coordinator.post(reverse("invoice-query-answer", args=[query.pk]),
                                {f"answer-{query.pk}-answer": "Two bank holiday visits."})
    assert response.status_code == 302
    response = reviewer.post(reverse("invoice-accept", args=[invoice.pk]))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED

    credit_url = reverse("invoice-credit", args=[invoice.pk])
    response = coordinator.post(credit_url, {"lines": [weekend.pk], "reason": ""})
    assert "Say why the invoice is credited" in response.content.decode()
    response = coordinator.post(reverse("invoice-credit", args=[invoice.pk]),
                                {"lines": [weekend.pk], "reason": "Bank holiday visits were not due."})
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert response.status_code == 302 and note.total == Decimal("-112.00")


def test_api_issue_credit_accept_query_answer(world, contract, api_for, after_the_periods):
    p1 = periods(contract)[0]
    accepted_return(contract, world.coop_a, p1, {(world.council, WEEKDAY): "10"})
    coordinator, reviewer = api_for("coordinator"), api_for("reviewer")
    wanted = {"contract": contract.pk, "period": p1.pk}
    response = coordinator.post("/api/v1/invoices/", wanted, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["total"] == "250.00" and data["lines"][0]["rate"] == "25.00"
    assert data["vat_statement"].startswith("Exempt")
    again = coordinator.post("/api/v1/invoices/", wanted, format="json")
    assert again.status_code == 409
    invoice_id = data["id"]
    response = reviewer.post(f"/api/v1/invoices/{invoice_id}/queries/",
                             {"line": data["lines"][0]["id"], "reason": "Hours?"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "queried"
    query_id = response.json()["queries"][0]["id"]
    response = coordinator.post(f"/api/v1/invoice-queries/{query_id}/answer/", {"answer": "As returned."},
                                format="json")
    assert response.status_code == 200
    response = reviewer.post(f"/api/v1/invoices/{invoice_id}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = coordinator.post(f"/api/v1/invoices/{invoice_id}/credit-notes/", {"reason": "Wrong period."},
                                format="json")
    assert response.status_code == 201 and response.json()["total"] == "-250.00"
    assert reviewer.get(f"/api/v1/invoices/{invoice_id}/").json()["status"] == "credited"


# --- property: no period invoiced twice -----------------------------------------------------------------

@pytest.fixture
def invoicing(world, contract):
    """Three periods, each with coop A's accepted return (weekday and weekend hours)."""
    for i, period in enumerate(periods(contract)[:3]):
        accepted_return(contract, world.coop_a, period,
                        {(world.council, WEEKDAY): f"{10 + i}.25", (world.council, WEEKEND): f"{2 + i}"})
    return contract


STEPS = st.lists(st.tuples(st.sampled_from(["issue", "credit", "credit_some", "late_return"]),
                           st.integers(min_value=0, max_value=2), st.integers(min_value=0, max_value=10**6)),
                 max_size=14)


@hypothesis_settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
def test_no_period_is_invoiced_twice_whatever_is_issued_and_credited(world, invoicing, steps):
    contract = invoicing
    ps = periods(contract)[:3]
    with transaction.atomic():
        for op, i, pick in steps:
            try:
                if op == "issue":
                    issue(contract, ps[i], world)
                elif op == "late_return":
                    late = DeliveryReturn.objects.filter(subcontract__coop=world.coop_b, period=ps[i])
                    if not late.exists():
                        accepted_return(contract, world.coop_b, ps[i],
                                        {(world.council, WEEKDAY): f"{1 + pick % 9}"})
                else:
                    invoices = list(Invoice.objects.filter(kind=InvoiceKind.INVOICE).order_by("number"))
                    if not invoices:
                        continue
                    invoice = invoices[pick % len(invoices)]
                    lines = None
                    if op == "credit_some":
                        open_lines = list(invoice.lines.filter(credited_by__isnull=True).order_by("pk"))
                        lines = [x.pk for x in open_lines[: 1 + pick % max(1, len(open_lines))]] or [0]
                    credit(invoice, world, lines=lines)
            except DomainError:
                pass
        # no return line on two live invoices; what is live adds up to every document issued
        counts = live_count()
        assert all(n == 1 for n in counts.values())
        by_period: dict[int, Decimal] = defaultdict(Decimal)
        for document in Invoice.objects.all():
            by_period[document.period_id] += document.net
            assert document.net == sum((x.amount for x in document.lines.all()), Decimal("0"))
        for period in ps:
            live = InvoiceLine.objects.filter(invoice__period=period, invoice__kind=InvoiceKind.INVOICE,
                                              credited_by__isnull=True)
            assert by_period[period.pk] == sum((x.amount for x in live), Decimal("0"))
        for invoice in Invoice.objects.filter(kind=InvoiceKind.INVOICE):
            credited = not invoice.lines.filter(credited_by__isnull=True).exists()
            assert (invoice.status == InvoiceStatus.CREDITED) == credited
        numbers = sorted(Invoice.objects.values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
        # and once every period is invoiced, every accepted return line is on exactly one
        for period in ps:
            with contextlib.suppress(DomainError):
                issue(contract, period, world)
        assert live_count() == Counter({pk: 1 for pk in ReturnLine.objects.values_list("pk", flat=True)})
        transaction.set_rollback(True)


# --- PostgreSQL: two coordinators at once ---------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_coordinators_issuing_at_once_get_consecutive_numbers(world):
    """Two coordinators issue invoices for several periods of two contracts at once: numbers
    1..n, no gap, no duplicate, and no period invoiced twice."""
    first = live_contract(world)
    CapacityDeclaration.objects.filter(coop__consortium=world.consortium).update(declared_volume=Decimal("1000"))
    second = live_contract(world)
    jobs_on = []
    for contract in (first, second):
        for period in periods(contract)[:4]:
            accepted_return(contract, world.coop_a, period, {(world.council, WEEKDAY): "10"})
            jobs_on.append((contract, period))
    other = f.UserFactory(username="coordinator-2", role=Role.COORDINATOR, consortium=world.consortium)
    users = [world.user("coordinator"), other]

    def job(contract, period, user):
        return lambda: services.invoice_issue(contract=contract, period=period, by=user, today=AFTER)

    jobs = [job(c, p, users[i % 2]) for i, (c, p) in enumerate(jobs_on)]
    jobs += [job(c, p, users[(i + 1) % 2]) for i, (c, p) in enumerate(jobs_on)]  # each twice
    results: list = []
    errors = run_together(jobs, results=results)

    assert all(isinstance(e, DomainError) and "Nothing to invoice" in str(e.message) for e in errors), errors
    assert len(results) == len(jobs_on) and len(errors) == len(jobs_on)
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(jobs_on) + 1))
    assert sorted(i.number for i in results) == numbers
    assert InvoiceSequence.objects.get(consortium=world.consortium).last_number == len(jobs_on)
    assert set(live_count().values()) == {1}
