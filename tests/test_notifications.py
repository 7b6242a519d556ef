"""Notifications: each event that asks someone to act tells the right people and nobody else
(two consortia, two councils), in the reader's language, with an e-mail after commit to those
who want one; a rollback tells nobody, a failing mail server undoes nothing, and nobody reads
another's notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from smtplib import SMTPException

import pytest
from django.core import mail
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from consortium import notifications as n
from consortium.models import Notification, NotificationPreference, Role
from contracts.bidding.services import bids as bid_services
from contracts.delivery.services import returns as return_services
from contracts.evaluation.services import award as award_services
from contracts.evaluation.services.review import evaluation_open
from contracts.models import DeliveryReturn, MemberResponse, ReturnStatus
from contracts.tendering.services import tenders as tender_services
from desk.context_processors import desk as header
from members import governance
from pricing.models import Party
from pricing.services import negotiations as negotiation_services
from tests import contracts_factories as cf
from tests.builders import (
    allocate_both,
    draft_joint_bid,
    evaluated_lot,
    joint_bid_tender,
    past_standstill,
    started_contract,
)
from tests.factories import UserFactory, board_of_three, member_user, second_reviewer, service
from tests.pricing_factories import cost_submission

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]


def told(kind: str) -> set[str]:
    """The usernames told of ``kind``."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def message(kind: str, user) -> str:
    return n.message_of(Notification.objects.get(kind=kind, recipient=user))


@pytest.fixture
def others(world):
    """Everyone who must hear of nothing of consortium A's or Cardiff's: a user of the other
    consortium's member co-op and its board member (the world has its coordinator and the
    Gwynedd reviewer)."""
    return [member_user(world.coop_other, username="member-other"),
            UserFactory(username="board-other", role=Role.BOARD_MEMBER, consortium=world.consortium_other)]


def return_sent_back(world, *, by=None):
    contract = started_contract(world)
    period = contract.periods.order_by("start").first()
    ret = return_services.return_save(
        subcontract=contract.subcontracts.get(coop=world.coop_a), period=period, by=world.user("member_a"),
        lines=[{"council": "GB-CRF", "time_band": "weekday_day", "quantity": "240.00"},
               {"council": "GB-CRF", "time_band": "weekend", "quantity": "160.00"}],
        counts={"visits_planned": 10, "visits_delivered": 9, "visits_missed": 1, "visits_late": 2,
                "visits_short": 1})
    ret = return_services.return_submit(ret=ret, by=world.user("member_a"))
    return return_services.return_send_back(ret=ret, by=by or world.user("coordinator"),
                                             reason="Weekend hours look high")


# --- who is told of each event --------------------------------------------------------------------

def test_members_invited_to_a_lot_are_told_with_the_date_to_answer_by(world, others):
    bid = draft_joint_bid(world, joint_bid_tender(world))
    mail.outbox.clear()
    made = bid_services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    assert {i.coop for i in made} == {world.coop_a, world.coop_b}
    assert told(n.BID_INVITATION) == {"member-a", "member-b"}
    text = message(n.BID_INVITATION, world.user("member_a"))
    deadline = timezone.localtime(bid.response_deadline)
    assert f"{deadline.day} {deadline:%b %Y} {deadline:%H:%M}" in text
    assert "Gofal A" in text and "Gofal B" not in text  # each co-op hears of its own invitation
    row = Notification.objects.get(kind=n.BID_INVITATION, recipient=world.user("member_a"))
    assert n.url_of(row) == reverse("member-bid-work")
    # Inviting again invites nobody new, and tells nobody again.
    bid_services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
    assert Notification.objects.filter(kind=n.BID_INVITATION).count() == 2


def test_a_members_decline_tells_its_consortiums_coordinators_without_the_reason(world, others):
    bid = allocate_both(world, draft_joint_bid(world, joint_bid_tender(world)))
    bid_services.response_decline(response=MemberResponse.objects.get(bid=bid, coop=world.coop_b),
                                  by=world.user("member_b"), reason="Staff shortage in the valleys")
    assert told(n.WORK_DECLINED) == {"coordinator"}
    text = message(n.WORK_DECLINED, world.user("coordinator"))
    assert "Gofal B" in text and "Staff shortage" not in text
    row = Notification.objects.get(kind=n.WORK_DECLINED)
    assert n.url_of(row) == reverse("bid-allocation", kwargs={"pk": bid.pk})


def test_a_board_vote_tells_the_entitled_board_when_it_opens_and_the_consortium_when_decided(world, others):
    board = board_of_three(world)
    ballot = governance.ballot_open(consortium=world.consortium, subject="Join the Wales co-op network",
                                    by=world.user("coordinator"))
    assert told(n.BALLOT_OPENED) == {u.username for u in board}
    assert "Join the Wales co-op network" in message(n.BALLOT_OPENED, board[0])
    for member in board:
        governance.vote_cast(ballot=ballot, voter=member, choice="for")  # the last vote decides
    assert told(n.BALLOT_DECIDED) == {"coordinator", *(u.username for u in board)}
    assert message(n.BALLOT_DECIDED, world.user("coordinator")).endswith(": the motion carried.")


def test_an_answered_clarification_tells_the_asker_and_the_bidders_coordinators_only(world, others):
    tender = cf.tender(world.council)
    cf.bid(world.consortium_other, tender, by=world.user("coordinator_other"))
    third = UserFactory(username="coordinator-third", role=Role.COORDINATOR)  # no bid: not told
    asked = tender_services.clarification_ask(tender=tender, by=world.user("coordinator"), question="TUPE?")
    assert not told(n.CLARIFICATION_ANSWERED)
    tender_services.clarification_answer(clarification=asked, by=world.user("reviewer"), answer="Yes.")
    assert told(n.CLARIFICATION_ANSWERED) == {"coordinator", "coordinator-other"}
    assert third.notifications.count() == 0
    text = message(n.CLARIFICATION_ANSWERED, world.user("coordinator_other"))
    assert tender.reference in text and "Cardiff" in text
    assert "TUPE" not in text and world.consortium.name not in text  # never who asked, nor what


def test_an_offer_in_a_negotiation_tells_the_other_side_and_no_rate(world, others):
    board = board_of_three(world)
    cost_submission(world.coop_a, financial_year=2026)
    negotiation = negotiation_services.negotiation_open(
        consortium=world.consortium, council=world.council, service_type=service(), financial_year=2026,
        by=world.user("coordinator"))
    round_ = negotiation_services.opening_position_propose(
        negotiation=negotiation, rates={"weekday_day": Decimal("27.50")}, rationale="Members' costs",
        by=world.user("coordinator"))
    assert not told(n.NEGOTIATION_OFFER)  # before the board: the council hears nothing
    for member in board:
        governance.vote_cast(ballot=round_.ballot, voter=member, choice="for")
    assert told(n.NEGOTIATION_OFFER) == {"reviewer"}
    text = message(n.NEGOTIATION_OFFER, world.user("reviewer"))
    assert "The consortium made an offer (round 1)" in text and "2026-27" in text
    assert "27.50" not in text and "27.5" not in text
    negotiation_services.counter_offer(negotiation=negotiation, party=Party.COUNCIL,
                                       rates={"weekday_day": Decimal("25.40")}, rationale="Budget",
                                       by=world.user("reviewer"))
    assert told(n.NEGOTIATION_OFFER) == {"reviewer", "coordinator"}
    assert "The council made an offer (round 2)" in message(n.NEGOTIATION_OFFER, world.user("coordinator"))


def test_opening_the_evaluation_tells_the_councils_other_reviewers(world, others):
    two = second_reviewer(world)
    ev = evaluated_lot(world, scored=False)
    assert told(n.MARKING_OPENED) == {two.username}  # not the lead who opened it, not Gwynedd's
    row = Notification.objects.get(kind=n.MARKING_OPENED)
    assert n.url_of(row) == reverse("review-tender", kwargs={"pk": ev.tender.pk})
    evaluation_open(tender=ev.tender, by=two)  # already open: nobody is told again
    assert Notification.objects.filter(kind=n.MARKING_OPENED).count() == 1


def test_an_award_tells_each_bidding_consortium_its_own_outcome_and_members_their_subcontracts(
        world, others):
    ev = evaluated_lot(world, rival=True)
    lead = world.user("reviewer")
    award = award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    assert told(n.AWARD_DECIDED) == {"coordinator", "board", "coordinator-other", "board-other"}
    assert "your bid won" in message(n.AWARD_DECIDED, world.user("board"))
    lost = message(n.AWARD_DECIDED, world.user("coordinator_other"))
    assert "your bid was not successful" in lost and world.consortium.name not in lost
    assert "25.00" not in lost  # no figure of the winner's bid
    award_services.award_confirm(award=past_standstill(award), by=lead)
    assert told(n.AWARD_CONFIRMED) == {"coordinator", "board", "coordinator-other", "board-other"}
    assert told(n.SUBCONTRACT_MADE) == {"member-a", "member-b"}
    assert "Gofal" not in message(n.SUBCONTRACT_MADE, world.user("member_a"))  # no other member named


def test_a_return_sent_back_tells_the_members_users(world, others):
    colleague = member_user(world.coop_a, username="member-a-2")
    ret = return_sent_back(world)
    assert told(n.RETURN_SENT_BACK) == {"member-a", colleague.username}
    row = Notification.objects.get(recipient=colleague, kind=n.RETURN_SENT_BACK)
    assert n.url_of(row) == reverse("return-detail", kwargs={"pk": ret.pk})


# --- language and e-mail ----------------------------------------------------------------------------

def test_a_welsh_reader_gets_the_notification_and_its_email_in_welsh(world, client_for,
                                                                     django_capture_on_commit_callbacks):
    member = world.user("member_a")
    member.preferred_language = "cy"
    member.save(update_fields=["preferred_language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ret = return_sent_back(world)
    start = ret.period.start
    months_cy = ["Ion", "Chwef", "Maw", "Ebr", "Mai", "Meh", "Gorff", "Awst", "Medi", "Hyd", "Tach", "Rhag"]
    welsh = f"{start.day} {months_cy[start.month - 1]} {start.year}"
    (email,) = [m for m in mail.outbox if m.to == [member.email]]
    assert welsh in email.subject and welsh in email.body
    assert reverse("return-detail", kwargs={"pk": ret.pk}) in email.body
    # The same row reads in English to an English reader, in Welsh on a Welsh page.
    row = Notification.objects.get(recipient=member, kind=n.RETURN_SENT_BACK)
    assert f"{start.day} {start:%b %Y}" in n.message_of(row)
    client = client_for("member_a")
    client.post(reverse("set_language"), {"language": "cy"})
    assert welsh in client.get(reverse("notification-list")).content.decode()


def test_email_goes_after_commit_only_to_those_who_want_it(world, django_capture_on_commit_callbacks):
    member_a, member_b = world.user("member_a"), world.user("member_b")
    n.email_choices_save(user=member_b, choices={n.BID_INVITATION: False})
    coordinator = world.user("coordinator")
    bid = draft_joint_bid(world, joint_bid_tender(world))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bid_services.invitations_send(bid_lot=bid.bid_lots.get(), by=coordinator)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[member_a.email]]  # member B turned it off
    assert Notification.objects.filter(recipient=member_b, kind=n.BID_INVITATION).exists()  # still shown
    # A kind without a deadline is not e-mailed unless asked for.
    board = board_of_three(world)
    n.email_choices_save(user=board[1], choices={n.BALLOT_DECIDED: True})
    ballot = governance.ballot_open(consortium=world.consortium, subject="Motion", by=coordinator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        governance.ballot_decide(ballot=ballot, by=coordinator)
    assert [m.to for m in mail.outbox] == [[board[1].email]]


def test_a_rolled_back_write_tells_nobody(world, django_capture_on_commit_callbacks):
    class Abandon(Exception):
        pass

    bid = draft_joint_bid(world, joint_bid_tender(world))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abandon), transaction.atomic():
        bid_services.invitations_send(bid_lot=bid.bid_lots.get(), by=world.user("coordinator"))
        raise Abandon
    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_failing_mail_server_undoes_nothing(world, monkeypatch, django_capture_on_commit_callbacks):
    def down(self, messages):
        raise SMTPException("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    with django_capture_on_commit_callbacks(execute=True):
        ret = return_sent_back(world)
    assert DeliveryReturn.objects.get(pk=ret.pk).status == ReturnStatus.SENT_BACK
    assert told(n.RETURN_SENT_BACK) == {"member-a"}


def test_notify_refuses_a_kind_with_a_missing_parameter(world):
    with pytest.raises(KeyError):
        n.notify(recipients=[world.user("member_a")], kind=n.RETURN_SENT_BACK, params={"start": "2026-12-16"})
    assert not Notification.objects.exists()


# --- the pages ---------------------------------------------------------------------------------------

def _row(user, kind=n.RETURN_SENT_BACK, **params):
    return n.notify(recipients=[user], kind=kind, params={"start": dt.date(2026, 12, 16),
                                                          "end": dt.date(2027, 1, 10), **params},
                    url=n.link("subcontract-list"))[0]


def test_the_list_shows_ones_own_newest_first_and_unread_marked(world, client_for):
    member = world.user("member_a")
    older, newer = _row(member), _row(member)
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=1),
                                                    read_at=timezone.now())
    _row(world.user("member_b"))
    page = client_for("member_a").get(reverse("notification-list"))
    body = page.content.decode()
    assert page.context["notifications_unread"] == 1
    assert [item.pk for item, _ in page.context["rows"]] == [newer.pk, older.pk]
    assert body.count("16 Dec 2026 to 10 Jan 2027") == 4  # twice a row: its text, and its button's
    assert body.count("govuk-tag--blue") == 1
    assert reverse("notification-open", kwargs={"pk": newer.pk}) in body


def test_opening_one_marks_it_read_and_goes_where_the_act_is_done(world, client_for):
    row = _row(world.user("member_a"))
    client = client_for("member_a")
    response = client.post(reverse("notification-open", kwargs={"pk": row.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("subcontract-list")
    row.refresh_from_db()
    assert row.read_at is not None
    assert client.get(reverse("notification-open", kwargs={"pk": row.pk})).status_code == 405


def test_nobody_opens_or_reads_anothers_notification(world, client_for):
    row = _row(world.user("member_a"))
    for persona in ("member_b", "coordinator", "reviewer"):
        client = client_for(persona)
        assert client.post(reverse("notification-open", kwargs={"pk": row.pk})).status_code == 404
        assert [item.pk for item, _ in client.get(reverse("notification-list")).context["rows"]] == []
    row.refresh_from_db()
    assert row.read_at is None
    with pytest.raises(Http404):
        n.notification_read(notification=row, by=world.user("member_b"))


def test_mark_all_as_read_marks_only_ones_own(world, client_for):
    mine, theirs = _row(world.user("member_a")), _row(world.user("member_b"))
    client_for("member_a").post(reverse("notification-read-all"))
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert client_for("member_a").get(reverse("notification-list")).context["notifications_unread"] == 0


def test_the_settings_page_saves_a_choice_a_kind_with_deadlines_on_by_default(world, client_for):
    client = client_for("member_a")
    page = client.get(reverse("notification-settings"))
    assert set(page.context["form"].initial["email"]) == {c for c, k in n.KINDS.items() if k.deadline}
    response = client.post(reverse("notification-settings"), {"email": [n.BALLOT_DECIDED]})
    assert response.status_code == 302
    chosen = n.email_choices(world.user("member_a"))
    assert chosen[n.BALLOT_DECIDED] is True and chosen[n.RETURN_SENT_BACK] is False
    bad = client.post(reverse("notification-settings"), {"email": ["not-a-kind"]})
    assert bad.status_code == 200 and bad.context["form"].errors["email"]
    assert NotificationPreference.objects.filter(user=world.user("member_a"), kind="not-a-kind").count() == 0


def test_a_visitor_has_no_unread_count(client):
    assert client.get(reverse("login")).context["notifications_unread"] == 0


def test_the_header_counts_are_one_query_together_and_none_on_a_page_that_does_not_show_them(
        world, rf, django_assert_num_queries):
    member = world.user("member_a")
    _row(member), _row(member)
    _row(world.user("member_b"))
    request = rf.get("/")
    request.user = member
    with django_assert_num_queries(0):
        context = header(request)
    with django_assert_num_queries(1):
        count = context["notifications_unread"]
        assert count == 2 and count and str(count) == "2" and int(count) + 1 == 3
        assert int(context["desk_count"]) >= 0


def test_the_api_lists_ones_own_in_ones_language(world, api_for):
    mine = _row(world.user("member_a"))
    _row(world.user("member_b"))
    data = api_for("member_a").get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="cy").json()
    assert [r["id"] for r in data["results"]] == [mine.pk]
    (row,) = data["results"]
    assert row["kind"] == n.RETURN_SENT_BACK and row["url"] == reverse("subcontract-list")
    assert "16 Rhag 2026" in row["message"] and row["read_at"] is None
    assert api_for("coordinator").get("/api/v1/notifications/").json()["results"] == []


def test_dates_and_money_are_stored_as_iso_and_decimal_strings_and_formatted_when_read(world):
    row = _row(world.user("member_a"))
    assert row.params == {"start": "2026-12-16", "end": "2027-01-10"}
    spec = n.Kind("example", label="", message="", subject="", action="", deadline=False,
                  params={"total": n.MONEY, "due": n.DATETIME})
    assert n._stored(Decimal("1234.50")) == "1234.50"
    assert n._formatted(spec, "total", "1234.50") == "£1,234.50"
    with translation.override("cy"):
        assert n._formatted(spec, "due", "2026-12-16T17:00:00+00:00") == "16 Rhag 2026 17:00"


def test_a_ballot_notification_names_the_motion_in_the_readers_language(world, others):
    """The motion of a ballot the product opened is kept as its code and parameters, so a Welsh
    reader reads the notification's motion in Welsh, and an English reader in English."""
    board = board_of_three(world)
    governance.ballot_open(consortium=world.consortium, subject_code="admission",
                           subject_params={"coop": "Gofal Newydd", "number": "C-099"},
                           by=world.user("coordinator"))
    row = Notification.objects.filter(recipient=board[0], kind=n.BALLOT_OPENED).get()
    with translation.override("en"):
        english = n.message_of(row)
    with translation.override("cy"):
        welsh = n.message_of(row)
        welsh_title = translation.gettext("Admit %(coop)s (%(number)s) as a member co-op") % {
            "coop": "Gofal Newydd", "number": "C-099"}
    assert "Admit Gofal Newydd (C-099) as a member co-op" in english
    assert welsh_title != "Admit Gofal Newydd (C-099) as a member co-op"  # the catalogue has it
    assert welsh_title in welsh and "Admit" not in welsh
