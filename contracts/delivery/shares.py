"""How one council payment is shared out: each member's remittance per return line, and the fee
the consortium keeps, to the penny (pure: no database).

What is owed. An invoice's payable total ``T`` is its total less its credit notes. Behind its
live (not credited) lines are the accepted returns' lines; a member is entitled, for each, to
its quantity x its net rate (the contract rate less the management fee, see
``contracts.bidding.selectors.bids.net_rate``). The fee is what is left: ``T`` less every
entitlement (so it also takes the rounding of the invoice's lines to the penny).

A payment ``P`` is shared pro rata: a line gets ``P x entitlement / T``, the fee ``P x fee / T``.
These exact shares are floored to the penny, and the pence left over (fewer than there are
shares) go one each by **largest remainder**. Tie-break, for equal remainders: members' lines
before the fee, then the larger entitlement first, then the return line's id ascending. Hence
remittances + fee = ``P``, exactly, always.

Part payments are shared **cumulatively**: what the invoice has been paid so far, this payment
included, is shared as above, and each line gets that share less what earlier payments already
gave it. Successive part payments that complete ``T`` therefore pay every line exactly its
full-payment share (its entitlement, rounded as a single full payment rounds it), and the fee
its own. A line that is no longer owed (credited after an earlier payment paid part of it) is
taken back by the next payment (a negative remittance), and a tiny part payment may move the
odd rounding penny from one line to another (-1p on one, +1p on another): a line's running
total is never a penny off its exact share.

Arithmetic is exact, in whole numbers: pounds to the penny are pence, quantities and rates to
the hundredth make entitlements in ten-thousandths of a pound. numpy does it in int64 when every
product fits (always, below £10m on an invoice), else Python's integers do.

Speed (a payment shares itself over every return line behind the invoice, thousands of them):
``distribute`` turns the lines' Decimals into whole numbers column by column rather than one
Python step per line: quantities written to the penny (as the database gives them) are joined as
text, checked in bulk to be exactly ``-?digits.dd`` and read by numpy; any other is scaled exactly
(``Context.scaleb`` then ``int``, checked whole) by C-level maps; a net rate is converted once
however many lines share it; only the shares that can take a leftover penny are sorted; and the
shares come back as Decimals made by one C-level map. ``benchmarks/payment_run.py`` measures it,
as the service calls it, against a bare pandas computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation, Rounded
from itertools import repeat
from operator import attrgetter, ne

import numpy as np

PENNY = Decimal("0.01")
FEE = -1  # the fee's key among the lines' ids (return line ids are positive)
_INT64_SAFE = 2**62
# Scaling by a power of ten is exact below 100 digits; anything else raises rather than rounds.
_EXACT = Context(prec=100, traps=[InvalidOperation, Inexact, Rounded])
_LINE, _QUANTITY, _NET_RATE = attrgetter("line"), attrgetter("quantity"), attrgetter("net_rate")


@dataclass(frozen=True)
class Entitled:
    """One return line behind a live invoice line: what its member is owed for it."""

    line: int  # the return line's id
    coop: int
    quantity: Decimal
    rate: Decimal  # the contract's rate (the invoice line's)
    net_rate: Decimal  # the member's: the rate less the fee

    @property
    def entitlement(self) -> Decimal:
        return self.quantity * self.net_rate


@dataclass(frozen=True)
class Distribution:
    """One payment shared: the remittance per return line (may include lines credited since an
    earlier payment, taken back), and the fee retained."""

    payment: Decimal
    remittances: dict[int, Decimal] = field(default_factory=dict)
    fee: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return sum(self.remittances.values(), Decimal("0.00")) + self.fee


def pence(amount: Decimal) -> int:
    """£ to whole pence; refuses a fraction of a penny (ValueError)."""
    scaled = Decimal(amount) * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence")
    return int(scaled)


def _all_hundredths(values: Sequence[Decimal]) -> list[int]:
    """Each value (to the hundredth at most) in hundredths, column-wise; ValueError otherwise."""
    try:
        scaled = list(map(_EXACT.scaleb, values, repeat(2)))
        whole = list(map(int, scaled))
    except (ArithmeticError, TypeError):
        raise ValueError("a quantity or a rate is not a number to the hundredth") from None
    if any(map(ne, scaled, whole)):
        bad = next(v for v, s, w in zip(values, scaled, whole, strict=True) if s != w)
        raise ValueError(f"{bad} has more than two decimal places")
    return whole


_DIGIT_0, _DIGIT_9, _COMMA, _MINUS, _POINT = (ord(c) for c in "09,-.")


def _hundredths_array(values: Iterable[Decimal], n: int) -> np.ndarray | None:
    """The fast way to ``_all_hundredths`` for the ``n`` Decimals written to the penny (``12.34``,
    as a DecimalField with two places reads them): their text joined, checked in bulk to be
    exactly ``-?digits.dd`` each (at most 16 characters), and read as whole hundredths by numpy.
    None when any value is written otherwise (then the exact general way applies)."""
    text = ",".join(map(str, values))
    if not text.isascii():
        return None
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    commas = np.flatnonzero(raw == _COMMA)
    ends = np.append(commas, raw.size)
    points = np.flatnonzero(raw == _POINT)
    if commas.size != n - 1 or points.size != n or not np.all(ends - points == 3):
        return None  # each value has one point, two digits before its end
    if int((ends - np.append(0, commas + 1)).max()) > 16:
        return None
    digits = (raw >= _DIGIT_0) & (raw <= _DIGIT_9)
    if not np.all(digits | (raw == _COMMA) | (raw == _MINUS) | (raw == _POINT)):
        return None  # no exponent, no NaN
    found = np.fromstring(text.replace(".", ""), dtype=np.int64, sep=",")
    return found if found.size == n else None


def _weights(lines: Sequence[Entitled]) -> np.ndarray | list[int]:
    """Each line's entitlement (quantity x net rate, both to the hundredth) in ten-thousandths
    of a pound: an int64 array when every product fits, else a list of Python integers. A net
    rate shared by many lines (one per invoice line) is converted once."""
    if not lines:
        return []
    rates = list(map(_NET_RATE, lines))
    distinct = list(dict.fromkeys(rates))
    by_rate = dict(zip(distinct, _all_hundredths(distinct), strict=True))
    top_rate = max(map(abs, by_rate.values()))
    net: np.ndarray | int = (by_rate[distinct[0]] if len(distinct) == 1
                             else np.array(list(map(by_rate.__getitem__, rates)), dtype=np.int64))
    fast = _hundredths_array(map(_QUANTITY, lines), len(lines))
    if fast is not None and int(np.abs(fast).max()) * top_rate < _INT64_SAFE:
        return fast * net
    exact = _all_hundredths(list(map(_QUANTITY, lines)))
    if max(map(abs, exact)) * top_rate < _INT64_SAFE:
        return np.array(exact, dtype=np.int64) * net
    net_each = list(map(by_rate.__getitem__, rates))
    return [q * r for q, r in zip(exact, net_each, strict=True)]


def weights_of(lines: Sequence[Entitled]) -> list[int]:
    """Each line's entitlement (quantity x net rate, both to the hundredth) in ten-thousandths
    of a pound."""
    weights = _weights(lines)
    return weights.tolist() if isinstance(weights, np.ndarray) else weights


def _pounds(p: int) -> Decimal:
    return _EXACT.scaleb(p, -2)


def _all_pounds(pence_each: Iterable[int]) -> map:
    return map(_EXACT.scaleb, pence_each, repeat(-2))


def allocate(amount: int, weights: Sequence[int] | np.ndarray, keys: Sequence[int] | np.ndarray
             ) -> list[int]:
    """Share ``amount`` (whole pence) in proportion to ``weights`` (whole numbers, any unit;
    their sum must not be 0), each exact share floored and the pence left over placed by largest
    remainder; ties: key ``FEE`` (-1) after the others, then the larger weight, then the smaller key.
    Returns the pence of each, in order; they add up to ``amount``."""
    n = len(weights)
    if n == 0:
        return []
    try:
        w = np.asarray(weights, dtype=np.int64)
    except OverflowError:  # a weight beyond int64: Python's integers below
        w = None
    if w is not None and int(np.abs(w).max()) * max(n, abs(amount)) < _INT64_SAFE:
        total = int(w.sum())
        if total == 0:
            raise ValueError("nothing to share in proportion to")
        if total < 0:  # negative in all: the same shares, with a positive divisor
            w, total = -w, -total
        numerators = w * np.int64(amount)
        floors = numerators // total
        remainders = numerators - floors * total  # 0 <= r < total
        left = int(amount - int(floors.sum()))
        if left:
            # Only the shares whose remainder is at least the left-th largest can take a penny:
            # those are ordered (the rest would come after them in the full order).
            behind = -remainders
            if left < n:
                candidates = np.flatnonzero(behind <= np.partition(behind, left - 1)[left - 1])
            else:
                candidates = np.arange(n)
            k = np.asarray(keys, dtype=np.int64)[candidates]
            fee_last = (k == FEE).astype(np.int64)
            key = np.where(k == FEE, 0, k)
            order = np.lexsort((key, -w[candidates], fee_last, behind[candidates]))
            floors[candidates[order[:left]]] += 1
        return floors.tolist()
    total = sum(int(x) for x in weights)
    if total == 0:
        raise ValueError("nothing to share in proportion to")
    sign = -1 if total < 0 else 1
    total *= sign
    weights = [int(x) * sign for x in weights]
    keys = [int(k) for k in keys]
    floors_py = [(w * amount) // total for w in weights]
    remainders_py = [w * amount - f * total for w, f in zip(weights, floors_py, strict=True)]
    left = amount - sum(floors_py)
    order = sorted(range(n), key=lambda i: (-remainders_py[i], keys[i] == FEE, -weights[i],
                                            0 if keys[i] == FEE else keys[i]))
    for i in order[:left]:
        floors_py[i] += 1
    return floors_py


def shares_in_pence(paid: int, payable: int, weights: np.ndarray | Sequence[int],
                    line_ids: np.ndarray | Sequence[int]) -> tuple[list[int], int]:
    """What ``paid`` pence of an invoice whose payable total is ``payable`` pence owes each line
    (``weights``: its entitlement in ten-thousandths of a pound) and the fee: (pence of each
    line, in order; the fee's pence). The arithmetic core, on whole numbers."""
    if isinstance(weights, np.ndarray):
        fee_weight = payable * 100 - int(weights.sum())
        all_weights = np.append(weights, np.int64(fee_weight)) if abs(fee_weight) < _INT64_SAFE else [
            *(int(w) for w in weights), fee_weight]
        keys = np.append(np.asarray(line_ids, dtype=np.int64), np.int64(FEE))
    else:
        fee_weight = payable * 100 - sum(weights)
        all_weights, keys = [*weights, fee_weight], [*line_ids, FEE]
    found = allocate(paid, all_weights, keys)
    return found[:-1], int(found[-1])


def cumulative_shares(paid: int, payable: int, lines: Sequence[Entitled]) -> tuple[dict[int, int], int]:
    """What ``paid`` pence of an invoice whose payable total is ``payable`` pence owes each line
    and the fee, in pence: (pence by return line id, the fee's pence)."""
    line_ids = list(map(_LINE, lines))
    owed, fee = shares_in_pence(paid, payable, _weights(lines), line_ids)
    return dict(zip(line_ids, owed, strict=True)), fee


def distribute(*, payment: Decimal, payable: Decimal, lines: Sequence[Entitled],
               paid_before: Decimal = Decimal(0), remitted_before: Mapping[int, Decimal] | None = None,
               ) -> Distribution:
    """Share ``payment`` of an invoice whose payable total is ``payable`` (total less credit
    notes), already paid ``paid_before`` of which ``remitted_before`` went to each return line:
    cumulatively (the module's docstring). Remittances + fee = ``payment`` exactly."""
    p, t, before = pence(payment), pence(payable), pence(paid_before)
    if t <= 0:
        raise ValueError("nothing is payable on this invoice")
    line_ids = list(map(_LINE, lines))
    owed, _fee = shares_in_pence(before + p, t, _weights(lines), line_ids)
    if remitted_before:
        given = {line_id: pence(amount) for line_id, amount in remitted_before.items() if amount}
        owed = [share - given.get(line_id, 0) for line_id, share in zip(line_ids, owed, strict=True)]
        owing = set(line_ids)
        gone = [(line_id, -amount) for line_id, amount in given.items() if line_id not in owing]
        line_ids += [line_id for line_id, _amount in gone]  # credited since: taken back
        owed += [amount for _line_id, amount in gone]
    remittances = dict(zip(line_ids, _all_pounds(owed), strict=True))
    if len(remittances) == len(owed):
        fee = p - sum(owed)
    else:  # a line listed twice: its last share stands, as in a dict
        fee = p - sum(dict(zip(line_ids, owed, strict=True)).values())
    return Distribution(payment=_pounds(p), remittances=remittances, fee=_pounds(fee))


def full_shares(payable: Decimal, lines: Iterable[Entitled]) -> tuple[dict[int, Decimal], Decimal]:
    """What a single payment of the whole ``payable`` gives each line and the fee (£)."""
    owed, fee = cumulative_shares(pence(payable), pence(payable), list(lines))
    return {k: _pounds(v) for k, v in owed.items()}, _pounds(fee)
