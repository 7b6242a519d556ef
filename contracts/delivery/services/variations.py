"""Variations agreed by both sides of a contract: either side proposes (the consortium's
coordinators, or the council's reviewers of the contract's council), the other accepts, which
records the variation as the contract's next version (``contract_vary_as_agreed``), or declines
with a reason. The side that proposed may withdraw its proposal, never accept it. One proposal
waits for an answer at a time.

A proposal is tried when it is made, in a savepoint rolled back at once, so whatever the
variation would refuse (a day that splits a billed period, a volume the members' capacity cannot
take, a figure out of range) is refused then, beside its field, and nothing is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.audit import save_audited
from consortium.cleaning import clean_reason
from consortium.errors import Conflict, DomainError, require
from consortium.models import User
from contracts.delivery.selectors.contracts import variation_side
from contracts.delivery.services.contracts import contract_vary_as_agreed
from contracts.models import (
    Contract,
    ContractVersion,
    VariationProposal,
    VariationProposalStatus,
    VariationSide,
)

ONLY_THE_SIDES = gettext_lazy("Only the consortium's coordinators and the council's reviewers of this "
                              "contract can do this.")


class _TriedOut(Exception):
    """Raised inside the trial's savepoint to roll back a variation that would have worked."""


def _figures(*, rates: Mapping[str, Any] | None, volumes: Mapping[str, Any] | None, start: dt.date | None,
             end: dt.date | None, effective_from: dt.date | None) -> dict:
    figures: dict = {}
    if rates is not None:
        figures["rates"] = {band: str(value) for band, value in rates.items()}
    if volumes is not None:
        figures["volumes"] = {band: str(value) for band, value in volumes.items()}
    for name, day in (("start", start), ("end", end), ("effective_from", effective_from)):
        if day is not None:
            figures[name] = day.isoformat()
    return figures


def proposal_arguments(proposal: VariationProposal) -> dict:
    """What the proposal changes, as ``contract_vary_as_agreed`` takes it."""
    figures = proposal.figures or {}
    arguments: dict = {"kind": proposal.kind, "reason": proposal.reason}
    for name in ("rates", "volumes"):
        if name in figures:
            arguments[name] = dict(figures[name])
    for name in ("start", "end", "effective_from"):
        if figures.get(name):
            arguments[name] = dt.date.fromisoformat(figures[name])
    return arguments


def _open_for(proposal: VariationProposal, by: User, *, proposer: bool, refusal: str) -> VariationProposal:
    """The proposal, locked, once ``by`` is on the side that may act on it (the side that
    proposed it if ``proposer``, else the other) and it still waits for an answer."""
    proposal = VariationProposal.objects.select_for_update().select_related("contract").get(pk=proposal.pk)
    side = variation_side(by, proposal.contract)
    require(side is not None, ONLY_THE_SIDES)
    require((side == proposal.proposed_by_side) == proposer, refusal)
    if proposal.status != VariationProposalStatus.PROPOSED:
        raise Conflict(_("This proposal has already been answered or withdrawn."))
    return proposal


def _close(proposal: VariationProposal, status: str, by: User) -> VariationProposal:
    proposal.status, proposal.answered_by, proposal.answered_at = status, by, timezone.now()
    save_audited(proposal, by)
    return proposal


@transaction.atomic
def variation_propose(*, contract: Contract, by: User, kind: str, reason: str,
                      rates: Mapping[str, Any] | None = None, volumes: Mapping[str, Any] | None = None,
                      start: dt.date | None = None, end: dt.date | None = None,
                      effective_from: dt.date | None = None) -> VariationProposal:
    """Propose a variation of a live contract for the other side to accept or decline."""
    contract = Contract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    side = variation_side(by, contract)
    require(side is not None, ONLY_THE_SIDES)
    if VariationProposal.objects.filter(contract=contract, status=VariationProposalStatus.PROPOSED).exists():
        raise Conflict(_("A proposed variation is already waiting for an answer: it is accepted, declined "
                         "or withdrawn first."))
    arguments = {"kind": kind, "reason": reason, "rates": rates, "volumes": volumes, "start": start,
                 "end": end, "effective_from": effective_from}
    try:
        with transaction.atomic():
            contract_vary_as_agreed(contract=contract, by=by, **arguments)
            raise _TriedOut
    except _TriedOut:
        pass
    except DomainError as error:
        # Members' capacity is the consortium's to know: the council hears only that it lacks.
        if side == VariationSide.COUNCIL and error.code == "capacity":
            raise DomainError(_("The members cannot take this on as it stands: ask the consortium what "
                                "they can take."), field="kind", code="capacity") from None
        raise
    proposal = VariationProposal(
        contract=contract, kind=kind,
        reason=clean_reason(reason, missing=_("Say why the contract is varied.")),
        figures=_figures(rates=rates, volumes=volumes, start=start, end=end, effective_from=effective_from),
        proposed_by_side=side, proposed_by=by,
    )
    save_audited(proposal, by)
    return proposal


@transaction.atomic
def variation_accept(*, proposal: VariationProposal, by: User) -> ContractVersion:
    """The other side accepts the proposal: the variation is recorded as the contract's next
    version. The side that proposed it cannot accept it."""
    refusal = _("Your side proposed this variation: the other side accepts or declines it.")
    proposal = _open_for(proposal, by, proposer=False, refusal=refusal)
    proposal.version = contract_vary_as_agreed(contract=proposal.contract, by=by,
                                               **proposal_arguments(proposal))
    return _close(proposal, VariationProposalStatus.ACCEPTED, by).version


@transaction.atomic
def variation_decline(*, proposal: VariationProposal, by: User, reason: str) -> VariationProposal:
    """The other side declines the proposal, saying why: the contract stays as it is."""
    proposal = _open_for(proposal, by, proposer=False,
                         refusal=_("Your side proposed this variation: withdraw it instead."))
    proposal.answer_reason = clean_reason(reason, missing=_("Say why the variation is declined."))
    return _close(proposal, VariationProposalStatus.DECLINED, by)


@transaction.atomic
def variation_withdraw(*, proposal: VariationProposal, by: User) -> VariationProposal:
    """The side that proposed the variation withdraws it before the other side answers."""
    proposal = _open_for(proposal, by, proposer=True,
                         refusal=_("Only the side that proposed a variation can withdraw it."))
    return _close(proposal, VariationProposalStatus.WITHDRAWN, by)
