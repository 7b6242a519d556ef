"""Which tenders and bids a user may export as open contracting data (``contracts/ocds.py``).

Tenders: those the user may see (``contracts.selectors.tenders``) that have been published (a
closed, awarded or cancelled one too): never a draft, nor a draft cancelled before it was
published. Anything else answers 404.

Bids: only after the tender's submission deadline, and only a bid whose standing submission (not
withdrawn) was made by the deadline and that is submitted, awarded or unsuccessful: never a
draft, a bid waiting for the board, an approved bid nobody submitted, nor a withdrawn one. What
is shown of it is its submission snapshot, which never holds a member's floor, costs or margin,
nor the consortium's fee. Who sees a bid, even then:
- the tender's council reviewers (the buyer, who evaluates it) and staff admins: every bid;
- coordinators and board members of the bidding consortium: their own consortium's bids;
- nobody else: not member users (their workspace shows them only their own part of a bid), not
  other consortia (a competitor's bid and prices are commercially confidential).

Everything a release shows is read in a fixed number of queries, however many tenders.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.models import Role, User
from contracts.models import BidSubmission, LotVolume, Tender, TenderDocument
from contracts.ocds import EXPORTED_BID_STATUSES, SubmittedBid, TenderExport
from contracts.selectors.tenders import can_see_tenders, tenders_visible_to


def can_export(user: User) -> bool:
    return can_see_tenders(user)


def exportable_tenders(user: User) -> QuerySet[Tender]:
    """Published (or once published) tenders the user may see, with everything a release shows."""
    return (
        tenders_visible_to(user)
        .filter(published_at__isnull=False)
        .prefetch_related(
            "lots__areas",
            Prefetch("lots__volumes", queryset=LotVolume.objects.order_by("time_band")),
            Prefetch("documents", queryset=TenderDocument.objects.order_by("title", "-version")),
        )
        .order_by("pk")
    )


def export_tender_get_for_user(user: User, pk) -> Tender:
    """A tender the user may export, or 404."""
    try:
        return exportable_tenders(user).get(pk=pk)
    except (Tender.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _bid_scope(user: User) -> Q | None:
    """The submitted bids a user may see once a deadline has passed; None for none."""
    if not user.is_authenticated:
        return None
    if user.role == Role.STAFF_ADMIN or user.is_superuser:
        return Q()
    if user.role == Role.COUNCIL_REVIEWER and user.council_id:
        return Q(bid__tender__council_id=user.council_id)
    if user.role in (Role.COORDINATOR, Role.BOARD_MEMBER) and user.consortium_id:
        return Q(bid__consortium_id=user.consortium_id)
    return None


def submitted_bids(user: User, tenders: list[Tender], *, now: dt.datetime | None = None
                   ) -> dict[int, list[SubmittedBid]]:
    """By tender id: the bids the user may see of those tenders whose deadline has passed."""
    scope = _bid_scope(user)
    now = now or timezone.now()
    closed = [t.pk for t in tenders if t.submission_deadline <= now]
    if scope is None or not closed:
        return {}
    rows = (
        BidSubmission.objects.filter(scope)
        .filter(
            bid__tender_id__in=closed,
            bid__tender__submission_deadline__lte=now,
            bid__status__in=EXPORTED_BID_STATUSES,
            withdrawn_at__isnull=True,
            submitted_at__lte=F("bid__tender__submission_deadline"),
        )
        .select_related("bid")
        .order_by("bid__tender_id", "bid_id")
    )
    found: dict[int, list[SubmittedBid]] = {}
    for submission in rows:
        found.setdefault(submission.bid.tender_id, []).append(SubmittedBid(submission.bid, submission))
    return found


def _last_changed(tenders: list[Tender]) -> dict[int, dt.datetime]:
    """When each tender's own row last changed (its audit history), in one query."""
    rows = (
        Tender.history.filter(id__in=[t.pk for t in tenders])
        .order_by()
        .values("id")
        .annotate(last=Max("history_date"))
    )
    return {row["id"]: row["last"] for row in rows}


def exports_for(user: User, tenders: list[Tender], *, now: dt.datetime | None = None) -> list[TenderExport]:
    """The tenders (from ``exportable_tenders``) as the user may export them, with the bids they
    may see and when what a release shows last changed: the tender's row, its lots (after
    publication), its documents, and the deadline when bids are shown (they appear then)."""
    tenders = list(tenders)
    bids = submitted_bids(user, tenders, now=now)
    history = _last_changed(tenders)
    exports = []
    for tender in tenders:
        shown = bids.get(tender.pk, [])
        moments = [tender.published_at, tender.lots_changed_at, history.get(tender.pk)]
        moments += [document.uploaded_at for document in tender.documents.all()]
        if shown:
            moments.append(tender.submission_deadline)
        exports.append(TenderExport(tender=tender, changed_at=max(m for m in moments if m is not None),
                                    bids=shown))
    return exports
