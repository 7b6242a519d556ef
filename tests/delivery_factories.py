"""Test data for delivery's money that no service of the tests' own makes: members' bank
details. Invoices and credit notes come from the invoicing services
(``contracts.delivery.services.invoices``: ``invoice_issue``, ``credit_note_issue``); returns
from tests/builders.py (``accepted_return``).
"""

from __future__ import annotations

from members.models import BankAccount


def bank_account(coop, *, sort_code: str = "309634", account_number: str = "12345678",
                 account_name: str | None = None) -> BankAccount:
    return BankAccount.objects.update_or_create(coop=coop, defaults={
        "sort_code": sort_code, "account_number": account_number,
        "account_name": (account_name or coop.trading_name)[:18].upper()})[0]
