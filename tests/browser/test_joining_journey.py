"""Joining a consortium in a real browser, with an axe-core scan of every page visited.

"A user-led co-op finds 'Apply to join' on the sign-in page and applies: its first try has a
Companies House number where its legal form needs an FCA society number, and is told so at the
field, with nothing created; it corrects it and is signed in to its application, which it alone
sees. The coordinator checks the application and puts it to the board; the board member votes
for it from the governance page, and the co-op is admitted: it is a member with its share in the
register, its applicant account is now a member co-op user, and its contact is invited in Welsh.
The governance page reads in Welsh for a Welsh speaker."

Everything is done through the pages, the applicant's form by keyboard where it matters.
"""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from consortium.models import Role, User
from governance.models import ApplicationStatus, MembershipApplication, ShareEntry
from members.models import MemberCoop, MembershipStatus
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Cyfrinair-Cwm-2026"


def _apply(page, world, *, society_number: str) -> None:
    page.get_by_label("Consortium you are applying to").select_option(label=world.consortium.name)
    page.get_by_label("Legal name").fill("Llais y Cwm Cyf")
    page.get_by_label("Co-operative society").check()
    page.get_by_label("FCA society number").fill(society_number)
    page.get_by_label("User-led co-op").check()
    page.get_by_label("Type A: care, health and education services").check()
    page.get_by_label("Workers", exact=True).fill("12")
    first_class = page.locator("fieldset", has_text="Class 1")
    first_class.get_by_label("Class").select_option(label="Service users")
    first_class.get_by_label("Members").fill("40")
    first_class.get_by_label("Share of votes (%)").fill("60")
    second_class = page.locator("fieldset", has_text="Class 2")
    second_class.get_by_label("Class").select_option(label="Workers")
    second_class.get_by_label("Members").fill("12")
    second_class.get_by_label("Share of votes (%)").fill("40")
    page.get_by_label("Council area you are based in").select_option(label="Cardiff")
    page.locator("fieldset", has_text="Council areas you serve").get_by_label("Cardiff").check()
    page.get_by_label("Domiciliary support").check()
    contact = page.locator("fieldset", has_text="Contact 1")
    contact.get_by_label("Name").fill("Siân Morgan")
    contact.get_by_label("E-mail").fill("sian@llais.example")
    contact.get_by_label("Language").select_option(label="Cymraeg")
    page.get_by_label("The co-op accepts the consortium's rules shown above").check()
    page.get_by_label("Your e-mail address").fill("ysgrifennydd@llais.example")
    page.get_by_label("Username").fill("llais-y-cwm")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Password again").press("Enter")


def test_a_co_op_applies_the_board_admits_it_and_its_share_is_registered(world, new_page):
    applicant = new_page()
    applicant.goto("/accounts/login/")
    applicant.get_by_role("link", name="Apply to join a consortium").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Apply to join")
    assert_accessible(applicant)

    _apply(applicant, world, society_number="SC123456")
    expect(applicant.locator(".govuk-error-summary")).to_be_visible()
    expect(applicant.locator("#id_society_number-error")).to_be_visible()
    assert_accessible(applicant)
    assert not MembershipApplication.objects.exists()
    assert not User.objects.filter(username="llais-y-cwm").exists()

    applicant.get_by_label("FCA society number").fill("31234R")
    applicant.get_by_label("Password", exact=True).fill(PASSWORD)
    applicant.get_by_label("Password again").fill(PASSWORD)
    applicant.get_by_label("The co-op accepts the consortium's rules shown above").check()
    applicant.get_by_label("Password again").press("Enter")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Application sent")
    assert_accessible(applicant)
    application = MembershipApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    applicant.goto(f"/applications/{application.pk}/")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Llais y Cwm Cyf")
    assert_accessible(applicant)
    applicant.goto("/governance/meetings/")
    expect(applicant.get_by_role("heading", level=1)).not_to_have_text("General meetings")

    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto("/governance/")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="1 application to join is waiting for a decision").click()
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Llais y Cwm Cyf").click()
    coordinator.get_by_label("What you checked").fill("FCA register entry 31234R found; rules consented to.")
    coordinator.get_by_role("button", name="Mark as checked").press("Enter")
    coordinator.get_by_role("button", name="Put it to the board").press("Enter")
    expect(coordinator.locator("main")).to_contain_text("The board's vote")
    assert_accessible(coordinator)

    board = new_page()
    sign_in(board, "board")
    board.goto("/governance/")
    board.get_by_role("link", name="1 application to join is waiting for a decision").click()
    board.get_by_role("link", name="Llais y Cwm Cyf").click()
    board.get_by_role("link", name="The board's vote").click()
    assert_accessible(board)
    board.get_by_label("For", exact=True).check()
    mail.outbox.clear()
    board.get_by_role("button", name="Cast your vote").press("Enter")
    expect(board.locator("main")).to_contain_text("Carried")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMITTED
    coop = MemberCoop.objects.get(pk=application.coop_id)
    assert coop.status == MembershipStatus.ACTIVE
    assert ShareEntry.objects.filter(coop=coop, shares=1).exists()
    account = User.objects.get(username="llais-y-cwm")
    assert account.role == Role.MEMBER and account.member_link.coop_id == coop.pk
    invitation = next(m for m in mail.outbox if m.to == ["sian@llais.example"])
    assert "/accounts/set-password/" in invitation.body and "cyfrinair" in invitation.body.lower()

    coordinator.goto("/shares/")
    expect(coordinator.locator("main")).to_contain_text("Llais y Cwm")
    assert_accessible(coordinator)

    applicant.goto(f"/applications/{application.pk}/")
    expect(applicant.locator("main")).to_contain_text("Admitted")
    applicant.goto("/governance/")
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Governance")
    assert_accessible(applicant)

    welsh = new_page()
    sign_in(welsh, "member-a")
    welsh.goto("/governance/")
    welsh.get_by_role("button", name="Cymraeg").press("Space")
    expect(welsh.locator("html")).to_have_attribute("lang", "cy")
    expect(welsh.get_by_role("heading", level=1)).to_have_text("Llywodraethu")
    assert_accessible(welsh)
