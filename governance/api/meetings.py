"""API: general meetings, their motions and results, and a member co-op's online vote.

- list, retrieve: the consortium's coordinators, board members and member co-ops' users (their
  consortium's meetings); council reviewers and applicants 403 on the list, 404 on a meeting;
- a motion's counts and result once decided; ``own_vote`` is the user's co-op's vote (members
  only); ``votes`` (who voted how) for the coordinators and the board after the close, empty
  for everyone else and before the close;
- vote (POST): a member co-op's user, for its co-op (online) or for a co-op whose proxy it holds
  (``proxy_for``); others who see the meeting 403. One vote per co-op, final (409 after it).
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from consortium.api import NamedChoiceField
from consortium.api_views import error_responses
from consortium.errors import require
from members.models import MemberCoop

from ..models import GeneralMeeting, MeetingKind, MeetingStatus, MotionKind, MotionStatus, VoteChannel
from ..selectors import meetings as sel
from ..services import meetings as services

MOTION_VOTE_CHOICES = [("for", _("For")), ("against", _("Against")), ("abstain", _("Abstain"))]
DECIDED = (MotionStatus.CARRIED, MotionStatus.DEFEATED, MotionStatus.NO_QUORUM)


class MeetingKindField(NamedChoiceField):
    component = "MeetingKindEnum"
    enum_choices = MeetingKind.choices


class MeetingStatusField(NamedChoiceField):
    component = "MeetingStatusEnum"
    enum_choices = MeetingStatus.choices


class MotionKindField(NamedChoiceField):
    component = "MotionKindEnum"
    enum_choices = MotionKind.choices


class MotionStatusField(NamedChoiceField):
    component = "MotionStatusEnum"
    enum_choices = MotionStatus.choices


class MotionVoteChoiceField(NamedChoiceField):
    component = "MotionVoteChoiceEnum"
    enum_choices = MOTION_VOTE_CHOICES


class VoteChannelField(NamedChoiceField):
    component = "VoteChannelEnum"
    enum_choices = VoteChannel.choices


class MotionVoteSerializer(serializers.Serializer):
    coop = serializers.IntegerField(source="coop_id")
    coop_name = serializers.CharField(source="coop.__str__")
    choice = MotionVoteChoiceField()
    channel = VoteChannelField()
    weight = serializers.DecimalField(max_digits=12, decimal_places=6)
    cast_at = serializers.DateTimeField()


class OwnMotionVoteSerializer(serializers.Serializer):
    choice = MotionVoteChoiceField()
    channel = VoteChannelField()
    cast_at = serializers.DateTimeField()


class MotionResultSerializer(serializers.Serializer):
    votes_for = serializers.DecimalField(max_digits=12, decimal_places=6)
    votes_against = serializers.DecimalField(max_digits=12, decimal_places=6)
    abstentions = serializers.DecimalField(max_digits=12, decimal_places=6)
    voters = serializers.IntegerField()


class MotionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = MotionKindField()
    title = serializers.CharField()
    text = serializers.CharField()
    proposer = serializers.IntegerField(source="proposer_id", allow_null=True)
    status = MotionStatusField()
    majority_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    rules_change = serializers.DictField()
    approves = serializers.IntegerField(source="approves_id", allow_null=True)
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    result = serializers.SerializerMethodField()
    own_vote = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()

    @extend_schema_field(MotionResultSerializer(allow_null=True))
    def get_result(self, motion) -> dict | None:
        if motion.status not in DECIDED:
            return None
        return MotionResultSerializer(motion).data

    @extend_schema_field(OwnMotionVoteSerializer(allow_null=True))
    def get_own_vote(self, motion) -> dict | None:
        vote = self.context["own"].get(motion.pk)
        return OwnMotionVoteSerializer(vote).data if vote else None

    @extend_schema_field(MotionVoteSerializer(many=True))
    def get_votes(self, motion) -> list:
        return MotionVoteSerializer(self.context["listed"].get(motion.pk, []), many=True).data


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    consortium = serializers.IntegerField(source="consortium_id")
    kind = MeetingKindField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    link = serializers.CharField()
    status = MeetingStatusField()
    notice_given_on = serializers.DateField()
    rules_version = serializers.IntegerField(source="rules.version")
    electorate = serializers.IntegerField(allow_null=True)


class MeetingDetailSerializer(MeetingSerializer):
    agenda = serializers.SerializerMethodField()
    attendance_count = serializers.SerializerMethodField()
    motions = serializers.SerializerMethodField()

    def get_agenda(self, meeting) -> list[str]:
        return [item.title for item in meeting.agenda.order_by("position")]

    def get_attendance_count(self, meeting) -> int:
        return meeting.attendance.count()

    @extend_schema_field(MotionSerializer(many=True))
    def get_motions(self, meeting) -> list:
        user = self.context["request"].user
        context = {"own": sel.own_votes(user, meeting), "listed": sel.vote_list(user, meeting)}
        return MotionSerializer(sel.motions_of(meeting), many=True, context=context).data


class MotionVoteInputSerializer(serializers.Serializer):
    choice = MotionVoteChoiceField()
    proxy_for = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         help_text=_("The co-op whose proxy you hold, to vote for it."))


LIST_ERRORS = error_responses(400, 401, 403)
DETAIL_ERRORS = error_responses(401, 404)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(summary=_("General meetings of the user's consortium"), tags=["governance"],
                       responses={200: MeetingSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A general meeting with its agenda, motions and results"),
                           tags=["governance"], responses={200: MeetingDetailSerializer, **DETAIL_ERRORS}),
)
class MeetingViewSet(viewsets.GenericViewSet):
    queryset = GeneralMeeting.objects.none()
    serializer_class = MeetingSerializer

    def get_queryset(self):
        return sel.meetings_visible_to(self.request.user).order_by("-starts_at", "-pk")

    def list(self, request: Request) -> Response:
        require(sel.sees_governance(request.user), _("Only the consortium's own people see its meetings."))
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MeetingSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        meeting = sel.meeting_get_for_user(request.user, pk)
        return Response(MeetingDetailSerializer(meeting, context={"request": request}).data)

    @extend_schema(summary=_("Cast your co-op's vote on a motion (member co-ops' users; final)"),
                   tags=["governance"], request=MotionVoteInputSerializer,
                   responses={200: MeetingDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def vote(self, request: Request, pk=None, motion_pk=None) -> Response:
        meeting = sel.meeting_get_for_user(request.user, pk)
        require(sel.member_coop_of(request.user, meeting.consortium_id) is not None,
                _("Only a member co-op's users vote for it."))
        motion = sel.motion_get(meeting, motion_pk)
        data = MotionVoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        choice, proxy_for = data.validated_data["choice"], data.validated_data.get("proxy_for")
        if proxy_for:
            giver = MemberCoop.objects.filter(pk=proxy_for, consortium_id=meeting.consortium_id).first()
            services.vote_cast(motion=motion, by=request.user, choice=choice, channel=VoteChannel.PROXY,
                               coop=giver)
        else:
            services.vote_cast(motion=motion, by=request.user, choice=choice)
        meeting = sel.meeting_get_for_user(request.user, pk)
        return Response(MeetingDetailSerializer(meeting, context={"request": request}).data)


urlpatterns = [
    path("governance/meetings/", MeetingViewSet.as_view({"get": "list"}), name="meeting-api-list"),
    path("governance/meetings/<int:pk>/", MeetingViewSet.as_view({"get": "retrieve"}),
         name="meeting-api-detail"),
    path("governance/meetings/<int:pk>/motions/<int:motion_pk>/vote/",
         MeetingViewSet.as_view({"post": "vote"}), name="meeting-api-vote"),
]
