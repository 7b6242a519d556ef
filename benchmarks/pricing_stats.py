"""Benchmark 3: cost-of-care statistics end to end, from the database to the figures in pence, as
the product computes them (pricing.selectors.evidence.evidence_table: one query of the latest
submissions of active members, a row per council served, amounts in whole pence; the frame;
pricing.statistics.by_region and cost_statistics), for 1,000 members x 8 service types x 5 years,
against the limit: a bare query of the same rows (a raw cursor, pence computed by the database)
plus pandas' groupby quantile of the same data (each member once per region and in all Wales),
timed in turn in the same run. Target: under ``TARGET`` times the limit (median against median).

Runs inside benchmarks/run.py's throwaway PostgreSQL database (Django set up and migrated), in a
consortium of its own. Each member serves councils in one to three of Wales' seven Regional
Partnership Boards (two councils of the first, where that board has two), so the query returns
about three rows per submission (about 120,000). Wales has seven service types in the reference
data; an eighth is made up for the benchmark.

Run on its own: ``BENCH=3 python benchmarks/run.py`` (or ``python benchmarks/pricing_stats.py``)
with DATABASE_URL pointing at PostgreSQL. Prints figures and never fails the build: ``run()``
reports an error and returns.
"""

from __future__ import annotations

import os
import random
import sys
import time
import traceback
from decimal import Decimal

from timing import bulk_coops, interleaved, min_median, ratio_text, say, seconds_text

MEMBERS = 1_000
SERVICE_TYPES = 8
YEARS = 5
FIRST_YEAR = 2022
REPEATS = 5
TARGET = 1.5  # end to end within 1.5x a bare query plus pandas (median/median)
# Lines in pence per contact hour around a Welsh build-up; the total is their sum.
MEANS = {"contact_pay": 1260, "travel_pay": 330, "national_insurance": 120, "pension": 45,
         "holiday": 190, "training": 30, "sick_pay": 25, "notice": 8, "mileage": 200,
         "running_costs": 900, "surplus": 100}


def run() -> None:
    try:
        _run()
    except Exception:  # noqa: BLE001 - a benchmark reports and never fails the build
        say("The cost-of-care statistics benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)


def make_submissions():
    """A consortium of ``MEMBERS`` active co-ops, each with its latest submission for every
    service type and year, and the councils each serves. Returns the consortium."""
    from django.db import transaction

    from consortium.models import Consortium, Council, ServiceType
    from members.models import MemberCoop
    from pricing.models import LINE_FIELDS, CostSubmission

    rng = random.Random(2022)
    boards: dict[str, list[int]] = {}
    for pk, board in Council.objects.order_by("pk").values_list("pk", "regional_partnership_board"):
        boards.setdefault(board, []).append(pk)
    names = sorted(boards)
    with transaction.atomic():
        services = list(ServiceType.objects.order_by("pk"))
        if len(services) < SERVICE_TYPES:
            services.append(ServiceType.objects.create(
                code="bench-extra-service", name_en="Benchmark service", name_cy="Gwasanaeth meincnodi",
                unit=services[0].unit))
        services = services[:SERVICE_TYPES]
        consortium = Consortium.objects.create(name="Benchmark Statistics Consortium")
        coops = bulk_coops(consortium, MEMBERS, "Stats", "ST")
        served = []
        for i, coop in enumerate(coops):
            regions = [names[(i * 3 + slot * 2) % len(names)] for slot in range(rng.randint(1, 3))]
            councils = boards[regions[0]][:2] + [boards[r][0] for r in regions[1:]]
            served += [MemberCoop.councils_served.through(membercoop_id=coop.pk, council_id=c)
                       for c in dict.fromkeys(councils)]
        MemberCoop.councils_served.through.objects.bulk_create(served)
        submissions = []
        for coop in coops:
            for service in services:
                for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                    lines = {name: max(0, round(rng.gauss(mean, mean * 0.15)))
                             for name, mean in MEANS.items()}
                    submissions.append(CostSubmission(
                        coop=coop, service_type=service, financial_year=year, inputs={},
                        total=Decimal(sum(lines[name] for name in LINE_FIELDS)).scaleb(-2),
                        **{name: Decimal(value).scaleb(-2) for name, value in lines.items()},
                    ))
        CostSubmission.objects.bulk_create(submissions, batch_size=2_000)
    return consortium


def bare_sql() -> str:
    """The selector's rows, written by hand: amounts turned into whole pence by the database."""
    from consortium.models import Council
    from members.models import MemberCoop
    from pricing.models import CostSubmission
    from pricing.statistics import VALUES

    pence = ", ".join(f"(s.{name} * 100)::bigint" for name in VALUES)
    return (
        f"SELECT s.coop_id, s.service_type_id, s.financial_year, {pence}, c.regional_partnership_board "  # noqa: S608
        f"FROM {CostSubmission._meta.db_table} s "
        f"JOIN {MemberCoop._meta.db_table} m ON m.id = s.coop_id "
        f"LEFT JOIN {MemberCoop.councils_served.through._meta.db_table} cs ON cs.membercoop_id = m.id "
        f"LEFT JOIN {Council._meta.db_table} c ON c.id = cs.council_id "
        f"WHERE s.is_latest AND m.consortium_id = %s AND m.status = 'active'"
    )


def _run() -> None:
    import numpy as np
    import pandas as pd
    from django.db import connection

    from pricing import statistics
    from pricing.selectors import evidence

    start = time.perf_counter()
    consortium = make_submissions()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    made_seconds = time.perf_counter() - start
    sql = bare_sql()
    keys, values = list(statistics.KEYS), list(statistics.VALUES)
    scope = ["coop", "service_type", "financial_year"]

    def read():
        with connection.cursor() as cursor:
            cursor.execute(sql, [consortium.pk])
            return cursor.fetchall()

    def bare():
        frame = pd.DataFrame(read(), columns=[*scope, *values, "region"])
        regional = frame.dropna(subset=["region"]).drop_duplicates([*scope, "region"])
        national = frame.drop_duplicates(scope).assign(region=statistics.ALL_WALES)
        grouped = pd.concat([national, regional], ignore_index=True).groupby(keys)
        return grouped[values].quantile(list(statistics.QUANTILES))

    def ours():
        return evidence.evidence_table(consortium=consortium, full=True)

    def disclosed():
        return evidence.evidence_table(consortium=consortium, full=False)

    # The same figures both ways: the limit's quantiles, rounded half up to the penny.
    limit, table = bare(), ours()
    rounded = pd.DataFrame(np.floor(limit.to_numpy() + 0.5).astype("int64"), index=limit.index,
                           columns=limit.columns).unstack(level=-1)
    for value in values:
        for q, name in statistics.QUANTILES.items():
            mine = table[(value, name)].sort_index()
            assert (mine.to_numpy() == rounded[(value, q)].sort_index().to_numpy()).all(), (value, name)
    rows, groups = len(read()), len(table)

    disclosed()
    read_times, bare_times, our_times, disclosed_times = interleaved(
        (None, read), (None, bare), (None, ours), (None, disclosed), repeats=REPEATS)
    # Where the product's time goes (informational): its query, and each step after it.
    product_rows = evidence.latest_submission_rows(consortium=consortium)
    listed = list(product_rows)
    frame = statistics.submissions_frame(listed)
    regional = statistics.by_region(frame)
    query_times, convert_times, region_times, statistics_times = interleaved(
        (None, lambda: list(product_rows.all())), (None, lambda: statistics.submissions_frame(listed)),
        (None, lambda: statistics.by_region(frame)), (None, lambda: statistics.cost_statistics(regional)),
        repeats=REPEATS)

    ratio, text = ratio_text(our_times, bare_times)
    scopes = MEMBERS * SERVICE_TYPES * YEARS
    say(f"3. Cost-of-care statistics, {MEMBERS:,} members x {SERVICE_TYPES} service types x {YEARS} "
        f"years = {scopes:,} latest submissions; {rows:,} rows by council served, {groups:,} groups "
        f"(service type x year x region and all Wales); made in {made_seconds:.0f} s")
    say(f"   the limit: a bare query of the same rows (raw cursor, pence computed by the database) + "
        f"pandas: each member once per region and in all Wales, groupby(...).quantile of "
        f"{len(values)} columns: {seconds_text(bare_times)} ({REPEATS} runs each, in turn with ours; "
        f"of which the query alone {seconds_text(read_times)})")
    say(f"   evidence_table (coordinators' figures: one query, pence worked out by the database, by "
        f"region, minimum, quartiles, maximum, members, sum of line medians, difference, rounded to "
        f"the penny): "
        f"{seconds_text(our_times)} -> {text} (target < {TARGET:.1f}x: "
        f"{'met' if ratio < TARGET else 'NOT met'})")
    disclosed_ratio, disclosed_text = ratio_text(disclosed_times, bare_times)
    say(f"   evidence_table as others see it (disclosure control, nearest rank, 10p): "
        f"{seconds_text(disclosed_times)} -> {disclosed_text} (informational)")
    say(f"   where the time goes (informational, medians): the query through the ORM "
        f"{min_median(query_times)[1] * 1000:.0f} ms, rows to a frame in pence "
        f"{min_median(convert_times)[1] * 1000:.0f} ms, by region "
        f"{min_median(region_times)[1] * 1000:.0f} ms, "
        f"cost_statistics {min_median(statistics_times)[1] * 1000:.0f} ms")
    say()


if __name__ == "__main__":
    os.environ.setdefault("BENCH", "3")
    from run import main

    sys.exit(main())
