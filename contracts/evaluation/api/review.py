"""API: the council's review of the bids to a tender, under ``review/`` (mirroring the web pages in
``contracts/evaluation/web/review.py``).

- ``tenders/``: GET the council's tenders past their deadline, with their counts of bids;
- ``tenders/{id}/``: GET the tender's joint bids (each snapshot's SHA-256 and whether what is
  stored still matches it, checked on every read), outside bids and panel;
- ``tenders/{id}/open-evaluation/``: POST to open the evaluation (entries from every submitted
  snapshot; the caller leads the panel). A snapshot failing its SHA-256 check refuses it (400);
- ``tenders/{id}/panel/``: POST ``{"action": "add"|"remove", "reviewer": id}`` (the lead);
- ``tenders/{id}/external-bids/``: POST a bid from outside the system (reviewers on the panel):
  ``{"bidder_name", "bidder_identifier", "rates": {"<lot id>": {"<time band>": "36.00"}}}``;
  problems answer 400 by input name (``bidder_name``, ``rate-<lot>-<band>``, ``rates``);
- ``external-bids/{id}/``: DELETE an outside bid nothing refers to yet (reviewers on the panel);
- ``entries/{id}/``: GET one bid for one lot, from its submitted snapshot, with the members'
  capacity, governance, compliance and the aggregated cost evidence (never a member's own costs);
- ``lots/{id}/comparison/``: GET the lot's bids side by side with scores, workings and coverage.
Access: reviewers of the tender's council after the submission deadline; anyone else, and anyone
before it, 404. Panel changes: the lead (another reviewer: 403); outside bids: reviewers on the
panel (others of the council: 403). Services refuse what the tender's state does not allow
(DomainError -> 400, mapped once in ``consortium.api``).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api_views import error_responses
from consortium.errors import require
from consortium.models import User
from contracts.evaluation.selectors import review as selectors
from contracts.evaluation.services import review as services

READ_ERRORS = error_responses(401, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)
MONEY = {"max_digits": 11, "decimal_places": 2}
VOLUME = {"max_digits": 11, "decimal_places": 2}
PERCENT = {"max_digits": 7, "decimal_places": 1}
NOT_LEAD = _("Only the panel's lead reviewer can change the panel.")
NOT_PANEL = _("Only reviewers on the tender's evaluation panel can do this.")


def _id(description: str) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=description)


# --- output: tenders ------------------------------------------------------------------------------

class ReviewTenderRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    title = serializers.CharField()
    council = serializers.CharField(source="council.code")
    status = serializers.CharField()
    submission_deadline = serializers.DateTimeField()
    lots = serializers.IntegerField(source="lot_count")
    joint_bids = serializers.IntegerField(source="bid_count", help_text=_("Standing submitted joint bids."))
    external_bids = serializers.IntegerField(source="external_count",
                                             help_text=_("Bids from outside the system recorded so far."))


class ReviewBandSerializer(serializers.Serializer):
    time_band = serializers.CharField()
    label = serializers.CharField()
    volume = serializers.DecimalField(**VOLUME, help_text=_("The lot's volume a week in the band."))


class ReviewLotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    service_type = serializers.CharField(source="service_type.code")
    ceiling_rate = serializers.DecimalField(**MONEY)
    price_weight = serializers.IntegerField()
    quality_weight = serializers.IntegerField()
    social_value_weight = serializers.IntegerField()


class ReviewLotLinkSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    number = serializers.IntegerField(source="lot.number")
    entry = serializers.SerializerMethodField(help_text=_("The bid for the lot; null until the evaluation "
                                                          "opens."))

    def get_entry(self, link) -> int | None:
        return link.entry.pk if link.entry else None


class ReviewJointBidSerializer(serializers.Serializer):
    consortium = serializers.CharField(source="name")
    version = serializers.IntegerField(source="submission.version")
    submitted_at = serializers.DateTimeField(source="submission.submitted_at")
    sha256 = serializers.CharField(source="submission.sha256")
    intact = serializers.BooleanField(help_text=_(
        "The stored snapshot still hashes to its SHA-256 (checked now). False: it has been altered."))
    lots = ReviewLotLinkSerializer(many=True)


class ReviewRateSerializer(serializers.Serializer):
    time_band = serializers.CharField()
    rate = serializers.DecimalField(**MONEY)


class ReviewExternalLotSerializer(ReviewLotLinkSerializer):
    rates = serializers.SerializerMethodField()

    @extend_schema_field(ReviewRateSerializer(many=True))
    def get_rates(self, link) -> list[dict]:
        rates = sorted(link.entry.rates.all(), key=lambda r: selectors.band_order(r.time_band))
        return ReviewRateSerializer(rates, many=True).data


class ReviewExternalBidRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="external.pk")
    bidder_name = serializers.CharField(source="external.bidder_name")
    bidder_identifier = serializers.CharField(source="external.bidder_identifier")
    recorded_at = serializers.DateTimeField(source="external.recorded_at")
    deletable = serializers.BooleanField(help_text=_("Nothing (marks, scores, awards) refers to it yet."))
    lots = ReviewExternalLotSerializer(many=True)


class ReviewPanelMemberSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(source="reviewer.pk")
    name = serializers.SerializerMethodField()
    lead = serializers.BooleanField(source="is_lead")

    def get_name(self, member) -> str:
        return member.reviewer.get_full_name() or member.reviewer.username


class TenderReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tender.pk")
    reference = serializers.CharField(source="tender.reference")
    title = serializers.CharField(source="tender.title")
    status = serializers.CharField(source="tender.status")
    submission_deadline = serializers.DateTimeField(source="tender.submission_deadline")
    can_open = serializers.BooleanField(help_text=_("The evaluation can be opened now."))
    in_evaluation = serializers.BooleanField()
    is_panel_member = serializers.BooleanField()
    is_lead = serializers.BooleanField()
    lots = ReviewLotSerializer(many=True)
    joint_bids = ReviewJointBidSerializer(source="bids", many=True)
    external_bids = ReviewExternalBidRowSerializer(source="externals", many=True)
    panel = ReviewPanelMemberSerializer(many=True)


# --- output: one bid for one lot -------------------------------------------------------------------

class ReviewPriceLineSerializer(serializers.Serializer):
    time_band = serializers.CharField(source="band")
    rate = serializers.DecimalField(**MONEY, allow_null=True)
    volume = serializers.DecimalField(**VOLUME, allow_null=True, help_text=_("The lot's volume a week."))
    ceiling = serializers.DecimalField(**MONEY)
    within_ceiling = serializers.BooleanField(source="within", allow_null=True)
    below_ceiling_by = serializers.DecimalField(source="below_by", **MONEY, allow_null=True)
    offered = serializers.DecimalField(**VOLUME, allow_null=True, help_text=_(
        "Volume a week the members offer in the band (joint bids)."))
    coverage_percent = serializers.DecimalField(source="coverage", **PERCENT, allow_null=True)


class ReviewPartSerializer(serializers.Serializer):
    member = serializers.CharField()
    volume = serializers.DecimalField(**VOLUME)


class ReviewAreaRowSerializer(serializers.Serializer):
    area = serializers.CharField(source="code")
    name = serializers.CharField(source="area")
    bands = serializers.SerializerMethodField(help_text=_("Per time band (the entry's ``bands`` order): who "
                                                          "delivers how much a week."))

    @extend_schema_field(serializers.ListField(child=serializers.ListField(child=ReviewPartSerializer())))
    def get_bands(self, row) -> list[list[dict]]:
        return [ReviewPartSerializer(cell, many=True).data for cell in row.cells]


class ReviewShareSerializer(serializers.Serializer):
    member = serializers.CharField(source="name")
    volume = serializers.DecimalField(**VOLUME)
    percent = serializers.DecimalField(**PERCENT, allow_null=True)


class ReviewCapacityLineSerializer(serializers.Serializer):
    area = serializers.CharField()
    time_band = serializers.CharField(source="band")
    volume = serializers.DecimalField(**VOLUME, help_text=_("What the bid commits the member to, a week."))
    declared = serializers.DecimalField(**VOLUME, allow_null=True, help_text=_(
        "The member's current declaration for the service, area and band (null: none)."))
    committed = serializers.DecimalField(**VOLUME, allow_null=True, help_text=_(
        "Already committed to contracts the member has won."))
    within = serializers.BooleanField(allow_null=True)


class ReviewMemberCapacitySerializer(serializers.Serializer):
    member = serializers.CharField(source="name")
    lines = ReviewCapacityLineSerializer(many=True)


class ReviewEvidenceRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    lower_quartile = serializers.CharField(allow_null=True)
    median = serializers.CharField(allow_null=True)
    upper_quartile = serializers.CharField(allow_null=True)
    suppressed = serializers.BooleanField()
    is_total = serializers.BooleanField()


class ReviewCostEvidenceSerializer(serializers.Serializer):
    service = serializers.CharField()
    financial_year = serializers.CharField(source="financial_year_label")
    members = serializers.IntegerField()
    min_members = serializers.IntegerField(help_text=_("Figures from fewer members are suppressed."))
    suppressed = serializers.BooleanField()
    rows = ReviewEvidenceRowSerializer(many=True)
    reference_price = serializers.DictField(allow_null=True)


class ReviewStakeholderSerializer(serializers.Serializer):
    kind = serializers.CharField(source="label")
    member_count = serializers.IntegerField()
    vote_share = serializers.DecimalField(max_digits=6, decimal_places=2)


class ReviewDocumentSerializer(serializers.Serializer):
    type = serializers.CharField(source="label")
    expires_on = serializers.DateField(allow_null=True)
    state = serializers.CharField(help_text=_("expired, expiring, valid or no_expiry."))


class ReviewMemberGovernanceSerializer(serializers.Serializer):
    name = serializers.CharField()
    legal_name = serializers.CharField()
    registrations = serializers.SerializerMethodField()
    ciw_registrations = serializers.ListField(source="ciw", child=serializers.CharField())
    in_register = serializers.BooleanField(source="found")
    status = serializers.CharField()
    user_led = serializers.BooleanField(allow_null=True)
    service_user_vote_share = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    stakeholders = ReviewStakeholderSerializer(many=True)
    elections_held = serializers.SerializerMethodField(help_text=_("Not recorded in the register yet: null."))
    social_coop_type = serializers.CharField()
    disadvantaged_worker_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    compliant = serializers.BooleanField(allow_null=True)
    expired_documents = serializers.IntegerField(source="expired")
    expiring_documents = serializers.IntegerField(source="expiring")
    documents = ReviewDocumentSerializer(many=True)

    def get_registrations(self, row) -> dict[str, str]:
        return {str(label): number for label, number in row.registrations}

    def get_elections_held(self, row) -> bool | None:
        return None


class ReviewCommitmentSerializer(serializers.Serializer):
    measure = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(allow_blank=True)
    quantity = serializers.CharField()


class ReviewSocialValueGroupSerializer(serializers.Serializer):
    heading = serializers.CharField()
    label = serializers.CharField()
    commitments = ReviewCommitmentSerializer(many=True)


class ReviewAnswerSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    question = serializers.CharField(source="text", allow_blank=True)
    max_marks = serializers.SerializerMethodField()
    answer = serializers.CharField(allow_null=True)

    def get_max_marks(self, row) -> int | None:
        return row.question.max_marks if row.question else None


class ReviewEntryReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="entry.pk")
    tender = serializers.IntegerField(source="tender.pk")
    lot = serializers.IntegerField(source="lot.pk")
    name = serializers.CharField()
    external = serializers.BooleanField(help_text=_("A bid from outside the system: only rates are held."))
    sha256 = serializers.SerializerMethodField()
    intact = serializers.BooleanField(allow_null=True, help_text=_(
        "The stored snapshot still matches its SHA-256 (checked now); null for an outside bid."))
    version = serializers.IntegerField(allow_null=True)
    submitted_at = serializers.CharField(allow_null=True)
    bands = serializers.SerializerMethodField()
    prices = ReviewPriceLineSerializer(many=True)
    weighted_price = serializers.DecimalField(max_digits=13, decimal_places=2, allow_null=True)
    breakdown = ReviewAreaRowSerializer(source="areas", many=True)
    shares = ReviewShareSerializer(many=True)
    capacity = ReviewMemberCapacitySerializer(many=True)
    cost_evidence = ReviewCostEvidenceSerializer(source="evidence", allow_null=True)
    members = ReviewMemberGovernanceSerializer(many=True)
    social_value = ReviewSocialValueGroupSerializer(many=True)
    quality_answers = ReviewAnswerSerializer(source="answers", many=True)

    def get_sha256(self, review) -> str | None:
        return review.submission.sha256 if review.submission else None

    @extend_schema_field(ReviewBandSerializer(many=True))
    def get_bands(self, review) -> list[dict]:
        return [{"time_band": b, "label": str(label), "volume": str(v)} for b, label, v in review.bands]


# --- output: the lot's bids side by side ----------------------------------------------------------

class ReviewWorkingsSerializer(serializers.Serializer):
    price = serializers.CharField()
    quality = serializers.CharField()
    social_value = serializers.CharField()
    total = serializers.CharField()


class ReviewCompareCellSerializer(serializers.Serializer):
    rate = serializers.DecimalField(**MONEY, allow_null=True)
    offered = serializers.DecimalField(**VOLUME, allow_null=True)
    coverage_percent = serializers.DecimalField(source="percent", **PERCENT, allow_null=True)


class ReviewCompareRowSerializer(serializers.Serializer):
    entry = serializers.SerializerMethodField()
    name = serializers.CharField()
    external = serializers.BooleanField()
    intact = serializers.BooleanField(allow_null=True)
    rank = serializers.IntegerField(source="score.rank")
    price = serializers.DecimalField(source="score.price", max_digits=13, decimal_places=2, allow_null=True,
                                     help_text=_("Rates weighted by the lot's volumes, £ per unit."))
    price_score = serializers.DecimalField(source="score.price_score", max_digits=7, decimal_places=2)
    quality_marks = serializers.IntegerField(source="score.quality_marks")
    quality_max = serializers.IntegerField(source="score.quality_max")
    quality_score = serializers.DecimalField(source="score.quality_score", max_digits=7, decimal_places=2)
    social_value_percent = serializers.DecimalField(source="score.social_value_percent", max_digits=5,
                                                    decimal_places=2, allow_null=True)
    social_value_score = serializers.DecimalField(source="score.social_value_score", max_digits=7,
                                                  decimal_places=2)
    total = serializers.DecimalField(source="score.total", max_digits=7, decimal_places=2)
    missing = serializers.ListField(source="score.missing", child=serializers.CharField())
    workings = ReviewWorkingsSerializer(source="score.workings")
    bands = ReviewCompareCellSerializer(source="cells", many=True, help_text=_(
        "Per time band of the lot (``bands`` order): rate, and for joint bids the volume offered."))

    def get_entry(self, row) -> int | None:
        return row.entry.pk if row.entry else None


class ReviewComparisonSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    bands = serializers.SerializerMethodField()
    bids = ReviewCompareRowSerializer(source="rows", many=True)

    @extend_schema_field(ReviewBandSerializer(many=True))
    def get_bands(self, comparison) -> list[dict]:
        return [{"time_band": b, "label": str(label), "volume": str(v)} for b, label, v in comparison.bands]


# --- input ----------------------------------------------------------------------------------------

class ReviewPanelInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("add", _("add")), ("remove", _("remove"))])
    reviewer = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                        help_text=_("A reviewer of the tendering council."))


class ReviewExternalBidInputSerializer(serializers.Serializer):
    bidder_name = serializers.CharField(max_length=services.NAME_MAX)
    bidder_identifier = serializers.CharField(max_length=services.IDENTIFIER_MAX, required=False,
                                              allow_blank=True, default="")
    rates = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=30)),
        help_text=_("Per lot id, per time band: the rate in pounds, like \"36.00\"."))


class ReviewExternalBidOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    bidder_name = serializers.CharField()
    bidder_identifier = serializers.CharField()
    entries = serializers.SerializerMethodField()

    def get_entries(self, external) -> list[int]:
        return list(external.entries.order_by("pk").values_list("pk", flat=True))


# --- views --------------------------------------------------------------------------------------

def _tender_data(request: Request, tender) -> dict:
    return TenderReviewSerializer(selectors.tender_review(tender, request.user)).data


class ReviewTenderListView(APIView):
    @extend_schema(summary=_("The council's tenders past their submission deadline (council reviewers)"),
                   responses={200: ReviewTenderRowSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request) -> Response:
        if not selectors.is_reviewer(request.user):
            raise Http404
        return Response(ReviewTenderRowSerializer(selectors.review_tenders_for(request.user)[:500],
                                                  many=True).data)


class ReviewTenderView(APIView):
    @extend_schema(summary=_("A tender's bids, each snapshot's SHA-256 checked, and its panel"),
                   parameters=[_id(_("The tender."))], responses={200: TenderReviewSerializer, **READ_ERRORS})
    def get(self, request: Request, id: int) -> Response:
        return Response(_tender_data(request, selectors.review_tender_get_for_user(request.user, id)))


class OpenEvaluationView(APIView):
    @extend_schema(summary=_("Open the tender's evaluation (you become the lead reviewer)"),
                   parameters=[_id(_("The tender."))], request=None,
                   responses={200: TenderReviewSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        tender = selectors.review_tender_get_for_user(request.user, id)
        tender = services.evaluation_open(tender=tender, by=request.user)
        return Response(_tender_data(request, tender))


class PanelView(APIView):
    @extend_schema(summary=_("Add a reviewer of the council to the panel, or remove one (the lead)"),
                   parameters=[_id(_("The tender."))], request=ReviewPanelInputSerializer,
                   responses={200: TenderReviewSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        tender = selectors.review_tender_get_for_user(request.user, id)
        require(selectors.is_lead(request.user, tender), NOT_LEAD)
        serializer = ReviewPanelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reviewer = User.objects.filter(pk=data["reviewer"], council_id=tender.council_id).first()
        if reviewer is None:
            raise ValidationError({"reviewer": [_("Choose a reviewer of the tendering council.")]})
        if data["action"] == "add":
            services.panel_add(tender=tender, reviewer=reviewer, by=request.user)
        else:
            services.panel_remove(tender=tender, reviewer=reviewer, by=request.user)
        return Response(_tender_data(request, tender))


class ExternalBidCreateView(APIView):
    @extend_schema(summary=_("Record a bid from outside the system (reviewers on the panel)"),
                   parameters=[_id(_("The tender."))], request=ReviewExternalBidInputSerializer,
                   responses={201: ReviewExternalBidOutputSerializer, **WRITE_ERRORS})
    def post(self, request: Request, id: int) -> Response:
        tender = selectors.review_tender_get_for_user(request.user, id)
        require(selectors.is_panel_member(request.user, tender), NOT_PANEL)
        serializer = ReviewExternalBidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        external = services.external_bid_record(
            tender=tender, by=request.user, bidder_name=data["bidder_name"],
            bidder_identifier=data.get("bidder_identifier", ""), rates=data["rates"])
        return Response(ReviewExternalBidOutputSerializer(external).data, status=status.HTTP_201_CREATED)


class ExternalBidView(APIView):
    @extend_schema(summary=_("Delete a bid from outside the system nothing refers to yet (reviewers on the "
                             "panel)"),
                   parameters=[_id(_("The bid from outside the system."))], request=None,
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request: Request, id: int) -> Response:
        external = selectors.review_external_bid_get_for_user(request.user, id)
        require(selectors.is_panel_member(request.user, external.tender), NOT_PANEL)
        services.external_bid_delete(external_bid=external, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EntryReviewView(APIView):
    @extend_schema(summary=_("One bid for one lot, from its submitted snapshot, with the members' evidence"),
                   parameters=[_id(_("The bid for the lot (entry)."))],
                   responses={200: ReviewEntryReviewSerializer, **READ_ERRORS})
    def get(self, request: Request, id: int) -> Response:
        entry = selectors.review_entry_get_for_user(request.user, id)
        return Response(ReviewEntryReviewSerializer(selectors.entry_review(entry)).data)


class LotComparisonView(APIView):
    @extend_schema(summary=_("A lot's bids side by side: prices, scores with workings, coverage"),
                   parameters=[_id(_("The lot."))],
                   responses={200: ReviewComparisonSerializer, **READ_ERRORS})
    def get(self, request: Request, id: int) -> Response:
        lot = selectors.review_lot_get_for_user(request.user, id)
        return Response(ReviewComparisonSerializer(selectors.lot_comparison(lot)).data)


urlpatterns = [
    path("review/tenders/", ReviewTenderListView.as_view(), name="review-tender-list-api"),
    path("review/tenders/<int:id>/", ReviewTenderView.as_view(), name="review-tender-api"),
    path("review/tenders/<int:id>/open-evaluation/", OpenEvaluationView.as_view(), name="review-open-api"),
    path("review/tenders/<int:id>/panel/", PanelView.as_view(), name="review-panel-api"),
    path("review/tenders/<int:id>/external-bids/", ExternalBidCreateView.as_view(),
         name="review-external-bids-api"),
    path("review/external-bids/<int:id>/", ExternalBidView.as_view(), name="review-external-bid-api"),
    path("review/entries/<int:id>/", EntryReviewView.as_view(), name="review-entry-api"),
    path("review/lots/<int:id>/comparison/", LotComparisonView.as_view(), name="review-lot-comparison-api"),
]
