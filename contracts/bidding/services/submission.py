"""Submission of a joint bid: an immutable, hashed snapshot of what the council will see.

- Only a bid approved by the board is submitted, and only before the tender's submission
  deadline; nothing is accepted after it.
- The snapshot is everything the council will see: the tender's reference, each lot's prices
  per time band, quality answers, social value, and the member breakdown (which member, by legal
  name and registration numbers, delivers which part, per council area and time band), as the
  law on consortia's offers requires. It never holds a member's floor, costs or margin, nor the
  consortium's management fee (how the price is shared inside the consortium).
- Canonical JSON (sorted keys, no spaces, UTF-8 as is, Decimals as strings) and its SHA-256 are
  stored with the snapshot; ``contracts.bidding.sealing.verify`` recomputes both.
- Withdrawing before the deadline marks the standing submission withdrawn and takes the bid back
  to draft; submitting again makes a new version, which needs the board's approval again.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.errors import DomainError, require
from consortium.models import User
from contracts.bidding.sealing import canonical_json, sha256_of, verify
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services.bids import ONLY_COORDINATORS, _before_deadline, _lock, bid_transition
from contracts.models import AllocationStatus, Bid, BidStatus, BidSubmission, TenderStatus
from members.models import MemberCoop

__all__ = ["bid_snapshot", "bid_submit", "bid_withdraw", "canonical_json", "sha256_of", "verify"]

SNAPSHOT_FORMAT = 1


def _coop(coop) -> dict:
    return {
        "legal_name": coop.legal_name,
        "trading_name": coop.trading_name,
        "legal_form": coop.legal_form,
        "society_number": coop.society_number,
        "company_number": coop.company_number,
        "charity_number": coop.charity_number,
        "ciw_registrations": sorted(
            ({"service_type": r.service_type.code, "number": r.registration_number}
             for r in coop.ciw_registrations.all()),
            key=lambda r: (r["service_type"], r["number"]),
        ),
    }


def bid_snapshot(bid: Bid, *, version: int, submitted_at: dt.datetime) -> dict:
    """What the council will see of the bid (plain JSON types, money as strings)."""

    lots = selectors.bid_lots(bid)
    tender = bid.tender
    coop_ids = {a.coop_id for bl in lots for a in bl.allocations.all()}
    coops = {c.pk: c for c in MemberCoop.objects.filter(pk__in=coop_ids)
             .prefetch_related("ciw_registrations__service_type")}
    lot_data = []
    for bid_lot in lots:
        lot = bid_lot.lot
        # The volume each price is for is what the members deliver (accepted), which is the lot's
        # whole volume unless the lot allows partial bids and the bid offers less.
        volumes: dict[str, Decimal] = {}
        members: dict[int, dict] = {}
        for a in bid_lot.allocations.all():
            if a.status != AllocationStatus.ACCEPTED:
                continue
            volumes[a.time_band] = volumes.get(a.time_band, Decimal(0)) + a.volume
            entry = members.setdefault(a.coop_id, {**_coop(coops[a.coop_id]), "parts": []})
            entry["parts"].append({"area": a.council.code, "time_band": a.time_band,
                                   "volume_per_week": a.volume})
        for entry in members.values():
            entry["parts"].sort(key=lambda p: (p["area"], p["time_band"]))
        lot_data.append({
            "number": lot.number,
            "title": lot.title,
            "service_type": lot.service_type.code,
            "areas": sorted(area.code for area in lot.areas.all()),
            "prices": [{"time_band": p.time_band, "rate": p.rate, "volume_per_week": volumes.get(p.time_band)}
                       for p in bid_lot.prices.all()],
            "quality_answers": [{"question": a.question.number, "answer": a.answer}
                                for a in sorted(bid_lot.answers.all(), key=lambda x: x.question.number)],
            "members": sorted(members.values(), key=lambda m: m["legal_name"]),
        })
    return {
        "format": SNAPSHOT_FORMAT,
        "version": version,
        "submitted_at": submitted_at,
        "consortium": {"name": bid.consortium.name,
                       "registration_number": bid.consortium.registration_number},
        "tender": {"reference": tender.reference, "title": tender.title, "council": tender.council.code,
                   "procedure": tender.procedure},
        "lots": lot_data,
        "social_value": [
            {"heading": c.heading, "measure": c.measure, "unit": c.unit, "quantity": c.quantity}
            for c in selectors.social_value_of(bid)
        ],
    }


@transaction.atomic
def bid_submit(*, bid: Bid, by: User) -> BidSubmission:
    """Submit an approved bid before the deadline: store its snapshot as the next version.
    Already submitted: the standing submission is returned."""
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    if bid.status == BidStatus.SUBMITTED:
        standing = selectors.standing_submission(bid)
        if standing is not None:
            return standing
    _before_deadline(bid.tender, _("submitting"))
    if bid.tender.status != TenderStatus.PUBLISHED:
        raise DomainError(_("The tender is no longer open for bids."), code="transition")
    if bid.status != BidStatus.APPROVED:
        raise DomainError(_("Only a bid the board has approved can be submitted: send it for approval "
                            "first."), code="transition")
    problems = selectors.readiness(bid)
    if problems:
        raise DomainError(" ".join([_("The bid cannot be submitted:"), *problems]), code="not_ready")
    now = timezone.now()
    version = bid.version + 1
    canonical = canonical_json(bid_snapshot(bid, version=version, submitted_at=now))
    submission = BidSubmission.objects.create(
        bid=bid, version=version, snapshot=json.loads(canonical), canonical=canonical,
        sha256=sha256_of(canonical), submitted_by=by, submitted_at=now,
    )
    bid_transition(bid=bid, to=BidStatus.SUBMITTED, by=by, version=version)
    return submission


@transaction.atomic
def bid_withdraw(*, bid: Bid, by: User) -> Bid:
    """Withdraw the standing submission before the deadline: the bid goes back to draft."""
    bid = _lock(bid)
    require(selectors.can_run_bid(by, bid), ONLY_COORDINATORS)
    if bid.status != BidStatus.SUBMITTED:
        raise DomainError(_("Only a submitted bid can be withdrawn."), code="transition")
    _before_deadline(bid.tender, _("withdrawing"))
    standing = BidSubmission.objects.select_for_update().filter(bid=bid, withdrawn_at__isnull=True).first()
    if standing is not None:
        standing.withdrawn_at = timezone.now()
        standing.withdrawn_by = by
        standing.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return bid_transition(bid=bid, to=BidStatus.DRAFT, by=by)

