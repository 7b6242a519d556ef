"""Scoped reads of quality marking: a reviewer's own mark sheet, the others' marks once they may
see them, the lead reviewer's moderation grid and who has submitted.

Who sees what:
- a lot's pages are for the reviewers of the tender's council after the submission deadline
  (``contracts.evaluation.selectors.review.review_lot_get_for_user``: 404 for anyone else, and before it);
- a mark sheet: reviewers on the tender's panel (another reviewer of the council: 403). Until a
  reviewer has submitted their own sheet for the lot they see their own marks only; afterwards
  also the marks of every other sheet that has been submitted (a sheet still being written is
  its reviewer's alone, always);
- the moderation grid, agreed marks and social value scores: the lead reviewer (other panel
  members: 403); the grid shows the reviewers' marks only once the lead's own sheet is
  submitted, like anyone else's view of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.models import User
from consortium.numbers import plain
from contracts.bidding.sealing import verify
from contracts.evaluation.engine import Score
from contracts.evaluation.selectors.review import is_lead, is_panel_member, panel_of, review_lot_get_for_user
from contracts.evaluation.selectors.scores import entry_key, lot_entries, lot_scores
from contracts.models import (
    Award,
    AwardStatus,
    Entry,
    Lot,
    LotStatus,
    MarkSheet,
    ModeratedMark,
    QualityMark,
    QualityQuestion,
    SocialValueHeading,
    TenderStatus,
)

# A spread of marks at least this share of the question's maximum is flagged for discussion.
WIDE_SPREAD = Decimal("0.3")


def reviewer_name(user: User) -> str:
    return user.get_full_name() or user.username


# --- access -------------------------------------------------------------------------------------

def marking_lot_get_for_user(user: User, pk) -> Lot:
    """A lot whose mark sheet the user may open: 404 unless the user may review the tender, 403
    unless they are on its panel."""
    lot = review_lot_get_for_user(user, pk)
    if not is_panel_member(user, lot.tender):
        raise PermissionDenied
    return lot


def moderation_lot_get_for_user(user: User, pk) -> Lot:
    """A lot whose moderation grid the user may open: 404 unless the user may review the tender,
    403 unless they are the panel's lead reviewer."""
    lot = review_lot_get_for_user(user, pk)
    if not is_lead(user, lot.tender):
        raise PermissionDenied
    return lot


def open_for_scoring(lot: Lot) -> bool:
    """Marks, agreed marks and social value scores may change: the tender is in evaluation and
    the lot is undecided (``contracts.evaluation.services.scoring`` enforces it; pages hide their forms)."""
    return (lot.tender.status == TenderStatus.IN_EVALUATION and lot.status == LotStatus.CLOSED
            and not Award.objects.filter(lot=lot).exclude(status=AwardStatus.CANCELLED).exists())


def entry_of_lot(lot: Lot, pk) -> Entry | None:
    try:
        return Entry.objects.filter(lot=lot).select_related(
            "submission__bid__consortium", "external_bid").get(pk=pk)
    except (Entry.DoesNotExist, ValueError, TypeError, OverflowError):
        return None


def question_of_lot(lot: Lot, pk) -> QualityQuestion | None:
    try:
        return QualityQuestion.objects.get(lot=lot, pk=pk)
    except (QualityQuestion.DoesNotExist, ValueError, TypeError, OverflowError):
        return None


# --- shapes -------------------------------------------------------------------------------------

@dataclass
class ReviewerMark:
    reviewer_id: int
    reviewer: str
    mark: int
    comment: str


@dataclass
class SheetCell:
    entry_id: int
    question: QualityQuestion
    answer: str | None  # the bid's answer from its snapshot; None: none held (outside bids)
    mark: int | None
    comment: str
    others: list[ReviewerMark] = field(default_factory=list)  # empty unless the viewer may see them

    @property
    def mark_name(self) -> str:
        return f"mark-{self.entry_id}-{self.question.pk}"

    @property
    def comment_name(self) -> str:
        return f"comment-{self.entry_id}-{self.question.pk}"


@dataclass
class SheetBid:
    entry: Entry
    name: str
    external: bool
    intact: bool | None  # the snapshot still matches its SHA-256 (None: an outside bid, no snapshot)
    cells: list[SheetCell]


@dataclass
class Progress:
    reviewer_id: int
    name: str
    is_lead: bool
    submitted_at: object  # datetime | None
    marked: int
    of: int


@dataclass
class MySheet:
    lot: Lot
    sheet: MarkSheet | None
    questions: list[QualityQuestion]
    bids: list[SheetBid]
    others_visible: bool
    progress: list[Progress]
    editable: bool  # open for marking and not yet submitted

    @property
    def submitted_at(self):
        return self.sheet.submitted_at if self.sheet else None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def marked(self) -> int:
        return sum(1 for b in self.bids for c in b.cells if c.mark is not None)

    @property
    def total(self) -> int:
        return len(self.bids) * len(self.questions)


# --- helpers ------------------------------------------------------------------------------------

def _answers(entry: Entry, lot: Lot) -> dict[int, str]:
    """The bid's quality answers for the lot by question number, from its submitted snapshot."""
    if entry.submission_id is None:
        return {}
    for item in (entry.submission.snapshot or {}).get("lots", []):
        if item.get("number") == lot.number:
            return {a.get("question"): a.get("answer", "") for a in item.get("quality_answers", [])}
    return {}


def _questions(lot: Lot) -> list[QualityQuestion]:
    """The lot's questions by number (prefetched by the access helper)."""
    return sorted(lot.questions.all(), key=lambda q: q.number)


def _submitted_marks(lot: Lot, *, exclude: User | None = None) -> dict[tuple[int, int], list[ReviewerMark]]:
    """Marks of the submitted sheets for the lot, by (entry, question); sheets still being written
    are never read here."""
    qs = (QualityMark.objects.filter(sheet__lot=lot, sheet__submitted_at__isnull=False)
          .select_related("sheet__reviewer").order_by("sheet__reviewer__username", "pk"))
    if exclude is not None:
        qs = qs.exclude(sheet__reviewer=exclude)
    found: dict[tuple[int, int], list[ReviewerMark]] = {}
    for m in qs:
        found.setdefault((m.entry_id, m.question_id), []).append(
            ReviewerMark(m.sheet.reviewer_id, reviewer_name(m.sheet.reviewer), m.mark, m.comment))
    return found


def progress(lot: Lot, *, entries: int | None = None, questions: int | None = None) -> list[Progress]:
    """Every reviewer on the panel: whether they have submitted their sheet for the lot and how
    many of its cells (bids x questions) they have marked. Never a mark itself."""
    entries = Entry.objects.filter(lot=lot).count() if entries is None else entries
    questions = QualityQuestion.objects.filter(lot=lot).count() if questions is None else questions
    sheets = {s.reviewer_id: s for s in MarkSheet.objects.filter(lot=lot).annotate(marked=Count("marks"))}
    rows = []
    for member in panel_of(lot.tender):
        sheet = sheets.get(member.reviewer_id)
        rows.append(Progress(
            reviewer_id=member.reviewer_id, name=reviewer_name(member.reviewer), is_lead=member.is_lead,
            submitted_at=sheet.submitted_at if sheet else None, marked=sheet.marked if sheet else 0,
            of=entries * questions,
        ))
    return rows


def others_visible(lot: Lot, user: User) -> bool:
    """The user may see the other reviewers' marks for the lot: they have submitted their own."""
    return MarkSheet.objects.filter(lot=lot, reviewer=user, submitted_at__isnull=False).exists()


# --- the reviewer's sheet -----------------------------------------------------------------------

def my_sheet(lot: Lot, user: User) -> MySheet:
    """The user's own sheet for the lot: every bid x question with the bid's answer and the user's
    mark and comment; and, once the user's sheet is submitted, the other submitted marks."""
    questions = _questions(lot)
    entries = lot_entries(lot)
    sheet = MarkSheet.objects.filter(lot=lot, reviewer=user).first()
    mine = {} if sheet is None else {
        (m.entry_id, m.question_id): m for m in QualityMark.objects.filter(sheet=sheet)}
    visible = bool(sheet and sheet.submitted_at)
    others = _submitted_marks(lot, exclude=user) if visible else {}
    bids = []
    for entry in entries:
        answers = _answers(entry, lot)
        external = entry.external_bid_id is not None
        cells = []
        for q in questions:
            m = mine.get((entry.pk, q.pk))
            cells.append(SheetCell(
                entry_id=entry.pk, question=q, answer=None if external else answers.get(q.number),
                mark=m.mark if m else None, comment=m.comment if m else "",
                others=others.get((entry.pk, q.pk), []),
            ))
        bids.append(SheetBid(entry=entry, name=entry.bidder_name, external=external,
                             intact=None if external else verify(entry.submission), cells=cells))
    return MySheet(lot=lot, sheet=sheet, questions=questions, bids=bids, others_visible=visible,
                   progress=progress(lot, entries=len(entries), questions=len(questions)),
                   editable=not visible and open_for_scoring(lot))


# --- the lead reviewer's moderation grid ----------------------------------------------------------

def median(marks: list[int]) -> Decimal | None:
    if not marks:
        return None
    ordered = sorted(marks)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


@dataclass
class ModerationCell:
    entry_id: int
    question: QualityQuestion
    marks: list[ReviewerMark]
    agreed: ModeratedMark | None

    @property
    def spread(self) -> int | None:
        values = [m.mark for m in self.marks]
        return max(values) - min(values) if values else None

    @property
    def median(self) -> Decimal | None:
        return median([m.mark for m in self.marks])

    @property
    def suggested(self) -> int | None:
        """The median, rounded half up to a whole mark: a starting point, never set by itself."""
        value = self.median
        return None if value is None else int(value.quantize(Decimal(1), ROUND_HALF_UP))

    @property
    def wide(self) -> bool:
        return self.spread is not None and self.spread > 0 and \
            Decimal(self.spread) >= WIDE_SPREAD * self.question.max_marks

    @property
    def mark_name(self) -> str:
        return f"agreed-{self.entry_id}-{self.question.pk}"

    @property
    def reason_name(self) -> str:
        return f"reason-{self.entry_id}-{self.question.pk}"


@dataclass
class ModerationBid:
    entry: Entry
    key: str
    name: str
    external: bool
    cells: list[ModerationCell]
    social_value: object  # SocialValueScore | None
    commitments: list[dict]  # the bid's social value commitments from its snapshot

    @property
    def sv_name(self) -> str:
        return f"sv-{self.entry.pk}"

    @property
    def sv_reason_name(self) -> str:
        return f"sv_reason-{self.entry.pk}"


@dataclass
class Moderation:
    lot: Lot
    questions: list[QualityQuestion]
    bids: list[ModerationBid]
    progress: list[Progress]
    marks_visible: bool  # the viewer (the lead) has submitted their own sheet
    scores: list[Score]
    editable: bool  # open for scoring (the tender in evaluation, the lot undecided)

    @property
    def waiting(self) -> list[Progress]:
        return [p for p in self.progress if p.submitted_at is None]

    @property
    def ready(self) -> bool:
        """Agreed marks may be set: every reviewer on the panel has submitted."""
        return bool(self.progress) and not self.waiting

    @property
    def agreed(self) -> int:
        return sum(1 for b in self.bids for c in b.cells if c.agreed is not None)

    @property
    def total(self) -> int:
        return len(self.bids) * len(self.questions)


def moderation(lot: Lot, viewer: User) -> Moderation:
    """The lead's grid: per bid and question every submitted mark with its comment, the spread,
    the median and the suggested mark, and the agreed mark; each bid's social value score; the
    live scores and ranks of the lot. Reviewers' marks are left out until the viewer has
    submitted their own sheet."""
    questions = _questions(lot)
    entries = lot_entries(lot)
    visible = others_visible(lot, viewer)
    marks = _submitted_marks(lot) if visible else {}
    agreed = {(m.entry_id, m.question_id): m
              for m in ModeratedMark.objects.filter(entry__lot=lot).select_related("moderated_by")}
    bids = []
    for entry in entries:
        cells = [ModerationCell(entry_id=entry.pk, question=q, marks=marks.get((entry.pk, q.pk), []),
                                agreed=agreed.get((entry.pk, q.pk))) for q in questions]
        snapshot = entry.submission.snapshot if entry.submission_id else {}
        bids.append(ModerationBid(
            entry=entry, key=entry_key(entry), name=entry.bidder_name,
            external=entry.external_bid_id is not None,
            cells=cells, social_value=getattr(entry, "social_value_score", None),
            commitments=[_commitment(c) for c in (snapshot or {}).get("social_value", [])],
        ))
    return Moderation(lot=lot, questions=questions, bids=bids,
                      progress=progress(lot, entries=len(entries), questions=len(questions)),
                      marks_visible=visible, scores=lot_scores(lot, entries), editable=open_for_scoring(lot))


def _commitment(item: dict) -> dict:
    heading = item.get("heading", "")
    label = SocialValueHeading(heading).label if heading in SocialValueHeading.values else heading
    return {**item, "heading_label": str(label)}


# --- live scores ----------------------------------------------------------------------------------

@dataclass
class ScoreRow:
    score: Score
    entry: Entry | None
    workings: dict[str, str]  # each score's formula with its figures, in the page's language
    missing: list[str]  # what is not scored yet, in words


def score_rows(grid: Moderation) -> list[ScoreRow]:
    """The live scores of the lot, highest total first, each with its workings in words."""
    lot = grid.lot
    by_key = {b.key: b.entry for b in grid.bids}
    numbers = {q.pk: q.number for q in grid.questions}
    prices = [s.price for s in grid.scores if s.price is not None and s.price > 0]
    lowest = min(prices) if prices else None
    rows = []
    for s in grid.scores:
        workings = {}
        if s.price is None or lowest is None:
            workings["price"] = _("no rate for every time band the lot asks for: 0")
        else:
            workings["price"] = _("lowest %(lowest)s ÷ this %(price)s × %(weight)s = %(score)s") % {
                "lowest": formatting.money(lowest), "price": formatting.money(s.price),
                "weight": lot.price_weight, "score": s.price_score}
        workings["quality"] = _("%(marks)s of %(max)s agreed marks × %(weight)s = %(score)s") % {
            "marks": s.quality_marks, "max": s.quality_max, "weight": lot.quality_weight,
            "score": s.quality_score}
        if s.social_value_percent is None:
            workings["social_value"] = _("not scored yet: 0")
        else:
            workings["social_value"] = _("%(percent)s%% × %(weight)s = %(score)s") % {
                "percent": plain(s.social_value_percent), "weight": lot.social_value_weight,
                "score": s.social_value_score}
        workings["total"] = f"{s.price_score} + {s.quality_score} + {s.social_value_score} = {s.total}"
        missing = []
        for code in s.missing:
            if code == "price":
                missing.append(_("a rate for every time band"))
            elif code == "social_value":
                missing.append(_("the social value score"))
            elif code.startswith("question:"):
                missing.append(_("the agreed mark for question %(n)s")
                               % {"n": numbers.get(int(code.split(":", 1)[1]), "?")})
        rows.append(ScoreRow(score=s, entry=by_key.get(s.key), workings=workings, missing=missing))
    return rows
