"""Who sees a consortium's governance: its own people. Every governance page and API answer
that is not the joining page or an applicant's own application starts from this."""

from __future__ import annotations

from consortium.models import User


def sees_governance(user: User) -> bool:
    """The consortium's coordinators, board members and member co-ops' users. Applicants see
    their own application only; councils see governance only as the evidence on a joint bid."""
    return bool(user.is_authenticated and user.consortium_id
                and (user.is_coordinator or user.is_board_member or user.is_member_user))
