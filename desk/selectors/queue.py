"""What needs a person, by when: the work queue of each role.

Each kind of item is read by one function from the app that owns it, through that app's own
scoped selectors (so a member sees only its own co-op's lots, a reviewer only its council's
tenders, and nobody at a council sees a joint bid before its deadline). A kind answers its
rows in one query whatever their number (members' returns due: three), and an item leaves the
queue as soon as the thing it asks for is done: the rows are read from the state the service
moves, never from a flag of their own.

Items carry a kind code and the parts of their title as parameters; the page words them in
the reader's language (``desk.kinds``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from consortium.models import User
from consortium.notifications import unread_notifications
from contracts.bidding.selectors.bids import bids_visible_to, invitations_for_member, responses_for_member
from contracts.delivery.selectors.contracts import subcontracts_visible_to
from contracts.delivery.selectors.invoices import invoices_visible_to
from contracts.delivery.selectors.returns import returns_visible_to
from contracts.evaluation.selectors.review import is_reviewer, review_tenders_for
from contracts.models import (
    Award,
    AwardStatus,
    BidStatus,
    BillingPeriod,
    Clarification,
    DeliveryReturn,
    Entry,
    InvitationStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Lot,
    MarkSheet,
    PanelMember,
    ResponseStatus,
    ReturnStatus,
    TenderStatus,
)
from contracts.tendering.selectors.tenders import tenders_visible_to
from members import governance
from members import selectors as member_selectors
from members.models import Ballot, BallotStatus, Vote
from pricing.models import (
    CostSubmission,
    Negotiation,
    NegotiationRound,
    NegotiationStatus,
    Party,
    RoundStatus,
    SubmissionWindow,
)
from pricing.selectors.negotiations import negotiations_visible_to
from pricing.selectors.submissions import windows_visible_to

# Kind codes, in the order a role's page shows kinds whose items have no date.
BID_DEADLINE = "bid_deadline"
ANSWERS_OUTSTANDING = "answers_outstanding"
BALLOT_OPEN = "ballot_open"
NEGOTIATION_REPLY = "negotiation_reply"
RETURN_TO_CHECK = "return_to_check"
INVOICE_UNPAID = "invoice_unpaid"
DOCUMENTS_EXPIRED = "documents_expired"
DOCUMENTS_EXPIRING = "documents_expiring"
LOT_OFFERED = "lot_offered"
WORK_TO_ANSWER = "work_to_answer"
RETURN_DUE = "return_due"
COSTS_WINDOW = "costs_window"
BALLOT_TO_VOTE = "ballot_to_vote"
CLARIFICATION_TO_ANSWER = "clarification_to_answer"
TENDER_TO_EVALUATE = "tender_to_evaluate"
MARK_SHEET = "mark_sheet"
STANDSTILL_ENDING = "standstill_ending"
COUNTER_OFFER = "counter_offer"
QUESTION_AWAITING = "question_awaiting"

OPEN_BID = (BidStatus.DRAFT, BidStatus.AWAITING_APPROVAL, BidStatus.APPROVED)
UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.QUERIED, InvoiceStatus.ACCEPTED, InvoiceStatus.PART_PAID)
RETURN_NOT_IN = (ReturnStatus.DRAFT, ReturnStatus.SENT_BACK)


@dataclass(frozen=True)
class QueueItem:
    """One thing that needs the person: ``kind`` (a code above), the parts of its title,
    when it is due (None: as soon as they can), where it is done, and how many things it
    stands for (a bid's members still to answer: one item, their number)."""

    kind: str
    params: dict = field(hash=False)
    due: dt.datetime | None
    url: str
    count: int = 1

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.due is not None and self.due < (now or timezone.now())


def end_of(day: dt.date) -> dt.datetime:
    """A day's end in the site's time zone: a date's "by" as a moment."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _latest_round(field_name: str) -> Subquery:
    return Subquery(NegotiationRound.objects.filter(negotiation=OuterRef("pk"))
                    .order_by("-number").values(field_name)[:1])


def _awaiting(qs: QuerySet, party: str) -> QuerySet:
    """Open negotiations whose latest round is an offer from ``party``, still standing."""
    return (qs.filter(status=NegotiationStatus.OPEN)
            .annotate(last_party=_latest_round("party"), last_status=_latest_round("status"))
            .filter(last_party=party, last_status=RoundStatus.OFFERED))


def _negotiation_item(kind: str, negotiation) -> QueueItem:
    return QueueItem(kind, {"council": negotiation.council.name, "consortium": negotiation.consortium.name,
                            "service": negotiation.service_type.name,
                            "year": negotiation.financial_year},
                     None, reverse("negotiation-detail", args=[negotiation.pk]))


# --- coordinators ----------------------------------------------------------------------------------

def _bids_open(user: User, now: dt.datetime) -> QuerySet:
    """The consortium's bids not yet submitted, their tender's deadline ahead."""
    return bids_visible_to(user).filter(status__in=OPEN_BID, tender__submission_deadline__gt=now)


def bids_to_submit(user: User, now: dt.datetime) -> list[QueueItem]:
    """The consortium's bids not yet submitted, by their tender's deadline."""
    return [QueueItem(BID_DEADLINE, {"reference": bid.tender.reference, "title": bid.tender.title,
                                     "stage": bid.status},
                      bid.tender.submission_deadline, reverse("bid-detail", args=[bid.pk]))
            for bid in _bids_open(user, now).order_by("tender__submission_deadline", "pk")]


def _bids_waiting(user: User, now: dt.datetime) -> QuerySet:
    return bids_visible_to(user).filter(status__in=OPEN_BID, responses__status=ResponseStatus.PENDING)


def answers_outstanding(user: User, now: dt.datetime) -> list[QueueItem]:
    """Per open bid, the members still to answer the work proposed to them."""
    rows = (_bids_waiting(user, now)
            .annotate(waiting=Count("responses"), answer_by=Min("responses__respond_by")).order_by("pk"))
    return [QueueItem(ANSWERS_OUTSTANDING, {"reference": bid.tender.reference, "title": bid.tender.title,
                                            "n": bid.waiting},
                      bid.answer_by or bid.response_deadline, reverse("bid-detail", args=[bid.pk]),
                      count=bid.waiting)
            for bid in rows]


def _ballots_open(user: User, now: dt.datetime) -> QuerySet:
    return governance.ballots_visible_to(user).filter(status=BallotStatus.OPEN)


def ballots_open(user: User, now: dt.datetime) -> list[QueueItem]:
    """The consortium's ballots still open, for the coordinator to see decided."""
    return [QueueItem(BALLOT_OPEN, {"subject": ballot.subject}, ballot.closes_at,
                      reverse("ballot-detail", args=[ballot.pk]))
            for ballot in _ballots_open(user, now).order_by("pk")]


def _council_offers(user: User, now: dt.datetime) -> QuerySet:
    return _awaiting(negotiations_visible_to(user), Party.COUNCIL)


def offers_from_councils(user: User, now: dt.datetime) -> list[QueueItem]:
    """Negotiations where the council's offer awaits the consortium's reply."""
    return [_negotiation_item(NEGOTIATION_REPLY, negotiation)
            for negotiation in _council_offers(user, now).order_by("pk")]


def _returns_submitted(user: User, now: dt.datetime) -> QuerySet:
    return returns_visible_to(user).prefetch_related(None).filter(status=ReturnStatus.SUBMITTED)


def returns_to_check(user: User, now: dt.datetime) -> list[QueueItem]:
    """Members' returns submitted and waiting for the coordinator's check."""
    return [QueueItem(RETURN_TO_CHECK, {"coop": str(ret.subcontract.coop),
                                        "contract": ret.subcontract.contract.lot.tender.reference,
                                        "period": ret.period},
                      None, reverse("return-detail", args=[ret.pk]))
            for ret in _returns_submitted(user, now).order_by("period__end", "pk")]


def _invoices_unpaid(user: User, now: dt.datetime) -> QuerySet:
    if not user.is_coordinator:  # the council's reviewers see them too, to accept or query
        return Invoice.objects.none()
    return invoices_visible_to(user).filter(kind=InvoiceKind.INVOICE, status__in=UNPAID)


def invoices_unpaid(user: User, now: dt.datetime) -> list[QueueItem]:
    """The consortium's invoices not paid yet, by their due date."""
    rows = _invoices_unpaid(user, now).select_related("contract__council").order_by("due_on", "pk")
    return [QueueItem(INVOICE_UNPAID, {"number": str(invoice), "council": invoice.contract.council.name,
                                       "status": invoice.status},
                      end_of(invoice.due_on), reverse("invoice-detail", args=[invoice.pk]))
            for invoice in rows]


def _documents(user: User, now: dt.datetime, state: str) -> QuerySet:
    return member_selectors.documents_in_expiry_state(
        member_selectors.documents_visible_to(user).order_by(), state, today=timezone.localdate(now))


def documents_to_renew(user: User, now: dt.datetime) -> list[QueueItem]:
    """Compliance documents expired, and expiring within 30 days: one item each, with the
    soonest expiry as its date."""
    items = []
    for kind, state in DOCUMENT_KINDS:
        found = _documents(user, now, state).aggregate(n=Count("pk"), first=Min("expires_on"))
        if found["n"]:
            items.append(QueueItem(kind, {"n": found["n"]}, end_of(found["first"]),
                                   reverse("document-list") + f"?expiry={state}", count=found["n"]))
    return items


DOCUMENT_KINDS = ((DOCUMENTS_EXPIRED, member_selectors.ExpiryState.EXPIRED),
                  (DOCUMENTS_EXPIRING, member_selectors.ExpiryState.EXPIRING))


# --- member co-ops ----------------------------------------------------------------------------------

def _lots_offered(user: User, now: dt.datetime) -> QuerySet:
    return invitations_for_member(user).filter(status=InvitationStatus.INVITED,
                                               bid_lot__bid__status=BidStatus.DRAFT)


def lots_offered(user: User, now: dt.datetime) -> list[QueueItem]:
    """Lots of a draft bid the co-op is invited to and has not answered."""
    return [QueueItem(LOT_OFFERED, {"reference": inv.bid_lot.bid.tender.reference,
                                    "title": inv.bid_lot.bid.tender.title, "lot": inv.bid_lot.lot.number},
                      inv.bid_lot.bid.response_deadline, reverse("member-bid-work"))
            for inv in _lots_offered(user, now).order_by("pk")]


def _work_pending(user: User, now: dt.datetime) -> QuerySet:
    return responses_for_member(user).filter(status=ResponseStatus.PENDING, bid__status__in=OPEN_BID)


def work_to_answer(user: User, now: dt.datetime) -> list[QueueItem]:
    """The work proposed to the co-op in an open bid, still to accept or decline."""
    return [QueueItem(WORK_TO_ANSWER, {"reference": response.bid.tender.reference,
                                       "title": response.bid.tender.title},
                      response.respond_by or response.bid.response_deadline, reverse("member-bid-work"))
            for response in _work_pending(user, now)]


def _periods_unreturned(user: User, now: dt.datetime) -> QuerySet:
    """The co-op's billing periods ended without its return in (none yet, a draft, or one sent
    back), each with its sub-contract and its return's status."""
    if not user.is_member_user:
        return BillingPeriod.objects.none()
    # Only the periods of the co-op's own contracts are read (joined to its sub-contract, one
    # per contract), not every contract's, each looked up again: the plan stays small however
    # many contracts the other co-ops have.
    subs = subcontracts_visible_to(user).prefetch_related(None).order_by().values("pk")
    mine = DeliveryReturn.objects.filter(period=OuterRef("pk"), subcontract_id=OuterRef("sub_id")).order_by()
    return (BillingPeriod.objects.filter(end__lt=timezone.localdate(now), contract__subcontracts__in=subs)
            .annotate(sub_id=F("contract__subcontracts__pk"))
            .annotate(return_status=Subquery(mine.values("status")[:1]))
            .filter(Q(return_status__isnull=True) | Q(return_status__in=RETURN_NOT_IN))
            .select_related("contract__lot__tender"))


def member_returns_due(user: User, now: dt.datetime) -> list[QueueItem]:
    """Billing periods ended without the co-op's return in, oldest first."""
    return [QueueItem(RETURN_DUE, {"contract": period.contract.lot.tender.reference, "period": period,
                                   "sent_back": period.return_status == ReturnStatus.SENT_BACK},
                      end_of(period.end),
                      reverse("return-edit", kwargs={"sub_pk": period.sub_id, "period_pk": period.pk}))
            for period in _periods_unreturned(user, now).order_by("end", "pk")]


def _windows_unanswered(user: User, now: dt.datetime) -> QuerySet:
    """Cost submission windows open now for which the co-op has submitted no costs yet."""
    coop_id = member_selectors.user_coop_id(user)
    if coop_id is None:
        return SubmissionWindow.objects.none()
    submitted = CostSubmission.objects.filter(coop_id=coop_id, financial_year=OuterRef("financial_year"))
    return (windows_visible_to(user).filter(opens_at__lte=now, closes_at__gt=now)
            .exclude(Exists(submitted)))


def costs_to_submit(user: User, now: dt.datetime) -> list[QueueItem]:
    """The costs window open for a year the co-op has submitted nothing for, by its close."""
    return [QueueItem(COSTS_WINDOW, {"year": window.financial_year}, window.closes_at,
                      reverse("cost-submission-create"))
            for window in _windows_unanswered(user, now).order_by("closes_at", "pk")]


# --- board members ----------------------------------------------------------------------------------

def _ballots_unvoted(user: User, now: dt.datetime) -> QuerySet:
    if not user.is_board_member:
        return Ballot.objects.none()
    return _ballots_open(user, now).exclude(Exists(Vote.objects.filter(ballot=OuterRef("pk"), voter=user)))


def ballots_to_vote(user: User, now: dt.datetime) -> list[QueueItem]:
    """Open ballots the board member has not voted in."""
    return [QueueItem(BALLOT_TO_VOTE, {"subject": ballot.subject}, ballot.closes_at,
                      reverse("ballot-detail", args=[ballot.pk]))
            for ballot in _ballots_unvoted(user, now).order_by("pk")]


def ballots_decided(user: User, *, now: dt.datetime | None = None, days: int = 30) -> QuerySet:
    """The consortium's ballots decided in the last ``days`` days, newest first: what the board
    decided (shown on the board member's dashboard, not work waiting for anyone)."""
    if not (user.is_board_member or user.is_coordinator):
        return Ballot.objects.none()
    since = (now or timezone.now()) - dt.timedelta(days=days)
    return (governance.ballots_visible_to(user).exclude(status=BallotStatus.OPEN)
            .filter(decided_at__gte=since).order_by("-decided_at", "-pk"))


def _questions_asked(user: User, now: dt.datetime) -> QuerySet:
    """The consortium's questions about tenders still open, not answered yet."""
    if not user.is_coordinator:
        return Clarification.objects.none()
    tenders = tenders_visible_to(user).filter(status=TenderStatus.PUBLISHED, submission_deadline__gt=now)
    return Clarification.objects.filter(consortium_id=user.consortium_id, tender__in=tenders.values("pk"),
                                        answered_at__isnull=True)


def questions_awaiting(user: User, now: dt.datetime) -> list[QueueItem]:
    """The consortium's questions the council has not answered yet, by the day the council's
    answers are due (its clarification deadline, or else the submission deadline)."""
    return [QueueItem(QUESTION_AWAITING, {"reference": c.tender.reference, "title": c.tender.title},
                      c.tender.clarification_deadline or c.tender.submission_deadline,
                      reverse("tender-detail", args=[c.tender_id]) + "#clarifications")
            for c in _questions_asked(user, now).select_related("tender").order_by("asked_at", "pk")]


# --- council reviewers --------------------------------------------------------------------------------

def _questions(user: User, now: dt.datetime) -> QuerySet:
    if not is_reviewer(user):
        return Clarification.objects.none()
    tenders = tenders_visible_to(user).filter(council_id=user.council_id, status=TenderStatus.PUBLISHED)
    return Clarification.objects.filter(tender__in=tenders.values("pk"), answered_at__isnull=True)


def clarifications_to_answer(user: User, now: dt.datetime) -> list[QueueItem]:
    """Questions about the council's published tenders, not answered yet."""
    return [QueueItem(CLARIFICATION_TO_ANSWER, {"reference": c.tender.reference, "title": c.tender.title},
                      c.tender.clarification_deadline or c.tender.submission_deadline,
                      reverse("clarification-answer", args=[c.pk]))
            for c in _questions(user, now).select_related("tender").order_by("asked_at", "pk")]


def _tenders_unopened(user: User, now: dt.datetime) -> QuerySet:
    return review_tenders_for(user).filter(status__in=(TenderStatus.PUBLISHED, TenderStatus.CLOSED))


def tenders_to_evaluate(user: User, now: dt.datetime) -> list[QueueItem]:
    """The council's tenders past their deadline whose evaluation is not open yet."""
    return [QueueItem(TENDER_TO_EVALUATE, {"reference": t.reference, "title": t.title,
                                           "n": t.bid_count + t.external_count},
                      t.submission_deadline, reverse("review-tender", args=[t.pk]))
            for t in _tenders_unopened(user, now).order_by("submission_deadline", "pk")]


def _lots_to_mark(user: User, now: dt.datetime) -> QuerySet:
    """Lots in evaluation, with bids, on whose panel the reviewer sits and whose mark sheet it
    has not submitted; none once the lot is awarded."""
    if not is_reviewer(user):
        return Lot.objects.none()
    on_panel = PanelMember.objects.filter(tender=OuterRef("tender_id"), reviewer=user)
    submitted = MarkSheet.objects.filter(lot=OuterRef("pk"), reviewer=user, submitted_at__isnull=False)
    awarded = Award.objects.filter(lot=OuterRef("pk")).exclude(status=AwardStatus.CANCELLED)
    return (Lot.objects.filter(tender__council_id=user.council_id, tender__status=TenderStatus.IN_EVALUATION)
            .filter(Exists(on_panel), Exists(Entry.objects.filter(lot=OuterRef("pk"))))
            .exclude(Exists(submitted)).exclude(Exists(awarded)))


def mark_sheets_to_submit(user: User, now: dt.datetime) -> list[QueueItem]:
    """Lots whose mark sheet the reviewer has still to submit."""
    rows = (_lots_to_mark(user, now).select_related("tender")
            .order_by("tender__submission_deadline", "number", "pk"))
    return [QueueItem(MARK_SHEET, {"reference": lot.tender.reference, "title": lot.tender.title,
                                   "lot": lot.number},
                      None, reverse("lot-marks", args=[lot.pk])) for lot in rows]


def _standstills(user: User, now: dt.datetime) -> QuerySet:
    if not is_reviewer(user):
        return Award.objects.none()
    return Award.objects.filter(status=AwardStatus.STANDSTILL, lot__tender__council_id=user.council_id)


def standstills_ending(user: User, now: dt.datetime) -> list[QueueItem]:
    """Awards of the council's lots in standstill, by the day the standstill ends."""
    rows = _standstills(user, now).select_related("lot__tender").order_by("standstill_ends", "pk")
    return [QueueItem(STANDSTILL_ENDING, {"reference": a.lot.tender.reference, "title": a.lot.tender.title,
                                          "lot": a.lot.number},
                      end_of(a.standstill_ends), reverse("lot-award", args=[a.lot_id])) for a in rows]


def _consortium_offers(user: User, now: dt.datetime) -> QuerySet:
    if not is_reviewer(user):
        return Negotiation.objects.none()
    return _awaiting(negotiations_visible_to(user), Party.CONSORTIUM)


def counter_offers(user: User, now: dt.datetime) -> list[QueueItem]:
    """Negotiations where the consortium's offer awaits the council's reply."""
    return [_negotiation_item(COUNTER_OFFER, negotiation)
            for negotiation in _consortium_offers(user, now).order_by("pk")]


# --- each role's queue ---------------------------------------------------------------------------------

Reader = Callable[[User, dt.datetime], list[QueueItem]]
Rows = Callable[[User, dt.datetime], QuerySet]


def _documents_expired(user: User, now: dt.datetime) -> QuerySet:
    return _documents(user, now, member_selectors.ExpiryState.EXPIRED)


def _documents_expiring(user: User, now: dt.datetime) -> QuerySet:
    return _documents(user, now, member_selectors.ExpiryState.EXPIRING)


# Per role: each kind's reader (its items) and the rows it reads, counted for the navigation
# (``per_row``: one item per row; otherwise one item when there is any row).
READERS: dict[str, tuple[tuple[Reader, tuple[tuple[Rows, bool], ...]], ...]] = {
    "coordinator": (
        (bids_to_submit, ((_bids_open, True),)),
        (answers_outstanding, ((_bids_waiting, True),)),
        (ballots_open, ((_ballots_open, True),)),
        (offers_from_councils, ((_council_offers, True),)),
        (returns_to_check, ((_returns_submitted, True),)),
        (invoices_unpaid, ((_invoices_unpaid, True),)),
        (documents_to_renew, ((_documents_expired, False), (_documents_expiring, False))),
        (questions_awaiting, ((_questions_asked, True),)),
    ),
    "member": (
        (lots_offered, ((_lots_offered, True),)),
        (work_to_answer, ((_work_pending, True),)),
        (member_returns_due, ((_periods_unreturned, True),)),
        (costs_to_submit, ((_windows_unanswered, True),)),
        (documents_to_renew, ((_documents_expired, False), (_documents_expiring, False))),
    ),
    "board_member": (
        (ballots_to_vote, ((_ballots_unvoted, True),)),
    ),
    "council_reviewer": (
        (clarifications_to_answer, ((_questions, True),)),
        (tenders_to_evaluate, ((_tenders_unopened, True),)),
        (mark_sheets_to_submit, ((_lots_to_mark, True),)),
        (standstills_ending, ((_standstills, True),)),
        (counter_offers, ((_consortium_offers, True),)),
    ),
}


def _sort_key(item: QueueItem) -> tuple:
    return (item.due is None, item.due or dt.datetime.max.replace(tzinfo=dt.UTC))


def queue_for(user: User, *, now: dt.datetime | None = None) -> list[QueueItem]:
    """Everything that needs the user, soonest first (undated items last); nothing for a
    signed-out visitor or a role without a queue. One query per kind of item."""
    if user is None or not user.is_authenticated:
        return []
    now = now or timezone.now()
    items = [item for reader, _rows in READERS.get(user.role, ()) for item in reader(user, now)]
    return sorted(items, key=_sort_key)


class _Count(Func):
    function = "COUNT"
    output_field = IntegerField()


def queue_count(user: User, *, now: dt.datetime | None = None) -> int:
    """How many items ``queue_for`` gives the user, in one query."""
    return header_counts(user, now=now)[0]


def header_counts(user: User, *, now: dt.datetime | None = None, queue: bool = True) -> tuple[int, int]:
    """What the header shows: how many items ``queue_for`` gives the user (when ``queue``) and how
    many of their notifications are unread, together in one query."""
    if user is None or not user.is_authenticated:
        return 0, 0
    now = now or timezone.now()
    counts = {"unread": Subquery(
        unread_notifications(user).order_by().annotate(n=_Count("pk")).values("n"),
        output_field=IntegerField())}
    if not queue or user.role not in READERS:
        row = User.objects.filter(pk=user.pk).values(**counts).first()
        return 0, (row["unread"] or 0) if row else 0
    for _reader, kinds in READERS[user.role]:
        for rows_of, per_row in kinds:
            rows = rows_of(user, now)
            if rows.query.is_empty():
                continue
            model = rows.model
            ids = model.objects.filter(pk__in=rows.order_by().values("pk"))
            if per_row:
                counts[f"n{len(counts)}"] = Subquery(
                    ids.order_by().annotate(n=_Count("pk")).values("n"), output_field=IntegerField())
            else:
                counts[f"n{len(counts)}"] = Case(When(Exists(ids), then=Value(1)), default=Value(0),
                                                 output_field=IntegerField())
    row = User.objects.filter(pk=user.pk).values(**counts).first()
    if not row:
        return 0, 0
    unread = row.pop("unread")
    return sum(row.values()), unread


@dataclass(frozen=True)
class QueueGroup:
    kind: str
    items: list[QueueItem]


def queue_groups(items: list[QueueItem]) -> list[QueueGroup]:
    """The items grouped by kind, each group where its soonest item falls (``items`` sorted)."""
    groups: dict[str, list[QueueItem]] = {}
    for item in items:
        groups.setdefault(item.kind, []).append(item)
    return [QueueGroup(kind, rows) for kind, rows in groups.items()]
