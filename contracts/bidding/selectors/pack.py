"""A submitted joint bid laid out for people: its bid pack.

The pack is read from the sealed snapshot (``BidSubmission.snapshot``), never from the live bid:
it is what the council received. Codes in the snapshot (councils, services, time bands, legal
forms, social value headings, the procedure) become labels in the language active when the pack
is built, so a pack built under ``translation.override("cy")`` reads in Welsh; the bidder's own
text (answers, commitments, names) stays as written. The snapshot holds no member's costs,
floors or margins, nor the consortium's fee, so neither does the pack.

Besides the snapshot, the pack reads the tender's question texts (the council's own, matched by
lot and question number) and the board's decision on the version (the bid's ballot, when it was
carried before the version was submitted: a withdrawn version's ballot may have been replaced).

Who may read a pack: the consortium's coordinators and board members here
(``consortium_may_read_pack``); the council's reviewers after the deadline are the evaluation's
to decide (``contracts.evaluation.selectors.pack``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from consortium.models import Council, ServiceType, TimeBand, User
from contracts.bidding.sealing import decimal_or_none, verify
from contracts.bidding.selectors.bids import PENNY, can_manage_bids, is_board
from contracts.models import Bid, BidSubmission, Lot, Procedure, QualityQuestion, SocialValueHeading
from members.governance import Tally, ballot_tally
from members.models import BallotStatus, LegalForm


def consortium_may_read_pack(user: User, bid: Bid) -> bool:
    """The bid's own consortium's coordinators and board members."""
    return bool((can_manage_bids(user) or is_board(user)) and user.consortium_id == bid.consortium_id)


@dataclass
class PackPart:
    area: str
    band: str
    volume: Decimal | None


@dataclass
class PackMember:
    legal_name: str
    trading_name: str
    legal_form: str
    registrations: list[tuple[str, str]]  # (label, number)
    ciw: list[tuple[str, str]]  # (service, registration number)
    parts: list[PackPart]


@dataclass
class PackPrice:
    band: str
    rate: Decimal | None
    volume: Decimal | None

    @property
    def weekly(self) -> Decimal | None:
        if self.rate is None or self.volume is None:
            return None
        return (self.rate * self.volume).quantize(PENNY)


@dataclass
class PackAnswer:
    number: int | None
    question: str  # the council's question, empty when the tender no longer has it
    answer: str


@dataclass
class PackLot:
    number: int | None
    title: str
    service: str
    areas: list[str]
    prices: list[PackPrice]
    members: list[PackMember]
    answers: list[PackAnswer]

    @property
    def weekly(self) -> Decimal | None:
        known = [p.weekly for p in self.prices if p.weekly is not None]
        return sum(known, Decimal(0)) if known else None


@dataclass
class PackCommitment:
    heading: str
    measure: str
    unit: str
    quantity: str


@dataclass
class BoardDecision:
    decided_at: dt.datetime | None
    tally: Tally


@dataclass
class BidPack:
    submission: BidSubmission
    version: int | None
    submitted_at: dt.datetime | None
    consortium: str
    consortium_number: str
    reference: str
    title: str
    council: str
    procedure: str
    lots: list[PackLot]
    social_value: list[PackCommitment]
    decision: BoardDecision | None
    sha256: str
    intact: bool
    withdrawn: bool = False
    weekly: Decimal | None = field(default=None)


def _label(choices, code) -> str:
    """A choice's label, or the code as stored when the choice is no longer offered."""
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or "")


def _when(value) -> dt.datetime | None:
    found = parse_datetime(value) if isinstance(value, str) else None
    if found is not None and timezone.is_naive(found):
        found = timezone.make_aware(found, dt.UTC)
    return found


def _member(data: dict, councils: dict, services: dict) -> PackMember:
    registrations = [(label, data.get(key)) for key, label in (
        ("society_number", _("Society number (FCA)")), ("company_number", _("Company number")),
        ("charity_number", _("Charity number"))) if data.get(key)]
    ciw = [(str(services.get(r.get("service_type"), r.get("service_type") or "")), r.get("number") or "")
           for r in data.get("ciw_registrations") or []]
    parts = [PackPart(area=str(councils.get(p.get("area"), p.get("area") or "")),
                      band=_label(TimeBand, p.get("time_band")),
                      volume=decimal_or_none(p.get("volume_per_week")))
             for p in data.get("parts") or []]
    return PackMember(legal_name=data.get("legal_name") or "", trading_name=data.get("trading_name") or "",
                      legal_form=_label(LegalForm, data.get("legal_form")) if data.get("legal_form") else "",
                      registrations=registrations, ciw=ciw, parts=parts)


def _decision(bid: Bid, submitted_at: dt.datetime | None) -> BoardDecision | None:
    """The board's carried ballot on the bid, if it was decided before the version was submitted."""
    ballot = bid.ballot
    if ballot is None or ballot.status != BallotStatus.CARRIED:
        return None
    if submitted_at is not None and ballot.decided_at is not None and ballot.decided_at > submitted_at:
        return None
    return BoardDecision(decided_at=ballot.decided_at, tally=ballot_tally(ballot))


def bid_pack(submission: BidSubmission) -> BidPack:
    """The submission's pack, in the active language (a fixed number of queries)."""
    snapshot = submission.snapshot or {}
    bid = Bid.objects.select_related("ballot", "tender").get(pk=submission.bid_id)
    tender = snapshot.get("tender") or {}
    lots = snapshot.get("lots") or []
    codes = {tender.get("council")} | {a for lot in lots for a in lot.get("areas") or []}
    codes |= {p.get("area") for lot in lots for m in lot.get("members") or [] for p in m.get("parts") or []}
    councils = {c.code: c for c in Council.objects.filter(code__in={c for c in codes if c})}
    services = {s.code: s for s in ServiceType.objects.all()}
    questions = {(q.lot.number, q.number): q.text for q in QualityQuestion.objects.filter(
        lot__in=Lot.objects.filter(tender_id=bid.tender_id)).select_related("lot")}
    pack_lots = []
    for lot in lots:
        number = lot.get("number")
        pack_lots.append(PackLot(
            number=number, title=lot.get("title") or "",
            service=str(services.get(lot.get("service_type"), lot.get("service_type") or "")),
            areas=[str(councils.get(code, code)) for code in lot.get("areas") or []],
            prices=[PackPrice(band=_label(TimeBand, p.get("time_band")), rate=decimal_or_none(p.get("rate")),
                              volume=decimal_or_none(p.get("volume_per_week")))
                    for p in lot.get("prices") or []],
            members=[_member(m, councils, services) for m in lot.get("members") or []],
            answers=[PackAnswer(number=a.get("question"),
                                question=questions.get((number, a.get("question")), ""),
                                answer=a.get("answer") or "") for a in lot.get("quality_answers") or []],
        ))
    submitted_at = _when(snapshot.get("submitted_at")) or submission.submitted_at
    consortium = snapshot.get("consortium") or {}
    weekly = [lot.weekly for lot in pack_lots if lot.weekly is not None]
    return BidPack(
        submission=submission, version=snapshot.get("version"), submitted_at=submitted_at,
        consortium=consortium.get("name") or "",
        consortium_number=consortium.get("registration_number") or "",
        reference=tender.get("reference") or "", title=tender.get("title") or "",
        council=str(councils.get(tender.get("council"), tender.get("council") or "")),
        procedure=_label(Procedure, tender.get("procedure")) if tender.get("procedure") else "",
        lots=pack_lots,
        social_value=[PackCommitment(heading=_label(SocialValueHeading, c.get("heading")),
                                     measure=c.get("measure") or "", unit=c.get("unit") or "",
                                     quantity=str(c.get("quantity") or ""))
                      for c in snapshot.get("social_value") or []],
        decision=_decision(bid, submitted_at), sha256=submission.sha256, intact=verify(submission),
        withdrawn=submission.withdrawn_at is not None,
        weekly=sum(weekly, Decimal(0)) if weekly else None,
    )
