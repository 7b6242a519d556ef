"""Benchmarks, each measured against the physical limit in the same run (``make bench``).

1. Importing 50,000 capacity rows from CSV (members.importing.capacity_import), new and
   superseding, against the floor: a COPY of the same rows into the same table (with its indexes,
   checks and foreign keys), plus for superseding the one UPDATE that marks the earlier rows.
2. The pooled capacity summary (members.selectors.pooled_capacity_rows) over 1,000 members and
   50,000 declarations against the bare SQL aggregate, run with a raw cursor.
3. Cost-of-care statistics, end to end from the database to the figures in pence
   (pricing.selectors.evidence.evidence_table), over 1,000 members x 8 service types x 5 years,
   against a bare query of the same rows plus pandas' groupby quantile (benchmarks/pricing_stats.py;
   in this throwaway database).
4. The API list of 10,000 rate cards: queries per page against 100 cards, first and last page,
   and the time per page (benchmarks/pricing_rate_cards.py; in this throwaway database).
5. The allocation engine (contracts.bidding.engine) on 60 members x 3 lots x 5 bands x 4 areas with
   minimum packages, against a plain linprog of the coverage LP alone (benchmarks/allocation.py).
6. A call monitoring import of 1,000,000 visits (contracts.delivery.visits) against a bare pandas
   read_csv and group-by of the same file (benchmarks/visits_import.py; a temporary file, no database).
7. Sharing council payments out to 1,000 members x 100 contracts (contracts.delivery.shares)
   against a bare pandas computation of the same shares (benchmarks/payment_run.py; in memory).

Needs DATABASE_URL pointing at PostgreSQL. The benchmark works in a throwaway database
(``<name>_bench``) that it creates, migrates and drops; the database named in DATABASE_URL is
not touched. A benchmark prints figures and never fails the build: it always exits 0.

``BENCH=1,3`` runs only the benchmarks named (for working on some of them); 5 to 7 run unless
BENCH names only some of 1 to 4. ``make bench`` runs every one.
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from timing import bulk_coops, interleaved, min_median, ratio_text, say, seconds_text

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 1_000
SERVICES_PER_MEMBER = 2
COUNCILS_PER_MEMBER = 5
# 1,000 members x 2 services x 5 councils x 5 time bands = 50,000 rows
REPEATS = 5

IMPORT_NEW_TARGET = 2.5  # the import of new rows within 2.5x its floor (median/median)
IMPORT_SUPERSEDING_TARGET = 2.5  # superseding too
POOLED_TARGET = 3.0  # pooled summary under 3x the bare aggregate
NULL = "\\N"  # COPY's text format


def bench_url(url: str) -> tuple[str, str, str]:
    """(URL of the throwaway database, its name, URL of the server's maintenance database)."""
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "consortium") + "_bench"
    bench = urlunsplit(parts._replace(path="/" + name))
    maintenance = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    return bench, name, maintenance


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        say("Benchmarks need PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
            "(they run in a throwaway <name>_bench database). Nothing was measured.")
        return 0
    bench, name, maintenance = bench_url(url)
    try:
        import psycopg
        from psycopg import sql

        admin = psycopg.connect(maintenance, autocommit=True)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and exits 0
        say(f"Could not reach PostgreSQL at {urlsplit(url).hostname}: {exc}. Nothing was measured.")
        return 0
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    try:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = bench
        os.environ["DEBUG"] = "False"  # no query log in memory, as in production
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
        sys.path.insert(0, str(ROOT))
        run_benchmarks()
        if wanted(4):
            # 4. The rate card API list, in the same throwaway database; it catches its own errors.
            from pricing_rate_cards import run as pricing_rate_cards

            pricing_rate_cards()
    except Exception:  # noqa: BLE001 - a benchmark reports and exits 0
        say("The benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not have started
            pass
        admin.execute(drop)
        admin.close()
    return 0


# ------------------------------------------------------------------------------------------------


def selected() -> set[int]:
    """The benchmarks named in BENCH (``BENCH=1,3``); empty (every one) when it is not set."""
    return {int(n) for n in os.environ.get("BENCH", "").replace(" ", "").split(",") if n}


def wanted(number: int) -> bool:
    return not selected() or number in selected()


def run_benchmarks() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    say(f"Setting up a throwaway database and {MEMBERS:,} member co-ops ...")
    call_command("migrate", verbosity=0, interactive=False)
    if wanted(1) or wanted(2):
        coordinator, members = make_members()
        rows = make_rows(members)
        csv_bytes = csv_of(rows)
        say(f"Generated {len(rows):,} capacity rows ({len(csv_bytes) / 1e6:.1f} MB of CSV). "
            f"Load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
        say()
        table = DeclarationTable(coordinator, rows)
        if wanted(1):
            import_vs_copy(coordinator, table, csv_bytes)
        else:
            table.load_current()
        if wanted(2):
            pooled_report(coordinator, len(rows))
    if wanted(3):
        from pricing_stats import run as pricing_stats

        pricing_stats()


def import_vs_copy(coordinator, table: DeclarationTable, csv_bytes: bytes) -> None:
    """Benchmark 1: the import against a COPY of the same rows into the same table, for new rows
    and for superseding rows, interleaved (import, floor, import, floor, ...), each run committed
    and starting from the same state (the table emptied, and for superseding the earlier rows
    loaded, untimed)."""
    rows = len(table.rows)

    def new_import():
        result = timed_import(coordinator, csv_bytes)
        assert (result.created, result.superseded) == (rows, 0), result

    def superseding_import():
        result = timed_import(coordinator, csv_bytes)
        assert (result.created, result.superseded) == (rows, rows), result

    def rejection():
        rejected_import(coordinator, csv_bytes)

    # Warm up both sides once (imports, plan caches, buffers), untimed.
    for prepare, run in ((table.empty, new_import), (table.empty, table.copy_new),
                         (table.load_current, superseding_import),
                         (table.load_current, table.copy_superseding)):
        prepare()
        run()
    new_times, floor_times, rejection_times = interleaved(
        (table.empty, new_import), (table.empty, table.copy_new), (table.empty, rejection),
        repeats=REPEATS)
    superseding_times, superseding_floor_times = interleaved(
        (table.load_current, superseding_import), (table.load_current, table.copy_superseding),
        repeats=REPEATS)
    plain_times = plain_copy_times(csv_bytes)

    say(f"1. Bulk import of {rows:,} capacity declarations from CSV (members.importing.capacity_import), "
        f"against the floor: a COPY of the same rows into members_capacitydeclaration itself, with its "
        f"indexes, checks and foreign keys, committed ({REPEATS} runs each, interleaved with the import's)")
    for label, ours, floor, target, floor_text in (
        ("new declarations", new_times, floor_times, IMPORT_NEW_TARGET,
         "COPY of the rows, ids resolved"),
        ("superseding every one", superseding_times, superseding_floor_times, IMPORT_SUPERSEDING_TARGET,
         "the one UPDATE marking the current rows superseded (their ids given) + COPY of the rows "
         "naming them"),
    ):
        ratio, text = ratio_text(ours, floor, "its floor")
        say(f"   {label}: the floor ({floor_text}): {seconds_text(floor)}")
        say(f"   {label}: capacity_import: {seconds_text(ours)} = {rows / min(ours):,.0f} rows/s at "
            f"best -> {text} (target <= {target:.1f}x: {'met' if ratio <= target else 'NOT met'})")
    say("   where the time goes (informational):")
    say(f"   - reading and checking every row, nothing written (a file refused for its last row): "
        f"{seconds_text(rejection_times)} -> {min_median(rejection_times)[1] / min_median(new_times)[1]:.0%} "
        f"of the new import's median")
    say(f"   - COPY of the CSV into a plain table (no indexes, checks or keys; not the same work): "
        f"{seconds_text(plain_times)}; the floor for new rows is "
        f"{min_median(floor_times)[1] / min_median(plain_times)[1]:.0f}x this")
    say()


class DeclarationTable:
    """The declarations table put in a known state, and the floor: the minimal SQL writing the
    import's rows into it."""

    COLUMNS = ("coop_id, service_type_id, council_id, time_band, valid_from, valid_to, "
               "declared_volume, committed_volume, staff_fte, welsh_speaking_share, min_package, "
               "max_package, is_current, supersedes_id, declared_by_id, declared_at")

    def __init__(self, coordinator, rows: list[tuple]):
        self.coordinator = coordinator
        self.rows = rows
        self.new_text = self._copy_text([NULL] * len(rows))
        self.superseded: list[int] = []
        self.superseding_text = ""

    def _copy_text(self, supersedes: list[str]) -> bytes:
        """The rows in COPY's text format, as the import writes them: committed volume 0 (new, or
        carried over from a declaration that had none), current, declared by the coordinator."""
        return "".join(
            f"{coop}\t{service}\t{council}\t{band}\t{start}\t{end or NULL}\t{declared}\t0\t{staff}\t"
            f"{welsh}\t{low or NULL}\t{high or NULL}\tt\t{previous}\t{self.coordinator.pk}\t"
            f"2026-04-01 09:00:00+00\n"
            for (coop, service, council, band, start, end, declared, staff, welsh, low, high), previous
            in zip(self.rows, supersedes, strict=True)
        ).encode()

    def _copy(self, data: bytes) -> None:
        from django.db import connection

        with connection.cursor() as cursor, cursor.copy(
            f"COPY members_capacitydeclaration ({self.COLUMNS}) FROM STDIN"
        ) as copy:
            copy.write(data)

    def empty(self) -> None:
        """No declarations (a fresh table and indexes), checkpointed, so every run starts alike."""
        from django.db import connection

        with connection.cursor() as cursor:
            # Cascades to the allocation tables that reference declarations, empty here.
            cursor.execute("TRUNCATE members_capacitydeclaration CASCADE")
            cursor.execute("CHECKPOINT")

    def load_current(self) -> None:
        """Every row declared once already (the state superseding starts from), analysed and
        checkpointed; and the floor's input: the current rows' ids, in the file's order."""
        from django.db import connection, transaction

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE members_capacitydeclaration CASCADE")
        with transaction.atomic():
            self._copy(self.new_text)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_capacitydeclaration")
            cursor.execute("SELECT id, coop_id, service_type_id, council_id, time_band "
                           "FROM members_capacitydeclaration WHERE is_current")
            ids = {tuple(scope): pk for pk, *scope in cursor.fetchall()}
            cursor.execute("CHECKPOINT")
        self.superseded = [ids[row[:4]] for row in self.rows]
        self.superseding_text = self._copy_text([str(pk) for pk in self.superseded])

    def copy_new(self) -> None:
        """The floor for new rows: COPY of the rows, ids resolved; the deferred foreign-key checks
        run at the commit, inside the timing."""
        from django.db import transaction

        with transaction.atomic():
            self._copy(self.new_text)

    def copy_superseding(self) -> None:
        """The floor for superseding rows: the same change of the table as the import's, by the
        least SQL that makes it (the earlier rows' ids given, where the import reads them): the
        one UPDATE marking the current rows superseded (first: the partial unique index of current
        scopes is checked at once, not deferred), then COPY of the new rows naming them."""
        from django.db import connection, transaction

        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE members_capacitydeclaration SET is_current = false "
                               "WHERE id = ANY(%s)", [self.superseded])
            self._copy(self.superseding_text)


def make_members():
    from django.db import transaction

    from consortium.models import Consortium, Council, Role, ServiceType, User
    from members.models import MemberCoop

    rng = random.Random(2014)
    services = list(ServiceType.objects.order_by("pk"))
    councils = list(Council.objects.order_by("pk"))
    with transaction.atomic():
        consortium = Consortium.objects.create(name="Benchmark Care Consortium")
        coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR,
                                          consortium=consortium)
        coops = bulk_coops(consortium, MEMBERS, "Bench", "RS")
        offered, served, members = [], [], []
        for coop in coops:
            coop_services = rng.sample(services, SERVICES_PER_MEMBER)
            coop_councils = rng.sample(councils, COUNCILS_PER_MEMBER)
            offered += [MemberCoop.service_types.through(membercoop_id=coop.pk, servicetype_id=s.pk)
                        for s in coop_services]
            served += [MemberCoop.councils_served.through(membercoop_id=coop.pk, council_id=c.pk)
                       for c in coop_councils]
            members.append((coop, coop_services, coop_councils))
        MemberCoop.service_types.through.objects.bulk_create(offered)
        MemberCoop.councils_served.through.objects.bulk_create(served)
    return coordinator, members


def make_rows(members) -> list[tuple]:
    """One row per co-op, service, council and time band: (co-op id, service id, council id,
    band, valid from, valid to or "", declared volume, staff, Welsh share, min and max package
    or ""), values as the file writes them."""
    from consortium.models import TimeBand

    rng = random.Random(381)
    rows = []
    for coop, services, councils in members:
        for service in services:
            for council in councils:
                for band in TimeBand.values:
                    volume = rng.randint(5, 400)
                    rows.append((
                        coop.pk, service.pk, council.pk, band, "2026-04-01",
                        "2027-03-31" if rng.random() < 0.3 else "",
                        f"{volume}.{rng.randint(0, 99):02d}", f"{volume / 37.5:.2f}",
                        str(rng.choice((0, 5, 10, 25, 50, 80, 100))),
                        str(rng.choice((1, 2, 4))), str(rng.choice(("", 20, 40))),
                    ))
    return rows


def csv_of(rows: list[tuple]) -> bytes:
    """The import's file of these rows: co-ops by legal name, services and councils by code."""
    import csv

    from consortium.models import Council, ServiceType
    from members.importing import COLUMNS
    from members.models import MemberCoop

    names = dict(MemberCoop.objects.values_list("pk", "legal_name"))
    services = dict(ServiceType.objects.values_list("pk", "code"))
    councils = dict(Council.objects.values_list("pk", "code"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for coop, service, council, *rest in rows:
        writer.writerow([names[coop], services[service], councils[council], *rest])
    return out.getvalue().encode("utf-8")


def plain_copy_times(csv_bytes: bytes) -> list[float]:
    """PostgreSQL's COPY of the same CSV into a plain table of the same columns (informational)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_copy (member text, service_type text, council text, "
            "time_band text, valid_from date, valid_to date, declared_volume numeric(9,2), "
            "staff_fte numeric(7,2), welsh_speaking_share numeric(5,2), "
            "min_package numeric(7,2), max_package numeric(7,2))"
        )

    def empty():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_copy")

    def copy():
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(
            "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy:
            copy.write(csv_bytes)

    copy()
    [times] = interleaved((empty, copy), repeats=REPEATS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return times


def rejected_import(coordinator, csv_bytes: bytes) -> None:
    from members.importing import ImportRejected, capacity_import

    bad = csv_bytes.rstrip(b"\n") + b"x\n"  # the last row's last cell is no longer a number
    try:
        capacity_import(user=coordinator, file=bad, filename="bench.csv")
    except ImportRejected as rejected:
        assert len(rejected.errors) == 1, rejected.errors[:3]
    else:
        raise AssertionError("the file with a bad last row was imported")


def timed_import(coordinator, csv_bytes: bytes):
    from members.importing import capacity_import

    return capacity_import(user=coordinator, file=io.BytesIO(csv_bytes), filename="bench.csv")


BARE_AGGREGATE = """
    SELECT d.council_id, d.service_type_id, d.time_band,
           SUM(d.declared_volume), SUM(d.committed_volume), SUM(d.staff_fte),
           SUM(d.declared_volume * d.welsh_speaking_share / 100), COUNT(DISTINCT d.coop_id)
    FROM members_capacitydeclaration d
    JOIN members_membercoop m ON m.id = d.coop_id
    WHERE d.is_current AND m.consortium_id = %s AND m.status = 'active'
    GROUP BY d.council_id, d.service_type_id, d.time_band
    ORDER BY d.council_id, d.service_type_id, d.time_band
"""


def pooled_report(coordinator, rows: int) -> None:
    pooled_seconds, bare_seconds, groups = pooled_vs_bare(coordinator)
    ratio = pooled_seconds / bare_seconds
    say(f"2. Pooled capacity summary, {MEMBERS:,} members, {rows:,} current declarations, "
        f"{groups:,} council x service x band rows")
    say(f"   bare SQL aggregate, raw cursor (the limit): {bare_seconds * 1000:.1f} ms "
        f"(best of {REPEATS})")
    say(f"   selectors.pooled_capacity_rows: {pooled_seconds * 1000:.1f} ms -> {ratio:.2f}x the "
        f"bare query (target < {POOLED_TARGET:.0f}x: {'met' if ratio < POOLED_TARGET else 'NOT met'})")
    say()


def pooled_vs_bare(coordinator) -> tuple[float, float, int]:
    from django.db import connection

    from members.selectors import pooled_capacity_rows

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(BARE_AGGREGATE, [coordinator.consortium_id])
            return cursor.fetchall()

    def pooled():
        return pooled_capacity_rows(coordinator)

    groups = len(pooled())
    assert groups == len(bare()), "the selector and the bare query disagree"
    return best(pooled), best(bare), groups


def best(function) -> float:
    function()  # warm up: plan cache, buffers
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


if __name__ == "__main__":
    status = main()  # 1 to 4, in the throwaway database
    if selected() and not selected() & {5, 6, 7}:
        sys.exit(status)
    from allocation import run as allocation  # 5. The allocation engine (benchmarks/allocation.py)

    allocation()
    from visits_import import run as visits_import  # 6. Call monitoring import (benchmarks/visits_import.py)

    visits_import()
    from payment_run import run as payment_run  # 7. Payment distribution (benchmarks/payment_run.py)

    payment_run()
    sys.exit(status)
