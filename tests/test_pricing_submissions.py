"""Open-book cost submissions: windows, versions, floors, and who may see a co-op's costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from members.models import MembershipStatus
from pricing import cost_model as cm
from pricing.models import CostFloor, CostSubmission, SubmissionWindow
from pricing.selectors import submissions as selectors
from pricing.services import submissions as services
from tests import factories as f
from tests.pricing_factories import EXAMPLE_INPUTS, cost_submission, inputs

YEAR = 2026
API = "/api/v1/pricing"


def window(world, *, year=YEAR, opens=-1, closes=1, consortium=None) -> SubmissionWindow:
    """A window opening and closing ``opens``/``closes`` days from now."""
    now = timezone.now()
    return services.submission_window_set(
        consortium=consortium or world.consortium, financial_year=year,
        opens_at=now + dt.timedelta(days=opens), closes_at=now + dt.timedelta(days=closes),
        by=world.user("coordinator" if consortium in (None, world.consortium) else "coordinator_other"),
    )


def submit(world, coop=None, *, by="member_a", year=YEAR, evidence_notes="Payroll, March", **changes):
    return services.cost_submit(
        coop=coop or world.coop_a, service_type=f.service(), financial_year=year,
        inputs=inputs(**changes), evidence_notes=evidence_notes, by=world.user(by),
    )


def form_data(**changes) -> dict:
    data = {
        "service_type": str(f.service().pk), "financial_year": str(YEAR),
        "hourly_pay": "12.60", "visit_minutes": "30", "travel_minutes_per_visit": "8",
        "national_insurance": "9.5", "national_insurance_basis": "percent",
        "pension": "3", "pension_basis": "percent",
        "holiday": "12.07", "holiday_basis": "percent",
        "miles_per_hour": "4.5", "pence_per_mile": "45",
        "weekend_premium": "20", "bank_holiday_premium": "100",
        "running_costs": "27", "running_costs_basis": "percent",
        "surplus": "3", "surplus_basis": "percent",
        "evidence_notes": "Payroll for March",
    }
    data.update(changes)
    return data


@pytest.fixture
def year_choices(monkeypatch):
    """The form offers YEAR whatever today's date is."""
    from pricing import forms as pricing_forms

    real = pricing_forms.year_choices
    monkeypatch.setattr(pricing_forms, "year_choices", lambda extra=(): real((*extra, YEAR)))


# --- the service: versions, floors, windows -----------------------------------------------------

def test_submission_stores_the_build_up_and_a_floor_for_every_band(world):
    window(world)
    submission = submit(world)
    expected = services.build_up(EXAMPLE_INPUTS)
    assert submission.version == 1 and submission.is_latest
    assert submission.total == expected.total
    assert {code: getattr(submission, code) for code in expected.lines} == expected.lines
    assert sum(expected.lines.values()) == submission.total
    floors = {fl.time_band: fl.rate for fl in submission.floors.all()}
    assert set(floors) == set(TimeBand.values)
    assert floors[TimeBand.WEEKDAY_DAY] == submission.total
    assert submission.submitted_by == world.user("member_a")
    assert submission.evidence_notes == "Payroll, March"


def test_weekend_floor_is_above_the_weekday_floor_with_a_weekend_premium(world):
    window(world)
    submit(world, weekend_premium="20")
    floors = selectors.member_floors(coop=world.coop_a, service_type=f.service(), financial_year=YEAR)
    assert floors[TimeBand.WEEKEND] > floors[TimeBand.WEEKDAY_DAY]
    assert floors[TimeBand.BANK_HOLIDAY] > floors[TimeBand.WEEKEND]  # 100% against 20%


def test_a_new_submission_is_the_next_version_and_floors_come_from_it(world):
    window(world)
    first = submit(world, hourly_pay="12.00")
    second = submit(world, hourly_pay="13.00")
    first.refresh_from_db()
    assert (first.version, first.is_latest) == (1, False)
    assert (second.version, second.is_latest) == (2, True)
    assert list(selectors.submission_versions(first)) == [second, first]
    floors = selectors.member_floors(coop=world.coop_a, service_type=f.service(), financial_year=YEAR)
    assert floors[TimeBand.WEEKDAY_DAY] == second.total > first.total
    # The first version is kept as it was.
    assert first.inputs["hourly_pay"] == "12" and first.floors.count() == len(TimeBand.values)


def test_stored_inputs_keep_the_calculators_shape_without_junk_or_time_band(world):
    window(world)
    submission = submit(world, time_band="night", unknown_field="x")
    assert "time_band" not in submission.inputs and "unknown_field" not in submission.inputs
    assert submission.inputs["national_insurance"] == {"value": "9.5", "basis": "percent"}
    assert services.build_up(submission.inputs).total == submission.total


@pytest.mark.parametrize(("opens", "closes", "words"), [
    (1, 5, "open on"),
    (-5, -1, "closed on"),
])
def test_submissions_are_refused_outside_the_window(world, opens, closes, words):
    window(world, opens=opens, closes=closes)
    with pytest.raises(DomainError) as refused:
        submit(world)
    assert refused.value.field == "financial_year"
    assert str(refused.value.message).startswith(f"Submissions for 2026-27 {words} ")
    assert not CostSubmission.objects.exists()


def test_submissions_are_refused_for_a_year_without_a_window(world):
    window(world, year=YEAR + 1)
    window(world, consortium=world.consortium_other)  # another consortium's window does not count
    with pytest.raises(DomainError) as refused:
        submit(world)
    assert "2026-27" in str(refused.value.message) and refused.value.code == "window_not_set"
    assert not CostSubmission.objects.exists()


def test_a_service_the_coop_does_not_offer_and_a_withdrawn_coop_are_refused(world):
    window(world)
    with pytest.raises(DomainError) as refused:
        services.cost_submit(coop=world.coop_a, service_type=f.service("care-home"), financial_year=YEAR,
                             inputs=inputs(), evidence_notes="", by=world.user("member_a"))
    assert refused.value.field == "service_type"
    world.coop_a.status = MembershipStatus.WITHDRAWN
    world.coop_a.save()
    with pytest.raises(DomainError, match="withdrawn"):
        submit(world)
    assert not CostSubmission.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"hourly_pay": "-1"}, "hourly_pay"),
    ({"running_costs": {"value": "90", "basis": "percent"},
      "surplus": {"value": "10", "basis": "percent"}}, "surplus"),
    ({"pension": {"value": "-2", "basis": "percent"}}, "pension"),
])
def test_bad_inputs_are_refused_by_field_and_nothing_is_saved(world, changes, field):
    window(world)
    submit(world)
    with pytest.raises(cm.CostInputError) as refused:
        submit(world, **changes)
    assert field in refused.value.errors
    assert CostSubmission.objects.count() == 1 and CostFloor.objects.count() == len(TimeBand.values)
    assert CostSubmission.objects.get().is_latest


def test_a_coordinator_may_submit_for_a_member_and_is_recorded_as_submitter(world):
    window(world)
    submission = submit(world, coop=world.coop_b, by="coordinator")
    assert submission.coop == world.coop_b and submission.submitted_by == world.user("coordinator")


def test_audit_history_records_who_submitted_and_who_superseded(world):
    window(world)
    first = submit(world)
    second = submit(world, by="coordinator")
    assert first.history.first().history_user == world.user("coordinator")  # marked not latest
    assert first.history.last().history_user == world.user("member_a")
    assert second.history.get().history_user == world.user("coordinator")
    assert SubmissionWindow.objects.get().history.get().history_user == world.user("coordinator")


def test_a_window_must_close_after_it_opens_and_setting_a_year_again_changes_it(world):
    now = timezone.now()
    with pytest.raises(DomainError) as refused:
        services.submission_window_set(consortium=world.consortium, financial_year=YEAR, opens_at=now,
                                       closes_at=now, by=world.user("coordinator"))
    assert refused.value.field == "closes_at" and not SubmissionWindow.objects.exists()
    first = window(world, closes=1)
    again = window(world, closes=10)
    assert again.pk == first.pk and SubmissionWindow.objects.count() == 1
    assert again.closes_at > now + dt.timedelta(days=9)
    assert again.history.count() == 2


def test_closing_the_window_locks_submissions_and_reopening_unlocks_them(world):
    window(world, opens=-5, closes=-1)
    with pytest.raises(DomainError):
        submit(world)
    window(world, opens=-5, closes=1)
    assert submit(world).version == 1


# --- floors and latest submissions for later issues ----------------------------------------------

def test_member_floors_is_one_query_and_empty_without_a_submission(world, django_assert_num_queries):
    cost_submission(world.coop_a, financial_year=YEAR, hourly_pay="12.00")
    latest = cost_submission(world.coop_a, financial_year=YEAR, hourly_pay="14.00")
    home_care = f.service()
    with django_assert_num_queries(1):
        floors = selectors.member_floors(coop=world.coop_a, service_type=home_care, financial_year=YEAR)
    assert floors == {fl.time_band: fl.rate for fl in latest.floors.all()}
    assert selectors.member_floors(coop=world.coop_b, service_type=f.service(), financial_year=YEAR) == {}


def test_floors_for_members_gives_each_members_latest_floors_in_one_query(world, django_assert_num_queries):
    a = cost_submission(world.coop_a, financial_year=YEAR)
    cost_submission(world.coop_b, financial_year=YEAR, hourly_pay="11.00")
    b = cost_submission(world.coop_b, financial_year=YEAR, hourly_pay="15.00")
    cost_submission(world.coop_other, financial_year=YEAR)
    cost_submission(world.coop_a, financial_year=YEAR + 1, hourly_pay="20.00")
    home_care = f.service()
    with django_assert_num_queries(1):
        floors = selectors.floors_for_members(consortium=world.consortium, service_type=home_care,
                                              financial_year=YEAR)
    assert set(floors) == {world.coop_a.pk, world.coop_b.pk}
    assert floors[world.coop_a.pk][TimeBand.WEEKDAY_DAY] == a.total
    assert floors[world.coop_b.pk][TimeBand.WEEKDAY_DAY] == b.total


def test_latest_submissions_are_the_consortiums_active_and_suspended_members_latest_only(world):
    cost_submission(world.coop_a, financial_year=YEAR)
    latest_a = cost_submission(world.coop_a, financial_year=YEAR)
    suspended = f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.SUSPENDED)
    applicant = f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.APPLICANT)
    in_suspended = cost_submission(suspended, financial_year=YEAR)
    cost_submission(applicant, financial_year=YEAR)
    cost_submission(world.coop_other, financial_year=YEAR)
    cost_submission(world.coop_b, financial_year=YEAR + 1)
    rows = selectors.latest_submissions(consortium=world.consortium, service_type=f.service(),
                                        financial_year=YEAR)
    assert set(rows) == {latest_a, in_suspended}


# --- confidentiality ---------------------------------------------------------------------------

@pytest.fixture
def costs_a(world):
    return cost_submission(world.coop_a, financial_year=YEAR, evidence_notes="Coop A payroll")


def test_member_b_never_sees_coop_as_costs(world, costs_a, client_for, api_for):
    own = cost_submission(world.coop_b, financial_year=YEAR)
    page = client_for("member_b").get(reverse("cost-submission-list"))
    assert page.status_code == 200
    assert list(page.context["page_obj"].object_list) == [own]
    assert "Cydweithfa A" not in page.content.decode()
    assert client_for("member_b").get(reverse("cost-submission-detail", args=[costs_a.pk])).status_code == 404
    api = api_for("member_b")
    assert [row["id"] for row in api.get(f"{API}/submissions/").json()["results"]] == [own.pk]
    assert api.get(f"{API}/submissions/{costs_a.pk}/").status_code == 404
    assert api.get(f"{API}/submissions/{costs_a.pk}/versions/").status_code == 404
    assert [row["coop"] for row in api.get(f"{API}/floors/").json()["results"]] == [world.coop_b.pk]
    # Filtering on coop A is refused rather than answered.
    assert api.get(f"{API}/submissions/?coop={world.coop_a.pk}").status_code == 400


@pytest.mark.parametrize("persona", ["board", "reviewer", "reviewer_other"])
def test_board_members_and_council_reviewers_see_no_individual_costs(world, costs_a, client_for, api_for,
                                                                     persona):
    client = client_for(persona)
    assert client.get(reverse("cost-submission-list")).status_code == 403
    assert client.get(reverse("cost-submission-detail", args=[costs_a.pk])).status_code == 403
    assert client.get(reverse("cost-submission-create")).status_code == 403
    api = api_for(persona)
    assert api.get(f"{API}/submissions/").json()["results"] == []
    assert api.get(f"{API}/floors/").json()["results"] == []
    assert api.get(f"{API}/submissions/{costs_a.pk}/").status_code == 404


def test_another_consortiums_coordinator_sees_nothing_of_consortium_a(world, costs_a, client_for, api_for):
    client = client_for("coordinator_other")
    assert list(client.get(reverse("cost-submission-list")).context["page_obj"].object_list) == []
    assert client.get(reverse("cost-submission-detail", args=[costs_a.pk])).status_code == 404
    api = api_for("coordinator_other")
    assert api.get(f"{API}/submissions/").json()["results"] == []
    assert api.get(f"{API}/submissions/{costs_a.pk}/").status_code == 404
    assert api.get(f"{API}/floors/").json()["results"] == []


def test_member_cannot_submit_for_another_coop_through_the_api(world, api_for):
    window(world)
    response = api_for("member_a").post(f"{API}/submissions/", {
        "coop": world.coop_b.pk, "service_type": f.service().pk, "financial_year": YEAR,
        "inputs": EXAMPLE_INPUTS,
    }, format="json")
    assert response.status_code == 400 and "coop" in response.json()
    assert not CostSubmission.objects.exists()


# --- web pages ---------------------------------------------------------------------------------

def test_member_submits_costs_on_the_web_and_sees_its_build_up(world, client_for, year_choices):
    window(world)
    client = client_for("member_a")
    form = client.get(reverse("cost-submission-create"))
    assert form.status_code == 200 and "coop" not in form.context["form"].fields
    response = client.post(reverse("cost-submission-create"), form_data())
    submission = CostSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cost-submission-detail", args=[submission.pk])
    assert submission.coop == world.coop_a and submission.submitted_by == world.user("member_a")
    assert submission.evidence_notes == "Payroll for March"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert f"{submission.total}" in html and "Payroll for March" in html
    assert [label for label, _ in page.context["floors"]] == [label for _, label in TimeBand.choices]
    weekend = dict(page.context["floors"])[TimeBand.WEEKEND.label]
    assert weekend > submission.total


@pytest.mark.parametrize(("changes", "field"), [
    ({"hourly_pay": "-1"}, "hourly_pay"),
    ({"running_costs": "90", "surplus": "10"}, "surplus"),
    ({"hourly_pay": "twelve"}, "hourly_pay"),
    ({"financial_year": "1999"}, "financial_year"),
])
def test_bad_inputs_on_the_web_show_beside_their_fields_and_save_nothing(world, client_for, year_choices,
                                                                         changes, field):
    window(world)
    response = client_for("member_a").post(reverse("cost-submission-create"), form_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "govuk-error-summary" in response.content.decode()
    assert not CostSubmission.objects.exists()


def test_the_web_form_says_when_the_window_opens(world, client_for, year_choices):
    window(world, opens=3, closes=10)
    response = client_for("member_a").post(reverse("cost-submission-create"), form_data())
    message = response.context["form"].errors["financial_year"][0]
    assert message.startswith("Submissions for 2026-27 open on")
    assert not CostSubmission.objects.exists()


def test_member_form_offers_only_its_own_services(world, client_for):
    world.coop_b.service_types.add(f.service("care-home"))
    form = client_for("member_a").get(reverse("cost-submission-create")).context["form"]
    assert list(form.fields["service_type"].queryset) == [f.service()]


def test_coordinator_submits_for_a_member_it_chooses(world, client_for, year_choices):
    window(world)
    client = client_for("coordinator")
    missing = client.post(reverse("cost-submission-create"), form_data())
    assert "coop" in missing.context["form"].errors and not CostSubmission.objects.exists()
    client.post(reverse("cost-submission-create"), form_data(coop=str(world.coop_b.pk)))
    submission = CostSubmission.objects.get()
    assert submission.coop == world.coop_b and submission.submitted_by == world.user("coordinator")
    other = client.post(reverse("cost-submission-create"), form_data(coop=str(world.coop_other.pk)))
    assert "coop" in other.context["form"].errors and CostSubmission.objects.count() == 1


def test_a_new_version_starts_from_the_previous_one(world, costs_a, client_for):
    form = client_for("member_a").get(reverse("cost-submission-create") + f"?from={costs_a.pk}")
    assert form.context["form"]["hourly_pay"].value() == "12.60"
    assert form.context["form"]["national_insurance_basis"].value() == "percent"
    assert client_for("member_b").get(
        reverse("cost-submission-create") + f"?from={costs_a.pk}"
    ).status_code == 404


def test_submit_costs_starts_from_the_coops_own_latest_figures_and_says_so(world, client_for, year_choices):
    window(world)
    cost_submission(world.coop_a, financial_year=YEAR - 2, hourly_pay="11.90")
    cost_submission(world.coop_a, financial_year=YEAR - 1, hourly_pay="12.35", evidence_notes="Old payroll")
    cost_submission(world.coop_b, financial_year=YEAR - 1, hourly_pay="14.75")
    page = client_for("member_a").get(reverse("cost-submission-create"))
    form, html = page.context["form"], page.content.decode()
    assert form["hourly_pay"].value() == "12.35" and form["financial_year"].value() == YEAR
    assert form["evidence_notes"].value() == ""
    assert f"The figures below are {world.coop_a}'s own from its latest submission: version 1 of" in html
    assert "2025-26" in html and "14.75" not in html
    # The coordinator submitting for coop B starts from coop B's figures, never coop A's.
    chosen = client_for("coordinator").get(reverse("cost-submission-create") + f"?coop={world.coop_b.pk}")
    assert chosen.context["form"]["hourly_pay"].value() == "14.75" and "12.35" not in chosen.content.decode()
    blank = client_for("coordinator").get(reverse("cost-submission-create") + "?coop=x")
    assert blank.status_code == 200 and blank.context["previous"] is None
    # A co-op with no earlier submission gets the blank form, with nothing said.
    CostSubmission.objects.filter(coop=world.coop_b).delete()
    fresh = client_for("member_b").get(reverse("cost-submission-create"))
    assert fresh.context["previous"] is None and "prefilled-from" not in fresh.content.decode()


def test_detail_lists_every_version_with_links(world, client_for):
    first = cost_submission(world.coop_a, financial_year=YEAR, hourly_pay="12.00")
    second = cost_submission(world.coop_a, financial_year=YEAR, hourly_pay="13.00")
    page = client_for("member_a").get(reverse("cost-submission-detail", args=[first.pk]))
    assert page.context["versions"] == [second, first]
    assert reverse("cost-submission-detail", args=[second.pk]) in page.content.decode()


def test_coordinator_list_filters_and_shows_who_has_submitted(world, client_for):
    window(world)
    mine = cost_submission(world.coop_a, financial_year=YEAR)
    cost_submission(world.coop_b, financial_year=YEAR - 1)
    client = client_for("coordinator")
    page = client.get(reverse("cost-submission-list"))
    assert len(page.context["page_obj"].object_list) == 2
    progress = {p.coop: p.has_submitted for p in page.context["progress"]}
    assert progress == {world.coop_a: True, world.coop_b: False}
    assert "Not submitted" in page.content.decode()
    filtered = client.get(reverse("cost-submission-list"), {"coop": world.coop_a.pk, "financial_year": YEAR})
    assert list(filtered.context["page_obj"].object_list) == [mine]
    refused = client.get(reverse("cost-submission-list"), {"coop": world.coop_other.pk})
    assert list(refused.context["page_obj"].object_list) == []
    assert "coop" in refused.context["filter_form"].errors


def test_coordinator_sets_a_window_on_the_web(world, client_for):
    client = client_for("coordinator")
    bad = client.post(reverse("submission-window-edit"), {
        "financial_year": "2027", "opens_at": "2027-03-01T09:00", "closes_at": "2027-03-01T09:00"})
    assert "closes_at" in bad.context["form"].errors and not SubmissionWindow.objects.exists()
    good = client.post(reverse("submission-window-edit"), {
        "financial_year": "2027", "opens_at": "2027-03-01T09:00", "closes_at": "2027-04-30T17:00"})
    assert good.status_code == 302
    saved = SubmissionWindow.objects.get()
    assert (saved.consortium, saved.financial_year) == (world.consortium, 2027)
    assert timezone.localtime(saved.opens_at).hour == 9  # read as UK time
    form = client.get(reverse("submission-window-edit"), {"year": "2027"}).context["form"]
    assert form["financial_year"].value() == 2027
    assert client_for("member_a").post(reverse("submission-window-edit"), {
        "financial_year": "2028", "opens_at": "2028-03-01T09:00", "closes_at": "2028-04-30T17:00",
    }).status_code == 403


def test_submission_list_costs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    window(world)
    more = f.MemberCoopFactory.create_batch(4, consortium=world.consortium)
    for coop in (world.coop_a, world.coop_b, *more):
        for year in (YEAR - 1, YEAR):
            cost_submission(coop, financial_year=year)
    client = client_for("coordinator")
    with django_assert_max_num_queries(14):
        page = client.get(reverse("cost-submission-list"))
    assert len(page.context["page_obj"].object_list) == 12


# --- API ---------------------------------------------------------------------------------------

def test_api_submit_creates_a_version_with_floors(world, api_for):
    window(world)
    response = api_for("member_a").post(f"{API}/submissions/", {
        "service_type": f.service().pk, "financial_year": YEAR, "inputs": EXAMPLE_INPUTS,
        "evidence_notes": "Accounts 2025",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    submission = CostSubmission.objects.get()
    assert body["id"] == submission.pk and body["coop"] == world.coop_a.pk and body["version"] == 1
    assert Decimal(body["total"]) == submission.total
    assert [line["code"] for line in body["lines"]] == list(cm.LINE_CODES)
    assert Decimal(body["floors"]["weekend"]) > Decimal(body["floors"]["weekday_day"])
    assert body["submitted_by"] == "member-a" and body["evidence_notes"] == "Accounts 2025"


@pytest.mark.parametrize(("changes", "field"), [
    ({"hourly_pay": "-1"}, "hourly_pay"),
    ({"running_costs": {"value": "97", "basis": "percent"}}, "surplus"),
    ({"national_insurance": {"value": "x", "basis": "percent"}}, "inputs"),
])
def test_api_refuses_bad_inputs_by_field(world, api_for, changes, field):
    window(world)
    response = api_for("member_a").post(f"{API}/submissions/", {
        "service_type": f.service().pk, "financial_year": YEAR, "inputs": inputs(**changes),
    }, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not CostSubmission.objects.exists()


def test_api_refuses_a_submission_when_the_window_has_closed(world, api_for):
    window(world, opens=-10, closes=-1)
    response = api_for("coordinator").post(f"{API}/submissions/", {
        "coop": world.coop_a.pk, "service_type": f.service().pk, "financial_year": YEAR,
        "inputs": EXAMPLE_INPUTS,
    }, format="json")
    assert response.status_code == 400
    assert response.json()["financial_year"][0].startswith("Submissions for 2026-27 closed on")


def test_api_lists_latest_versions_unless_asked_for_all(world, api_for):
    first = cost_submission(world.coop_a, financial_year=YEAR)
    second = cost_submission(world.coop_a, financial_year=YEAR)
    api = api_for("coordinator")
    assert [r["id"] for r in api.get(f"{API}/submissions/").json()["results"]] == [second.pk]
    everything = api.get(f"{API}/submissions/", {"latest": "false"}).json()["results"]
    assert [r["id"] for r in everything] == [second.pk, first.pk]
    versions = api.get(f"{API}/submissions/{first.pk}/versions/").json()["results"]
    assert [r["version"] for r in versions] == [2, 1]
    assert api.get(f"{API}/submissions/", {"financial_year": YEAR + 1}).json()["results"] == []


def test_api_offers_no_update_or_delete_of_a_submission(world, costs_a, api_for):
    api = api_for("coordinator")
    changed = api.patch(f"{API}/submissions/{costs_a.pk}/", {"evidence_notes": "x"}, format="json")
    assert changed.status_code == 405
    assert api.delete(f"{API}/submissions/{costs_a.pk}/").status_code == 405
    costs_a.refresh_from_db()
    assert costs_a.evidence_notes == "Coop A payroll"


def test_api_floors_per_member_for_the_coordinator(world, api_for):
    a = cost_submission(world.coop_a, financial_year=YEAR)
    cost_submission(world.coop_b, financial_year=YEAR)
    rows = api_for("coordinator").get(f"{API}/floors/", {"coop": world.coop_a.pk}).json()["results"]
    assert len(rows) == 1 and rows[0]["submission"] == a.pk
    assert {band: Decimal(rate) for band, rate in rows[0]["floors"].items()} == {
        fl.time_band: fl.rate for fl in a.floors.all()
    }
    assert len(api_for("member_a").get(f"{API}/floors/").json()["results"]) == 1


def test_api_windows_are_set_by_coordinators_and_read_by_members(world, api_for):
    coordinator = api_for("coordinator")
    created = coordinator.post(f"{API}/windows/", {
        "financial_year": 2027, "opens_at": "2027-03-01T09:00:00Z", "closes_at": "2027-04-30T17:00:00Z",
    }, format="json")
    assert created.status_code == 201
    changed = coordinator.post(f"{API}/windows/", {
        "financial_year": 2027, "opens_at": "2027-03-01T09:00:00Z", "closes_at": "2027-05-31T17:00:00Z",
    }, format="json")
    assert changed.status_code == 200 and changed.json()["id"] == created.json()["id"]
    pk = created.json()["id"]
    refused = coordinator.patch(f"{API}/windows/{pk}/", {"opens_at": "2027-06-01T00:00:00Z"}, format="json")
    assert refused.status_code == 400 and "closes_at" in refused.json()
    member = api_for("member_a")
    assert [w["financial_year"] for w in member.get(f"{API}/windows/").json()["results"]] == [2027]
    assert member.patch(f"{API}/windows/{pk}/", {"opens_at": "2027-01-01T00:00:00Z"},
                        format="json").status_code == 403
    assert member.post(f"{API}/windows/", {}, format="json").status_code == 403
    assert api_for("reviewer").get(f"{API}/windows/").json()["results"] == []
    assert api_for("coordinator_other").patch(f"{API}/windows/{pk}/", {}, format="json").status_code == 404
    assert SubmissionWindow.objects.get().closes_at.month == 5


def test_api_lists_cost_a_fixed_number_of_queries(world, api_for, django_assert_max_num_queries):
    more = f.MemberCoopFactory.create_batch(4, consortium=world.consortium)
    for coop in (world.coop_a, world.coop_b, *more):
        for year in (YEAR - 1, YEAR):
            cost_submission(coop, financial_year=year)
    api = api_for("coordinator")
    for url in (f"{API}/submissions/", f"{API}/floors/", f"{API}/windows/"):
        with django_assert_max_num_queries(4):
            response = api.get(url)
        assert response.status_code == 200
    assert len(api.get(f"{API}/submissions/").json()["results"]) == 12


def test_detail_shows_the_inputs_with_their_units(world, costs_a, client_for):
    page = client_for("member_a").get(reverse("cost-submission-detail", args=[costs_a.pk]))
    rows = dict(page.context["inputs"])
    assert rows["Careworker hourly pay"] == "£12.60 an hour"
    assert rows["Employer pension"] == "3%"
    assert rows["Weekend premium"] == "20%"
    assert rows["Mileage rate"] == "45p a mile"


def test_a_window_date_far_outside_the_years_we_price_is_refused(world, api_for):
    response = api_for("coordinator").post(f"{API}/windows/", {
        "financial_year": 2030, "opens_at": "0323-04-21T14:06:34-05:15", "closes_at": "2031-01-01T00:00:00Z",
    }, format="json")
    assert response.status_code == 400 and "opens_at" in response.json()
    assert not SubmissionWindow.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submissions_of_one_scope_make_consecutive_versions_and_one_latest(world):
    import threading

    from django.db import connection

    window(world)
    calls = 8
    barrier = threading.Barrier(calls)
    errors: list[BaseException] = []

    def run(pay: str):
        try:
            barrier.wait(timeout=30)
            submit(world, hourly_pay=pay)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f"{12 + i}.00",)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a submission never finished (deadlock?)"
    assert errors == []
    rows = list(CostSubmission.objects.filter(coop=world.coop_a))
    assert sorted(r.version for r in rows) == list(range(1, calls + 1))
    assert [r.version for r in rows if r.is_latest] == [calls]
