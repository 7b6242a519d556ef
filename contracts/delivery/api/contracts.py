"""API: contracts under ``contracts/`` and members' sub-contracts under ``subcontracts/``
(mirroring the web pages in ``contracts/delivery/web/contracts.py``).

Reads go through ``contracts.delivery.selectors.contracts``: coordinators and board members see their
consortium's contracts with every member's sub-contract; council reviewers their council's, with
the member breakdown but no member's rate or sub-contract value (null); member users the contracts
their co-op has a sub-contract in, with their own sub-contract only. A contract the user may not
see answers 404. Coordinators move a contract's status (others who see it: 403). A variation is
agreed by both sides, as on the pages: either side (the consortium's coordinators, the council's
reviewers) proposes it, the other accepts or declines it, and only an accepted one becomes the
contract's next version (others who see it: 403); services refuse what the contract's state does
not allow (400, 409).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api_views import error_responses
from consortium.models import TimeBand
from contracts.delivery.selectors import contracts as selectors
from contracts.delivery.services import contracts as services
from contracts.delivery.services import variations as variation_services
from contracts.models import Contract, ContractStatus, ContractVersion, SubContract, VariationProposal

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 2}
LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")


class ContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tender = serializers.CharField(source="lot.tender.reference")
    lot = serializers.IntegerField(source="lot_id")
    lot_number = serializers.IntegerField(source="lot.number")
    title = serializers.CharField(source="lot.title")
    council = serializers.CharField(source="council.code")
    consortium = serializers.CharField(source="consortium.name")
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    version = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    value = serializers.DecimalField(**MONEY)


class ContractRateSerializer(serializers.Serializer):
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    rate = serializers.DecimalField(**RATE)
    volume = serializers.DecimalField(**RATE)


class ContractVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ContractVersion.Kind.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    terms = serializers.JSONField(help_text=_("Rate and weekly volume per time band."))
    value = serializers.DecimalField(**MONEY)
    reason = serializers.CharField(source="reason_text", help_text=_(
        "Why the contract was varied: as typed, or, for a reason the product wrote (a rate card agreed "
        "in a negotiation), in the language of the request."))
    effective_from = serializers.DateField(allow_null=True, help_text=_(
        "The day this version's terms apply from (a rate variation's effective date)."))
    created_at = serializers.DateTimeField()


class SubContractLineSerializer(serializers.Serializer):
    area = serializers.CharField(source="council.code")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**RATE)
    rate = serializers.SerializerMethodField(
        help_text=_("What the member is paid per unit (null for the council)."))
    committed = serializers.BooleanField()

    def get_rate(self, line) -> str | None:
        return str(line.rate) if self.context.get("rates", True) else None


class SubContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    coop = serializers.CharField(source="coop.legal_name")
    value = serializers.SerializerMethodField(help_text=_("Null for the council."))
    lines = serializers.SerializerMethodField()

    def get_value(self, sub) -> str | None:
        return str(sub.value) if self.context.get("rates", True) else None

    @extend_schema_field(SubContractLineSerializer(many=True))
    def get_lines(self, sub) -> list:
        return SubContractLineSerializer(sub.lines.all(), many=True, context=self.context).data


class ContractDetailSerializer(ContractSerializer):
    management_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True,
                                                      help_text=_("Null for the council."))
    rates = ContractRateSerializer(many=True)
    versions = ContractVersionSerializer(many=True)
    subcontracts = SubContractSerializer(many=True)
    next_statuses = serializers.ListField(child=serializers.ChoiceField(choices=ContractStatus.choices))


class ContractTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ContractStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ContractVariationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContractVersion.Kind.choices,
                                   help_text=_("volume, rate or dates (the original is the award's)."))
    reason = serializers.CharField(max_length=2000)
    rates = serializers.DictField(child=serializers.DecimalField(**RATE), required=False,
                                  help_text=_("New rate per time band (a rate variation)."))
    volumes = serializers.DictField(child=serializers.DecimalField(**RATE), required=False,
                                    help_text=_("New weekly volume per time band (a volume variation)."))
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    effective_from = serializers.DateField(required=False, help_text=_(
        "A rate variation: the day the new rates apply from (default today, or the contract's start if "
        "later). The billing period spanning it is split; one with a return or an invoice cannot be."))


class VariationProposalSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField(
        help_text=_("The contract version an accepted variation made."))

    class Meta:
        model = VariationProposal
        fields = ["id", "contract", "kind", "figures", "reason", "proposed_by_side", "proposed_at", "status",
                  "answered_at", "answer_reason", "version"]

    def get_version(self, proposal) -> int | None:
        return proposal.version.number if proposal.version_id else None


class VariationAnswerSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline")),
                                              ("withdraw", _("Withdraw"))])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text=_("Why the variation is declined (needed to decline)."))


def _detail(request: Request, contract: Contract) -> dict:
    view = selectors.contract_view(request.user, contract)
    rates = view.shows_member_rates
    data = {
        **{field: getattr(contract, field) for field in ("id", "lot", "council", "consortium", "status",
                                                          "version", "start", "end", "value")},
        "lot_id": contract.lot_id,
        "management_fee_percent": contract.management_fee_percent if rates else None,
        "rates": view.rates, "versions": view.versions, "subcontracts": view.subcontracts,
        "next_statuses": [s for s, _label in view.next_statuses] if view.can_run else [],
    }
    return ContractDetailSerializer(data, context={"rates": rates}).data


@extend_schema_view(
    list=extend_schema(summary=_("Contracts the user may see (the consortium's, the council's, or those "
                                 "the member's co-op has a sub-contract in)"),
                       responses={200: ContractSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A contract with its rates, versions and the sub-contracts the user "
                                     "may see"),
                           responses={200: ContractDetailSerializer, **DETAIL_ERRORS}),
)
class ContractViewSet(viewsets.GenericViewSet):
    queryset = Contract.objects.none()
    serializer_class = ContractSerializer

    def get_queryset(self):
        qs = selectors.contracts_visible_to(self.request.user).order_by("-start", "-pk")
        status = self.request.query_params.get("status")
        if status:
            if status not in ContractStatus.values:
                raise ValidationError({"status": [_("Choose a contract status.")]})
            qs = qs.filter(status=status)
        return qs

    def _contract(self, pk, *, for_write: bool = False) -> Contract:
        try:
            return selectors.contract_get_for_user(self.request.user, pk, for_write=for_write)
        except DjangoPermissionDenied:
            raise PermissionDenied(NOT_COORDINATOR) from None

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ContractSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(_detail(request, self._contract(pk)))

    @extend_schema(summary=_("Move the contract's status: activate, suspend, resume, terminate or expire "
                             "(coordinators; suspending and terminating need a reason)"),
                   request=ContractTransitionSerializer,
                   responses={200: ContractDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="status", filter_backends=[], pagination_class=None)
    def transition(self, request: Request, pk=None) -> Response:
        contract = self._contract(pk, for_write=True)
        serializer = ContractTransitionSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        services.contract_transition(contract=contract, to=serializer.validated_data["to"], by=request.user,
                                     reason=serializer.validated_data.get("reason", ""))
        return Response(_detail(request, self._contract(pk)))

    def _side_contract(self, pk) -> Contract:
        """A contract the user sees and is a side of (its consortium's coordinator or its
        council's reviewer); 403 for others who see it."""
        contract = self._contract(pk)
        if selectors.variation_side(self.request.user, contract) is None:
            raise PermissionDenied(_("Only the consortium's coordinators and the council's reviewers "
                                     "vary a contract."))
        return contract

    @extend_schema(summary=_("Propose a variation (volumes, rates or dates): either side, the consortium's "
                             "coordinators or the council's reviewers; the other side accepts or declines "
                             "it, and only an accepted variation becomes the contract's next version"),
                   request=ContractVariationSerializer,
                   responses={201: VariationProposalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="variations", filter_backends=[], pagination_class=None)
    def vary(self, request: Request, pk=None) -> Response:
        contract = self._side_contract(pk)
        serializer = ContractVariationSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        data = serializer.validated_data
        proposal = variation_services.variation_propose(
            contract=contract, by=request.user, kind=data["kind"], reason=data["reason"],
            rates=data.get("rates"), volumes=data.get("volumes"), start=data.get("start"),
            end=data.get("end"), effective_from=data.get("effective_from"))
        return Response(VariationProposalSerializer(proposal).data, status=201)

    @extend_schema(summary=_("Answer a proposed variation: the other side accepts (the contract's next "
                             "version) or declines it with a reason; the side that proposed it may "
                             "withdraw it"),
                   request=VariationAnswerSerializer,
                   responses={200: VariationProposalSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path=r"variations/(?P<proposal_pk>[0-9]+)/answer",
            filter_backends=[], pagination_class=None)
    def answer_variation(self, request: Request, pk=None, proposal_pk=None) -> Response:
        contract = self._side_contract(pk)
        proposal = selectors.proposal_get(contract, proposal_pk)
        serializer = VariationAnswerSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        action_ = serializer.validated_data["action"]
        if action_ == "accept":
            variation_services.variation_accept(proposal=proposal, by=request.user)
        elif action_ == "decline":
            variation_services.variation_decline(proposal=proposal, by=request.user,
                                                 reason=serializer.validated_data.get("reason", ""))
        else:
            variation_services.variation_withdraw(proposal=proposal, by=request.user)
        proposal.refresh_from_db()
        return Response(VariationProposalSerializer(proposal).data)


@extend_schema_view(
    list=extend_schema(summary=_("Sub-contracts: a member user's co-op's, or the consortium's for "
                                 "coordinators and board members"),
                       responses={200: SubContractSerializer(many=True),
                                  **error_responses(400, 401, 403, 404, 409)}),
    retrieve=extend_schema(summary=_("One sub-contract with its lines"),
                           responses={200: SubContractSerializer, **error_responses(401, 403, 404)}),
)
class SubContractViewSet(viewsets.GenericViewSet):
    queryset = SubContract.objects.none()
    serializer_class = SubContractSerializer

    def get_queryset(self):
        return selectors.subcontracts_visible_to(self.request.user).order_by("-contract__start", "pk")

    def _check(self) -> None:
        if not selectors.can_see_subcontracts(self.request.user):
            raise PermissionDenied(_("Sub-contracts are for the consortium and its members; the member "
                                     "breakdown is on the council's contract."))

    def list(self, request: Request) -> Response:
        self._check()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SubContractSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        self._check()
        return Response(SubContractSerializer(selectors.subcontract_get_for_user(request.user, pk)).data)


router = SimpleRouter()
router.register("contracts", ContractViewSet, basename="contract-api")
router.register("subcontracts", SubContractViewSet, basename="subcontract-api")

urlpatterns = router.urls
