"""A member co-op's bank details: the account the consortium's payment runs pay it into.

- Who: the co-op's own users set them and see them whole; the consortium's coordinators see
  them masked (the last 4 digits of the account number) and the bank file carries them; nobody
  else sees them at all (404 for the page).
- What: a UK sort code (6 digits; "30-96-34" or "30 96 34" typed are fine), an account number
  (8 digits) and the account name as the bank holds it: at most 18 characters, BACS's own
  (capital letters, digits, space, full stop, ampersand, slash and hyphen; small letters are
  taken as capitals). Every problem of the input is told at once, each beside its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from consortium.audit import save_audited as _save
from consortium.errors import DomainErrors, require
from consortium.models import User
from members.models import BankAccount, MemberCoop
from members.selectors import user_coop_id

BACS_NAME = re.compile(r"^[A-Z0-9 .&/-]+$")
NAME_MAX = 18


def is_own_coop(user: User | None, coop: MemberCoop) -> bool:
    return bool(user is not None and user.is_authenticated and user_coop_id(user) == coop.pk)


def can_see_bank_details(user: User | None, coop: MemberCoop) -> bool:
    """The co-op's own users, and its consortium's coordinators (masked)."""
    if is_own_coop(user, coop):
        return True
    return bool(user is not None and user.is_authenticated and user.is_coordinator
                and user.consortium_id == coop.consortium_id)


def can_set_bank_details(user: User | None, coop: MemberCoop) -> bool:
    """Only the co-op's own users: the account money is paid into is the co-op's to say."""
    return is_own_coop(user, coop)


def coop_get_for_bank(user: User, pk) -> MemberCoop:
    """The co-op whose bank details the user may see, or 404."""
    try:
        coop = MemberCoop.objects.get(pk=pk)
    except (MemberCoop.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_see_bank_details(user, coop):
        raise Http404
    return coop


@dataclass(frozen=True)
class BankDetails:
    account_name: str
    sort_code: str  # 30-96-34
    account_number: str  # whole, or masked: ****5678
    masked: bool


def mask(account_number: str) -> str:
    return "****" + account_number[-4:]


def bank_details_for(user: User, coop: MemberCoop) -> BankDetails | None:
    """The co-op's details as the user may see them (None: none recorded)."""
    account = BankAccount.objects.filter(coop=coop).first()
    if account is None:
        return None
    whole = is_own_coop(user, coop)
    sort_code = "-".join(account.sort_code[i:i + 2] for i in (0, 2, 4))
    return BankDetails(account_name=account.account_name,
                       sort_code=sort_code if whole else "**-**-" + account.sort_code[4:],
                       account_number=account.account_number if whole else mask(account.account_number),
                       masked=not whole)


def clean_bank_details(*, sort_code: Any, account_number: Any, account_name: Any) -> tuple[str, str, str]:
    """The details, cleaned; every problem at once (``DomainErrors``)."""
    problems: list[tuple[str, str]] = []
    code = re.sub(r"[\s-]", "", sort_code if isinstance(sort_code, str) else "")
    if not code:
        problems.append(("sort_code", _("Enter the sort code.")))
    elif not re.fullmatch(r"[0-9]{6}", code):
        problems.append(("sort_code", _("Enter a valid sort code, like 309634 or 30-96-34: six digits.")))
    number = re.sub(r"\s", "", account_number if isinstance(account_number, str) else "")
    if not number:
        problems.append(("account_number", _("Enter the account number.")))
    elif not re.fullmatch(r"[0-9]{8}", number):
        problems.append(("account_number", _("Enter a valid account number, like 00733445: eight digits.")))
    name = " ".join((account_name if isinstance(account_name, str) else "").split()).upper()
    if not name:
        problems.append(("account_name", _("Enter the account name.")))
    elif len(name) > NAME_MAX:
        problems.append(("account_name", _("The account name must be %(n)s characters or fewer.")
                         % {"n": NAME_MAX}))
    elif not BACS_NAME.match(name):
        problems.append(("account_name", _("The account name can only include letters, numbers, spaces, "
                                           "full stops, ampersands, slashes and hyphens.")))
    if problems:
        raise DomainErrors(problems)
    return code, number, name


def bank_account_set(*, coop: MemberCoop, sort_code: Any, account_number: Any, account_name: Any,
                     by: User | None) -> BankAccount:
    """Set (or replace) the co-op's bank details; refused (403) unless ``by`` is the co-op's."""
    require(can_set_bank_details(by, coop), _("Only the co-op's own users can set its bank details."))
    code, number, name = clean_bank_details(sort_code=sort_code, account_number=account_number,
                                            account_name=account_name)
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().filter(coop=coop).first() or BankAccount(coop=coop)
        account.sort_code, account.account_number, account.account_name = code, number, name
        _save(account, by)
    return account
