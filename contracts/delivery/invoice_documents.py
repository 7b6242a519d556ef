"""An invoice (or credit note) as the council receives it: a PDF (WeasyPrint, from an HTML
template) in English or Welsh, and a CSV with one row per line.

Both are the council's document, whoever downloads it: the consortium, the contract (reference
and lot), the council, the period, lines by time band (quantity, the contract's rate, amount),
net, VAT or the exemption statement, total and due date. Never a member's name, return line,
net rate or the consortium's fee.

Rendering is inline: a one-page invoice (a few time bands) takes about 0.4 s with WeasyPrint,
under the 1 s that would call for a background job.
"""

from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy
from weasyprint import HTML

from contracts.delivery.selectors.invoices import invoice_lines
from contracts.models import Invoice, InvoiceKind

VAT_EXEMPTION = gettext_lazy("Exempt: welfare services supplied by a registered provider (VAT Act 1994, "
                             "Schedule 9, Group 7)")
LANGUAGES = ("en", "cy")


def document_language(language: str | None) -> str:
    """English or Welsh: the reader's language, English for anything else."""
    code = (language or "en").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def invoice_number(invoice: Invoice) -> str:
    return str(invoice)


def file_name(invoice: Invoice, extension: str) -> str:
    kind = "credit-note" if invoice.kind == InvoiceKind.CREDIT_NOTE else "invoice"
    return f"{kind}-{invoice.consortium_id}-{invoice_number(invoice)}.{extension}"


def _context(invoice: Invoice) -> dict:
    return {
        "invoice": invoice, "number": invoice_number(invoice), "lines": invoice_lines(invoice),
        "contract": invoice.contract, "lot": invoice.contract.lot, "council": invoice.contract.council,
        "consortium": invoice.consortium, "period": invoice.period,
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE, "vat_exemption": VAT_EXEMPTION,
    }


def invoice_html(invoice: Invoice, language: str | None) -> str:
    """The invoice's document as HTML, in ``language`` (what the PDF is made from)."""
    language = document_language(language)
    with translation.override(language):
        return render_to_string("contracts/invoices/document.html",
                                {**_context(invoice), "LANGUAGE_CODE": language})


def invoice_pdf(invoice: Invoice, language: str | None) -> bytes:
    return HTML(string=invoice_html(invoice, language)).write_pdf()


def _safe(text: str) -> str:
    """A text cell a spreadsheet would not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def invoice_csv(invoice: Invoice, language: str | None) -> str:
    """One row per line, with the invoice's own figures repeated on each (headings in English,
    stable for imports; the time band's name and the VAT statement in the reader's language)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "kind", "credits", "issued_on", "due_on", "consortium", "council",
                     "contract", "lot", "period_from", "period_to", "time_band", "time_band_name",
                     "quantity", "rate", "amount", "invoice_net", "vat_rate_percent", "invoice_vat",
                     "invoice_total", "vat_statement"])
    with translation.override(document_language(language)):
        statement = str(VAT_EXEMPTION) if invoice.vat_exempt else ""
        for line in invoice_lines(invoice):
            writer.writerow([
                invoice_number(invoice), invoice.kind,
                invoice_number(invoice.credits) if invoice.credits_id else "",
                invoice.issued_on.isoformat(), invoice.due_on.isoformat(), _safe(invoice.consortium.name),
                _safe(str(invoice.contract.council)), _safe(invoice.contract.lot.tender.reference),
                invoice.contract.lot.number, invoice.period.start.isoformat(), invoice.period.end.isoformat(),
                line.time_band, _safe(str(line.get_time_band_display())), f"{line.quantity:.2f}",
                f"{line.rate:.2f}", f"{line.amount:.2f}", f"{invoice.net:.2f}",
                f"{invoice.vat_rate_percent:.2f}", f"{invoice.vat:.2f}", f"{invoice.total:.2f}", statement,
            ])
    return out.getvalue()
