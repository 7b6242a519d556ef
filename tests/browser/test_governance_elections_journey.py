"""A board election in a real browser, with an axe-core scan of every page visited: a member
co-op's user ranks the candidates by keyboard (a gap is refused on the page), the coordinator
counts, and the count sheet and the board's terms show the result."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import Election, ElectionBallot
from governance.services import elections as services
from tests import factories as f
from tests.browser.conftest import assert_accessible, sign_in
from tests.governance_factories import MeetingFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _election_open_for_voting(world) -> tuple[Election, list]:
    coordinator = world.user("coordinator")
    meeting = MeetingFactory(consortium=world.consortium)
    election = services.election_set_up(meeting=meeting, by=coordinator, seats=2,
                                        nominations_close_at=timezone.now() + dt.timedelta(days=2))
    nominees = [services.nomination_make(election=election, by=coordinator, coop=world.coop_a, name=name,
                                         email=f"{name.split()[0].lower()}@example.org",
                                         statement=f"{name} would serve the members.")
                for name in ("Ann Evans", "Bryn Owen", "Cai Rhys")]
    closed = timezone.now() - dt.timedelta(minutes=1)
    Election.objects.filter(pk=election.pk).update(nominations_close_at=closed)
    election.refresh_from_db()
    election = services.voting_open(election=election, by=coordinator)
    return election, nominees


def test_a_member_ranks_the_candidates_and_the_coordinator_counts(world, new_page):
    election, (ann, bryn, cai) = _election_open_for_voting(world)
    others = []
    for ranking in ([bryn.pk, cai.pk], [bryn.pk], [cai.pk, ann.pk]):
        coop = f.MemberCoopFactory(consortium=world.consortium)
        services.election_ballot_cast(election=election, by=f.member_user(coop), ranking=ranking)
        others.append(coop)

    member = new_page()
    sign_in(member, "member-a")
    member.goto(f"/governance/elections/{election.pk}/")
    expect(member.get_by_role("heading", level=1)).to_have_text(election.meeting.title)
    assert_accessible(member)
    member.get_by_role("link", name="Cast your co-op's ballot").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("ballot")
    assert_accessible(member)
    # By keyboard: 1 for Ann, Tab, skip Bryn, Tab, 3 for Cai: a gap.
    member.get_by_label("Ann Evans").focus()
    member.keyboard.type("1")
    member.keyboard.press("Tab")
    member.keyboard.press("Tab")
    member.keyboard.type("3")
    member.keyboard.press("Enter")
    expect(member.locator(".govuk-error-summary")).to_contain_text("2 is missing")
    expect(member).to_have_title(re.compile("^Error:"))
    assert_accessible(member)
    member.get_by_label("Cai Rhys").fill("2")
    member.get_by_role("button", name="Cast the ballot").click()
    expect(member.locator(".govuk-notification-banner--success")).to_contain_text("ballot is cast")
    assert_accessible(member)
    assert ElectionBallot.objects.get(election=election, coop=world.coop_a).ranking == [ann.pk, cai.pk]

    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto(f"/governance/elections/{election.pk}/")
    expect(coordinator.get_by_role("heading", name="Co-ops that have voted")).to_be_visible()
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Close the vote and count").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Count sheet")
    expect(coordinator.get_by_role("table")).to_contain_text("Stage 1")
    assert_accessible(coordinator)

    member.goto("/governance/board/")
    elected = Election.objects.get(pk=election.pk).nominations.filter(elected=True)
    assert elected.count() == 2
    expect(member.get_by_role("table")).to_contain_text(elected.first().name.split()[0])
    assert_accessible(member)
