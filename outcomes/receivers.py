"""What outcomes answers in the apps below it (filled by its parts).

- ``contracts.evaluation.signals.award_confirmed``: once delivery has made the contract of a
  joint bid's award (its receiver is connected first: the contracts app comes before outcomes in
  INSTALLED_APPS), the winning bid's social value commitments become the contract's tracked
  commitments, in the same transaction. An award to an outside bid has no contract here: nothing
  to track.
"""

from __future__ import annotations

from django.dispatch import receiver

from contracts.evaluation.signals import award_confirmed
from contracts.models import Award, Contract
from outcomes.services import commitments as commitment_services


@receiver(award_confirmed, sender=Award, dispatch_uid="outcomes.commitments.award_confirmed")
def commitments_from_award(sender, award: Award, by=None, **kwargs) -> None:
    contract = Contract.objects.filter(award_id=award.pk).first()
    if contract is not None:
        commitment_services.commitments_track(contract=contract, by=None)
