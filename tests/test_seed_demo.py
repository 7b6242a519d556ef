import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from consortium.models import Role, User
from members.models import CapacityDeclaration, ComplianceDocument, MemberCoop, MembershipStatus
from members.selectors import member_indicators

pytestmark = pytest.mark.django_db

LOGINS = ["coordinator", "board", "member-a", "member-b", "reviewer", "reviewer-other"]


def _counts():
    return (
        MemberCoop.objects.count(),
        CapacityDeclaration.objects.count(),
        ComplianceDocument.objects.count(),
        User.objects.count(),
    )


def test_seed_demo_is_idempotent_and_gives_every_documented_login(client):
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    for username in LOGINS:
        response = client.post("/accounts/login/", {"username": username, "password": "gofal-demo-2026"})
        assert response.status_code == 302 and response.url == "/dashboard/", username
        client.post("/accounts/logout/")


def test_seed_demo_builds_a_realistic_welsh_consortium():
    call_command("seed_demo", stdout=io.StringIO())
    coops = list(MemberCoop.objects.prefetch_related("stakeholders", "councils_served"))
    assert 10 <= len(coops) <= 14
    regions = {c.regional_partnership_board for coop in coops for c in coop.councils_served.all()}
    assert len(regions) >= 2
    assert any(member_indicators(c).user_led for c in coops)
    assert any(c.social_coop_type == "B" and member_indicators(c).meets_type_b_threshold for c in coops)
    assert {c.coop_type for c in coops} >= {"worker", "multi_stakeholder", "consumer"}
    assert MemberCoop.objects.filter(status=MembershipStatus.APPLICANT).exists()
    volumes = [d.declared_volume for d in CapacityDeclaration.objects.filter(is_current=True)]
    assert min(volumes) >= 1 and max(volumes) <= 500
    soon = timezone.localdate() + dt.timedelta(days=30)
    assert ComplianceDocument.objects.filter(expires_on__lte=soon).count() == 1
    reviewers = User.objects.filter(role=Role.COUNCIL_REVIEWER)
    assert reviewers.values("council").distinct().count() == 2
