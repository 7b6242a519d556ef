"""The bank details page of a member co-op (``/members/<pk>/bank/``): the co-op's own users see
and set them; the consortium's coordinators see them masked (the last 4 digits) and may not
change them (403 on a change); anyone else: 404 (members/bank.py decides)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from consortium.errors import DomainError, require
from members import bank
from members.forms import BankAccountForm


@login_required
def member_bank(request, pk: int):
    user = request.user
    coop = bank.coop_get_for_bank(user, pk)
    may_set = bank.can_set_bank_details(user, coop)
    form = None
    if request.method == "POST":
        require(may_set, _("Only the co-op's own users can set its bank details."))
    if may_set:
        form = BankAccountForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                bank.bank_account_set(coop=coop, by=user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Your bank details were saved."))
                return redirect("member-bank", pk=coop.pk)
    return render(request, "members/bank.html", {
        "coop": coop, "form": form, "details": bank.bank_details_for(user, coop),
    })


urlpatterns = [
    path("members/<int:pk>/bank/", member_bank, name="member-bank"),
]
