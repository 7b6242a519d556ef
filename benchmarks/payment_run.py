"""Benchmark: sharing council payments out to members (contracts.delivery.shares) for 1,000
members x 100 contracts (100,000 return lines: one invoice per contract, each member on each),
against a bare pandas computation of the same shares (the limit). Target: at most 2x it.

Each invoice is part paid (61% of its payable total, so that every line's share has pence to
round and the largest remainders decide).

What is timed is what the product runs: ``shares.distribute`` as the service
(``contracts.delivery.services.payments.payment_record``) calls it, once per invoice, from what
it hands it (the ``Entitled`` lines in Decimal, as ``selectors.payments.entitled_lines`` builds
them: quantities to the hundredth, one net rate object per invoice line shared by its return
lines; the payment and payable total in Decimal pounds) to what it writes (a Decimal remittance
per line and the fee). The bare side starts from the same data as a pandas frame (made before
the timing, in whole numbers: quantities in hundredths, net rates and totals in pence) and
computes the same thing: entitlements, the fee's weight, the floored shares, the pence left over
placed by largest remainder with the same tie-break (members before the fee, larger entitlement,
smaller line id), in whole pence. The two results are checked equal, to the penny.

Also printed, for the record (no target): the whole-number core alone
(``shares.shares_in_pence`` on int64 arrays prepared outside the timing), which the service
does not call directly.

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

    def pounds(value) -> Decimal:
        return Decimal(int(value)).scaleb(-2)

    # As the selector builds them: one net rate (and rate) object per invoice line, shared.
    entitled = []
    for i in range(CONTRACTS):
        rate_i, net_i = pounds(rate[i]), pounds(net[i])
        ids, quantities = id_parts[i].tolist(), q_parts[i].tolist()
        entitled.append([shares.Entitled(line=k, coop=j + 1, quantity=pounds(q), rate=rate_i, net_rate=net_i)
                         for j, (k, q) in enumerate(zip(ids, quantities, strict=True))])
    payments = [(pounds(paid[i]), pounds(payable[i])) for i in range(CONTRACTS)]

    def ours():
        return [shares.distribute(payment=payment, payable=total, lines=lines)
                for (payment, total), lines in zip(payments, entitled, strict=True)]

    def core():
        found = []
        for i in range(CONTRACTS):
            weights = q_parts[i] * n_parts[i]  # ten-thousandths of a pound
            found.append(shares.shares_in_pence(int(paid[i]), int(payable[i]), weights, id_parts[i]))
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

    got, limit, core_seconds = best_of_each(ours, bare, core, repeats=REPEATS)
    # The same shares on both sides, to the penny.
    expected = bare().to_numpy()
    found = ours()
    mine = np.array([shares.pence(v) for d in found for v in d.remittances.values()]
                    + [shares.pence(d.fee) for d in found], dtype=np.int64)
    assert np.array_equal(mine, expected), "the two computations disagree"
    assert all(d.total == d.payment for d in found), "remittances and fee do not add up to the payment"

    lines = MEMBERS * CONTRACTS
    ratio = got / limit
    say(f"6. Payment distribution: {MEMBERS:,} members x {CONTRACTS} contracts ({lines:,} return lines, "
        f"each invoice {PART}% paid)")
    say(f"   shares.distribute as the service calls it (Decimal lines in, Decimal shares out): "
        f"{got * 1000:.1f} ms")
    say(f"   bare pandas computation of the same shares (whole numbers in a frame):          "
        f"{limit * 1000:.1f} ms")
    say(f"   ratio {ratio:.2f}x (target: at most {TARGET:.0f}x) -> {'met' if ratio <= TARGET else 'NOT met'}")
    say(f"   for the record: the whole-number core alone (shares_in_pence on int64 arrays): "
        f"{core_seconds * 1000:.1f} ms ({core_seconds / limit:.2f}x the bare pandas)")


if __name__ == "__main__":
    run()
