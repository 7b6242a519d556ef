"""E-mails to the bidding consortia about an award decision: decided (the standstill begins),
cancelled, confirmed (the contract follows).

- Who: the active coordinators (with an e-mail address) of every consortium whose joint bid is
  an entry for the lot. Outside bidders have no users here: the council writes to them.
- What: whether their bid won, their own bid's frozen scores and the winner's (price per unit,
  price, quality, social value, total, rank: the rows the results page shows, read through
  ``contracts.evaluation.selectors.award.bid_results``), and when the standstill ends. Never the workings,
  a third bidder's scores, or anything of another consortium's members (their names, costs or
  shares): of the winner, only its name and its scores. The winner is also warned of its own
  members whose capacity is not declared for the day the contract starts (the contract would be
  refused when the award is confirmed), so they can declare it during the standstill.
- Language: each recipient's ``preferred_language`` (English or Welsh).
- When: the messages are built inside the writing transaction, from what it wrote, and sent
  once it commits (``transaction.on_commit``, robust: a mail server that fails is logged and
  does not undo, or fail, the decision). A rolled-back decision sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.models import Role, User
from contracts.evaluation.selectors.award import LotResult, bid_results, capacity_gaps
from contracts.models import Award, Bid, Entry

logger = logging.getLogger(__name__)

DECIDED, CANCELLED, CONFIRMED = "decided", "cancelled", "confirmed"
TEMPLATES = {
    DECIDED: "contracts/email/award_decided.txt",
    CANCELLED: "contracts/email/award_cancelled.txt",
    CONFIRMED: "contracts/email/award_confirmed.txt",
}


@dataclass(frozen=True)
class Bidder:
    bid: Bid
    coordinators: list[User]


def bidders(award: Award) -> list[Bidder]:
    """The joint bids entered for the award's lot, each with the coordinators to tell (a fixed
    number of queries)."""
    entries = list(Entry.objects.filter(lot_id=award.lot_id, submission__isnull=False)
                   .select_related("submission__bid__consortium", "submission__bid__tender")
                   .order_by("pk"))
    consortia = {e.submission.bid.consortium_id for e in entries}
    people: dict[int, list[User]] = {}
    for user in (User.objects.filter(role=Role.COORDINATOR, consortium_id__in=consortia, is_active=True)
                 .exclude(email="").order_by("pk")):
        people.setdefault(user.consortium_id, []).append(user)
    seen: set[int] = set()
    found = []
    for entry in entries:
        bid = entry.submission.bid
        if bid.pk in seen:
            continue
        seen.add(bid.pk)
        if people.get(bid.consortium_id):
            found.append(Bidder(bid, people[bid.consortium_id]))
    return found


def _result(bid: Bid, award: Award) -> LotResult | None:
    return next((r for r in bid_results(bid) if r.lot.pk == award.lot_id), None)


def _language(user: User) -> str:
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _subject(kind: str, *, lot, tender, won: bool) -> str:
    names = {"n": lot.number, "tender": tender.reference}
    if kind == DECIDED:
        if won:
            return _("Award decision for %(tender)s, lot %(n)s: your bid won") % names
        return _("Award decision for %(tender)s, lot %(n)s: your bid was not successful") % names
    if kind == CANCELLED:
        return _("Award decision withdrawn for %(tender)s, lot %(n)s") % names
    return _("Award confirmed for %(tender)s, lot %(n)s") % names


def _gaps(bid: Bid, award: Award) -> list[dict]:
    """The winner's early warning: members whose capacity is not declared for the contract's
    dates (its own members, told to its own coordinators), as the contract would be refused."""
    return [{"member": gap.member, "area": gap.area, "band": gap.band,
             "valid_from": formatting.day(gap.valid_from) if gap.valid_from else "",
             "valid_to": formatting.day(gap.valid_to) if gap.valid_to else ""}
            for gap in capacity_gaps(bid, award.lot)]


def _message(kind: str, award: Award, bidder: Bidder, user: User, *, result: LotResult | None,
             tender_cancelled: bool) -> EmailMessage:
    with translation.override(_language(user)):
        lot, tender = award.lot, bidder.bid.tender
        won = bool(result is not None and result.won) if kind != CANCELLED else False
        context = {
            "user": user, "consortium": bidder.bid.consortium.name, "tender": tender, "lot": lot,
            "won": won, "own": result.own if result else None,
            "winner": result.winner if result else None,
            "standstill_ends": formatting.day(award.standstill_ends),
            "tender_cancelled": tender_cancelled,
            "contract_start": formatting.day(tender.contract_start),
            "gaps": _gaps(bidder.bid, award) if won and kind == DECIDED else [],
        }
        body = render_to_string(TEMPLATES[kind], context)
        subject = _subject(kind, lot=lot, tender=tender, won=won)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _send(messages: list[EmailMessage]) -> None:
    get_connection().send_messages(messages)


def queue_award_mail(*, award: Award, kind: str, tender_cancelled: bool = False) -> int:
    """Build the e-mails about ``award`` (one per coordinator of each bidding consortium) and
    send them once the current transaction commits. Returns how many are queued."""
    award = Award.objects.select_related("lot__tender").get(pk=award.pk)
    messages = []
    for bidder in bidders(award):
        result = None if kind == CANCELLED else _result(bidder.bid, award)
        if kind != CANCELLED and (result is None or result.own is None or result.winner is None):
            logger.warning("award %s: no frozen scores for bid %s; not e-mailed", award.pk, bidder.bid.pk)
            continue
        for user in bidder.coordinators:
            messages.append(_message(kind, award, bidder, user, result=result,
                                     tender_cancelled=tender_cancelled))
    if messages:
        transaction.on_commit(lambda m=messages: _send(m), robust=True)
    return len(messages)
