"""The standing confidentiality test: no persona reads another member's costs, anywhere.

Members join a consortium because it keeps their costs to themselves: a member's cost floors,
the lines of its cost build-up and their total, and its margin on a bid are its own and its
consortium's coordinators'. Nobody else may read them, on any page or API response, not even
as a bare number inside a sentence (an explanation, an error message) or as a statistic that
happens to be one member's figure (the median of three).

The world is the demo itself (``manage.py seed_demo``), two consortia bidding for one Cardiff
tender, each member with its own cost build-up, plus whatever objects the permission matrix's
policies (tests/policies/) make for the routes the demo does not reach (contracts,
negotiations, rate cards...). Every GET route of the matrix is fetched by every persona, with
the policy's object and with every demo object of the route's kind (each bid, lot, tender,
member, cost submission...), and every page and response it is allowed to read (200) is
scanned for every figure the persona must not know, written as money or as a bare number:
"£32.79", "32.79", "£1,234.56", "1234.56".

Two depths: `make test` reads every route as every login with three demo objects of each kind
(the first, the middle and the last made); `make fuzz` (FUZZ=deep) with every one of them.

What each persona must not know:
- a member co-op's user: every other member's figures, in its consortium and in any other;
- a board member: every member's own figures (the board sees rates and totals, never a
  member's costs);
- a coordinator: the figures of other consortia's members (its own members' it sees);
- council reviewers and visitors: every member's figures.

A route added later is covered once its policy is in tests/policies/ (the matrix makes sure it
is). Figures under £5 are left out: "1.55" is everywhere on a page, so its absence proves
nothing and its presence is noise; the build-up's large lines (pay, running costs), the floors,
totals and margins are what identify a member.

Left out for now, as figures the readers of a bid are shown: each bid's rates and the net
rates paid to its members. Priced at the floor, a lot's net rate is the highest member's
floor (issue 11, item 5, a decision still to be made); until it is made, the bid's own rates
are the bid's.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import World
from consortium.models import Council, Role, User
from contracts.bidding.selectors.allocation import allocation_matrix
from contracts.bidding.selectors.bids import net_rate, price_lines
from contracts.models import (
    Bid,
    Contract,
    CouncilPayment,
    DeliveryReturn,
    Entry,
    Invoice,
    Lot,
    PaymentRun,
    Remittance,
    SubContract,
    Tender,
)
from members.models import BankAccount, MemberCoop
from outcomes.models import LivingWageRate
from pricing.models import LINE_FIELDS, CostSubmission
from pricing.selectors.evidence import current_financial_year
from tests.personas import PERSONAS
from tests.policies import all_policies
from tests.routes import policy_url, web_routes
from tests.shared_rows import rows_for_the_module

pytestmark = pytest.mark.django_db

# The fast pass (`make test`) reads every GET route as every login, a route about one object
# with a sample of the demo's objects of its kind (``sample``); the exhaustive sweep (`make
# fuzz`, FUZZ=deep) reads each such route with every demo object of its kind.
EXHAUSTIVE = os.environ.get("FUZZ", "").lower() == "deep"
SMALLEST = Decimal("5.00")  # smaller lines (£1.55 of holiday pay) are too common to tell anything
# Documentation with example values, no data: not read.
NOT_READ = {"api-schema", "api-docs"}
API_PREFIX = "/api/v1/"

# Demo logins -> the matrix persona whose policy (expected answers, objects) each follows;
# None: a member user of the other consortium, which follows a member's.
LOGINS = {
    "coordinator": "coordinator",
    "board": "board",
    "member-a": "member_a",
    "member-b": "member_b",
    "reviewer": "reviewer",
    "reviewer-other": "reviewer_other",
    "coordinator-hafren": "coordinator_other",
    "member-hafren": None,
    "anonymous": "anonymous",
}


# --- what is secret ---------------------------------------------------------------------------

def renderings(value: Decimal) -> set[str]:
    """How a page or a response may write ``value``: as money or as a bare number, with or
    without the thousands separator; whole pounds also without pence, with the pound sign."""
    value = Decimal(value).quantize(Decimal("0.01"))
    forms = {f"{value}", f"{value:,}", f"£{value}", f"£{value:,}"}
    if value == value.to_integral_value():
        whole = value.to_integral_value()
        forms |= {f"£{whole}", f"£{whole:,}"}
    return forms


def pattern_for(value: Decimal) -> re.Pattern:
    """A bare number must stand alone: 32.79 is not found in 132.79 or 32.795."""
    forms = sorted(renderings(value), key=len, reverse=True)
    return re.compile(r"(?<![\d.,])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\d])")


def member_figures() -> dict[int, dict[Decimal, str]]:
    """Every member co-op's own figures, co-op id -> value -> what it is: each line of its cost
    build-ups and their totals, its floors per time band, its margins on every bid (per
    hour on the prices page, per week on the allocation), what it is paid (each remittance, and
    its total from each council payment) and its bank account number."""
    figures: dict[int, dict[Decimal, str]] = defaultdict(dict)

    def add(coop_id: int, value: Decimal | None, what: str) -> None:
        if value is not None and abs(value) >= SMALLEST:
            figures[coop_id].setdefault(abs(value).quantize(Decimal("0.01")), what)

    submissions = CostSubmission.objects.select_related("coop", "service_type").prefetch_related("floors")
    for submission in submissions:
        label = f"{submission.coop.trading_name} {submission.service_type.code} {submission.financial_year}"
        for line in (*LINE_FIELDS, "total"):
            add(submission.coop_id, getattr(submission, line), f"{label} {line}")
        for floor in submission.floors.all():
            add(submission.coop_id, floor.rate, f"{label} floor {floor.time_band}")
    bid_rates: set[Decimal] = set()
    for bid in Bid.objects.select_related("tender", "consortium"):
        for line in price_lines(bid):
            if line.rate is not None:
                bid_rates |= {line.rate, net_rate(line.rate, bid.management_fee_percent)}
            for member in line.members:
                add(member.coop.pk, member.margin,
                    f"{member.coop.trading_name} margin per hour, bid {bid.pk}")
        coordinator = User.objects.filter(consortium=bid.consortium, role=Role.COORDINATOR).first()
        if coordinator is not None:
            for row in allocation_matrix(bid, coordinator).rows:
                add(row.coop.pk, row.margin, f"{row.coop.trading_name} margin per week, bid {bid.pk}")
    # Published reference data is no member's secret: a member that pays exactly the Real Living
    # Wage shares that figure with the rate everyone may read (outcomes' Real Living Wage page).
    public = set(LivingWageRate.objects.values_list("hourly_rate", flat=True))
    for values in figures.values():
        for rate in bid_rates | public:
            values.pop(rate.quantize(Decimal("0.01")), None)
    # What a member is paid: each remittance and each payment's total to it, and its bank account.
    paid: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for remittance in Remittance.objects.select_related("coop"):
        add(remittance.coop_id, remittance.amount, f"{remittance.coop.trading_name} remittance")
        paid[(remittance.coop_id, remittance.payment_id)] += remittance.amount
    for (coop_id, payment_id), amount in paid.items():
        add(coop_id, amount, f"paid to co-op {coop_id} from payment {payment_id}")
    for account in BankAccount.objects.select_related("coop"):
        add(account.coop_id, Decimal(account.account_number), f"{account.coop.trading_name} account number")
    return figures


def allowed_coops(user: User | None) -> set[int]:
    """The co-ops whose figures ``user`` may read."""
    if user is None:
        return set()
    if user.role == Role.COORDINATOR:
        return set(MemberCoop.objects.filter(consortium=user.consortium_id).values_list("pk", flat=True))
    if user.role == Role.MEMBER:
        return set(MemberCoop.objects.filter(users__user=user).values_list("pk", flat=True))
    return set()


@dataclass
class Secrets:
    """The figures one persona must not find, each with what it is (for the report)."""

    patterns: list[tuple[re.Pattern, Decimal, str]]
    # Each figure's renderings: the pattern can only match where one of them is in the text,
    # and looking for a string is far cheaper than running the pattern over a whole page.
    forms: dict[Decimal, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        self.forms = {value: tuple(renderings(value)) for _pattern, value, _what in self.patterns}

    @classmethod
    def of(cls, user: User | None, figures: dict[int, dict[Decimal, str]]) -> Secrets:
        own = allowed_coops(user)
        known = {value for coop in own for value in figures.get(coop, {})}
        hidden = {
            value: what
            for coop, values in figures.items() if coop not in own
            for value, what in values.items()
            if value not in known  # one's own figure that another member shares is still one's own
        }
        return cls([(pattern_for(v), v, what) for v, what in sorted(hidden.items())])

    def found_in(self, text: str) -> list[str]:
        return [f"{value} ({what})" for pattern, value, what in self.patterns
                if any(form in text for form in self.forms[value]) and pattern.search(text)]


# --- what to fetch ----------------------------------------------------------------------------

def demo_world() -> World:
    users = {persona: User.objects.get(username=login) for login, persona in LOGINS.items()
             if persona and login != "anonymous"}
    users["anonymous"] = None
    coops = {coop.trading_name: coop for coop in MemberCoop.objects.all()}
    return World(
        consortium=users["coordinator"].consortium, consortium_other=users["coordinator_other"].consortium,
        coop_a=coops["Gofal Taf"], coop_b=coops["Bro Homecare"], coop_other=coops["Gofal Hafren"],
        council=Council.objects.get(code="GB-CRF"), council_other=Council.objects.get(code="GB-SWA"),
        users=users,
    )


def _objects_of_kind() -> list[tuple[re.Pattern, list[int]]]:
    """The demo's objects by the URL segment naming their kind (before the object's id)."""
    costed = CostSubmission.objects.values_list("coop", flat=True)
    return [
        (re.compile(r"(^|/)bids/$"), list(Bid.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)lots/$"), list(Lot.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)tenders/$"), list(Tender.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)entries/$"), list(Entry.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)members/$"), sorted(set(costed))),
        (re.compile(r"(^|/)submissions/$"), list(CostSubmission.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)contracts/$"), list(Contract.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)returns/$"), list(DeliveryReturn.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)invoices/$"), list(Invoice.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)payments/$"), list(CouncilPayment.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)runs/$"), list(PaymentRun.objects.values_list("pk", flat=True))),
        (re.compile(r"(^|/)owed/$"), sorted(set(SubContract.objects.values_list("coop", flat=True)))),
    ]


def sample(pks: list[int]) -> list[int]:
    """The objects of one kind a route is read with: all of them in the exhaustive sweep; in the
    fast pass the first, the middle and the last made (the demo makes consortium A's first and
    the other consortium's after, so both sides are read)."""
    pks = sorted(pks)
    if EXHAUSTIVE or len(pks) <= 3:
        return pks
    return [pks[0], pks[len(pks) // 2], pks[-1]]


def _route_path(policy) -> str:
    return policy.route.split(" ", 1)[1] if policy.is_api else "/" + web_routes()[policy.route].lstrip("^")


PARAMETER = re.compile(r"\{(\w+)\}|<(?:\w+:)?(\w+)>")


KINDS_NOT_IN_DEMO = ("contract", "award", "results", "negotiation", "rate-card", "return", "invoice")
ROLE_REFUSALS = {302, 401, 403, 405}  # answers that depend on who asks, not on the object


def urls_to_read(world: World) -> tuple[dict[str, object], dict[str, str]]:
    """URL -> the policy of the route it reads, for every GET route of the matrix: with every
    demo object of its kind for a route about one object (each bid, lot, tender...), else with
    the objects the policy names. Also the routes whose policy's objects the demo cannot hold
    (a contract needs capacity the demo's members have committed), with why."""
    kinds = _objects_of_kind()
    # Pricing pages show the current year unless asked for another: ask for each year costed.
    years = sorted(set(CostSubmission.objects.values_list("financial_year", flat=True))
                   - {current_financial_year()})
    urls: dict[str, object] = {}
    unbuilt: dict[str, str] = {}
    for policy in all_policies():
        if policy.http_method != "GET" or policy.route in NOT_READ:
            continue
        path = _route_path(policy)
        params = PARAMETER.findall(path)
        if len(params) == 1:
            name = params[0][0] or params[0][1]
            before = path[: PARAMETER.search(path).start()]
            pks = next((pks for kind, pks in kinds if kind.search(before)), None)
            if pks:
                for pk in sample(pks):
                    urls[policy_url(policy, {name: pk})] = policy
                continue
        try:
            with transaction.atomic():
                kwargs = policy.kwargs(world) if policy.kwargs else {}
            url = policy_url(policy, kwargs)
        except Exception as exc:  # noqa: BLE001 - a policy whose objects the demo cannot hold
            unbuilt[policy.label] = f"{type(exc).__name__}: {exc}"
            continue
        urls[url] = policy
        if not params and "pricing/" in path:
            for year in years:
                joiner = "&" if "?" in url else "?"
                urls[f"{url}{joiner}financial_year={year}"] = policy
    return urls, unbuilt


class Reader:
    """One persona's clients (web and API), signed in once."""

    def __init__(self, user: User | None):
        self.web, self.api = Client(), APIClient()
        if user is not None:
            self.web.force_login(user)
            self.api.force_authenticate(user)

    def read(self, url: str) -> str | None:
        """The page or response as text, or None when it is not read (not a 200)."""
        response = (self.api if url.startswith(API_PREFIX) else self.web).get(url)
        if response.status_code != 200:
            return None
        streamed = getattr(response, "streaming", False)
        body = b"".join(response.streaming_content) if streamed else response.content
        text = body.decode("utf-8", errors="replace")
        if response.get("Content-Type", "").startswith("application/json"):
            # Decimals come as strings; the same figures also as JSON numbers ("32.79" or 32.79).
            # Hours and other volumes are no one's cost: a pooled 12.60 h is not a £12.60 line.
            text = json.dumps(without_volumes(json.loads(text or "null")), ensure_ascii=False)
        return text


VOLUME_KEYS = {"declared", "committed", "available", "reserved", "staff_fte", "welsh_volume"}


def without_volumes(data):
    """The response less the values of fields that count hours, places or staff."""
    if isinstance(data, dict):
        return {key: without_volumes(value) for key, value in data.items()
                if key not in VOLUME_KEYS and "volume" not in key and "hours" not in key}
    if isinstance(data, list):
        return [without_volumes(item) for item in data]
    return data


# --- the tests --------------------------------------------------------------------------------

@dataclass
class Scan:
    leaks: list[str]
    read_per_persona: dict[str, int]
    texts: dict[str, list[str]]


def scan(urls: dict[str, object], users: dict[str, tuple[User | None, str]],
         figures: dict[int, dict[Decimal, str]]) -> Scan:
    """Every persona (name -> its user and the matrix persona whose policy it follows) reads
    every URL its role is not refused, and every page is searched for its secrets."""
    result = Scan([], {}, defaultdict(list))
    for name, (user, persona) in users.items():
        secrets = Secrets.of(user, figures)
        reader = Reader(user)
        result.read_per_persona[name] = 0
        for url, policy in urls.items():
            # A role refused the route (the matrix checks it) need not ask for every object.
            if policy.expect[persona] in ROLE_REFUSALS:
                continue
            text = reader.read(url)
            if text is None:
                continue
            result.read_per_persona[name] += 1
            result.texts[name].append(text)
            result.leaks += [f"{name} {policy.label} {url}: {found}" for found in secrets.found_in(text)]
    return result


@dataclass
class Demo:
    world: World
    urls: dict[str, object]
    unbuilt: dict[str, str]
    figures: dict[int, dict[Decimal, str]]


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker) -> Demo:
    """The demo, seeded once for the class below (about 10 s) with the URLs to read."""
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("seed_demo", stdout=io.StringIO())
            world = demo_world()
            urls, unbuilt = urls_to_read(world)
            made = Demo(world, urls, unbuilt, member_figures())
        yield made


class TestTheDemo:
    """The demo read by one login per test (so two workers can share the ~2,300 requests),
    each test in a savepoint of its own, rolled back at its end."""

    @pytest.mark.parametrize("login", LOGINS)
    def test_no_persona_reads_another_members_costs_on_any_page_or_response(self, demo, login, caplog):
        caplog.set_level(logging.ERROR, logger="django.request")  # thousands of expected 404s
        world, urls, unbuilt, figures = demo.world, demo.urls, demo.unbuilt, demo.figures
        assert len(figures) >= 4, "the demo should give at least four members costs"
        persona = LOGINS[login] or "member_b"  # a member of the other consortium: a member's policy
        users = {login: (None if login == "anonymous" else User.objects.get(username=login), persona)}

        found = scan(urls, users, figures)

        # Not vacuous: every signed-in persona read many pages, and the detector finds a member's
        # floors and margins where they belong (the coordinator's allocation and prices pages).
        count = found.read_per_persona[login]
        assert count >= (1 if login == "anonymous" else 20), (login, count)
        if login == "coordinator":
            ours = allowed_coops(world.user("coordinator"))
            own = Secrets.of(None, {coop: values for coop, values in figures.items() if coop in ours})
            seen = {hit for text in found.texts["coordinator"] for hit in own.found_in(text)}
            assert any(" total" in hit or " floor " in hit for hit in seen), seen
            assert any("margin" in hit for hit in seen), seen
            assert any("remittance" in hit or "paid to" in hit for hit in seen), seen

        assert not found.leaks, (
            f"{len(found.leaks)} figures read by someone who must not know them:\n" + "\n".join(found.leaks)
            + "\n(routes read here without their policy's object, which does not fit the demo; contracts, "
            "awards and negotiations are read in the next test: "
            + ", ".join(sorted(unbuilt)) + ")")

    def test_in_the_demo_the_board_reads_no_members_floor_where_the_coordinator_reads_them(self, demo):
        """The demo's bid in progress, read by its board member and its coordinator (the
        allocation's own tests, tests/test_allocation_confidential.py, in a world of their own)."""
        from contracts import demo as contracts_demo
        from contracts.models import Allocation
        from members import demo as members_demo
        from pricing.models import CostFloor
        from tests.test_allocation_confidential import _shows

        bid = Bid.objects.get(tender__reference=contracts_demo.REFERENCE,
                              consortium__name=members_demo.CONSORTIUM_NAME)
        coops = set(Allocation.objects.filter(bid_lot__bid=bid).values_list("coop_id", flat=True))
        floors = set(CostFloor.objects.filter(submission__coop_id__in=coops, submission__is_latest=True)
                     .values_list("rate", flat=True))
        assert floors

        def read(username: str) -> str:
            reader = Reader(User.objects.get(username=username))
            return (reader.web.get(reverse("bid-allocation", args=[bid.pk])).content.decode()
                    + reader.api.get(f"{API_PREFIX}bids/{bid.pk}/allocation/").content.decode())

        assert any(_shows(read("coordinator"), floor) for floor in floors)
        board = read("board")
        assert "price limited by members" in board
        assert [floor for floor in floors if _shows(board, floor)] == []


def test_no_persona_reads_another_members_costs_on_contracts_and_awards(world, caplog):
    """The routes the demo has no objects for (an award, its contract and sub-contracts, a
    negotiation, rate cards) read in the matrix's own world, whose policies make them, with
    each member's build-up its own."""
    from tests.pricing_factories import cost_submission

    caplog.set_level(logging.ERROR, logger="django.request")
    for coop, pay in ((world.coop_a, "12.63"), (world.coop_b, "12.87"), (world.coop_other, "12.71")):
        cost_submission(coop, hourly_pay=pay, financial_year=2026)
    urls = {}
    for policy in all_policies():
        about = policy.route if policy.kwargs and policy.http_method == "GET" else ""
        if any(word in about for word in KINDS_NOT_IN_DEMO):
            urls[policy_url(policy, policy.kwargs(world))] = policy
    assert len(urls) >= 10, sorted(urls)
    figures = member_figures()
    users = {persona: (world.user(persona), persona) for persona in PERSONAS}

    found = scan(urls, users, figures)

    assert found.read_per_persona["coordinator"] >= 8, found.read_per_persona
    assert not found.leaks, f"{len(found.leaks)} figures read by someone who must not know them:\n" + (
        "\n".join(found.leaks))


# --- what a write's refusal tells ---------------------------------------------------------------

def test_changing_an_allocation_never_names_another_consortiums_member(world, api_for):
    """A hand change naming a co-op the coordinator may not see is refused as one naming no
    co-op at all: looping over ids must not list another consortium's members."""
    from tests.policies.contracts_allocation import _bid

    bid = _bid(world)
    lot = bid.bid_lots.get().lot
    missing = max(MemberCoop.objects.values_list("pk", flat=True)) + 1000

    def refusal(coop_id: int) -> tuple[int, str]:
        change = {"lot": lot.pk, "coop": coop_id, "council": world.council.pk,
                  "time_band": "weekday_day", "volume": "5"}
        response = api_for("coordinator").patch(f"{API_PREFIX}bids/{bid.pk}/allocation/",
                                                {"changes": [change]}, format="json")
        return response.status_code, response.content.decode()

    status, text = refusal(world.coop_other.pk)
    assert status == 400, text
    for name in (world.coop_other.legal_name, world.coop_other.trading_name):
        assert name not in text
    assert (status, text.replace(str(world.coop_other.pk), "<id>")) == (
        refusal(missing)[0], refusal(missing)[1].replace(str(missing), "<id>"))
