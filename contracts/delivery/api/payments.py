"""API: council payments (``payments/``), payment runs (``payment-runs/``), members'
remittances (``remittances/``) and the ledgers (``ledger/``), mirroring the pages of
``contracts/delivery/web/payments.py``.

Reads go through ``contracts.delivery.selectors.payments`` and ``.ledger``: coordinators see
their consortium's payments with the fee and every remittance, runs and bank files; council
reviewers their council's payments (no fee, no member's share); member users their own co-op's
remittances and ledger; board members the consortium ledger's totals. Recording a payment is
idempotent on the council's reference: 201 when recorded, 200 with the payment already recorded
under that reference, 409 when that reference was recorded for another invoice or amount.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from consortium.api import validated
from consortium.api_views import error_responses
from consortium.models import TimeBand
from contracts.delivery.selectors import ledger as ledger_selectors
from contracts.delivery.selectors import payments as selectors
from contracts.delivery.services import payments as services
from contracts.models import CouncilPayment, PaymentRun, PaymentRunStatus, Remittance

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 2}
LIST_ERRORS = error_responses(400, 401, 403, 404)
DETAIL_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")
NOT_PAYER = _("Only the consortium's coordinators or the council's reviewers can record a payment.")


class RemittanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    payment = serializers.IntegerField(source="payment_id")
    coop = serializers.CharField(source="coop.legal_name")
    return_line = serializers.IntegerField(source="return_line_id")
    period_start = serializers.DateField(source="return_line.delivery_return.period.start")
    period_end = serializers.DateField(source="return_line.delivery_return.period.end")
    return_seal = serializers.CharField(help_text=_("SHA-256 of the accepted return this pays."))
    time_band = serializers.ChoiceField(source="return_line.time_band", choices=TimeBand.choices)
    quantity = serializers.DecimalField(max_digits=11, decimal_places=2)
    net_rate = serializers.DecimalField(**RATE)
    amount = serializers.DecimalField(**MONEY)
    run = serializers.IntegerField(source="run_id", allow_null=True)
    paid_to_member = serializers.SerializerMethodField()

    def get_paid_to_member(self, r) -> bool:
        return bool(r.run_id and r.run.status == PaymentRunStatus.DONE)


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    council = serializers.CharField(source="council.code")
    reference = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    fee = serializers.SerializerMethodField(help_text=_("The fee retained (null for the council)."))
    remittances = serializers.SerializerMethodField(help_text=_("Members' shares (empty for the council)."))

    def get_fee(self, p) -> str | None:
        return str(p.fee) if self.context.get("shares") else None

    def get_remittances(self, p) -> list:
        if not self.context.get("shares") or not self.context.get("detail"):
            return []
        rows = p.remittances.select_related("coop", "run", "return_line__delivery_return__period")
        return RemittanceSerializer(rows.order_by("coop__legal_name", "pk"), many=True).data


class PaymentRecordSerializer(serializers.Serializer):
    invoice = serializers.IntegerField()
    reference = serializers.CharField(max_length=100)
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PaymentRunStatus.choices)
    pay_on = serializers.DateField()
    total = serializers.DecimalField(**MONEY)
    error = serializers.CharField(source="error_text", help_text=_(
        "Why the run failed, in the language of the request (empty if it did not)."))
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class RunStartSerializer(serializers.Serializer):
    pay_on = serializers.DateField()


class BankRowSerializer(serializers.Serializer):
    coop = serializers.CharField(source="coop.legal_name")
    sort_code = serializers.CharField()
    account_number = serializers.CharField()
    account_name = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    reference = serializers.CharField(help_text=_("At most 18 characters."))


class PeriodRowSerializer(serializers.Serializer):
    contract = serializers.IntegerField(source="contract.pk")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    returned = serializers.DecimalField(**MONEY)
    accepted = serializers.DecimalField(**MONEY)
    invoiced = serializers.DecimalField(**MONEY)
    owed = serializers.DecimalField(**MONEY)
    paid_by_council = serializers.DecimalField(**MONEY)
    paid_to_member = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    reasons = serializers.ListField(child=serializers.CharField())


class MemberLedgerSerializer(serializers.Serializer):
    coop = serializers.CharField(source="coop.legal_name")
    has_bank_account = serializers.BooleanField()
    rows = PeriodRowSerializer(many=True)


class LedgerPointSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    what = serializers.CharField()
    received = serializers.DecimalField(**MONEY)
    paid_to_members = serializers.DecimalField(**MONEY)
    fee = serializers.DecimalField(**MONEY)
    held = serializers.DecimalField(**MONEY)


class ConsortiumLedgerSerializer(serializers.Serializer):
    received = serializers.DecimalField(**MONEY)
    paid_to_members = serializers.DecimalField(**MONEY)
    fee = serializers.DecimalField(**MONEY)
    held = serializers.DecimalField(**MONEY)
    points = LedgerPointSerializer(many=True, help_text=_("Empty for board members (totals only)."))


@extend_schema_view(
    list=extend_schema(summary=_("Council payments: the consortium's (coordinators, with the fee) or the "
                                 "council's (reviewers)"),
                       responses={200: PaymentSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A council payment; coordinators see its members' remittances"),
                           responses={200: PaymentSerializer, **DETAIL_ERRORS}),
    create=extend_schema(summary=_("Record the council's payment against an invoice and share it out "
                                   "(idempotent on the council's reference: 200 with the payment already "
                                   "recorded)"),
                         request=PaymentRecordSerializer,
                         responses={201: PaymentSerializer, 200: PaymentSerializer, **WRITE_ERRORS}),
)
class PaymentViewSet(viewsets.GenericViewSet):
    queryset = CouncilPayment.objects.none()
    serializer_class = PaymentSerializer

    def _check(self) -> None:
        if not selectors.can_see_payments(self.request.user):
            raise PermissionDenied(NOT_PAYER)

    def get_queryset(self):
        return selectors.payments_visible_to(self.request.user).order_by("-paid_on", "-pk")

    def _context(self, detail: bool = False) -> dict:
        return {"shares": selectors.shows_shares(self.request.user), "detail": detail}

    def list(self, request: Request) -> Response:
        self._check()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PaymentSerializer(page, many=True, context=self._context()).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        self._check()
        payment = selectors.payment_get_for_user(request.user, pk)
        return Response(PaymentSerializer(payment, context=self._context(detail=True)).data)

    def create(self, request: Request) -> Response:
        self._check()
        data = validated(PaymentRecordSerializer, request.data, flat=False)
        try:
            invoice = selectors.invoice_get_for_payment(request.user, data["invoice"], for_write=True)
        except DjangoPermissionDenied:
            raise PermissionDenied(NOT_PAYER) from None
        except Http404:
            raise ValidationError({"invoice": [_("No such invoice of yours.")]}) from None
        payment = services.payment_record(invoice=invoice, reference=data["reference"], amount=data["amount"],
                                          paid_on=data["paid_on"], by=request.user)
        body = PaymentSerializer(payment, context=self._context(detail=True)).data
        return Response(body, status=200 if payment.already_recorded else 201)


@extend_schema_view(
    list=extend_schema(summary=_("The consortium's payment runs (coordinators)"),
                       responses={200: RunSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A payment run and how it is going (coordinators)"),
                           responses={200: RunSerializer, **DETAIL_ERRORS}),
    create=extend_schema(summary=_("Start a payment run paying every member with bank details what is due "
                                   "to it (coordinators; runs in the background: 202)"),
                         request=RunStartSerializer, responses={202: RunSerializer, **WRITE_ERRORS}),
)
class PaymentRunViewSet(viewsets.GenericViewSet):
    queryset = PaymentRun.objects.none()
    serializer_class = RunSerializer

    def _check(self) -> None:
        if not selectors.can_run_payments(self.request.user):
            raise PermissionDenied(NOT_COORDINATOR)

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    def list(self, request: Request) -> Response:
        self._check()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        self._check()
        return Response(RunSerializer(selectors.run_get_for_user(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        self._check()
        data = validated(RunStartSerializer, request.data, flat=False)
        run = services.payment_run_start(consortium=request.user.consortium, pay_on=data["pay_on"],
                                         by=request.user)
        return Response(RunSerializer(run).data, status=202)

    @extend_schema(summary=_("A finished run's bank file as rows: sort code, account number, account name, "
                             "amount, reference (coordinators)"),
                   responses={200: BankRowSerializer(many=True), **DETAIL_ERRORS})
    @action(detail=True, methods=["get"], url_path="bank-file", filter_backends=[], pagination_class=None)
    def bank_file(self, request: Request, pk=None) -> Response:
        self._check()
        run = selectors.run_get_for_user(request.user, pk)
        if run.status != PaymentRunStatus.DONE:
            raise Http404
        return Response(BankRowSerializer(selectors.bank_rows(run), many=True).data)


@extend_schema_view(
    list=extend_schema(summary=_("Members' remittances: a member's own co-op's, or every one for "
                                 "coordinators"),
                       responses={200: RemittanceSerializer(many=True), **LIST_ERRORS}),
)
class RemittanceViewSet(viewsets.GenericViewSet):
    queryset = Remittance.objects.none()
    serializer_class = RemittanceSerializer

    def get_queryset(self):
        return selectors.remittances_visible_to(self.request.user).order_by("-payment__paid_on", "pk")

    def list(self, request: Request) -> Response:
        if not selectors.can_see_remittances(request.user):
            raise PermissionDenied(_("Remittances are for the consortium's coordinators and its members."))
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RemittanceSerializer(page, many=True).data)


class ConsortiumLedgerView(APIView):
    @extend_schema(summary=_("The consortium ledger: received = paid to members + fee retained + held "
                             "(coordinators; board members: the totals only)"),
                   responses={200: ConsortiumLedgerSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request) -> Response:
        if request.user.is_council_reviewer:
            raise Http404
        if not ledger_selectors.sees_consortium_ledger(request.user):
            raise PermissionDenied(_("The ledger is for the consortium's coordinators and board."))
        return Response(ConsortiumLedgerSerializer(ledger_selectors.consortium_ledger(request.user)).data)


class MemberLedgerView(APIView):
    @extend_schema(summary=_("What a member is owed, by billing period, and why (the member's own users "
                             "and the coordinators)"),
                   responses={200: MemberLedgerSerializer, **error_responses(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        coop = ledger_selectors.coop_get_for_ledger(request.user, pk)
        return Response(MemberLedgerSerializer(ledger_selectors.member_ledger(coop)).data)


router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="payment-api")
router.register("payment-runs", PaymentRunViewSet, basename="payment-run-api")
router.register("remittances", RemittanceViewSet, basename="remittance-api")

urlpatterns = [
    *router.urls,
    path("ledger/", ConsortiumLedgerView.as_view(), name="consortium-ledger-api"),
    path("ledger/members/<int:pk>/", MemberLedgerView.as_view(), name="member-ledger-api"),
]
