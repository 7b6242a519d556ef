"""The seal of an accepted return: the SHA-256 of its canonical content (pure).

What is sealed is what the member returned and the coordinator accepted: the sub-contract, the
period, each line's area, time band, quantity and the period it corrects (if any), and the
visits' counts and call monitoring file's hash. A remittance names the seal of the return it
pays, so anyone holding the return can check that what was paid is what was accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contracts.bidding.sealing import canonical_json, sha256_of

COUNTS = ("visits_planned", "visits_delivered", "visits_missed", "visits_late", "visits_short")


def return_content(*, subcontract_id: int, period: tuple[str, str], counts: Mapping[str, int],
                   lines: Iterable[Mapping[str, Any]], visits_file_sha256: str = "") -> dict:
    """The canonical content of a return. ``lines`` hold ``council`` (a code), ``time_band``,
    ``quantity`` (a string with two places) and ``adjusts`` (the corrected period's first day, or
    None); they are sorted here, so the order they come in does not matter."""
    return {
        "subcontract": subcontract_id,
        "period": list(period),
        "counts": {name: int(counts[name]) for name in COUNTS},
        "lines": sorted(({"council": str(x["council"]), "time_band": str(x["time_band"]),
                          "quantity": str(x["quantity"]),
                          "adjusts": None if x.get("adjusts") is None else str(x["adjusts"])}
                         for x in lines),
                        key=lambda x: (x["adjusts"] or "", x["council"], x["time_band"])),
        "visits_file_sha256": visits_file_sha256,
    }


def seal_of(content: Mapping[str, Any]) -> str:
    return sha256_of(canonical_json(content))
