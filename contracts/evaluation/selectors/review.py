"""Scoped reads for the council's review of the bids to a tender.

Who sees what:
- a tender's review (its bids, the submitted snapshots, the outside bids, the evaluation panel)
  is for the council reviewers of the tendering council, and only once the submission deadline
  has passed: the tender is closed, in evaluation or decided (awarded, unsuccessful), or still
  published with its deadline behind it (the beat task has not closed it yet; nothing can be
  submitted or withdrawn after the deadline, so the set of bids is final). Anyone else, and
  anyone before the deadline, gets 404, as if nothing existed;
- a lot and an entry (one bid for one lot) follow their tender;
- what the council sees of a joint bid is its submitted snapshot, plus live reference data about
  the members (capacity declared, governance indicators, compliance) and the aggregated cost
  evidence for the lot's service, never an individual member's costs, floors or margins.

Who may write: the access functions here (``is_tender_reviewer``, ``is_panel_member``,
``is_lead``) are the one answer for every write of the evaluation (review, marking, moderation,
scoring and award): its services refuse with them (403), and the pages and the API ask the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consortium.models import Council, Role, TimeBand, User
from contracts.bidding.sealing import decimal_or_none
from contracts.bidding.services.submission import verify
from contracts.evaluation.engine import weighted_price
from contracts.evaluation.selectors.scores import entry_key, lot_entries, lot_scores
from contracts.models import (
    Award,
    BidStatus,
    BidSubmission,
    Entry,
    ExternalBid,
    Lot,
    LotVolume,
    ModeratedMark,
    PanelMember,
    QualityMark,
    QualityQuestion,
    SocialValueHeading,
    SocialValueScore,
    Tender,
    TenderStatus,
)
from governance.selectors.evidence import Evidence, member_control_evidence
from members.models import (
    CapacityDeclaration,
    ComplianceDocument,
    DocumentType,
    MemberCoop,
    MembershipStatus,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
)
from members.selectors import ExpiryState, document_expiry_state, member_indicators
from pricing.selectors.evidence import evidence_snapshot
from pricing.selectors.negotiations import evidence_rows

# Tender statuses in which the bids are final and the council may read them.
REVIEWABLE = (TenderStatus.CLOSED, TenderStatus.IN_EVALUATION, TenderStatus.AWARDED,
              TenderStatus.UNSUCCESSFUL)
DECIDED = (TenderStatus.AWARDED, TenderStatus.UNSUCCESSFUL)

ZERO = Decimal("0")


def is_reviewer(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_council_reviewer
                and user.council_id is not None)


def _reviewable(now=None) -> Q:
    """Tenders whose deadline has passed and whose bids are final."""
    now = now or timezone.now()
    return Q(submission_deadline__lte=now) & (
        Q(status__in=REVIEWABLE) | Q(status=TenderStatus.PUBLISHED)
    )


def _counted(qs) -> Coalesce:
    """How many rows of ``qs`` (filtered on the outer tender, with a ``tender_id``) there are."""
    per_tender = qs.order_by().values("tender_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(per_tender), 0)


def review_tenders_for(user: User) -> QuerySet[Tender]:
    """The tenders the user may review (newest deadline first), each with ``bid_count`` (standing
    joint submissions) and ``external_count`` (outside bids)."""
    if not is_reviewer(user):
        return Tender.objects.none()
    standing = BidSubmission.objects.filter(
        withdrawn_at__isnull=True, bid__tender_id=OuterRef("pk"),
        bid__status__in=(BidStatus.SUBMITTED, BidStatus.AWARDED, BidStatus.UNSUCCESSFUL),
    ).annotate(tender_id=F("bid__tender_id"))
    return (
        Tender.objects.filter(_reviewable(), council_id=user.council_id)
        .select_related("council")
        .annotate(bid_count=_counted(standing),
                  external_count=_counted(ExternalBid.objects.filter(tender_id=OuterRef("pk"))),
                  lot_count=_counted(Lot.objects.filter(tender_id=OuterRef("pk"))))
        .order_by("-submission_deadline", "-pk")
    )


def can_review(user: User, tender: Tender) -> bool:
    return (is_reviewer(user) and user.council_id == tender.council_id
            and tender.submission_deadline <= timezone.now()
            and (tender.status in REVIEWABLE or tender.status == TenderStatus.PUBLISHED))


def review_tender_get_for_user(user: User, pk) -> Tender:
    """A tender the user may review, or 404."""
    if not is_reviewer(user):
        raise Http404
    try:
        return Tender.objects.select_related("council").get(_reviewable(), pk=pk,
                                                            council_id=user.council_id)
    except (Tender.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def review_lot_get_for_user(user: User, pk) -> Lot:
    """A lot of a tender the user may review, or 404 (with its tender, service, volumes and
    questions)."""
    if not is_reviewer(user):
        raise Http404
    try:
        lot = (
            Lot.objects.select_related("tender__council", "service_type")
            .prefetch_related(Prefetch("volumes", queryset=LotVolume.objects.order_by("time_band")),
                              Prefetch("questions", queryset=QualityQuestion.objects.order_by("number")),
                              "areas")
            .get(pk=pk, tender__council_id=user.council_id)
        )
    except (Lot.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not can_review(user, lot.tender):
        raise Http404
    return lot


def review_entry_get_for_user(user: User, pk) -> Entry:
    """An entry (one bid for one lot) of a tender the user may review, or 404."""
    if not is_reviewer(user):
        raise Http404
    try:
        entry = (
            Entry.objects.select_related("lot__tender__council", "lot__service_type",
                                         "submission__bid__consortium", "external_bid")
            .prefetch_related("rates")
            .get(pk=pk, lot__tender__council_id=user.council_id)
        )
    except (Entry.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not can_review(user, entry.lot.tender):
        raise Http404
    return entry


def review_external_bid_get_for_user(user: User, pk) -> ExternalBid:
    """A bid from outside the system, recorded for a tender the user may review, or 404."""
    if not is_reviewer(user):
        raise Http404
    try:
        external = ExternalBid.objects.select_related("tender__council").get(
            pk=pk, tender__council_id=user.council_id)
    except (ExternalBid.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not can_review(user, external.tender):
        raise Http404
    return external


# --- the evaluation panel -------------------------------------------------------------------------

def panel_of(tender: Tender) -> list[PanelMember]:
    """The tender's panel, lead first."""
    return list(PanelMember.objects.filter(tender=tender).select_related("reviewer")
                .order_by("-is_lead", "pk"))


def is_tender_reviewer(user: User | None, tender: Tender) -> bool:
    """A reviewer of the tendering council: they open the tender's evaluation."""
    return bool(is_reviewer(user) and user.council_id == tender.council_id)


def is_panel_member(user: User | None, tender: Tender) -> bool:
    """On the tender's evaluation panel: they record outside bids and mark the bids."""
    return bool(is_tender_reviewer(user, tender)
                and PanelMember.objects.filter(tender=tender, reviewer=user).exists())


def is_lead(user: User | None, tender: Tender) -> bool:
    """The panel's lead: they change the panel, agree marks, score social value and award."""
    return bool(is_tender_reviewer(user, tender)
                and PanelMember.objects.filter(tender=tender, reviewer=user, is_lead=True).exists())


def reviewers_to_add(tender: Tender) -> QuerySet[User]:
    """Reviewers of the tender's council not yet on its panel."""
    return (User.objects.filter(role=Role.COUNCIL_REVIEWER, council_id=tender.council_id, is_active=True)
            .exclude(pk__in=PanelMember.objects.filter(tender=tender).values("reviewer_id"))
            .order_by("last_name", "first_name", "username"))


# --- bids ---------------------------------------------------------------------------------------

def standing_submissions(tender: Tender) -> list[BidSubmission]:
    """The standing submission of every joint bid submitted to the tender (decided bids too)."""
    return list(
        BidSubmission.objects.filter(
            bid__tender=tender, withdrawn_at__isnull=True,
            bid__status__in=(BidStatus.SUBMITTED, BidStatus.AWARDED, BidStatus.UNSUCCESSFUL),
        ).select_related("bid__consortium").order_by("bid__consortium__name", "pk")
    )


def snapshot_lot(submission: BidSubmission, lot: Lot) -> dict | None:
    """The snapshot's part for the lot (matched by number), or None."""
    for part in (submission.snapshot or {}).get("lots", []):
        if part.get("number") == lot.number:
            return part
    return None


def band_label(band: str) -> str:
    try:
        return str(TimeBand(band).label)
    except ValueError:
        return band


def band_order(band: str) -> int:
    try:
        return TimeBand.values.index(band)
    except ValueError:
        return len(TimeBand.values)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- the tender's review page ---------------------------------------------------------------------

@dataclass
class LotLink:
    lot: Lot
    entry: Entry | None


@dataclass
class BidRow:
    """A consortium's standing submission, as the tender's review page lists it."""

    submission: BidSubmission
    name: str
    intact: bool
    lots: list[LotLink]


@dataclass
class ExternalRow:
    external: ExternalBid
    lots: list[LotLink]
    rates: dict[int, list[tuple[str, Decimal]]]  # lot pk -> [(band label, rate)]
    deletable: bool


@dataclass
class TenderReview:
    tender: Tender
    lots: list[Lot]
    bids: list[BidRow]
    externals: list[ExternalRow]
    panel: list[PanelMember]
    is_panel_member: bool
    is_lead: bool
    can_open: bool
    in_evaluation: bool
    reviewers_to_add: list[User]
    bands_by_lot: dict[int, list[tuple[str, str, Decimal]]]  # lot pk -> [(band, label, volume)]

    @property
    def broken(self) -> list[BidRow]:
        return [row for row in self.bids if not row.intact]


def review_lots(tender: Tender, *, pk=None) -> list[Lot]:
    """The tender's lots (or the one ``pk``) with their service, volumes, questions and areas."""
    qs = Lot.objects.filter(tender=tender) if pk is None else Lot.objects.filter(tender=tender, pk=pk)
    return list(
        qs.select_related("service_type").order_by("number")
        .prefetch_related(Prefetch("volumes", queryset=LotVolume.objects.order_by("time_band")),
                          Prefetch("questions", queryset=QualityQuestion.objects.order_by("number")),
                          "areas")
    )


def lot_bands(lot: Lot) -> list[tuple[str, str, Decimal]]:
    """(band, label, weekly volume) of the bands the lot asks for, in the bands' order."""
    asked = [(v.time_band, band_label(v.time_band), v.volume) for v in lot.volumes.all() if v.volume > 0]
    return sorted(asked, key=lambda b: band_order(b[0]))


def entries_in_use(entry_ids) -> set[int]:
    """The entries that marks, agreed marks, social value scores or awards refer to."""
    ids = list(entry_ids)
    if not ids:
        return set()
    used: set[int] = set()
    for model in (QualityMark, ModeratedMark, SocialValueScore, Award):
        used.update(model.objects.filter(entry_id__in=ids).values_list("entry_id", flat=True).distinct())
    return used


def tender_review(tender: Tender, user: User) -> TenderReview:
    """Everything the tender's review page shows (a fixed number of queries)."""
    lots = review_lots(tender)
    submissions = standing_submissions(tender)
    entries = list(Entry.objects.filter(lot__tender=tender).select_related("external_bid")
                   .prefetch_related("rates").order_by("lot__number", "pk"))
    by_submission = {(e.submission_id, e.lot_id): e for e in entries if e.submission_id}
    by_external = {(e.external_bid_id, e.lot_id): e for e in entries if e.external_bid_id}
    bids = []
    for s in submissions:
        numbers = {part.get("number") for part in (s.snapshot or {}).get("lots", [])}
        bids.append(BidRow(
            submission=s, name=s.bid.consortium.name, intact=verify(s),
            lots=[LotLink(lot, by_submission.get((s.pk, lot.pk))) for lot in lots if lot.number in numbers],
        ))
    used = entries_in_use(e.pk for e in entries if e.external_bid_id)
    externals = []
    for external in ExternalBid.objects.filter(tender=tender).order_by("bidder_name", "pk"):
        links = [LotLink(lot, by_external[(external.pk, lot.pk)]) for lot in lots
                 if (external.pk, lot.pk) in by_external]
        rates = {link.lot.pk: [(band_label(r.time_band), r.rate)
                               for r in sorted(link.entry.rates.all(), key=lambda r: band_order(r.time_band))]
                 for link in links}
        externals.append(ExternalRow(external=external, lots=links, rates=rates,
                                     deletable=not any(link.entry.pk in used for link in links)))
    panel = panel_of(tender)
    mine = next((m for m in panel if m.reviewer_id == user.pk), None)
    in_evaluation = tender.status == TenderStatus.IN_EVALUATION
    lead = bool(mine and mine.is_lead)
    return TenderReview(
        tender=tender, lots=lots, bids=bids, externals=externals, panel=panel,
        is_panel_member=mine is not None, is_lead=lead,
        can_open=tender.status in (TenderStatus.CLOSED, TenderStatus.PUBLISHED),
        in_evaluation=in_evaluation,
        reviewers_to_add=list(reviewers_to_add(tender)) if lead and in_evaluation else [],
        bands_by_lot={lot.pk: lot_bands(lot) for lot in lots},
    )


# --- a joint bid's review page ---------------------------------------------------------------------

@dataclass
class Part:
    member: str
    volume: Decimal


@dataclass
class AreaRow:
    """One council area of the lot: who delivers what in each band."""

    area: str  # the council's name (or its code, if unknown)
    code: str
    cells: list[list[Part]]  # one list per band, in ``EntryReview.bands`` order
    totals: list[Decimal]


@dataclass
class MemberShare:
    name: str
    volume: Decimal
    percent: Decimal | None
    width: int = 0  # the chart bar's width
    y: int = 0


@dataclass
class CapacityLine:
    area: str
    band: str
    band_label: str
    volume: Decimal  # what the bid commits the member to, per week
    declared: Decimal | None  # the member's current declaration for the scope (None: none)
    committed: Decimal | None  # already committed to contracts
    within: bool | None  # the bid's volume is within what is declared


@dataclass
class MemberCapacity:
    name: str
    lines: list[CapacityLine]


@dataclass
class PriceLine:
    band: str
    label: str
    rate: Decimal | None
    volume: Decimal | None
    ceiling: Decimal
    within: bool | None
    below_by: Decimal | None  # how far under the ceiling (negative: over it)
    offered: Decimal | None = None  # volume the members deliver in the band (joint bids)
    coverage: Decimal | None = None  # offered / lot volume, %


@dataclass
class Stakeholder:
    label: str
    member_count: int
    vote_share: Decimal


@dataclass
class Document:
    label: str
    title: str
    expires_on: object
    state: str


@dataclass
class MemberGovernance:
    """A delivering member: identity (from the snapshot), its live governance indicators and
    compliance (from the register)."""

    name: str
    legal_name: str
    registrations: list[tuple[str, str]]  # (label, number)
    ciw: list[str]  # CIW registration numbers for the lot's service
    found: bool  # matched in the register
    status: str = ""
    user_led: bool | None = None
    service_user_vote_share: Decimal | None = None
    vote_share_total: Decimal | None = None
    social_coop_type: str = ""
    disadvantaged_worker_share: Decimal | None = None
    stakeholders: list[Stakeholder] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    expired: int = 0
    expiring: int = 0
    compliant: bool | None = None


@dataclass
class Commitment:
    measure: str
    unit: str
    quantity: str


@dataclass
class SocialValueGroup:
    heading: str
    label: str
    commitments: list[Commitment]


@dataclass
class Answer:
    question: QualityQuestion | None
    number: int
    text: str
    answer: str | None


@dataclass
class CostEvidence:
    financial_year_label: str
    members: int
    min_members: int
    suppressed: bool
    rows: list  # pricing.selectors.negotiations.EvidenceRow
    reference_price: dict | None
    service: str


@dataclass
class EntryReview:
    entry: Entry
    lot: Lot
    tender: Tender
    name: str
    external: bool
    submission: BidSubmission | None
    intact: bool | None
    bands: list[tuple[str, str, Decimal]]  # the lot's (band, label, volume)
    prices: list[PriceLine]
    weighted_price: Decimal | None
    areas: list[AreaRow] = field(default_factory=list)
    band_totals: list[Decimal] = field(default_factory=list)
    shares: list[MemberShare] = field(default_factory=list)
    chart: dict = field(default_factory=dict)
    capacity: list[MemberCapacity] = field(default_factory=list)
    evidence: CostEvidence | None = None
    members: list[MemberGovernance] = field(default_factory=list)
    social_value: list[SocialValueGroup] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    consortium: dict = field(default_factory=dict)
    version: int | None = None
    submitted_at: str | None = None
    member_control: Evidence | None = None  # the bid's consortium's evidence of member control


CHART_LABEL_WIDTH = 260
CHART_BAR_MAX = 300
CHART_ROW = 36


def _weighted(rates: dict[str, Decimal], bands) -> Decimal | None:
    return weighted_price(rates, {band: volume for band, _label, volume in bands})


def financial_year_of(day) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _cost_evidence(entry: Entry, lot: Lot) -> CostEvidence:
    """The consortium's aggregated cost evidence for the lot's service and the contract's first
    financial year, with the disclosure control councils always get (never a member's own
    figures)."""
    year = financial_year_of(lot.tender.contract_start)
    snap = evidence_snapshot(consortium=entry.submission.bid.consortium, service_type=lot.service_type,
                             financial_year=year)
    return CostEvidence(
        financial_year_label=snap["financial_year_label"], members=snap["members"],
        min_members=snap["min_members"], suppressed=snap["suppressed"], rows=evidence_rows(snap),
        reference_price=snap["reference_price"], service=lot.service_type.name,
    )


def _members_live(consortium_id: int, snapshot_members: list[dict]):
    names = [m.get("legal_name") for m in snapshot_members]
    return {
        coop.legal_name: coop
        for coop in MemberCoop.objects.filter(consortium_id=consortium_id, legal_name__in=names)
        .prefetch_related(
            Prefetch("stakeholders", queryset=StakeholderClass.objects.order_by("kind")),
            Prefetch("documents", queryset=ComplianceDocument.objects.order_by("doc_type", "pk")))
    }


def _governance(member: dict, coop, lot: Lot) -> MemberGovernance:
    regs = [(label, member.get(key)) for key, label in (
        ("society_number", _("Society number (FCA)")), ("company_number", _("Company number")),
        ("charity_number", _("Charity number"))) if member.get(key)]
    ciw = [r.get("number", "") for r in member.get("ciw_registrations") or []
           if r.get("service_type") == lot.service_type.code]
    row = MemberGovernance(name=member.get("trading_name") or member.get("legal_name") or "",
                           legal_name=member.get("legal_name") or "", registrations=regs, ciw=ciw,
                           found=coop is not None)
    if coop is None:
        return row
    indicators = member_indicators(coop)
    row.status = str(MembershipStatus(coop.status).label)
    row.user_led = indicators.user_led
    row.service_user_vote_share = indicators.service_user_vote_share
    row.vote_share_total = indicators.vote_share_total
    row.social_coop_type = "" if coop.social_coop_type == SocialCoopType.NONE else \
        str(SocialCoopType(coop.social_coop_type).label)
    row.disadvantaged_worker_share = indicators.disadvantaged_worker_share
    row.stakeholders = [Stakeholder(str(StakeholderKind(s.kind).label), s.member_count, s.vote_share)
                        for s in coop.stakeholders.all()]
    for doc in coop.documents.all():
        state = document_expiry_state(doc)
        label = str(DocumentType(doc.doc_type).label)
        row.documents.append(Document(label, doc.title, doc.expires_on, state))
        row.expired += state == ExpiryState.EXPIRED
        row.expiring += state == ExpiryState.EXPIRING
    row.compliant = coop.status == MembershipStatus.ACTIVE and row.expired == 0 and bool(row.documents)
    return row


def _capacity(parts_by_member: list[tuple[str, dict, list[dict]]], coops: dict, lot: Lot,
              councils: dict[str, object]) -> list[MemberCapacity]:
    coop_ids = [c.pk for c in coops.values()]
    current = {}
    if coop_ids:
        for d in CapacityDeclaration.objects.filter(coop_id__in=coop_ids, service_type=lot.service_type,
                                                    is_current=True).select_related("council"):
            current[(d.coop_id, d.council.code, d.time_band)] = d
    rows = []
    for name, member, parts in parts_by_member:
        coop = coops.get(member.get("legal_name"))
        lines = []
        for p in parts:
            volume = decimal_or_none(p.get("volume_per_week")) or ZERO
            area = p.get("area", "")
            d = current.get((coop.pk, area, p.get("time_band"))) if coop else None
            council = councils.get(area)
            lines.append(CapacityLine(
                area=council.name if council else area, band=p.get("time_band", ""),
                band_label=band_label(p.get("time_band", "")), volume=volume,
                declared=d.declared_volume if d else None, committed=d.committed_volume if d else None,
                within=None if d is None else volume <= d.declared_volume,
            ))
        rows.append(MemberCapacity(name=name, lines=lines))
    return rows


def _social_value(items: list[dict]) -> list[SocialValueGroup]:
    groups: dict[str, SocialValueGroup] = {}
    for item in items:
        heading = item.get("heading", "")
        try:
            label = str(SocialValueHeading(heading).label)
        except ValueError:
            label = heading
        group = groups.setdefault(heading, SocialValueGroup(heading, label, []))
        group.commitments.append(Commitment(item.get("measure") or "", item.get("unit") or "",
                                            str(item.get("quantity") or "")))
    order = list(SocialValueHeading.values)
    return sorted(groups.values(), key=lambda g: order.index(g.heading) if g.heading in order else len(order))


def _answers(lot: Lot, part: dict | None) -> list[Answer]:
    given = {a.get("question"): a.get("answer") for a in (part or {}).get("quality_answers") or []}
    answers = [Answer(q, q.number, q.text, given.pop(q.number, None)) for q in lot.questions.all()]
    answers += [Answer(None, number, "", text)
                for number, text in sorted(given.items(), key=lambda i: i[0] or 0)]
    return answers


def _prices(rates: dict[str, Decimal], bands, ceiling: Decimal, offered: dict[str, Decimal] | None):
    lines = []
    seen = set()
    for band, label, volume in bands:
        seen.add(band)
        rate = rates.get(band)
        line = PriceLine(band=band, label=label, rate=rate, volume=volume, ceiling=ceiling,
                         within=None if rate is None else rate <= ceiling,
                         below_by=None if rate is None else ceiling - rate)
        if offered is not None:
            line.offered = offered.get(band, ZERO)
            line.coverage = _percent(line.offered, volume)
        lines.append(line)
    for band in sorted(set(rates) - seen, key=band_order):
        rate = rates[band]
        lines.append(PriceLine(band=band, label=band_label(band), rate=rate, volume=None, ceiling=ceiling,
                               within=rate <= ceiling, below_by=ceiling - rate))
    return lines


def entry_review(entry: Entry) -> EntryReview:
    """Everything a bid's review page shows, for one lot: from the submitted snapshot (what the
    council received), plus live reference data about the members."""
    lot = review_lots(entry.lot.tender, pk=entry.lot_id)[0]
    tender = entry.lot.tender
    bands = lot_bands(lot)
    rates = {r.time_band: r.rate for r in entry.rates.all()}
    if entry.external_bid_id:
        return EntryReview(
            entry=entry, lot=lot, tender=tender, name=entry.external_bid.bidder_name, external=True,
            submission=None, intact=None, bands=bands, prices=_prices(rates, bands, lot.ceiling_rate, None),
            weighted_price=_weighted(rates, bands),
        )
    submission = entry.submission
    snapshot = submission.snapshot or {}
    part = snapshot_lot(submission, lot) or {}
    snap_rates = {p.get("time_band"): decimal_or_none(p.get("rate")) for p in part.get("prices") or []}
    snap_rates = {band: rate for band, rate in snap_rates.items() if rate is not None}
    members = part.get("members") or []
    codes = set(part.get("areas") or [])
    for m in members:
        codes.update(p.get("area") for p in m.get("parts") or [])
    councils = {c.code: c for c in Council.objects.filter(code__in=codes)}
    band_keys = [b for b, _l, _v in bands]
    extra = sorted({p.get("time_band") for m in members for p in m.get("parts") or []} - set(band_keys),
                   key=band_order)
    all_bands = bands + [(b, band_label(b), ZERO) for b in extra]
    band_index = {b: i for i, (b, _l, _v) in enumerate(all_bands)}
    # areas x bands: who delivers what
    area_codes = sorted(codes, key=lambda c: (councils[c].name if c in councils else c))
    grid = {code: [[] for _b in all_bands] for code in area_codes}
    offered: dict[str, Decimal] = defaultdict(lambda: ZERO)
    shares = []
    parts_by_member = []
    for m in members:
        name = m.get("trading_name") or m.get("legal_name") or ""
        total = ZERO
        for p in m.get("parts") or []:
            volume = decimal_or_none(p.get("volume_per_week")) or ZERO
            band = p.get("time_band")
            grid[p.get("area")][band_index[band]].append(Part(name, volume))
            offered[band] += volume
            total += volume
        shares.append(MemberShare(name=name, volume=total, percent=None))
        parts_by_member.append((name, m, m.get("parts") or []))
    whole = sum((s.volume for s in shares), ZERO)
    for i, share in enumerate(shares):
        share.percent = _percent(share.volume, whole)
        share.width = int((share.volume / whole * CHART_BAR_MAX) if whole else 0)
        share.y = i * CHART_ROW + 8
    areas = [AreaRow(area=councils[code].name if code in councils else code, code=code, cells=grid[code],
                     totals=[sum((p.volume for p in cell), ZERO) for cell in grid[code]])
             for code in area_codes]
    coops = _members_live(submission.bid.consortium_id, members)
    review = EntryReview(
        entry=entry, lot=lot, tender=tender, name=submission.bid.consortium.name, external=False,
        submission=submission, intact=verify(submission), bands=all_bands,
        prices=_prices(snap_rates, bands, lot.ceiling_rate, offered),
        weighted_price=_weighted(snap_rates, bands),
        areas=areas, band_totals=[offered.get(b, ZERO) for b, _l, _v in all_bands], shares=shares,
        chart={"width": CHART_LABEL_WIDTH + CHART_BAR_MAX + 80, "height": max(len(shares), 1) * CHART_ROW + 8,
               "bar_x": CHART_LABEL_WIDTH, "bar_max": CHART_BAR_MAX, "bar_height": 24,
               "value_x": CHART_LABEL_WIDTH + CHART_BAR_MAX + 8},
        capacity=_capacity(parts_by_member, coops, lot, councils),
        evidence=_cost_evidence(entry, lot),
        members=[_governance(m, coops.get(m.get("legal_name")), lot) for m in members],
        social_value=_social_value(snapshot.get("social_value") or []),
        answers=_answers(lot, part),
        consortium=snapshot.get("consortium") or {},
        version=submission.version, submitted_at=snapshot.get("submitted_at"),
        member_control=member_control_evidence(submission.bid.consortium),
    )
    return review


# --- the bids for a lot side by side -----------------------------------------------------------------

@dataclass
class CompareRow:
    entry: Entry | None
    score: object  # contracts.evaluation.engine.Score
    name: str
    external: bool
    intact: bool | None
    rates: list[Decimal | None]  # per band of the lot, in ``Comparison.bands`` order
    coverage: list[tuple[Decimal, Decimal | None]] | None  # (offered, %) per band; None: outside bid
    width: int = 0
    y: int = 0

    @property
    def missing_words(self) -> list[str]:
        """What the score still lacks, in words: price, social value, and how many quality
        questions (one count, not a phrase for each question)."""
        codes = list(self.score.missing)
        words = []
        if "price" in codes:
            words.append(_("price"))
        if "social_value" in codes:
            words.append(_("social value"))
        questions = sum(1 for code in codes if code not in ("price", "social_value"))
        if questions:
            words.append(ngettext("%(n)s quality question", "%(n)s quality questions", questions)
                         % {"n": questions})
        return words

    @property
    def cells(self) -> list[dict]:
        """Per band of the lot: the rate, and for joint bids the volume offered and its share."""
        return [{"rate": rate,
                 "offered": self.coverage[i][0] if self.coverage is not None else None,
                 "percent": self.coverage[i][1] if self.coverage is not None else None}
                for i, rate in enumerate(self.rates)]


@dataclass
class Comparison:
    lot: Lot
    bands: list[tuple[str, str, Decimal]]
    rows: list[CompareRow]
    chart: dict


def _offered(submission: BidSubmission, lot: Lot) -> dict[str, Decimal]:
    offered: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for m in (snapshot_lot(submission, lot) or {}).get("members") or []:
        for p in m.get("parts") or []:
            offered[p.get("time_band")] += decimal_or_none(p.get("volume_per_week")) or ZERO
    return offered


def lot_comparison(lot: Lot) -> Comparison:
    """Every bid for the lot with its rates, coverage and scores (``lot_scores``), rank order."""
    entries = lot_entries(lot)
    scores = lot_scores(lot, entries)
    by_key = {entry_key(e): e for e in entries}
    bands = lot_bands(lot)
    top = max((s.total for s in scores), default=ZERO)
    rows = []
    for i, score in enumerate(scores):
        entry = by_key.get(score.key)
        rates = {r.time_band: r.rate for r in entry.rates.all()} if entry else {}
        coverage = None
        if entry is not None and entry.submission_id:
            offered = _offered(entry.submission, lot)
            coverage = [(offered.get(b, ZERO), _percent(offered.get(b, ZERO), v)) for b, _l, v in bands]
        rows.append(CompareRow(
            entry=entry, score=score, name=score.name, external=bool(entry and entry.external_bid_id),
            intact=verify(entry.submission) if entry is not None and entry.submission_id else None,
            rates=[rates.get(b) for b, _l, _v in bands], coverage=coverage,
            width=int(score.total / top * CHART_BAR_MAX) if top else 0, y=i * CHART_ROW + 8,
        ))
    return Comparison(lot=lot, bands=bands, rows=rows, chart={
        "width": CHART_LABEL_WIDTH + CHART_BAR_MAX + 80, "height": max(len(rows), 1) * CHART_ROW + 8,
        "bar_x": CHART_LABEL_WIDTH, "bar_max": CHART_BAR_MAX, "bar_height": 24,
        "value_x": CHART_LABEL_WIDTH + CHART_BAR_MAX + 8,
    })
