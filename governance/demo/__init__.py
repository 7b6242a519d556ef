"""Demo data of governance, one module per part, seeded in order by ``seed``: the share register
and a pending application (joining), last year's AGM with its minutes awaiting approval and this
year's AGM called with its motions (meetings), and the board election at this year's AGM with the
board's current terms (elections). Idempotent, like the rest of the demo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from governance.models import Election, GeneralMeeting, MembershipApplication
from members.demo import MembersDemo

from . import elections, joining, meetings


@dataclass
class GovernanceDemo:
    application: MembershipApplication | None
    agm: GeneralMeeting
    last_agm: GeneralMeeting
    election: Election | None


def seed(members: MembersDemo, today: dt.date | None = None) -> GovernanceDemo:
    """Seed governance for the members demo's consortium (call inside a transaction)."""
    today = today or timezone.localdate()
    consortium, users = members.consortium, members.users
    application = joining.seed(consortium, users, today)
    made = meetings.seed(consortium, users, today)
    election = elections.seed(consortium, users, today, made.agm)
    return GovernanceDemo(application=application, agm=made.agm, last_agm=made.last_agm,
                          election=election)
