"""Evidence of member control, from what happened: pure functions over plain data.

Nothing here reads the database; ``governance/selectors/evidence.py`` gathers the rows (meetings,
attendance, proxies, motions, votes, ballots, board terms, the register's history) into the plain
values below and calls these functions, so each figure can be tested on its own.

The figures:
- the last annual general meeting held, and whether it came within the rules' longest gap
  (``agm_interval_months``, 15 by default) of the one before it, and of today;
- the turnout of the last general meeting held: member co-ops present (attendance) or
  represented (a proxy whose holder was present), over the electorate fixed when it opened;
- motions proposed by member co-ops in the last 12 months, out of all motions in that time;
- the last counted election: candidates standing against seats (contested when more candidates
  than seats) and seats filled;
- board seats held now, by class;
- the share of active member co-ops that voted at least once (a motion vote or an election
  ballot) in the last 12 months.

The indicators are read from the register (which co-ops are active members, their type and
workforce) and the rules (how votes are weighted):
- user-led: the share of a general meeting's votes that user-led member co-ops hold under the
  rules in force (one member one vote: their number over all active members; weighted by class:
  the user-led class's weight over the weights of the classes that have active members), at
  least 51%;
- type B: of the workers of the active type B social co-ops, the share from disadvantaged
  groups, at least 30% (no type B member or no workers: not applicable);
- social co-ops: the share of active members that are social co-ops, at least the consortium's
  threshold (70% by default).

When each indicator was last true (``last_true``): the register keeps every version of each
member co-op (its history); replaying those versions in order, with the rules version in force
at each moment, gives the register as it stood after every change. If the indicator holds now it
is "true now"; otherwise the last state in which it held is found, and the date is the day of
the change that ended it (the last day on which it held, for at least part of the day). If it
never held in the recorded history, there is no date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from members.models import CoopType, MembershipStatus, SocialCoopType
from members.selectors import TYPE_B_DISADVANTAGED_THRESHOLD, USER_LED_THRESHOLD

BY_CLASS = "by_class"
HUNDRED = Decimal("100")
ONE_PLACE = Decimal("0.1")
YEAR_MONTHS = 12


# --- dates ------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), held to the month's last day (31 Jan + 1 month
    is 28 or 29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within_months(earlier: dt.date, later: dt.date, months: int) -> bool:
    """Whether ``later`` is no more than ``months`` calendar months after ``earlier``."""
    return later <= add_months(earlier, months)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` over ``whole`` as a percentage to one place; None when ``whole`` is nothing."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(ONE_PLACE)


# --- general meetings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    """A general meeting that was held (opened), as the evidence needs it."""

    pk: int
    title: str
    kind: str
    held_on: dt.date
    electorate: int | None = None
    present: frozenset[int] = frozenset()  # co-ops with an attendance
    proxies: dict[int, int] = field(default_factory=dict)  # co-op -> the co-op holding its proxy


@dataclass(frozen=True)
class AgmEvidence:
    last: MeetingFacts | None
    previous: MeetingFacts | None
    interval_months: int
    # the last AGM came within the interval of the one before it (None: no previous AGM)
    within_previous: bool | None
    # the interval has not run out since the last AGM (False when no AGM was ever held)
    within_today: bool
    due_by: dt.date | None  # the last day the next AGM may be held


def agm_evidence(annual: Sequence[MeetingFacts], today: dt.date, interval_months: int) -> AgmEvidence:
    """The last AGM held on or before ``today`` and its gaps (``annual``: AGMs held, any order)."""
    held = sorted((m for m in annual if m.held_on <= today), key=lambda m: (m.held_on, m.pk))
    last = held[-1] if held else None
    previous = held[-2] if len(held) > 1 else None
    if last is None:
        return AgmEvidence(None, None, interval_months, None, False, None)
    due_by = add_months(last.held_on, interval_months)
    within_previous = None if previous is None else within_months(
        previous.held_on, last.held_on, interval_months)
    return AgmEvidence(last, previous, interval_months, within_previous, today <= due_by, due_by)


@dataclass(frozen=True)
class Turnout:
    meeting: MeetingFacts
    present: int
    represented: int
    electorate: int | None
    percent: Decimal | None

    @property
    def taking_part(self) -> int:
        return self.present + self.represented


def turnout(meeting: MeetingFacts) -> Turnout:
    """Member co-ops present, or represented by a proxy whose holder was present, over the
    electorate fixed when the meeting opened (a co-op counts once)."""
    represented = {coop for coop, holder in meeting.proxies.items()
                   if holder in meeting.present and coop not in meeting.present}
    total = len(meeting.present) + len(represented)
    return Turnout(meeting, len(meeting.present), len(represented), meeting.electorate,
                   percent(total, meeting.electorate) if meeting.electorate else None)


# --- motions, elections, board, voting -----------------------------------------------------------


@dataclass(frozen=True)
class MotionFacts:
    on: dt.date  # the day of the meeting it was put to
    by_member: bool  # proposed by a member co-op (not by the board or coordinator)


@dataclass(frozen=True)
class MotionEvidence:
    by_members: int
    total: int
    percent: Decimal | None
    since: dt.date


def year_before(today: dt.date) -> dt.date:
    return add_months(today, -YEAR_MONTHS)


def motion_evidence(motions: Iterable[MotionFacts], today: dt.date) -> MotionEvidence:
    """Motions put to meetings in the 12 months to ``today``, and how many members proposed."""
    since = year_before(today)
    recent = [m for m in motions if since < m.on <= today]
    by_members = sum(1 for m in recent if m.by_member)
    return MotionEvidence(by_members, len(recent), percent(by_members, len(recent)), since)


@dataclass(frozen=True)
class ElectionFacts:
    pk: int
    held_on: dt.date
    meeting_title: str
    seats: int
    candidates: int  # nominations standing (not withdrawn)
    elected: int


@dataclass(frozen=True)
class ElectionEvidence:
    election: ElectionFacts
    contested: bool
    seats_filled: int
    seats_empty: int


def election_evidence(elections: Sequence[ElectionFacts], today: dt.date) -> ElectionEvidence | None:
    """The last counted election on or before ``today``: contested when more candidates stood
    than there were seats."""
    held = sorted((e for e in elections if e.held_on <= today), key=lambda e: (e.held_on, e.pk))
    if not held:
        return None
    last = held[-1]
    filled = min(last.elected, last.seats)
    return ElectionEvidence(last, last.candidates > last.seats, filled, last.seats - filled)


@dataclass(frozen=True)
class TermFacts:
    seat_class: str
    starts_on: dt.date
    ends_on: dt.date
    ended_on: dt.date | None = None


def current_terms(terms: Iterable[TermFacts], today: dt.date) -> list[TermFacts]:
    """Terms running on ``today``: started, not past their last day, not ended early."""
    return [t for t in terms if t.starts_on <= today <= t.ends_on
            and (t.ended_on is None or t.ended_on > today)]


def seats_by_class(terms: Iterable[TermFacts], today: dt.date) -> list[tuple[str, int]]:
    """Board seats held on ``today`` per class ("" for a seat of no class), in the order of the
    co-op types, unclassed last."""
    counts: dict[str, int] = {}
    for term in current_terms(terms, today):
        counts[term.seat_class] = counts.get(term.seat_class, 0) + 1
    order = [*CoopType.values, ""]
    return sorted(counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


@dataclass(frozen=True)
class VotingEvidence:
    voted: int
    members: int
    percent: Decimal | None
    since: dt.date


def voting_evidence(votes: Iterable[tuple[int, dt.date]], members: Iterable[int],
                    today: dt.date) -> VotingEvidence:
    """Of the active member co-ops (``members``), how many cast a motion vote or an election
    ballot (``votes``: (co-op, day)) in the 12 months to ``today``."""
    since = year_before(today)
    members = set(members)
    voted = {coop for coop, day in votes if since < day <= today} & members
    return VotingEvidence(len(voted), len(members), percent(len(voted), len(members)), since)


# --- the indicators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberState:
    """A member co-op as the register held it at one moment."""

    coop_id: int
    status: str
    coop_type: str
    social_coop_type: str
    total_workers: int = 0
    disadvantaged_workers: int = 0


@dataclass(frozen=True)
class RulesState:
    """The part of one rules version the indicators read."""

    version: int
    weighting: str
    class_weights: dict
    adopted_at: dt.datetime | None = None


def _active(members: Iterable[MemberState]) -> list[MemberState]:
    return [m for m in members if m.status == MembershipStatus.ACTIVE]


def user_led_share(members: Iterable[MemberState], rules: RulesState) -> Decimal | None:
    """The share of general-meeting votes held by user-led member co-ops under ``rules``."""
    active = _active(members)
    if not active:
        return None
    if rules.weighting == BY_CLASS and rules.class_weights:
        present = {m.coop_type for m in active}
        weights = {kind: Decimal(str(w)) for kind, w in rules.class_weights.items() if kind in present}
        whole = sum(weights.values(), Decimal("0"))
        return percent(weights.get(CoopType.USER_LED, Decimal("0")), whole)
    return percent(sum(1 for m in active if m.coop_type == CoopType.USER_LED), len(active))


def type_b_share(members: Iterable[MemberState], rules: RulesState | None = None) -> Decimal | None:
    """Of the workers of active type B social co-ops, the share from disadvantaged groups."""
    type_b = [m for m in _active(members) if m.social_coop_type == SocialCoopType.B]
    return percent(sum(m.disadvantaged_workers for m in type_b), sum(m.total_workers for m in type_b))


def social_coop_share(members: Iterable[MemberState], rules: RulesState | None = None) -> Decimal | None:
    """The share of active members that are social co-ops (type A or B)."""
    active = _active(members)
    return percent(sum(1 for m in active if m.social_coop_type != SocialCoopType.NONE), len(active))


USER_LED = "user_led"
TYPE_B = "type_b"
SOCIAL_COOPS = "social_coops"

MEASURES: dict[str, Callable[[Iterable[MemberState], RulesState], Decimal | None]] = {
    USER_LED: user_led_share,
    TYPE_B: type_b_share,
    SOCIAL_COOPS: social_coop_share,
}


def thresholds(social_coop_threshold: Decimal) -> dict[str, Decimal]:
    return {USER_LED: USER_LED_THRESHOLD, TYPE_B: TYPE_B_DISADVANTAGED_THRESHOLD,
            SOCIAL_COOPS: Decimal(social_coop_threshold)}


def holds(share: Decimal | None, threshold: Decimal) -> bool:
    return share is not None and share >= threshold


@dataclass(frozen=True)
class RegisterChange:
    """One version of a member co-op from the register's history: ``state`` None when the row
    was deleted."""

    at: dt.datetime
    coop_id: int
    state: MemberState | None


def register_states(changes: Iterable[RegisterChange], rules: Sequence[RulesState],
                    until: dt.datetime) -> list[tuple[dt.datetime, list[MemberState], RulesState]]:
    """The register and the rules in force after every change up to ``until``, oldest first
    (changes at the same moment are one step). ``rules`` need ``adopted_at``; a rules version
    adopted is a change too."""
    events: list[tuple[dt.datetime, int, object]] = [(c.at, 1, c) for c in changes if c.at <= until]
    events += [(r.adopted_at, 0, r) for r in rules if r.adopted_at is not None and r.adopted_at <= until]
    events.sort(key=lambda e: (e[0], e[1]))
    ordered_rules = sorted(rules, key=lambda r: r.version)
    in_force = ordered_rules[0] if ordered_rules else RulesState(1, "", {})
    register: dict[int, MemberState] = {}
    states: list[tuple[dt.datetime, list[MemberState], RulesState]] = []
    for i, (at, _order, event) in enumerate(events):
        if isinstance(event, RulesState):
            if event.version >= in_force.version:
                in_force = event
        elif event.state is None:
            register.pop(event.coop_id, None)
        else:
            register[event.coop_id] = event.state
        if i + 1 < len(events) and events[i + 1][0] == at:
            continue
        states.append((at, list(register.values()), in_force))
    return states


def last_true(states: Sequence[tuple[dt.datetime, list[MemberState], RulesState]],
              measure: Callable[[Iterable[MemberState], RulesState], Decimal | None],
              threshold: Decimal, tz: dt.tzinfo) -> tuple[bool, dt.date | None]:
    """(held in the last state, the last day it held if it does not hold now). The states are
    those of ``register_states``; the last one is the register now."""
    if not states:
        return False, None
    if holds(measure(states[-1][1], states[-1][2]), threshold):
        return True, None
    for i in range(len(states) - 2, -1, -1):
        _at, members, rules = states[i]
        if holds(measure(members, rules), threshold):
            return False, states[i + 1][0].astimezone(tz).date()
    return False, None


@dataclass(frozen=True)
class Indicator:
    code: str
    share: Decimal | None
    threshold: Decimal
    holds: bool
    true_now: bool
    last_true_on: dt.date | None  # when not true now: the last day it held (None: never)
    applicable: bool = True


def indicator(code: str, members: list[MemberState], rules: RulesState, threshold: Decimal,
              states: Sequence[tuple[dt.datetime, list[MemberState], RulesState]],
              now: dt.datetime) -> Indicator:
    """One indicator at ``now`` (``members`` and ``rules`` as they stand) with when it was last
    true. The register as it stands decides whether it holds; the history decides only the date
    (were a change made without leaving history, the date is ``now``'s)."""
    measure = MEASURES[code]
    share = measure(members, rules)
    true_now = holds(share, threshold)
    last = None
    if not true_now:
        _held, last = last_true([*states, (now, members, rules)], measure, threshold, now.tzinfo)
    applicable = not (code == TYPE_B and share is None)
    return Indicator(code, share, threshold, true_now, true_now, last, applicable)
