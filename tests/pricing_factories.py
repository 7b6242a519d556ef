"""Test data for pricing: cost submissions priced by the real cost model, or with chosen figures
for the cost evidence."""

from __future__ import annotations

import copy
from decimal import Decimal

from members.models import MemberCoop
from pricing.models import LINE_FIELDS, CostFloor, CostSubmission
from pricing.services.submissions import build_up
from tests.factories import service

EVIDENCE_YEAR = 2025  # the Homecare Association published 32.14 for 2025-26 (loaded by migration)

# A Welsh domiciliary build-up on the Real Living Wage (illustrative, not a published rate).
EXAMPLE_INPUTS = {
    "hourly_pay": "12.60",
    "visit_minutes": "30",
    "travel_minutes_per_visit": "8",
    "national_insurance": {"value": "9.5", "basis": "percent"},
    "pension": {"value": "3", "basis": "percent"},
    "holiday": {"value": "12.07", "basis": "percent"},
    "training": {"value": "2", "basis": "percent"},
    "sick_pay": {"value": "1.5", "basis": "percent"},
    "notice": {"value": "0.5", "basis": "percent"},
    "miles_per_hour": "4.5",
    "pence_per_mile": "45",
    "evening_premium": "10",
    "night_premium": "15",
    "weekend_premium": "20",
    "bank_holiday_premium": "100",
    "running_costs": {"value": "27", "basis": "percent"},
    "surplus": {"value": "3", "basis": "percent"},
}


def inputs(**changes) -> dict:
    data = copy.deepcopy(EXAMPLE_INPUTS)
    data.update(changes)
    return data


def cost_submission(coop: MemberCoop, *, service_type=None, financial_year: int = 2026,
                    version: int | None = None, evidence_notes: str = "", **changes) -> CostSubmission:
    """Store a submission as the submit service would, as the latest version of its scope."""
    service_type = service_type or service()
    data = inputs(**changes)
    result = build_up(data)
    scope = CostSubmission.objects.filter(coop=coop, service_type=service_type,
                                          financial_year=financial_year)
    previous = scope.order_by("-version").first()
    scope.filter(is_latest=True).update(is_latest=False)
    submission = CostSubmission.objects.create(
        coop=coop, service_type=service_type, financial_year=financial_year,
        version=version or ((previous.version + 1) if previous else 1), inputs=data,
        evidence_notes=evidence_notes, total=result.total, **result.lines,
    )
    CostFloor.objects.bulk_create(
        CostFloor(submission=submission, time_band=band, rate=rate) for band, rate in result.floors.items()
    )
    return submission


def evidence_submission(coop: MemberCoop, *, total: str, contact_pay: str | None = None,
                        running_costs: str | None = None, service_type=None,
                        year: int = EVIDENCE_YEAR) -> CostSubmission:
    """A latest submission with chosen figures: contact pay and running costs (the rest 0).
    Without them, the whole total is contact pay."""
    service_type = service_type or service()
    scope = CostSubmission.objects.filter(coop=coop, service_type=service_type, financial_year=year)
    version = scope.count() + 1
    scope.update(is_latest=False)
    lines = {name: Decimal("0") for name in LINE_FIELDS}
    lines["contact_pay"] = Decimal(contact_pay if contact_pay is not None else total)
    lines["running_costs"] = Decimal(running_costs or "0")
    return CostSubmission.objects.create(
        coop=coop, service_type=service_type, financial_year=year, version=version,
        inputs=EXAMPLE_INPUTS, total=Decimal(total), **lines,
    )
