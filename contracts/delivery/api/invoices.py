"""API: invoices and credit notes to councils under ``invoices/``, and the answers to the
council's queries under ``invoice-queries/`` (mirroring ``contracts/delivery/web/invoices.py``).

Reads go through ``contracts.delivery.selectors.invoices``: coordinators and board members see
their consortium's invoices, council reviewers their council's (never the members behind a
line), member users none (403 on the list). An invoice the user may not see answers 404.
Coordinators issue invoices (``POST invoices/``) and credit notes; the council's reviewers
accept an invoice or query it; coordinators answer the queries. A refusal of the person is 403,
of the invoice's state 409, of the input 400.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import validated
from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import TimeBand
from contracts.delivery.invoice_documents import VAT_EXEMPTION
from contracts.delivery.selectors import contracts as contract_selectors
from contracts.delivery.selectors import invoices as selectors
from contracts.delivery.services import invoices as services
from contracts.models import BillingPeriod, Invoice, InvoiceKind, InvoiceLine, InvoiceQuery, InvoiceStatus

MONEY = {"max_digits": 14, "decimal_places": 2}
ID = {"min_value": 1, "max_value": 2**31 - 1}
LIST_ERRORS = error_responses(400, 401, 403)
DETAIL_ERRORS = error_responses(401, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
NOT_COORDINATOR = _("Only the consortium's coordinators can do this.")
NOT_REVIEWER = _("Only the council's reviewers can do this.")


class InvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InvoiceKind.choices)
    credits = serializers.IntegerField(source="credits_id", allow_null=True,
                                       help_text=_("The invoice a credit note credits."))
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    consortium = serializers.CharField(source="consortium.name")
    council = serializers.CharField(source="contract.council.code")
    contract = serializers.IntegerField(source="contract_id")
    tender = serializers.CharField(source="contract.lot.tender.reference")
    lot_number = serializers.IntegerField(source="contract.lot.number")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    net = serializers.DecimalField(**MONEY)
    vat_exempt = serializers.BooleanField()
    vat_rate_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)


class InvoiceLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    quantity = serializers.DecimalField(max_digits=11, decimal_places=2)
    rate = serializers.DecimalField(max_digits=9, decimal_places=2)
    amount = serializers.DecimalField(**MONEY)
    credits = serializers.IntegerField(source="credits_id", allow_null=True,
                                       help_text=_("The invoice line a credit note's line reverses."))


class InvoiceQuerySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField(source="line_id", allow_null=True)
    reason = serializers.CharField()
    raised_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class InvoiceDetailSerializer(InvoiceSerializer):
    reason = serializers.CharField()
    vat_statement = serializers.CharField(help_text=_("The VAT exemption statement, if exempt."))
    lines = InvoiceLineSerializer(many=True)
    queries = InvoiceQuerySerializer(many=True)
    credit_notes = serializers.ListField(child=serializers.IntegerField())


class InvoiceIssueSerializer(serializers.Serializer):
    contract = serializers.IntegerField(**ID)
    period = serializers.IntegerField(**ID, help_text=_("The billing period of the contract to invoice."))


class CreditNoteSerializer(serializers.Serializer):
    lines = serializers.ListField(child=serializers.IntegerField(**ID), required=False, allow_empty=False,
                                  help_text=_("The invoice's lines to reverse; leave out to reverse "
                                              "the whole invoice."))
    reason = serializers.CharField(max_length=2000)


class QuerySerializer(serializers.Serializer):
    line = serializers.IntegerField(**ID, required=False, allow_null=True,
                                    help_text=_("The line queried; leave out to query the whole invoice."))
    reason = serializers.CharField(max_length=2000)


class QueryAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


def _detail(request: Request, invoice: Invoice) -> dict:
    view = selectors.invoice_view(request.user, invoice)
    return {
        **InvoiceSerializer(invoice).data,
        "reason": invoice.reason,
        "vat_statement": str(VAT_EXEMPTION) if invoice.vat_exempt else "",
        "lines": InvoiceLineSerializer(view.lines, many=True).data,
        "queries": InvoiceQuerySerializer(view.queries, many=True).data,
        "credit_notes": [note.pk for note in view.credit_notes],
    }


@extend_schema_view(
    list=extend_schema(summary=_("Invoices and credit notes the user may see (the consortium's, or those "
                                 "for the council's contracts)"),
                       responses={200: InvoiceSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("An invoice or credit note with its lines by time band and its queries"),
                           responses={200: InvoiceDetailSerializer, **DETAIL_ERRORS}),
)
class InvoiceViewSet(viewsets.GenericViewSet):
    queryset = Invoice.objects.none()
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        qs = selectors.invoices_visible_to(self.request.user).order_by("-issued_on", "-number")
        params = self.request.query_params
        if params.get("status"):
            if params["status"] not in InvoiceStatus.values:
                raise ValidationError({"status": [_("Choose an invoice status.")]})
            qs = qs.filter(status=params["status"])
        if params.get("contract"):
            if not params["contract"].isdigit():
                raise ValidationError({"contract": [_("Give a contract's id.")]})
            qs = qs.filter(contract_id=int(params["contract"]))
        return qs

    def _invoice(self, pk, *, for_write: bool = False) -> Invoice:
        try:
            return selectors.invoice_get_for_user(self.request.user, pk, for_write=for_write)
        except DjangoPermissionDenied:
            raise PermissionDenied(NOT_COORDINATOR) from None

    def list(self, request: Request) -> Response:
        if not selectors.can_see_invoices(request.user):
            raise PermissionDenied(_("Invoices are for the consortium and the council."))
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InvoiceSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(_detail(request, self._invoice(pk)))

    @extend_schema(summary=_("Issue the invoice to the council for an ended billing period of a contract "
                             "(coordinators)"),
                   request=InvoiceIssueSerializer, responses={201: InvoiceDetailSerializer, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        require(selectors.can_issue_invoices(request.user), str(NOT_COORDINATOR))
        data = validated(InvoiceIssueSerializer, request.data, flat=False)
        contract = contract_selectors.contract_get_for_user(request.user, data["contract"])
        require(selectors.can_issue_invoices(request.user, contract), str(NOT_COORDINATOR))
        period = BillingPeriod.objects.filter(pk=data["period"], contract=contract).first()
        if period is None:
            raise ValidationError({"period": [_("Choose a billing period of this contract.")]})
        invoice = services.invoice_issue(contract=contract, period=period, by=request.user)
        return Response(_detail(request, self._invoice(invoice.pk)), status=201)

    @extend_schema(summary=_("Issue a credit note reversing the whole invoice or some of its lines "
                             "(coordinators)"),
                   request=CreditNoteSerializer, responses={201: InvoiceDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="credit-notes", filter_backends=[], pagination_class=None)
    def credit(self, request: Request, pk=None) -> Response:
        invoice = self._invoice(pk, for_write=True)
        data = validated(CreditNoteSerializer, request.data, flat=False)
        note = services.credit_note_issue(invoice=invoice, lines=data.get("lines"), reason=data["reason"],
                                          by=request.user)
        return Response(_detail(request, self._invoice(note.pk)), status=201)

    @extend_schema(summary=_("Accept the invoice (the council's reviewers)"), request=None,
                   responses={200: InvoiceDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[], pagination_class=None)
    def accept(self, request: Request, pk=None) -> Response:
        invoice = self._invoice(pk)
        require(selectors.can_review_invoice(request.user, invoice), str(NOT_REVIEWER))
        services.invoice_accept(invoice=invoice, by=request.user)
        return Response(_detail(request, self._invoice(pk)))

    @extend_schema(summary=_("Query the invoice or one of its lines, with a reason (the council's "
                             "reviewers)"),
                   request=QuerySerializer, responses={201: InvoiceDetailSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="queries", filter_backends=[], pagination_class=None)
    def query(self, request: Request, pk=None) -> Response:
        invoice = self._invoice(pk)
        require(selectors.can_review_invoice(request.user, invoice), str(NOT_REVIEWER))
        data = validated(QuerySerializer, request.data, flat=False)
        line = None
        if data.get("line") is not None:
            line = InvoiceLine.objects.filter(pk=data["line"], invoice=invoice).first()
            if line is None:
                raise ValidationError({"line": [_("Choose a line of this invoice.")]})
        services.invoice_query(invoice=invoice, line=line, reason=data["reason"], by=request.user)
        return Response(_detail(request, self._invoice(pk)), status=201)


class InvoiceQueryViewSet(viewsets.GenericViewSet):
    queryset = InvoiceQuery.objects.none()
    serializer_class = InvoiceQuerySerializer

    @extend_schema(summary=_("Answer the council's query (coordinators); the invoice is issued again once "
                             "every query is answered"),
                   request=QueryAnswerSerializer, responses={200: InvoiceQuerySerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="answer", filter_backends=[], pagination_class=None)
    def answer(self, request: Request, pk=None) -> Response:
        query = selectors.invoice_query_get_for_user(request.user, pk)
        require(selectors.can_answer_queries(request.user, query.invoice), str(NOT_COORDINATOR))
        data = validated(QueryAnswerSerializer, request.data, flat=False)
        query = services.invoice_query_answer(query=query, answer=data["answer"], by=request.user)
        return Response(InvoiceQuerySerializer(query).data)


router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice-api")
router.register("invoice-queries", InvoiceQueryViewSet, basename="invoice-query-api")

urlpatterns = router.urls
