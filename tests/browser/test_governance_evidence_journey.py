"""The coordinator follows the register's link to the evidence of member control, in English and
in Welsh, with an axe-core scan of each page (a meeting with turnout and board seats by class,
so both charts and their tables are on the page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import Attendance, AttendanceMode, BoardTerm, MeetingStatus
from members.models import CoopType
from tests import factories as f
from tests.browser.conftest import assert_accessible, sign_in
from tests.governance_factories import MeetingFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_coordinator_reads_the_evidence_from_the_register(world, new_page):
    held = timezone.now() - dt.timedelta(days=40)
    meeting = MeetingFactory(consortium=world.consortium, starts_at=held, status=MeetingStatus.CLOSED,
                             notice_given_on=(held - dt.timedelta(days=20)).date(), opened_at=held,
                             electorate=2, title="Cyfarfod Cyffredinol Blynyddol")
    Attendance.objects.create(meeting=meeting, coop=world.coop_a, mode=AttendanceMode.IN_PERSON)
    today = timezone.localdate()
    BoardTerm.objects.create(consortium=world.consortium, user=f.UserFactory(), seat_class=CoopType.USER_LED,
                             starts_on=today, ends_on=today + dt.timedelta(days=700))
    page = new_page()
    sign_in(page, "coordinator")
    page.goto("/members/")
    page.get_by_role("link", name="Evidence of member control", exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence of member control")
    expect(page.get_by_role("table", name="Member co-ops present or represented by proxy, out of those "
                                          "entitled to vote")).to_contain_text("50.0%")
    expect(page.get_by_role("img", name="Bar chart of the board seats held by each class")).to_be_visible()
    assert_accessible(page)
