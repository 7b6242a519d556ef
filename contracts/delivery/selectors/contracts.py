"""Scoped reads of contracts and members' sub-contracts.

Who sees what:
- coordinators and board members: every contract of their consortium, with every member's
  sub-contract (lines, the rate each member is paid, values); coordinators move a contract's
  status and record variations (board members: 403 on those);
- council reviewers: their council's contracts, with the member breakdown (who delivers how
  much, where, in which time band) but never a member's rate or sub-contract value: the rate less
  the management fee is internal to the consortium;
- member users: the contracts their co-op has a sub-contract in, and of those only their own
  sub-contract;
- everyone else: nothing (404 for a contract).
Pages and API lists cost a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.models import TimeBand, User
from contracts.models import (
    CONTRACT_TRANSITIONS,
    LIVE_CONTRACT_STATUSES,
    Contract,
    ContractRate,
    ContractStatus,
    ContractVersion,
    SubContract,
    SubContractLine,
    VariationProposal,
    VariationProposalStatus,
    VariationSide,
)
from members.compliance import Block, blocks_for
from members.models import MemberCoop
from members.selectors import user_coop_id

CONSORTIUM = "consortium"
COUNCIL = "council"
MEMBER = "member"


def viewer(user: User) -> str | None:
    """How the user sees contracts: "consortium", "council", "member", or None (not at all)."""
    if not user.is_authenticated:
        return None
    if (user.is_coordinator or user.is_board_member) and user.consortium_id:
        return CONSORTIUM
    if user.is_council_reviewer and user.council_id:
        return COUNCIL
    if user.is_member_user and user_coop_id(user) is not None:
        return MEMBER
    return None


def can_see_contracts(user: User) -> bool:
    return viewer(user) is not None


def can_run_contracts(user: User) -> bool:
    return bool(user.is_authenticated and user.is_coordinator and user.consortium_id)


def can_run_contract(user: User | None, contract: Contract) -> bool:
    """The consortium's coordinators move a contract's status and record its variations (the
    pages, the API and the services ask this)."""
    return bool(user is not None and user.is_authenticated and user.is_coordinator
                and user.consortium_id == contract.consortium_id)


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    qs = Contract.objects.select_related("council", "consortium", "lot", "lot__tender", "lot__service_type")
    seen_as = viewer(user)
    if seen_as == CONSORTIUM:
        return qs.filter(consortium_id=user.consortium_id)
    if seen_as == COUNCIL:
        return qs.filter(council_id=user.council_id)
    if seen_as == MEMBER:
        return qs.filter(pk__in=SubContract.objects.filter(coop_id=user_coop_id(user)).values("contract_id"))
    return qs.none()


def contract_get_for_user(user: User, pk, *, for_write: bool = False) -> Contract:
    """A contract the user may see, or 404; with ``for_write``, 403 unless they run it."""
    try:
        contract = contracts_visible_to(user).get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_write and not can_run_contract(user, contract):
        raise PermissionDenied
    return contract


@dataclass
class ContractView:
    contract: Contract
    seen_as: str
    rates: list[ContractRate]
    versions: list[ContractVersion]
    subcontracts: list[SubContract]  # with ``lines`` prefetched; a member's own only
    can_run: bool

    @property
    def shows_member_rates(self) -> bool:
        """Members' rates and sub-contract values: the consortium and the member itself."""
        return self.seen_as != COUNCIL

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        return [(s, str(ContractStatus(s).label)) for s in CONTRACT_TRANSITIONS[self.contract.status]]

    @property
    def is_live(self) -> bool:
        return self.contract.status in LIVE_CONTRACT_STATUSES

    @property
    def version_rows(self) -> list[tuple[ContractVersion, list[tuple[str, str, str]]]]:
        """Each version with its terms as (time band's name, rate, weekly volume) rows."""
        return [
            (version, [(str(TimeBand(band).label) if band in TimeBand.values else band, t.get("rate"),
                        t.get("volume")) for band, t in sorted(version.terms.items())])
            for version in self.versions
        ]


def _subcontracts(contract: Contract) -> QuerySet[SubContract]:
    return SubContract.objects.filter(contract=contract).select_related("coop").prefetch_related(
        Prefetch("lines", queryset=SubContractLine.objects.select_related("council").order_by(
            "council__name_en", "time_band")),
    ).order_by("coop__legal_name", "pk")


def contract_view(user: User, contract: Contract) -> ContractView:
    """What of the contract the user may see (the contract comes from ``contract_get_for_user``)."""
    seen_as = viewer(user)
    if seen_as is None:
        raise Http404
    subcontracts = _subcontracts(contract)
    if seen_as == MEMBER:
        subcontracts = subcontracts.filter(coop_id=user_coop_id(user))
    return ContractView(
        contract=contract, seen_as=seen_as,
        rates=list(ContractRate.objects.filter(contract=contract).order_by("time_band")),
        versions=list(ContractVersion.objects.filter(contract=contract)
                      .select_related("created_by", "contract__council").order_by("number")),
        subcontracts=list(subcontracts),
        can_run=can_run_contracts(user) and contract.consortium_id == user.consortium_id,
    )


# --- variations, agreed by both sides ---------------------------------------------------------------

def variation_side(user: User | None, contract: Contract) -> str | None:
    """The side of the contract the user speaks for in a variation: the consortium's
    coordinators, or the council's reviewers; None for anyone else (board and members too)."""
    if user is None or not user.is_authenticated:
        return None
    if can_run_contract(user, contract):
        return VariationSide.CONSORTIUM
    if user.is_council_reviewer and user.council_id == contract.council_id:
        return VariationSide.COUNCIL
    return None


def open_proposal(contract: Contract) -> VariationProposal | None:
    """The contract's variation waiting for the other side's answer, if any (at most one)."""
    return (VariationProposal.objects.filter(contract=contract, status=VariationProposalStatus.PROPOSED)
            .select_related("proposed_by").first())


def proposal_get(contract: Contract, pk) -> VariationProposal:
    """One of the contract's variation proposals, or 404."""
    try:
        return VariationProposal.objects.select_related("contract").get(contract=contract, pk=pk)
    except (VariationProposal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- compliance gating ----------------------------------------------------------------------------

@dataclass(frozen=True)
class StartBlock:
    """A member with a sub-contract whose compliance stops the contract starting, and why."""

    coop: MemberCoop
    blocks: list[Block]


def start_blocks(contract: Contract, *, on: dt.date) -> list[StartBlock]:
    """The members with a sub-contract in ``contract`` that ``members.compliance`` blocks on
    ``on`` for the lot's service (empty: nothing stops it starting). Four queries."""
    subcontracts = SubContract.objects.filter(contract=contract).select_related("coop")
    coops = {sub.coop_id: sub.coop for sub in subcontracts}
    service = contract.lot.service_type_id
    found = blocks_for(coops, service_types=[contract.lot.service_type], on=on)
    return [StartBlock(coops[coop], found[(coop, service)])
            for coop in sorted(coops, key=lambda pk: (coops[pk].legal_name, pk)) if (coop, service) in found]


def start_blocks_seen_by(user: User, contract: Contract, *, today: dt.date | None = None) -> list[StartBlock]:
    """What holds up a pending contract's start, as the user may see it: the consortium's
    coordinators and board members every member's, a member user its own co-op's; a council
    reviewer nothing (the member's compliance is the consortium's business). Read on the start
    day, or today once that has passed (the day a start would be tried)."""
    if contract.status != ContractStatus.PENDING:
        return []
    seen_as = viewer(user)
    if seen_as not in (CONSORTIUM, MEMBER):
        return []
    today = today or timezone.localdate()
    found = start_blocks(contract, on=max(today, contract.start))
    if seen_as == MEMBER:
        own = user_coop_id(user)
        found = [b for b in found if b.coop.pk == own]
    return found


# --- sub-contracts --------------------------------------------------------------------------------

def can_see_subcontracts(user: User) -> bool:
    return viewer(user) in (CONSORTIUM, MEMBER)


def subcontracts_visible_to(user: User) -> QuerySet[SubContract]:
    """Member users: their co-op's sub-contracts; coordinators and board members: their
    consortium's; council reviewers and anyone else: none (the member breakdown is on the
    contract)."""
    qs = SubContract.objects.select_related(
        "coop", "contract", "contract__council", "contract__lot", "contract__lot__tender",
    ).prefetch_related(
        Prefetch("lines", queryset=SubContractLine.objects.select_related("council").order_by(
            "council__name_en", "time_band")),
    )
    seen_as = viewer(user)
    if seen_as == MEMBER:
        return qs.filter(coop_id=user_coop_id(user))
    if seen_as == CONSORTIUM:
        return qs.filter(contract__consortium_id=user.consortium_id)
    return qs.none()


def subcontract_get_for_user(user: User, pk) -> SubContract:
    try:
        return subcontracts_visible_to(user).get(pk=pk)
    except (SubContract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
