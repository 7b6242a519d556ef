"""API: board ballots (members.governance), whatever they decide.

- list, retrieve: the consortium's coordinators and board members (every ballot, with each vote:
  who, what, when); member users (decided ballots, without who voted what); anyone else sees
  none (404 for one);
- vote (POST): the board members entitled to vote (others who can see the ballot: 403);
- decide (POST): the consortium's coordinators (others who can see the ballot: 403).
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

from .. import governance
from ..models import Ballot, BallotStatus, VoteChoice


class BallotStatusField(NamedChoiceField):
    component = "BallotStatusEnum"
    enum_choices = BallotStatus.choices


class VoteChoiceField(NamedChoiceField):
    component = "VoteChoiceEnum"
    enum_choices = VoteChoice.choices


class TallySerializer(serializers.Serializer):
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    abstentions = serializers.IntegerField()
    cast = serializers.IntegerField()
    electorate = serializers.IntegerField()
    turnout_percent = serializers.DecimalField(max_digits=5, decimal_places=1)
    quorum_met = serializers.BooleanField()
    carried = serializers.BooleanField(help_text=_("Carried if decided now (or as decided)."))


class VoteSerializer(serializers.Serializer):
    voter = serializers.IntegerField(source="voter_id")
    voter_name = serializers.SerializerMethodField()
    choice = VoteChoiceField()
    cast_at = serializers.DateTimeField()

    def get_voter_name(self, vote) -> str:
        return vote.voter.get_full_name() or vote.voter.username


class BallotSerializer(serializers.Serializer):
    """A ballot; ``votes`` lists who voted what for the coordinators and board, and is empty for
    anyone else."""

    id = serializers.IntegerField()
    consortium = serializers.IntegerField(source="consortium_id")
    subject = serializers.CharField(
        source="title", help_text=_("The motion, in the request's language (as typed, for a motion a "
                                    "coordinator wrote)."))
    subject_code = serializers.CharField(help_text=_(
        "What a motion the product wrote is about: bid_approval, admission or opening_position; "
        "empty for a motion a coordinator typed."))
    status = BallotStatusField()
    quorum_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    majority_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    electorate = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    tally = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()
    my_vote = serializers.SerializerMethodField()
    can_vote = serializers.SerializerMethodField()

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(TallySerializer)
    def get_tally(self, ballot) -> dict:
        tally = governance.ballot_tally(ballot)
        return {
            "votes_for": tally.votes_for, "votes_against": tally.votes_against,
            "abstentions": tally.abstentions, "cast": tally.cast, "electorate": tally.electorate,
            "turnout_percent": tally.turnout_percent, "quorum_met": tally.quorum_met,
            "carried": tally.carried,
        }

    @extend_schema_field(VoteSerializer(many=True))
    def get_votes(self, ballot) -> list:
        return VoteSerializer(governance.ballot_votes(self._user(), ballot), many=True).data

    @extend_schema_field(VoteChoiceField(allow_null=True))
    def get_my_vote(self, ballot) -> str | None:
        vote = governance.vote_of(self._user(), ballot)
        return vote.choice if vote else None

    def get_can_vote(self, ballot) -> bool:
        return governance.can_vote(self._user(), ballot)


class VoteInputSerializer(serializers.Serializer):
    choice = VoteChoiceField()


LIST_ERRORS = error_responses(400, 401, 404)
DETAIL_ERRORS = error_responses(401, 404)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(summary=_("Board ballots the user may see"), tags=["governance"],
                       responses={200: BallotSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary=_("A board ballot with its count (and votes, for the board)"),
                           tags=["governance"], responses={200: BallotSerializer, **DETAIL_ERRORS}),
)
class BallotViewSet(viewsets.GenericViewSet):
    queryset = Ballot.objects.none()
    serializer_class = BallotSerializer

    def get_queryset(self):
        return governance.with_votes(governance.ballots_visible_to(self.request.user)).order_by(
            "-opened_at", "-pk")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            BallotSerializer(page, many=True, context={"request": request}).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        ballot = governance.ballot_get_for_user(request.user, pk)
        return Response(BallotSerializer(ballot, context={"request": request}).data)

    @extend_schema(summary=_("Cast your vote (board members; votes are final)"), tags=["governance"],
                   request=VoteInputSerializer, responses={200: BallotSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="vote", filter_backends=[], pagination_class=None)
    def vote(self, request: Request, pk=None) -> Response:
        ballot = governance.ballot_get_for_user(request.user, pk)
        require(request.user.is_board_member, _("Only board members vote."))
        data = VoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        governance.vote_cast(ballot=ballot, voter=request.user, choice=data.validated_data["choice"])
        ballot = governance.ballot_get_for_user(request.user, pk)
        return Response(BallotSerializer(ballot, context={"request": request}).data)

    @extend_schema(summary=_("Close the vote and record the result (coordinators)"), tags=["governance"],
                   request=None, responses={200: BallotSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="decide", filter_backends=[], pagination_class=None)
    def decide(self, request: Request, pk=None) -> Response:
        ballot = governance.ballot_get_for_user(request.user, pk)
        require(request.user.is_coordinator, _("Only the consortium's coordinators close a board vote."))
        governance.ballot_decide(ballot=ballot, by=request.user)
        ballot = governance.ballot_get_for_user(request.user, pk)
        return Response(BallotSerializer(ballot, context={"request": request}).data)


urlpatterns = [
    path("governance/ballots/", BallotViewSet.as_view({"get": "list"}), name="ballot-api-list"),
    path("governance/ballots/<int:pk>/", BallotViewSet.as_view({"get": "retrieve"}),
         name="ballot-api-detail"),
    path("governance/ballots/<int:pk>/vote/", BallotViewSet.as_view({"post": "vote"}),
         name="ballot-api-vote"),
    path("governance/ballots/<int:pk>/decide/", BallotViewSet.as_view({"post": "decide"}),
         name="ballot-api-decide"),
]
