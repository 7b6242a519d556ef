"""The header's navigation, short per role: the dashboard first, then a handful of sections.
A section with one page for the role links straight to it; one with more opens its hub page,
which lists them (so every page stays two clicks from anywhere).

Who sees an entry repeats who may open the page (the pages' own checks decide; a page left out
here is still reachable from its hub or its section's pages)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

COORDINATOR, BOARD, MEMBER, REVIEWER = "coordinator", "board_member", "member", "council_reviewer"
APPLICANT, STAFF = "applicant", "staff_admin"
CONSORTIUM = (COORDINATOR, BOARD, MEMBER)
EVERYONE = (COORDINATOR, BOARD, MEMBER, REVIEWER, APPLICANT, STAFF)


@dataclass(frozen=True)
class Entry:
    label: object
    url_name: str
    roles: tuple[str, ...]
    needs_council: bool = False  # a reviewer's account linked to a council

    def shown_to(self, user) -> bool:
        if user.role not in self.roles:
            return False
        return not (self.needs_council and user.role == REVIEWER and not user.council_id)


@dataclass(frozen=True)
class Section:
    slug: str
    label: object
    entries: tuple[Entry, ...]
    member_label: object = None  # a member co-op user's name for the section, where it differs
    flat_for: tuple[str, ...] = ()  # roles whose header lists the section's pages themselves

    def label_for(self, user) -> object:
        return self.member_label if (self.member_label and user.role == MEMBER) else self.label

    def entries_for(self, user) -> list[Entry]:
        return [entry for entry in self.entries if entry.shown_to(user)]


SECTIONS: tuple[Section, ...] = (
    Section("members", _("Members"), (
        Entry(_("Member register"), "member-list", (COORDINATOR, BOARD)),
        Entry(_("Your co-op's profile"), "member-list", (MEMBER,)),
        Entry(_("Compliance documents"), "document-list", (COORDINATOR, MEMBER)),
        Entry(_("Capacity"), "capacity-list", (COORDINATOR, MEMBER)),
        Entry(_("Pooled capacity"), "pooled-capacity", (COORDINATOR, BOARD)),
        Entry(_("Activity"), "activity", (COORDINATOR,)),
    ), member_label=_("Your co-op")),
    Section("governance", _("Governance"), (
        Entry(_("Governance"), "governance-home", CONSORTIUM),
        Entry(_("Your application"), "join-application", (APPLICANT,)),
    )),
    Section("bids", _("Bids and contracts"), (
        Entry(_("Tenders"), "tender-list", (*CONSORTIUM, REVIEWER, STAFF)),
        Entry(_("Joint bids"), "bid-list", CONSORTIUM),
        Entry(_("Bids to review"), "review-list", (REVIEWER,), needs_council=True),
        Entry(_("Our sub-contracts"), "subcontract-list", (MEMBER,)),
        Entry(_("Contracts"), "contract-list", (COORDINATOR, BOARD, REVIEWER)),
    ), flat_for=(REVIEWER,)),  # a reviewer's daily work: each page in the header
    Section("prices", _("Prices"), (
        Entry(_("Cost calculator"), "pricing-calculator", EVERYONE),
        Entry(_("Cost submissions"), "cost-submission-list", (COORDINATOR, MEMBER)),
        Entry(_("Cost evidence"), "cost-evidence", CONSORTIUM),
        Entry(_("Pricing scenarios"), "pricing-scenario", (COORDINATOR,)),
        Entry(_("Rate cards"), "rate-card-list", (*CONSORTIUM, REVIEWER)),
        Entry(_("Negotiations"), "negotiation-list", (*CONSORTIUM, REVIEWER)),
    )),
    Section("money", _("Money"), (
        Entry(_("Invoices"), "invoice-list", (COORDINATOR, BOARD, REVIEWER)),
        Entry(_("What I am owed"), "owed-mine", (MEMBER,)),
        Entry(_("Payments"), "payment-list", (COORDINATOR, REVIEWER)),
        Entry(_("Ledger"), "consortium-ledger", (BOARD,)),
    )),
    Section("benchmarks", _("Benchmarks"), (
        Entry(_("Benchmarks"), "benchmark-page", CONSORTIUM),
        Entry(_("Benchmarks"), "council-benchmark", (REVIEWER,)),
    )),
)


def section_get(slug: str) -> Section:
    return next(section for section in SECTIONS if section.slug == slug)


@dataclass(frozen=True)
class NavLink:
    label: object
    url: str
    current: bool


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another part of the product has not added yet
        return None


def hub_links(user, section: Section) -> list[NavLink]:
    """The section's pages the user may open, for its hub page."""
    links = []
    for entry in section.entries_for(user):
        url = _url(entry.url_name)
        if url is not None:
            links.append(NavLink(entry.label, url, False))
    return links


def navigation_for(user, current_url_name: str | None = None,
                   current_hub: str | None = None) -> list[NavLink]:
    """The user's top-level entries after the dashboard: one per section with a page for them;
    ``current`` marks the section the page being shown belongs to."""
    links = []
    for section in SECTIONS:
        entries = [entry for entry in section.entries_for(user) if _url(entry.url_name)]
        if not entries:
            continue
        in_section = current_hub == section.slug or any(e.url_name == current_url_name for e in entries)
        if len(entries) == 1 or user.role in section.flat_for:
            for entry in entries:
                here = entry.url_name == current_url_name or (len(entries) == 1 and in_section)
                links.append(NavLink(entry.label, reverse(entry.url_name), here))
        else:
            links.append(NavLink(section.label_for(user), reverse(f"hub-{section.slug}"), in_section))
    return links
