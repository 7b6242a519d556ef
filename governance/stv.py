"""Single transferable vote, counted as the Scottish Local Government Elections Order 2007
counts it (SSI 2007/42, schedule 1, rules 45 to 53). Pure: no Django, no database.

The method, step by step:

- **Quota** (Droop): the total value of the valid ballots divided by one more than the seats,
  rounded down, plus one. A ballot is valid when it ranks at least one candidate who stands.
- **First stage**: each ballot counts, at its weight, for its first preference.
- After every stage, each continuing candidate whose votes reach the quota is **elected**, the
  most votes first.
- **Surplus transfer** (the weighted inclusive Gregory method of rule 48): while a surplus is
  untransferred, the largest is transferred first. Every ballot the candidate holds goes to its
  next continuing preference at the transfer value ``surplus x value of the ballot when received
  / candidate's total votes``, worked to five decimal places with the remainder ignored. What
  is not transferred (ballots with no further continuing preference, and the remainders) is
  non-transferable. The candidate keeps the quota.
- **Exclusion**: when no surplus is left to transfer, the continuing candidate with the fewest
  votes is excluded and each of their ballots goes to its next continuing preference at the
  value at which it was received.
- When the continuing candidates are no more than the seats still to fill, they are all elected
  (most votes first) and no further transfer is made (the Order's filling of the last
  vacancies): so an exclusion that leaves exactly that many continuing candidates moves no
  ballots.

**Ties** (the rule stated here, after the statutory counts that look forward from the first
stage, such as the Irish rules' "the first count at which the candidates had an unequal number
of votes"): between equal surpluses, or equal lowest candidates, the votes at each earlier stage
are looked at, from the first stage on, and the first stage at which the tied candidates had
unequal votes decides (the larger surplus goes first; the fewer votes is excluded). Where they
were equal at every stage, the count draws lots, here a deterministic lot: the candidate whose
SHA-256 of ``"<seed>:<stage>:<candidate id>"`` is the smallest is drawn (to go first, or to be
excluded). The seed is the election's id, so a recount gives the same result; the count sheet
notes every lot drawn. Candidates reaching the quota at the same stage are declared in order of
votes, ties broken the same way. The order of the ballots never matters (sums of decimals are exact).

**Reserved seats** (the consortium's own rule, not the Order's): the rules may reserve seats for
classes of member (a candidate's class is the type of the co-op that nominated them). A class's
*unfilled need* is its reserved seats less those of its candidates already elected, but never
more than its continuing candidates (a reservation nobody stands for cannot be filled and
lapses). Then:

- a candidate who reaches the quota is elected only if their class has an unfilled need, or
  if electing them still leaves at least as many seats as the total unfilled need;
- whenever the seats still to fill equal the total unfilled need (and it is not nil), every
  continuing candidate whose class has no unfilled need is excluded at once, in one stage
  (their ballots are transferred as in an exclusion);
- when the lowest candidate is to be excluded, candidates whose class needs every one of its
  continuing candidates for its reserved seats are passed over: the lowest of the others goes.

So the count never elects more than the seats, and elects ``min(seats, candidates)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

METHOD = "scottish_stv_2007"
PLACES = Decimal("0.00001")
ZERO = Decimal("0")


def truncate(value: Decimal) -> Decimal:
    """To five decimal places, any remainder ignored."""
    return value.quantize(PLACES, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Ballot:
    """A ranked ballot: candidate ids, first preference first, and its weight."""

    ranking: tuple[str, ...]
    weight: Decimal = Decimal("1")


@dataclass
class Stage:
    number: int
    kind: str  # "first_preferences", "surplus", "exclusion"
    candidates: list[str] = field(default_factory=list)  # whose surplus, or who are excluded
    transfer_value: Decimal | None = None  # of a surplus with ballots of one value
    transferred: bool = True
    reason: str = ""  # "reserved_seats" for an exclusion the reserved seats force
    votes: dict[str, Decimal] = field(default_factory=dict)
    non_transferable: Decimal = ZERO  # cumulative, at the end of the stage
    elected: list[str] = field(default_factory=list)
    lots: list[str] = field(default_factory=list)  # candidates a lot was drawn between

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "kind": self.kind,
            "candidates": list(self.candidates),
            "transfer_value": None if self.transfer_value is None else str(self.transfer_value),
            "transferred": self.transferred,
            "reason": self.reason,
            "votes": {c: str(v) for c, v in self.votes.items()},
            "non_transferable": str(self.non_transferable),
            "elected": list(self.elected),
            "lots": list(self.lots),
        }


@dataclass
class Result:
    seats: int
    quota: Decimal
    valid_votes: Decimal
    candidates: list[str]
    classes: dict[str, str]
    reserved_seats: dict[str, int]
    elected: list[str]
    stages: list[Stage]
    seed: str

    def as_json(self) -> dict:
        """The count sheet as JSON (decimals as strings)."""
        return {
            "method": METHOD,
            "seats": self.seats,
            "quota": str(self.quota),
            "valid_votes": str(self.valid_votes),
            "candidates": list(self.candidates),
            "classes": dict(self.classes),
            "reserved_seats": dict(self.reserved_seats),
            "elected": list(self.elected),
            "seed": self.seed,
            "unopposed": False,
            "stages": [s.as_json() for s in self.stages],
        }


class _Count:
    def __init__(self, *, seats: int, candidates: Mapping[str, str], ballots: Iterable[Ballot],
                 reserved_seats: Mapping[str, int] | None, seed: str) -> None:
        if seats < 1:
            raise ValueError("seats must be at least 1")
        self.seats = seats
        self.classes = {str(c): str(k or "") for c, k in candidates.items()}
        self.order = sorted(self.classes)
        self.reserved = {str(k): int(n) for k, n in (reserved_seats or {}).items() if int(n) > 0}
        self.seed = str(seed)
        self.papers: list[tuple[tuple[str, ...], Decimal]] = []
        for ballot in ballots:
            ranking: list[str] = []
            for c in ballot.ranking:
                c = str(c)
                if c in self.classes and c not in ranking:
                    ranking.append(c)
            weight = Decimal(ballot.weight)
            if ranking and weight > 0:
                self.papers.append((tuple(ranking), weight))
        self.valid = sum((w for _, w in self.papers), ZERO)
        self.quota = (self.valid / (seats + 1)).to_integral_value(rounding=ROUND_DOWN) + 1
        # each paper: [ranking, position of its current preference, current value]
        self.held: dict[str, list[list]] = {c: [] for c in self.order}
        self.votes: dict[str, Decimal] = {c: ZERO for c in self.order}
        self.continuing: set[str] = set(self.order)
        self.elected: list[str] = []
        self.excluded: set[str] = set()
        self.pending: list[str] = []  # elected, surplus not yet transferred
        self.non_transferable = ZERO
        self.stages: list[Stage] = []

    # --- helpers ---------------------------------------------------------------------------

    def _place(self, paper: list, start: int) -> str | None:
        ranking = paper[0]
        for i in range(start, len(ranking)):
            if ranking[i] in self.continuing:
                paper[1] = i
                return ranking[i]
        return None

    def _lot_key(self, candidate: str) -> str:
        return hashlib.sha256(f"{self.seed}:{len(self.stages)}:{candidate}".encode()).hexdigest()

    def _rank(self, tied: list[str], *, highest: bool, stage: Stage) -> list[str]:
        """Order tied candidates: by the first stage at which they had unequal votes (higher
        first if ``highest``), then by lot."""
        def key(c: str) -> tuple:
            history = tuple(s.votes.get(c, ZERO) for s in self.stages)
            return tuple(-v for v in history) if highest else history
        groups: dict[tuple, list[str]] = {}
        for c in tied:
            groups.setdefault(key(c), []).append(c)
        ordered: list[str] = []
        for k in sorted(groups):
            group = groups[k]
            if len(group) > 1:
                stage.lots.extend(c for c in sorted(group) if c not in stage.lots)
            ordered.extend(sorted(group, key=self._lot_key))
        return ordered

    def _order_by_votes(self, cands: Sequence[str], *, stage: Stage, highest: bool = True) -> list[str]:
        """Most votes first (or fewest first), ties broken by ``_rank``."""
        by_votes: dict[Decimal, list[str]] = {}
        for c in cands:
            by_votes.setdefault(self.votes[c], []).append(c)
        ordered: list[str] = []
        for v in sorted(by_votes, reverse=highest):
            group = by_votes[v]
            ordered.extend(self._rank(group, highest=highest, stage=stage) if len(group) > 1 else group)
        return ordered

    def _remaining(self) -> int:
        return self.seats - len(self.elected)

    def _need(self) -> dict[str, int]:
        need: dict[str, int] = {}
        for k, n in self.reserved.items():
            filled = sum(1 for c in self.elected if self.classes[c] == k)
            standing = sum(1 for c in self.continuing if self.classes[c] == k)
            if min(n - filled, standing) > 0:
                need[k] = min(n - filled, standing)
        return need

    def _excludable(self) -> list[str]:
        """Continuing candidates who may be excluded: not those every one of whom their class
        needs for its reserved seats (unless all are such)."""
        need = self._need()
        standing: dict[str, int] = {}
        for c in self.continuing:
            standing[self.classes[c]] = standing.get(self.classes[c], 0) + 1
        free = sorted(c for c in self.continuing
                      if need.get(self.classes[c], 0) < standing[self.classes[c]])
        return free or sorted(self.continuing)

    def _snapshot(self, stage: Stage) -> None:
        stage.votes = {c: self.votes[c] for c in self.order}
        stage.non_transferable = self.non_transferable

    def _elect(self, candidate: str, stage: Stage) -> None:
        self.continuing.discard(candidate)
        self.elected.append(candidate)
        stage.elected.append(candidate)
        if self.votes[candidate] > self.quota:
            self.pending.append(candidate)

    # --- the count -------------------------------------------------------------------------

    def _elect_at_quota(self, stage: Stage) -> None:
        reached = [c for c in self.continuing if self.votes[c] >= self.quota]
        for c in self._order_by_votes(reached, stage=stage):
            if self._remaining() == 0:
                return
            need = self._need()
            if need.get(self.classes[c], 0) > 0 or self._remaining() - 1 >= sum(need.values()):
                self._elect(c, stage)

    def _transfer(self, papers: list[list], *, value_of) -> Decimal:
        """Move papers to their next continuing preference; returns the value moved."""
        moved = ZERO
        for paper in papers:
            value = value_of(paper)
            to = self._place(paper, paper[1] + 1)
            if to is None or value <= 0:
                continue
            paper[2] = value
            self.held[to].append(paper)
            self.votes[to] += value
            moved += value
        return moved

    def _surplus_stage(self, candidate: str) -> Stage:
        stage = Stage(number=len(self.stages) + 1, kind="surplus", candidates=[candidate])
        total = self.votes[candidate]
        surplus = total - self.quota
        papers = self.held[candidate]
        self.held[candidate] = []
        values = {p[2] for p in papers}
        if len(values) == 1:
            stage.transfer_value = truncate(surplus * values.pop() / total)
        moved = self._transfer(papers, value_of=lambda p: truncate(surplus * p[2] / total))
        self.non_transferable += surplus - moved
        self.votes[candidate] = self.quota
        return stage

    def _exclusion_stage(self, candidates: list[str], *, reason: str = "") -> Stage:
        stage = Stage(number=len(self.stages) + 1, kind="exclusion", candidates=list(candidates),
                      reason=reason)
        for c in candidates:
            self.continuing.discard(c)
            self.excluded.add(c)
        if len(self.continuing) <= self._remaining():
            stage.transferred = False  # the last seats are filled without a transfer
            return stage
        for c in candidates:
            papers = self.held[c]
            self.held[c] = []
            total = self.votes[c]
            moved = self._transfer(papers, value_of=lambda p: p[2])
            self.non_transferable += total - moved
            self.votes[c] = ZERO
        return stage

    def run(self) -> Result:
        first = Stage(number=1, kind="first_preferences")
        for ranking, weight in self.papers:
            paper = [ranking, 0, weight]
            to = self._place(paper, 0)
            self.held[to].append(paper)
            self.votes[to] += weight
        self._snapshot(first)
        self.stages.append(first)
        stage = first
        while True:
            self._elect_at_quota(stage)
            if self._remaining() == 0:
                break
            if len(self.continuing) <= self._remaining():
                for c in self._order_by_votes(sorted(self.continuing), stage=stage):
                    self._elect(c, stage)
                break
            need = self._need()
            if need and sum(need.values()) >= self._remaining():
                barred = sorted(c for c in self.continuing if self.classes[c] not in need)
                if barred:
                    stage = self._exclusion_stage(barred, reason="reserved_seats")
                    self._snapshot(stage)
                    self.stages.append(stage)
                    continue
            if self.pending:
                by_surplus: dict[Decimal, list[str]] = {}
                for c in self.pending:
                    by_surplus.setdefault(self.votes[c] - self.quota, []).append(c)
                largest = by_surplus[max(by_surplus)]
                probe = Stage(number=len(self.stages) + 1, kind="surplus")
                candidate = (self._rank(largest, highest=True, stage=probe)[0]
                             if len(largest) > 1 else largest[0])
                self.pending.remove(candidate)
                stage = self._surplus_stage(candidate)
                stage.lots = probe.lots
            else:
                probe = Stage(number=len(self.stages) + 1, kind="exclusion")
                lowest = self._order_by_votes(self._excludable(), stage=probe, highest=False)[0]
                stage = self._exclusion_stage([lowest])
                stage.lots = probe.lots
            self._snapshot(stage)
            self.stages.append(stage)
        return Result(seats=self.seats, quota=self.quota, valid_votes=self.valid,
                      candidates=list(self.order), classes=dict(self.classes),
                      reserved_seats=dict(self.reserved), elected=list(self.elected),
                      stages=self.stages, seed=self.seed)


def count(*, seats: int, candidates: Mapping[str, str], ballots: Iterable[Ballot],
          reserved_seats: Mapping[str, int] | None = None, seed: str = "") -> Result:
    """Count an election for ``seats`` seats. ``candidates`` maps each candidate's id to their
    class (``""`` for none); ``ballots`` rank candidate ids (ids not standing are skipped, as are
    repeats); ``reserved_seats`` maps a class to its reserved seats; ``seed`` draws the lots."""
    return _Count(seats=seats, candidates=candidates, ballots=ballots,
                  reserved_seats=reserved_seats, seed=seed).run()
