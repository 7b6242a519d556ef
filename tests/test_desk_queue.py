"""Each role's work queue ("what needs me, by when"): its items, scoped to the person (two
consortia, two councils), each gone once the thing is done through its service; the dashboard
that shows it, the count in the navigation, and the short navigation per role."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.models import TimeBand
from contracts.bidding.services import bids as bid_services
from contracts.delivery.services import invoices as invoice_services
from contracts.delivery.services import payments as payment_services
from contracts.delivery.services import returns as return_services
from contracts.evaluation.services.award import award_confirm, award_decide
from contracts.evaluation.services.review import evaluation_open
from contracts.evaluation.services.scoring import mark_sheet_save, mark_sheet_submit
from contracts.models import (
    Invitation,
    InvitationStatus,
    Invoice,
    Lot,
    LotStatus,
    MemberResponse,
    Tender,
    TenderStatus,
)
from contracts.tendering.services.tenders import clarification_answer, clarification_ask
from desk.selectors import queue as q
from members import governance
from members import services as member_services
from members.models import DocumentType
from pricing.models import Party
from pricing.services import negotiations as negotiation_services
from pricing.services import submissions as submission_services
from tests import builders as b
from tests import contracts_factories as cf
from tests import factories as f
from tests.personas import PERSONAS
from tests.pricing_factories import inputs

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]


WEEKDAY, WEEKEND = TimeBand.WEEKDAY_DAY, TimeBand.WEEKEND


def items(world, persona: str, kind: str | None = None) -> list[q.QueueItem]:
    """The persona's queue (checking the navigation's one-query count agrees with it)."""
    user = world.user(persona)
    found = q.queue_for(user)
    assert q.queue_count(user) == len(found), persona
    return [item for item in found if kind is None or item.kind == kind]


def queues(world) -> dict[str, list[q.QueueItem]]:
    """Every signed-in persona's queue as it is now (each checked against the navigation's count):
    read once for all the checks made of one state."""
    return {persona: items(world, persona) for persona in PERSONAS if persona != "anonymous"}


def of(found: list[q.QueueItem], kind: str) -> list[q.QueueItem]:
    return [item for item in found if item.kind == kind]


def nobody_else_has(world, kind: str, *allowed: str, seen: dict | None = None) -> None:
    """No persona but ``allowed`` has an item of ``kind``, in ``seen`` (from ``queues``) or, when
    not given, in every persona's queue read afresh."""
    for persona, found in (seen if seen is not None else queues(world)).items():
        if persona not in allowed:
            assert of(found, kind) == [], (persona, kind)


# --- coordinators, members and the board: a joint bid ---------------------------------------------

def test_a_bid_in_progress_needs_members_then_the_board_then_the_coordinator(world):
    tender = b.joint_bid_tender(world)
    bid = b.allocate_both(world, b.draft_joint_bid(world, tender))
    bid_url = reverse("bid-detail", args=[bid.pk])

    seen = queues(world)
    [deadline] = of(seen["coordinator"], q.BID_DEADLINE)
    assert deadline.url == bid_url and deadline.due == tender.submission_deadline
    assert deadline.params["stage"] == "draft"
    [answers] = of(seen["coordinator"], q.ANSWERS_OUTSTANDING)
    assert answers.count == 2 and answers.url == bid_url
    assert answers.due == MemberResponse.objects.filter(bid=bid).order_by("respond_by").first().respond_by
    for persona in ("member_a", "member_b"):
        [work] = of(seen[persona], q.WORK_TO_ANSWER)
        assert work.url == reverse("member-bid-work")
    # The other consortium, and the councils (before the deadline): nothing of the bid.
    nobody_else_has(world, q.BID_DEADLINE, "coordinator", seen=seen)
    nobody_else_has(world, q.ANSWERS_OUTSTANDING, "coordinator", seen=seen)
    nobody_else_has(world, q.WORK_TO_ANSWER, "member_a", "member_b", seen=seen)
    for persona in ("reviewer", "reviewer_other", "coordinator_other"):
        assert all(tender.reference not in str(item.params) for item in seen[persona]), persona

    # Coop A accepts: its item goes, the coordinator waits for one member.
    a = world.user("member_a")
    bid_services.response_accept(response=MemberResponse.objects.get(bid=bid, coop=world.coop_a), by=a)
    assert items(world, "member_a", q.WORK_TO_ANSWER) == []
    assert items(world, "member_b", q.WORK_TO_ANSWER) != []
    assert [i.count for i in items(world, "coordinator", q.ANSWERS_OUTSTANDING)] == [1]
    bid_services.response_accept(response=MemberResponse.objects.get(bid=bid, coop=world.coop_b),
                                 by=world.user("member_b"))
    assert items(world, "coordinator", q.ANSWERS_OUTSTANDING) == []

    # Sent to the board: the board member has a ballot to vote on, the coordinator an open one.
    bid_services.bid_prices_calculate(bid=bid, by=world.user("coordinator"))
    bid = bid_services.bid_send_for_approval(bid=type(bid).objects.get(pk=bid.pk),
                                             by=world.user("coordinator"))
    [vote] = items(world, "board", q.BALLOT_TO_VOTE)
    assert vote.url == reverse("ballot-detail", args=[bid.ballot_id])
    assert [i.url for i in items(world, "coordinator", q.BALLOT_OPEN)] == [vote.url]
    assert [i.params["stage"] for i in items(world, "coordinator", q.BID_DEADLINE)] == ["awaiting_approval"]
    nobody_else_has(world, q.BALLOT_TO_VOTE, "board")
    governance.vote_cast(ballot=bid.ballot, voter=world.user("board"), choice="for")
    assert items(world, "board", q.BALLOT_TO_VOTE) == []
    assert items(world, "coordinator", q.BALLOT_OPEN) == []  # carried

    # Submitted: nothing of the bid is left to do.
    b.submit(bid, world)
    assert items(world, "coordinator", q.BID_DEADLINE) == []


def test_a_board_member_who_voted_has_nothing_left_while_the_ballot_stays_open(world):
    board = f.board_of_three(world)
    bid = b.ready(b.allocate_both(world, b.draft_joint_bid(world, b.joint_bid_tender(world))), world)
    bid = bid_services.bid_send_for_approval(bid=bid, by=world.user("coordinator"))
    governance.vote_cast(ballot=bid.ballot, voter=board[0], choice="for")
    assert q.queue_for(board[0]) == []
    assert [i.kind for i in q.queue_for(board[1])] == [q.BALLOT_TO_VOTE]
    assert len(items(world, "coordinator", q.BALLOT_OPEN)) == 1


def test_a_lot_offered_to_a_member_waits_for_its_answer_and_only_its_own(world):
    bid = b.draft_joint_bid(world, b.joint_bid_tender(world))
    cf.opt_in(bid, world.coop_a, status=InvitationStatus.INVITED)
    [offered] = items(world, "member_a", q.LOT_OFFERED)
    assert offered.due == bid.response_deadline and offered.url == reverse("member-bid-work")
    assert offered.params["lot"] == 1
    nobody_else_has(world, q.LOT_OFFERED, "member_a")
    bid_services.invitation_respond(invitation=Invitation.objects.get(coop=world.coop_a),
                                    by=world.user("member_a"), take_part=True)
    assert items(world, "member_a", q.LOT_OFFERED) == []


# --- council reviewers ------------------------------------------------------------------------------

def test_a_question_waits_for_its_council_only_until_answered(world):
    tender = cf.tender(world.council)
    cf.lot(tender)
    question = clarification_ask(tender=tender, by=world.user("coordinator"), question="Is travel time paid?")
    [ask] = items(world, "reviewer", q.CLARIFICATION_TO_ANSWER)
    assert ask.url == reverse("clarification-answer", args=[question.pk])
    nobody_else_has(world, q.CLARIFICATION_TO_ANSWER, "reviewer")
    clarification_answer(clarification=question, by=world.user("reviewer"), answer="Yes, at the hourly rate.")
    assert items(world, "reviewer", q.CLARIFICATION_TO_ANSWER) == []


def test_the_asking_consortium_waits_on_its_own_question_until_the_council_answers(world):
    tender = cf.tender(world.council)
    cf.lot(tender)
    question = clarification_ask(tender=tender, by=world.user("coordinator"), question="Is travel time paid?")
    [waiting] = items(world, "coordinator", q.QUESTION_AWAITING)
    assert waiting.url == reverse("tender-detail", args=[tender.pk]) + "#clarifications"
    assert waiting.due == (tender.clarification_deadline or tender.submission_deadline)
    # Only the consortium that asked is waiting: the other consortium's coordinator is not,
    # and nobody learns who asked.
    nobody_else_has(world, q.QUESTION_AWAITING, "coordinator")
    clarification_answer(clarification=question, by=world.user("reviewer"), answer="Yes, at the hourly rate.")
    assert items(world, "coordinator", q.QUESTION_AWAITING) == []


def test_a_tender_past_its_deadline_waits_for_evaluation_then_marks_then_the_standstill(world):
    # A tender past its deadline, with the consortium's sealed bid, not yet opened for evaluation.
    past = timezone.now() - dt.timedelta(days=1)
    tender = cf.tender(world.council, deadline=past, status=TenderStatus.CLOSED)
    lot = cf.lot(tender, volumes={WEEKDAY: "100"}, questions=1)
    Lot.objects.filter(pk=lot.pk).update(status=LotStatus.CLOSED)
    cf.joint_submission(lot, world.consortium, [(world.coop_a, WEEKDAY, "100", "100")], {WEEKDAY: "25.00"})
    [waiting] = items(world, "reviewer", q.TENDER_TO_EVALUATE)
    assert waiting.url == reverse("review-tender", args=[tender.pk]) and waiting.is_overdue()
    assert waiting.params["n"] == 1
    nobody_else_has(world, q.TENDER_TO_EVALUATE, "reviewer")

    reviewer = world.user("reviewer")
    evaluation_open(tender=Tender.objects.get(pk=tender.pk), by=reviewer)
    assert items(world, "reviewer", q.TENDER_TO_EVALUATE) == []
    [sheet] = items(world, "reviewer", q.MARK_SHEET)
    assert sheet.url == reverse("lot-marks", args=[lot.pk])
    nobody_else_has(world, q.MARK_SHEET, "reviewer")
    entry = lot.entries.get()
    question = lot.questions.get()
    mark_sheet_save(lot=lot, by=reviewer, marks={(entry.pk, question.pk): (8, "Clear plan")})
    mark_sheet_submit(lot=lot, by=reviewer)
    assert items(world, "reviewer", q.MARK_SHEET) == []


def test_a_standstill_is_listed_until_the_award_is_confirmed(world):
    ev = b.evaluated_lot(world)
    award = award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    [standstill] = items(world, "reviewer", q.STANDSTILL_ENDING)
    assert standstill.url == reverse("lot-award", args=[ev.lot.pk])
    assert standstill.due.date() == award.standstill_ends
    nobody_else_has(world, q.STANDSTILL_ENDING, "reviewer")
    assert items(world, "reviewer", q.MARK_SHEET) == []  # an awarded lot needs no more marks
    award_confirm(award=b.past_standstill(award), by=world.user("reviewer"))
    assert items(world, "reviewer", q.STANDSTILL_ENDING) == []


# --- negotiations: each side waits for the other's reply -----------------------------------------------

def test_an_offer_waits_for_the_other_side_until_it_answers(world):
    board = f.board_of_three(world)
    negotiation = negotiation_services.negotiation_open(
        consortium=world.consortium, council=world.council, service_type=f.service(), financial_year=2026,
        by=world.user("coordinator"))
    opening = negotiation_services.opening_position_propose(
        negotiation=negotiation, rates={"weekday_day": Decimal("27.50"), "weekend": Decimal("33.00")},
        rationale="Members' median costs", by=world.user("coordinator"))
    assert items(world, "reviewer", q.COUNTER_OFFER) == []  # the board has not approved it yet
    assert [i.kind for i in q.queue_for(board[0])] == [q.BALLOT_TO_VOTE]
    for member in board[:2]:
        governance.vote_cast(ballot=opening.ballot, voter=member, choice="for")
    governance.ballot_decide(ballot=opening.ballot, by=world.user("coordinator"))

    [offer] = items(world, "reviewer", q.COUNTER_OFFER)
    assert offer.url == reverse("negotiation-detail", args=[negotiation.pk])
    seen = queues(world)
    nobody_else_has(world, q.COUNTER_OFFER, "reviewer", seen=seen)
    nobody_else_has(world, q.NEGOTIATION_REPLY, seen=seen)
    council_round = negotiation_services.counter_offer(
        negotiation=negotiation, party=Party.COUNCIL, rates={"weekday_day": "25.40", "weekend": "30.10"},
        rationale="Our budget", by=world.user("reviewer"))
    assert items(world, "reviewer", q.COUNTER_OFFER) == []
    [reply] = items(world, "coordinator", q.NEGOTIATION_REPLY)
    assert reply.url == offer.url
    nobody_else_has(world, q.NEGOTIATION_REPLY, "coordinator")
    negotiation_services.offer_accept(round=council_round, by=world.user("coordinator"))
    assert items(world, "coordinator", q.NEGOTIATION_REPLY) == []


# --- delivery: returns and invoices ------------------------------------------------------------------------

def test_returns_are_due_from_members_then_checked_by_the_coordinator(world):
    contract = b.started_contract(world)
    ended = [p for p in contract.periods.order_by("start") if p.end < timezone.localdate()]
    assert ended
    due = items(world, "member_a", q.RETURN_DUE)
    sub_a = contract.subcontracts.get(coop=world.coop_a)
    assert [i.url for i in due] == [reverse("return-edit", kwargs={"sub_pk": sub_a.pk, "period_pk": p.pk})
                                    for p in ended]
    assert all(i.is_overdue() for i in due)
    assert len(items(world, "member_b", q.RETURN_DUE)) == len(ended)
    nobody_else_has(world, q.RETURN_DUE, "member_a", "member_b")

    member = world.user("member_a")
    ret = return_services.return_save(
        subcontract=sub_a, period=ended[0], by=member,
        lines=[{"council": "GB-CRF", "time_band": WEEKDAY, "quantity": "240"},
               {"council": "GB-CRF", "time_band": WEEKEND, "quantity": "160"}])
    assert len(items(world, "member_a", q.RETURN_DUE)) == len(ended)  # a draft is not in yet
    ret = return_services.return_submit(ret=ret, by=member)
    assert len(items(world, "member_a", q.RETURN_DUE)) == len(ended) - 1
    [check] = items(world, "coordinator", q.RETURN_TO_CHECK)
    assert check.url == reverse("return-detail", args=[ret.pk])
    nobody_else_has(world, q.RETURN_TO_CHECK, "coordinator")

    # Sent back: the member has it again, marked so; accepted once resubmitted: gone everywhere.
    ret = return_services.return_send_back(ret=ret, by=world.user("coordinator"), reason="Weekend hours?")
    assert items(world, "coordinator", q.RETURN_TO_CHECK) == []
    assert items(world, "member_a", q.RETURN_DUE)[0].params["sent_back"] is True
    ret = return_services.return_submit(ret=ret, by=member)
    return_services.return_accept(ret=ret, by=world.user("coordinator"))
    assert items(world, "coordinator", q.RETURN_TO_CHECK) == []
    assert len(items(world, "member_a", q.RETURN_DUE)) == len(ended) - 1


def test_an_invoice_is_listed_until_the_council_has_paid_it(world):
    contract = b.started_contract(world)
    period = contract.periods.order_by("start").first()
    b.accepted_return(contract, world.coop_a, period, {(world.council, WEEKDAY): "240"})
    invoice = invoice_services.invoice_issue(contract=contract, period=period, by=world.user("coordinator"))
    [unpaid] = items(world, "coordinator", q.INVOICE_UNPAID)
    assert unpaid.url == reverse("invoice-detail", args=[invoice.pk])
    assert unpaid.due.date() == invoice.due_on
    nobody_else_has(world, q.INVOICE_UNPAID, "coordinator")
    payment_services.payment_record(invoice=invoice, reference="BACS-1", amount=invoice.total,
                                    paid_on=timezone.localdate(), by=world.user("coordinator"))
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"
    assert items(world, "coordinator", q.INVOICE_UNPAID) == []


# --- compliance ---------------------------------------------------------------------------------------------

def test_an_expired_document_is_listed_for_its_coop_and_coordinator_until_renewed(world):
    today = timezone.localdate()
    document = f.ComplianceDocumentFactory(coop=world.coop_a, doc_type=DocumentType.PUBLIC_LIABILITY,
                                           expires_on=today - dt.timedelta(days=2))
    f.ComplianceDocumentFactory(coop=world.coop_other, expires_on=today - dt.timedelta(days=5))
    for persona in ("coordinator", "member_a"):
        [expired] = items(world, persona, q.DOCUMENTS_EXPIRED)
        assert expired.count == 1 and expired.due.date() == document.expires_on
        assert expired.url == reverse("document-list") + "?expiry=expired"
    assert items(world, "member_b", q.DOCUMENTS_EXPIRED) == []
    assert [i.count for i in items(world, "coordinator_other", q.DOCUMENTS_EXPIRED)] == [1]
    member_services.document_update(document=document, by=world.user("member_a"),
                                    expires_on=today + dt.timedelta(days=365))
    assert items(world, "coordinator", q.DOCUMENTS_EXPIRED) == []
    assert items(world, "member_a", q.DOCUMENTS_EXPIRED) == []


# --- the dashboard and the navigation --------------------------------------------------------------------

def test_the_dashboard_lists_what_needs_you_soonest_first_with_what_is_past_flagged(world, client_for):
    today = timezone.localdate()
    f.ComplianceDocumentFactory(coop=world.coop_a, expires_on=today - dt.timedelta(days=3))
    soon = b.joint_bid_tender(world, deadline=timezone.now() + dt.timedelta(days=5))
    later = b.joint_bid_tender(world, deadline=timezone.now() + dt.timedelta(days=20))
    later_bid = b.draft_joint_bid(world, later)
    soon_bid = b.draft_joint_bid(world, soon)
    page = client_for("coordinator").get(reverse("dashboard")).content.decode()
    queue = page[page.index('id="queue-heading"'):page.index("</section>")]
    # The expired document first (overdue), then the two bids by their deadlines.
    assert queue.index("expiry=expired") < queue.index(f"/bids/{soon_bid.pk}/") < queue.index(
        f"/bids/{later_bid.pk}/")
    # An expired document is not a deadline missed: it says when it expired, and to renew it.
    assert f"expired {today - dt.timedelta(days=3):%-d %b %Y}" in queue and "Renew now" in queue
    assert "Overdue" not in queue
    assert f"by {timezone.localtime(soon.submission_deadline):%-d %b %Y}" in queue
    assert "3 items need you" in queue
    # The register summary is still there, below.
    assert page.index('id="queue-heading"') < page.index("Member register")


def test_an_ended_standstill_reads_ready_to_confirm_never_overdue(world, client_for):
    ev = b.evaluated_lot(world)
    award = award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    reviewer = client_for("reviewer")

    def queue() -> str:
        page = reviewer.get(reverse("dashboard")).content.decode()
        return page[page.index('id="queue-heading"'):page.index("</section>")]

    running = queue()
    assert f"by {award.standstill_ends:%-d %b %Y}" in running and "Ready to confirm" not in running
    b.past_standstill(award)
    ended = queue()
    assert "Ready to confirm" in ended and "Overdue" not in ended
    assert f"ended {award.standstill_ends:%-d %b %Y}" in ended


def test_the_dashboard_says_when_nothing_needs_you(world, client_for):
    page = client_for("reviewer_other").get(reverse("dashboard")).content.decode()
    assert "Nothing needs you now" in page
    assert "app-count" not in page  # no count in the navigation either


def test_the_navigation_shows_the_count_with_words_for_screen_readers(world, client_for):
    b.draft_joint_bid(world, b.joint_bid_tender(world))
    page = client_for("coordinator").get(reverse("tender-list")).content.decode()
    nav = page[page.index('id="navigation"'):page.index("</nav>")]
    assert re.search(r'Dashboard <span class="app-count" aria-hidden="true">1</span>'
                     r'<span class="govuk-visually-hidden">, 1 item needs you</span>', nav)
    welsh = client_for("coordinator")
    welsh.post(reverse("set_language"), {"language": "cy", "next": "/"})
    assert "app-count" in welsh.get(reverse("tender-list")).content.decode()


def test_a_visitor_pays_no_query_for_the_navigation(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get(reverse("login")).status_code == 200


ROLE_PAGES = {
    "coordinator": ["member-list", "document-list", "capacity-list", "pooled-capacity", "governance-home",
                    "pricing-calculator", "cost-submission-list", "cost-evidence", "pricing-scenario",
                    "rate-card-list", "negotiation-list", "tender-list", "bid-list", "contract-list",
                    "invoice-list", "payment-list", "benchmark-page"],
    "board": ["member-list", "pooled-capacity", "governance-home", "pricing-calculator", "cost-evidence",
              "rate-card-list", "negotiation-list", "tender-list", "bid-list", "contract-list",
              "invoice-list", "consortium-ledger", "benchmark-page"],
    "member_a": ["member-list", "document-list", "capacity-list", "governance-home", "pricing-calculator",
                 "cost-submission-list", "cost-evidence", "rate-card-list", "negotiation-list", "tender-list",
                 "bid-list", "subcontract-list", "owed-mine", "benchmark-page"],
    "reviewer": ["pricing-calculator", "rate-card-list", "negotiation-list", "tender-list", "review-list",
                 "contract-list", "invoice-list", "payment-list", "council-benchmark"],
    "applicant": ["join-application", "pricing-calculator"],
}


@pytest.mark.parametrize("persona", list(ROLE_PAGES))
def test_the_navigation_is_short_and_every_page_it_had_is_two_clicks_away(world, client_for, persona):
    client = client_for(persona)
    start = client.get(reverse("tender-list"))
    page = start.content.decode()
    nav = page[page.index('id="navigation"'):page.index("</nav>")]
    top = re.findall(r'class="govuk-header__link" href="([^"]+)"', nav)
    # the dashboard, at most six sections or pages, and the person's notifications
    assert top[0] == reverse("dashboard") and len(top) <= 8, top
    reachable = set(top)
    status = {reverse("tender-list"): start.status_code}  # each page opened once
    for url in top:
        if url.startswith("/sections/"):
            hub = client.get(url)
            assert hub.status_code == 200
            status[url] = hub.status_code
            reachable |= set(re.findall(r'<a class="govuk-link[^"]*" href="([^"]+)"', hub.content.decode()))
    for name in ROLE_PAGES[persona]:
        url = reverse(name)
        assert url in reachable, (persona, name)
        if url not in status:
            status[url] = client.get(url).status_code
        assert status[url] in (200, 302), (persona, name)


# --- the number of queries does not grow with the data ------------------------------------------------------

def _more_work(world, n: int) -> None:
    for _ in range(n):
        bid = b.draft_joint_bid(world, b.joint_bid_tender(world))
        cf.opt_in(bid, world.coop_a, status=InvitationStatus.INVITED)
        for coop in (world.coop_a, world.coop_b):
            MemberResponse.objects.create(bid=bid, coop=coop, respond_by=bid.response_deadline)
        f.ComplianceDocumentFactory(coop=world.coop_a, expires_on=timezone.localdate() - dt.timedelta(days=1))


@pytest.mark.parametrize("n", [1, 4])
def test_the_queue_and_the_dashboard_cost_a_fixed_number_of_queries(world, client_for, n,
                                                                   django_assert_max_num_queries):
    _more_work(world, n)
    assert len(items(world, "coordinator", q.BID_DEADLINE)) == n
    assert len(items(world, "member_a", q.LOT_OFFERED)) == n
    assert len(items(world, "member_a", q.WORK_TO_ANSWER)) == n
    assert [i.count for i in items(world, "coordinator", q.ANSWERS_OUTSTANDING)] == [2] * n
    for persona in ("coordinator", "member_a", "board", "reviewer"):
        user = world.user(persona)
        with django_assert_max_num_queries(1):
            q.queue_count(user)
        # one query per kind, whatever the number of items (the coordinator's kinds: nine)
        with django_assert_max_num_queries(9):
            q.queue_for(user)
    client = client_for("coordinator")
    # the coordinator's page: its own reads, a query per kind of item, and the unread count
    with django_assert_max_num_queries(27):
        assert client.get(reverse("dashboard")).status_code == 200
    member = client_for("member_a")
    with django_assert_max_num_queries(22):
        assert member.get(reverse("dashboard")).status_code == 200



# --- a member's costs while the window is open; what the board decided ---------------------------------

def test_an_open_costs_window_waits_for_each_coops_costs_until_submitted(world):
    now = timezone.now()
    window = submission_services.submission_window_set(
        consortium=world.consortium, financial_year=2027, opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10), by=world.user("coordinator"))
    for persona in ("member_a", "member_b"):
        [costs] = items(world, persona, q.COSTS_WINDOW)
        assert costs.due == window.closes_at and costs.url == reverse("cost-submission-create")
    nobody_else_has(world, q.COSTS_WINDOW, "member_a", "member_b")
    submission_services.cost_submit(coop=world.coop_a, service_type=f.service(), financial_year=2027,
                                    inputs=inputs(), by=world.user("member_a"))
    assert items(world, "member_a", q.COSTS_WINDOW) == []
    assert len(items(world, "member_b", q.COSTS_WINDOW)) == 1


def test_the_board_sees_what_it_decided_below_its_queue(world, client_for):
    ballot = governance.ballot_open(consortium=world.consortium, subject="Adopt the safeguarding policy",
                                    by=world.user("coordinator"))
    page = client_for("board").get(reverse("dashboard")).content.decode()
    assert page.index("Ballots to vote on") < page.index("The board has decided nothing in the last 30 days.")
    governance.vote_cast(ballot=ballot, voter=world.user("board"), choice="for")
    page = client_for("board").get(reverse("dashboard")).content.decode()
    assert "Nothing needs you now" in page
    decided = page[page.index("Decided in the last 30 days"):]
    assert f'href="{reverse("ballot-detail", args=[ballot.pk])}"' in decided and "Carried" in decided
