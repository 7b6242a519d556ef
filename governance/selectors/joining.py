"""Reads of joining and the share register, scoped to the user.

- Applications: the consortium's coordinators and board members see all of its applications
  (the board votes on them); an applicant account sees its own and nothing else; once admitted,
  the co-op's users see the application that made it a member; everyone else none. An
  application the user may not see answers 404.
- The share register: the consortium's coordinators, board members and member co-op users (a
  co-operative society's register of members is open to its members); councils and applicants
  may not use it (403).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from consortium.models import User
from members.selectors import user_coop_id

from ..models import MembershipApplication, ShareEntry
from .access import sees_governance


def can_manage_applications(user: User) -> bool:
    """Checking, sending to the board, refusing, admitting: the consortium's coordinators."""
    return user.is_authenticated and user.is_coordinator


def can_see_applications(user: User) -> bool:
    """The list of applications: coordinators and board members."""
    return user.is_authenticated and (user.is_coordinator or user.is_board_member)


def can_see_application(user: User) -> bool:
    """An application's page: coordinators, board members, the applicant (its own), and an
    admitted co-op's users (the application that made it a member)."""
    return can_see_applications(user) or (user.is_authenticated
                                           and (user.is_applicant or user.is_member_user))


def applications_visible_to(user: User) -> QuerySet[MembershipApplication]:
    qs = MembershipApplication.objects.select_related(
        "consortium", "applicant", "ballot", "coop", "consented_to", "base_council", "checked_by")
    if not user.is_authenticated:
        return qs.none()
    if can_see_applications(user):
        return qs.filter(consortium_id=user.consortium_id)
    if user.is_applicant:
        return qs.filter(applicant=user)
    if user.is_member_user:
        coop_id = user_coop_id(user)
        return qs.filter(coop_id=coop_id) if coop_id else qs.none()
    return qs.none()


def application_get_for_user(user: User, pk, *, for_write: bool = False) -> MembershipApplication:
    qs = applications_visible_to(user)
    if for_write:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except (MembershipApplication.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_application(user: User) -> MembershipApplication | None:
    """An applicant's application (its latest, should it have made more than one)."""
    if not (user.is_authenticated and user.is_applicant):
        return None
    return applications_visible_to(user).order_by("-submitted_at", "-pk").first()


def application_history(application: MembershipApplication) -> list[dict]:
    """Each change of status, oldest first: when, the status reached, and by whom."""
    rows = []
    previous = None
    for record in application.history.order_by("history_date", "history_id").select_related("history_user"):
        if record.status != previous:
            rows.append({"when": record.history_date, "status": record.status,
                         "label": record.get_status_display(), "by": record.history_user})
            previous = record.status
    return rows


def share_entries_visible_to(user: User) -> QuerySet[ShareEntry]:
    qs = ShareEntry.objects.select_related("coop").order_by("number")
    if not sees_governance(user):
        return qs.none()
    return qs.filter(consortium_id=user.consortium_id)
