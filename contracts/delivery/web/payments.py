"""Web pages of council payments, payment runs, remittances and the ledgers.

- payments (``/payments/``): coordinators (their consortium's payments with the fee, and the
  invoices still due, to record a payment) and council reviewers (their council's payments and
  invoices, never a member's share or the fee); everyone else 403;
- recording a payment against an invoice (``/payments/invoices/<pk>/record/``): the
  consortium's coordinators and the council's reviewers; board members 403; an invoice the user
  may not see 404;
- a payment (``/payments/<pk>/``): as the list; coordinators see its remittances and fee;
- payment runs (``/payments/runs/``, a run, its bank file): coordinators only (others 403, a
  run of another consortium 404); a remittance advice (page or CSV): coordinators and the
  member's own users;
- remittances (``/payments/remittances/``): a member's own, the coordinators' every one;
- "What I am owed" (``/payments/owed/``, ``/payments/owed/<coop>/``): the member's own users
  and the coordinators; the consortium ledger (``/payments/ledger/``): coordinators, board
  members (totals only); councils see none of it (404).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.errors import DomainError, require
from contracts.delivery.forms import PaymentForm, PaymentRunForm
from contracts.delivery.selectors import ledger as ledger_selectors
from contracts.delivery.selectors import payments as selectors
from contracts.delivery.services import payments as services
from contracts.models import InvoiceStatus, PaymentRunStatus
from members.selectors import user_coop_id

PAGE_SIZE = 50
DUE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.QUERIED, InvoiceStatus.ACCEPTED, InvoiceStatus.PART_PAID)


def _csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


# --- council payments -----------------------------------------------------------------------------

@login_required
def payment_list(request):
    user = request.user
    require(selectors.can_see_payments(user))
    page = Paginator(selectors.payments_visible_to(user).order_by("-paid_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    due = []
    invoices = selectors.invoices_payable_by(user).filter(status__in=DUE_STATUSES).order_by("number")
    for invoice in invoices[:200]:
        left = selectors.still_due(invoice)
        if left > 0:
            due.append((invoice, left))
    return render(request, "contracts/payments/list.html", {
        "page_obj": page, "due": due, "shows_shares": selectors.shows_shares(user),
    })


@login_required
def payment_record(request, pk: int):
    user = request.user
    invoice = selectors.invoice_get_for_payment(user, pk, for_write=True)
    form = PaymentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_record(invoice=invoice, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if payment.already_recorded:
                messages.info(request, _("This payment was already recorded: nothing more was recorded."))
            else:
                messages.success(request, _("The payment of %(amount)s was recorded.")
                                 % {"amount": formatting.money(payment.amount)})
            return redirect("payment-detail", pk=payment.pk)
    due = selectors.still_due(invoice)
    return render(request, "contracts/payments/record.html", {"invoice": invoice, "form": form, "due": due})


@login_required
def payment_detail(request, pk: int):
    user = request.user
    payment = selectors.payment_get_for_user(user, pk)
    shows = selectors.shows_shares(user)
    remittances = (payment.remittances.select_related("coop", "return_line__delivery_return__period", "run")
                   .order_by("coop__legal_name", "return_line_id", "pk")) if shows else []
    return render(request, "contracts/payments/detail.html", {
        "payment": payment, "shows_shares": shows, "remittances": remittances,
    })


# --- payment runs ---------------------------------------------------------------------------------

@login_required
def payment_run_list(request):
    user = request.user
    require(selectors.can_run_payments(user))
    form = PaymentRunForm(request.POST if request.method == "POST" else None,
                          initial={"pay_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.payment_run_start(consortium=user.consortium, pay_on=form.cleaned_data["pay_on"],
                                             by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The payment run has started."))
            return redirect("payment-run-detail", pk=run.pk)
    page = Paginator(selectors.runs_visible_to(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/payments/runs.html", {
        "form": form, "page_obj": page, "waiting": selectors.waiting_for_a_run(user.consortium_id),
    })


@login_required
def payment_run_detail(request, pk: int):
    user = request.user
    require(selectors.can_run_payments(user))
    run = selectors.run_get_for_user(user, pk)
    live = run.status in services.LIVE_RUN_STATUSES
    context = {"run": run, "live": live}
    if request.headers.get("HX-Request") and request.GET.get("fragment") == "status":
        response = render(request, "contracts/payments/_run_status.html", context)
        if not live:
            response["HX-Refresh"] = "true"
        return response
    done = run.status == PaymentRunStatus.DONE
    context.update({
        "rows": selectors.bank_rows(run) if done else [],
        "waiting": [w for w in selectors.waiting_for_a_run(user.consortium_id) if not w.has_bank_account],
    })
    return render(request, "contracts/payments/run.html", context)


@login_required
def payment_run_bank_file(request, pk: int):
    """The UK bulk payment CSV of a finished run: sort code, account number, account name,
    amount, reference (at most 18 characters)."""
    user = request.user
    require(selectors.can_run_payments(user))
    run = selectors.run_get_for_user(user, pk)
    if run.status != PaymentRunStatus.DONE:
        raise Http404
    response, writer = _csv_response(f"payment-run-{run.pk}.csv")
    writer.writerow(["sort_code", "account_number", "account_name", "amount", "reference"])
    for row in selectors.bank_rows(run):
        writer.writerow([row.sort_code, row.account_number, row.account_name, f"{row.amount:.2f}",
                         row.reference])
    return response


ADVICE_COLUMNS = ("period_from", "period_to", "return_seal", "time_band", "hours", "net_rate", "amount",
                  "invoice", "council_payment")


def _advice_rows(remittances):
    for r in remittances:
        period = r.return_line.delivery_return.period
        yield (period.start.isoformat(), period.end.isoformat(), r.return_seal, r.return_line.time_band,
               f"{r.quantity:.2f}", f"{r.net_rate:.2f}", f"{r.amount:.2f}", str(r.payment.invoice),
               r.payment.reference)


@login_required
def remittance_advice(request, pk: int, coop: int):
    run, member, remittances = selectors.advice_get_for_user(request.user, pk, coop)
    total = sum(r.amount for r in remittances)
    return render(request, "contracts/payments/advice.html", {
        "run": run, "coop": member, "remittances": remittances, "total": total,
        "reference": selectors.run_reference(run, member.pk),
    })


@login_required
def remittance_advice_csv(request, pk: int, coop: int):
    run, member, remittances = selectors.advice_get_for_user(request.user, pk, coop)
    response, writer = _csv_response(f"remittance-advice-{run.pk}-{member.pk}.csv")
    writer.writerow(ADVICE_COLUMNS)
    writer.writerows(_advice_rows(remittances))
    return response


@login_required
def remittance_list(request):
    user = request.user
    require(selectors.can_see_remittances(user))
    qs = selectors.remittances_visible_to(user).order_by("-payment__paid_on", "coop__legal_name", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/payments/remittances.html", {
        "page_obj": page, "own_coop": user_coop_id(user),
    })


# --- ledgers --------------------------------------------------------------------------------------

@login_required
def owed_mine(request):
    coop_id = user_coop_id(request.user)
    if coop_id is None:
        if request.user.is_council_reviewer:
            raise Http404
        require(False, _("This page is for member co-ops."))
    return owed(request, coop_id)


@login_required
def owed(request, coop: int):
    member = ledger_selectors.coop_get_for_ledger(request.user, coop)
    return render(request, "contracts/payments/owed.html", {
        "ledger": ledger_selectors.member_ledger(member), "coop": member,
        "own": user_coop_id(request.user) == member.pk,
    })


@login_required
def consortium_ledger(request):
    user = request.user
    if user.is_council_reviewer:
        raise Http404
    require(ledger_selectors.sees_consortium_ledger(user))
    ledger = ledger_selectors.consortium_ledger(user)
    top = max([p.received for p in ledger.points] or [0]) or 1
    bars = [{"point": p, "paid": 100 * p.paid_to_members / top, "fee": 100 * p.fee / top,
             "held": 100 * p.held / top} for p in ledger.points]
    return render(request, "contracts/payments/ledger.html", {"ledger": ledger, "bars": bars})


urlpatterns = [
    path("payments/", payment_list, name="payment-list"),
    path("payments/<int:pk>/", payment_detail, name="payment-detail"),
    path("payments/invoices/<int:pk>/record/", payment_record, name="payment-record"),
    path("payments/runs/", payment_run_list, name="payment-run-list"),
    path("payments/runs/<int:pk>/", payment_run_detail, name="payment-run-detail"),
    path("payments/runs/<int:pk>/bank-file.csv", payment_run_bank_file, name="payment-run-bank-file"),
    path("payments/runs/<int:pk>/advice/<int:coop>/", remittance_advice, name="remittance-advice"),
    path("payments/runs/<int:pk>/advice/<int:coop>.csv", remittance_advice_csv, name="remittance-advice-csv"),
    path("payments/remittances/", remittance_list, name="remittance-list"),
    path("payments/owed/", owed_mine, name="owed-mine"),
    path("payments/owed/<int:coop>/", owed, name="owed"),
    path("payments/ledger/", consortium_ledger, name="consortium-ledger"),
]
