"""The member register API: scoping per persona, writes through services, bad input, schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from members.models import (
    CapacityDeclaration,
    ComplianceDocument,
    DocumentType,
    MemberCoop,
    MembershipStatus,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
    WelshCapability,
)
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]

API = "/api/v1"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def today() -> dt.date:
    return timezone.localdate()


def declaration_payload(world, **overrides) -> dict:
    data = {
        "coop": world.coop_a.pk,
        "service_type": f.service().pk,
        "council": world.council.pk,
        "time_band": "weekday_day",
        "declared_volume": "120.00",
        "staff_fte": "4.50",
        "welsh_speaking_share": "25.00",
        "min_package": "2.00",
        "max_package": "20.00",
    }
    data.update(overrides)
    return data


# --- Token auth and the schema ---------------------------------------------------------------


def test_token_login_returns_a_token_that_authenticates(world):
    from rest_framework.test import APIClient

    client = APIClient()
    response = client.post(f"{API}/auth/token/", {"username": "member-a", "password": f.PASSWORD},
                           format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get(f"{API}/members/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert ids(client.get(f"{API}/members/")) == {world.coop_a.pk}


def test_token_login_with_a_wrong_password_is_refused_with_400(world):
    from rest_framework.test import APIClient

    response = APIClient().post(f"{API}/auth/token/",
                                {"username": "member-a", "password": "not-the-password"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_openapi_schema_is_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/members/{id}/status/" in response.content


def test_openapi_schema_builds_without_warnings(db, tmp_path):
    # --fail-on-warn exits with an error for any drf-spectacular warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/capacity/pooled/" in (tmp_path / "s.yml").read_text()


def test_anonymous_gets_401_from_the_register(api_for, world):
    assert api_for("anonymous").get(f"{API}/members/").status_code == 401


# --- Member co-ops: reads --------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("coordinator", {"coop_a", "coop_b"}),
        ("board", {"coop_a", "coop_b"}),
        ("member_a", {"coop_a"}),
        ("member_b", {"coop_b"}),
        ("reviewer", set()),
        ("reviewer_other", set()),
        ("coordinator_other", {"coop_other"}),
    ],
)
def test_member_list_is_scoped_to_the_persona(api_for, world, persona, expected):
    want = {getattr(world, name).pk for name in expected}
    assert ids(api_for(persona).get(f"{API}/members/")) == want


@pytest.mark.parametrize(
    "persona, code",
    [("coordinator", 200), ("board", 200), ("member_a", 200), ("member_b", 404),
     ("reviewer", 404), ("coordinator_other", 404), ("anonymous", 401)],
)
def test_member_detail_answers_404_to_those_who_may_not_see_it(api_for, world, persona, code):
    assert api_for(persona).get(f"{API}/members/{world.coop_a.pk}/").status_code == code


def test_member_output_has_stakeholder_classes_and_indicators(api_for, world):
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.SERVICE_USERS,
                              vote_share=Decimal("60"))
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.WORKERS,
                              vote_share=Decimal("40"))
    row = api_for("board").get(f"{API}/members/{world.coop_a.pk}/").json()
    assert {c["kind"] for c in row["stakeholder_classes"]} == {"service_users", "workers"}
    assert row["indicators"]["user_led"] is True
    assert Decimal(row["indicators"]["vote_share_total"]) == Decimal("100")
    listed = api_for("coordinator").get(f"{API}/members/").json()["results"]
    coop_b = next(r for r in listed if r["id"] == world.coop_b.pk)
    assert coop_b["indicators"]["user_led"] is False


def test_type_b_indicator_reports_the_disadvantaged_worker_share(api_for, world):
    MemberCoop.objects.filter(pk=world.coop_b.pk).update(
        social_coop_type=SocialCoopType.B, total_workers=10, disadvantaged_workers=2
    )
    row = api_for("coordinator").get(f"{API}/members/{world.coop_b.pk}/").json()
    assert Decimal(row["indicators"]["disadvantaged_worker_share"]) == Decimal("20.0")
    assert row["indicators"]["meets_type_b_threshold"] is False


def test_member_filters_narrow_the_list(api_for, world):
    api = api_for("coordinator")
    MemberCoop.objects.filter(pk=world.coop_b.pk).update(
        status=MembershipStatus.SUSPENDED, welsh_language=WelshCapability.ACTIVE_OFFER
    )
    assert ids(api.get(f"{API}/members/", {"status": "suspended"})) == {world.coop_b.pk}
    assert ids(api.get(f"{API}/members/", {"welsh_language": "active_offer"})) == {world.coop_b.pk}
    assert ids(api.get(f"{API}/members/", {"council": world.council_other.pk})) == {world.coop_a.pk}
    assert ids(api.get(f"{API}/members/", {"search": "gofal b"})) == {world.coop_b.pk}
    care_home = f.service("care-home")
    world.coop_b.service_types.add(care_home)
    assert ids(api.get(f"{API}/members/", {"service_type": care_home.pk})) == {world.coop_b.pk}
    assert ids(api.get(f"{API}/members/", {"coop_type": "worker"})) == set()


@pytest.mark.parametrize("params", [{"council": "abc"}, {"council": 99999999},
                                    {"status": "dormant"}, {"service_type": "1; drop"}])
def test_member_filters_with_garbage_answer_400(api_for, world, params):
    response = api_for("coordinator").get(f"{API}/members/", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_garbage_ids_in_the_url_answer_404_not_500(api_for, world):
    api = api_for("coordinator")
    for path in ("members", "stakeholder-classes", "compliance-documents", "capacity-declarations"):
        assert api.get(f"{API}/{path}/99999999999999999999999/").status_code == 404
        assert api.get(f"{API}/{path}/abc/").status_code == 404


def test_consortium_indicators_give_the_social_coop_share(api_for, world):
    response = api_for("board").get(f"{API}/members/indicators/")
    assert response.status_code == 200
    assert response.json()["active_members"] == 2
    assert Decimal(response.json()["social_coop_share"]) == Decimal("100.0")
    assert api_for("reviewer").get(f"{API}/members/indicators/").status_code == 403


# --- Member co-ops: writes -------------------------------------------------------------------


def new_member(**overrides) -> dict:
    data = {"legal_name": "Cydweithfa Newydd Cyf", "legal_form": "coop_society",
            "coop_type": "worker", "councils_served": [f.council().pk],
            "service_types": [f.service().pk], "total_workers": 12, "disadvantaged_workers": 4}
    data.update(overrides)
    return data


def test_coordinator_adds_a_member_as_an_applicant(api_for, world):
    response = api_for("coordinator").post(f"{API}/members/", new_member(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applicant"
    assert body["councils_served"] == [f.council().pk]
    assert body["status_changes"][0]["to_status"] == "applicant"
    assert body["status_changes"][0]["from_status"] is None
    assert MemberCoop.objects.get(pk=body["id"]).consortium == world.consortium


@pytest.mark.parametrize("persona, code", [("board", 403), ("member_a", 403), ("reviewer", 403),
                                           ("anonymous", 401)])
def test_only_coordinators_add_members(api_for, world, persona, code):
    response = api_for(persona).post(f"{API}/members/", new_member(), format="json")
    assert response.status_code == code
    assert not MemberCoop.objects.filter(legal_name="Cydweithfa Newydd Cyf").exists()


def test_another_consortiums_coordinator_adds_to_its_own_consortium(api_for, world):
    response = api_for("coordinator_other").post(f"{API}/members/", new_member(), format="json")
    assert response.status_code == 201
    assert MemberCoop.objects.get(pk=response.json()["id"]).consortium == world.consortium_other


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"legal_form": "partnership"}, "legal_form"),
        ({"coop_type": None}, "coop_type"),
        ({"disadvantaged_workers": 13}, "disadvantaged_workers"),
        ({"total_workers": -1}, "total_workers"),
        ({"councils_served": ["abc"]}, "councils_served"),
        ({"councils_served": [99999999]}, "councils_served"),
        ({"base_council": "Cardiff"}, "base_council"),
        ({"legal_name": "Cydweithfa B Cyf"}, "legal_name"),
        ({"legal_name": "   "}, "legal_name"),
    ],
)
def test_bad_member_input_gets_field_errors_and_changes_nothing(api_for, world, overrides, field):
    before = MemberCoop.objects.count()
    response = api_for("coordinator").post(f"{API}/members/", new_member(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert MemberCoop.objects.count() == before


def test_member_user_changes_its_own_profile(api_for, world):
    response = api_for("member_a").patch(
        f"{API}/members/{world.coop_a.pk}/", {"welsh_language": "some", "total_workers": 25},
        format="json",
    )
    assert response.status_code == 200, response.content
    world.coop_a.refresh_from_db()
    assert (world.coop_a.welsh_language, world.coop_a.total_workers) == ("some", 25)


@pytest.mark.parametrize("persona, code", [("board", 403), ("member_b", 404), ("reviewer", 404),
                                           ("coordinator_other", 404), ("anonymous", 401)])
def test_others_cannot_change_a_coops_profile(api_for, world, persona, code):
    response = api_for(persona).patch(f"{API}/members/{world.coop_a.pk}/", {"trading_name": "Hacked"},
                                      format="json")
    assert response.status_code == code
    world.coop_a.refresh_from_db()
    assert world.coop_a.trading_name == "Gofal A"


def test_profile_change_is_checked_against_the_stored_values(api_for, world):
    response = api_for("coordinator").patch(
        f"{API}/members/{world.coop_a.pk}/", {"disadvantaged_workers": 21}, format="json"
    )
    assert response.status_code == 400
    assert "disadvantaged_workers" in response.json()


def test_coordinator_moves_membership_status_and_the_change_is_listed(api_for, world):
    api = api_for("coordinator")
    response = api.post(f"{API}/members/{world.coop_a.pk}/status/",
                        {"to_status": "suspended", "reason": "Insurance lapsed",
                         "effective_on": "2025-01-31"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    change = api.get(f"{API}/members/{world.coop_a.pk}/").json()["status_changes"][0]
    assert change["from_status"] == "active"
    assert change["to_status"] == "suspended"
    assert change["reason"] == "Insurance lapsed"
    assert change["effective_on"] == "2025-01-31"
    assert change["changed_by"] == "coordinator"


@pytest.mark.parametrize(
    "payload, field",
    [({"to_status": "applicant", "reason": "Back"}, "to_status"),
     ({"to_status": "dormant", "reason": "x"}, "to_status"),
     ({"to_status": "suspended", "reason": ""}, "reason"),
     ({"to_status": "suspended", "reason": "x", "effective_on": "31/01/2025"}, "effective_on"),
     ({"to_status": "suspended", "reason": "x", "effective_on": "1900-01-01"}, "effective_on"),
     ({"to_status": "suspended", "reason": "x", "effective_on": "2999-01-01"}, "effective_on")],
)
def test_bad_status_moves_are_refused_by_field(api_for, world, payload, field):
    response = api_for("coordinator").post(f"{API}/members/{world.coop_a.pk}/status/", payload,
                                           format="json")
    assert response.status_code == 400
    assert field in response.json()
    world.coop_a.refresh_from_db()
    assert world.coop_a.status == MembershipStatus.ACTIVE


@pytest.mark.parametrize("persona, code", [("board", 403), ("member_a", 403), ("member_b", 404),
                                           ("reviewer", 404), ("coordinator_other", 404)])
def test_only_the_coordinator_moves_membership_status(api_for, world, persona, code):
    response = api_for(persona).post(f"{API}/members/{world.coop_a.pk}/status/",
                                     {"to_status": "withdrawn", "reason": "x"}, format="json")
    assert response.status_code == code
    world.coop_a.refresh_from_db()
    assert world.coop_a.status == MembershipStatus.ACTIVE


# --- Stakeholder classes ---------------------------------------------------------------------


def test_member_adds_a_stakeholder_class_and_the_indicators_follow(api_for, world):
    api = api_for("member_a")
    response = api.post(f"{API}/stakeholder-classes/",
                        {"coop": world.coop_a.pk, "kind": "service_users", "member_count": 40,
                         "vote_share": "55"}, format="json")
    assert response.status_code == 201, response.content
    assert api.get(f"{API}/members/{world.coop_a.pk}/").json()["indicators"]["user_led"] is True


def test_vote_shares_over_100_percent_are_refused_on_the_vote_share_field(api_for, world):
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.WORKERS, vote_share=Decimal("70"))
    response = api_for("coordinator").post(
        f"{API}/stakeholder-classes/",
        {"coop": world.coop_a.pk, "kind": "carers", "member_count": 5, "vote_share": "31"},
        format="json",
    )
    assert response.status_code == 400
    assert "vote_share" in response.json()
    assert not StakeholderClass.objects.filter(kind="carers").exists()


def test_raising_a_share_over_100_percent_is_refused_and_nothing_changes(api_for, world):
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.WORKERS, vote_share=Decimal("50"))
    users = f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.SERVICE_USERS,
                                      vote_share=Decimal("50"))
    response = api_for("member_a").patch(f"{API}/stakeholder-classes/{users.pk}/",
                                         {"vote_share": "51"}, format="json")
    assert response.status_code == 400
    assert "vote_share" in response.json()
    users.refresh_from_db()
    assert users.vote_share == Decimal("50")
    ok = api_for("member_a").patch(f"{API}/stakeholder-classes/{users.pk}/", {"member_count": 44},
                                   format="json")
    assert ok.status_code == 200
    assert ok.json()["member_count"] == 44


@pytest.mark.parametrize(
    "overrides, field",
    [({"vote_share": "101"}, "vote_share"), ({"vote_share": "-1"}, "vote_share"),
     ({"member_count": -3}, "member_count"), ({"kind": "shareholders"}, "kind"),
     ({"coop": "abc"}, "coop"), ({"kind": "workers"}, "kind")],
)
def test_bad_stakeholder_input_gets_field_errors(api_for, world, overrides, field):
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.WORKERS, vote_share=Decimal("10"))
    data = {"coop": world.coop_a.pk, "kind": "carers", "member_count": 5, "vote_share": "10"}
    data.update(overrides)
    response = api_for("coordinator").post(f"{API}/stakeholder-classes/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert StakeholderClass.objects.count() == 1


def test_stakeholder_classes_are_scoped_and_written_only_by_editors(api_for, world):
    mine = f.StakeholderClassFactory(coop=world.coop_a)
    theirs = f.StakeholderClassFactory(coop=world.coop_b)
    f.StakeholderClassFactory(coop=world.coop_other)
    assert ids(api_for("board").get(f"{API}/stakeholder-classes/")) == {mine.pk, theirs.pk}
    assert ids(api_for("member_a").get(f"{API}/stakeholder-classes/")) == {mine.pk}
    assert ids(api_for("reviewer").get(f"{API}/stakeholder-classes/")) == set()
    coord = api_for("coordinator")
    assert ids(coord.get(f"{API}/stakeholder-classes/", {"coop": world.coop_b.pk})) == {theirs.pk}
    # board sees the class but may not delete it; member_b does not see it at all
    assert api_for("board").delete(f"{API}/stakeholder-classes/{mine.pk}/").status_code == 403
    assert api_for("member_b").delete(f"{API}/stakeholder-classes/{mine.pk}/").status_code == 404
    assert api_for("coordinator_other").delete(f"{API}/stakeholder-classes/{mine.pk}/").status_code == 404
    assert api_for("board").post(f"{API}/stakeholder-classes/", {}, format="json").status_code == 403
    # member_a cannot add a class to coop_b: that co-op is not one it may choose
    response = api_for("member_a").post(
        f"{API}/stakeholder-classes/",
        {"coop": world.coop_b.pk, "kind": "carers", "member_count": 1, "vote_share": "1"},
        format="json",
    )
    assert response.status_code == 400 and "coop" in response.json()
    assert api_for("member_a").delete(f"{API}/stakeholder-classes/{mine.pk}/").status_code == 204
    assert not StakeholderClass.objects.filter(pk=mine.pk).exists()


# --- Compliance documents --------------------------------------------------------------------


@pytest.fixture
def documents(world):
    return {
        "a_ok": f.ComplianceDocumentFactory(coop=world.coop_a),
        "a_soon": f.ComplianceDocumentFactory(
            coop=world.coop_a, doc_type=DocumentType.SAFEGUARDING_POLICY,
            expires_on=today() + dt.timedelta(days=10)),
        "a_expired": f.ComplianceDocumentFactory(
            coop=world.coop_a, expires_on=today() - dt.timedelta(days=1)),
        "b": f.ComplianceDocumentFactory(coop=world.coop_b),
        "other": f.ComplianceDocumentFactory(coop=world.coop_other),
    }


@pytest.mark.parametrize(
    "persona, expected",
    [("coordinator", {"a_ok", "a_soon", "a_expired", "b"}), ("member_a", {"a_ok", "a_soon", "a_expired"}),
     ("member_b", {"b"}), ("board", set()), ("reviewer", set()), ("coordinator_other", {"other"})],
)
def test_compliance_documents_are_scoped_to_the_persona(api_for, documents, persona, expected):
    want = {documents[name].pk for name in expected}
    assert ids(api_for(persona).get(f"{API}/compliance-documents/")) == want


@pytest.mark.parametrize("persona, code", [("coordinator", 200), ("member_a", 200), ("member_b", 404),
                                           ("board", 404), ("reviewer", 404),
                                           ("coordinator_other", 404)])
def test_compliance_document_detail_is_hidden_from_others(api_for, documents, persona, code):
    response = api_for(persona).get(f"{API}/compliance-documents/{documents['a_ok'].pk}/")
    assert response.status_code == code


def test_documents_are_flagged_expired_and_expiring_soon(api_for, documents):
    rows = {r["id"]: r for r in api_for("member_a").get(f"{API}/compliance-documents/").json()["results"]}
    flags = {name: (rows[documents[name].pk]["expired"], rows[documents[name].pk]["expiring_soon"])
             for name in ("a_ok", "a_soon", "a_expired")}
    assert flags == {"a_ok": (False, False), "a_soon": (False, True), "a_expired": (True, False)}


def test_document_filters(api_for, world, documents):
    api = api_for("coordinator")
    url = f"{API}/compliance-documents/"
    assert ids(api.get(url, {"expired": "true"})) == {documents["a_expired"].pk}
    assert ids(api.get(url, {"expires_within_days": 30})) == {documents["a_soon"].pk}
    assert ids(api.get(url, {"doc_type": "safeguarding_policy"})) == {documents["a_soon"].pk}
    assert ids(api.get(url, {"coop": world.coop_b.pk})) == {documents["b"].pk}
    for bad in ({"expires_within_days": -1}, {"expires_within_days": "soon"}, {"doc_type": "x"},
                {"coop": world.coop_other.pk}):
        assert api.get(url, bad).status_code == 400


def test_member_uploads_updates_and_deletes_its_document(api_for, world):
    api = api_for("member_a")
    response = api.post(f"{API}/compliance-documents/",
                        {"coop": world.coop_a.pk, "doc_type": "employers_liability",
                         "title": "EL policy 2025", "issued_on": str(today()),
                         "expires_on": str(today() + dt.timedelta(days=20))}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["expiring_soon"] is True
    doc_id = response.json()["id"]
    response = api.patch(f"{API}/compliance-documents/{doc_id}/",
                         {"expires_on": str(today() + dt.timedelta(days=365))}, format="json")
    assert response.status_code == 200
    assert response.json()["expiring_soon"] is False
    assert api_for("member_b").delete(f"{API}/compliance-documents/{doc_id}/").status_code == 404
    assert api_for("board").delete(f"{API}/compliance-documents/{doc_id}/").status_code == 404
    assert api.delete(f"{API}/compliance-documents/{doc_id}/").status_code == 204
    assert not ComplianceDocument.objects.filter(pk=doc_id).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [({"expires_on": "2020-01-01", "issued_on": "2021-01-01"}, "expires_on"),
     ({"doc_type": "passport"}, "doc_type"), ({"title": ""}, "title"),
     ({"coop": "abc"}, "coop"), ({"issued_on": "yesterday"}, "issued_on"),
     ({"issued_on": "1900-01-01"}, "issued_on"), ({"expires_on": "2999-01-01"}, "expires_on")],
)
def test_bad_document_input_gets_field_errors(api_for, world, overrides, field):
    data = {"coop": world.coop_a.pk, "doc_type": "accounts", "title": "Accounts 2024"}
    data.update(overrides)
    response = api_for("coordinator").post(f"{API}/compliance-documents/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ComplianceDocument.objects.exists()


def test_document_update_cannot_put_expiry_before_the_stored_issue_date(api_for, documents):
    doc = documents["a_ok"]
    response = api_for("coordinator").patch(
        f"{API}/compliance-documents/{doc.pk}/",
        {"expires_on": str(doc.issued_on - dt.timedelta(days=1))}, format="json",
    )
    assert response.status_code == 400
    assert "expires_on" in response.json()


@pytest.mark.parametrize("persona, code", [("board", 403), ("reviewer", 403), ("anonymous", 401)])
def test_roles_without_writes_cannot_add_documents(api_for, world, persona, code):
    response = api_for(persona).post(f"{API}/compliance-documents/",
                                     {"coop": world.coop_a.pk, "doc_type": "accounts", "title": "x"},
                                     format="json")
    assert response.status_code == code
    assert not ComplianceDocument.objects.exists()


# --- Capacity declarations -------------------------------------------------------------------


def test_member_declares_capacity_and_sees_available_volume(api_for, world):
    response = api_for("member_a").post(f"{API}/capacity-declarations/", declaration_payload(world),
                                        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_current"] is True
    assert Decimal(body["available_volume"]) == Decimal("120")
    assert body["unit"] == "hours_per_week"
    assert body["valid_from"] == str(today())


def test_a_new_declaration_supersedes_the_current_one_and_history_keeps_both(api_for, world):
    api = api_for("member_a")
    first = api.post(f"{API}/capacity-declarations/", declaration_payload(world), format="json").json()
    second = api.post(f"{API}/capacity-declarations/",
                      declaration_payload(world, declared_volume="80"), format="json").json()
    assert second["supersedes"] == first["id"]
    assert ids(api.get(f"{API}/capacity-declarations/")) == {second["id"]}
    assert ids(api.get(f"{API}/capacity-declarations/", {"history": "true"})) == {first["id"], second["id"]}
    old = api.get(f"{API}/capacity-declarations/{first['id']}/").json()
    assert old["is_current"] is False
    assert Decimal(old["declared_volume"]) == Decimal("120")  # the old version is not overwritten
    history = api.get(f"{API}/capacity-declarations/{first['id']}/history/").json()["results"]
    assert [v["id"] for v in history] == [second["id"], first["id"]]


def test_declarations_are_never_overwritten_or_deleted_through_the_api(api_for, world):
    decl = f.CapacityDeclarationFactory(coop=world.coop_a)
    api = api_for("coordinator")
    assert api.patch(f"{API}/capacity-declarations/{decl.pk}/", {"declared_volume": "1"},
                     format="json").status_code == 405
    assert api.delete(f"{API}/capacity-declarations/{decl.pk}/").status_code == 405
    assert CapacityDeclaration.objects.get(pk=decl.pk).declared_volume == Decimal("120")


@pytest.mark.parametrize(
    "overrides, field",
    [({"declared_volume": "-5"}, "declared_volume"), ({"staff_fte": "-1"}, "staff_fte"),
     ({"welsh_speaking_share": "120"}, "welsh_speaking_share"),
     ({"min_package": "30", "max_package": "10"}, "min_package"),
     ({"time_band": "lunchtime"}, "time_band"), ({"service_type": "abc"}, "service_type"),
     ({"service_type": 99999999}, "service_type"), ({"council": "GB-CRF"}, "council"),
     ({"valid_from": "2025-02-01", "valid_to": "2025-01-01"}, "valid_to"),
     ({"declared_volume": "1e30"}, "declared_volume"), ({"coop": None}, "coop")],
)
def test_bad_capacity_input_gets_field_errors_and_creates_nothing(api_for, world, overrides, field):
    response = api_for("member_a").post(f"{API}/capacity-declarations/",
                                        declaration_payload(world, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CapacityDeclaration.objects.exists()


def test_capacity_outside_the_coops_areas_or_services_is_refused_by_field(api_for, world):
    api = api_for("member_b")
    outside = api.post(f"{API}/capacity-declarations/",
                       declaration_payload(world, coop=world.coop_b.pk, council=world.council_other.pk),
                       format="json")
    assert outside.status_code == 400 and "council" in outside.json()
    care_home = f.service("care-home")
    other_service = api.post(f"{API}/capacity-declarations/",
                             declaration_payload(world, coop=world.coop_b.pk, service_type=care_home.pk),
                             format="json")
    assert other_service.status_code == 400 and "service_type" in other_service.json()


@pytest.mark.parametrize("persona, code", [("board", 403), ("reviewer", 403), ("anonymous", 401)])
def test_roles_without_writes_cannot_declare(api_for, world, persona, code):
    response = api_for(persona).post(f"{API}/capacity-declarations/", declaration_payload(world),
                                     format="json")
    assert response.status_code == code
    assert not CapacityDeclaration.objects.exists()


@pytest.mark.parametrize("persona", ["member_b", "coordinator_other"])
def test_nobody_declares_for_a_coop_it_cannot_change(api_for, world, persona):
    response = api_for(persona).post(f"{API}/capacity-declarations/", declaration_payload(world),
                                     format="json")
    assert response.status_code == 400
    assert "coop" in response.json()
    assert not CapacityDeclaration.objects.exists()


@pytest.mark.parametrize(
    "persona, expected, detail",
    [("coordinator", {"a", "b"}, 200), ("member_a", {"a"}, 200), ("member_b", {"b"}, 404),
     ("board", set(), 404), ("reviewer", set(), 404), ("coordinator_other", {"other"}, 404)],
)
def test_capacity_declarations_are_scoped_to_the_persona(api_for, world, persona, expected, detail):
    rows = {"a": f.CapacityDeclarationFactory(coop=world.coop_a),
            "b": f.CapacityDeclarationFactory(coop=world.coop_b),
            "other": f.CapacityDeclarationFactory(coop=world.coop_other)}
    a = rows["a"]
    api = api_for(persona)
    want = {rows[name].pk for name in expected}
    assert ids(api.get(f"{API}/capacity-declarations/")) == want
    assert api.get(f"{API}/capacity-declarations/{a.pk}/").status_code == detail
    assert api.get(f"{API}/capacity-declarations/{a.pk}/history/").status_code == detail


def test_capacity_filters(api_for, world):
    gwynedd = f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council_other,
                                           time_band="night")
    cardiff = f.CapacityDeclarationFactory(coop=world.coop_b)
    api = api_for("coordinator")
    url = f"{API}/capacity-declarations/"
    assert ids(api.get(url, {"council": world.council_other.pk})) == {gwynedd.pk}
    assert ids(api.get(url, {"time_band": "night"})) == {gwynedd.pk}
    assert ids(api.get(url, {"coop": world.coop_b.pk})) == {cardiff.pk}
    assert ids(api.get(url, {"regional_partnership_board": world.council.regional_partnership_board})) \
        == {cardiff.pk}
    assert ids(api.get(url, {"service_type": f.service().pk})) == {gwynedd.pk, cardiff.pk}
    for bad in ({"time_band": "x"}, {"council": "x"}, {"regional_partnership_board": "Narnia"},
                {"coop": world.coop_other.pk}):
        assert api.get(url, bad).status_code == 400


# --- Pooled capacity -------------------------------------------------------------------------


@pytest.fixture
def pooled(world):
    dom = f.service()
    f.CapacityDeclarationFactory(coop=world.coop_a, declared_volume=Decimal("100"),
                                 welsh_speaking_share=Decimal("50"))
    f.CapacityDeclarationFactory(coop=world.coop_b, declared_volume=Decimal("40"),
                                 committed_volume=Decimal("10"), welsh_speaking_share=Decimal("0"))
    f.CapacityDeclarationFactory(coop=world.coop_a, council=world.council_other, time_band="weekend",
                                 declared_volume=Decimal("30"))
    f.CapacityDeclarationFactory(coop=world.coop_other, declared_volume=Decimal("999"))
    return dom


def test_coordinator_sees_pooled_capacity_per_council_service_and_band(api_for, world, pooled):
    response = api_for("coordinator").get(f"{API}/capacity/pooled/")
    assert response.status_code == 200
    rows = {(r["council"], r["time_band"]): r for r in response.json()["results"]}
    cardiff = rows[(world.council.pk, "weekday_day")]
    assert cardiff["members"] == 2
    assert Decimal(cardiff["declared"]) == Decimal("140")
    assert Decimal(cardiff["available"]) == Decimal("130")
    assert Decimal(cardiff["welsh_volume"]) == Decimal("50")
    assert cardiff["council_name"] == "Cardiff"
    assert cardiff["service_type_name"] == pooled.name_en
    assert cardiff["coop"] is None
    assert Decimal(rows[(world.council_other.pk, "weekend")]["declared"]) == Decimal("30")


def test_pooled_capacity_split_per_member_for_coordinators(api_for, world, pooled):
    response = api_for("coordinator").get(f"{API}/capacity/pooled/",
                                          {"by_member": "true", "council": world.council.pk})
    assert response.status_code == 200
    split = {r["coop_name"]: Decimal(r["declared"]) for r in response.json()["results"]}
    assert split == {"Gofal A": Decimal("100"), "Gofal B": Decimal("40")}


def test_board_sees_pooled_totals_but_not_the_split(api_for, world, pooled):
    board = api_for("board")
    assert board.get(f"{API}/capacity/pooled/", {"time_band": "weekend"}).json()["count"] == 1
    assert board.get(f"{API}/capacity/pooled/", {"by_member": "true"}).status_code == 403


@pytest.mark.parametrize("persona, code", [("member_a", 403), ("reviewer", 403), ("anonymous", 401)])
def test_pooled_capacity_is_refused_to_others(api_for, world, pooled, persona, code):
    assert api_for(persona).get(f"{API}/capacity/pooled/").status_code == code


def test_pooled_capacity_of_another_consortium_is_its_own(api_for, world, pooled):
    rows = api_for("coordinator_other").get(f"{API}/capacity/pooled/").json()["results"]
    assert [Decimal(r["declared"]) for r in rows] == [Decimal("999")]


@pytest.mark.parametrize("params", [{"time_band": "x"}, {"council": "abc"}, {"service_type": 99999999}])
def test_pooled_capacity_filters_with_garbage_answer_400(api_for, world, params):
    assert api_for("coordinator").get(f"{API}/capacity/pooled/", params).status_code == 400


# --- Query counts: lists cost the same for 3 rows or 30 ----------------------------------------


@pytest.fixture
def many(world):
    """Enough rows in consortium A that a query per row would show."""
    councils = [world.council, world.council_other]
    services = [f.service(), f.service("care-home")]
    for n in range(12):
        coop = f.MemberCoopFactory(consortium=world.consortium, councils_served=councils,
                                   service_types=services)
        f.StakeholderClassFactory(coop=coop, vote_share=Decimal("30"))
        f.StakeholderClassFactory(coop=coop, kind=StakeholderKind.WORKERS, vote_share=Decimal("30"))
        f.ComplianceDocumentFactory(coop=coop)
        f.CapacityDeclarationFactory(coop=coop, council=councils[n % 2], service_type=services[n % 2])
        f.CapacityDeclarationFactory(coop=coop, time_band="night")
    for _n in range(6):
        f.ComplianceDocumentFactory(coop=world.coop_a)
    f.StakeholderClassFactory(coop=world.coop_a, kind=StakeholderKind.OTHER, vote_share=Decimal("1"))
    return world


@pytest.mark.parametrize(
    "persona, url, max_queries, min_rows",
    [
        ("coordinator", "/members/", 5, 14),
        ("member_a", "/members/", 6, 1),
        ("board", "/members/?council={council}", 6, 13),
        ("coordinator", "/stakeholder-classes/", 2, 24),
        ("coordinator", "/compliance-documents/", 2, 18),
        ("member_a", "/compliance-documents/", 3, 6),
        ("coordinator", "/capacity-declarations/", 2, 24),
        ("coordinator", "/capacity-declarations/?history=true&regional_partnership_board=Cardiff and Vale",
         3, 1),
        ("coordinator", "/capacity/pooled/?by_member=true", 4, 24),
        ("board", "/capacity/pooled/", 3, 3),
    ],
)
def test_lists_use_a_fixed_number_of_queries(api_for, many, django_assert_max_num_queries,
                                             persona, url, max_queries, min_rows):
    api = api_for(persona)
    with django_assert_max_num_queries(max_queries):
        response = api.get(API + url.format(council=many.council.pk))
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) >= min_rows


@pytest.mark.parametrize("name, size, message", [
    ("page.html", 30, "Upload a PDF, image, word-processor or spreadsheet file"),
    ("policy.pdf", 10 * 1024 * 1024 + 1, "The file must be 10 MB or smaller."),
])
def test_document_file_of_a_disallowed_type_or_too_large_is_refused_on_create_and_update(
        api_for, documents, settings, tmp_path, name, size, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    api = api_for("coordinator")
    doc = documents["a_ok"]
    response = api.post(f"{API}/compliance-documents/",
                        {"coop": doc.coop_id, "doc_type": "accounts", "title": "Accounts",
                         "file": SimpleUploadedFile(name, b"<" * size)}, format="multipart")
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    response = api.patch(f"{API}/compliance-documents/{doc.pk}/",
                         {"file": SimpleUploadedFile(name, b"<" * size)}, format="multipart")
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    doc.refresh_from_db()
    assert not doc.file
    assert ComplianceDocument.objects.count() == len(documents)


def test_member_uploads_a_document_file_as_multipart(api_for, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = api_for("member_a").post(
        f"{API}/compliance-documents/",
        {"coop": world.coop_a.pk, "doc_type": "safeguarding_policy", "title": "Safeguarding 2025",
         "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["has_file"] is True
    assert ComplianceDocument.objects.get(pk=response.json()["id"]).uploaded_by == world.user("member_a")


def test_history_of_a_scope_uses_a_fixed_number_of_queries(api_for, world, django_assert_max_num_queries):
    versions = [f.CapacityDeclarationFactory(coop=world.coop_a, is_current=False) for _n in range(11)]
    current = f.CapacityDeclarationFactory(coop=world.coop_a, supersedes=versions[-1])
    api = api_for("coordinator")
    with django_assert_max_num_queries(3):
        response = api.get(f"{API}/capacity-declarations/{current.pk}/history/")
    assert response.status_code == 200
    assert response.json()["count"] == 12
    assert response.json()["results"][0]["id"] == current.pk


@pytest.mark.parametrize(
    "url",
    ["/capacity-declarations/?history=maybe", "/compliance-documents/?expired=null",
     "/compliance-documents/?expires_within_days=0.5", "/capacity/pooled/?page_size=many",
     "/capacity/pooled/?page_size=0", "/capacity/pooled/?by_member=yes-please"],
)
def test_unreadable_switches_and_numbers_are_refused_not_ignored(api_for, world, url):
    response = api_for("coordinator").get(API + url)
    assert response.status_code == 400
    assert response.json()


def test_an_unreadable_json_body_is_a_400_with_a_detail(api_for, world):
    response = api_for("coordinator").post(f"{API}/members/", data="\x00", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
