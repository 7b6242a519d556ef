"""Quality and member governance: CIW inspections per member and service, members' own
governance reports with their evidence document, the consortium's list of what is missing or
overdue, and the Real Living Wage series.

Access per persona is in tests/policies/outcomes_quality.py (the permission matrix); these tests
check what each role records and sees, that bad input gets a field error and changes nothing,
and that an evidence document reaches only those who may see it. Two consortia throughout.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainErrors
from outcomes.admin import LivingWageRateForm
from outcomes.models import (
    CIWInspection,
    LivingWageRate,
    MemberGovernanceReport,
    OutcomeResult,
    OutcomeReview,
)
from outcomes.selectors import quality as selectors
from outcomes.services import quality as services
from tests import factories as f
from tests.outcomes_quality_factories import PDF, governance_report, inspection

pytestmark = pytest.mark.shared_world


TODAY = timezone.localdate()
LAST_YEAR = selectors.financial_year_of(TODAY) - 1
# An AGM for last year's accounts, held in the window and not in the future.
AGM = min(TODAY, dt.date(LAST_YEAR + 1, 9, 24))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def html(response) -> str:
    return response.content.decode()


def field_error(response, field: str) -> str:
    match = re.search(rf'<p id="id_{field}-error" class="govuk-error-message">(.*?)</p>',
                      html(response), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def inspection_form(**changes) -> dict:
    data = {
        "service_type": f.service().pk, "inspected_on": (TODAY - dt.timedelta(days=30)).isoformat(),
        "report_url": "https://www.careinspectorate.wales/inspection-reports/abc",
        "well_being": "good", "care_and_support": "excellent", "environment": "",
        "leadership": "requires_improvement",
    }
    data.update(changes)
    return data


def report_form(**changes) -> dict:
    data = {"financial_year": LAST_YEAR, "agm_held_on": AGM.isoformat(), "members": 40,
            "workers": 30, "workers_who_are_members": 20}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def pdf(name="minutes.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- CIW inspections -----------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["coordinator", "member_a"])
def test_coordinator_and_the_coops_own_user_record_an_inspection(world, client_for, persona):
    url = reverse("quality-inspection-create", args=[world.coop_a.pk])
    response = client_for(persona).post(url, inspection_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("quality-member", args=[world.coop_a.pk])
    recorded = CIWInspection.objects.get(coop=world.coop_a)
    assert (recorded.well_being, recorded.care_and_support, recorded.environment,
            recorded.leadership) == ("good", "excellent", "", "requires_improvement")
    assert recorded.recorded_by == world.user(persona)
    assert recorded.history.get().history_user == world.user(persona)

    page = html(client_for("board").get(response["Location"]))
    assert "Requires improvement" in page and "Not rated" in page
    assert 'href="https://www.careinspectorate.wales/inspection-reports/abc"' in page


@pytest.mark.parametrize(("persona", "status"), [
    ("member_b", 404), ("coordinator_other", 404), ("board", 403), ("reviewer", 403)])
def test_no_one_else_records_an_inspection(world, client_for, persona, status):
    response = client_for(persona).post(
        reverse("quality-inspection-create", args=[world.coop_a.pk]), inspection_form())
    assert response.status_code == status
    assert not CIWInspection.objects.exists()


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"inspected_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "inspected_on", "future"),
    ({"inspected_on": "1899-01-01"}, "inspected_on", "between 2000 and 2100"),
    ({"report_url": "http://www.careinspectorate.wales/report"}, "report_url", "https://"),
    ({"report_url": "javascript:alert(1)"}, "report_url", "https://"),
    ({"service_type": "care-home"}, "service_type", "does not offer"),
    ({"well_being": ""}, "well_being", "well-being"),
    ({"environment": "superb"}, "environment", "valid choice"),
])
def test_bad_inspection_input_gets_a_field_error_and_records_nothing(
        world, client_for, changes, field, says):
    if changes.get("service_type") == "care-home":
        changes = {"service_type": f.service("care-home").pk}
    response = client_for("coordinator").post(
        reverse("quality-inspection-create", args=[world.coop_a.pk]), inspection_form(**changes))
    assert response.status_code == 200
    assert says in field_error(response, field)
    assert "govuk-error-summary" in html(response)
    assert not CIWInspection.objects.exists()


def test_the_same_inspection_twice_is_refused_beside_its_date(world):
    services.ciw_inspection_record(coop=world.coop_a, by=None, **_service_args())
    with pytest.raises(DomainErrors) as refused:
        services.ciw_inspection_record(coop=world.coop_a, by=None, **_service_args())
    assert [field for field, _m in refused.value.problems] == ["inspected_on"]
    assert CIWInspection.objects.count() == 1


def _service_args(**changes):
    args = dict(service_type=f.service(), inspected_on=TODAY - dt.timedelta(days=3),
                report_url="https://example.org/r", well_being="good", care_and_support="good",
                environment="", leadership="good")
    args.update(changes)
    return args


def test_the_latest_inspection_of_each_service_comes_first_and_earlier_ones_below(world, client_for):
    coop = world.coop_a
    coop.service_types.add(f.service("respite"))
    old = inspection(coop, on=TODAY - dt.timedelta(days=900), rating="poor")
    new = inspection(coop, on=TODAY - dt.timedelta(days=100), rating="excellent")
    respite = inspection(coop, service_code="respite", on=TODAY - dt.timedelta(days=4 * 366))
    quality = selectors.member_quality(coop)
    latest = {row.service.code: row for row in quality.services}
    assert latest["domiciliary-support"].latest == new
    assert latest["respite"].latest == respite and latest["respite"].stale
    assert not latest["domiciliary-support"].stale
    assert quality.history == [old]
    assert [row.service.code for row in quality.inspections_overdue] == ["respite"]

    page = html(client_for("member_a").get(reverse("quality-member", args=[coop.pk])))
    earlier = page.index("Earlier inspections")
    assert page.index("Excellent") < earlier < page.index("Poor")
    assert "more than 3 years old" in page


# --- members' own governance reports -------------------------------------------------------------

def test_a_member_reports_its_governance_with_evidence_served_only_to_those_allowed(
        world, client_for):
    url = reverse("quality-report-create", args=[world.coop_a.pk])
    response = client_for("member_a").post(url, {**report_form(), "evidence": pdf()})
    assert response.status_code == 302
    report = MemberGovernanceReport.objects.get(coop=world.coop_a)
    assert (report.financial_year, report.agm_held_on, report.members, report.workers,
            report.workers_who_are_members) == (LAST_YEAR, AGM, 40, 30, 20)
    assert report.reported_by == world.user("member_a")
    assert "minutes" not in report.evidence.name  # stored under a name no one can guess

    evidence = reverse("quality-report-evidence", args=[report.pk])
    for persona in ("coordinator", "board", "member_a"):
        got = client_for(persona).get(evidence)
        assert got.status_code == 200, persona
        assert b"".join(got.streaming_content) == PDF
        assert "attachment" in got["Content-Disposition"]
    for persona, status in (("member_b", 404), ("coordinator_other", 404), ("reviewer", 403),
                            ("applicant", 403), ("anonymous", 302)):
        got = client_for(persona).get(evidence)
        assert got.status_code == status, persona
        assert PDF not in getattr(got, "content", b"")
    page = html(client_for("board").get(reverse("quality-member", args=[world.coop_a.pk])))
    assert evidence in page and "/media/" not in page
    assert client_for("member_b").get(f"/media/{report.evidence.name}").status_code == 404


def test_the_coordinator_records_for_a_member_and_the_board_may_not(world, client_for):
    url = reverse("quality-report-create", args=[world.coop_b.pk])
    assert client_for("board").post(url, report_form()).status_code == 403
    assert client_for("coordinator_other").post(url, report_form()).status_code == 404
    assert client_for("member_a").post(url, report_form()).status_code == 404
    assert not MemberGovernanceReport.objects.exists()
    assert client_for("coordinator").post(url, report_form()).status_code == 302
    assert MemberGovernanceReport.objects.get().coop == world.coop_b


@pytest.mark.parametrize(("changes", "file", "field", "says"), [
    ({"workers_who_are_members": 31}, None, "workers_who_are_members", "cannot be more than workers"),
    ({"members": 10}, None, "workers_who_are_members", "cannot be more than members"),
    ({"agm_held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, None, "agm_held_on", "future"),
    ({"agm_held_on": dt.date(LAST_YEAR - 3, 6, 1).isoformat()}, None, "agm_held_on",
     "check the date or the year"),
    ({"financial_year": LAST_YEAR + 2}, None, "financial_year", "a year that has begun"),
    ({"members": -1}, None, "members", "greater than or equal to 0"),
    ({}, ("minutes.exe", b"MZ\x90\x00"), "evidence", "Upload a PDF"),
    ({}, ("minutes.pdf", b"<html>not a pdf</html>"), "evidence", "not the .pdf its name says"),
    ({}, ("minutes.pdf", b""), "evidence", "empty"),
])
def test_bad_report_input_gets_a_field_error_and_records_nothing(
        world, client_for, changes, file, field, says):
    data = report_form(**changes)
    if file is not None:
        data["evidence"] = SimpleUploadedFile(file[0], file[1])
    response = client_for("member_a").post(
        reverse("quality-report-create", args=[world.coop_a.pk]), data)
    assert response.status_code == 200
    assert says in field_error(response, field)
    assert not MemberGovernanceReport.objects.exists()


def test_a_file_over_the_limit_is_refused(world, client_for, monkeypatch):
    monkeypatch.setattr(services, "MAX_EVIDENCE_BYTES", len(PDF) - 1)
    response = client_for("member_a").post(
        reverse("quality-report-create", args=[world.coop_a.pk]),
        {**report_form(), "evidence": pdf()})
    assert "10 MB or smaller" in field_error(response, "evidence")
    assert not MemberGovernanceReport.objects.exists()


def test_a_second_report_for_a_year_is_refused_and_the_first_changed_keeping_its_evidence(
        world, client_for):
    report = governance_report(world.coop_a, year=LAST_YEAR)
    kept = report.evidence.name
    create = reverse("quality-report-create", args=[world.coop_a.pk])
    response = client_for("member_a").post(create, report_form())
    assert "change that report instead" in field_error(response, "financial_year")

    edit = reverse("quality-report-edit", args=[report.pk])
    assert client_for("member_a").post(edit, report_form(members=41)).status_code == 302
    report.refresh_from_db()
    assert report.members == 41 and report.evidence.name == kept
    assert MemberGovernanceReport.objects.count() == 1


# --- the consortium's list -----------------------------------------------------------------------

def test_the_consortium_list_shows_every_members_latest_and_what_is_missing_or_overdue(
        world, client_for):
    governance_report(world.coop_a, year=LAST_YEAR)
    governance_report(world.coop_b, year=LAST_YEAR - 1)  # overdue
    inspection(world.coop_a, on=TODAY - dt.timedelta(days=30))
    inspection(world.coop_b, on=TODAY - dt.timedelta(days=4 * 366))  # overdue
    governance_report(world.coop_other, year=LAST_YEAR - 5)
    rows = {row.coop: row for row in selectors.consortium_quality(world.user("coordinator"))}
    assert set(rows) == {world.coop_a, world.coop_b}
    assert not rows[world.coop_a].attention
    assert rows[world.coop_b].report_overdue and rows[world.coop_b].inspections_overdue

    for persona in ("coordinator", "board"):
        page = html(client_for(persona).get(reverse("quality-consortium")))
        attention = page[page.index("Missing or overdue"):page.index("Latest CIW ratings")]
        assert "Gofal B" in attention and "Gofal A" not in attention
        assert "Other Care" not in page
    other = html(client_for("coordinator_other").get(reverse("quality-consortium")))
    assert "Other Care" in other and "Gofal A" not in other and "Gofal B" not in other
    assert client_for("member_a").get(reverse("quality-consortium"))["Location"] == reverse(
        "quality-member", args=[world.coop_a.pk])


def test_the_consortium_list_takes_as_many_queries_for_many_members(world):
    coordinator = world.user("coordinator")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.consortium_quality(coordinator)
        return len(captured)

    governance_report(world.coop_a, year=LAST_YEAR)
    inspection(world.coop_a)
    few = queries()
    for _n in range(4):
        coop = f.MemberCoopFactory(consortium=world.consortium)
        governance_report(coop, year=LAST_YEAR, evidence=None)
        inspection(coop)
    assert queries() == few


# --- pages that link and the Real Living Wage ----------------------------------------------------

def test_the_register_links_to_quality_and_governance(world, client_for):
    page = html(client_for("coordinator").get(reverse("member-detail", args=[world.coop_a.pk])))
    assert reverse("quality-member", args=[world.coop_a.pk]) in page
    page = html(client_for("board").get(reverse("member-list")))
    assert reverse("quality-consortium") in page


def test_the_real_living_wage_series_is_shown_to_anyone_signed_in_with_its_source(world, client_for):
    assert LivingWageRate.objects.get(financial_year=2026).hourly_rate == Decimal("13.45")
    page = html(client_for("reviewer").get(reverse("quality-living-wage")))
    assert "2026-27" in page and "£13.45" in page and "£9.50" in page
    assert 'href="https://www.livingwage.org.uk/' in page
    assert page.index("2026-27") < page.index("2021-22")  # newest first


# --- the back office -----------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "announced", "field"), [
    ("", "2026-10-21", "source"),
    ("http://www.livingwage.org.uk/", "2026-10-21", "source"),
    ("https://www.livingwage.org.uk/", "2028-01-05", "announced_on"),
    ("https://www.livingwage.org.uk/", "2026-10-21", None),
])
def test_staff_add_a_living_wage_rate_only_with_its_published_source(world, source, announced, field):
    form = LivingWageRateForm({"financial_year": 2027, "hourly_rate": "14.00",
                               "announced_on": announced, "source": source})
    if field is None:
        assert form.is_valid(), form.errors
    else:
        assert not form.is_valid() and field in form.errors


def test_the_back_office_shows_quality_records_read_only_and_nothing_about_a_person(rf):
    request = rf.get("/")
    request.user = f.UserFactory.build(is_staff=True, is_superuser=True)
    for model in (CIWInspection, MemberGovernanceReport):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    assert "evidence" in site._registry[MemberGovernanceReport].exclude
    assert site._registry[LivingWageRate].has_change_permission(request)
    assert OutcomeReview not in site._registry and OutcomeResult not in site._registry
