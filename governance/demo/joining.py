"""Joining in the demo: one pending application, from a user-led co-op whose account is
``applicant`` (the demo password), and the share register of the member co-ops already there
(each one's subscription on the day it joined, numbered in that order).

Idempotent: running it again adds nothing that exists. Every name is invented.
"""

from __future__ import annotations

import datetime as dt

from consortium.models import Consortium, Council, ServiceType, User
from members.demo import DEMO_PASSWORD
from members.models import CoopType, LegalForm, MemberCoop, SocialCoopType, StakeholderKind

from ..models import MembershipApplication, ShareEntryKind
from ..selectors.rules import rules_in_force
from ..services import joining

APPLICANT = "applicant"
LEGAL_NAME = "Llais y Cwm Direct Support Co-operative Ltd"


def seed(consortium: Consortium, users: dict[str, User], today: dt.date) -> MembershipApplication | None:
    """Fill in the consortium's share register and its pending application (inside a transaction)."""
    _share_register(consortium, users.get("coordinator"))
    return _application(consortium)


def _share_register(consortium: Consortium, by: User | None) -> None:
    rules = rules_in_force(consortium)
    joined = (MemberCoop.objects.filter(consortium=consortium, joined_on__isnull=False)
              .exclude(share_entries__isnull=False).order_by("joined_on", "pk"))
    for coop in joined:
        joining.share_entry_record(consortium=consortium, coop=coop, kind=ShareEntryKind.SUBSCRIPTION,
                                   shares=1, amount=rules.share_amount, entry_date=coop.joined_on,
                                   by=by)


def _application(consortium: Consortium) -> MembershipApplication | None:
    existing = MembershipApplication.objects.filter(applicant__username=APPLICANT).first()
    if existing or User.objects.filter(username=APPLICANT).exists():
        return existing
    councils = {c.code: c for c in Council.objects.filter(code__in=["GB-CAY", "GB-RCT", "GB-CRF"])}
    services = list(ServiceType.objects.filter(code__in=["supported-living", "advocacy"]))
    return joining.application_submit(
        consortium=consortium, username=APPLICANT, email="applicant@demo.invalid",
        password=DEMO_PASSWORD, language="en", consent=True, rules_version=None,
        legal_name=LEGAL_NAME, trading_name="Llais y Cwm",
        legal_form=LegalForm.COOPERATIVE_SOCIETY, society_number="32817R", company_number="",
        coop_type=CoopType.USER_LED, social_coop_type=SocialCoopType.A, total_workers=9,
        disadvantaged_workers=0,
        base_council=councils.get("GB-CAY"),
        councils_served=[c for c in councils.values() if c.code in ("GB-CAY", "GB-RCT")],
        service_types=services,
        stakeholders=[
            {"kind": StakeholderKind.SERVICE_USERS, "member_count": 36, "vote_share": "60"},
            {"kind": StakeholderKind.CARERS, "member_count": 14, "vote_share": "25"},
            {"kind": StakeholderKind.WORKERS, "member_count": 9, "vote_share": "15"},
        ],
        contacts=[
            {"name": "Eleri Bowen", "email": "eleri@llaisycwm.example", "role": "Secretary",
             "language": "cy"},
            {"name": "Mark Pritchard", "email": "mark@llaisycwm.example", "role": "Treasurer",
             "language": "en"},
        ],
    )



