"""The member register's web pages: sign-in, language switch, dashboards, the register, a co-op's
page and its forms, compliance documents and the audit history.

Access per persona is in tests/policies/register.py (the permission matrix); these tests check
what each page shows and does, and that bad input gives field errors and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consortium.models import Role
from members import services
from members.models import (
    CIWRegistration,
    ComplianceDocument,
    Contact,
    CoopType,
    MemberCoop,
    MembershipStatus,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
    StatusChangeReason,
)
from tests import factories as f

pytestmark = pytest.mark.shared_world


TODAY = timezone.localdate
reasons_migration = importlib.import_module("members.migrations.0009_subjects_and_reasons_from_stored_text")


def html(response) -> str:
    return response.content.decode()


def field_error(response, field: str) -> str:
    """The text of the GOV.UK error message shown beside one field ('' if none)."""
    match = re.search(
        rf'<p id="id_{field}-error" class="govuk-error-message">(.*?)</p>', html(response), re.S
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def assert_error_summary_links_to(response, field_anchor: str) -> None:
    page = html(response)
    assert "govuk-error-summary" in page
    assert f'href="#{field_anchor}"' in page


# --- Sign-in and language -----------------------------------------------------------------------


def test_login_page_renders_a_labelled_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = html(response)
    assert '<label class="govuk-label" for="id_username">' in page
    assert '<label class="govuk-label" for="id_password">' in page


def test_login_signs_in_and_goes_to_the_dashboard(client, world):
    response = client.post(reverse("login"), {"username": "coordinator", "password": f.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_login_with_a_wrong_password_shows_an_error_and_does_not_sign_in(client, world):
    response = client.post(reverse("login"), {"username": "coordinator", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in html(response)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard")).status_code == 302


def test_language_switch_turns_the_page_welsh(client_for):
    client = client_for("coordinator")
    assert '<html lang="en"' in html(client.get(reverse("dashboard")))
    response = client.post(reverse("set_language"), {"language": "cy", "next": reverse("dashboard")})
    assert response.status_code == 302
    page = html(client.get(reverse("dashboard")))
    assert '<html lang="cy"' in page
    assert 'name="language" value="en"' in page  # the switch now offers English back


# --- Dashboards ---------------------------------------------------------------------------------


def test_coordinator_dashboard_counts_members_and_flags_documents(client_for, world):
    f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.APPLICANT)
    f.ComplianceDocumentFactory(coop=world.coop_a, expires_on=TODAY() - dt.timedelta(days=3))
    f.ComplianceDocumentFactory(coop=world.coop_b, expires_on=TODAY() + dt.timedelta(days=10))
    f.ComplianceDocumentFactory(coop=world.coop_other, expires_on=TODAY() - dt.timedelta(days=3))
    page = html(client_for("coordinator").get(reverse("dashboard")))
    assert "3 member co-ops, by membership status" in page
    assert "1 document has expired" in page  # coop_other's belongs to another consortium
    assert "1 document expires within 30 days" in page
    assert f'href="{reverse("document-list")}?expiry=expired"' in page
    # Two active co-ops, both social type A: 100% against the 70% threshold.
    assert "100.0% (2 of 2 active co-ops)" in page
    assert reverse("member-create") in page


def test_board_dashboard_shows_the_register_summary_without_compliance(client_for, world):
    page = html(client_for("board").get(reverse("dashboard")))
    assert "2 member co-ops, by membership status" in page
    assert "Share of social co-ops" in page
    assert "Compliance evidence" not in page
    assert reverse("member-create") not in page


def test_member_dashboard_shows_own_coop_and_its_flagged_documents(client_for, world):
    expiring = f.ComplianceDocumentFactory(coop=world.coop_a, title="Insurance renewing",
                                           expires_on=TODAY() + dt.timedelta(days=5))
    f.ComplianceDocumentFactory(coop=world.coop_a, title="Far future policy")
    f.ComplianceDocumentFactory(coop=world.coop_b, title="Coop B expiring",
                                expires_on=TODAY() + dt.timedelta(days=5))
    page = html(client_for("member_a").get(reverse("dashboard")))
    assert "Gofal A" in page
    assert "Insurance renewing" in page and "Expires soon" in page
    assert reverse("document-edit", args=[expiring.pk]) in page
    assert "Far future policy" not in page
    assert "Coop B expiring" not in page


def test_reviewer_dashboard_shows_their_council_and_its_partnership_board(client_for, world):
    page = html(client_for("reviewer").get(reverse("dashboard")))
    assert world.council.name_en in page
    assert world.council.regional_partnership_board in page
    assert "tenders" in page


def test_staff_admin_dashboard_links_to_the_back_office(db):
    admin = f.UserFactory(role=Role.STAFF_ADMIN, consortium=None)
    client = Client()
    client.force_login(admin)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert reverse("admin:index") in html(response)


# --- The register list --------------------------------------------------------------------------


def test_register_lists_own_consortium_coops_with_indicators(client_for, world):
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.SERVICE_USERS,
                              vote_share=Decimal("60"))
    page = html(client_for("coordinator").get(reverse("member-list")))
    assert "Gofal A" in page and "Gofal B" in page
    assert "Other Care" not in page
    assert "Yes <span class=\"govuk-body-s\">(60.00%)</span>" in page


def test_register_filters_by_status_and_council(client_for, world):
    suspended = f.MemberCoopFactory(consortium=world.consortium, trading_name="Gofal Suspended",
                                    status=MembershipStatus.SUSPENDED)
    client = client_for("board")
    page = html(client.get(reverse("member-list"), {"status": "suspended"}))
    assert suspended.trading_name in page and "Gofal A" not in page
    page = html(client.get(reverse("member-list"), {"council": world.council_other.pk}))
    assert "Gofal A" in page and "Gofal B" not in page  # only coop A serves Gwynedd


def test_register_filter_with_junk_values_shows_errors_not_a_crash(client_for, world):
    response = client_for("coordinator").get(
        reverse("member-list"), {"status": "nonsense", "council": "abc", "page": "x"}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in html(response)


def test_register_paginates(client_for, world):
    for n in range(30):
        f.MemberCoopFactory(consortium=world.consortium, legal_name=f"Zz Co-op {n:02d}",
                            trading_name="")
    client = client_for("coordinator")
    first = html(client.get(reverse("member-list")))
    second = html(client.get(reverse("member-list"), {"page": 2}))
    assert "32 member co-ops" in first
    assert 'aria-current="page">1<' in first and "?page=2" in first
    assert "Zz Co-op 29" in second and "Zz Co-op 29" not in first


def test_register_type_b_share_shows_below_threshold_as_text(client_for, world):
    f.MemberCoopFactory(consortium=world.consortium, trading_name="Gofal Gwaith",
                        social_coop_type=SocialCoopType.B, total_workers=10, disadvantaged_workers=2)
    page = html(client_for("coordinator").get(reverse("member-list")))
    assert "20.0% <strong class=\"govuk-tag govuk-tag--red\">Below 30%</strong>" in page


def test_member_user_is_sent_from_the_register_to_their_own_coop(client_for, world):
    response = client_for("member_a").get(reverse("member-list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("member-detail", args=[world.coop_a.pk])


def _many_coops(world, n: int) -> None:
    for i in range(n):
        coop = f.MemberCoopFactory(consortium=world.consortium, legal_name=f"Bulk {n}-{i}")
        f.StakeholderClassFactory(coop=coop)
        f.StakeholderClassFactory(coop=coop, kind=StakeholderKind.WORKERS, vote_share=Decimal("20"))


@pytest.mark.parametrize("rows", [3, 24])
def test_register_list_query_count_does_not_grow_with_rows(client_for, world, rows,
                                                           django_assert_max_num_queries):
    _many_coops(world, rows)
    client = client_for("coordinator")
    with django_assert_max_num_queries(9):
        response = client.get(reverse("member-list"), {"status": "active"})
    assert response.status_code == 200
    assert f"Bulk {rows}-{rows - 1}" in html(response)


# --- A co-op's page -----------------------------------------------------------------------------


def test_coop_page_shows_profile_classes_indicators_and_status_history(client_for, world):
    coop = world.coop_a
    CIWRegistration.objects.update_or_create(coop=coop, service_type=f.service(),
                                             defaults={"registration_number": "SIN-1234"})
    Contact.objects.create(coop=coop, name="Rhian Evans", email="rhian@example.org", is_primary=True)
    f.StakeholderClassFactory(coop=coop, kind=StakeholderKind.SERVICE_USERS, vote_share=Decimal("55"))
    f.StakeholderClassFactory(coop=coop, kind=StakeholderKind.WORKERS, vote_share=Decimal("45"))
    services.member_set_status(coop=coop, to_status=MembershipStatus.SUSPENDED,
                               reason="Insurance lapsed", by=world.user("coordinator"))
    page = html(client_for("board").get(reverse("member-detail", args=[coop.pk])))
    assert "Cydweithfa A Cyf" in page and "SIN-1234" in page and "Rhian Evans" in page
    assert world.council_other.name_en in page  # councils served
    assert "Service users hold 55.00% of votes" in page
    assert '<strong class="govuk-tag govuk-tag--green">Yes</strong>' in page  # user-led
    assert "Insurance lapsed" in page and "coordinator" in page
    assert "Compliance evidence" not in page  # board members see no individual evidence
    assert reverse("member-edit", args=[coop.pk]) not in page


def test_coop_page_flags_expired_and_expiring_documents_in_words(client_for, world):
    f.ComplianceDocumentFactory(coop=world.coop_a, title="Old cover",
                                expires_on=TODAY() - dt.timedelta(days=1))
    f.ComplianceDocumentFactory(coop=world.coop_a, title="Nearly due",
                                expires_on=TODAY() + dt.timedelta(days=29))
    for persona in ("coordinator", "member_a"):
        page = html(client_for(persona).get(reverse("member-detail", args=[world.coop_a.pk])))
        assert re.search(r"Old cover.*?Expired", page, re.S), persona
        assert re.search(r"Nearly due.*?Expires soon", page, re.S), persona


def test_type_b_coop_page_shows_the_disadvantaged_worker_share(client_for, world):
    coop = f.MemberCoopFactory(consortium=world.consortium, social_coop_type=SocialCoopType.B,
                               total_workers=20, disadvantaged_workers=7)
    page = html(client_for("coordinator").get(reverse("member-detail", args=[coop.pk])))
    assert "35.0% of workers are from disadvantaged groups" in page
    assert "Meets the threshold" in page


def test_wrong_coop_pk_is_not_found(client_for, world):
    assert client_for("coordinator").get("/members/999999/").status_code == 404
    assert client_for("coordinator").get(reverse("member-edit", args=[999999])).status_code == 404


# --- Creating and changing a co-op --------------------------------------------------------------


def _member_form(**overrides) -> dict:
    data = {
        "legal_name": "Cydweithfa Newydd Cyf", "trading_name": "Gofal Newydd",
        "legal_form": "coop_society", "coop_type": CoopType.WORKER, "social_coop_type": "A",
        "welsh_language": "some", "total_workers": "12", "disadvantaged_workers": "0",
    }
    data.update(overrides)
    return data


def test_coordinator_adds_a_coop_as_applicant(client_for, world):
    client = client_for("coordinator")
    data = _member_form(councils_served=[world.council.pk, world.council_other.pk],
                        service_types=[f.service().pk])
    response = client.post(reverse("member-create"), data)
    coop = MemberCoop.objects.get(legal_name="Cydweithfa Newydd Cyf")
    assert response.status_code == 302
    assert response["Location"] == reverse("member-detail", args=[coop.pk])
    assert coop.consortium == world.consortium
    assert coop.status == MembershipStatus.APPLICANT
    assert set(coop.councils_served.all()) == {world.council, world.council_other}
    assert "was added to the register" in html(client.get(response["Location"]))


def test_add_coop_form_shows_checkboxes_for_councils_and_services(client_for, world):
    page = html(client_for("coordinator").get(reverse("member-create")))
    assert page.count('class="govuk-checkboxes__input"') == 22 + 7
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Councils served</legend>' in page


def test_add_coop_with_junk_gives_field_errors_and_adds_nothing(client_for, world):
    before = MemberCoop.objects.count()
    response = client_for("coordinator").post(reverse("member-create"), _member_form(
        legal_name="", total_workers="lots", coop_type="bogus", base_council="999999",
        councils_served=["abc"], trading_name="x" * 300, disadvantaged_workers=str(10**30),
    ))
    assert response.status_code == 200
    assert field_error(response, "legal_name") == "Error: Enter the legal name"
    assert "whole number" in field_error(response, "total_workers")
    assert field_error(response, "coop_type")
    assert field_error(response, "base_council")
    assert field_error(response, "councils_served")
    assert field_error(response, "trading_name") and field_error(response, "disadvantaged_workers")
    assert_error_summary_links_to(response, "id_councils_served_0")
    assert_error_summary_links_to(response, "id_total_workers")
    assert "<title>Error:" in html(response)
    assert MemberCoop.objects.count() == before


def test_add_coop_with_huge_worker_numbers_errs_instead_of_overflowing(client_for, world):
    response = client_for("coordinator").post(reverse("member-create"), _member_form(
        total_workers=str(10**30), disadvantaged_workers=str(10**30)))
    assert response.status_code == 200
    assert field_error(response, "total_workers") and field_error(response, "disadvantaged_workers")
    assert not MemberCoop.objects.filter(legal_name="Cydweithfa Newydd Cyf").exists()


def test_add_coop_with_a_taken_name_or_too_many_disadvantaged_workers_errs_on_the_field(client_for,
                                                                                         world):
    client = client_for("coordinator")
    response = client.post(reverse("member-create"), _member_form(legal_name="Cydweithfa A Cyf"))
    assert "already in the consortium" in field_error(response, "legal_name")
    response = client.post(reverse("member-create"),
                           _member_form(total_workers="5", disadvantaged_workers="9"))
    assert "cannot be more than all workers" in field_error(response, "disadvantaged_workers")
    assert not MemberCoop.objects.filter(legal_name="Cydweithfa Newydd Cyf").exists()


def test_member_user_edits_own_profile_and_services(client_for, world):
    client = client_for("member_a")
    form_page = html(client.get(reverse("member-edit", args=[world.coop_a.pk])))
    assert 'value="Cydweithfa A Cyf"' in form_page
    data = _member_form(legal_name="Cydweithfa A Cyf", trading_name="Gofal A Newydd",
                        councils_served=[world.council.pk], service_types=[f.service("respite").pk])
    response = client.post(reverse("member-edit", args=[world.coop_a.pk]), data)
    assert response.status_code == 302
    world.coop_a.refresh_from_db()
    assert world.coop_a.trading_name == "Gofal A Newydd"
    assert list(world.coop_a.councils_served.all()) == [world.council]
    assert list(world.coop_a.service_types.all()) == [f.service("respite")]


def test_member_user_cannot_edit_another_coop(client_for, world):
    response = client_for("member_a").post(reverse("member-edit", args=[world.coop_b.pk]),
                                           _member_form(legal_name="Hijacked"))
    assert response.status_code == 404
    world.coop_b.refresh_from_db()
    assert world.coop_b.legal_name == "Cydweithfa B Cyf"


# --- Membership status --------------------------------------------------------------------------


def test_status_form_offers_only_the_allowed_next_statuses(client_for, world):
    applicant = f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.APPLICANT)
    page = html(client_for("coordinator").get(reverse("member-status", args=[applicant.pk])))
    assert 'value="withdrawn"' in page
    # An applicant is admitted by the board (governance's applications), not moved here by hand.
    assert 'value="active"' not in page and 'value="suspended"' not in page


def test_coordinator_suspends_a_coop_with_reason_and_date(client_for, world):
    client = client_for("coordinator")
    when = TODAY() - dt.timedelta(days=2)
    response = client.post(reverse("member-status", args=[world.coop_a.pk]), {
        "to_status": "suspended", "reason": "Missing insurance", "effective_on": when.isoformat(),
    })
    assert response.status_code == 302
    world.coop_a.refresh_from_db()
    assert world.coop_a.status == MembershipStatus.SUSPENDED
    change = world.coop_a.status_changes.first()
    assert (change.from_status, change.to_status, change.effective_on) == ("active", "suspended", when)
    assert change.changed_by == world.user("coordinator")


def test_status_change_without_reason_or_to_a_disallowed_status_changes_nothing(client_for, world):
    client = client_for("coordinator")
    url = reverse("member-status", args=[world.coop_a.pk])
    response = client.post(url, {"to_status": "suspended", "reason": "", "effective_on": "not a date"})
    assert field_error(response, "reason")
    assert field_error(response, "effective_on")
    response = client.post(url, {"to_status": "applicant", "reason": "Back", "effective_on": "2025-01-01"})
    assert field_error(response, "to_status")
    assert_error_summary_links_to(response, "id_to_status_0")
    world.coop_a.refresh_from_db()
    assert world.coop_a.status == MembershipStatus.ACTIVE


@pytest.mark.parametrize("when", ["1900-01-01", "1999-12-31", "2101-01-01", "2999-01-01"])
def test_status_change_dated_outside_2000_to_2100_errs_on_the_date(client_for, world, when):
    response = client_for("coordinator").post(reverse("member-status", args=[world.coop_a.pk]), {
        "to_status": "suspended", "reason": "Missing insurance", "effective_on": when,
    })
    assert "between 2000 and 2100" in field_error(response, "effective_on")
    world.coop_a.refresh_from_db()
    assert world.coop_a.status == MembershipStatus.ACTIVE
    assert not world.coop_a.status_changes.exists()


# --- Stakeholder classes ------------------------------------------------------------------------


def test_member_adds_and_changes_a_stakeholder_class(client_for, world):
    client = client_for("member_a")
    url = reverse("stakeholder-edit", args=[world.coop_a.pk])
    response = client.post(url, {"kind": "service_users", "member_count": "40", "vote_share": "51"})
    assert response.status_code == 302 and response["Location"] == url
    client.post(url, {"kind": "service_users", "member_count": "42", "vote_share": "60"})
    sc = StakeholderClass.objects.get(coop=world.coop_a)
    assert (sc.member_count, sc.vote_share) == (42, Decimal("60"))
    page = html(client.get(url, {"kind": "service_users"}))
    assert 'value="42"' in page  # "change" prefills the form
    assert "Service users hold 60.00% of votes" in page


@pytest.mark.parametrize("data, field", [
    ({"kind": "workers", "member_count": "ten", "vote_share": "10"}, "member_count"),
    ({"kind": "workers", "member_count": "10", "vote_share": "150"}, "vote_share"),
    ({"kind": "workers", "member_count": "10", "vote_share": "abc"}, "vote_share"),
    ({"kind": "workers", "member_count": "-1", "vote_share": "10"}, "member_count"),
    ({"kind": "nobody", "member_count": "10", "vote_share": "10"}, "kind"),
    ({"kind": "workers", "member_count": "10", "vote_share": "50"}, "vote_share"),  # 60 + 50 > 100
])
def test_bad_stakeholder_input_errs_on_the_field_and_changes_nothing(client_for, world, data, field):
    f.StakeholderClassFactory(coop=world.coop_a, vote_share=Decimal("60"))
    response = client_for("coordinator").post(reverse("stakeholder-edit", args=[world.coop_a.pk]), data)
    assert response.status_code == 200
    assert field_error(response, field)
    assert StakeholderClass.objects.filter(coop=world.coop_a).count() == 1


def test_stakeholder_class_is_removed_by_post_only(client_for, world):
    sc = f.StakeholderClassFactory(coop=world.coop_a)
    client = client_for("coordinator")
    url = reverse("stakeholder-delete", args=[world.coop_a.pk, sc.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not StakeholderClass.objects.filter(pk=sc.pk).exists()


def test_stakeholder_class_of_another_coop_cannot_be_removed_through_mine(client_for, world):
    other = f.StakeholderClassFactory(coop=world.coop_b)
    response = client_for("member_a").post(
        reverse("stakeholder-delete", args=[world.coop_a.pk, other.pk]))
    assert response.status_code == 404
    assert StakeholderClass.objects.filter(pk=other.pk).exists()


# --- Contacts and CIW registrations -------------------------------------------------------------


def test_contacts_are_added_and_changed(client_for, world):
    client = client_for("member_a")
    response = client.post(reverse("contact-create", args=[world.coop_a.pk]), {
        "name": "Siân Jones", "role": "Secretary", "email": "sian@example.org", "is_primary": "on",
    })
    assert response.status_code == 302
    contact = Contact.objects.get(coop=world.coop_a)
    assert contact.is_primary and not contact.speaks_welsh
    response = client.post(reverse("contact-edit", args=[world.coop_a.pk, contact.pk]), {
        "name": "Siân Jones", "email": "sian@example.org", "speaks_welsh": "on",
    })
    contact.refresh_from_db()
    assert contact.speaks_welsh and not contact.is_primary and contact.role == ""


def test_contact_with_a_bad_email_errs_and_a_foreign_contact_is_not_found(client_for, world):
    client = client_for("coordinator")
    response = client.post(reverse("contact-create", args=[world.coop_a.pk]),
                           {"name": "", "email": "not-an-email"})
    assert field_error(response, "name") and field_error(response, "email")
    assert not Contact.objects.exists()
    foreign = Contact.objects.create(coop=world.coop_b, name="B", email="b@example.org")
    assert client.get(reverse("contact-edit", args=[world.coop_a.pk, foreign.pk])).status_code == 404


def test_ciw_registration_is_recorded_once_per_service(client_for, world):
    CIWRegistration.objects.all().delete()  # the factory registers each co-op's services
    client = client_for("coordinator")
    url = reverse("ciw-registration-create", args=[world.coop_a.pk])
    data = {"service_type": f.service().pk, "registration_number": "SIN-0001",
            "registered_on": "2020-04-01"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "registration_number": "SIN-0002"})
    assert "already has a CIW registration" in field_error(response, "service_type")
    response = client.post(url, {"service_type": "999999", "registration_number": "",
                                 "registered_on": "31/31/2020"})
    assert field_error(response, "service_type") and field_error(response, "registration_number")
    assert field_error(response, "registered_on")
    assert list(CIWRegistration.objects.values_list("registration_number", flat=True)) == ["SIN-0001"]


def test_ciw_registration_dated_1900_is_refused_on_its_date(client_for, world):
    CIWRegistration.objects.all().delete()  # the factory registers each co-op's services
    response = client_for("coordinator").post(
        reverse("ciw-registration-create", args=[world.coop_a.pk]),
        {"service_type": f.service().pk, "registration_number": "SIN-0003", "registered_on": "1900-01-01"})
    assert "between 2000 and 2100" in field_error(response, "registered_on")
    assert not CIWRegistration.objects.exists()


# --- Compliance documents -----------------------------------------------------------------------


def test_member_adds_a_document_with_a_file(client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("member_a")
    upload = SimpleUploadedFile("cover.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(reverse("document-create", args=[world.coop_a.pk]), {
        "doc_type": "public_liability", "title": "Public liability 2025", "reference": "PL-9",
        "issued_on": "2025-01-01", "expires_on": "2026-01-01", "file": upload,
    })
    assert response.status_code == 302
    doc = ComplianceDocument.objects.get(coop=world.coop_a)
    assert doc.file.name.endswith(".pdf") and doc.uploaded_by == world.user("member_a")
    assert doc.expires_on == dt.date(2026, 1, 1)


def test_document_form_multipart_and_bad_dates_err_on_the_field(client_for, world):
    client = client_for("coordinator")
    url = reverse("document-create", args=[world.coop_a.pk])
    assert 'enctype="multipart/form-data"' in html(client.get(url))
    response = client.post(url, {"doc_type": "accounts", "title": "Accounts",
                                 "issued_on": "2025-06-01", "expires_on": "2025-01-01"})
    assert "on or after the issue date" in field_error(response, "expires_on")
    response = client.post(url, {"doc_type": "accounts", "title": "", "issued_on": "yesterday"})
    assert field_error(response, "title") and field_error(response, "issued_on")
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(url, {"doc_type": "accounts", "title": "Accounts", "file": upload})
    assert field_error(response, "file")
    assert not ComplianceDocument.objects.exists()


@pytest.mark.parametrize("name, size", [("page.html", 100), ("big.pdf", 10 * 1024 * 1024 + 1)])
def test_web_and_api_refuse_a_document_file_with_the_same_message(client_for, api_for, world,
                                                                  settings, tmp_path, name, size):
    settings.MEDIA_ROOT = tmp_path
    data = {"doc_type": "accounts", "title": "Accounts"}
    upload = SimpleUploadedFile(name, b"x" * size)
    web = field_error(client_for("coordinator").post(reverse("document-create", args=[world.coop_a.pk]),
                                                     {**data, "file": upload}), "file")
    upload = SimpleUploadedFile(name, b"x" * size)
    response = api_for("coordinator").post("/api/v1/compliance-documents/",
                                           {**data, "coop": world.coop_a.pk, "file": upload},
                                           format="multipart")
    assert response.status_code == 400
    assert web and response.json()["file"] == [web.removeprefix("Error:").strip()]
    assert not ComplianceDocument.objects.exists()


def test_document_is_changed_and_deleted_after_confirmation(client_for, world):
    doc = f.ComplianceDocumentFactory(coop=world.coop_a, title="Old title")
    client = client_for("member_a")
    response = client.post(reverse("document-edit", args=[doc.pk]), {
        "doc_type": doc.doc_type, "title": "New title", "expires_on": "2030-01-01",
    })
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.title == "New title" and doc.issued_on is None
    confirm = client.get(reverse("document-delete", args=[doc.pk]))
    assert "Delete “New title”?" in html(confirm)
    assert ComplianceDocument.objects.filter(pk=doc.pk).exists()
    assert client.post(reverse("document-delete", args=[doc.pk])).status_code == 302
    assert not ComplianceDocument.objects.filter(pk=doc.pk).exists()


def test_document_of_another_coop_is_not_found_for_a_member(client_for, world):
    doc = f.ComplianceDocumentFactory(coop=world.coop_b)
    client = client_for("member_a")
    assert client.get(reverse("document-edit", args=[doc.pk])).status_code == 404
    assert client.post(reverse("document-delete", args=[doc.pk])).status_code == 404
    assert ComplianceDocument.objects.filter(pk=doc.pk).exists()


def _document_with_a_file(coop, content: bytes = b"%PDF-1.4 insurance cover"):
    doc = f.ComplianceDocumentFactory(coop=coop, title="Employer's liability")
    doc.file.save("cover.pdf", ContentFile(content), save=True)
    return doc


def test_owner_and_coordinator_download_a_documents_file_from_its_link(client_for, world, settings,
                                                                        tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = _document_with_a_file(world.coop_a)
    url = reverse("document-download", args=[doc.pk])
    for persona, page_url in (("member_a", reverse("document-list")),
                              ("coordinator", reverse("member-detail", args=[world.coop_a.pk])),
                              ("member_a", reverse("document-edit", args=[doc.pk]))):
        client = client_for(persona)
        page = html(client.get(page_url))
        # the link names the file and its size, and leads to the checked download
        assert f'href="{url}"' in page, (persona, page_url)
        assert "cover.pdf</a> <span class=\"govuk-body-s\">(24\xa0bytes)</span>" in page, (persona, page_url)
        assert settings.MEDIA_URL not in page and doc.file.name not in page, (persona, page_url)
        response = client.get(url)
        assert response.status_code == 200, persona
        assert b"".join(response.streaming_content) == b"%PDF-1.4 insurance cover"
        assert response["Content-Disposition"] == 'attachment; filename="cover.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"


def test_nobody_else_downloads_a_documents_file_and_no_media_address_serves_it(
        client_for, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = _document_with_a_file(world.coop_a)
    url = reverse("document-download", args=[doc.pk])
    for persona in ("member_b", "coordinator_other", "reviewer", "reviewer_other", "board", "applicant"):
        assert client_for(persona).get(url).status_code == 404, persona
    response = client_for("anonymous").get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    # the stored file has no public address, for anyone
    for persona in ("anonymous", "member_a", "coordinator"):
        assert client_for(persona).get(f"/{settings.MEDIA_URL}{doc.file.name}").status_code == 404, persona


def test_a_document_without_a_file_or_whose_file_is_gone_has_no_download(client_for, world, settings,
                                                                          tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bare = f.ComplianceDocumentFactory(coop=world.coop_a, title="No file")
    gone = _document_with_a_file(world.coop_a)
    gone.file.storage.delete(gone.file.name)
    client = client_for("member_a")
    assert client.get(reverse("document-download", args=[bare.pk])).status_code == 404
    assert client.get(reverse("document-download", args=[gone.pk])).status_code == 404
    page = html(client.get(reverse("document-list")))  # the list still answers, naming the file
    assert reverse("document-download", args=[bare.pk]) not in page
    assert f'href="{reverse("document-download", args=[gone.pk])}"' in page


def test_document_list_filters_for_the_coordinator(client_for, world):
    f.ComplianceDocumentFactory(coop=world.coop_a, title="Lapsed A",
                                expires_on=TODAY() - dt.timedelta(days=1))
    f.ComplianceDocumentFactory(coop=world.coop_b, title="Soon B",
                                expires_on=TODAY() + dt.timedelta(days=7))
    f.ComplianceDocumentFactory(coop=world.coop_b, title="Fine B", doc_type="accounts")
    f.ComplianceDocumentFactory(coop=world.coop_other, title="Elsewhere")
    client = client_for("coordinator")
    page = html(client.get(reverse("document-list")))
    assert "Lapsed A" in page and "Soon B" in page and "Fine B" in page
    assert "Elsewhere" not in page
    page = html(client.get(reverse("document-list"), {"expiry": "expired"}))
    assert "Lapsed A" in page and "Soon B" not in page
    page = html(client.get(reverse("document-list"), {"expiry": "expiring"}))
    assert "Soon B" in page and "Lapsed A" not in page
    page = html(client.get(reverse("document-list"), {"doc_type": "accounts", "coop": world.coop_b.pk}))
    assert "Fine B" in page and "Soon B" not in page
    response = client.get(reverse("document-list"), {"coop": world.coop_other.pk, "expiry": "x"})
    assert response.status_code == 200 and field_error(response, "coop")


def test_document_list_of_a_member_shows_only_its_own(client_for, world):
    f.ComplianceDocumentFactory(coop=world.coop_a, title="Mine")
    f.ComplianceDocumentFactory(coop=world.coop_b, title="Theirs")
    page = html(client_for("member_a").get(reverse("document-list")))
    assert "Mine" in page and "Theirs" not in page
    assert 'name="coop"' not in page  # no co-op filter for a member


@pytest.mark.parametrize("rows", [2, 20])
def test_document_list_query_count_does_not_grow_with_rows(client_for, world, rows,
                                                           django_assert_max_num_queries):
    for i in range(rows):
        coop = world.coop_a if i % 2 else world.coop_b
        f.ComplianceDocumentFactory(coop=coop, expires_on=TODAY() + dt.timedelta(days=i))
    client = client_for("coordinator")
    with django_assert_max_num_queries(7):
        response = client.get(reverse("document-list"))
    assert response.status_code == 200
    assert f"{rows} documents" in html(response)


# --- History ------------------------------------------------------------------------------------


def test_history_shows_who_changed_what(client_for, world):
    coordinator = world.user("coordinator")
    services.member_update(coop=world.coop_a, by=world.user("member_a"), trading_name="Gofal A Plus")
    services.stakeholder_class_save(coop=world.coop_a, kind="workers", member_count=5,
                                    vote_share=Decimal("20"), by=coordinator)
    services.stakeholder_class_save(coop=world.coop_a, kind="workers", member_count=6,
                                    vote_share=Decimal("25"), by=coordinator)
    doc = services.document_create(coop=world.coop_a, by=coordinator, doc_type="accounts",
                                   title="Accounts 2024")
    services.document_delete(document=doc, by=coordinator)
    page = html(client_for("coordinator").get(reverse("member-history", args=[world.coop_a.pk])))
    assert re.search(r"member-a.*?Co-op profile: Gofal A Plus.*?trading name: Gofal A → Gofal A Plus",
                     page, re.S)
    assert "share of votes (%): 20.00 → 25.00" in page
    assert "Compliance document: Accounts 2024" in page and "Deleted" in page


def test_history_is_for_coordinators_only(client_for, world):
    assert client_for("member_a").get(reverse("member-history", args=[world.coop_a.pk])).status_code == 403
    assert client_for("member_b").get(reverse("member-history", args=[world.coop_a.pk])).status_code == 404


def test_membership_history_reads_as_a_chain_when_an_admission_is_dated_back(client_for, world):
    """A co-op recorded today as an applicant and admitted with effect from a year ago: the page
    lists Applicant -> Active above its first record, not the other way round."""
    coordinator = world.user("coordinator")
    coop = services.member_create(consortium=world.consortium, by=coordinator,
                                  legal_name="Cydweithfa Hanes Cyf", trading_name="Hanes")
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    services.member_set_status(coop=coop, to_status=MembershipStatus.ACTIVE, reason="Admitted",
                               by=coordinator, effective_on=year_ago, admitted=True)
    page = client_for("coordinator").get(reverse("member-detail", args=[coop.pk])).content.decode()
    history = page[page.index("Changes of membership status"):]
    history = history[:history.index("</table>")]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", history, flags=re.S)[1:]
    cells = [re.findall(r"<t[hd][^>]*>\s*(.*?)\s*</t[hd]>", row, flags=re.S) for row in rows]
    assert [(c[1], c[2]) for c in cells] == [("Applicant", "Active"), ("—", "Applicant")]


def test_a_status_change_the_product_records_reads_in_the_readers_language(client_for, world, api_for):
    """The reasons "Application recorded" and an admission by the board are stored as codes: a Welsh reader
    reads them in Welsh, on the page and through the API; a typed reason reads as typed."""
    coordinator = world.user("coordinator")
    coop = services.member_create(consortium=world.consortium, by=coordinator,
                                  legal_name="Cydweithfa Iaith Cyf", trading_name="Iaith")
    services.member_set_status(coop=coop, to_status=MembershipStatus.ACTIVE, by=coordinator,
                               admitted=True, reason_code=StatusChangeReason.ADMITTED_BY_BOARD,
                               reason_params={"ballot": 7})
    services.member_set_status(coop=coop, to_status=MembershipStatus.SUSPENDED, by=coordinator,
                               reason="Insurance lapsed")
    first, admitted = coop.status_changes.order_by("pk")[:2]
    assert (first.reason, admitted.reason) == ("Application recorded", "Admitted by the board (ballot 7)")
    welsh = client_for("coordinator")
    welsh.cookies["django_language"] = "cy"
    page = welsh.get(reverse("member-detail", args=[coop.pk])).content.decode()
    assert "Cais wedi&#x27;i gofnodi" in page
    assert "Derbyniwyd gan y bwrdd (pleidlais 7)" in page
    assert "Insurance lapsed" in page and "Application recorded" not in page
    answer = api_for("coordinator").get(f"/api/v1/members/{coop.pk}/", HTTP_ACCEPT_LANGUAGE="cy").json()
    assert {c["reason"] for c in answer["status_changes"]} >= {"Cais wedi'i gofnodi", "Insurance lapsed"}


def test_stored_english_status_reasons_are_read_back_into_codes():
    read = reasons_migration.reason_code_and_params
    assert read("Application recorded") == ("application_recorded", {})
    assert read("Admitted by the board (ballot 12)") == ("admitted_by_board", {"ballot": 12})
    assert read("Admitted by the board") == ("admitted_by_board", {})
    assert read("Insurance lapsed") == ("", {})
