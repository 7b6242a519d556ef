"""Reserved contracts under the Procurement Act 2023: each bidder's evidence against each test of
section 33 (public service mutuals) and section 32 (supported employment providers).

Pure: no database. ``outcomes/selectors/reserved.py`` gathers the register, governance and
contract records into the plain values below and calls these functions; each returns a
``Finding``: met, not met or cannot decide, with a reason code and its parameters (the words are
put together in the reader's language when the page is drawn) and the evidence behind it.

The product decides a test only where its records settle it. Where they cannot (a body's
purposes, the articles of a company limited by guarantee, contracts awarded outside this system),
the finding is "cannot decide" with the evidence shown, or the verdict says what the records do
not cover. A consortium of co-operatives, or a co-operative led by the people it serves, may not
be "under the management and control of its employees" (s.33(6)(c)): the test is never "met"
where any member is led by or controlled by service users.

The Act's words are quoted exactly (legislation.gov.uk, ukpga/2023/54, sections 32 and 33, as
enacted), each beside the function that applies it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from consortium import formatting
from contracts.tendering.reservation import latest_end, term_within_five_years
from governance.evidence import add_months
from members.models import CoopType, LegalForm, SocialCoopType

HUNDRED = Decimal("100")
ONE_PLACE = Decimal("0.1")
#: s.33(5): "during the period of three years ending with the day on which the contract ... is awarded".
COMPARABLE_YEARS = 3
#: s.32(4)(a)-(c): "at least 30 per cent of the workforce".
SUPPORTED_SHARE = Decimal("30")
#: s.33(6)(c): control by employees: more than half of the votes is the least that could be control.
CONTROL_SHARE = Decimal("50")


class Verdict(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    CANNOT_DECIDE = "cannot_decide", _("Cannot decide from the records")


class Test(models.TextChoices):
    TERM = "s33_1", _("Section 33(1): light touch services, a term of five years or less")
    PURPOSE = "s33_6a", _("Section 33(6)(a): operates to deliver public services")
    PROFITS = "s33_6b", _("Section 33(6)(b): not-for-profit, or profits only to members")
    CONTROL = "s33_6c", _("Section 33(6)(c): under the management and control of its employees")
    COMPARABLE = "s33_5", _("Section 33(5): no comparable contract in the last three years")
    SUPPORTED = "s32_4", _("Section 32(4): a supported employment provider")


#: The Act's words, exactly, for each test (Procurement Act 2023, as enacted).
QUOTES: dict[str, tuple[str, str]] = {
    Test.TERM: ("s.33(1)", "This section applies in relation to the award of a public contract under "
                "section 19 if the contract— (a) is for reservable light touch services, and (b) has "
                "a maximum term of five years or less."),
    Test.PURPOSE: ("s.33(6)(a)", "operates for the purpose of delivering public services and mainly for "
                   "the purpose of delivering one or more reservable light touch services,"),
    Test.PROFITS: ("s.33(6)(b)", "is run on a not-for-profit basis or provides for the distribution of "
                   "profits only to members, and"),
    Test.CONTROL: ("s.33(6)(c)", "is under the management and control of its employees."),
    Test.COMPARABLE: ("s.33(5) and (7)", "A “qualifying public service mutual” means a public service "
                      "mutual that has not entered into a comparable contract during the period of "
                      "three years ending with the day on which the contract referred to in subsection "
                      "(1) is awarded. ... “comparable contract” means a contract that was— (a) a "
                      "contract for the same kind of services, (b) awarded by the same contracting "
                      "authority, and (c) awarded in reliance on this section;"),
    Test.SUPPORTED: ("s.32(4)", "A “supported employment provider” means an organisation that operates "
                     "wholly or partly for the purpose of providing employment, or employment-related "
                     "support, to disabled or disadvantaged individuals where— (a) disabled or "
                     "disadvantaged individuals represent at least 30 per cent of the workforce of the "
                     "organisation, ... or (c) if more than one organisation is to perform the contract, "
                     "disabled or disadvantaged individuals represent at least 30 per cent of the "
                     "combined workforce of— (i) those organisations,"),
}



def source_of(test: str) -> str:
    """Where the quoted section is published (legislation.gov.uk, as enacted)."""
    section = "32" if test == Test.SUPPORTED else "33"
    return f"https://www.legislation.gov.uk/ukpga/2023/54/section/{section}/enacted"


S33_TESTS = (Test.PURPOSE, Test.PROFITS, Test.CONTROL, Test.COMPARABLE)
S32_TESTS = (Test.SUPPORTED,)

#: Why a finding is what it is: a reason code and the words, filled in from its parameters.
REASONS: dict[str, Any] = {
    "term_within": _("The contract runs from %(start)s to %(end)s: a term of five years or less. Social "
                     "care services are light touch services; the regulations' list of reservable "
                     "light touch services is not checked here."),
    "term_over": _("The contract runs from %(start)s to %(end)s: longer than five years (it would have "
                   "to end by %(latest)s)."),
    "purpose_not_recorded": _("The records show the services the members offer and the contracts held, "
                              "not the purposes in the bidder's rules: read its governing document."),
    "legal_form_settles": _("The bidder's legal form, %(form)s, settles the test."),
    "bidder_form_not_recorded": _("The consortium's own legal form is not in these records, and its "
                                  "members' legal forms do not settle how the consortium itself "
                                  "distributes profits: read its rules."),
    "legal_form_open": _("The bidder's legal form, %(form)s, does not settle how profits are "
                         "distributed: read its governing document."),
    "workers_hold_all": _("In these records the workers hold every vote at general meetings (through "
                          "their member co-ops) and every board seat."),
    "others_hold_majority": _("Workers hold at most %(share)s%% of the votes at general meetings: the "
                              "bidder is controlled by others."),
    "user_led_members": _("Member co-ops led by the people they serve or by consumers: %(count)s. The "
                          "bidder is not under the control of its employees alone, and this product "
                          "does not say it is."),
    "control_not_settled": _("The records do not settle who manages and controls the bidder: workers "
                             "hold between %(low)s%% and %(high)s%% of the votes at general meetings and "
                             "%(seats)s of %(all_seats)s board seats."),
    "comparable_found": _("%(reference)s, a comparable contract, was awarded on %(day)s: within the three "
                          "years ending on %(award_day)s."),
    "no_comparable_in_records": _("No comparable contract in these records in the three years ending on "
                                  "%(award_day)s (from %(since)s). Contracts awarded outside this system "
                                  "are not known."),
    "no_workforce": _("No workers are recorded for the members taking part."),
    "supported_share_met": _("Disadvantaged workers are %(share)s%% of the combined workforce of the "
                             "members taking part, and %(type_b)s of them are type B (work integration) "
                             "social co-ops."),
    "supported_purpose_not_recorded": _("Disadvantaged workers are %(share)s%% of the combined workforce, "
                                        "but no member taking part is recorded as a type B (work "
                                        "integration) social co-op: the purpose is not in the records."),
    "supported_share_below": _("Disadvantaged workers are %(share)s%% of the combined workforce of the "
                               "members taking part: less than 30 per cent."),
    "supported_share_partial": _("Disadvantaged workers recorded are %(share)s%% of the combined "
                                 "workforce, but the register records them for type B social co-ops "
                                 "only: the share of the others is not known."),
    "no_records": _("A bid from outside the system: there are no register, governance or contract "
                    "records of this bidder here. Ask the bidder for its evidence."),
}

#: What each piece of evidence is.
EVIDENCE: dict[str, Any] = {
    "contract_term": _("Contract period"),
    "members": _("Member co-ops"),
    "services": _("Services the members offer"),
    "contracts_held": _("Live contracts the consortium holds"),
    "bidder_legal_form": _("The bidder's legal form"),
    "member_legal_forms": _("Members' legal forms"),
    "registration": _("Registration number"),
    "worker_votes": _("Workers' share of the votes at general meetings (through their member co-ops)"),
    "worker_class_votes": _("Worker co-ops' share of the votes at general meetings"),
    "worker_seats": _("Board seats held by worker co-ops' nominees"),
    "user_led_members": _("Member co-ops led by service users or consumers"),
    "members_without_classes": _("Member co-ops with no stakeholder classes recorded"),
    "comparable_contracts": _("Comparable contracts in these records"),
    "comparable_window": _("Three years ending on"),
    "performing": _("Member co-ops taking part"),
    "type_b": _("Type B (work integration) social co-ops among them"),
    "workforce": _("Workers"),
    "disadvantaged": _("Disadvantaged workers"),
    "disadvantaged_share": _("Disadvantaged workers' share"),
}


@dataclass(frozen=True)
class Evidence:
    code: str
    value: Any

    @property
    def label(self):
        return EVIDENCE[self.code]

    @property
    def many(self) -> bool:
        return isinstance(self.value, (list, tuple))


@dataclass(frozen=True)
class Finding:
    test: str
    verdict: str
    reason: str
    params: dict = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    @property
    def title(self):
        return Test(self.test).label

    @property
    def section(self) -> str:
        return QUOTES[self.test][0]

    @property
    def quote(self) -> str:
        return QUOTES[self.test][1]

    @property
    def verdict_label(self):
        return Verdict(self.verdict).label

    @property
    def message(self) -> str:
        """The reason in the active language (read when the page is drawn)."""
        return str(REASONS[self.reason]) % self.params


# --- the records, as plain values ----------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A member co-op as the register has it."""

    name: str
    legal_form: str = LegalForm.OTHER
    coop_type: str = CoopType.WORKER
    social_coop_type: str = SocialCoopType.NONE
    total_workers: int = 0
    disadvantaged_workers: int = 0
    #: The share of the co-op's own votes held by its workers' class (None: no classes recorded).
    workers_vote_share: Decimal | None = None
    #: The share held by service users and carers (None: no classes recorded).
    users_vote_share: Decimal | None = None
    services: tuple[str, ...] = ()
    #: Taking part in the bid for this lot (s.32(4)(c): "if more than one organisation is to perform").
    performs: bool = True


@dataclass(frozen=True)
class Comparable:
    """A contract of the bidder's from the same council, on a tender reserved under s.33, for the
    same service (s.33(7)(a)-(c)); ``entered_on`` is the day it was entered into (its award
    confirmed)."""

    reference: str
    entered_on: dt.date


@dataclass(frozen=True)
class Bidder:
    name: str
    members: tuple[Member, ...] = ()
    legal_form: str | None = None  # the bidder's own; None: not recorded (a consortium)
    registration: str = ""
    #: How general meeting votes are weighted (governance rules in force): class -> weight, or
    #: empty for one member one vote.
    class_weights: dict = field(default_factory=dict)
    #: Board seats held now, by the nominating co-op's class.
    board_seats: dict = field(default_factory=dict)
    contracts_held: tuple[str, ...] = ()
    comparable: tuple[Comparable, ...] = ()


# --- helpers -------------------------------------------------------------------------------------


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(ONE_PLACE)


def _day(day: dt.date) -> str:
    return formatting.day(day)


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def class_vote_shares(members: Sequence[Member], class_weights: dict) -> dict[str, Decimal]:
    """Each member co-op's share of the votes at a general meeting (percent), by position in
    ``members``: one member one vote, or the class's weight shared equally among the class's
    members, over the weights of the classes that have members (as governance counts them)."""
    if not members:
        return {}
    counts = Counter(m.coop_type for m in members)
    if class_weights:
        weights = {kind: Decimal(str(w)) for kind, w in class_weights.items() if counts.get(kind)}
        whole = sum(weights.values(), Decimal("0"))
        if whole:
            return {i: weights.get(m.coop_type, Decimal("0")) * HUNDRED / whole / counts[m.coop_type]
                    for i, m in enumerate(members)}
    return {i: HUNDRED / len(members) for i in range(len(members))}


# --- section 33 ----------------------------------------------------------------------------------


def term_test(start: dt.date, end: dt.date) -> Finding:
    """s.33(1): "(a) is for reservable light touch services, and (b) has a maximum term of five
    years or less." The term is the tender's (end - start); social care services are light touch."""
    params = {"start": _day(start), "end": _day(end), "latest": _day(latest_end(start))}
    evidence = (Evidence("contract_term", f"{_day(start)} – {_day(end)}"),)
    if term_within_five_years(start, end):
        return Finding(Test.TERM, Verdict.MET, "term_within", params, evidence)
    return Finding(Test.TERM, Verdict.NOT_MET, "term_over", params, evidence)


def purpose_test(bidder: Bidder) -> Finding:
    """s.33(6)(a): "operates for the purpose of delivering public services and mainly for the
    purpose of delivering one or more reservable light touch services". A body's purposes are in
    its rules, not in the register: the evidence is shown, never a verdict."""
    services = sorted({s for m in bidder.members for s in m.services})
    evidence = (Evidence("members", len(bidder.members)), Evidence("services", services),
                Evidence("contracts_held", list(bidder.contracts_held)))
    return Finding(Test.PURPOSE, Verdict.CANNOT_DECIDE, "purpose_not_recorded", {}, evidence)


#: Legal forms that settle s.33(6)(b): a co-operative society (2014 Act) distributes profits, if
#: at all, to its members; a community interest company's assets and profits are locked to its
#: community purpose, with any dividend capped and paid to its members.
SETTLING_FORMS = (LegalForm.COOPERATIVE_SOCIETY, LegalForm.CIC)


def profits_test(bidder: Bidder) -> Finding:
    """s.33(6)(b): "is run on a not-for-profit basis or provides for the distribution of profits
    only to members". Decided only where the bidder's own legal form settles it; a company limited
    by guarantee (its articles decide) or another form is "cannot decide"."""
    forms = Counter(_label(LegalForm, m.legal_form) for m in bidder.members)
    evidence = [Evidence("bidder_legal_form",
                         _label(LegalForm, bidder.legal_form) if bidder.legal_form else "–"),
                Evidence("member_legal_forms", [f"{name}: {n}" for name, n in sorted(forms.items())])]
    if bidder.registration:
        evidence.append(Evidence("registration", bidder.registration))
    if not bidder.legal_form:
        return Finding(Test.PROFITS, Verdict.CANNOT_DECIDE, "bidder_form_not_recorded", {}, tuple(evidence))
    params = {"form": _label(LegalForm, bidder.legal_form)}
    if bidder.legal_form in SETTLING_FORMS:
        return Finding(Test.PROFITS, Verdict.MET, "legal_form_settles", params, tuple(evidence))
    return Finding(Test.PROFITS, Verdict.CANNOT_DECIDE, "legal_form_open", params, tuple(evidence))


def _led_by_users(member: Member) -> bool:
    """A co-op led by the people it serves (or by consumers), or whose service users and carers
    hold more than half of its votes."""
    return (member.coop_type in (CoopType.USER_LED, CoopType.CONSUMER)
            or (member.users_vote_share is not None and member.users_vote_share > CONTROL_SHARE))


def control_test(bidder: Bidder) -> Finding:
    """s.33(6)(c): "is under the management and control of its employees."

    What the records show: each member co-op's share of the consortium's general meeting votes
    (the rules' weighting), times the share of that co-op's own votes its workers hold (its
    stakeholder classes), summed; a co-op with no classes recorded counts as none (the lower
    bound) and as all (the upper bound). And the board seats held by worker co-ops' nominees.

    - Never "met" where any member co-op is led by service users or consumers.
    - "Met" only where workers hold every vote (lower bound 100%) and every board seat.
    - "Not met" where workers hold at most half of the votes (upper bound at most 50%): others
      control the bidder.
    - Otherwise "cannot decide", with the figures.
    """
    members = bidder.members
    shares = class_vote_shares(members, bidder.class_weights)
    low = high = Decimal("0")
    unknown = 0
    for i, member in enumerate(members):
        if member.workers_vote_share is None:
            unknown += 1
            high += shares[i]
        else:
            part = shares[i] * Decimal(member.workers_vote_share) / HUNDRED
            low += part
            high += part
    low, high = low.quantize(ONE_PLACE), high.quantize(ONE_PLACE)
    worker_class = sum((shares[i] for i, m in enumerate(members) if m.coop_type == CoopType.WORKER),
                       Decimal("0")).quantize(ONE_PLACE)
    seats = sum(bidder.board_seats.values())
    worker_seats = bidder.board_seats.get(CoopType.WORKER, 0)
    user_led = [m.name for m in members if _led_by_users(m)]
    evidence = (
        Evidence("worker_votes", f"{low}%" if low == high else f"{low}% – {high}%"),
        Evidence("worker_class_votes", f"{worker_class}%"),
        Evidence("worker_seats", f"{worker_seats} / {seats}"),
        Evidence("user_led_members", user_led),
        Evidence("members_without_classes", unknown),
    )
    if members and high <= CONTROL_SHARE:
        return Finding(Test.CONTROL, Verdict.NOT_MET, "others_hold_majority", {"share": high}, evidence)
    if user_led:
        return Finding(Test.CONTROL, Verdict.CANNOT_DECIDE, "user_led_members", {"count": len(user_led)},
                       evidence)
    if members and low == HUNDRED and seats and worker_seats == seats:
        return Finding(Test.CONTROL, Verdict.MET, "workers_hold_all", {}, evidence)
    return Finding(Test.CONTROL, Verdict.CANNOT_DECIDE, "control_not_settled",
                   {"low": low, "high": high, "seats": worker_seats, "all_seats": seats}, evidence)


def window_start(award_day: dt.date) -> dt.date:
    """The first day of "the period of three years ending with the day on which the contract ...
    is awarded" (s.33(5)): the day after the same date three years before."""
    return add_months(award_day, -12 * COMPARABLE_YEARS) + dt.timedelta(days=1)


def comparable_test(comparable: Iterable[Comparable], award_day: dt.date) -> Finding:
    """s.33(5): a qualifying public service mutual "has not entered into a comparable contract
    during the period of three years ending with the day on which the contract referred to in
    subsection (1) is awarded"; s.33(7): a "comparable contract" is "(a) a contract for the same
    kind of services, (b) awarded by the same contracting authority, and (c) awarded in reliance on
    this section". ``comparable`` holds the contracts of this system that meet (a)-(c); the award
    day is the award's, or today's while the contract is not yet awarded. Only this system's
    records are known: the verdict says so."""
    since = window_start(award_day)
    within = sorted((c for c in comparable if since <= c.entered_on <= award_day),
                    key=lambda c: c.entered_on, reverse=True)
    evidence = (Evidence("comparable_window", _day(award_day)),
                Evidence("comparable_contracts",
                         [f"{c.reference} ({_day(c.entered_on)})" for c in comparable]))
    if within:
        found = within[0]
        return Finding(Test.COMPARABLE, Verdict.NOT_MET, "comparable_found",
                       {"reference": found.reference, "day": _day(found.entered_on),
                        "award_day": _day(award_day)}, evidence)
    return Finding(Test.COMPARABLE, Verdict.MET, "no_comparable_in_records",
                   {"award_day": _day(award_day), "since": _day(since)}, evidence)


# --- section 32 ----------------------------------------------------------------------------------


def supported_test(bidder: Bidder) -> Finding:
    """s.32(4): an organisation "that operates wholly or partly for the purpose of providing
    employment, or employment-related support, to disabled or disadvantaged individuals where—
    ... (c) if more than one organisation is to perform the contract, disabled or disadvantaged
    individuals represent at least 30 per cent of the combined workforce of— (i) those
    organisations". The members taking part are the organisations; a type B (work integration)
    social co-op is one that operates for that purpose. The register records disadvantaged
    workers for type B co-ops only, so a share below 30% is decided only when every member taking
    part is type B."""
    performing = [m for m in bidder.members if m.performs]
    type_b = [m for m in performing if m.social_coop_type == SocialCoopType.B]
    workforce = sum(m.total_workers for m in performing)
    disadvantaged = sum(m.disadvantaged_workers for m in performing)
    share = _pct(disadvantaged, workforce)
    evidence = (Evidence("performing", [m.name for m in performing]),
                Evidence("type_b", [m.name for m in type_b]),
                Evidence("workforce", workforce), Evidence("disadvantaged", disadvantaged),
                Evidence("disadvantaged_share", "–" if share is None else f"{share}%"))
    if share is None:
        return Finding(Test.SUPPORTED, Verdict.CANNOT_DECIDE, "no_workforce", {}, evidence)
    if share >= SUPPORTED_SHARE:
        if type_b:
            return Finding(Test.SUPPORTED, Verdict.MET, "supported_share_met",
                           {"share": share, "type_b": len(type_b)}, evidence)
        return Finding(Test.SUPPORTED, Verdict.CANNOT_DECIDE, "supported_purpose_not_recorded",
                       {"share": share}, evidence)
    if len(type_b) == len(performing):
        return Finding(Test.SUPPORTED, Verdict.NOT_MET, "supported_share_below", {"share": share}, evidence)
    return Finding(Test.SUPPORTED, Verdict.CANNOT_DECIDE, "supported_share_partial", {"share": share},
                   evidence)


# --- a bidder, all tests ----------------------------------------------------------------------------


def no_records(tests: Sequence[str]) -> list[Finding]:
    """A bid from outside the system: "no records" for each test."""
    return [Finding(test, Verdict.CANNOT_DECIDE, "no_records") for test in tests]


def findings(reservation: str, bidder: Bidder | None, award_day: dt.date) -> list[Finding]:
    """Every test of the reservation ("s33" or "s32") for one bidder (None: from outside the
    system, no records)."""
    tests = S33_TESTS if reservation == "s33" else S32_TESTS
    if bidder is None:
        return no_records(tests)
    if reservation == "s33":
        return [purpose_test(bidder), profits_test(bidder), control_test(bidder),
                comparable_test(bidder.comparable, award_day)]
    return [supported_test(bidder)]


def overall(found: Sequence[Finding]) -> str:
    """Not met if any test is not met; met if every test is met; otherwise cannot decide."""
    verdicts = {f.verdict for f in found}
    if Verdict.NOT_MET in verdicts:
        return Verdict.NOT_MET
    if found and verdicts == {Verdict.MET}:
        return Verdict.MET
    return Verdict.CANNOT_DECIDE
