"""Writes of open-book cost submissions: windows, versions, floors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.audit import save_audited
from consortium.errors import DomainError, require
from consortium.models import Consortium, ServiceType, TimeBand, User
from members.models import MemberCoop, MembershipStatus
from members.selectors import can_edit_member
from pricing import cost_model as cm
from pricing.cost_inputs import CostInputsSerializer
from pricing.models import (
    LINE_FIELDS,
    CostFloor,
    CostSubmission,
    SubmissionWindow,
    financial_year_label,
)
from pricing.selectors import submissions as selectors

YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class BuildUp:
    """A submission's weekday-daytime build-up (line amounts and total) and its floor per band."""

    lines: dict[str, Decimal]
    total: Decimal
    floors: dict[str, Decimal]


def build_up(inputs: dict) -> BuildUp:
    """Price stored inputs (the calculator API's JSON shape) for every time band.

    Raises ``cost_model.CostInputError`` (a DomainError, field by field) for inputs that
    cannot be priced, and for inputs the calculator's serializer refuses.
    """
    floors: dict[str, Decimal] = {}
    base: cm.CostBreakdown | None = None
    for band in TimeBand.values:
        serializer = CostInputsSerializer(data={**inputs, "time_band": band})
        if not serializer.is_valid():
            raise cm.CostInputError(
                {name: [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
                 for name, messages in serializer.errors.items()}
            )
        breakdown = cm.calculate(serializer.to_inputs())
        floors[band] = breakdown.total
        if band == TimeBand.WEEKDAY_DAY:
            base = breakdown
    assert base is not None
    amounts = base.amounts()
    return BuildUp(lines={code: amounts[code] for code in LINE_FIELDS}, total=base.total, floors=floors)


# --- windows and submissions ------------------------------------------------------------------

def _moment(value: dt.datetime) -> dt.datetime:
    """A naive date and time is read as the consortium's local time (Europe/London)."""
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def when(value: dt.datetime) -> str:
    """A moment as people in Wales read it: local date and time, in the active language."""
    return formatting.moment(value)


def _check_year(financial_year) -> int:
    if not isinstance(financial_year, int) or isinstance(financial_year, bool) or not (
        YEAR_MIN <= financial_year <= YEAR_MAX
    ):
        raise DomainError(
            _("Enter a financial year from %(low)s to %(high)s, by the year it starts in.")
            % {"low": YEAR_MIN, "high": YEAR_MAX},
            field="financial_year",
        )
    return financial_year


@transaction.atomic
def submission_window_set(
    *, consortium: Consortium, financial_year: int, opens_at: dt.datetime, closes_at: dt.datetime,
    by: User | None,
) -> SubmissionWindow:
    """Set when members may submit their costs for a year (creating or changing its window).

    Changing the window of a year reopens or locks submissions at once: the rule is read when a
    member submits, never copied into the submissions.
    """
    require(by is None or selectors.can_manage_windows(by, consortium.pk),
            _("Only the consortium's coordinators set submission windows."))
    _check_year(financial_year)
    opens_at, closes_at = _moment(opens_at), _moment(closes_at)
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not YEAR_MIN <= value.year <= YEAR_MAX:
            raise DomainError(_("Enter a date from %(low)s to %(high)s.")
                              % {"low": YEAR_MIN, "high": YEAR_MAX}, field=name)
    if closes_at <= opens_at:
        raise DomainError(_("The window must close after it opens."), field="closes_at")
    # Race: two coordinators setting the first window of a year at once would both insert; the
    # consortium row's lock serialises them, so the second changes what the first created.
    Consortium.objects.select_for_update().filter(pk=consortium.pk).first()
    window = SubmissionWindow.objects.filter(
        consortium=consortium, financial_year=financial_year
    ).first() or SubmissionWindow(consortium=consortium, financial_year=financial_year)
    if window.pk and (window.opens_at, window.closes_at) == (opens_at, closes_at):
        return window
    window.opens_at, window.closes_at = opens_at, closes_at
    save_audited(window, by)
    return window


def submission_window_state(window: SubmissionWindow | None, *, now: dt.datetime | None = None) -> str:
    """"none", "not_open_yet", "open" or "closed"."""
    if window is None:
        return "none"
    now = now or timezone.now()
    if now < window.opens_at:
        return "not_open_yet"
    if now >= window.closes_at:
        return "closed"
    return "open"


def _check_window_open(consortium_id: int, financial_year: int) -> None:
    window = SubmissionWindow.objects.filter(
        consortium_id=consortium_id, financial_year=financial_year
    ).first()
    state = submission_window_state(window)
    label = financial_year_label(financial_year)
    if state == "none":
        raise DomainError(
            _("Submissions for %(year)s are not open: the coordinator has not set a window for "
              "that year yet.") % {"year": label},
            field="financial_year", code="window_not_set",
        )
    if state == "not_open_yet":
        raise DomainError(
            _("Submissions for %(year)s open on %(date)s.") % {"year": label, "date": when(window.opens_at)},
            field="financial_year", code="window_not_open",
        )
    if state == "closed":
        raise DomainError(
            _("Submissions for %(year)s closed on %(date)s.")
            % {"year": label, "date": when(window.closes_at)},
            field="financial_year", code="window_closed",
        )


def _text(value) -> str | dict | None:
    """A validated input as stored: Decimals as plain strings, amounts as {value, basis}."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {"value": _text(value["value"]), "basis": str(value["basis"])}
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def stored_inputs(inputs: dict) -> dict:
    """The inputs in the calculator API's shape, keyed by its field names, numbers as strings,
    without the time band (a submission is priced for every band) and without anything the
    calculator does not know. Call only with inputs ``build_up`` accepted."""
    serializer = CostInputsSerializer(data={**inputs, "time_band": TimeBand.WEEKDAY_DAY})
    serializer.is_valid(raise_exception=True)
    return {
        name: _text(value)
        for name, value in serializer.validated_data.items()
        if name != "time_band" and value is not None
    }


@transaction.atomic
def cost_submit(
    *, coop: MemberCoop, service_type: ServiceType, financial_year: int, inputs: dict,
    evidence_notes: str = "", by: User | None,
) -> CostSubmission:
    """Submit a co-op's cost build-up for a service type and year, as its next version.

    Refused (DomainError, on the field it is about) for inputs the cost model cannot price,
    outside the consortium's window for the year, for a service the co-op does not offer and
    for a withdrawn co-op. Stores the weekday-daytime lines and total, and the floor (minimum
    sustainable rate) of every time band. A coordinator may submit for a member: ``by`` is
    recorded as the submitter either way.
    """
    require(by is None or can_edit_member(by, coop),
            _("Only the co-op's own users and its consortium's coordinators submit its costs."))
    _check_year(financial_year)
    if not isinstance(inputs, dict):
        raise DomainError(_("Give the cost inputs as an object of fields."), field="inputs")
    # Race: two submissions of one scope at once would both mark the same latest version as
    # superseded and both insert the same next version number. Locking the co-op row serialises
    # every submission of that co-op, the first of a scope included (there is no row to lock yet).
    coop = MemberCoop.objects.select_for_update().get(pk=coop.pk)
    if coop.status == MembershipStatus.WITHDRAWN:
        raise DomainError(_("%(coop)s has withdrawn from the consortium and cannot submit costs.")
                          % {"coop": coop})
    if not coop.service_types.filter(pk=service_type.pk).exists():
        raise DomainError(
            _("%(coop)s does not offer %(service)s; add it to the co-op's services first.")
            % {"coop": coop, "service": service_type},
            field="service_type",
        )
    _check_window_open(coop.consortium_id, financial_year)
    result = build_up(inputs)  # CostInputError: field by field
    scope = CostSubmission.objects.filter(coop=coop, service_type=service_type,
                                          financial_year=financial_year)
    last_version = scope.order_by("-version").values_list("version", flat=True).first() or 0
    previous = scope.filter(is_latest=True).first()
    if previous is not None:  # before the insert: one latest per scope (a partial unique index)
        previous.is_latest = False
        save_audited(previous, by, update_fields=["is_latest"])
    submission = CostSubmission(
        coop=coop, service_type=service_type, financial_year=financial_year,
        version=last_version + 1, is_latest=True, inputs=stored_inputs(inputs),
        evidence_notes=(evidence_notes or "").strip(), total=result.total, submitted_by=by,
        **result.lines,
    )
    save_audited(submission, by)
    CostFloor.objects.bulk_create(
        CostFloor(submission=submission, time_band=band, rate=rate) for band, rate in result.floors.items()
    )
    return submission
