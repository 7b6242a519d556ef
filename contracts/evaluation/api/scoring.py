"""API: quality marking of a lot's bids, under ``review/lots/{id}/`` (mirroring the web pages).

- ``marks/``: GET the caller's own mark sheet; POST marks to save (all or nothing: 400 with every
  problem by input name ``mark-<entry>-<question>`` / ``comment-<entry>-<question>``);
- ``marks/submit/``: POST to submit and seal the sheet (every bid x question must be marked);
- ``moderation/``: GET the lead reviewer's grid (every submitted mark with its comment, spread,
  median, suggested and agreed mark; social value scores; live scores and ranks with workings);
  POST one agreed mark with its reason;
- ``social-value/``: POST one bid's social value score with its reason (the lead).
Other reviewers' marks appear only once the caller has submitted their own sheet for the lot.
Access: reviewers of the tender's council after the deadline (anyone else: 404); a mark sheet
for reviewers on the panel, moderation and social value for the lead (other reviewers: 403).
Reads through ``contracts.evaluation.selectors.scoring``, writes through
``contracts.evaluation.services.scoring`` (DomainError -> 400, mapped once in ``consortium.api``).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api import validated
from consortium.api_views import error_responses
from contracts.evaluation.selectors import scoring as selectors
from contracts.evaluation.services import scoring as services

SCORE = {"max_digits": 7, "decimal_places": 2}
READ_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
LOT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("The lot."))
NOT_PANEL = _("Only reviewers on the tender's evaluation panel can mark its bids.")
NOT_LEAD = _("Only the lead reviewer of the tender's panel can do this.")


# --- output -------------------------------------------------------------------------------------

class MarkingQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    text = serializers.CharField()
    max_marks = serializers.IntegerField()


class ReviewerMarkSerializer(serializers.Serializer):
    reviewer = serializers.CharField()
    mark = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)


class MarkSheetCellSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    number = serializers.IntegerField(source="question.number")
    answer = serializers.CharField(allow_null=True, allow_blank=True, help_text=_(
        "The bid's answer from its submitted snapshot; null for a bid made outside the system."))
    mark = serializers.IntegerField(allow_null=True, help_text=_("Your mark; null: not marked yet."))
    comment = serializers.CharField(allow_blank=True)
    others = ReviewerMarkSerializer(many=True, help_text=_(
        "The other reviewers' submitted marks: empty until you have submitted your own sheet."))


class MarkSheetBidSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry.pk")
    name = serializers.CharField()
    external = serializers.BooleanField(help_text=_("A bid made outside the system (no answers held)."))
    intact = serializers.BooleanField(allow_null=True, help_text=_(
        "The bid's stored snapshot still matches its SHA-256; null for a bid made outside the system."))
    cells = MarkSheetCellSerializer(many=True)


class PanelProgressSerializer(serializers.Serializer):
    reviewer = serializers.CharField(source="name")
    lead = serializers.BooleanField(source="is_lead")
    submitted_at = serializers.DateTimeField(allow_null=True)
    marked = serializers.IntegerField()
    of = serializers.IntegerField()


class MarkSheetSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    submitted_at = serializers.DateTimeField(allow_null=True)
    editable = serializers.BooleanField(help_text=_("You can still save marks (not submitted, lot open)."))
    others_visible = serializers.BooleanField()
    marked = serializers.IntegerField()
    total = serializers.IntegerField()
    questions = MarkingQuestionSerializer(many=True)
    bids = MarkSheetBidSerializer(many=True)
    progress = PanelProgressSerializer(many=True)


class AgreedMarkSerializer(serializers.Serializer):
    mark = serializers.IntegerField()
    reason = serializers.CharField()
    moderated_by = serializers.SerializerMethodField()
    moderated_at = serializers.DateTimeField()

    def get_moderated_by(self, row) -> str | None:
        return selectors.reviewer_name(row.moderated_by) if row.moderated_by else None


class ModerationCellSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    number = serializers.IntegerField(source="question.number")
    max_marks = serializers.IntegerField(source="question.max_marks")
    marks = ReviewerMarkSerializer(many=True, help_text=_(
        "Every submitted mark: empty until you have submitted your own sheet."))
    spread = serializers.IntegerField(allow_null=True, help_text=_("Highest mark less lowest."))
    median = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    suggested = serializers.IntegerField(allow_null=True, help_text=_("The median rounded half up."))
    wide = serializers.BooleanField(help_text=_("The spread is wide enough to discuss."))
    agreed = AgreedMarkSerializer(allow_null=True)


class LeadSocialValueScoreSerializer(serializers.Serializer):
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    reason = serializers.CharField()
    scored_at = serializers.DateTimeField()


class ModerationCommitmentSerializer(serializers.Serializer):
    heading = serializers.CharField()
    heading_label = serializers.CharField()
    measure = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(allow_blank=True)
    quantity = serializers.CharField()


class ModerationBidSerializer(serializers.Serializer):
    entry = serializers.IntegerField(source="entry.pk")
    name = serializers.CharField()
    external = serializers.BooleanField()
    cells = ModerationCellSerializer(many=True)
    social_value = LeadSocialValueScoreSerializer(allow_null=True)
    commitments = ModerationCommitmentSerializer(many=True,
                                                 help_text=_("The bid's social value commitments."))


class LotScoreSerializer(serializers.Serializer):
    entry = serializers.SerializerMethodField()
    name = serializers.CharField(source="score.name")
    rank = serializers.IntegerField(source="score.rank")
    price = serializers.DecimalField(
        source="score.price", max_digits=11, decimal_places=2, allow_null=True,
        help_text=_("The bid's rates weighted by the lot's volumes (£ per unit)."))
    price_score = serializers.DecimalField(source="score.price_score", **SCORE)
    quality_marks = serializers.IntegerField(source="score.quality_marks")
    quality_max = serializers.IntegerField(source="score.quality_max")
    quality_score = serializers.DecimalField(source="score.quality_score", **SCORE)
    social_value_percent = serializers.DecimalField(source="score.social_value_percent", max_digits=5,
                                                    decimal_places=2, allow_null=True)
    social_value_score = serializers.DecimalField(source="score.social_value_score", **SCORE)
    total = serializers.DecimalField(source="score.total", **SCORE)
    missing = serializers.ListField(child=serializers.CharField(), help_text=_("What is not scored yet."))
    workings = serializers.DictField(child=serializers.CharField(), help_text=_(
        "Each score's formula with its figures: price, quality, social_value, total."))

    def get_entry(self, row) -> int | None:
        return row.entry.pk if row.entry else None


class ModerationSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    editable = serializers.BooleanField(help_text=_("The tender is in evaluation and the lot undecided."))
    marks_visible = serializers.BooleanField(help_text=_("You have submitted your own sheet."))
    ready = serializers.BooleanField(help_text=_("Every reviewer on the panel has submitted: agreed marks "
                                                 "may be set."))
    waiting = serializers.SerializerMethodField()
    agreed = serializers.IntegerField()
    total = serializers.IntegerField()
    questions = MarkingQuestionSerializer(many=True)
    progress = PanelProgressSerializer(many=True)
    bids = ModerationBidSerializer(many=True)
    scores = serializers.SerializerMethodField()

    def get_waiting(self, grid) -> list[str]:
        return [p.name for p in grid.waiting]

    @extend_schema_field(LotScoreSerializer(many=True))
    def get_scores(self, grid) -> list[dict]:
        return LotScoreSerializer(selectors.score_rows(grid), many=True).data


# --- input --------------------------------------------------------------------------------------

class MarkInputSerializer(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1, help_text=_("The bid for the lot."))
    question = serializers.IntegerField(min_value=1, help_text=_("The lot's quality question."))
    mark = serializers.IntegerField(allow_null=True, help_text=_(
        "0 to the question's maximum; null clears the mark."))
    comment = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=True)


class MarksInputSerializer(serializers.Serializer):
    marks = MarkInputSerializer(many=True, allow_empty=False, max_length=5000)

    def validate_marks(self, value):
        keys = [(m["entry"], m["question"]) for m in value]
        if len(set(keys)) != len(keys):
            raise ValidationError(_("Give each bid's question once."))
        return value


class ModerateInputSerializer(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1, help_text=_("The bid for the lot."))
    question = serializers.IntegerField(min_value=1, help_text=_("The lot's quality question."))
    mark = serializers.IntegerField(help_text=_("The agreed mark, 0 to the question's maximum."))
    reason = serializers.CharField(max_length=services.REASON_MAX)


class SocialValueScoreInputSerializer(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1, help_text=_("The bid for the lot."))
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0),
                                       max_value=Decimal(100))
    reason = serializers.CharField(max_length=services.REASON_MAX)


# --- views --------------------------------------------------------------------------------------

def _marking_lot(request: Request, pk):
    try:
        return selectors.marking_lot_get_for_user(request.user, pk)
    except DjangoPermissionDenied:
        raise PermissionDenied(NOT_PANEL) from None


def _moderation_lot(request: Request, pk):
    try:
        return selectors.moderation_lot_get_for_user(request.user, pk)
    except DjangoPermissionDenied:
        raise PermissionDenied(NOT_LEAD) from None


def _sheet(request: Request, lot) -> dict:
    return MarkSheetSerializer(selectors.my_sheet(lot, request.user)).data


def _grid(request: Request, lot) -> dict:
    return ModerationSerializer(selectors.moderation(lot, request.user)).data


class LotMarksView(APIView):
    """The caller's own mark sheet for a lot."""

    @extend_schema(summary=_("Your mark sheet for a lot (reviewers on the panel)"), parameters=[LOT_ID],
                   responses={200: MarkSheetSerializer, **READ_ERRORS})
    def get(self, request: Request, id: int) -> Response:
        return Response(_sheet(request, _marking_lot(request, id)))

    @extend_schema(summary=_("Save marks on your sheet (all or nothing; not once submitted)"),
                   parameters=[LOT_ID], request=MarksInputSerializer,
                   responses={200: MarkSheetSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        lot = _marking_lot(request, id)
        data = validated(MarksInputSerializer, request.data)
        marks = {(m["entry"], m["question"]): (m["mark"], m.get("comment", "")) for m in data["marks"]}
        services.mark_sheet_save(lot=lot, by=request.user, marks=marks)
        return Response(_sheet(request, lot))


class LotMarksSubmitView(APIView):
    @extend_schema(summary=_("Submit and seal your mark sheet (every bid's every question marked)"),
                   parameters=[LOT_ID], request=None, responses={200: MarkSheetSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        lot = _marking_lot(request, id)
        services.mark_sheet_submit(lot=lot, by=request.user)
        return Response(_sheet(request, lot))


class LotModerationView(APIView):
    """The lead reviewer's moderation grid of a lot."""

    @extend_schema(summary=_("The moderation grid, social value scores and live scores (the lead reviewer)"),
                   parameters=[LOT_ID], responses={200: ModerationSerializer, **READ_ERRORS})
    def get(self, request: Request, id: int) -> Response:
        return Response(_grid(request, _moderation_lot(request, id)))

    @extend_schema(summary=_("Set one agreed mark with its reason, once every sheet is submitted "
                             "(the lead reviewer)"),
                   parameters=[LOT_ID], request=ModerateInputSerializer,
                   responses={200: ModerationSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        lot = _moderation_lot(request, id)
        data = validated(ModerateInputSerializer, request.data)
        entry = selectors.entry_of_lot(lot, data["entry"])
        if entry is None:
            raise ValidationError({"entry": [_("Choose a bid for this lot.")]})
        question = selectors.question_of_lot(lot, data["question"])
        if question is None:
            raise ValidationError({"question": [_("Choose a question of this lot.")]})
        services.mark_moderate(entry=entry, question=question, mark=data["mark"], reason=data["reason"],
                               by=request.user)
        return Response(_grid(request, lot))


class LotSocialValueView(APIView):
    @extend_schema(summary=_("Set one bid's social value score with its reason (the lead reviewer)"),
                   parameters=[LOT_ID], request=SocialValueScoreInputSerializer,
                   responses={200: ModerationSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        lot = _moderation_lot(request, id)
        data = validated(SocialValueScoreInputSerializer, request.data)
        entry = selectors.entry_of_lot(lot, data["entry"])
        if entry is None:
            raise ValidationError({"entry": [_("Choose a bid for this lot.")]})
        services.social_value_score_set(entry=entry, percent=data["percent"], reason=data["reason"],
                                        by=request.user)
        return Response(_grid(request, lot))


urlpatterns = [
    path("review/lots/<int:id>/marks/", LotMarksView.as_view(), name="lot-marks-api"),
    path("review/lots/<int:id>/marks/submit/", LotMarksSubmitView.as_view(), name="lot-marks-submit-api"),
    path("review/lots/<int:id>/moderation/", LotModerationView.as_view(), name="lot-moderation-api"),
    path("review/lots/<int:id>/social-value/", LotSocialValueView.as_view(), name="lot-social-value-api"),
]
