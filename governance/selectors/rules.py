"""The rules in force: the highest version of a consortium's rules."""

from __future__ import annotations

from django.db.models import QuerySet

from consortium.models import Consortium

from ..models import GovernanceRules


def rules_versions(consortium: Consortium | int) -> QuerySet[GovernanceRules]:
    """Every version of the consortium's rules, newest first."""
    consortium_id = consortium if isinstance(consortium, int) else consortium.pk
    return GovernanceRules.objects.filter(consortium_id=consortium_id).order_by("-version")


def rules_in_force(consortium: Consortium | int) -> GovernanceRules:
    """The version in force. Every consortium has version 1 from its creation (the receiver in
    ``governance/receivers.py``; the migration gave one to those made before)."""
    return rules_versions(consortium).select_related("adopted_by").first()
