"""Web pages of invoices to councils and credit notes.

- "Invoices" (``/invoices/``): coordinators and board members (their consortium's), council
  reviewers (their council's); member users 403;
- a contract's invoicing (``/contracts/<pk>/invoices/``): its invoices, and for its coordinators
  the periods ready to invoice (accepted returns not yet invoiced) with an "Issue invoice"
  button (``.../issue/``, POST);
- an invoice (``/invoices/<pk>/``) with its PDF (in the reader's language) and CSV: lines by
  time band; the consortium also sees the members' return lines behind each line, the council
  never does. Coordinators issue credit notes (``credit/``) and answer queries; the council's
  reviewers accept it (``accept/``, POST) or query it or a line (``query/``).
Anyone who may not see the invoice: 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.web import error_summary, problems_of
from contracts.delivery import invoice_documents as documents
from contracts.delivery.forms import CreditNoteForm, InvoiceAnswerForm, InvoiceIssueForm, InvoiceQueryForm
from contracts.delivery.selectors import contracts as contract_selectors
from contracts.delivery.selectors import invoices as selectors
from contracts.delivery.services import invoices as services
from contracts.models import BillingPeriod, InvoiceStatus

PAGE_SIZE = 50


# --- lists ----------------------------------------------------------------------------------------

@login_required
def invoice_list(request):
    user = request.user
    require(selectors.can_see_invoices(user))
    qs = selectors.invoices_visible_to(user).order_by("-issued_on", "-number")
    status = request.GET.get("status", "")
    if status in InvoiceStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/invoices/list.html", {
        "page_obj": page, "statuses": InvoiceStatus.choices, "status": status,
        "seen_as": selectors.invoice_viewer(user),
    })


def _contract_for_invoices(user, pk):
    require(selectors.can_see_invoices(user))
    return contract_selectors.contract_get_for_user(user, pk)


@login_required
def contract_invoices(request, pk: int, *, form=None, errors=None):
    user = request.user
    contract = _contract_for_invoices(user, pk)
    can_issue = selectors.can_issue_invoices(user, contract)
    today = timezone.localdate()
    ready = selectors.periods_ready(contract, today=today) if can_issue else []
    if can_issue and form is None:
        form = InvoiceIssueForm(periods=[r.period for r in ready if r.ended], prefix="issue")
    invoices = selectors.invoices_visible_to(user).filter(contract=contract).order_by("-number")
    return render(request, "contracts/invoices/contract.html", {
        "contract": contract, "ready": ready, "form": form if can_issue else None, "errors": errors or [],
        "invoices": list(invoices), "can_issue": can_issue, "seen_as": selectors.invoice_viewer(user),
    })


@require_POST
@login_required
def invoice_issue(request, pk: int):
    user = request.user
    contract = _contract_for_invoices(user, pk)
    require(selectors.can_issue_invoices(user, contract),
            _("Only the consortium's coordinators can do this."))
    ready = selectors.periods_ready(contract, today=timezone.localdate())
    form = InvoiceIssueForm(request.POST, periods=[r.period for r in ready if r.ended], prefix="issue")
    if form.is_valid():
        period = BillingPeriod.objects.get(pk=form.cleaned_data["period"], contract=contract)
        try:
            invoice = services.invoice_issue(contract=contract, period=period, by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Invoice %(number)s issued to %(council)s.")
                             % {"number": documents.invoice_number(invoice), "council": contract.council})
            return redirect("invoice-detail", pk=invoice.pk)
    return contract_invoices(request, pk, form=form)


# --- one invoice ----------------------------------------------------------------------------------

def _detail_context(request, invoice, **extra) -> dict:
    view = selectors.invoice_view(request.user, invoice)
    forms = dict(extra.pop("answer_forms", {}))
    if view.can_issue:
        for q in view.open_queries:
            forms.setdefault(q.pk, InvoiceAnswerForm(prefix=f"answer-{q.pk}"))
    context = {"invoice": invoice, "view": view, "number": documents.invoice_number(invoice),
               "vat_exemption": documents.VAT_EXEMPTION, "errors": [],
               "query_rows": [(q, forms.get(q.pk) if not q.answer else None) for q in view.queries]}
    context.update(extra)
    return context


@login_required
def invoice_detail(request, pk: int):
    invoice = selectors.invoice_get_for_user(request.user, pk)
    return render(request, "contracts/invoices/detail.html", _detail_context(request, invoice))


@login_required
def invoice_pdf(request, pk: int):
    invoice = selectors.invoice_get_for_user(request.user, pk)
    response = HttpResponse(documents.invoice_pdf(invoice, get_language()), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{documents.file_name(invoice, "pdf")}"'
    return response


@login_required
def invoice_csv(request, pk: int):
    invoice = selectors.invoice_get_for_user(request.user, pk)
    response = HttpResponse(documents.invoice_csv(invoice, get_language()),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{documents.file_name(invoice, "csv")}"'
    return response


@login_required
def invoice_credit(request, pk: int):
    user = request.user
    invoice = selectors.invoice_get_for_user(user, pk, for_write=True)
    view = selectors.invoice_view(user, invoice)
    form = CreditNoteForm(request.POST if request.method == "POST" else None, lines=view.creditable_lines)
    if request.method == "POST" and form.is_valid():
        chosen = [int(pk) for pk in form.cleaned_data["lines"]]
        whole = len(chosen) == len(view.creditable_lines)
        try:
            note = services.credit_note_issue(invoice=invoice, lines=None if whole else chosen,
                                              reason=form.cleaned_data["reason"], by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Credit note %(number)s issued.")
                             % {"number": documents.invoice_number(note)})
            return redirect("invoice-detail", pk=note.pk)
    return render(request, "contracts/invoices/credit.html", {
        "invoice": invoice, "view": view, "form": form, "number": documents.invoice_number(invoice)})


@require_POST
@login_required
def invoice_accept(request, pk: int):
    user = request.user
    invoice = selectors.invoice_get_for_user(user, pk)
    require(selectors.can_review_invoice(user, invoice), _("Only the council's reviewers can do this."))
    try:
        services.invoice_accept(invoice=invoice, by=user)
    except DomainError as error:
        errors = error_summary(problems_of(error))
        return render(request, "contracts/invoices/detail.html",
                      _detail_context(request, invoice, errors=errors), status=409)
    messages.success(request, _("You accepted invoice %(number)s.")
                     % {"number": documents.invoice_number(invoice)})
    return redirect("invoice-detail", pk=pk)


@login_required
def invoice_query(request, pk: int):
    user = request.user
    invoice = selectors.invoice_get_for_user(user, pk)
    require(selectors.can_review_invoice(user, invoice), _("Only the council's reviewers can do this."))
    view = selectors.invoice_view(user, invoice)
    form = InvoiceQueryForm(request.POST if request.method == "POST" else None, lines=view.lines,
                            initial={"line": request.GET.get("line", "")})
    if request.method == "POST" and form.is_valid():
        line = next((x for x in view.lines if str(x.pk) == form.cleaned_data["line"]), None)
        try:
            services.invoice_query(invoice=invoice, line=line, reason=form.cleaned_data["reason"], by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your query is sent to the consortium."))
            return redirect("invoice-detail", pk=pk)
    return render(request, "contracts/invoices/query.html", {
        "invoice": invoice, "view": view, "form": form, "number": documents.invoice_number(invoice)})


@require_POST
@login_required
def invoice_query_answer(request, pk: int):
    user = request.user
    query = selectors.invoice_query_get_for_user(user, pk)
    invoice = selectors.invoice_get_for_user(user, query.invoice_id)
    require(selectors.can_answer_queries(user, invoice), _("Only the consortium's coordinators can do this."))
    form = InvoiceAnswerForm(request.POST, prefix=f"answer-{query.pk}")
    errors = []
    if form.is_valid():
        try:
            services.invoice_query_answer(query=query, answer=form.cleaned_data["answer"], by=user)
        except DomainError as error:  # answered meanwhile: the answer is on the page now
            errors = error_summary(problems_of(error))
        else:
            messages.success(request, _("Your answer is sent to the council."))
            return redirect("invoice-detail", pk=invoice.pk)
    return render(request, "contracts/invoices/detail.html",
                  _detail_context(request, invoice, answer_forms={query.pk: form}, errors=errors))


urlpatterns = [
    path("invoices/", invoice_list, name="invoice-list"),
    path("invoices/<int:pk>/", invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/pdf/", invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:pk>/csv/", invoice_csv, name="invoice-csv"),
    path("invoices/<int:pk>/credit/", invoice_credit, name="invoice-credit"),
    path("invoices/<int:pk>/accept/", invoice_accept, name="invoice-accept"),
    path("invoices/<int:pk>/query/", invoice_query, name="invoice-query"),
    path("invoices/queries/<int:pk>/answer/", invoice_query_answer, name="invoice-query-answer"),
    path("contracts/<int:pk>/invoices/", contract_invoices, name="contract-invoices"),
    path("contracts/<int:pk>/invoices/issue/", invoice_issue, name="invoice-issue"),
]
