"""A general meeting in a real browser, with an axe-core scan of every page visited.

"The coordinator tries to call a meeting too soon and is told the earliest date. A meeting called
three weeks ago meets today: coop A's user votes online (by keyboard) before it opens and names
its delegate; the coordinator opens the meeting, records coop B present and its vote in person,
and closes it; the motion is carried. Coop B sees the result but not how coop A voted; the board
sees the list of votes; the minutes and the rules read as drafted."

Set up beforehand with the services: the meeting (called three weeks ago for today) and its
motion.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import GeneralMeeting, MeetingStatus, MotionStatus
from governance.services import meetings as services
from tests.browser.conftest import assert_accessible, sign_in
from tests.governance_factories import MeetingFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _meeting(world) -> GeneralMeeting:
    meeting = MeetingFactory(consortium=world.consortium, title="AGM today", starts_at=timezone.now(),
                             notice_given_on=timezone.localdate() - dt.timedelta(days=21))
    services.motion_propose(meeting=meeting, by=world.user("board"), title="Adopt the annual report")
    return meeting


def test_a_general_meeting_from_online_vote_to_minutes(world, new_page):
    meeting = _meeting(world)
    detail = f"/governance/meetings/{meeting.pk}/"

    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto("/governance/meetings/call/")
    assert_accessible(coordinator)
    coordinator.get_by_label("Annual general meeting").check()
    coordinator.get_by_label("Title").fill("Too soon")
    soon = (timezone.localdate() + dt.timedelta(days=3)).isoformat() + "T18:00"
    coordinator.get_by_label("Starts").fill(soon)
    coordinator.get_by_label("Place").fill("Caerdydd")
    coordinator.get_by_role("button", name="Call the meeting and give notice").press("Enter")
    expect(coordinator.locator(".govuk-error-summary")).to_contain_text("the earliest date allowed is")
    assert_accessible(coordinator)

    member = new_page()
    sign_in(member, "member-a")
    member.goto("/governance/meetings/")
    assert_accessible(member)
    member.get_by_role("link", name="AGM today").click()
    assert_accessible(member)
    member.get_by_label("For", exact=True).check()
    member.get_by_role("button", name="Cast your co-op's vote").press("Enter")
    expect(member.locator("main")).to_contain_text("Your co-op voted for")
    member.get_by_role("link", name="Name the delegate").click()
    assert_accessible(member)
    member.get_by_label("Delegate").select_option(index=1)
    member.get_by_role("button", name="Name the delegate").press("Enter")
    expect(member.locator(".govuk-notification-banner--success")).to_contain_text("delegate is named")
    member.goto(f"{detail}proxy/")
    assert_accessible(member)

    coordinator.goto(detail)
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Open the meeting").press("Enter")
    expect(coordinator.locator("main")).to_contain_text("In session")
    coordinator.get_by_role("link", name="Record attendance").click()
    assert_accessible(coordinator)
    coordinator.get_by_label("Member co-op present in person").select_option(label="Gofal B")
    coordinator.get_by_role("button", name="Record as present").press("Enter")
    expect(coordinator.locator(".govuk-notification-banner--success")).to_contain_text("Gofal B")
    coordinator.goto(detail)
    coordinator.get_by_role("link", name="Record a vote cast in person").click()
    assert_accessible(coordinator)
    coordinator.get_by_label("Member co-op", exact=True).select_option(label="Gofal B")
    coordinator.get_by_label("Against").check()
    coordinator.get_by_role("button", name="Record the vote").press("Enter")
    expect(coordinator.locator(".govuk-notification-banner--success")).to_contain_text("Gofal B")
    coordinator.goto(detail)
    expect(coordinator.locator("main")).not_to_contain_text("Gofal A")
    coordinator.get_by_role("button", name="Close the meeting and decide the motions").press("Enter")
    expect(coordinator.locator("main")).to_contain_text("Votes cast (coordinators and board only)")
    assert_accessible(coordinator)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    motion = meeting.motions.get()
    # one for, one against: not more than half.
    assert motion.status == MotionStatus.DEFEATED and motion.voters == 2

    other = new_page()
    sign_in(other, "member-b")
    other.goto(detail)
    assert_accessible(other)
    expect(other.locator("main")).to_contain_text("Your co-op voted against")
    expect(other.locator("main")).not_to_contain_text("Gofal A")
    other.get_by_role("link", name="Read the draft minutes").click()
    other.wait_for_url(f"**{detail}minutes/")
    assert_accessible(other)
    expect(other.locator("main")).to_contain_text("Gofal B")
    other.goto("/governance/rules/")
    assert_accessible(other)
    expect(other.get_by_role("heading", level=2).first).to_contain_text("in force")
