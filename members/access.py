"""The refusals of members' writes: each asks the access function of ``members.selectors`` that
the pages and the API ask too, and refuses the person acting with ``Forbidden`` (403). ``by``
None is the system (the demo, a task), which may."""

from __future__ import annotations

from django.utils.translation import gettext as _

from consortium.errors import require
from consortium.models import User

from . import selectors
from .models import MemberCoop


def may_manage_register(by: User | None, consortium_id: int) -> None:
    """Adding co-ops and moving their membership: the consortium's coordinators."""
    require(by is None or (selectors.can_manage_register(by) and by.consortium_id == consortium_id),
            _("Only the consortium's coordinators can do this."))


def may_edit_member(by: User | None, coop: MemberCoop) -> None:
    """A co-op's records and capacity: the consortium's coordinators and the co-op's own users."""
    require(by is None or selectors.can_edit_member(by, coop),
            _("Only the consortium's coordinators and the co-op's own users can change this."))
