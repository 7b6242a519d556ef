"""Which tenders and bids a user may export as open contracting data (``contracts/ocds.py``).

Tenders: those the user may see (``contracts.tendering.selectors.tenders``) that have been published (a
closed, awarded or cancelled one too): never a draft, nor a draft cancelled before it was
published. Anything else answers 404. A visitor who is not signed in reads open contracting data
as the public it is for: every tender once published (``public_tenders``), no bid, and of the
awards only the confirmed ones, with their contracts (below).

Bids: only after the tender's submission deadline, and only a bid whose standing submission (not
withdrawn) was made by the deadline and that is submitted, awarded or unsuccessful: never a
draft, a bid waiting for the board, an approved bid nobody submitted, nor a withdrawn one. What
is shown of it is its submission snapshot, which never holds a member's floor, costs or margin,
nor the consortium's fee. Who sees a bid, even then:
- the tender's council reviewers (the buyer, who evaluates it) and staff admins: every bid;
- coordinators and board members of the bidding consortium: their own consortium's bids;
- nobody else: not member users (their workspace shows them only their own part of a bid), not
  other consortia (a competitor's bid and prices are commercially confidential).

Awards (after the deadline too, as they only come after it). The decision is told to the bidders
when it is made (the standstill letter) and to everyone once it is confirmed; so:
- the tender's council reviewers and staff admins: every award decision, in standstill,
  confirmed or cancelled;
- coordinators and board members of a consortium with a bid for the lot (an entry in its
  evaluation): every decision on that lot, whoever won; on other lots, as everyone else;
- everyone else who may export the tender (member users, other consortia, a visitor who is not
  signed in): confirmed awards only. Never one in standstill (it may yet be cancelled, and the
  decision is told to the bidders, not yet published) nor a cancelled one.
An award names its winner (the consortium and its delivering members, from the submitted
snapshot, or the outside bidder) and the winning bid's value for the lot; it points at the bid's
details only for a reader who may see that bid (``contracts.publication.ocds``).

Contracts: the contract made by a confirmed award, to whoever sees that award (so to everyone who
may export the tender), at its current version with its variations; never members'
sub-contracts, their rates or the consortium's fee. Its implementation, to the same readers: the
council's payments of the contract's invoices (public spending: amount, date, the council's
reference) and its ended billing periods with whether each was delivered
(``contracts.delivery.selectors.milestones``: the status only, never quantities or members).

When a release last changed (``changed_at``): the tender's row and its lots (their history), the
publication and lot changes, its documents, the deadline when bids are shown, and of the awards
the reader sees, their own history and that of their contracts (variations included, payments
recorded, returns accepted, and the day after the last period that ended). Nothing
the reader may not see moves the date: a decision in standstill does not date the public's
release.

Everything a release shows is read in a fixed number of queries, however many tenders.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from consortium.models import User
from contracts.delivery.selectors.milestones import ended_periods
from contracts.models import (
    Award,
    AwardStatus,
    BidSubmission,
    Contract,
    ContractStatus,
    ContractVersion,
    CouncilPayment,
    Entry,
    Lot,
    LotVolume,
    Tender,
    TenderDocument,
)
from contracts.publication.ocds import EXPORTED_BID_STATUSES, AwardExport, SubmittedBid, TenderExport
from contracts.tendering.selectors.tenders import can_see_tenders, public_tenders, tenders_visible_to


def can_export(user: User) -> bool:
    return can_see_tenders(user)


def _last_history(model, key: str) -> Subquery:
    """When the history rows of ``model`` whose ``key`` is the outer row's pk last changed."""
    rows = model.history.filter(**{key: OuterRef("pk")}).order_by("-history_date").values("history_date")
    return Subquery(rows[:1])


def exportable_tenders(user: User) -> QuerySet[Tender]:
    """Published (or once published) tenders the user may see, with everything a release shows:
    every published one (public notices, which a visitor who is not signed in reads too), and
    those the user's own role shows them besides. Signing in never shows less than the public sees."""
    return (
        ((tenders_visible_to(user) | public_tenders()) if user.is_authenticated else public_tenders())
        .filter(published_at__isnull=False)
        .annotate(history_changed_at=_last_history(Tender, "id"),
                  lots_changed_in_history_at=_last_history(Lot, "tender_id"))
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
    if user.is_staff_admin or user.is_superuser:
        return Q()
    if user.is_council_reviewer and user.council_id:
        return Q(bid__tender__council_id=user.council_id)
    if (user.is_coordinator or user.is_board_member) and user.consortium_id:
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


def _award_scope(user: User) -> Q | None:
    """The award decisions a user may see of the tenders they may export; None for none."""
    confirmed = Q(status=AwardStatus.CONFIRMED)
    if not user.is_authenticated:  # the public: what has been published, confirmed awards
        return confirmed
    if user.is_staff_admin or user.is_superuser:
        return Q()
    if user.is_council_reviewer and user.council_id:
        return confirmed | Q(lot__tender__council_id=user.council_id)
    if (user.is_coordinator or user.is_board_member) and user.consortium_id:
        bid_for_the_lot = Entry.objects.filter(lot_id=OuterRef("lot_id"),
                                               submission__bid__consortium_id=user.consortium_id)
        return confirmed | Q(Exists(bid_for_the_lot))
    return confirmed


def awards_shown(user: User, tenders: list[Tender], *, now: dt.datetime | None = None
                 ) -> dict[int, list[AwardExport]]:
    """By tender id: the award decisions the user may see of those tenders whose deadline has
    passed, oldest first, each with its contract (a confirmed award's) and, for ``changed_at``,
    when it and its contract last changed. One query, and one for each prefetch when any is found."""
    scope = _award_scope(user)
    now = now or timezone.now()
    closed = [t.pk for t in tenders if t.submission_deadline <= now]
    if scope is None or not closed:
        return {}
    contract_history = Contract.history.filter(id=OuterRef("contract__pk"))
    rows = (
        Award.objects.filter(scope)
        .filter(lot__tender_id__in=closed, lot__tender__submission_deadline__lte=now)
        .select_related("entry__submission__bid", "entry__external_bid", "contract")
        .prefetch_related(
            "entry__rates",
            Prefetch("contract__versions", queryset=ContractVersion.objects.order_by("number")),
        )
        .annotate(
            tender_id=F("lot__tender_id"),
            history_changed_at=_last_history(Award, "id"),
            contract_changed_at=Subquery(contract_history.order_by("-history_date").values("history_date")[:1]),
            contract_was_in_force=Exists(contract_history.filter(status=ContractStatus.ACTIVE)),
        )
        .order_by("lot__tender_id", "decided_at", "pk")
    )
    rows = list(rows)
    contracts = [award.contract for award in rows
                 if award.status == AwardStatus.CONFIRMED and getattr(award, "contract", None) is not None]
    milestones, payments = _implementation(rows, contracts, now=now)
    found: dict[int, list[AwardExport]] = {}
    for award in rows:
        contract = getattr(award, "contract", None) if award.status == AwardStatus.CONFIRMED else None
        found.setdefault(award.tender_id, []).append(
            AwardExport(award=award, contract=contract, contract_was_in_force=award.contract_was_in_force,
                        payments=tuple(payments.get(contract.pk, ())) if contract else (),
                        milestones=tuple(milestones.get(contract.pk, ())) if contract else ())
        )
    return found


def _implementation(rows: list[Award], contracts: list[Contract], *, now: dt.datetime) -> tuple[dict, dict]:
    """By contract id: its ended billing periods as milestones (``contracts.delivery.selectors.
    milestones``) and the council's payments of its invoices, oldest first. Two queries when
    there is any contract, none otherwise."""
    if not contracts:
        return {}, {}
    terminated_on = {contract.pk: timezone.localtime(award.contract_changed_at).date()
                     for award in rows if (contract := getattr(award, "contract", None)) is not None
                     and award.contract_changed_at is not None}
    milestones = ended_periods(contracts, today=timezone.localtime(now).date(), ended_by=terminated_on)
    payments: dict[int, list[CouncilPayment]] = {}
    for payment in (CouncilPayment.objects.filter(invoice__contract__in=contracts)
                    .annotate(contract_id=F("invoice__contract_id")).order_by("paid_on", "pk")):
        payments.setdefault(payment.contract_id, []).append(payment)
    return milestones, payments


def _award_moments(exported: AwardExport) -> list[dt.datetime | None]:
    award = exported.award
    moments = [award.decided_at, award.confirmed_at, award.history_changed_at]
    if exported.contract is not None:
        moments.append(award.contract_changed_at)
        moments += [version.created_at for version in exported.contract.versions.all()]
        moments += [payment.recorded_at for payment in exported.payments]
        moments += [milestone.reviewed_at for milestone in exported.milestones]
        if exported.milestones:  # the day after the last ended period, when it became a milestone
            moments.append(timezone.make_aware(dt.datetime.combine(
                exported.milestones[-1].period.end + dt.timedelta(days=1), dt.time.min)))
    return moments


def exports_for(user: User, tenders: list[Tender], *, now: dt.datetime | None = None) -> list[TenderExport]:
    """The tenders (from ``exportable_tenders``) as the user may export them, with the bids and
    awards they may see and when what a release shows last changed (see the module's
    docstring)."""
    tenders = list(tenders)
    bids = submitted_bids(user, tenders, now=now)
    awards = awards_shown(user, tenders, now=now)
    exports = []
    for tender in tenders:
        shown = bids.get(tender.pk, [])
        decided = awards.get(tender.pk, [])
        moments = [tender.published_at, tender.lots_changed_at, tender.history_changed_at,
                   tender.lots_changed_in_history_at]
        moments += [document.uploaded_at for document in tender.documents.all()]
        if shown:
            moments.append(tender.submission_deadline)
        for exported in decided:
            moments += _award_moments(exported)
        exports.append(TenderExport(tender=tender, changed_at=max(m for m in moments if m is not None),
                                    bids=shown, awards=decided))
    return exports
