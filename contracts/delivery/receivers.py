"""How delivery answers the evaluation stage (``contracts.evaluation.signals``) and pricing
(``pricing.signals``), inside the transaction that sent it."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver

from contracts.delivery.services import contracts as contract_services
from contracts.delivery.services import uplift as uplift_services
from contracts.evaluation.signals import award_confirmed
from contracts.models import Award, Entry
from pricing.models import RateCard
from pricing.signals import rate_card_in_force


@receiver(award_confirmed, sender=Award, dispatch_uid="contracts.delivery.award_confirmed")
def contract_from_award(sender, award: Award, by=None, **kwargs) -> None:
    """An award confirmed to a joint bid makes the contract and the members' sub-contracts (an
    award to an outside bid makes none here)."""
    if Entry.objects.filter(pk=award.entry_id, submission__isnull=False).exists():
        contract_services.contract_create_from_award(award=award, by=by)


@receiver(rate_card_in_force, sender=RateCard, dispatch_uid="contracts.delivery.rate_card_in_force")
def contracts_from_rate_card(sender, card: RateCard, on: dt.date, by=None, **kwargs) -> None:
    """A rate card agreed in a negotiation came into force: the live contracts it covers are varied
    from its day (``contracts.delivery.services.uplift``)."""
    uplift_services.contracts_uplift(card=card, by=by, on=on)
