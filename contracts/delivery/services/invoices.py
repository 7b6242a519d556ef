"""One invoice to the council per contract and billing period, credit notes, and the council's
side of them (accept, query; the consortium answers).

- ``invoice_issue``: the accepted returns' lines of the period not yet on a live invoice line,
  grouped by time band and rate: an adjustment line (``adjusts`` set) is priced at the rates of
  the period it corrects, every other line at the rates in force on the period's first day
  (``contracts.delivery.selectors.rates``). Quantities are summed, each line's amount is
  quantity x rate to the penny (half up), and each invoice line links the return lines behind
  it (the consortium's proof, never shown to the council).
- VAT: ``INVOICE_VAT_EXEMPT`` (social care by a registered provider: exempt, VAT 0, and the
  invoice says so) or ``INVOICE_VAT_RATE_PERCENT`` of the net, to the penny. Due
  ``INVOICE_PAYMENT_TERMS_DAYS`` after issue.
- Numbers: one gapless sequence per consortium shared by invoices and credit notes, taken
  under the ``InvoiceSequence`` row's lock inside the issuing transaction (a refused or failed
  issue takes no number).
- ``credit_note_issue``: reverses the whole invoice or some of its lines, each line once
  (negative quantities and amounts at the invoice's rates and VAT). A fully credited invoice is
  CREDITED, and its return lines can be invoiced again. Nothing issued is ever edited.
- Statuses move only through ``invoice_status_move`` (INVOICE_TRANSITIONS), under the invoice's row lock.

Lock order (every writer here): the contract's row, then the invoice's, then the consortium's
invoice sequence. Issuing for one contract is serialised by the contract's lock, so one
period's returns cannot go on two invoices at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_reason
from consortium.errors import Conflict, DomainError, require
from consortium.models import TimeBand, User
from contracts.delivery.selectors.invoices import (
    can_answer_queries,
    can_issue_invoices,
    can_review_invoice,
    live_invoice_lines,
    uninvoiced_return_lines,
)
from contracts.delivery.selectors.rates import rates_in_force
from contracts.labels import label
from contracts.models import (
    INVOICE_TRANSITIONS,
    BillingPeriod,
    Contract,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceQuery,
    InvoiceSequence,
    InvoiceStatus,
    ReturnLine,
)

PENNY = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def vat_terms() -> tuple[bool, Decimal]:
    """(exempt, rate %) from the settings; an exempt invoice charges 0%."""
    if settings.INVOICE_VAT_EXEMPT:
        return True, ZERO
    try:
        rate = Decimal(str(settings.INVOICE_VAT_RATE_PERCENT)).quantize(PENNY)
    except InvalidOperation:
        raise DomainError(_("The VAT rate setting is not a number."), code="not_ready") from None
    if not ZERO <= rate <= HUNDRED:
        raise DomainError(_("The VAT rate setting must be a percentage from 0 to 100."), code="not_ready")
    return False, rate


def _band_label(band: str) -> str:
    return str(TimeBand(band).label).lower() if band in TimeBand.values else band


# --- locks and the number ------------------------------------------------------------------------

def _lock_contract(contract: Contract) -> Contract:
    # Race: two coordinators issuing for one contract's period at once would both read its
    # returns as not invoiced: they queue here.
    return Contract.objects.select_for_update(of=("self",)).get(pk=contract.pk)


def lock_invoice(invoice: Invoice) -> Invoice:
    """The invoice read again under its row lock (held to the end of the caller's transaction)."""
    return (Invoice.objects.select_for_update(of=("self",))
            .select_related("contract", "period").get(pk=invoice.pk))


def _next_number(consortium_id: int) -> int:
    """The consortium's next invoice or credit note number, under its sequence row's lock (held
    to the end of the issuing transaction: numbers come out in order, with no gap)."""
    InvoiceSequence.objects.get_or_create(consortium_id=consortium_id)  # safe: unique, retried inside
    sequence = InvoiceSequence.objects.select_for_update().get(consortium_id=consortium_id)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def invoice_status_move(*, invoice: Invoice, to: str, by: User | None, reason: str = "") -> None:
    """Move the status of an invoice the caller holds locked (``lock_invoice``) as
    INVOICE_TRANSITIONS allows, with its audit row; already there: nothing happens. The one
    way an invoice's status changes (payments move it to part paid or paid through it too)."""
    if invoice.status == to:
        return
    if to not in INVOICE_TRANSITIONS[invoice.status]:
        raise Conflict(_("An invoice that is %(status)s cannot become %(to)s.")
                       % {"status": label(InvoiceStatus, invoice.status), "to": label(InvoiceStatus, to)},
                       code="transition")
    invoice.status = to
    _save(invoice, by, reason=reason, update_fields=["status"])


# --- issuing an invoice ---------------------------------------------------------------------------

def _priced_groups(contract: Contract, period: BillingPeriod, lines: list[ReturnLine]
                   ) -> dict[tuple[str, Decimal], list[ReturnLine]]:
    """Return lines by (time band, rate): an adjustment at the rates of the period it corrects."""
    rates_on: dict[dt.date, dict[str, Decimal]] = {}
    groups: dict[tuple[str, Decimal], list[ReturnLine]] = defaultdict(list)
    for line in lines:
        day = line.adjusts.start if line.adjusts_id else period.start
        if day not in rates_on:
            rates_on[day] = rates_in_force(contract, day)
        rate = rates_on[day].get(line.time_band)
        if rate is None:
            raise DomainError(_("The contract has no %(band)s rate on %(day)s: the returns cannot be "
                                "invoiced.") % {"band": _band_label(line.time_band),
                                                "day": formatting.day(day)},
                              code="not_ready")
        groups[(line.time_band, money(rate))].append(line)
    return groups


@transaction.atomic
def invoice_issue(*, contract: Contract, period: BillingPeriod, by: User,
                  today: dt.date | None = None) -> Invoice:
    """The consortium's invoice to the council for one ended billing period of the contract:
    every accepted return line of the period on no live invoice yet (the consortium's
    coordinators). Refused when there is nothing to invoice, the period has not ended, or the
    lines come to less than nothing (a credit note is for that)."""
    require(can_issue_invoices(by, contract), _("Only the consortium's coordinators can do this."))
    contract = _lock_contract(contract)
    if period.contract_id != contract.pk:
        raise DomainError(_("Choose a billing period of this contract."), field="period")
    today = today or timezone.localdate()
    if period.end >= today:
        raise Conflict(_("The period runs to %(end)s: invoice it once it has ended.")
                       % {"end": formatting.day(period.end)}, code="transition")
    lines = list(uninvoiced_return_lines(contract).filter(delivery_return__period=period)
                 .select_related("adjusts").order_by("pk"))
    if not lines:
        raise Conflict(_("Nothing to invoice for %(period)s: no accepted return line of the period is "
                         "left to invoice.") % {"period": str(period)}, code="transition")
    groups = _priced_groups(contract, period, lines)
    priced = []
    for (band, rate), members in sorted(groups.items()):
        quantity = money(sum((x.quantity for x in members), ZERO))
        priced.append((band, rate, quantity, money(quantity * rate), members))
    net = sum((amount for _band, _rate, _quantity, amount, _members in priced), ZERO)
    if net < 0:
        raise Conflict(_("These lines come to %(net)s, less than nothing: issue a credit note against "
                         "the invoice they correct instead.") % {"net": formatting.money(net)},
                       code="transition")
    exempt, rate_percent = vat_terms()
    vat = money(ZERO if exempt else net * rate_percent / HUNDRED)
    invoice = Invoice(
        consortium_id=contract.consortium_id, contract=contract, period=period, kind=InvoiceKind.INVOICE,
        number=_next_number(contract.consortium_id), status=InvoiceStatus.ISSUED, issued_on=today,
        due_on=today + dt.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS), net=net,
        vat_rate_percent=rate_percent, vat_exempt=exempt, vat=vat, total=net + vat, issued_by=by,
    )
    _save(invoice, by)
    for band, rate, quantity, amount, members in priced:
        line = InvoiceLine.objects.create(invoice=invoice, time_band=band, quantity=quantity, rate=rate,
                                          amount=amount)
        line.return_lines.set(members)
    return invoice


# --- credit notes ----------------------------------------------------------------------------------

def _lines_to_credit(invoice: Invoice, lines: Iterable | None) -> list[InvoiceLine]:
    open_lines = {line.pk: line for line in live_invoice_lines(invoice).order_by("time_band", "rate", "pk")}
    if lines is None:
        chosen = list(open_lines.values())
        if not chosen:
            raise Conflict(_("Every line of this invoice is already credited."), code="transition")
        return chosen
    wanted = []
    for item in lines:
        pk = item.pk if isinstance(item, InvoiceLine) else item
        try:
            wanted.append(int(pk))
        except (TypeError, ValueError):
            raise DomainError(_("Choose lines of this invoice."), field="lines") from None
    if not wanted:
        raise DomainError(_("Choose at least one line to credit."), field="lines")
    all_lines = set(InvoiceLine.objects.filter(invoice=invoice).values_list("pk", flat=True))
    if any(pk not in all_lines for pk in wanted):
        raise DomainError(_("Choose lines of this invoice."), field="lines")
    if any(pk not in open_lines for pk in wanted):
        raise Conflict(_("A line you chose is already credited: a line is credited once."),
                       code="transition", field="lines")
    return [open_lines[pk] for pk in sorted(set(wanted), key=list(open_lines).index)]


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, lines: Iterable | None = None, reason: str, by: User,
                      today: dt.date | None = None) -> Invoice:
    """A credit note reversing the whole invoice (``lines`` None) or the chosen lines of it, each
    never more than once (the consortium's coordinators, with a reason). The invoice fully
    credited becomes CREDITED, and the returns behind it can be invoiced again."""
    require(can_issue_invoices(by, invoice.contract), _("Only the consortium's coordinators can do this."))
    _lock_contract(invoice.contract)
    invoice = lock_invoice(invoice)
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict(_("A credit note cannot itself be credited."), code="transition")
    if InvoiceStatus.CREDITED not in INVOICE_TRANSITIONS[invoice.status]:
        raise Conflict(_("An invoice that is %(status)s cannot be credited.")
                       % {"status": label(InvoiceStatus, invoice.status)}, code="transition")
    reason = clean_reason(reason, missing=_("Say why the invoice is credited."))
    chosen = _lines_to_credit(invoice, lines)
    remaining = live_invoice_lines(invoice).count()
    whole = len(chosen) == remaining
    net = -sum((line.amount for line in chosen), ZERO)
    if invoice.vat_exempt:
        vat = money(ZERO)
    elif whole:  # the last lines take the VAT not yet reversed, so the whole is reversed exactly
        vat = -(invoice.vat + sum((note.vat for note in Invoice.objects.filter(credits=invoice)), ZERO))
    else:
        vat = money(net * invoice.vat_rate_percent / HUNDRED)
    today = today or timezone.localdate()
    note = Invoice(
        consortium_id=invoice.consortium_id, contract_id=invoice.contract_id, period_id=invoice.period_id,
        kind=InvoiceKind.CREDIT_NOTE, credits=invoice, number=_next_number(invoice.consortium_id),
        status=InvoiceStatus.ISSUED, issued_on=today, due_on=today, net=net,
        vat_rate_percent=invoice.vat_rate_percent, vat_exempt=invoice.vat_exempt, vat=vat, total=net + vat,
        reason=reason, issued_by=by,
    )
    _save(note, by, reason=reason)
    for line in chosen:
        credit = InvoiceLine.objects.create(invoice=note, time_band=line.time_band, quantity=-line.quantity,
                                            rate=line.rate, amount=-line.amount, credits=line)
        credit.return_lines.set(line.return_lines.all())
    if whole:
        invoice_status_move(invoice=invoice, to=InvoiceStatus.CREDITED, by=by, reason=reason)
    return note


# --- the council's side ---------------------------------------------------------------------------

def _require_reviewer(by: User | None, invoice: Invoice) -> None:
    require(can_review_invoice(by, invoice), _("Only the council's reviewers can do this."))


@transaction.atomic
def invoice_accept(*, invoice: Invoice, by: User) -> Invoice:
    """The council accepts the invoice (its reviewers); already accepted: nothing happens."""
    _require_reviewer(by, invoice)
    invoice = lock_invoice(invoice)
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict(_("A credit note needs no acceptance."), code="transition")
    if invoice.status == InvoiceStatus.ACCEPTED:
        return invoice
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.QUERIED):
        raise Conflict(_("An invoice that is %(status)s cannot be accepted.")
                       % {"status": label(InvoiceStatus, invoice.status)}, code="transition")
    invoice_status_move(invoice=invoice, to=InvoiceStatus.ACCEPTED, by=by)
    return invoice


@transaction.atomic
def invoice_query(*, invoice: Invoice, line: InvoiceLine | None = None, reason: str, by: User
                  ) -> InvoiceQuery:
    """The council queries the invoice, or one of its lines, with a reason (its reviewers): the
    invoice is QUERIED until the consortium has answered every query."""
    _require_reviewer(by, invoice)
    invoice = lock_invoice(invoice)
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict(_("Query the invoice, not its credit note."), code="transition")
    if line is not None and line.invoice_id != invoice.pk:
        raise DomainError(_("Choose a line of this invoice."), field="line")
    reason = clean_reason(reason, missing=_("Say what the question is about."))
    queryable = InvoiceStatus.QUERIED in INVOICE_TRANSITIONS[invoice.status]
    if invoice.status != InvoiceStatus.QUERIED and not queryable:
        raise Conflict(_("An invoice that is %(status)s cannot be queried.")
                       % {"status": label(InvoiceStatus, invoice.status)}, code="transition")
    query = InvoiceQuery.objects.create(invoice=invoice, line=line, reason=reason, raised_by=by)
    invoice_status_move(invoice=invoice, to=InvoiceStatus.QUERIED, by=by, reason=reason)
    return query


@transaction.atomic
def invoice_query_answer(*, query: InvoiceQuery, answer: str, by: User) -> InvoiceQuery:
    """The consortium answers the council's query (its coordinators); once every query of the
    invoice is answered, a queried invoice is ISSUED again."""
    invoice = Invoice.objects.select_related("contract").get(pk=query.invoice_id)
    require(can_answer_queries(by, invoice), _("Only the consortium's coordinators can do this."))
    invoice = lock_invoice(invoice)
    query = InvoiceQuery.objects.select_for_update().get(pk=query.pk)
    if query.answer:
        raise Conflict(_("This query is already answered."), code="transition")
    answer = clean_reason(answer, missing=_("Give the answer."), field="answer")
    query.answer, query.answered_by, query.answered_at = answer, by, timezone.now()
    query.save(update_fields=["answer", "answered_by", "answered_at"])
    still_open = InvoiceQuery.objects.filter(invoice=invoice, answer="").exists()
    if not still_open and invoice.status == InvoiceStatus.QUERIED:
        invoice_status_move(invoice=invoice, to=InvoiceStatus.ISSUED, by=by, reason=answer)
    return query
