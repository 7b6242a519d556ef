"""The member register part of the demo: one fictional Welsh consortium, its member co-ops,
capacity and users. ``manage.py seed_demo`` (in outcomes, the top app, so the demo can go on to
tenders and joint bids) calls ``seed`` first.

Idempotent: running it again changes nothing that exists (it only fills what is missing).
Every name is invented; no real organisation is meant.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from consortium.models import Consortium, Council, Role, ServiceType, TimeBand, User
from members import services
from members.models import (
    CIWRegistration,
    CoopType,
    DocumentType,
    LegalForm,
    MemberCoop,
    MembershipStatus,
    MemberUser,
    SocialCoopType,
    StakeholderKind,
    StatusChangeReason,
    WelshCapability,
)

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "gofal-demo-2026")
CONSORTIUM_NAME = "Cwlwm Care Consortium"
# A second consortium on the same installation, competing for the same Cardiff tender: what one
# consortium keeps to itself (members, costs, bids) the other never sees.
OTHER_CONSORTIUM_NAME = "Hafren Care Consortium"

S = StakeholderKind
# (legal name, trading name, legal form, co-op type, social type, welsh, base council, councils,
#  services, workers, disadvantaged, stakeholders {kind: (members, vote %)}, weekly hours scale)
COOPS = [
    ("Cydweithfa Gofal Taf Cyf", "Gofal Taf", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.MULTI_STAKEHOLDER, SocialCoopType.A, WelshCapability.SOME, "GB-CRF",
     ["GB-CRF", "GB-VGL"], ["domiciliary-support", "supported-living"], 46, 0,
     {S.SERVICE_USERS: (80, 55), S.WORKERS: (40, 35), S.CARERS: (12, 10)}, 440),
    ("Bro Homecare Co-operative Ltd", "Bro Homecare", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.WORKER, SocialCoopType.A, WelshCapability.NONE, "GB-VGL",
     ["GB-VGL", "GB-CRF"], ["domiciliary-support"], 28, 0, {S.WORKERS: (28, 100)}, 420),
    ("Llais Direct Payments Co-operative Ltd", "Llais", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.CONSUMER, SocialCoopType.A, WelshCapability.ACTIVE_OFFER, "GB-CRF",
     ["GB-CRF"], ["supported-living", "advocacy"], 15, 0,
     {S.SERVICE_USERS: (64, 80), S.CARERS: (20, 20)}, 90),
    ("Camau Work and Care CIC", "Camau", LegalForm.CIC, CoopType.MULTI_STAKEHOLDER,
     SocialCoopType.B, WelshCapability.SOME, "GB-RCT", ["GB-RCT", "GB-MTY"],
     ["day-opportunities", "domiciliary-support"], 30, 11,
     {S.WORKERS: (30, 50), S.SERVICE_USERS: (22, 30), S.COMMUNITY_SUPPORTERS: (40, 20)}, 120),
    ("Cwm Cynon Care Co-operative Ltd", "Cynon Care", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.WORKER, SocialCoopType.A, WelshCapability.SOME, "GB-RCT", ["GB-RCT"],
     ["domiciliary-support"], 52, 0, {S.WORKERS: (52, 100)}, 400),
    ("Merthyr Shared Lives Co-operative Ltd", "Shared Lives Merthyr",
     LegalForm.COOPERATIVE_SOCIETY, CoopType.MULTI_STAKEHOLDER, SocialCoopType.A,
     WelshCapability.NONE, "GB-MTY", ["GB-MTY", "GB-RCT"], ["adult-placement", "respite"], 12, 0,
     {S.SERVICE_USERS: (18, 51), S.WORKERS: (12, 29), S.CARERS: (9, 20)}, 24),
    ("Ogwr Community Support Ltd", "Ogwr Support", LegalForm.CLG, CoopType.MULTI_STAKEHOLDER,
     SocialCoopType.A, WelshCapability.NONE, "GB-BGE", ["GB-BGE"],
     ["domiciliary-support", "supported-living"], 38, 0,
     {S.WORKERS: (38, 60), S.SERVICE_USERS: (25, 40)}, 260),
    ("Gwaith Da Co-operative CIC", "Gwaith Da", LegalForm.CIC, CoopType.WORKER,
     SocialCoopType.B, WelshCapability.SOME, "GB-BGE", ["GB-BGE", "GB-RCT"],
     ["day-opportunities"], 20, 8, {S.WORKERS: (20, 100)}, 60),
    ("Cydweithfa Gofal Abertawe Cyf", "Gofal Abertawe", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.MULTI_STAKEHOLDER, SocialCoopType.A, WelshCapability.ACTIVE_OFFER, "GB-SWA",
     ["GB-SWA", "GB-NTL"], ["domiciliary-support"], 44, 0,
     {S.SERVICE_USERS: (90, 51), S.WORKERS: (44, 39), S.VOLUNTEERS: (15, 10)}, 350),
    ("Gower Coast Care Co-operative Ltd", "Gower Coast Care", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.WORKER, SocialCoopType.A, WelshCapability.SOME, "GB-SWA", ["GB-SWA"],
     ["domiciliary-support", "respite"], 25, 0, {S.WORKERS: (25, 100)}, 150),
    ("Nedd Valley Living Co-operative Ltd", "Nedd Valley Living",
     LegalForm.COOPERATIVE_SOCIETY, CoopType.CONSUMER, SocialCoopType.A, WelshCapability.SOME,
     "GB-NTL", ["GB-NTL"], ["supported-living"], 18, 0,
     {S.SERVICE_USERS: (40, 70), S.CARERS: (25, 30)}, 110),
    ("Afan Advocacy Partners Ltd", "Afan Advocacy", LegalForm.OTHER, CoopType.PRODUCER,
     SocialCoopType.NONE, WelshCapability.NONE, "GB-NTL", ["GB-NTL", "GB-SWA"], ["advocacy"],
     8, 0, {S.OTHER: (6, 100)}, 30),
]

# The second consortium's one member co-op, in the same shape.
OTHER_COOPS = [
    ("Cydweithfa Gofal Hafren Cyf", "Gofal Hafren", LegalForm.COOPERATIVE_SOCIETY,
     CoopType.WORKER, SocialCoopType.A, WelshCapability.SOME, "GB-CRF", ["GB-CRF"],
     ["domiciliary-support"], 34, 0, {S.WORKERS: (34, 100)}, 200),
]
OTHER_INDEX = 20  # numbers its registrations after the first consortium's

# Share of a co-op's weekly scale by time band: most care is weekday daytime.
BAND_SHARE = {
    TimeBand.WEEKDAY_DAY: Decimal("0.55"),
    TimeBand.EVENING: Decimal("0.18"),
    TimeBand.NIGHT: Decimal("0.07"),
    TimeBand.WEEKEND: Decimal("0.17"),
    TimeBand.BANK_HOLIDAY: Decimal("0.03"),
}
# The member whose employer's liability insurance expired ten days before the demo was loaded:
# compliance gating (members.compliance) leaves it out of the bid in progress (it offers that
# bid's supported living lot in Cardiff), and the coordinator sees why on the bid's page.
LAPSED = "Llais"
LAPSED_DAYS_AGO = 10

WELSH_SHARE = {WelshCapability.NONE: Decimal("5"), WelshCapability.SOME: Decimal("30"),
               WelshCapability.ACTIVE_OFFER: Decimal("85")}


@dataclass
class MembersDemo:
    """What the member register part of the demo made (or found), for the parts built on it."""

    consortium: Consortium
    users: dict[str, User]
    coops: dict[str, MemberCoop]  # by trading name


def seed() -> MembersDemo:
    """Fill in the consortium, its users and member co-ops (call inside a transaction)."""
    consortium, created = Consortium.objects.get_or_create(
        name=CONSORTIUM_NAME,
        defaults={"name_cy": "Consortiwm Gofal Cwlwm", "registration_number": "RS009901",
                  "contact_email": "hello@cwlwm.example"},
    )
    councils = {c.code: c for c in Council.objects.all()}
    service_types = {s.code: s for s in ServiceType.objects.all()}
    users = {
        "coordinator": _user("coordinator", Role.COORDINATOR, "Ceri", "Morgan", consortium=consortium),
        "board": _user("board", Role.BOARD_MEMBER, "Dafydd", "Price", consortium=consortium),
        "reviewer": _user("reviewer", Role.COUNCIL_REVIEWER, "Siân", "Evans", council=councils["GB-CRF"]),
        "reviewer-2": _user("reviewer-2", Role.COUNCIL_REVIEWER, "Gareth", "Lewis",
                            council=councils["GB-CRF"]),
        "reviewer-other": _user("reviewer-other", Role.COUNCIL_REVIEWER, "Rhys", "Thomas",
                                council=councils["GB-SWA"]),
        "admin": _user("admin", Role.STAFF_ADMIN, "Staff", "Admin"),
    }
    admin = users["admin"]
    if not admin.is_superuser:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])

    today = timezone.localdate()
    # Capacity declared a year ago for two years: it covers the demo's live contract (started
    # months ago) and the contracts of the bids in progress (starting months ahead).
    start = (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    coops = [_coop(consortium, users["coordinator"], councils, service_types, spec, index, today, start)
             for index, spec in enumerate(COOPS)]
    users["member-a"] = _member_user("member-a", "Alys", "Jones", coops[0])
    users["member-b"] = _member_user("member-b", "Bryn", "Hughes", coops[1])
    return MembersDemo(consortium=consortium, users=users,
                       coops={coop.trading_name: coop for coop in coops})


def seed_other() -> MembersDemo:
    """The second consortium: its coordinator (``coordinator-hafren``), its member co-op and the
    co-op's user (``member-hafren``)."""
    consortium, created = Consortium.objects.get_or_create(
        name=OTHER_CONSORTIUM_NAME,
        defaults={"name_cy": "Consortiwm Gofal Hafren", "registration_number": "RS009902",
                  "contact_email": "hello@hafren.example"},
    )
    councils = {c.code: c for c in Council.objects.all()}
    service_types = {s.code: s for s in ServiceType.objects.all()}
    coordinator = _user("coordinator-hafren", Role.COORDINATOR, "Nia", "Powell", consortium=consortium)
    today = timezone.localdate()
    coops = [_coop(consortium, coordinator, councils, service_types, spec, OTHER_INDEX + index, today,
                   today.replace(day=1))
             for index, spec in enumerate(OTHER_COOPS)]
    users = {"coordinator": coordinator,
             "member": _member_user("member-hafren", "Huw", "Rees", coops[0])}
    return MembersDemo(consortium=consortium, users=users,
                       coops={coop.trading_name: coop for coop in coops})


def _user(username, role, first, last, *, consortium=None, council=None) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last,
                  "email": f"{username}@demo.invalid", "consortium": consortium,
                  "council": council,
                  # People of a going concern: here before the demo's history begins.
                  "date_joined": timezone.now() - dt.timedelta(days=365)},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _member_user(username, first, last, coop) -> User:
    user = _user(username, Role.MEMBER, first, last, consortium=coop.consortium)
    MemberUser.objects.get_or_create(user=user, defaults={"coop": coop})
    return user


def _coop(consortium, by, councils, service_types, spec, index, today, start):
    (legal, trading, form, ctype, stype, welsh, base, served, offered, workers, disadvantaged,
     stakeholders, scale) = spec
    existing = MemberCoop.objects.filter(consortium=consortium, legal_name=legal).first()
    if existing:
        return existing
    coop = services.member_create(
        consortium=consortium, by=by, legal_name=legal, trading_name=trading,
        legal_form=form, coop_type=ctype, social_coop_type=stype, welsh_language=welsh,
        base_council=councils[base], total_workers=workers,
        disadvantaged_workers=disadvantaged,
        society_number=f"RS{8100 + index:06d}" if form == LegalForm.COOPERATIVE_SOCIETY else "",
        company_number=f"{13500000 + index * 7919:08d}" if form != LegalForm.COOPERATIVE_SOCIETY else "",
        councils_served=[councils[c] for c in served],
        service_types=[service_types[s] for s in offered],
    )
    joined = today - dt.timedelta(days=400 + 30 * index)
    if index != 11:  # the last one is still an applicant
        services.member_set_status(coop=coop, to_status=MembershipStatus.ACTIVE, by=by,
                                   reason_code=StatusChangeReason.ADMITTED_BY_BOARD, effective_on=joined,
                                   admitted=True)
    for kind, (members, share) in stakeholders.items():
        services.stakeholder_class_save(coop=coop, kind=kind, member_count=members,
                                        vote_share=Decimal(share), by=by)
    services.contact_save(coop=coop, by=by, name=f"{trading} office", role="Manager",
                          email=f"office@{trading.lower().replace(' ', '')}.example",
                          is_primary=True, speaks_welsh=welsh != WelshCapability.NONE)
    for svc_code in offered:
        svc = service_types[svc_code]
        if svc.ciw_service:
            CIWRegistration.objects.get_or_create(
                coop=coop, service_type=svc,
                defaults={"registration_number": f"SIN-{400100 + index * 10}-{svc.pk}",
                          "registered_on": joined},
            )
    services.document_create(
        coop=coop, by=by, doc_type=DocumentType.PUBLIC_LIABILITY,
        title=f"{trading} public liability insurance", reference=f"PL-{2026}-{index:03d}",
        issued_on=today - dt.timedelta(days=200),
        # One document expires within the month, to show the reminder and the flag.
        expires_on=today + dt.timedelta(days=12 if index == 1 else 165 + index),
    )
    if trading == LAPSED:
        services.document_create(
            coop=coop, by=by, doc_type=DocumentType.EMPLOYERS_LIABILITY,
            title=f"{trading} employer's liability insurance", reference=f"EL-{2025}-{index:03d}",
            issued_on=today - dt.timedelta(days=365 + LAPSED_DAYS_AGO),
            expires_on=today - dt.timedelta(days=LAPSED_DAYS_AGO),
        )
    services.document_create(
        coop=coop, by=by, doc_type=DocumentType.SAFEGUARDING_POLICY,
        title=f"{trading} safeguarding policy", issued_on=today - dt.timedelta(days=90),
        expires_on=today + dt.timedelta(days=275),
    )
    for svc_code in offered:
        svc = service_types[svc_code]
        per_week = Decimal(scale) / len(offered)
        if svc.unit != "hours_per_week":
            per_week = max(Decimal(2), (per_week / 20).quantize(Decimal("1")))
        for position, council_code in enumerate(served):
            area_share = Decimal("0.7") if position == 0 else Decimal("0.3")
            for band, band_share in BAND_SHARE.items():
                volume = (per_week * area_share * band_share).quantize(Decimal("1"))
                if volume <= 0:
                    continue
                services.capacity_declare(
                    coop=coop, by=by, service_type=svc, council=councils[council_code],
                    time_band=band, valid_from=start,
                    valid_to=start.replace(year=start.year + 2),
                    declared_volume=volume,
                    staff_fte=(volume / Decimal("30")).quantize(Decimal("0.1")),
                    welsh_speaking_share=WELSH_SHARE[welsh],
                    min_package=Decimal("2") if svc.unit == "hours_per_week" else None,
                    max_package=Decimal("40") if svc.unit == "hours_per_week" else None,
                )
    return coop
