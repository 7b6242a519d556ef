"""How governance answers lower apps' signals. Each runs inside the transaction that sent it."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from consortium.models import Consortium

from .models import GovernanceRules


@receiver(post_save, sender=Consortium, dispatch_uid="governance.first_rules")
def give_new_consortium_its_rules(sender, instance: Consortium, created: bool, raw: bool = False, **kwargs):
    """A consortium starts with version 1 of the rules: the defaults, until its members change
    them in general meeting."""
    if created and not raw:
        GovernanceRules.objects.get_or_create(consortium=instance, version=1)
