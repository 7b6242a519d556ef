"""The consortium's activity: who changed what, and when, across its joint bids, member co-ops,
prices (rate cards, negotiations and members' cost submissions) and contracts, read from the
audit history (django-simple-history's tables) that the services already write.

Who sees it: the consortium's coordinators, their own consortium's changes only
(``can_see_activity``); everyone else is refused (403) by the page.

What it shows of each change: the object, what was done, and for an edit each field changed
(its label, old and new value; a choice by its label, a council or service by its name). A
member's cost submission is shown as made (whose, for which service and year, which version),
never with its figures: only the fact the coordinator already sees on the submissions' list.

Efficient: one UNION over the history tables, filtered and ordered in the database, gives a
page's rows (a count and a slice); each history table then answers for the page's rows and the
records before them in two queries, so a page takes a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import CharField as CharFieldType
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.models import Council, ServiceType, TimeBand, User
from contracts.models import Bid, BidPrice, Contract, ContractRate
from members.models import MemberCoop
from pricing.models import (
    CostSubmission,
    Negotiation,
    NegotiationRound,
    RateCard,
    RateCardRate,
    RoundRate,
    financial_year_label,
)

PAGE_SIZE = 25

KINDS = (
    ("bids", gettext_lazy("Joint bids")),
    ("members", gettext_lazy("Member co-ops")),
    ("prices", gettext_lazy("Prices")),
    ("contracts", gettext_lazy("Contracts")),
)


def can_see_activity(user: User) -> bool:
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


def _year(record) -> str:
    return financial_year_label(record.financial_year)


def _band(record) -> str:
    try:
        return str(TimeBand(record.time_band).label)
    except ValueError:
        return record.time_band


def _scope(record) -> str:
    """A rate card's or negotiation's council, service and year."""
    return f"{record.council}, {record.service_type}, {_year(record)}" if record is not None else ""


def _contract(record) -> str:
    if record is None or record.lot is None:
        return ""
    return _("%(reference)s, lot %(lot)s, %(council)s") % {
        "reference": record.lot.tender.reference, "lot": record.lot.number, "council": record.council}


def _bid(record) -> str:
    return f"{record.tender.reference}: {record.tender.title}" if record is not None and record.tender else ""


def _bid_price(record) -> str:
    if record.bid_lot is None:
        return ""
    return _("%(bid)s, lot %(lot)s, %(band)s") % {
        "bid": _bid(record.bid_lot.bid), "lot": record.bid_lot.lot.number, "band": _band(record)}


def _round(record) -> str:
    return _("%(negotiation)s, round %(n)s") % {"negotiation": _scope(record.negotiation), "n": record.number}


def _round_rate(record) -> str:
    return f"{_round(record.round)}, {_band(record)}" if record.round is not None else ""


def _cost(record) -> str:
    """Whose submission, for which service, year and version: never its figures."""
    coop = record.coop
    return _("%(coop)s, %(service)s, %(year)s, version %(version)s") % {
        "coop": (coop.trading_name or coop.legal_name) if coop else "", "service": record.service_type,
        "year": _year(record), "version": record.version}


@dataclass(frozen=True)
class Source:
    """One history table: its kind, what an object is called, how it is scoped to a consortium,
    and what of it is shown."""

    key: str
    kind: str
    what: object  # a lazy label
    model: type
    scope: Callable[[int], Q]
    related: tuple[str, ...]
    describe: Callable[[object], str]
    values: bool = True  # show fields' values in the changes
    hidden: frozenset[str] = frozenset()


SOURCES = (
    Source("bid", "bids", gettext_lazy("Joint bid"), Bid, lambda c: Q(consortium_id=c), ("tender",), _bid,
           hidden=frozenset({"ballot", "opened_by", "opened_at"})),
    Source("bid_price", "bids", gettext_lazy("Joint bid's rate"), BidPrice,
           lambda c: Q(bid_lot__bid__consortium_id=c), ("bid_lot__bid__tender", "bid_lot__lot"),
           _bid_price,
           hidden=frozenset({"bid_lot", "time_band"})),
    Source("coop", "members", gettext_lazy("Member co-op"), MemberCoop, lambda c: Q(consortium_id=c), (),
           lambda r: r.trading_name or r.legal_name, hidden=frozenset({"created_at"})),
    Source("rate_card", "prices", gettext_lazy("Rate card"), RateCard, lambda c: Q(consortium_id=c),
           ("council", "service_type"), _scope,
           hidden=frozenset({"supersedes", "negotiation", "created_by", "created_at"})),
    Source("rate_card_rate", "prices", gettext_lazy("Rate card's rate"), RateCardRate,
           lambda c: Q(rate_card__consortium_id=c), ("rate_card__council", "rate_card__service_type"),
           lambda r: f"{_scope(r.rate_card)}, {_band(r)}", hidden=frozenset({"rate_card", "time_band"})),
    Source("negotiation", "prices", gettext_lazy("Negotiation"), Negotiation, lambda c: Q(consortium_id=c),
           ("council", "service_type"), _scope, hidden=frozenset({"opened_by", "opened_at"})),
    Source("round", "prices", gettext_lazy("Negotiation round"), NegotiationRound,
           lambda c: Q(negotiation__consortium_id=c),
           ("negotiation__council", "negotiation__service_type"),
           _round,
           hidden=frozenset({"negotiation", "evidence", "ballot", "created_by", "created_at"})),
    Source("round_rate", "prices", gettext_lazy("Negotiation round's rate"), RoundRate,
           lambda c: Q(round__negotiation__consortium_id=c),
           ("round__negotiation__council", "round__negotiation__service_type"),
           _round_rate,
           hidden=frozenset({"round", "time_band"})),
    Source("cost", "prices", gettext_lazy("Cost submission"), CostSubmission,
           lambda c: Q(coop__consortium_id=c), ("coop", "service_type"),
           _cost,
           values=False),
    Source("contract", "contracts", gettext_lazy("Contract"), Contract, lambda c: Q(consortium_id=c),
           ("lot__tender", "council"), _contract, hidden=frozenset({"award", "created_at"})),
    Source("contract_rate", "contracts", gettext_lazy("Contract's rate"), ContractRate,
           lambda c: Q(contract__consortium_id=c), ("contract__lot__tender", "contract__council"),
           lambda r: f"{_contract(r.contract)}, {_band(r)}", hidden=frozenset({"contract", "time_band"})),
)
BY_KEY = {s.key: s for s in SOURCES}
ACTIONS = {"+": gettext_lazy("Created"), "~": gettext_lazy("Changed"), "-": gettext_lazy("Deleted")}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass
class Activity:
    when: dt.datetime
    who: User | None
    what: str
    label: str
    action: str
    kind: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class ActivityQuery:
    """The filters: a kind (``KINDS``), a person (a user's pk), days from and to (inclusive,
    UK days)."""

    kind: str | None = None
    person: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _where(query: ActivityQuery) -> Q:
    where = Q()
    if query.person is not None:
        where &= Q(history_user_id=query.person)
    if query.date_from is not None:
        where &= Q(history_date__gte=_day_start(query.date_from))
    if query.date_to is not None:
        where &= Q(history_date__lt=_day_start(query.date_to + dt.timedelta(days=1)))
    return where


def activity_rows(user: User, query: ActivityQuery) -> QuerySet:
    """One UNION over the history tables of the user's consortium: (history id, date, source),
    newest first. Empty for anyone who may not see the activity."""
    sources = [s for s in SOURCES if query.kind in (None, s.kind)]
    if not can_see_activity(user) or not sources:
        return Bid.history.none().values_list("history_id", "history_date")
    where = _where(query)
    parts = [
        s.model.history.filter(s.scope(user.consortium_id), where)
        .annotate(source=Value(s.key, output_field=CharFieldType()))
        .values_list("history_id", "history_date", "source").order_by()
        for s in sources
    ]
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-history_date", "-history_id")


def _display(model, name: str, value, names: dict) -> str:
    if value is None or value == "":
        return "–"
    found = model._meta.get_field(name)
    if found.choices:
        return str(dict(found.flatchoices).get(value, value))
    if found.is_relation:
        return str(names.get((found.related_model, value), value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "j M Y")
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _changes(source: Source, record, previous, names: dict) -> list[Change]:
    model = source.model
    changes = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in source.hidden or f.name in {"history"}:
            continue
        old, new = getattr(previous, f.attname, None), getattr(record, f.attname, None)
        if old == new:
            continue
        label = str(f.verbose_name)
        changes.append(Change(label[:1].upper() + label[1:], _display(model, f.name, old, names),
                              _display(model, f.name, new, names)))
    return changes


def activity_entries(rows: list[tuple]) -> list[Activity]:
    """The page's rows (``activity_rows``' slice) as entries: two queries per history table in
    the page, and two for the names of councils and services."""
    wanted: dict[str, list[int]] = {}
    for history_id, _when, key in rows:
        wanted.setdefault(key, []).append(history_id)
    records: dict[tuple[str, int], object] = {}
    previous: dict[tuple[str, int], object] = {}
    for key, ids in wanted.items():
        source = BY_KEY[key]
        history = source.model.history
        before = history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")) \
            .order_by("-history_date", "-history_id").values("history_id")[:1]
        found = list(history.filter(history_id__in=ids).select_related("history_user", *source.related)
                     .annotate(previous_id=Subquery(before)))
        prev_ids = [r.previous_id for r in found if r.previous_id is not None and r.history_type == "~"]
        earlier = {r.history_id: r for r in history.filter(history_id__in=prev_ids)} if prev_ids else {}
        for r in found:
            records[(key, r.history_id)] = r
            if r.previous_id in earlier:
                previous[(key, r.history_id)] = earlier[r.previous_id]
    names: dict = {(Council, c.pk): c for c in Council.objects.all()}
    names.update({(ServiceType, s.pk): s for s in ServiceType.objects.all()})
    entries = []
    for history_id, _when, key in rows:
        record = records.get((key, history_id))
        if record is None:
            continue
        source = BY_KEY[key]
        before = previous.get((key, history_id))
        changes = _changes(source, record, before, names) if before is not None and source.values else []
        entries.append(Activity(
            when=record.history_date, who=record.history_user, what=str(source.what),
            label=source.describe(record), action=str(ACTIONS.get(record.history_type, record.history_type)),
            kind=source.kind, changes=changes,
        ))
    return entries


def activity_page(user: User, query: ActivityQuery, page_number) -> tuple[Page, list[Activity]]:
    """A page of the consortium's activity, newest first, and its entries."""
    page = Paginator(activity_rows(user, query), PAGE_SIZE).get_page(page_number)
    return page, activity_entries(list(page.object_list))


def activity_people(user: User) -> QuerySet[User]:
    """Whom the person filter offers: the consortium's own users."""
    if not can_see_activity(user):
        return User.objects.none()
    return (User.objects.filter(consortium_id=user.consortium_id)
            .order_by("first_name", "last_name", "username"))


__all__ = ["KINDS", "PAGE_SIZE", "Activity", "ActivityQuery", "activity_page", "activity_people",
           "activity_rows", "can_see_activity"]
