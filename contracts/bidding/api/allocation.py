"""API: a joint bid's allocation (``/api/v1/bids/{id}/allocation/``).

- GET: the lots x members matrix (coordinators and board members of the bid's consortium; the
  board without floors or margins, in the explanations too), with the bid's latest background run (``job``);
- POST: run the optimiser by a strategy (coordinators): 200 with the result when the optimiser
  works it out within ``settings.ALLOCATION_INLINE_SECONDS``; else (nothing saved) 202 with a
  background job (``inline_timed_out`` true) and its URL in ``Location``, as for a large one
  (more cells than ``settings.ALLOCATION_INLINE_MAX_CELLS``, queued without trying):
  ``GET /api/v1/bids/{id}/allocation/jobs/{job_id}/`` shows its status, progress and, once
  done, its summary (same readers as the matrix). The matrix's ``gap_percent`` (coordinators
  only) says how near the last run came to the best allocation possible;
- PATCH: set cells by hand (coordinators); a change that breaks a rule answers 400 with the
  reasons and changes nothing.
Member users, council reviewers and other consortia get 404: they may not know the matrix exists.
Reads through ``contracts.bidding.selectors.allocation``, writes through
``contracts.bidding.services.allocation`` (DomainError -> 400, mapped once in ``consortium.api``).
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.api import validated
from consortium.api_views import error_responses
from consortium.models import TimeBand
from contracts.bidding.selectors import allocation as selectors
from contracts.bidding.services import allocation as services
from contracts.models import AllocationJob, AllocationJobStage, AllocationJobStatus

VOLUME = {"max_digits": 9, "decimal_places": 2}


class PartSerializer(serializers.Serializer):
    council = serializers.IntegerField(source="council.pk")
    council_name = serializers.CharField(source="council.name_en")
    volume = serializers.DecimalField(**VOLUME)
    status = serializers.CharField(help_text=_("proposed, accepted or declined"))
    adjusted_by_hand = serializers.BooleanField()


class CellSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="column.lot.pk")
    time_band = serializers.ChoiceField(source="column.time_band", choices=TimeBand.choices)
    volume = serializers.DecimalField(**VOLUME, help_text=_("Live volume (declined shares left out)."))
    parts = PartSerializer(many=True, help_text=_("The volume per council area."))


class MemberRowSerializer(serializers.Serializer):
    coop = serializers.IntegerField(source="coop.pk")
    name = serializers.CharField(source="coop.__str__")
    cells = CellSerializer(many=True)
    total = serializers.DecimalField(**VOLUME)
    response = serializers.CharField(allow_null=True,
                                     help_text=_("pending, accepted, declined; null: not asked"))
    explanations = serializers.ListField(child=serializers.CharField(), help_text=_(
        "Why the member has its share, in the reader's language and from the table as it is now: "
        "coordinators read each member's floor; board members read that members' floors decided, "
        "never a floor."))
    margin = serializers.DecimalField(**VOLUME, allow_null=True,
                                      help_text=_("£ a week; coordinators only (null for others)."))


class ColumnSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    lot_number = serializers.IntegerField(source="lot.number")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    demand = serializers.DecimalField(**VOLUME)
    allocated = serializers.DecimalField(**VOLUME)
    shortfall = serializers.DecimalField(**VOLUME)
    coverage_percent = serializers.DecimalField(max_digits=6, decimal_places=1)


class WelshSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="bid_lot.lot.pk")
    needed = serializers.DecimalField(**VOLUME)
    covered = serializers.DecimalField(**VOLUME)
    shortfall = serializers.DecimalField(**VOLUME)


class ShortfallSerializer(serializers.Serializer):
    lot_number = serializers.IntegerField(source="lot")
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**VOLUME)


class SummarySerializer(serializers.Serializer):
    strategy = serializers.CharField()
    coverage = serializers.DecimalField(max_digits=5, decimal_places=4, help_text=_("0 to 1"))
    shortfalls = ShortfallSerializer(many=True)
    welsh_shortfalls = serializers.DictField(child=serializers.DecimalField(**VOLUME),
                                             help_text=_("Lot number -> Welsh-capable hours missing."))
    members = serializers.IntegerField()


class AllocationJobSerializer(serializers.Serializer):
    """A background run of a bid's allocation."""

    id = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    strategy = serializers.CharField()
    status = serializers.ChoiceField(choices=AllocationJobStatus.choices)
    stale = serializers.BooleanField(source="is_stale", help_text=_(
        "Queued or running for so long that its worker is taken to have stopped: the next run "
        "marks it failed."))
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text=_("Percent done."))
    stage = serializers.ChoiceField(choices=AllocationJobStage.choices)
    stage_label = serializers.CharField(source="get_stage_display")
    cells = serializers.IntegerField(help_text=_("Cells to fill: why it runs in the background."))
    inline_timed_out = serializers.BooleanField(help_text=_(
        "Tried at once first, and handed to the background when it was not worked out within the "
        "seconds a request waits; false: queued at once for its size."))
    error = serializers.CharField(help_text=_("Why it failed (empty unless failed)."))
    summary = SummarySerializer(allow_null=True, help_text=_("What it achieved, once done."))
    requested_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_requested_by(self, job: AllocationJob) -> str:
        user = job.requested_by
        return (user.get_full_name() or user.username) if user else ""

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: AllocationJob) -> str:
        return job_url(job)


def job_url(job: AllocationJob) -> str:
    return reverse("bid-allocation-job-api", kwargs={"id": job.bid_id, "job_id": job.pk})


class MatrixSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid.pk")
    strategy = serializers.CharField(source="bid.strategy")
    coverage_percent = serializers.DecimalField(max_digits=6, decimal_places=1)
    columns = ColumnSerializer(many=True)
    members = MemberRowSerializer(many=True, source="rows")
    welsh = WelshSerializer(many=True)
    job = AllocationJobSerializer(allow_null=True, help_text=_(
        "The bid's latest background run, if any: while it is queued or running the allocation "
        "cannot be run again or changed by hand."))
    gap_percent = serializers.SerializerMethodField(help_text=_(
        "Coordinators only (null for others): how far the last run may be from the best allocation "
        "possible, in percent, when the optimiser stopped at its time limit before proving it the "
        "best; 0 when proven the best; null when not known (changed by hand since, or never run)."))

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True))
    def get_gap_percent(self, matrix) -> str | None:
        gap = matrix.gap_percent
        return None if gap is None else str(gap)


class RunResultSerializer(MatrixSerializer):
    summary = SummarySerializer()


class RunInputSerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=[s.value for s in services.Strategy])


class ChangeSerializer(serializers.Serializer):
    lot = serializers.IntegerField(min_value=1, help_text=_("The lot's id."))
    coop = serializers.IntegerField(min_value=1, help_text=_("The member co-op's id."))
    council = serializers.IntegerField(min_value=1, help_text=_("The council area's id."))
    time_band = serializers.ChoiceField(choices=TimeBand.choices)
    volume = serializers.DecimalField(**VOLUME, min_value=Decimal(0), help_text=_("0 removes the share."))


class AdjustInputSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True, allow_empty=False, max_length=10000)


class BidAllocationView(APIView):
    """The allocation of one joint bid."""

    def _matrix(self, bid) -> dict:
        return MatrixSerializer(selectors.allocation_matrix(bid, self.request.user)).data

    @extend_schema(summary=_("A bid's allocation: lots x members, coverage, shortfalls, explanations"),
                   responses={200: MatrixSerializer, **error_responses(401, 404)})
    def get(self, request: Request, id: int) -> Response:
        bid = selectors.allocation_bid_get_for_user(request.user, id)
        return Response(self._matrix(bid))

    @extend_schema(
        summary=_("Run the allocation by a strategy (coordinators)"), request=RunInputSerializer,
        responses={
            200: RunResultSerializer,
            202: OpenApiResponse(AllocationJobSerializer, description=_(
                "A large allocation: queued to run in the background. Follow the job's URL (also in "
                "the Location header) for its progress.")),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, id: int) -> Response:
        bid = selectors.allocation_bid_get_for_user(request.user, id, for_write=True)
        data = validated(RunInputSerializer, request.data, flat=False)
        summary = services.allocation_request(bid=bid, strategy=data["strategy"], by=request.user)
        if isinstance(summary, AllocationJob):
            return Response(AllocationJobSerializer(summary).data, status=status.HTTP_202_ACCEPTED,
                            headers={"Location": request.build_absolute_uri(job_url(summary))})
        bid.refresh_from_db(fields=["strategy", "allocation_gap_percent"])  # as the run left them
        body = self._matrix(bid)
        body["summary"] = SummarySerializer(summary).data
        return Response(body)

    @extend_schema(summary=_("Set allocation cells by hand (coordinators)"), request=AdjustInputSerializer,
                   responses={200: MatrixSerializer, **error_responses(400, 401, 403, 404, 409)})
    def patch(self, request: Request, id: int) -> Response:
        bid = selectors.allocation_bid_get_for_user(request.user, id, for_write=True)
        data = validated(AdjustInputSerializer, request.data, flat=False)
        changes = [services.Change(**change) for change in data["changes"]]
        services.allocation_adjust(bid=bid, changes=changes, by=request.user)
        bid.refresh_from_db(fields=["allocation_gap_percent"])  # a change by hand clears it
        return Response(self._matrix(bid))


class BidAllocationJobView(APIView):
    """One background run of a bid's allocation."""

    @extend_schema(summary=_("A background allocation run: status, progress and, once done, its summary"),
                   responses={200: AllocationJobSerializer, **error_responses(401, 404)})
    def get(self, request: Request, id: int, job_id: int) -> Response:
        job = selectors.allocation_job_get_for_user(request.user, id, job_id)
        return Response(AllocationJobSerializer(job).data)


urlpatterns = [
    path("bids/<int:id>/allocation/", BidAllocationView.as_view(), name="bid-allocation-api"),
    path("bids/<int:id>/allocation/jobs/<int:job_id>/", BidAllocationJobView.as_view(),
         name="bid-allocation-job-api"),
]
