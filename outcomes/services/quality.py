"""Writes of quality and member governance: Care Inspectorate Wales inspections of a member's
services, and what a member co-op reports of its own governance each financial year.

Who may write: the consortium's coordinators for any of its member co-ops, and a member co-op's
own users for their co-op (``members.access.may_edit_member``: the same answer as the register's
writes); board members read only. Every input is checked here, for the pages and any later API
alike; a refusal names the field it is about.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import save_audited
from consortium.dates import check_date_in_range
from consortium.errors import DomainError, DomainErrors
from consortium.models import ServiceType, User
from members.access import may_edit_member
from members.models import MemberCoop
from outcomes.models import CIWInspection, CIWRating, MemberGovernanceReport
from outcomes.selectors.quality import agm_window, financial_year_of

# An evidence document: by its name's extension and by its first bytes (a file named .pdf that is
# not a PDF is refused), 10 MB at most.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
ZIP, OLE = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": ZIP, "xlsx": ZIP, "odt": ZIP, "ods": ZIP,
    "doc": OLE, "xls": OLE,
}
MAX_COUNT = 1_000_000  # members or workers of one co-op: fits every database's integer
RATED = {value for value, _label in CIWRating.choices}


def _check_rating(value: str, *, field: str, what: str, may_be_blank: bool = False) -> str:
    value = (value or "").strip()
    if value == "" and may_be_blank:
        return ""
    if value not in RATED:
        raise DomainError(_("Select the rating for %(theme)s.") % {"theme": what}, field=field)
    return value


def _check_report_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Enter the link to the inspection report."), field="report_url")
    if len(url) > 500:
        raise DomainError(_("The link must be 500 characters or fewer."), field="report_url")
    if not url.lower().startswith("https://") or len(url) <= len("https://"):
        raise DomainError(
            _("Enter the link to the report as a secure web address starting with https://."),
            field="report_url",
        )
    return url


def _check_not_future(day: dt.date | None, *, field: str, what: str, missing: str,
                      future: str) -> None:
    if day is None:
        raise DomainError(missing, field=field)
    check_date_in_range(day, field=field, what=what)
    if day > timezone.localdate():
        raise DomainError(future, field=field)


@transaction.atomic
def ciw_inspection_record(
    *,
    coop: MemberCoop,
    by: User | None,
    service_type: ServiceType,
    inspected_on: dt.date | None,
    report_url: str,
    well_being: str,
    care_and_support: str,
    environment: str = "",
    leadership: str,
) -> CIWInspection:
    """Record a CIW inspection of one of the co-op's services, with its four themes' ratings
    (the environment may be "not rated": blank)."""
    may_edit_member(by, coop)
    # Lock the co-op: two people recording the same inspection at once must not both insert.
    coop = MemberCoop.objects.select_for_update().get(pk=coop.pk)
    problems: list[tuple[str, str]] = []

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DomainError as error:
            problems.append((error.field or "", str(error.message)))
            return None

    if service_type is None:
        problems.append(("service_type", _("Select the service inspected.")))
    elif not coop.service_types.filter(pk=service_type.pk).exists():
        problems.append(("service_type", _(
            "%(coop)s does not offer %(service)s: add the service to its profile first, or "
            "choose a service it offers.") % {"coop": coop, "service": service_type}))
    check(_check_not_future, inspected_on, field="inspected_on", what=_("the inspection date"),
          missing=_("Enter the date of the inspection."),
          future=_("The inspection date cannot be in the future."))
    report_url = check(_check_report_url, report_url)
    ratings = {
        "well_being": check(_check_rating, well_being, field="well_being", what=_("well-being")),
        "care_and_support": check(_check_rating, care_and_support, field="care_and_support",
                                  what=_("care and support")),
        "environment": check(_check_rating, environment, field="environment",
                             what=_("environment"), may_be_blank=True),
        "leadership": check(_check_rating, leadership, field="leadership",
                            what=_("leadership and management")),
    }
    if not problems and CIWInspection.objects.filter(
            coop=coop, service_type=service_type, inspected_on=inspected_on).exists():
        problems.append(("inspected_on", _(
            "An inspection of %(service)s on this date is already recorded.")
            % {"service": service_type}))
    if problems:
        _raise(problems)
    inspection = CIWInspection(coop=coop, service_type=service_type, inspected_on=inspected_on,
                               report_url=report_url, recorded_by=by, **ratings)
    save_audited(inspection, by)
    return inspection


def _raise(problems: list[tuple[str, str]]) -> None:
    raise DomainErrors(problems)


def _check_evidence(file: Any) -> str:
    """The evidence file's extension, once its name, size and first bytes pass."""
    name = str(getattr(file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_SIGNATURES:
        raise DomainError(
            _("Upload a PDF, image, word-processor or spreadsheet file (%(extensions)s).")
            % {"extensions": ", ".join(f".{e}" for e in EVIDENCE_SIGNATURES)},
            field="evidence",
        )
    size = getattr(file, "size", None) or 0
    if size <= 0:
        raise DomainError(_("The file is empty."), field="evidence")
    if size > MAX_EVIDENCE_BYTES:
        raise DomainError(_("The file must be 10 MB or smaller."), field="evidence")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(signature) for signature in EVIDENCE_SIGNATURES[extension]):
        raise DomainError(
            _("The file is not the %(kind)s its name says: upload the document itself.")
            % {"kind": f".{extension}"},
            field="evidence",
        )
    return extension


def _check_counts(members: Any, workers: Any, workers_who_are_members: Any) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    counts = {}
    for field, value, what in (("members", members, _("the number of members")),
                               ("workers", workers, _("the number of workers")),
                               ("workers_who_are_members", workers_who_are_members,
                                _("the number of workers who are members"))):
        if value is None or isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= MAX_COUNT:
            problems.append((field, _("Enter %(what)s as a whole number from 0 to %(max)s.")
                             % {"what": what, "max": f"{MAX_COUNT:,}"}))
        else:
            counts[field] = value
    if len(counts) == 3:
        if counts["workers_who_are_members"] > counts["workers"]:
            problems.append(("workers_who_are_members", _(
                "Workers who are members (%(wm)s) cannot be more than workers (%(w)s).")
                % {"wm": counts["workers_who_are_members"], "w": counts["workers"]}))
        elif counts["workers_who_are_members"] > counts["members"]:
            problems.append(("workers_who_are_members", _(
                "Workers who are members (%(wm)s) cannot be more than members (%(m)s).")
                % {"wm": counts["workers_who_are_members"], "m": counts["members"]}))
    return problems


def _check_year_and_agm(financial_year: Any, agm_held_on: dt.date | None) -> list[tuple[str, str]]:
    today = timezone.localdate()
    current = financial_year_of(today)
    if not isinstance(financial_year, int) or isinstance(financial_year, bool) \
            or not 2000 <= financial_year <= current:
        return [("financial_year", _(
            "Enter the year the financial year starts in, from 2000 to %(year)s (a year that has "
            "begun).") % {"year": current})]
    if agm_held_on is None:
        return []
    try:
        _check_not_future(agm_held_on, field="agm_held_on", what=_("the AGM date"), missing="",
                          future=_("The AGM date cannot be in the future: leave it empty until "
                                   "the meeting is held."))
    except DomainError as error:
        return [(error.field or "agm_held_on", str(error.message))]
    start, end = agm_window(financial_year)
    if not start <= agm_held_on <= end:
        return [("agm_held_on", _(
            "An AGM for the %(year)s financial year is held between %(start)s and %(end)s: check "
            "the date or the year.") % {
                "year": f"{financial_year}-{(financial_year + 1) % 100:02d}",
                "start": formatting.day(start), "end": formatting.day(end)})]
    return []


@transaction.atomic
def governance_report_save(
    *,
    coop: MemberCoop,
    by: User | None,
    financial_year: int,
    agm_held_on: dt.date | None,
    members: int,
    workers: int,
    workers_who_are_members: int,
    evidence: Any = None,
    report: MemberGovernanceReport | None = None,
) -> MemberGovernanceReport:
    """Record (or, with ``report``, change) what the co-op reports of its own governance for a
    financial year (named by the year it starts in). The evidence document is kept under a name
    no one can guess and served only through a page that checks who asks; a change without a
    new file keeps the one there is."""
    may_edit_member(by, coop)
    coop = MemberCoop.objects.select_for_update().get(pk=coop.pk)
    if report is not None:
        report = MemberGovernanceReport.objects.select_for_update().get(pk=report.pk, coop=coop)
    problems = _check_year_and_agm(financial_year, agm_held_on)
    problems += _check_counts(members, workers, workers_who_are_members)
    extension = None
    if evidence:
        try:
            extension = _check_evidence(evidence)
        except DomainError as error:
            problems.append(("evidence", str(error.message)))
    if not any(field == "financial_year" for field, _m in problems):
        clash = MemberGovernanceReport.objects.filter(coop=coop, financial_year=financial_year)
        if report is not None:
            clash = clash.exclude(pk=report.pk)
        if clash.exists():
            problems.append(("financial_year", _(
                "%(coop)s has already reported for the %(year)s financial year: change that "
                "report instead.") % {"coop": coop,
                                      "year": f"{financial_year}-{(financial_year + 1) % 100:02d}"}))
    if problems:
        _raise(problems)
    if report is None:
        report = MemberGovernanceReport(coop=coop)
    report.financial_year = financial_year
    report.agm_held_on = agm_held_on
    report.members = members
    report.workers = workers
    report.workers_who_are_members = workers_who_are_members
    report.reported_by = by
    if extension is not None:
        report.evidence.save(f"{uuid.uuid4().hex}.{extension}", evidence, save=False)
    try:
        with transaction.atomic():
            save_audited(report, by)
    except IntegrityError:
        if extension is not None:
            report.evidence.storage.delete(report.evidence.name)
        raise DomainError(_("A report for this year was recorded at the same time: reload the "
                            "page and change it instead."), field="financial_year") from None
    return report

