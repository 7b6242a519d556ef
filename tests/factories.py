"""factory_boy factories. Councils and service types are reference data loaded by migration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from consortium.models import Consortium, Council, Role, ServiceType, TimeBand, User
from members.models import (
    CapacityDeclaration,
    CIWRegistration,
    ComplianceDocument,
    CoopType,
    DocumentType,
    LegalForm,
    MemberCoop,
    MembershipStatus,
    MemberUser,
    SocialCoopType,
    StakeholderClass,
    StakeholderKind,
)

PASSWORD = "correct-horse-battery-staple"


def council(code: str = "GB-CRF") -> Council:
    return Council.objects.get(code=code)


def service(code: str = "domiciliary-support") -> ServiceType:
    return ServiceType.objects.get(code=code)


class ConsortiumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consortium

    name = factory.Sequence(lambda n: f"Test Care Consortium {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.COORDINATOR
    consortium = factory.SubFactory(ConsortiumFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MemberCoopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberCoop
        skip_postgeneration_save = True

    consortium = factory.SubFactory(ConsortiumFactory)
    legal_name = factory.Sequence(lambda n: f"Cwmni Gofal {n} Cyf")
    trading_name = factory.Sequence(lambda n: f"Gofal {n}")
    legal_form = LegalForm.COOPERATIVE_SOCIETY
    coop_type = CoopType.MULTI_STAKEHOLDER
    social_coop_type = SocialCoopType.A
    status = MembershipStatus.ACTIVE
    total_workers = 20
    disadvantaged_workers = 0

    @factory.post_generation
    def councils_served(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.councils_served.set(extracted if extracted is not None else [council()])

    @factory.post_generation
    def service_types(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.service_types.set(extracted if extracted is not None else [service()])
            registered(obj)


def registered(coop: MemberCoop) -> None:
    """Register ``coop`` with Care Inspectorate Wales for each regulated service it offers, as a
    real provider is (members.compliance refuses work of a regulated service it is not registered
    for)."""
    for service_type in coop.service_types.exclude(ciw_service=""):
        CIWRegistration.objects.get_or_create(
            coop=coop, service_type=service_type,
            defaults={"registration_number": f"SIN-{coop.pk:06d}-{service_type.pk}"})


def member_user(coop: MemberCoop, **kwargs) -> User:
    user = UserFactory(role=Role.MEMBER, consortium=coop.consortium, **kwargs)
    MemberUser.objects.create(user=user, coop=coop)
    return user


def board_of_three(world) -> list[User]:
    """Three board members of consortium A: the world's and two more (board-2, board-3)."""
    extra = [UserFactory(username=f"board-{n}", role=Role.BOARD_MEMBER, consortium=world.consortium)
             for n in (2, 3)]
    return [world.user("board"), *extra]


def second_reviewer(world) -> User:
    """Rhian Evans, a second council reviewer of the world's council (Cardiff)."""
    return UserFactory(username="reviewer-two", first_name="Rhian", last_name="Evans",
                       role=Role.COUNCIL_REVIEWER, consortium=None, council=world.council)


class StakeholderClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeholderClass

    coop = factory.SubFactory(MemberCoopFactory)
    kind = StakeholderKind.SERVICE_USERS
    member_count = 30
    vote_share = Decimal("60")


class ComplianceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceDocument

    coop = factory.SubFactory(MemberCoopFactory)
    doc_type = DocumentType.PUBLIC_LIABILITY
    title = factory.Sequence(lambda n: f"Public liability policy {n}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=300))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))


class CapacityDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapacityDeclaration

    coop = factory.SubFactory(MemberCoopFactory)
    service_type = factory.LazyFunction(service)
    council = factory.LazyFunction(council)
    time_band = TimeBand.WEEKDAY_DAY
    valid_from = factory.LazyFunction(timezone.localdate)
    declared_volume = Decimal("120")
    staff_fte = Decimal("4.5")
    welsh_speaking_share = Decimal("25")
