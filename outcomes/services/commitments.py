"""Writes of tracked social value commitments.

- ``commitments_track``: each social value commitment of the winning joint bid carried onto its
  contract (once: calling it again tracks only what is not tracked yet). Called when an award's
  contract is made (``outcomes.receivers``), by the coordinator's button for a contract made
  before, and by the demo.
- ``commitment_answerable_set``: the coordinator names the member answerable for a commitment (a
  member with a sub-contract on the contract), or leaves it with the consortium.
- ``progress_record``: what was done in one quarter of the financial year, from the contract's
  start to the current quarter: a number in the commitment's unit, a short account, optionally a
  document (PDF, image or office file, up to 10 MB, checked by its first bytes as well as its
  name). A second record for a quarter replaces the first (the history keeps it); a record
  without a new document keeps the one given before.

Race: two writers of one commitment's quarter would both find no record and both insert; the
commitment's row lock makes them take turns (the second replaces the first). Tracking locks the
contract's row likewise.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal
from consortium.errors import DomainError, DomainErrors, require
from consortium.models import User
from contracts.models import Contract, SocialValueCommitment, SubContract
from members.models import MemberCoop
from outcomes.models import CommitmentProgress, TrackedCommitment
from outcomes.selectors import commitments as selectors

MAX_DONE = Decimal("9999999999.99")
MAX_ACCOUNT = 2000
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PENNY = Decimal("0.01")

# What an evidence document may be: its name's ending, and how such a file begins.
PDF, PNG, JPEG = (b"%PDF-",), (b"\x89PNG\r\n\x1a\n",), (b"\xff\xd8\xff",)
ZIP = (b"PK\x03\x04",)  # Office Open XML and OpenDocument files are zip archives
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # older Word, Excel and PowerPoint files
DOCUMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
    ".docx": ZIP, ".xlsx": ZIP, ".pptx": ZIP, ".odt": ZIP, ".ods": ZIP, ".odp": ZIP,
    ".doc": OLE, ".xls": OLE, ".ppt": OLE,
}

ONLY_COORDINATORS = gettext_lazy("Only the consortium's coordinators may do this.")
ONLY_ANSWERABLE = gettext_lazy(
    "Only the consortium's coordinators or the member answerable may record progress.")


# --- tracking -----------------------------------------------------------------------------------

@transaction.atomic
def commitments_track(*, contract: Contract, by: User | None = None) -> list[TrackedCommitment]:
    """Carry each social value commitment of the contract's winning bid onto the contract, once.
    Returns the contract's tracked commitments (those made now and before)."""
    require(by is None or selectors.can_name_answerable(by, contract), ONLY_COORDINATORS)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    submission = contract.award.entry.submission
    if submission is not None:
        tracked = set(TrackedCommitment.objects.filter(contract=contract).values_list("source_id", flat=True))
        for source in SocialValueCommitment.objects.filter(bid_id=submission.bid_id).order_by("pk"):
            if source.pk in tracked:
                continue
            _save(TrackedCommitment(contract=contract, source=source, heading=source.heading,
                                    measure=source.measure, unit=source.unit,
                                    promised=source.quantity), by)
    return list(TrackedCommitment.objects.filter(contract=contract).order_by("heading", "pk"))


# --- who answers for a commitment -----------------------------------------------------------------

@transaction.atomic
def commitment_answerable_set(*, commitment: TrackedCommitment, coop: MemberCoop | None,
                              by: User) -> TrackedCommitment:
    """Name the member answerable for the commitment (one with a sub-contract on its contract),
    or none: the consortium answers for it."""
    commitment = TrackedCommitment.objects.select_for_update().select_related("contract").get(
        pk=commitment.pk)
    require(selectors.can_name_answerable(by, commitment.contract), ONLY_COORDINATORS)
    if coop is not None and not SubContract.objects.filter(contract_id=commitment.contract_id,
                                                           coop_id=coop.pk).exists():
        raise DomainError(_("Choose a member with a sub-contract on this contract, or the consortium."),
                          field="coop")
    if commitment.coop_id != (coop.pk if coop else None):
        commitment.coop = coop
        _save(commitment, by)
    return commitment


# --- progress, quarter by quarter ---------------------------------------------------------------

def check_document(document: Any) -> list[tuple[str, str]]:
    """The problems of an evidence document (none: it may be stored)."""
    name = os.path.basename(str(getattr(document, "name", "") or ""))
    ext = os.path.splitext(name)[1].lower()
    size = getattr(document, "size", None) or 0
    if ext not in DOCUMENT_TYPES:
        return [("document", _("The document must be a PDF, an image (PNG or JPEG) or an office file "
                               "(Word, Excel, PowerPoint or OpenDocument)."))]
    if size <= 0:
        return [("document", _("The document is empty."))]
    if size > MAX_DOCUMENT_BYTES:
        return [("document", _("The document must be smaller than %(mb)s MB.")
                 % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)})]
    if hasattr(document, "seek"):
        document.seek(0)
    head = document.read(8)
    if hasattr(document, "seek"):
        document.seek(0)
    if not any(head.startswith(magic) for magic in DOCUMENT_TYPES[ext]):
        return [("document", _("The document is not the kind of file its name says (%(ext)s).")
                 % {"ext": ext})]
    return []


def _quarter(financial_year: Any, quarter: Any, contract: Contract, today: dt.date
             ) -> tuple[selectors.Quarter | None, list[tuple[str, str]]]:
    try:
        chosen = selectors.Quarter(int(financial_year), int(quarter))
    except (TypeError, ValueError):
        return None, [("quarter", _("Choose the quarter the progress was made in."))]
    open_ = selectors.quarters_open(contract, today)
    if chosen not in open_:
        if not open_:
            return None, [("quarter", _("The contract has not started yet: progress can be recorded "
                                        "from its first quarter."))]
        return None, [("quarter", _("Choose a quarter from %(first)s to %(last)s: from the "
                                    "contract's start to the current quarter.")
                       % {"first": open_[0].label, "last": open_[-1].label})]
    return chosen, []


def clean_done(value: Any) -> tuple[Decimal | None, list[tuple[str, str]]]:
    if value is None or str(value).strip() == "":
        return None, [("done", _("Enter what was done in the quarter, as a number (0 if nothing)."))]
    try:
        number = clean_decimal(value, field="done", what=_("What was done"))
    except DomainError as error:
        return None, [("done", str(error.message))]
    if number < 0:
        return None, [("done", _("What was done cannot be negative."))]
    if number != number.quantize(PENNY):
        return None, [("done", _("What was done must have no more than 2 decimal places."))]
    if number > MAX_DONE:
        return None, [("done", _("What was done is too large."))]
    return number.quantize(PENNY), []


@transaction.atomic
def progress_record(*, commitment: TrackedCommitment, by: User, financial_year: Any, quarter: Any,
                    done: Any, account: Any, document: Any = None,
                    today: dt.date | None = None) -> CommitmentProgress:
    """Record (or replace) what was done against the commitment in one quarter. Every problem of
    the input is refused at once (``DomainErrors``); nothing is changed then."""
    commitment = TrackedCommitment.objects.select_for_update().select_related("contract").get(
        pk=commitment.pk)
    require(selectors.can_record_progress(by, commitment), ONLY_ANSWERABLE)
    today = today or timezone.localdate()
    chosen, problems = _quarter(financial_year, quarter, commitment.contract, today)
    number, more = clean_done(done)
    problems += more
    text = str(account or "").strip()
    if not text:
        problems.append(("account", _("Say in a few words what was done.")))
    elif len(text) > MAX_ACCOUNT:
        problems.append(("account", _("The account must be %(n)s characters or fewer.") % {"n": MAX_ACCOUNT}))
    if document:
        problems += check_document(document)
    if problems:
        raise DomainErrors(problems)
    row = CommitmentProgress.objects.filter(commitment=commitment, financial_year=chosen.year,
                                            quarter=chosen.number).first()
    if row is None:
        row = CommitmentProgress(commitment=commitment, financial_year=chosen.year, quarter=chosen.number)
    row.done, row.account, row.recorded_by = number, text, by
    if document:
        ext = os.path.splitext(str(document.name))[1].lower()
        row.document.save(f"commitment-{commitment.pk}-{chosen.year}-q{chosen.number}{ext}", document,
                          save=False)
    _save(row, by)
    return row
