"""Writes of joint bids: opening one, its lots, invitations and members' answers, members'
responses to the work allocated to them, prices, quality answers, social value and the board's
approval. Submission and withdrawal are in ``contracts.bidding.services.submission``; the allocation
of volume to members in ``contracts/bidding/services/allocation.py``.

Rules:
- One bid per consortium per tender, opened by a coordinator for a published tender before its
  deadline.
- Independence: a member is in a bid only by saying yes. Coordinators invite; only a user of
  the invited co-op opts it in or out, and only a user of an allocated co-op accepts or declines
  its share (a decline re-runs the allocation for what it leaves).
- Only a draft is changed. A bid before the board, approved or submitted refuses every change
  with a message saying what to do (take it back to draft, or withdraw the submission).
- Price per lot and time band: at least what every allocated member's floor needs once the
  management fee is taken, never above the lot's ceiling.
- Status moves only through ``bid_transition`` with ``BID_TRANSITIONS``, under a row lock. Every save
  records its user in the audit history (django-simple-history).
- Who may make each write is asked of the access functions of ``contracts.bidding.selectors.bids``
  (``can_run_bid``, ``answers_for_coop``); a refusal is ``Forbidden`` (403).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium import formatting, notifications
from consortium.audit import delete_audited as _delete
from consortium.audit import save_audited as _save
from consortium.cleaning import clean_decimal
from consortium.errors import DomainError, require
from consortium.models import TimeBand, User
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services import allocation as allocation_services
from contracts.labels import label
from contracts.models import (
    BID_TRANSITIONS,
    Allocation,
    AllocationStatus,
    Bid,
    BidLot,
    BidPrice,
    BidStatus,
    BidSubmission,
    Invitation,
    InvitationStatus,
    Lot,
    LotStatus,
    MemberResponse,
    QualityAnswer,
    QualityQuestion,
    ResponseStatus,
    SocialValueCommitment,
    SocialValueHeading,
    Tender,
    TenderStatus,
)
from members import capacity, compliance, governance
from members.models import Ballot, BallotStatus, BallotSubject, MemberCoop, MembershipStatus
from members.selectors import coop_users

PENNY = Decimal("0.01")
MAX_RATE = Decimal("9999999.99")
MAX_QUANTITY = Decimal("9999999999.99")
ANSWER_MAX = 20000
REMIND_WITHIN = dt.timedelta(hours=48)
REMIND_EVERY = dt.timedelta(hours=24)


#: The refusal of ``selectors.can_run_bid``.
ONLY_COORDINATORS = gettext_lazy("Only the consortium's coordinators can do this.")


def _lock(bid: Bid) -> Bid:
    # Race: two coordinators changing one bid, or a change racing its submission. Every write
    # locks the bid's row first, so the status read here holds until the write commits. Only
    # the bid's row (``of``): the tender is read, not locked, because the tender's writers lock
    # the tender and then its bids (closing, cancelling, changing lots); a bid writer holding the
    # bid and waiting for the tender would deadlock with them.
    return Bid.objects.select_for_update(of=("self",)).select_related("tender").get(pk=bid.pk)


NOT_EDITABLE = {
    BidStatus.AWAITING_APPROVAL: gettext_lazy(
        "The bid is before the board. Take it back to draft to change it (the board will then vote "
        "again)."),
    BidStatus.APPROVED: gettext_lazy(
        "The board has approved the bid. Take it back to draft to change it (the board will then "
        "vote again)."),
    BidStatus.SUBMITTED: gettext_lazy(
        "A submitted bid cannot be changed. Withdraw it before the deadline to change it; it must "
        "then be approved and submitted again."),
}


def check_editable(bid: Bid) -> None:
    """Refuse (code "not_editable") unless the bid is a draft."""
    if bid.status == BidStatus.DRAFT:
        return
    message = NOT_EDITABLE.get(bid.status) or _("This bid is closed and cannot be changed.")
    raise DomainError(str(message), code="not_editable")


@transaction.atomic
def bid_transition(*, bid: Bid, to: str, by: User | None, reason: str = "", **changes: Any) -> Bid:
    """The one place a bid's status changes, as BID_TRANSITIONS allows: the bid's row is locked
    (callers that checked its status hold the lock already), a move the table refuses raises,
    one already made returns quietly, and the audit row names ``by`` and ``reason``. ``changes``
    are other fields set with the status (the ballot, the version).

    A bid leaving the board's vote other than by the board's decision (back to draft, or
    withdrawn) closes its ballot: nobody votes on a bid that is no longer before them."""
    bid = Bid.objects.select_for_update(of=("self",)).select_related("tender").get(pk=bid.pk)
    if bid.status == to:
        return bid
    if to not in BID_TRANSITIONS[bid.status]:
        raise DomainError(
            _("A bid that is %(status)s cannot become %(to)s.")
            % {"status": label(BidStatus, bid.status), "to": label(BidStatus, to)},
            code="transition",
        )
    was = bid.status
    bid.status = to
    for name, value in changes.items():
        setattr(bid, name, value)
    if reason:
        bid._change_reason = reason
    _save(bid, by, update_fields=["status", *changes])
    if was == BidStatus.AWAITING_APPROVAL and to != BidStatus.APPROVED:
        withdraw_open_ballot(bid=bid, by=by)
    return bid


UNSUBMITTED_STATUSES = (BidStatus.DRAFT, BidStatus.AWAITING_APPROVAL, BidStatus.APPROVED)


def bids_withdraw_unsubmitted(*, tender: Tender, by: User | None, reason: str) -> int:
    """The tender has closed (or been cancelled): every bid to it that was never submitted is
    withdrawn, so its allocations stop reserving members' capacity (only bids in
    ``LIVE_BID_STATUSES`` reserve), and a ballot still open on it is withdrawn. Returns how many.
    The caller holds the tender's row lock.

    Race: an allocation writer of the same bid, or of another bid sharing its members. Each bid
    is withdrawn under the locks the allocation service takes, in its order: the bid's row, then
    the current capacity declarations of its live shares (``members.capacity.release``); so a
    writer that read this bid's reservation finishes first, and one that comes after sees it gone."""
    moved = 0
    waiting = Bid.objects.filter(tender=tender, status__in=UNSUBMITTED_STATUSES).order_by("pk")
    for pk in list(waiting.values_list("pk", flat=True)):
        bid = Bid.objects.select_for_update(of=("self",)).get(pk=pk)
        if bid.status not in UNSUBMITTED_STATUSES:
            continue
        live = (Allocation.objects.filter(bid_lot__bid=bid).exclude(status=AllocationStatus.DECLINED)
                .values_list("coop_id", "bid_lot__lot__service_type_id", "council_id", "time_band"))
        capacity.release({capacity.Scope(*scope) for scope in live})
        bid_transition(bid=bid, to=BidStatus.WITHDRAWN, by=by, reason=reason)
        moved += 1
    return moved


# Bids that were confirmed (sent to the board, approved or submitted): a change to the tender's
# lots sends them back to draft.
CONFIRMED_BID_STATUSES = (BidStatus.AWAITING_APPROVAL, BidStatus.APPROVED, BidStatus.SUBMITTED)


def bids_back_to_draft_for_tender(*, tender: Tender, by: User | None) -> int:
    """The tender's lots changed: every bid to it that was awaiting approval, approved or
    submitted goes back to draft through ``bid_transition`` (its open ballot withdrawn) and its
    standing submission is withdrawn; each must be confirmed again. Returns how many moved.

    Race: a bid's own service moving it at the same time. Each bid is locked and read again: one
    that left the confirmed statuses meanwhile is left to that change."""
    moved = 0
    now = timezone.now()
    candidates = Bid.objects.filter(tender=tender, status__in=CONFIRMED_BID_STATUSES).order_by("pk")
    for pk in list(candidates.values_list("pk", flat=True)):
        bid = Bid.objects.select_for_update(of=("self",)).get(pk=pk)
        if bid.status not in CONFIRMED_BID_STATUSES:
            continue
        bid_transition(bid=bid, to=BidStatus.DRAFT, by=by, reason="the tender's lots changed")
        BidSubmission.objects.filter(bid_id=pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=by
        )
        moved += 1
    return moved


def withdraw_open_ballot(*, bid: Bid, by: User | None) -> None:
    """Withdraw the bid's board ballot, uncounted, if it is still open: the bid no longer awaits
    the board, so the motion no longer stands (a later approval is a new ballot)."""
    if bid.ballot_id is None:
        return
    ballot = Ballot.objects.filter(pk=bid.ballot_id, status=BallotStatus.OPEN).first()
    if ballot is None:
        return
    # Recorded as the coordinator's act when theirs; otherwise (a council changed the lots, the
    # deadline passed) as the system's.
    coordinator = by if by is not None and by.is_authenticated and by.is_coordinator \
        and by.consortium_id == ballot.consortium_id else None
    governance.ballot_withdraw(
        ballot=ballot, by=coordinator,
        reason=_("The joint bid it approves is no longer waiting for the board (it is %(status)s).")
        % {"status": label(BidStatus, bid.status)},
    )


def _before_deadline(tender: Tender, what: str) -> None:
    if timezone.now() >= tender.submission_deadline:
        raise DomainError(
            _("The tender's deadline (%(when)s) has passed: %(what)s is no longer possible.")
            % {"when": formatting.moment(tender.submission_deadline),
               "what": what},
            code="deadline",
        )


# --- opening and settings ---------------------------------------------------------------------

def _check_lot(bid_or_tender: Tender, lot: Lot) -> None:
    if lot.tender_id != bid_or_tender.pk:
        raise DomainError(_("Choose a lot of this tender."), field="lots")
    if lot.status != LotStatus.OPEN:
        raise DomainError(_("Lot %(n)s is no longer open for bids.") % {"n": lot.number}, field="lots")


@transaction.atomic
def bid_open(*, tender: Tender, by: User, lots: list[Lot] | None = None,
             management_fee_percent: Decimal | None = None,
             response_deadline: dt.datetime | None = None) -> Bid:
    """Open the consortium's bid for a published tender before its deadline, answering ``lots``
    (default: every open lot)."""
    require(by is not None and selectors.can_manage_bids(by),
            _("Only the consortium's coordinators can open a bid."))
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status != TenderStatus.PUBLISHED:
        raise DomainError(_("Bids can be opened only for a published tender."), field="tender")
    _before_deadline(tender, _("opening a bid"))
    if Bid.objects.filter(consortium_id=by.consortium_id, tender=tender).exists():
        raise DomainError(_("Your consortium already has a bid for this tender."), field="tender")
    if lots is None:
        lots = list(tender.lots.filter(status=LotStatus.OPEN))
    if not lots:
        raise DomainError(_("Choose at least one lot to bid for."), field="lots")
    for lot in lots:
        _check_lot(tender, lot)
    bid = Bid(consortium_id=by.consortium_id, tender=tender, opened_by=by)
    _apply_settings(bid, tender, management_fee_percent, response_deadline)
    try:
        with transaction.atomic():
            _save(bid, by)
    except IntegrityError:  # the same consortium's second request, racing the first
        raise DomainError(_("Your consortium already has a bid for this tender."), field="tender") from None
    for lot in sorted(set(lots), key=lambda x: x.number):
        _save(BidLot(bid=bid, lot=lot), by)
    return bid


def _apply_settings(bid: Bid, tender: Tender, fee: Decimal | None, deadline: dt.datetime | None) -> list[str]:
    changed = []
    if fee is not None:
        fee = clean_decimal(fee, field="management_fee_percent", what=_("The management fee"))
        if not Decimal(0) <= fee <= Decimal(50) or fee != fee.quantize(PENNY):
            raise DomainError(_("The management fee must be a percentage from 0 to 50, to 2 decimal places."),
                              field="management_fee_percent")
        if fee != bid.management_fee_percent:
            bid.management_fee_percent = fee
            changed.append("management_fee_percent")
    if deadline is not None:
        if not isinstance(deadline, dt.datetime):
            raise DomainError(_("Enter a date and time."), field="response_deadline")
        if deadline <= timezone.now():
            raise DomainError(_("Members must have time to answer: choose a date in the future."),
                              field="response_deadline")
        if deadline >= tender.submission_deadline:
            raise DomainError(_("Members must answer before the tender's deadline."),
                              field="response_deadline")
        if deadline != bid.response_deadline:
            bid.response_deadline = deadline
            changed.append("response_deadline")
    return changed


@transaction.atomic
def bid_update_settings(*, bid: Bid, by: User, management_fee_percent: Decimal | None = None,
                        response_deadline: dt.datetime | None = None) -> Bid:
    """Change the management fee or the date members answer by (a draft only)."""
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    changed = _apply_settings(bid, bid.tender, management_fee_percent, response_deadline)
    if changed:
        _save(bid, by, update_fields=changed)
    if "response_deadline" in changed:
        for response in MemberResponse.objects.filter(bid=bid, status=ResponseStatus.PENDING):
            response.respond_by = bid.response_deadline
            _save(response, by, update_fields=["respond_by"])
    return bid


@transaction.atomic
def bid_lot_add(*, bid: Bid, lot: Lot, by: User) -> BidLot:
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    _check_lot(bid.tender, lot)
    if BidLot.objects.filter(bid=bid, lot=lot).exists():
        raise DomainError(_("The bid already answers lot %(n)s.") % {"n": lot.number}, field="lot")
    bid_lot = BidLot(bid=bid, lot=lot)
    _save(bid_lot, by)
    return bid_lot


@transaction.atomic
def bid_lot_remove(*, bid_lot: BidLot, by: User) -> None:
    """Stop bidding for a lot (with its invitations, prices and answers); a lot with work
    allocated must have its allocation cleared first, so no member's share vanishes unseen."""
    bid = _lock(bid_lot.bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    if Allocation.objects.filter(bid_lot=bid_lot).exclude(status=AllocationStatus.DECLINED).exists():
        raise DomainError(_("Work in this lot is allocated to members: clear the lot's allocation first."),
                          field="lot")
    if BidLot.objects.filter(bid=bid).count() <= 1:
        raise DomainError(_("A bid answers at least one lot: add another before removing this one."),
                          field="lot")
    for child in [*bid_lot.invitations.all(), *bid_lot.prices.all(), *bid_lot.answers.all(),
                  *bid_lot.allocations.all()]:
        _delete(child, by)
    _delete(bid_lot, by)


# --- invitations ------------------------------------------------------------------------------

def eligible_coops(bid_lot: BidLot):
    """Active members of the consortium offering the lot's service in one of its areas."""
    return selectors.eligible_coops(bid_lot)


@transaction.atomic
def invitations_send(*, bid_lot: BidLot, by: User, coops: list[MemberCoop] | None = None) -> list[Invitation]:
    """Invite members to take part in a lot (default: every eligible member); members already
    invited are left as they are. Returns the new invitations.

    Compliance gating (``members.compliance``): a member whose compliance blocks it today for
    the lot's service is not invited. By default it is left out (the bid's page lists it, with
    why, under "Not invited"); named in ``coops``, the invitation is refused with the reasons.
    """
    bid = _lock(bid_lot.bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    named = coops is not None
    if coops is None:
        coops = list(eligible_coops(bid_lot))
        if not coops:
            raise DomainError(_("No active member offers this service in the lot's areas."), field="coops")
    for coop in coops:
        if coop.consortium_id != bid.consortium_id or coop.status != MembershipStatus.ACTIVE:
            raise DomainError(_("Invite active members of your consortium only."), field="coops")
    already = set(Invitation.objects.filter(bid_lot=bid_lot).values_list("coop_id", flat=True))
    service = bid_lot.lot.service_type_id
    blocked = compliance.blocks_for([c for c in coops if c.pk not in already],
                                    service_types=[bid_lot.lot.service_type], on=timezone.localdate())
    if named and blocked:
        names = {c.pk: str(c) for c in coops}
        raise DomainError(" ".join(
            _("%(member)s cannot be invited: %(reasons)s")
            % {"member": names[coop], "reasons": compliance.blocks_text(blocks)}
            for (coop, _service), blocks in sorted(blocked.items())), field="coops")
    free = [c for c in coops if (c.pk, service) not in blocked]
    if not free and not (already & {c.pk for c in coops}):
        raise DomainError(_("No member offering this service in the lot's areas can be invited: the "
                            "compliance evidence of each is not in order (see “Not invited”)."),
                          field="coops")
    made = []
    for coop in free:
        if coop.pk in already:
            continue
        invitation = Invitation(bid_lot=bid_lot, coop=coop)
        _save(invitation, by)
        already.add(coop.pk)
        made.append(invitation)
        notifications.notify(
            recipients=coop_users([coop.pk]), kind=notifications.BID_INVITATION, actor=by,
            params={"coop": str(coop), "lot": bid_lot.lot.number, "tender": bid.tender.reference,
                    "answer_by": bid.response_deadline or bid.tender.submission_deadline},
            url=notifications.link("member-bid-work"))
    return made


@transaction.atomic
def invitation_respond(*, invitation: Invitation, by: User, take_part: bool) -> Invitation:
    """A user of the invited co-op says whether it takes part in the lot (while the bid is a
    draft). A member with work allocated in the lot answers that work instead."""
    bid = _lock(invitation.bid_lot.bid)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    require(selectors.answers_for_coop(by, invitation.coop_id),
            _("Only your own co-op's invitations can be answered."))
    check_editable(bid)
    to = InvitationStatus.OPTED_IN if take_part else InvitationStatus.OPTED_OUT
    if invitation.status == to:
        return invitation
    if not take_part and Allocation.objects.filter(
            bid_lot=invitation.bid_lot, coop_id=invitation.coop_id,
    ).exclude(status=AllocationStatus.DECLINED).exists():
        raise DomainError(_("Work in this lot is already allocated to your co-op: decline it on the "
                            "work proposed to you instead."), field="take_part")
    invitation.status = to
    invitation.responded_by = by
    invitation.responded_at = timezone.now()
    _save(invitation, by, update_fields=["status", "responded_by", "responded_at"])
    return invitation


# --- members' responses to their allocations ---------------------------------------------------

def _check_respondent(response: MemberResponse, by: User, bid: Bid) -> None:
    require(selectors.answers_for_coop(by, response.coop_id),
            _("Only a user of the co-op can answer for it."))
    if bid.status != BidStatus.DRAFT:
        raise DomainError(_("The bid is no longer open to answers: ask the coordinator."),
                          code="not_editable")
    if response.respond_by is not None and timezone.now() > response.respond_by:
        raise DomainError(
            _("The date to answer by (%(when)s) has passed: ask the coordinator.")
            % {"when": formatting.moment(response.respond_by)},
            code="deadline",
        )


def _set_allocations(bid: Bid, coop_id: int, status: str, by: User) -> None:
    for allocation in Allocation.objects.select_for_update().filter(
            bid_lot__bid=bid, coop_id=coop_id).exclude(status=status).order_by("pk"):
        allocation.status = status
        _save(allocation, by, update_fields=["status"])


@transaction.atomic
def response_accept(*, response: MemberResponse, by: User) -> MemberResponse:
    """The member accepts the whole of the work allocated to it in the bid."""
    bid = _lock(response.bid)
    response = MemberResponse.objects.select_for_update().get(pk=response.pk)
    _check_respondent(response, by, bid)
    if response.status == ResponseStatus.ACCEPTED:
        return response
    if response.status != ResponseStatus.PENDING:
        raise DomainError(_("Your co-op has already declined this work."), code="transition")
    response.status = ResponseStatus.ACCEPTED
    response.responded_by, response.responded_at = by, timezone.now()
    _save(response, by, update_fields=["status", "responded_by", "responded_at"])
    _set_allocations(bid, response.coop_id, AllocationStatus.ACCEPTED, by)
    return response


@transaction.atomic
def response_decline(*, response: MemberResponse, by: User, reason: str) -> MemberResponse:
    """The member declines its share, giving a reason; its allocations are declined (they hold
    no capacity) and the allocation is run again for what it leaves."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why your co-op declines, so the coordinator can plan around it."),
                          field="reason")
    if len(reason) > 2000:
        raise DomainError(_("Keep the reason to 2,000 characters."), field="reason")
    bid = _lock(response.bid)
    response = MemberResponse.objects.select_for_update().get(pk=response.pk)
    _check_respondent(response, by, bid)
    if response.status == ResponseStatus.DECLINED:
        return response
    if response.status != ResponseStatus.PENDING:
        raise DomainError(_("Your co-op has already accepted this work: ask the coordinator to change it."),
                          code="transition")
    response.status = ResponseStatus.DECLINED
    response.reason = reason
    response.responded_by, response.responded_at = by, timezone.now()
    _save(response, by, update_fields=["status", "reason", "responded_by", "responded_at"])
    _set_allocations(bid, response.coop_id, AllocationStatus.DECLINED, by)
    _rerun_after_decline(bid=bid, coop=response.coop, by=by)
    notifications.notify(
        recipients=notifications.coordinators_of(bid.consortium_id), kind=notifications.WORK_DECLINED,
        params={"coop": str(response.coop), "tender": bid.tender.reference,
                "deadline": bid.tender.submission_deadline},
        url=notifications.link("bid-allocation", pk=bid.pk))
    return response


def _rerun_after_decline(*, bid: Bid, coop: MemberCoop, by: User) -> None:
    # A member may always decline: if the re-run is refused (say, capacity taken meanwhile),
    # the decline stands and the coordinator sees the shortfall and re-runs by hand.
    try:
        with transaction.atomic():
            allocation_services.allocation_rerun_after_decline(bid=bid, coop=coop, by=by)
    except DomainError:
        pass


def response_reminders_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each member whose answer is due within 48 hours and who has not been reminded in
    the last 24. Safe to run twice, and from two workers at once: each response is claimed under
    a row lock (skipped if another run holds it) and its ``reminded_at`` recorded before the
    e-mail is queued on commit."""
    now = now or timezone.now()
    due = MemberResponse.objects.filter(
        status=ResponseStatus.PENDING, bid__status=BidStatus.DRAFT,
        respond_by__gt=now, respond_by__lte=now + REMIND_WITHIN,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            response = (MemberResponse.objects.select_for_update(skip_locked=True)
                        .select_related("coop", "bid__tender").filter(pk=pk).first())
            if response is None or response.status != ResponseStatus.PENDING:
                continue
            if response.reminded_at is not None and response.reminded_at > now - REMIND_EVERY:
                continue
            response.reminded_at = now
            _save(response, None, update_fields=["reminded_at"])
            recipients = _recipients(response.coop)
            if recipients:
                subject = _("Please answer by %(when)s: work proposed in a joint bid") % {
                    "when": formatting.moment(response.respond_by)}
                body = _("%(coop)s: work is proposed to your co-op in the consortium's bid for "
                         "%(tender)s. Please accept or decline it by %(when)s on the page \"Work "
                         "proposed to us\".") % {
                    "coop": response.coop.legal_name, "tender": response.bid.tender,
                    "when": formatting.moment(response.respond_by)}
                transaction.on_commit(lambda s=subject, b=body, r=recipients: send_mail(s, b, None, r))
            sent += 1
    return sent


def _recipients(coop: MemberCoop) -> list[str]:
    users = list(User.objects.filter(member_link__coop=coop, is_active=True).exclude(email="")
                 .order_by("pk").values_list("email", flat=True))
    if users:
        return users
    return list(coop.contacts.filter(is_primary=True).values_list("email", flat=True))


# --- price --------------------------------------------------------------------------------------

@transaction.atomic
def bid_prices_calculate(*, bid: Bid, by: User) -> list[BidPrice]:
    """Set each lot's rate per time band to what the allocated members' floors need (see
    ``price_lines``). A line that cannot be priced (no member, a floor missing, the ceiling too
    low) loses any rate it had, so a stale price never stands."""
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    lines = selectors.price_lines(bid)
    written = []
    for line in lines:
        existing = next((p for p in line.bid_lot.prices.all() if p.time_band == line.time_band), None)
        priceable = bool(line.members) and line.required is not None and not line.breaches_ceiling \
            and all(m.floor is not None for m in line.members)
        if not priceable:
            if existing is not None:
                _delete(existing, by)
            continue
        if existing is None:
            existing = BidPrice(bid_lot=line.bid_lot, time_band=line.time_band, rate=line.required)
            _save(existing, by)
        elif existing.rate != line.required:
            existing.rate = line.required
            _save(existing, by, update_fields=["rate"])
        written.append(existing)
    return written


@transaction.atomic
def bid_price_set(*, bid_lot: BidLot, time_band: str, rate: Any, by: User) -> BidPrice:
    """Set one lot's rate for a time band by hand, between what the allocated members' floors
    need and the lot's ceiling."""
    bid = _lock(bid_lot.bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    if time_band not in TimeBand.values:
        raise DomainError(_("Choose a time band."), field="time_band")
    rate = clean_decimal(rate, field="rate", what=_("The rate"))
    if rate <= 0 or rate != rate.quantize(PENNY) or rate > MAX_RATE:
        raise DomainError(_("Enter a rate in pounds and pence, more than 0, like 21.50."), field="rate")
    line = next((x for x in selectors.price_lines(bid, selectors.bid_lots(bid))
                 if x.bid_lot.pk == bid_lot.pk and x.time_band == time_band), None)
    if line is None:
        raise DomainError(_("The lot has no volume in this time band."), field="time_band")
    if not line.members:
        raise DomainError(_("Allocate the work in this time band before pricing it."), field="rate")
    if any(m.floor is None for m in line.members):
        raise DomainError(_("Every allocated member needs a cost floor before the line can be priced."),
                          field="rate")
    if line.breaches_ceiling:
        raise DomainError(_("The ceiling cannot pay every allocated member's floor: change the allocation."),
                          field="rate")
    if rate < line.required:
        raise DomainError(_("The rate must be at least %(required)s, so every allocated member's floor is "
                            "paid once the management fee is taken.")
                          % {"required": formatting.money(line.required)}, field="rate")
    if rate > line.ceiling:
        raise DomainError(_("The rate must be no more than the lot's ceiling of %(ceiling)s.")
                          % {"ceiling": formatting.money(line.ceiling)}, field="rate")
    price = BidPrice.objects.filter(bid_lot=bid_lot, time_band=time_band).first()
    if price is None:
        price = BidPrice(bid_lot=bid_lot, time_band=time_band, rate=rate)
        _save(price, by)
    elif price.rate != rate:
        price.rate = rate
        _save(price, by, update_fields=["rate"])
    return price


# --- quality answers and social value -----------------------------------------------------------

@transaction.atomic
def quality_answer_save(*, bid_lot: BidLot, question: QualityQuestion, answer: str,
                        by: User) -> QualityAnswer:
    bid = _lock(bid_lot.bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    if question.lot_id != bid_lot.lot_id:
        raise DomainError(_("Choose a question of this lot."), field="question")
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write the answer."), field="answer")
    if len(answer) > ANSWER_MAX:
        raise DomainError(_("Keep the answer to %(n)s characters.") % {"n": f"{ANSWER_MAX:,}"},
                          field="answer")
    row = QualityAnswer.objects.filter(bid_lot=bid_lot, question=question).first()
    if row is None:
        row = QualityAnswer(bid_lot=bid_lot, question=question, answer=answer, updated_by=by)
        _save(row, by)
    elif row.answer != answer:
        row.answer, row.updated_by = answer, by
        _save(row, by)
    return row


def _clean_commitment(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "heading" in fields:
        if fields["heading"] not in SocialValueHeading.values:
            raise DomainError(_("Choose a heading."), field="heading")
        cleaned["heading"] = fields["heading"]
    for name, limit, message in (("measure", 300, _("Describe the measure.")),
                                 ("unit", 60, _("Give the unit, like hours or people."))):
        if name in fields:
            value = str(fields[name] or "").strip()
            if not value:
                raise DomainError(message, field=name)
            if len(value) > limit:
                raise DomainError(_("Keep this to %(n)s characters.") % {"n": limit}, field=name)
            cleaned[name] = value
    if "quantity" in fields:
        quantity = clean_decimal(fields["quantity"], field="quantity", what=_("The quantity"))
        if quantity <= 0 or quantity > MAX_QUANTITY or quantity != quantity.quantize(PENNY):
            raise DomainError(_("Enter a quantity more than 0, to 2 decimal places at most."),
                              field="quantity")
        cleaned["quantity"] = quantity
    return cleaned


COMMITMENT_FIELDS = ("heading", "measure", "unit", "quantity")


@transaction.atomic
def social_value_add(*, bid: Bid, by: User, **fields: Any) -> SocialValueCommitment:
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    cleaned = _clean_commitment({k: fields.get(k) for k in COMMITMENT_FIELDS})
    row = SocialValueCommitment(bid=bid, **cleaned)
    _save(row, by)
    return row


@transaction.atomic
def social_value_update(*, commitment: SocialValueCommitment, by: User,
                        **fields: Any) -> SocialValueCommitment:
    bid = _lock(commitment.bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    cleaned = _clean_commitment({k: v for k, v in fields.items() if k in COMMITMENT_FIELDS})
    commitment = SocialValueCommitment.objects.select_for_update().get(pk=commitment.pk)
    for name, value in cleaned.items():
        setattr(commitment, name, value)
    _save(commitment, by)
    return commitment


@transaction.atomic
def social_value_delete(*, commitment: SocialValueCommitment, by: User) -> None:
    bid = _lock(commitment.bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    check_editable(bid)
    _delete(commitment, by)


# --- board approval ---------------------------------------------------------------------------

@transaction.atomic
def bid_send_for_approval(*, bid: Bid, by: User) -> Bid:
    """Put the finished bid to the board (a ballot). Every lot priced within its bounds, every
    allocated member's share accepted, no ceiling breached; before the tender's deadline."""
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    if bid.status == BidStatus.AWAITING_APPROVAL:
        return bid
    check_editable(bid)
    _before_deadline(bid.tender, _("sending the bid to the board"))
    problems = selectors.readiness(bid)
    if problems:
        raise DomainError(" ".join([_("The bid is not ready for the board:"), *problems]), code="not_ready")
    ballot = governance.ballot_open(
        consortium=bid.consortium, by=by,
        subject_code=BallotSubject.BID_APPROVAL, subject_params={"tender": str(bid.tender)[:240]},
    )
    return bid_transition(bid=bid, to=BidStatus.AWAITING_APPROVAL, by=by, ballot=ballot)


def on_ballot_decided(*, ballot, by: User | None) -> None:
    """The board decided a bid's ballot: carried -> approved, otherwise back to draft. Called by
    ``contracts.receivers`` inside the deciding transaction; other ballots are not ours."""
    bid = Bid.objects.filter(ballot_id=ballot.pk).first()
    if bid is None:
        return
    bid = _lock(bid)
    if bid.status != BidStatus.AWAITING_APPROVAL or bid.ballot_id != ballot.pk:
        return
    to = BidStatus.APPROVED if ballot.status == BallotStatus.CARRIED else BidStatus.DRAFT
    bid_transition(bid=bid, to=to, by=by)


@transaction.atomic
def bid_reopen(*, bid: Bid, by: User) -> Bid:
    """Take a bid before the board, or approved, back to draft to change it (it must go to the
    board again). A submitted bid is withdrawn instead (``submission.bid_withdraw``)."""
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    if bid.status == BidStatus.DRAFT:
        return bid
    if bid.status not in (BidStatus.AWAITING_APPROVAL, BidStatus.APPROVED):
        raise DomainError(str(NOT_EDITABLE.get(bid.status) or _("This bid is closed and cannot be changed.")),
                          code="transition")
    return bid_transition(bid=bid, to=BidStatus.DRAFT, by=by)
