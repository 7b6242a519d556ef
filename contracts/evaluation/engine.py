"""Scoring the bids for one lot: a pure computation (no models, no database).

The usual public-sector method, each number traceable to its inputs:

- **price**: each bid's price is its rates weighted by the lot's weekly volume per time band
  (pounds per unit, the cost of one average unit of the lot). The lowest price scores the full
  price weight; any other scores ``lowest / this x weight``;
- **quality**: the agreed (moderated) marks over the maximum marks of the lot's questions, times
  the quality weight; a question without an agreed mark counts as 0 and is reported as missing;
- **social value**: the lead reviewer's score (a percentage) times the social value weight;
- **total**: the sum; bids are ranked by total, highest first. Equal totals share a rank; the
  order among them is then by price (lower first), then by name, so the listing is stable.

Figures are exact ``Decimal`` throughout and rounded to two places only when shown: each score is
rounded once, and the total is the sum of the unrounded scores, rounded once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Weights:
    price: int
    quality: int
    social_value: int

    def __post_init__(self):
        if min(self.price, self.quality, self.social_value) < 0:
            raise ValueError("weights cannot be negative")
        if self.price + self.quality + self.social_value != 100:
            raise ValueError("the price, quality and social value weights must sum to 100")


@dataclass(frozen=True)
class Candidate:
    """One bid for the lot. ``rates`` per time band; ``marks`` agreed marks per question id;
    ``social_value`` the percentage the lead reviewer gave (None: not scored yet)."""

    key: str
    name: str
    rates: Mapping[str, Decimal]
    marks: Mapping[int, int] = field(default_factory=dict)
    social_value: Decimal | None = None


@dataclass(frozen=True)
class Score:
    key: str
    name: str
    price: Decimal | None  # weighted rate, pounds per unit (None: it prices no band of the lot)
    price_score: Decimal
    quality_marks: int
    quality_max: int
    quality_score: Decimal
    social_value_percent: Decimal | None
    social_value_score: Decimal
    total: Decimal
    rank: int
    # what is not yet scored, as plain codes: "price", "question:<id>", "social_value"
    missing: tuple[str, ...]
    workings: Mapping[str, str]  # each score's formula with its figures

    def as_dict(self) -> dict:
        """JSON-ready (figures as strings), for freezing an award's scores."""
        return {
            "key": self.key, "name": self.name,
            "price": None if self.price is None else str(money(self.price)),
            "price_score": str(self.price_score), "quality_marks": self.quality_marks,
            "quality_max": self.quality_max, "quality_score": str(self.quality_score),
            "social_value_percent": (None if self.social_value_percent is None
                                     else str(self.social_value_percent)),
            "social_value_score": str(self.social_value_score), "total": str(self.total), "rank": self.rank,
            "missing": list(self.missing), "workings": dict(self.workings),
        }


def weighted_price(rates: Mapping[str, Decimal], volumes: Mapping[str, Decimal]) -> Decimal | None:
    """Pounds per unit of the lot's weekly mix: sum(rate x volume) / sum(volume) over the bands
    the lot asks for. None when a band the lot asks for has no rate (the bid is incomplete)."""
    asked = {band: Decimal(v) for band, v in volumes.items() if Decimal(v) > 0}
    whole = sum(asked.values(), ZERO)
    if whole <= 0 or any(rates.get(band) is None for band in asked):
        return None
    return sum((Decimal(rates[band]) * volume for band, volume in asked.items()), ZERO) / whole


def score_lot(*, weights: Weights, volumes: Mapping[str, Decimal], questions: Mapping[int, int],
              candidates: Iterable[Candidate]) -> list[Score]:
    """Score and rank every candidate for one lot. ``questions`` maps question id to its maximum
    marks; ``volumes`` the lot's weekly volume per time band."""
    candidates = list(candidates)
    keys = [c.key for c in candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("each candidate needs its own key")
    prices = {c.key: weighted_price(c.rates, volumes) for c in candidates}
    priced = [p for p in prices.values() if p is not None and p > 0]
    lowest = min(priced) if priced else None
    quality_max = sum(questions.values())
    rows = []
    for c in candidates:
        missing: list[str] = []
        workings: dict[str, str] = {}
        price = prices[c.key]
        if price is None or lowest is None:
            missing.append("price")
            price_exact = ZERO
            workings["price"] = "no price for every time band the lot asks for: 0"
        else:
            price_exact = lowest / price * weights.price
            workings["price"] = f"{money(lowest)} / {money(price)} x {weights.price} = {money(price_exact)}"
        marks = 0
        for question, most in sorted(questions.items()):
            mark = c.marks.get(question)
            if mark is None:
                missing.append(f"question:{question}")
                continue
            if not 0 <= mark <= most:
                raise ValueError(f"mark {mark} for question {question} is outside 0 to {most}")
            marks += mark
        quality_exact = (Decimal(marks) / Decimal(quality_max) * weights.quality) if quality_max else ZERO
        workings["quality"] = f"{marks} / {quality_max} x {weights.quality} = {money(quality_exact)}"
        if c.social_value is None:
            missing.append("social_value")
            social_exact = ZERO
            workings["social_value"] = "not scored yet: 0"
        else:
            percent = Decimal(c.social_value)
            if not ZERO <= percent <= HUNDRED:
                raise ValueError("a social value score is a percentage from 0 to 100")
            social_exact = percent / HUNDRED * weights.social_value
            workings["social_value"] = f"{percent}% x {weights.social_value} = {money(social_exact)}"
        total_exact = price_exact + quality_exact + social_exact
        workings["total"] = (f"{money(price_exact)} + {money(quality_exact)} + {money(social_exact)} "
                             f"= {money(total_exact)}")
        rows.append((c, price, price_exact, marks, quality_exact, social_exact, total_exact, missing,
                     workings))
    rows.sort(key=lambda r: (-r[6], r[1] if r[1] is not None else Decimal("Infinity"), r[0].name, r[0].key))
    scores = []
    rank = 0
    previous = None
    for position, (c, price, price_exact, marks, quality_exact, social_exact, total_exact, missing,
                   workings) in enumerate(rows, start=1):
        if previous is None or money(total_exact) != previous:
            rank = position
            previous = money(total_exact)
        scores.append(Score(
            key=c.key, name=c.name, price=price, price_score=money(price_exact), quality_marks=marks,
            quality_max=quality_max, quality_score=money(quality_exact),
            social_value_percent=None if c.social_value is None else Decimal(c.social_value),
            social_value_score=money(social_exact), total=money(total_exact), rank=rank,
            missing=tuple(missing), workings=workings,
        ))
    return scores
