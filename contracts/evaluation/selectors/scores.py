"""The scores of a lot's bids, computed from the stored entries, agreed marks and social value
scores by ``contracts.evaluation.engine.score_lot`` (never typed in, never stored except when an award
freezes them). Callers check access first: these read whatever lot they are given."""

from __future__ import annotations

from decimal import Decimal

from contracts.evaluation.engine import Candidate, Score, Weights, score_lot
from contracts.models import Entry, Lot


def entry_key(entry: Entry) -> str:
    """A stable key for an entry in scores: "entry-<pk>"."""
    return f"entry-{entry.pk}"


def lot_entries(lot: Lot) -> list[Entry]:
    return list(
        Entry.objects.filter(lot=lot)
        .select_related("submission__bid__consortium", "external_bid", "social_value_score")
        .prefetch_related("rates", "moderated_marks")
        .order_by("pk")
    )


def lot_candidates(lot: Lot, entries: list[Entry] | None = None) -> list[Candidate]:
    entries = lot_entries(lot) if entries is None else entries
    candidates = []
    for entry in entries:
        sv = getattr(entry, "social_value_score", None)
        candidates.append(Candidate(
            key=entry_key(entry), name=entry.bidder_name,
            rates={r.time_band: r.rate for r in entry.rates.all()},
            marks={m.question_id: m.mark for m in entry.moderated_marks.all()},
            social_value=None if sv is None else sv.percent,
        ))
    return candidates


def lot_scores(lot: Lot, entries: list[Entry] | None = None) -> list[Score]:
    """Every bid for the lot, scored and ranked (highest total first)."""
    volumes = {v.time_band: Decimal(v.volume) for v in lot.volumes.all()}
    questions = {q.pk: q.max_marks for q in lot.questions.all()}
    weights = Weights(lot.price_weight, lot.quality_weight, lot.social_value_weight)
    return score_lot(weights=weights, volumes=volumes, questions=questions,
                     candidates=lot_candidates(lot, entries))
