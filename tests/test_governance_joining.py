"""Joining the consortium: the application, its check and the board's decision, admission, the
share register, refusal, and a co-op leaving."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consortium.errors import Conflict, DomainError
from consortium.models import Role, User
from governance.demo import joining as joining_demo
from governance.models import (
    ApplicationStatus,
    MembershipApplication,
    ShareEntry,
    ShareEntryKind,
)
from governance.selectors.rules import rules_in_force
from governance.services import joining
from members import demo as members_demo
from members import governance as board_votes
from members import services as members
from members.models import BallotStatus, MemberCoop, MembershipStatus, MemberUser, StakeholderClass
from tests.concurrency import run_together
from tests.factories import MemberCoopFactory, council, service
from tests.governance_factories import ApplicationFactory


def _post(**overrides) -> dict:
    """A complete application as the joining page posts it (consortium given by the test)."""
    data = {
        "legal_name": "Cydweithfa Cefnogi Dyffryn Cyf", "trading_name": "Cefnogi Dyffryn",
        "legal_form": "coop_society", "society_number": "31234r", "company_number": "",
        "coop_type": "user_led", "social_coop_type": "A", "total_workers": "14",
        "disadvantaged_workers": "0", "base_council": str(council("GB-CRF").pk),
        "councils_served": [str(council("GB-CRF").pk)], "service_types": [str(service().pk)],
        "consent": "on", "email": "ysgrifennydd@dyffryn.example", "username": "dyffryn",
        "password": "Gofal-Dyffryn-2026", "password_again": "Gofal-Dyffryn-2026", "website": "",
        "stakeholders-TOTAL_FORMS": "4", "stakeholders-INITIAL_FORMS": "0",
        "stakeholders-MIN_NUM_FORMS": "0", "stakeholders-MAX_NUM_FORMS": "6",
        "stakeholders-0-kind": "service_users", "stakeholders-0-member_count": "40",
        "stakeholders-0-vote_share": "60",
        "stakeholders-1-kind": "workers", "stakeholders-1-member_count": "14",
        "stakeholders-1-vote_share": "40",
        "contacts-TOTAL_FORMS": "3", "contacts-INITIAL_FORMS": "0", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "6",
        "contacts-0-name": "Siân Morgan", "contacts-0-email": "sian@dyffryn.example",
        "contacts-0-role": "Secretary", "contacts-0-language": "cy",
        "contacts-1-name": "Tom Evans", "contacts-1-email": "tom@dyffryn.example",
        "contacts-1-role": "Manager", "contacts-1-language": "en",
    }
    data.update(overrides)
    return data


def _apply(client, world, **overrides):
    return client.post(reverse("join"), _post(consortium=str(world.consortium.pk), **overrides))


def _carry(world, application):
    """The board (one member in the world) votes for: the ballot is decided and carried."""
    application.refresh_from_db()
    board_votes.vote_cast(ballot=application.ballot, voter=world.user("board"), choice="for")
    application.refresh_from_db()
    return application


# --- the application ---------------------------------------------------------------------------


def test_the_joining_page_shows_the_rules_in_force_in_english_and_welsh(client, world):
    rules = rules_in_force(world.consortium)
    page = client.get(reverse("join")).content.decode()
    assert "Apply to join" in page and f"£{rules.share_amount}" in page
    assert 'name="website"' in page  # the honeypot
    page = client.get(reverse("join"), HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert 'lang="cy"' in page


def test_the_journey_from_application_to_admission(client, world, django_capture_on_commit_callbacks):
    response = _apply(client, world)
    assert response.status_code == 302 and response.url == reverse("join-submitted")
    application = MembershipApplication.objects.get(legal_name="Cydweithfa Cefnogi Dyffryn Cyf")
    account = application.applicant
    assert (account.role, account.consortium, account.username) == (
        Role.APPLICANT, world.consortium, "dyffryn")
    assert application.society_number == "31234R"
    assert application.consented_to == rules_in_force(world.consortium)
    assert [c["language"] for c in application.contacts] == ["cy", "en"]
    # Signed in: the confirmation, then its own application.
    assert "Application sent" in client.get(reverse("join-submitted")).content.decode()
    assert client.get(reverse("join-application")).url == reverse("application-detail", args=[application.pk])
    assert client.get(reverse("application-detail", args=[application.pk])).status_code == 200

    coordinator = client.__class__()
    coordinator.force_login(world.user("coordinator"))
    url = reverse("application-check", args=[application.pk])
    assert coordinator.post(url, {"notes": ""}).status_code == 200  # a check needs its notes
    assert coordinator.post(url, {"notes": "On the FCA register; references good."}).status_code == 302
    coordinator.post(reverse("application-to-board", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITH_BOARD
    assert application.ballot.status == BallotStatus.OPEN
    assert "Cydweithfa Cefnogi Dyffryn Cyf" in application.ballot.subject

    with django_capture_on_commit_callbacks(execute=True):
        application = _carry(world, application)
    assert application.status == ApplicationStatus.ADMITTED
    coop = application.coop
    assert (coop.status, coop.joined_on, coop.coop_type) == (
        MembershipStatus.ACTIVE, timezone.localdate(), "user_led")
    assert list(coop.councils_served.all()) == [council("GB-CRF")]
    assert {(s.kind, s.vote_share) for s in StakeholderClass.objects.filter(coop=coop)} == {
        ("service_users", Decimal("60")), ("workers", Decimal("40"))}
    entry = ShareEntry.objects.get(coop=coop)
    assert (entry.number, entry.kind, entry.shares, entry.amount) == (
        1, ShareEntryKind.SUBSCRIPTION, 1, rules_in_force(world.consortium).share_amount)
    account.refresh_from_db()
    assert account.role == Role.MEMBER and MemberUser.objects.get(user=account).coop == coop
    invited = {u.email: u for u in User.objects.filter(member_link__coop=coop).exclude(pk=account.pk)}
    assert set(invited) == {"sian@dyffryn.example", "tom@dyffryn.example"}
    assert invited["sian@dyffryn.example"].preferred_language == "cy"
    assert not invited["tom@dyffryn.example"].has_usable_password()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["ysgrifennydd@dyffryn.example", "sian@dyffryn.example", "tom@dyffryn.example"])


def test_invitations_are_written_in_each_contacts_language(world, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    seen = {}
    real = joining.render_to_string

    def render(template, context):
        if "user" in context:
            seen[context["user"].email] = translation.get_language()
        return real(template, context)

    monkeypatch.setattr(joining, "render_to_string", render)
    application = _with_board(world, contacts=[
        {"name": "Siân Morgan", "email": "sian@x.example", "role": "", "language": "cy"},
        {"name": "Tom Evans", "email": "tom@x.example", "role": "", "language": "en"}])
    with django_capture_on_commit_callbacks(execute=True):
        _carry(world, application)
    assert seen == {"sian@x.example": "cy", "tom@x.example": "en"}
    invitation = next(m for m in mail.outbox if m.to == ["sian@x.example"])
    user = User.objects.get(email="sian@x.example")
    link = next(line for line in invitation.body.splitlines() if "/accounts/set-password/" in line)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert default_token_generator.check_token(user, token)
    # The link opens the set-password form (Django swaps the token for a session one).
    client = Client()
    form_url = client.get(link[link.index("/accounts/"):]).url
    response = client.post(form_url, {"new_password1": "Cyfrinair-Newydd-26",
                                      "new_password2": "Cyfrinair-Newydd-26"})
    assert response.status_code == 302 and response.url == reverse("login")
    user.refresh_from_db()
    assert user.check_password("Cyfrinair-Newydd-26")


@pytest.mark.parametrize("overrides, field", [
    ({"society_number": "RS12345"}, "society_number"),
    ({"society_number": "1234567"}, "society_number"),
    ({"society_number": ""}, "society_number"),
    ({"legal_form": "cic", "society_number": ""}, "company_number"),
    ({"legal_form": "cic", "company_number": "1234567"}, "company_number"),
    ({"legal_form": "clg", "company_number": "S1234567"}, "company_number"),
    ({"stakeholders-1-vote_share": "30"}, "stakeholders"),
    ({"contacts-0-name": "", "contacts-0-email": "", "contacts-0-role": "", "contacts-1-name": "",
      "contacts-1-email": "", "contacts-1-role": ""}, "contacts"),
    ({"consent": ""}, "consent"),
    ({"password_again": "something else"}, "password_again"),
    ({"disadvantaged_workers": "20"}, "disadvantaged_workers"),
    ({"website": "http://spam.example"}, None),
])
def test_bad_input_is_shown_and_changes_nothing(client, world, overrides, field):
    users = User.objects.count()
    response = _apply(client, world, **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    if field in ("stakeholders", "contacts"):
        assert f'href="#{field}"' in page
    elif field:
        assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not MembershipApplication.objects.exists()
    assert User.objects.count() == users
    assert "_auth_user_id" not in client.session


def test_company_numbers_of_both_shapes_are_accepted(client, world):
    response = _apply(client, world, legal_form="cic", society_number="", company_number="sc123456")
    assert response.status_code == 302
    assert MembershipApplication.objects.get().company_number == "SC123456"


def test_a_taken_username_is_refused_on_its_field(client, world):
    response = _apply(client, world, username="coordinator")
    assert "username" in response.context["form"].errors
    assert not MembershipApplication.objects.exists()


# --- scoping -----------------------------------------------------------------------------------


def test_the_applicant_sees_only_its_own_application(client_for, world):
    own = ApplicationFactory(consortium=world.consortium, applicant=world.user("applicant"))
    other = ApplicationFactory(consortium=world.consortium)
    client = client_for("applicant")
    assert client.get(reverse("application-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("application-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("application-list")).status_code == 403
    assert client.get(reverse("share-register")).status_code == 403
    assert client.get(reverse("member-list")).status_code == 403


def test_the_applicant_withdraws_until_the_board_has_it(client_for, world):
    application = ApplicationFactory(consortium=world.consortium, applicant=world.user("applicant"))
    client = client_for("applicant")
    assert client.post(reverse("application-withdraw", args=[application.pk])).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert "Withdrawn" in page and "Withdraw the application" not in page


# --- the board's decision ----------------------------------------------------------------------


def _with_board(world, **kwargs) -> MembershipApplication:
    application = ApplicationFactory(consortium=world.consortium, **kwargs)
    coordinator = world.user("coordinator")
    joining.application_check(application=application, by=coordinator, notes="Checked.")
    return joining.application_to_board(application=application, by=coordinator)


def test_once_admitted_the_coops_users_see_the_application_that_made_it_a_member(world):
    application = _carry(world, _with_board(world))
    assert application.status == ApplicationStatus.ADMITTED
    client = Client()
    client.force_login(application.applicant)  # now a user of the new member co-op
    assert client.get(reverse("application-detail", args=[application.pk])).status_code == 200
    other = _carry(world, _with_board(world))
    assert client.get(reverse("application-detail", args=[other.pk])).status_code == 404
    member_a = Client()
    member_a.force_login(world.user("member_a"))
    assert member_a.get(reverse("application-detail", args=[application.pk])).status_code == 404


def test_a_defeated_ballot_leaves_the_application_with_the_coordinator(world):
    application = _with_board(world)
    board_votes.vote_cast(ballot=application.ballot, voter=world.user("board"), choice="against")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITH_BOARD and application.coop is None
    assert application.ballot.status == BallotStatus.DEFEATED
    with pytest.raises(Conflict):
        joining.application_admit(application=application, by=world.user("coordinator"))


def test_an_application_whose_vote_was_not_quorate_goes_to_the_board_again(world):
    application = _with_board(world)
    first = application.ballot
    board_votes.ballot_decide(ballot=first, by=world.user("coordinator"))  # nobody voted
    application.refresh_from_db()
    assert application.ballot.status == BallotStatus.NO_QUORUM
    application = joining.application_to_board(application=application, by=world.user("coordinator"))
    assert application.status == ApplicationStatus.WITH_BOARD and application.ballot != first
    assert application.ballot.status == BallotStatus.OPEN


def test_only_a_checked_application_goes_to_the_board(world):
    application = ApplicationFactory(consortium=world.consortium)
    with pytest.raises(Conflict):
        joining.application_to_board(application=application, by=world.user("coordinator"))
    with pytest.raises(DomainError):
        joining.application_check(application=application, by=world.user("board"), notes="x")


def test_refusal_tells_the_applicant_why_in_its_language(client_for, world, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    seen = []
    real = joining.render_to_string
    monkeypatch.setattr(joining, "render_to_string",
                        lambda t, c: seen.append(translation.get_language()) or real(t, c))
    applicant = User.objects.create_user("gwrthod", "gwrthod@example.org", "x", role=Role.APPLICANT,
                                         consortium=world.consortium, preferred_language="cy")
    application = _with_board(world, applicant=applicant, language="cy")
    client = client_for("coordinator")
    url = reverse("application-refuse", args=[application.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITH_BOARD
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "The co-op does not yet provide care in Wales."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert application.ballot.status == BallotStatus.WITHDRAWN  # the open vote, withdrawn uncounted
    [message] = mail.outbox
    assert message.to == ["gwrthod@example.org"]
    assert "The co-op does not yet provide care in Wales." in message.body
    assert seen == ["cy"]


# --- the share register ------------------------------------------------------------------------


def test_share_numbers_run_on_without_gaps(world):
    for _ in range(3):
        joining.share_entry_record(consortium=world.consortium, coop=world.coop_a,
                                   kind=ShareEntryKind.SUBSCRIPTION, shares=1, amount=Decimal("1"),
                                   entry_date=timezone.localdate(), by=None)
    joining.share_entry_record(consortium=world.consortium_other, coop=world.coop_other,
                               kind=ShareEntryKind.SUBSCRIPTION, shares=1, amount=Decimal("1"),
                               entry_date=timezone.localdate(), by=None)
    numbers = ShareEntry.objects.filter(consortium=world.consortium).values_list("number", flat=True)
    assert list(numbers) == [1, 2, 3]
    assert ShareEntry.objects.get(consortium=world.consortium_other).number == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_share_numbers_stay_gapless_when_written_at_once(world):
    coops = [MemberCoopFactory(consortium=world.consortium) for _ in range(6)]

    def subscribe(coop):
        return lambda: joining.share_entry_record(
            consortium=world.consortium, coop=coop, kind=ShareEntryKind.SUBSCRIPTION, shares=1,
            amount=Decimal("1"), entry_date=timezone.localdate(), by=None)

    errors = run_together([subscribe(coop) for coop in coops])
    assert errors == []
    numbers = sorted(ShareEntry.objects.filter(consortium=world.consortium).values_list("number", flat=True))
    assert numbers == list(range(1, 7))


def test_the_share_register_lists_the_entries_for_members_and_the_board(client_for, world):
    joining.share_entry_record(consortium=world.consortium, coop=world.coop_a,
                               kind=ShareEntryKind.SUBSCRIPTION, shares=1, amount=Decimal("1.00"),
                               entry_date=timezone.localdate(), by=None)
    for persona in ("coordinator", "board", "member_b"):
        page = client_for(persona).get(reverse("share-register")).content.decode()
        assert str(world.coop_a) in page and "Subscription" in page
    other = client_for("coordinator_other").get(reverse("share-register")).content.decode()
    assert str(world.coop_a) not in other
    assert client_for("reviewer").get(reverse("share-register")).status_code == 403


# --- leaving -----------------------------------------------------------------------------------


@pytest.mark.parametrize("refundable, kind", [(True, ShareEntryKind.WITHDRAWAL),
                                              (False, ShareEntryKind.FORFEIT)])
def test_a_coop_that_leaves_gives_back_its_share(world, refundable, kind):
    rules = rules_in_force(world.consortium)
    rules.share_refundable = refundable
    rules.save(update_fields=["share_refundable"])
    joining.share_entry_record(consortium=world.consortium, coop=world.coop_a,
                               kind=ShareEntryKind.SUBSCRIPTION, shares=1, amount=Decimal("5.00"),
                               entry_date=timezone.localdate(), by=None)
    members.member_set_status(coop=world.coop_a, to_status=MembershipStatus.WITHDRAWN,
                              reason="Leaving", by=world.user("coordinator"))
    entry = ShareEntry.objects.filter(coop=world.coop_a).order_by("number").last()
    assert (entry.number, entry.kind, entry.shares, entry.amount) == (2, kind, -1, Decimal("-5.00"))
    assert joining.share_balance(world.coop_a) == (0, Decimal("0"))


def test_an_applicant_is_not_made_active_by_hand(client_for, world):
    coop = MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.APPLICANT)
    with pytest.raises(DomainError, match="board admits"):
        members.member_set_status(coop=coop, to_status=MembershipStatus.ACTIVE, reason="x",
                                  by=world.user("coordinator"))
    response = client_for("coordinator").post(reverse("member-status", args=[coop.pk]), {
        "to_status": "active", "reason": "x", "effective_on": timezone.localdate().isoformat()})
    assert response.status_code == 200
    coop.refresh_from_db()
    assert coop.status == MembershipStatus.APPLICANT
    assert MemberCoop.objects.filter(pk=coop.pk, status=MembershipStatus.APPLICANT).exists()


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_has_a_pending_application_and_a_share_register(db):
    demo = members_demo.seed()
    joining_demo.seed(demo.consortium, demo.users, timezone.localdate())
    joining_demo.seed(demo.consortium, demo.users, timezone.localdate())  # idempotent
    application = MembershipApplication.objects.get(applicant__username="applicant")
    assert application.status == ApplicationStatus.SUBMITTED and application.coop_type == "user_led"
    assert application.applicant.check_password(members_demo.DEMO_PASSWORD)
    joined = MemberCoop.objects.filter(consortium=demo.consortium, joined_on__isnull=False)
    entries = list(ShareEntry.objects.filter(consortium=demo.consortium).order_by("number"))
    assert [e.number for e in entries] == list(range(1, joined.count() + 1))
    assert [e.entry_date for e in entries] == sorted(c.joined_on for c in joined)
