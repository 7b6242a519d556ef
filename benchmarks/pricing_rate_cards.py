"""Benchmark: the API list of rate cards (GET /api/v1/pricing/rate-cards/) over 10,000 cards of
five bands each, against the same list over 100 cards: the number of queries must not grow with
the cards (rates are prefetched), on the first page or the last; and the time per page.

Runs inside benchmarks/run.py's throwaway PostgreSQL database, after its own benchmarks (Django
is set up and migrated there). The cards are written with bulk_create for two consortia of their
own, 100 and 10,000 cards; the pages are asked for through DRF's APIClient as each consortium's
coordinator, and the queries counted with CaptureQueriesContext.

Run on its own: ``python benchmarks/pricing_rate_cards.py`` with DATABASE_URL pointing at
PostgreSQL (it makes, migrates and drops ``<name>_ratecards_bench``). Prints figures and never
fails the build: ``run()`` reports an error and returns.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL, LARGE = 100, 10_000
REPEATS = 5
URL = "/api/v1/pricing/rate-cards/"


def say(text: str = "") -> None:
    print(text, flush=True)


def make_cards(name: str, count: int):
    """A consortium with its coordinator and ``count`` rate cards of five bands each, spread over
    every council and service type; per scope, the latest card is in force and the earlier ones
    superseded (each ending the day before the next starts), as putting cards in force leaves them."""
    from django.db import transaction

    from consortium.models import Consortium, Council, Role, ServiceType, TimeBand, User
    from pricing.models import RateCard, RateCardRate, RateCardStatus

    scopes = [(council, service) for council in Council.objects.order_by("pk")
              for service in ServiceType.objects.order_by("pk")]
    per_scope = -(-count // len(scopes))  # ceiling
    with transaction.atomic():
        consortium = Consortium.objects.create(name=name)
        coordinator = User.objects.create(username=f"coordinator-{consortium.pk}", role=Role.COORDINATOR,
                                          consortium=consortium)
        cards = []
        for i in range(count):
            council, service = scopes[i % len(scopes)]
            nth = i // len(scopes)
            last = nth == per_scope - 1 or i + len(scopes) >= count
            year = 2100 - per_scope + nth
            cards.append(RateCard(
                consortium=consortium, council=council, service_type=service, financial_year=year,
                effective_from=dt.date(year, 4, 1),
                effective_to=None if last else dt.date(year + 1, 3, 31),
                status=RateCardStatus.IN_FORCE if last else RateCardStatus.SUPERSEDED,
                created_by=coordinator,
            ))
        cards = RateCard.objects.bulk_create(cards, batch_size=2_000)
        RateCardRate.objects.bulk_create(
            (RateCardRate(rate_card=card, time_band=band, rate=Decimal("20.00") + n + card.pk % 7)
             for card in cards for n, band in enumerate(TimeBand.values)),
            batch_size=5_000,
        )
    return coordinator


def measure(client, page: int) -> tuple[int, float, int]:
    """(queries, best time in seconds, rows) of one page of the list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"{URL}?page={page}"
    response = client.get(url)  # warm up
    assert response.status_code == 200, (response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # now: the log is read lazily, and each later request clears it
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return count, min(times), len(response.json()["results"])


def run() -> None:
    say()
    say(f"Rate cards: API list (GET {URL}), 5 bands a card, 50 cards a page")
    try:
        from django.conf import settings
        from django.db import connection
        from django.test.utils import override_settings
        from rest_framework.test import APIClient

        started = time.perf_counter()
        small = make_cards("Rate card benchmark, small", SMALL)
        large = make_cards("Rate card benchmark, large", LARGE)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE pricing_ratecard, pricing_ratecardrate")
        say(f"   made {SMALL + LARGE:,} cards and {(SMALL + LARGE) * 5:,} rates with bulk_create in "
            f"{time.perf_counter() - started:.1f} s")
        page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
        counts = []
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for label, coordinator, total in (("100 cards", small, SMALL), ("10,000 cards", large, LARGE)):
                client = APIClient()
                client.force_authenticate(coordinator)
                last = -(-total // page_size)
                for page in (1, last):
                    queries, seconds, rows = measure(client, page)
                    counts.append(queries)
                    say(f"   {label}, page {page} of {last} ({rows} cards): {queries} queries, "
                        f"{seconds * 1000:.1f} ms (best of {REPEATS})")
        constant = len(set(counts)) == 1
        say(f"   queries per page: {'the same' if constant else 'NOT the same'} for 100 and 10,000 cards, "
            f"first and last page ({', '.join(map(str, counts))}; target: constant: "
            f"{'met' if constant else 'NOT met'})")
    except Exception:  # noqa: BLE001 - a benchmark reports and never fails the build
        say("   The rate card benchmark stopped with an error (this does not fail the build):")
        traceback.print_exc(file=sys.stdout)


def main() -> int:
    """Run this benchmark alone, in a throwaway database of its own (as benchmarks/run.py does)."""
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        say("This benchmark needs PostgreSQL: set DATABASE_URL. Nothing was measured.")
        return 0
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "consortium") + "_ratecards_bench"
    try:
        import psycopg
        from psycopg import sql

        admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres", scheme="postgresql")),
                                autocommit=True)
    except Exception as exc:  # noqa: BLE001
        say(f"Could not reach PostgreSQL: {exc}. Nothing was measured.")
        return 0
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    try:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        os.environ["DEBUG"] = "False"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        run()
    except Exception:  # noqa: BLE001
        traceback.print_exc(file=sys.stdout)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110
            pass
        admin.execute(drop)
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
