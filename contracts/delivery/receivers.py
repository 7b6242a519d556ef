"""How delivery answers the evaluation stage (``contracts.evaluation.signals``), inside the
transaction that sent it."""

from __future__ import annotations

from django.dispatch import receiver

from contracts.delivery.services import contracts as contract_services
from contracts.evaluation.signals import award_confirmed
from contracts.models import Award, Entry


@receiver(award_confirmed, sender=Award, dispatch_uid="contracts.delivery.award_confirmed")
def contract_from_award(sender, award: Award, by=None, **kwargs) -> None:
    """An award confirmed to a joint bid makes the contract and the members' sub-contracts (an
    award to an outside bid makes none here)."""
    if Entry.objects.filter(pk=award.entry_id, submission__isnull=False).exists():
        contract_services.contract_create_from_award(award=award, by=by)
