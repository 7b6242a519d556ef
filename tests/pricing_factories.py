"""Test data for pricing: cost submissions priced by the real cost model."""

from __future__ import annotations

import copy

from members.models import MemberCoop
from pricing.models import CostFloor, CostSubmission
from pricing.services.submissions import build_up
from tests.factories import service

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
