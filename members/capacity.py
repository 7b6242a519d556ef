"""Members' capacity, its one owner: what a co-op declares it can deliver, what is committed to
awarded work, what live bids reserve, what is left, and the locks that keep those true when
many people write at once. No other module writes a declaration's rows or locks them.

Per scope (a co-op x service type x council x time band, ``Scope``), on its current declaration:

- declared: what the member says it can deliver. ``capacity_declare`` records one scope; the
  bulk import (``members.importing``) parses its cells, then checks every row by the rules here
  (the ``*_refusal`` functions, so a form, the API and an import row refuse the same input with
  the same message) and writes through ``declare_rows``. A new declaration supersedes the
  current one: rows are never overwritten.
- committed: work won, held by contracts' live sub-contract lines. Only ``commit`` (and
  ``uncommit``, when a contract ends or its volume is varied down) change it, under the locks.
  It carries over to the scope's next declaration, which may not declare less.
- reserved: the live shares of joint bids' allocations. Members knows nothing of bids: the
  caller passes, as an argument, a function that reads what is reserved elsewhere
  (``ReservedElsewhere``). ``reserve`` calls it only once the locks are held, so the figure
  cannot move before the caller's transaction ends. (A reservation source registered by
  contracts when the apps are ready would do the same through global state; the one caller
  passing what it knows is simpler, and keeps the lock order here.)
- available: declared, less committed, less reserved elsewhere; never below nothing
  (``Supply.available``; ``available`` reads it without locks, for pages).

Lock protocol. Race: two writers reading the same free capacity (two contracts, two bids, a
contract and a re-declaration) would each think it is theirs. Every write of capacity takes,
in one transaction and in this order:

1. the caller's own row (a bid, a contract, an allocation job): writers of one thing queue
   there; nobody takes one of these after a lock of step 2 or 3;
2. the co-ops' rows, in primary-key order (``capacity_declare``, the import, ``commit``,
   ``uncommit``, ``lock_current``): a declaration supersedes the current one of its scope
   under its co-op's lock, so a writer that waited here then reads the newest declaration,
   and the first declaration of a scope is serialised too;
3. the scopes' current declarations, in primary-key order (every writer but a declaration);
then it reads, checks and writes. Same order everywhere, so no two writers deadlock.
Reservations (``reserve``, ``release``) take step 3 only: a declaration superseded while
one waits is no longer current when it gets the lock, so that scope is left out (nothing is
over-reserved; the allocation can be run again).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.errors import DomainError
from consortium.models import Council, ServiceType, TimeBand, User

from .access import may_edit_member
from .models import CapacityDeclaration, MemberCoop, MembershipStatus

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
BATCH_SIZE = 2_000
COPY_LINES = 10_000
# The figures of a declaration checked one value at a time, in the order they are checked.
FIGURES = ("declared_volume", "staff_fte", "welsh_speaking_share", "min_package", "max_package")


class Scope(NamedTuple):
    """One capacity declaration's scope, by ids."""

    coop: int
    service_type: int
    council: int
    time_band: str


def scope_of(declaration: CapacityDeclaration) -> Scope:
    return Scope(declaration.coop_id, declaration.service_type_id, declaration.council_id,
                 declaration.time_band)


def band_label(band: str) -> str:
    """A time band as it reads in a sentence ("weekday daytime")."""
    return str(TimeBand(band).label).lower()


def valid_on(declaration: CapacityDeclaration, day: dt.date) -> bool:
    """Whether the declaration is valid on ``day``.

    Work is committed on the declaration valid when it starts. A contract usually runs longer
    than a declaration (members declare for a year at a time): what is committed carries over
    to the member's next declaration for the same scope (``capacity_declare`` refuses one that
    declares less than is committed), so a declaration ending during the contract is no reason
    to refuse it."""
    return declaration.valid_from <= day and (declaration.valid_to is None or declaration.valid_to >= day)


# --- the rules of a declaration: one place for a form, the API and an import row ----------------

def figure_refusal(field: str, value: Decimal | None) -> DomainError | None:
    """Why one figure of a declaration (one of ``FIGURES``) cannot be, or None."""
    if value is None:
        return None
    if field == "welsh_speaking_share":
        if 0 <= value <= 100:
            return None
        return DomainError(_("Welsh-speaking share must be between 0 and 100."), field=field)
    if value >= 0:
        return None
    negative = {
        "declared_volume": _("Volume cannot be negative."),
        "staff_fte": _("Staff FTE cannot be negative."),
        "min_package": _("Minimum package cannot be negative."),
        "max_package": _("Maximum package cannot be negative."),
    }
    return DomainError(negative[field], field=field)


def packages_refusal(min_package: Decimal | None, max_package: Decimal | None) -> DomainError | None:
    if min_package is not None and max_package is not None and min_package > max_package:
        return DomainError(_("The minimum package cannot be larger than the maximum."), field="min_package")
    return None


def period_refusal(valid_from: dt.date | None, valid_to: dt.date | None) -> DomainError | None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        return DomainError(_("The end of the period must be on or after its start."), field="valid_to")
    return None


def status_refusal(status: str) -> DomainError | None:
    """A withdrawn co-op declares nothing (field None: the co-op is not an input of the form)."""
    if status == MembershipStatus.WITHDRAWN:
        return DomainError(_("A withdrawn co-op cannot declare capacity."))
    return None


def service_refusal(coop: Any, service_type: Any, *, offered: bool) -> DomainError | None:
    """``coop`` and ``service_type``: what the message names (objects or their names)."""
    if offered:
        return None
    return DomainError(_("%(coop)s does not offer %(service)s; add it to the co-op's services first.")
                       % {"coop": coop, "service": service_type}, field="service_type")


def council_refusal(coop: Any, council: Any, *, served: bool) -> DomainError | None:
    if served:
        return None
    return DomainError(_("%(coop)s does not serve %(council)s; add it to the co-op's areas first.")
                       % {"coop": coop, "council": council}, field="council")


def committed_refusal(declared_volume: Decimal | None, committed: Decimal) -> DomainError | None:
    """A new declaration may not declare less than its scope has committed (it carries over)."""
    if declared_volume is not None and declared_volume < committed:
        return DomainError(
            _("%(committed)s is already committed to awarded work; declare at least that much.")
            % {"committed": committed},
            field="declared_volume",
        )
    return None


def _raise_first(*refusals: DomainError | None) -> None:
    for refusal in refusals:
        if refusal is not None:
            raise refusal


def check_figures(*, declared_volume: Decimal, staff_fte: Decimal, welsh_speaking_share: Decimal,
                  min_package: Decimal | None, max_package: Decimal | None, valid_from: dt.date,
                  valid_to: dt.date | None) -> None:
    """The rules on a declaration's own figures and period, the first broken one raised."""
    values = {"declared_volume": declared_volume, "staff_fte": staff_fte,
              "welsh_speaking_share": welsh_speaking_share, "min_package": min_package,
              "max_package": max_package}
    _raise_first(*(figure_refusal(name, values[name]) for name in FIGURES),
                 packages_refusal(min_package, max_package), period_refusal(valid_from, valid_to))


# --- locks (steps 2 and 3 of the protocol) ------------------------------------------------------

def lock_coops(coop_ids: Iterable[int]) -> dict[int, str]:
    """Step 2: lock the co-ops' rows in primary-key order; returns each one's status."""
    return dict(MemberCoop.objects.select_for_update().filter(pk__in=set(coop_ids)).order_by("pk")
                .values_list("pk", "status"))


def lock_current(scopes: Iterable[Scope]) -> dict[Scope, CapacityDeclaration]:
    """Steps 2 and 3: lock the co-ops, then the scopes' current declarations, each in primary-key
    order; returns the current declaration of each scope that has one (co-op and council read)."""
    scopes = set(scopes)
    if not scopes:
        return {}
    lock_coops(s.coop for s in scopes)
    where = reduce(or_, (Q(coop_id=s.coop, service_type_id=s.service_type, council_id=s.council,
                           time_band=s.time_band) for s in scopes))
    rows = (CapacityDeclaration.objects.select_for_update(of=("self",)).filter(where, is_current=True)
            .select_related("coop", "council").order_by("pk"))
    return {scope_of(row): row for row in rows}


# --- declared -----------------------------------------------------------------------------------

@transaction.atomic
def capacity_declare(
    *,
    coop: MemberCoop,
    by: User | None,
    service_type: ServiceType,
    council: Council,
    time_band: str,
    valid_from: dt.date,
    declared_volume: Decimal,
    staff_fte: Decimal,
    welsh_speaking_share: Decimal,
    valid_to: dt.date | None = None,
    min_package: Decimal | None = None,
    max_package: Decimal | None = None,
) -> CapacityDeclaration:
    """Declare capacity for one scope, superseding the current declaration if there is one.

    Committed volume (work already won) carries over to the new version, so a member cannot
    declare less than it has committed.
    """
    may_edit_member(by, coop)
    if time_band not in TimeBand.values:
        raise DomainError(_("Unknown time band."), field="time_band")
    check_figures(declared_volume=declared_volume, staff_fte=staff_fte,
                  welsh_speaking_share=welsh_speaking_share, min_package=min_package,
                  max_package=max_package, valid_from=valid_from, valid_to=valid_to)
    # Step 2 only: there may be no current row to lock yet (the first declaration of a scope).
    coop = MemberCoop.objects.select_for_update().get(pk=coop.pk)
    _raise_first(
        status_refusal(coop.status),
        service_refusal(coop, service_type, offered=coop.service_types.filter(pk=service_type.pk).exists()),
        council_refusal(coop, council, served=coop.councils_served.filter(pk=council.pk).exists()),
    )
    current = CapacityDeclaration.objects.filter(
        coop=coop, service_type=service_type, council=council, time_band=time_band,
        is_current=True,
    ).first()
    committed = current.committed_volume if current else ZERO
    _raise_first(committed_refusal(declared_volume, committed))
    if current is not None:
        CapacityDeclaration.objects.filter(pk=current.pk).update(is_current=False)
    return CapacityDeclaration.objects.create(
        coop=coop,
        service_type=service_type,
        council=council,
        time_band=time_band,
        valid_from=valid_from,
        valid_to=valid_to,
        declared_volume=declared_volume,
        committed_volume=committed,
        staff_fte=staff_fte,
        welsh_speaking_share=welsh_speaking_share,
        min_package=min_package,
        max_package=max_package,
        supersedes=current,
        declared_by=by,
    )


def current_of_coops(coop_ids: Iterable[int]) -> list[tuple[int, int, int, int, str, Decimal]]:
    """(pk, co-op, service type, council, time band, committed volume) of the co-ops' current
    declarations: for the bulk import, read once it holds the co-ops' locks (``lock_coops``)."""
    return list(CapacityDeclaration.objects.filter(coop_id__in=set(coop_ids), is_current=True).values_list(
        "pk", "coop_id", "service_type_id", "council_id", "time_band", "committed_volume"))


def declare_rows(columns: Mapping[str, list], *, superseded: list[int]) -> None:
    """The bulk import's write: the ``superseded`` declarations stop being current, and one new
    current declaration is inserted per row of ``columns`` (model field name -> one value per
    row). The caller holds the locks of every co-op named (``lock_coops``) and has checked
    every row by the rules above, carrying each scope's committed volume over."""
    _supersede(superseded)
    _insert({**columns, "is_current": [True] * len(next(iter(columns.values()), []))})


def _supersede(pks: list[int]) -> None:
    """Mark the replaced declarations as no longer current: one UPDATE on PostgreSQL."""
    if not pks:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(CapacityDeclaration._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET is_current = false WHERE id = ANY(%s)",  # noqa: S608
                           [pks])
        return
    for start in range(0, len(pks), BATCH_SIZE):
        CapacityDeclaration.objects.filter(pk__in=pks[start:start + BATCH_SIZE]).update(
            is_current=False
        )


def _copy_text(values: list) -> list[str]:
    """One column in COPY's text format. Every value here is validated: ids, codes, dates,
    decimals and a timestamp, none of which contains a tab, newline or backslash."""
    if not values:
        return []
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return ["\\N" if v is None else ("t" if v else "f") for v in values]
    if isinstance(sample, dt.date):  # dates and the timestamp
        return ["\\N" if v is None else v.isoformat() for v in values]
    return ["\\N" if v is None else str(v) for v in values]


def _insert(columns: dict[str, list]) -> None:
    """On PostgreSQL, stream the rows with COPY; elsewhere, bulk_create in batches."""
    fields = [CapacityDeclaration._meta.get_field(name) for name in columns]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        table = quote(CapacityDeclaration._meta.db_table)
        names = ", ".join(quote(f.column) for f in fields)
        text_columns = [_copy_text(values) for values in columns.values()]
        lines = ["\t".join(row) + "\n" for row in zip(*text_columns, strict=True)]
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for start in range(0, len(lines), COPY_LINES):
                copy.write("".join(lines[start:start + COPY_LINES]))
        return
    attnames = [f.attname for f in fields]
    objects = [
        CapacityDeclaration(**dict(zip(attnames, row, strict=True)))
        for row in zip(*columns.values(), strict=True)
    ]
    CapacityDeclaration.objects.bulk_create(objects, batch_size=BATCH_SIZE)


# --- reserved and available ---------------------------------------------------------------------

# Given scopes whose declarations are locked (or read), what others reserve in each of them.
ReservedElsewhere = Callable[[set[Scope]], Mapping[Scope, Decimal]]


@dataclass(frozen=True)
class Supply:
    """A scope's current declaration and what others reserve of it."""

    declaration: CapacityDeclaration
    reserved_elsewhere: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        d = self.declaration
        return max(ZERO, d.declared_volume - d.committed_volume - self.reserved_elsewhere)


def _supplies(scopes: Iterable[Scope], *, on: dt.date, reserved_elsewhere: ReservedElsewhere,
              lock: bool) -> dict[Scope, Supply]:
    scopes = set(scopes)
    if not scopes:
        return {}
    rows = CapacityDeclaration.objects.filter(
        coop_id__in={s.coop for s in scopes}, service_type_id__in={s.service_type for s in scopes},
        council_id__in={s.council for s in scopes}, is_current=True, valid_from__lte=on,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    if lock:
        rows = rows.select_for_update(of=("self",)).order_by("pk")  # step 3
    found = {scope_of(row): row for row in rows}
    found = {scope: row for scope, row in found.items() if scope in scopes}
    reserved = reserved_elsewhere(set(found)) if found else {}
    return {scope: Supply(row, reserved.get(scope, ZERO)) for scope, row in found.items()}


def available(scopes: Iterable[Scope], *, on: dt.date,
              reserved_elsewhere: ReservedElsewhere) -> dict[Scope, Supply]:
    """Each scope's declaration valid on ``on`` and what is left of it, read without locks (for
    showing); a scope with none is left out."""
    return _supplies(scopes, on=on, reserved_elsewhere=reserved_elsewhere, lock=False)


def reserve(scopes: Iterable[Scope], *, on: dt.date,
            reserved_elsewhere: ReservedElsewhere) -> dict[Scope, Supply]:
    """As ``available``, under the locks (inside a transaction, after the caller's own row): the
    declarations of those co-ops, services and councils are locked in primary-key order before
    ``reserved_elsewhere`` is read, so what is available cannot change until the caller has
    written its reservations and its transaction ends."""
    return _supplies(scopes, on=on, reserved_elsewhere=reserved_elsewhere, lock=True)


def release(scopes: Iterable[Scope]) -> None:
    """Lock the scopes' current declarations (step 3), so the caller may drop its reservations of
    them: a writer that read them finishes first, one that comes after sees them gone."""
    scopes = set(scopes)
    if not scopes:
        return
    rows = CapacityDeclaration.objects.filter(
        is_current=True, coop_id__in={s.coop for s in scopes}, council_id__in={s.council for s in scopes},
        service_type_id__in={s.service_type for s in scopes}, time_band__in={s.time_band for s in scopes},
    ).select_for_update(of=("self",)).order_by("pk")
    list(rows.values_list("pk", flat=True))


# --- committed ----------------------------------------------------------------------------------

def _refuse_volume(row: CapacityDeclaration, volume: Decimal) -> DomainError:
    return DomainError(
        _("%(member)s cannot take on %(volume)s a week more in %(area)s, %(band)s: only %(free)s of the "
          "%(declared)s it declared is not yet committed.")
        % {"member": row.coop.legal_name, "volume": volume, "area": row.council,
           "band": band_label(row.time_band),
           "free": row.declared_volume - row.committed_volume, "declared": row.declared_volume},
        code="capacity",
    )


def day_refusal(row: CapacityDeclaration, day: dt.date, what: str) -> DomainError:
    """The declaration is not valid on ``day`` (``what``: what that day is)."""
    until = (formatting.day(row.valid_to) if row.valid_to is not None
             else _("no end date"))
    return DomainError(
        _("%(member)s's capacity in %(area)s, %(band)s is declared from %(from)s to %(to)s: not for "
          "%(what)s, %(day)s. The member must declare its capacity for that day first.")
        % {"member": row.coop.legal_name, "area": row.council, "band": band_label(row.time_band),
           "from": formatting.day(row.valid_from), "to": until, "what": what,
           "day": formatting.day(day)},
        code="capacity",
    )


def commit(changes: Mapping[Scope, Decimal], names: Mapping[Scope, str] | None = None, *,
           on: tuple[dt.date, str] | None = None) -> dict[Scope, CapacityDeclaration]:
    """Add ``changes[scope]`` (negative: give back) to each scope's current declaration's
    committed volume, under the locks (steps 2 and 3; the caller holds its contract's row).
    The whole change is refused if one scope would commit more than was declared, has no
    current declaration (``names[scope]`` says which work), or (given ``on``: the day the work
    starts and what that day is) would commit on a declaration not valid that day.
    Giving back never takes the committed volume below nothing (it is logged if it would).
    Returns the current declaration of each scope changed, as now committed."""
    changes = {scope: delta for scope, delta in changes.items() if delta}
    current = lock_current(changes)
    order = {scope: row.pk for scope, row in current.items()}
    for scope, delta in sorted(changes.items(), key=lambda item: order.get(item[0], 0)):
        row = current.get(scope)
        if row is None:
            if delta > 0:
                what = (names or {}).get(scope, str(tuple(scope)))
                raise DomainError(_("%(what)s: the member has no current capacity declaration for it.")
                                  % {"what": what}, code="capacity")
            logger.warning("no current capacity declaration to release %s from (scope %s)", -delta,
                           tuple(scope))
            continue
        if delta > 0 and on is not None and not valid_on(row, on[0]):
            raise day_refusal(row, *on)
        if delta > 0 and row.committed_volume + delta > row.declared_volume:
            raise _refuse_volume(row, delta)
        if delta < 0 and row.committed_volume + delta < 0:
            logger.warning("releasing %s from declaration %s, which has only %s committed",
                           -delta, row.pk, row.committed_volume)
            delta = -row.committed_volume
        CapacityDeclaration.objects.filter(pk=row.pk).update(committed_volume=F("committed_volume") + delta)
        row.committed_volume += delta
    return current


def uncommit(volumes: Mapping[Scope, Decimal]) -> None:
    """Give back ``volumes[scope]`` of each scope's committed volume (a contract has ended)."""
    commit({scope: -volume for scope, volume in volumes.items()})
