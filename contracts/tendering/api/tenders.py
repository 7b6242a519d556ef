"""API: tenders (``tenders/``), their lots (``tenders/{id}/lots/``, ``lots/{id}/``), documents
(``tenders/{id}/documents/``, ``tender-documents/{id}/download/``) and clarification questions
(``tenders/{id}/clarifications/``, ``clarifications/{id}/answer/``).

Reads go through ``contracts.tendering.selectors.tenders`` (lists scoped per role; a tender the user may
not see answers 404), writes through ``contracts.tendering.services.tenders`` (DomainError -> 400, mapped
once in ``consortium.api``). Whoever recorded a tender changes it; others who can see it get 403.
The tender list costs a fixed number of queries whatever its length.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from consortium.api import validated
from consortium.api_views import ErrorDetailSerializer, error_responses
from consortium.errors import require
from consortium.models import Council, ServiceType, TimeBand
from contracts.models import (
    Clarification,
    Lot,
    LotStatus,
    Procedure,
    Reservation,
    Tender,
    TenderDocument,
    TenderStatus,
)
from contracts.tendering.filters import TenderFilter
from contracts.tendering.selectors import tenders as selectors
from contracts.tendering.services import tenders as services

LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
CREATE_ERRORS = error_responses(400, 401, 403)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
MONEY = {"max_digits": 9, "decimal_places": 2}


# --- serializers --------------------------------------------------------------------------------


class CodedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


def _ref(obj) -> dict:
    return {"id": obj.pk, "code": obj.code, "name": obj.name}


def _volume(*, output: bool = False) -> serializers.DecimalField:
    extra = {} if output else {"min_value": Decimal("0")}
    return serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        **extra,
        help_text=_("Per week, in the service's unit; null or 0: none in this band."),
    )


class VolumesSerializer(serializers.Serializer):
    weekday_day = _volume()
    evening = _volume()
    night = _volume()
    weekend = _volume()
    bank_holiday = _volume()


class VolumesOutSerializer(serializers.Serializer):
    weekday_day = _volume(output=True)
    evening = _volume(output=True)
    night = _volume(output=True)
    weekend = _volume(output=True)
    bank_holiday = _volume(output=True)


class QuestionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    max_marks = serializers.IntegerField(min_value=1, max_value=1000)


class QuestionOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    max_marks = serializers.IntegerField()


class LotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tender = serializers.IntegerField(source="tender_id")
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=LotStatus.choices)
    service_type = CodedRefSerializer()
    areas = serializers.SerializerMethodField()
    duration_weeks = serializers.IntegerField()
    ceiling_rate = serializers.DecimalField(**MONEY, help_text=_("Pounds per unit."))
    welsh_share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    max_provider_share_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    allows_partial_bids = serializers.BooleanField(help_text=_(
        "A bid may offer part of the lot's volume; otherwise it must cover all of it."))
    price_weight = serializers.IntegerField()
    quality_weight = serializers.IntegerField()
    social_value_weight = serializers.IntegerField()
    volumes = serializers.SerializerMethodField()
    questions = QuestionOutSerializer(many=True)

    @extend_schema_field(CodedRefSerializer(many=True))
    def get_areas(self, lot: Lot) -> list:
        return [_ref(area) for area in lot.areas.all()]

    @extend_schema_field(VolumesOutSerializer)
    def get_volumes(self, lot: Lot) -> dict:
        found = selectors.volumes_by_band(lot)
        return VolumesOutSerializer({band: found.get(band) for band in TimeBand.values}).data


class LotWriteSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=999)
    title = serializers.CharField(max_length=300)
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    areas = serializers.PrimaryKeyRelatedField(queryset=Council.objects.all(), many=True, allow_empty=False)
    duration_weeks = serializers.IntegerField(min_value=1, max_value=1000)
    ceiling_rate = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    welsh_share_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )
    max_provider_share_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        required=False,
        allow_null=True,
    )
    allows_partial_bids = serializers.BooleanField(required=False, help_text=_(
        "A bid may offer part of the lot's volume; otherwise (the default) it must cover all of it."))
    price_weight = serializers.IntegerField(min_value=0, max_value=100)
    quality_weight = serializers.IntegerField(min_value=0, max_value=100)
    social_value_weight = serializers.IntegerField(
        min_value=0, max_value=100, help_text=_("The three weights add up to 100.")
    )
    volumes = VolumesSerializer()
    questions = QuestionSerializer(many=True, allow_empty=False, max_length=50)


class LotSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=LotStatus.choices)
    service_type = CodedRefSerializer()


class TenderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    council = CodedRefSerializer()
    recorded_by_consortium = serializers.IntegerField(
        source="recorded_by_consortium_id",
        allow_null=True,
        help_text=_("Set when a consortium recorded it from the public notice."),
    )
    reference = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    reserved = serializers.ChoiceField(
        choices=Reservation.choices,
        help_text=_("Reserved under the Procurement Act 2023: s33 (public service mutuals), s32 "
                    "(supported employment providers), or empty (not reserved)."))
    status = serializers.ChoiceField(choices=TenderStatus.choices)
    clarification_deadline = serializers.DateTimeField(allow_null=True)
    submission_deadline = serializers.DateTimeField()
    expected_award_date = serializers.DateField(allow_null=True)
    contract_start = serializers.DateField()
    contract_end = serializers.DateField()
    published_at = serializers.DateTimeField(allow_null=True)
    lots_changed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When the lots last changed after publication (bids confirmed before then went back to draft)."
        ),
    )
    lots = serializers.SerializerMethodField()

    @extend_schema_field(LotSummarySerializer(many=True))
    def get_lots(self, tender: Tender) -> list:
        return [
            {
                "id": lot.pk,
                "number": lot.number,
                "title": lot.title,
                "status": lot.status,
                "service_type": _ref(lot.service_type),
            }
            for lot in tender.lots.all()
        ]


class TenderWriteSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=80)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    reserved = serializers.ChoiceField(
        choices=Reservation.choices, required=False, allow_blank=True,
        help_text=_("s33: reserved for public service mutuals (a term of five years or less); s32: "
                    "for supported employment providers; empty: not reserved."))
    clarification_deadline = serializers.DateTimeField(required=False, allow_null=True)
    submission_deadline = serializers.DateTimeField()
    expected_award_date = serializers.DateField(required=False, allow_null=True)
    contract_start = serializers.DateField()
    contract_end = serializers.DateField()


class TenderCreateSerializer(TenderWriteSerializer):
    council = serializers.PrimaryKeyRelatedField(
        queryset=Council.objects.all(), help_text=_("Council reviewers: their own council.")
    )


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tender = serializers.IntegerField(source="tender_id")
    title = serializers.CharField()
    version = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField(help_text=_("Bytes."))
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField()

    def get_download(self, document: TenderDocument) -> str:
        return f"/api/v1/tender-documents/{document.pk}/download/"


class DocumentUploadSerializer(serializers.Serializer):
    title = serializers.CharField(
        max_length=200,
        help_text=_("The title of an earlier document adds a new version of it; nothing is overwritten."),
    )
    file = serializers.FileField(help_text=_("Up to 20 MB."))


class ClarificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tender = serializers.IntegerField(source="tender_id")
    question = serializers.CharField()
    asked_at = serializers.DateTimeField()
    answer = serializers.CharField(help_text=_("Empty until answered."))
    answered_at = serializers.DateTimeField(allow_null=True)
    asked_by_your_consortium = serializers.BooleanField()
    asked_by_consortium = serializers.CharField(
        allow_null=True,
        help_text=_("Who asked: shown to the council and to the asking consortium only; null otherwise."),
    )


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=5000)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=10000)


def _clarification_data(user, clarification: Clarification) -> dict:
    shown = selectors.shows_asker(user, clarification)
    return ClarificationSerializer(
        {
            "id": clarification.pk,
            "tender_id": clarification.tender_id,
            "question": clarification.question,
            "asked_at": clarification.asked_at,
            "answer": clarification.answer,
            "answered_at": clarification.answered_at,
            "asked_by_your_consortium": bool(user.consortium_id)
            and user.consortium_id == clarification.consortium_id,
            "asked_by_consortium": clarification.consortium.name if shown else None,
        }
    ).data


def _lot_fields(data: dict) -> dict:
    fields = dict(data)
    if "volumes" in fields:
        fields["volumes"] = {band: value for band, value in fields["volumes"].items() if value is not None}
    if "questions" in fields:
        fields["questions"] = [dict(q) for q in fields["questions"]]
    return fields


# --- views --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Tenders the user may see"), responses={200: TenderSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(summary=_("A tender"), responses={200: TenderSerializer, **DETAIL_ERRORS}),
)
class TenderViewSet(viewsets.GenericViewSet):
    """Council tenders. Published ones are public notices (council reviewers: their own
    council's); drafts are seen only by whoever recorded them."""

    queryset = Tender.objects.none()
    serializer_class = TenderSerializer
    filterset_class = TenderFilter

    def get_queryset(self):
        return selectors.tenders_visible_to(self.request.user).order_by("-submission_deadline", "-pk")

    def _tender(self, pk, *, for_write: bool = False) -> Tender:
        return selectors.tender_get_for_user(self.request.user, pk, for_write=for_write)

    def _data(self, pk) -> dict:
        return TenderSerializer(self._tender(pk)).data

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(TenderSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(self._data(pk))

    @extend_schema(
        summary=_("Record a draft tender (council reviewers for their council; coordinators)"),
        request=TenderCreateSerializer,
        responses={201: TenderSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        require(selectors.can_record_tenders(request.user),
                _("Only council reviewers and coordinators record tenders."))
        data = dict(validated(TenderCreateSerializer, request.data, by_item=False))
        council = data.pop("council")
        tender = services.tender_create(council=council, by=request.user, **data)
        return Response(self._data(tender.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change a draft tender (whoever recorded it)"),
        request=TenderWriteSerializer,
        responses={200: TenderSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk, for_write=True)
        data = validated(TenderWriteSerializer, request.data, partial=True, by_item=False)
        services.tender_update(tender=tender, by=request.user, **data)
        return Response(self._data(tender.pk))

    def _move(self, pk, to: str) -> Response:
        tender = self._tender(pk, for_write=True)
        services.tender_transition(tender=tender, to=to, by=self.request.user)
        return Response(self._data(tender.pk))

    @extend_schema(
        summary=_("Publish a draft: needs lots with weights summing to 100, volumes and quality questions"),
        request=None,
        responses={200: TenderSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def publish(self, request: Request, pk=None) -> Response:
        return self._move(pk, TenderStatus.PUBLISHED)

    @extend_schema(
        summary=_("Cancel a tender (and its lots not yet decided)"),
        request=None,
        responses={200: TenderSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def cancel(self, request: Request, pk=None) -> Response:
        return self._move(pk, TenderStatus.CANCELLED)

    # --- lots ---

    @extend_schema(
        summary=_("The tender's lots, with volumes per time band and quality questions"),
        responses={200: LotSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="lots", filter_backends=[], pagination_class=None)
    def lots(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk)
        return Response(LotSerializer(selectors.lots_of(tender), many=True).data)

    @extend_schema(
        summary=_(
            "Add a lot (whoever recorded the tender); on a published tender, confirmed bids go back to draft"
        ),
        request=LotWriteSerializer,
        responses={201: LotSerializer, **WRITE_ERRORS},
    )
    @lots.mapping.post
    def add_lot(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk, for_write=True)
        data = validated(LotWriteSerializer, request.data, by_item=False)
        lot = services.lot_create(tender=tender, by=request.user, **_lot_fields(data))
        return Response(
            LotSerializer(selectors.lots_of(tender).get(pk=lot.pk)).data, status=status.HTTP_201_CREATED
        )

    # --- documents ---

    @extend_schema(
        summary=_("Every version of every document of the tender"),
        responses={200: DocumentSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="documents",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def documents(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk)
        return Response(DocumentSerializer(selectors.documents_of(tender), many=True).data)

    @extend_schema(
        summary=_("Upload a document (a new version if the title exists)"),
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, **WRITE_ERRORS},
    )
    @documents.mapping.post
    def upload_document(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk, for_write=True)
        data = validated(DocumentUploadSerializer, request.data, by_item=False)
        document = services.tender_document_upload(
            tender=tender, by=request.user, title=data["title"], file=data["file"]
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    # --- clarifications ---

    @extend_schema(
        summary=_(
            "Clarification questions: yours, and the answered ones (without who "
            "asked); the council sees all with who asked"
        ),
        responses={200: ClarificationSerializer(many=True), **DETAIL_ERRORS},
    )
    @action(
        detail=True, methods=["get"], url_path="clarifications", filter_backends=[], pagination_class=None
    )
    def clarifications(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk)
        return Response(
            [_clarification_data(request.user, c) for c in selectors.clarifications_for(request.user, tender)]
        )

    @extend_schema(
        summary=_("Ask a clarification question (coordinators, before the deadline)"),
        request=AskSerializer,
        responses={201: ClarificationSerializer, **WRITE_ERRORS},
    )
    @clarifications.mapping.post
    def ask(self, request: Request, pk=None) -> Response:
        tender = self._tender(pk)
        require(request.user.is_coordinator,
                _("Only a consortium's coordinators ask clarification questions."))
        data = validated(AskSerializer, request.data, by_item=False)
        clarification = services.clarification_ask(tender=tender, by=request.user, question=data["question"])
        clarification.tender = tender
        return Response(_clarification_data(request.user, clarification), status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(summary=_("A lot"), responses={200: LotSerializer, **DETAIL_ERRORS}),
)
class LotViewSet(viewsets.GenericViewSet):
    """Lots of the tenders the user may see; changed by whoever recorded the tender."""

    queryset = Lot.objects.none()
    serializer_class = LotSerializer
    filter_backends: list = []

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(LotSerializer(selectors.lot_get_for_user(request.user, pk)).data)

    @extend_schema(
        summary=_("Change an open lot; on a published tender, confirmed bids go back to draft"),
        request=LotWriteSerializer,
        responses={200: LotSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk=None) -> Response:
        lot = selectors.lot_get_for_user(request.user, pk, for_write=True)
        data = validated(LotWriteSerializer, request.data, partial=True, by_item=False)
        services.lot_update(lot=lot, by=request.user, **_lot_fields(data))
        return Response(LotSerializer(selectors.lot_get_for_user(request.user, pk)).data)

    @extend_schema(
        summary=_("Remove a lot: deleted from a draft, withdrawn (kept, cancelled) from a published tender"),
        responses={204: None, **WRITE_ERRORS},
    )
    def destroy(self, request: Request, pk=None) -> Response:
        lot = selectors.lot_get_for_user(request.user, pk, for_write=True)
        services.lot_delete(lot=lot, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TenderDocumentViewSet(viewsets.GenericViewSet):
    queryset = TenderDocument.objects.none()
    serializer_class = DocumentSerializer
    filter_backends: list = []

    def perform_content_negotiation(self, request, force=False):
        # The file answers in its own type; only errors are rendered (as JSON).
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary=_(
            "Download one version of a document; refused if the stored file no longer matches its SHA-256"
        ),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(
                ErrorDetailSerializer,
                description=_("The stored file no longer matches its SHA-256 (or is missing)."),
            ),
            **DETAIL_ERRORS,
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def download(self, request: Request, pk=None):
        document = selectors.document_get_for_user(request.user, pk)
        if not services.tender_document_intact(document):
            return Response(
                {
                    "detail": _(
                        "The stored file no longer matches the SHA-256 recorded when it was "
                        "uploaded; it has not been sent. Ask for it to be uploaded again."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.rsplit("/", 1)[-1],
            content_type="application/octet-stream",
        )
        response["X-Content-SHA256"] = document.sha256
        return response


class ClarificationViewSet(viewsets.GenericViewSet):
    queryset = Clarification.objects.none()
    serializer_class = ClarificationSerializer
    filter_backends: list = []

    @extend_schema(
        summary=_(
            "Answer a clarification question (the tender's council reviewers); the "
            "answer is published to every bidder without who asked"
        ),
        request=AnswerSerializer,
        responses={200: ClarificationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def answer(self, request: Request, pk=None) -> Response:
        clarification = selectors.clarification_get_for_user(request.user, pk, to_answer=True)
        data = validated(AnswerSerializer, request.data, by_item=False)
        clarification = services.clarification_answer(
            clarification=clarification, by=request.user, answer=data["answer"]
        )
        return Response(_clarification_data(request.user, clarification))


router = SimpleRouter()
router.register("tenders", TenderViewSet, basename="tender-api")
router.register("lots", LotViewSet, basename="lot-api")
router.register("tender-documents", TenderDocumentViewSet, basename="tender-document-api")
router.register("clarifications", ClarificationViewSet, basename="clarification-api")

urlpatterns = router.urls
