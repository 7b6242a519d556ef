"""Rows of quality and member governance: CIW inspections and members' own governance reports
(with a small PDF as evidence)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from outcomes.models import CIWInspection, CIWRating, MemberGovernanceReport
from tests.factories import service

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def inspection(coop, *, service_code: str = "domiciliary-support", on: dt.date | None = None,
               rating: str = CIWRating.GOOD, environment: str = "") -> CIWInspection:
    return CIWInspection.objects.create(
        coop=coop, service_type=service(service_code), inspected_on=on or dt.date(2025, 6, 3),
        report_url="https://www.careinspectorate.wales/report/12345", well_being=rating,
        care_and_support=rating, environment=environment, leadership=rating)


def governance_report(coop, *, year: int = 2025, evidence: bytes | None = PDF,
                      agm_held_on: dt.date | None = None, members: int = 40, workers: int = 30,
                      workers_who_are_members: int = 20) -> MemberGovernanceReport:
    report = MemberGovernanceReport(
        coop=coop, financial_year=year, agm_held_on=agm_held_on,
        members=members, workers=workers, workers_who_are_members=workers_who_are_members)
    if evidence is not None:
        report.evidence.save("minutes.pdf", ContentFile(evidence), save=False)
    report.save()
    return report
