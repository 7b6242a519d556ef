"""Benchmark: sharing council payments out to members (contracts.delivery.shares) for 1,000
members x 100 contracts (100,000 return lines: one invoice per contract, each member on each),
against a bare pandas computation of the same shares (the limit). Target: at most 2x it.

Each invoice is part paid (61% of its payable total, so that every line's share has pence to
round and the largest remainders decide). Both sides start from the same whole numbers (each
line's quantity in hundredths and its member's net rate in pence, each invoice's payable total
and payment in pence) and compute the same thing: entitlements, the fee's weight, the floored
shares, the pence left over placed by largest remainder with the same tie-break (members before
the fee, larger entitlement, smaller line id). The two results are checked equal.

Also printed, for the record (no target): ``shares.distribute`` on Decimal pounds, as the
service calls it for one payment, over the same 100 invoices.

In memory, no database. Prints figures and never fails the build: ``run()`` reports an error and
returns.
"""

from __future__ import annotations

import sys
import traceback
from decimal import Decimal
from pathlib import Path

from timing import best_of_each, say, setup_django

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 1_000
CONTRACTS = 100
REPEATS = 5
TARGET = 2.0
PART = 61  # % of each invoice paid




def run() -> None:
    try:
        _run()
    except Exception:  # noqa: BLE001 - a benchmark reports and returns
        say("The payment run benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)


def _data():
    import numpy as np

    rng = np.random.default_rng(13)
    n = MEMBERS * CONTRACTS
    invoice = np.repeat(np.arange(CONTRACTS, dtype=np.int64), MEMBERS)
    line = np.arange(1, n + 1, dtype=np.int64)
    quantity = rng.integers(0, 6000, size=n, dtype=np.int64)  # hundredths of an hour: 0 to 59.99
    rate = rng.integers(1800, 3200, size=CONTRACTS, dtype=np.int64)  # pence per hour
    net = rate - (rate * 850) // 10_000  # a fee of 8.5%, rounded down (bidding's net_rate)
    net_line = net[invoice]
    hours = np.add.reduceat(quantity, np.arange(0, n, MEMBERS))  # each invoice's one line
    payable = (hours * rate + 50) // 100  # hundredths x pence, to pence rounded half up
    paid = payable * PART // 100
    return invoice, line, quantity, net_line, net, rate, payable, paid


def _run() -> None:
    import numpy as np
    import pandas as pd

    setup_django()
    from contracts.delivery import shares

    invoice, line, quantity, net_line, net, rate, payable, paid = _data()
    starts = np.arange(0, MEMBERS * CONTRACTS, MEMBERS)
    q_parts = np.split(quantity, starts[1:])
    n_parts = np.split(net_line, starts[1:])
    id_parts = np.split(line, starts[1:])

    def ours():
        found = []
        for i in range(CONTRACTS):
            weights = q_parts[i] * n_parts[i]  # ten-thousandths of a pound
            owed, fee = shares.shares_in_pence(int(paid[i]), int(payable[i]), weights, id_parts[i])
            found.append((owed, fee))
        return found

    frame = pd.DataFrame({"invoice": invoice, "key": line, "q": quantity, "net": net_line})
    fees = pd.DataFrame({"invoice": np.arange(CONTRACTS), "key": -1, "q": 0, "net": 0})
    frame = pd.concat([frame, fees], ignore_index=True)
    frame["is_fee"] = (frame["key"] == -1).astype(np.int64)
    frame["paid"] = paid[frame["invoice"].to_numpy()]
    frame["denominator"] = payable[frame["invoice"].to_numpy()] * 100

    def bare():
        f = frame
        w = f["q"] * f["net"]
        member_sum = w.groupby(f["invoice"]).transform("sum")
        w = w.where(f["is_fee"] == 0, f["denominator"] - member_sum)
        numerator = w * f["paid"]
        floor = numerator // f["denominator"]
        remainder = numerator - floor * f["denominator"]
        left = f["paid"] - floor.groupby(f["invoice"]).transform("sum")
        key = f["key"].where(f["is_fee"] == 0, 0)
        order = pd.DataFrame({"invoice": f["invoice"], "r": -remainder, "fee": f["is_fee"], "w": -w,
                              "k": key}).sort_values(["invoice", "r", "fee", "w", "k"], kind="stable")
        rank = order.groupby("invoice").cumcount().reindex(f.index)
        return floor + (rank < left).astype(np.int64)

    got, limit = best_of_each(ours, bare, repeats=REPEATS)
    # The same shares on both sides, to the penny.
    expected = bare().to_numpy()
    found = ours()
    mine = np.concatenate([np.asarray(owed) for owed, _fee in found] + [np.array([fee for _o, fee in found])])
    assert np.array_equal(mine, expected), "the two computations disagree"

    def pounds(value) -> Decimal:
        return Decimal(int(value)).scaleb(-2)

    entitled = [[shares.Entitled(line=int(k), coop=j + 1, quantity=pounds(q), rate=pounds(rate[i]),
                                 net_rate=pounds(net[i]))
                 for j, (k, q) in enumerate(zip(id_parts[i], q_parts[i], strict=True))]
                for i in range(CONTRACTS)]

    def service():
        for i in range(CONTRACTS):
            shares.distribute(payment=pounds(paid[i]), payable=pounds(payable[i]), lines=entitled[i])

    decimal_seconds = best_of_each(service, repeats=REPEATS)[0]
    lines = MEMBERS * CONTRACTS
    ratio = got / limit
    say(f"6. Payment distribution: {MEMBERS:,} members x {CONTRACTS} contracts ({lines:,} return lines, "
        f"each invoice {PART}% paid)")
    say(f"   contracts.delivery.shares (numpy, exact int64): {got * 1000:.1f} ms")
    say(f"   bare pandas computation of the same shares:      {limit * 1000:.1f} ms")
    say(f"   ratio {ratio:.2f}x (target: at most {TARGET:.0f}x) -> {'met' if ratio <= TARGET else 'NOT met'}")
    say(f"   for the record: shares.distribute on Decimal pounds, as the service calls it: "
        f"{decimal_seconds * 1000:.0f} ms ({decimal_seconds / limit:.2f}x the bare pandas)")


if __name__ == "__main__":
    run()
