"""What the election pages read, scoped to the user.

- The consortium's coordinators, board members and member users see its elections, their
  nominations (with statements) and, once counted, the count sheet; a member user sees their own
  co-op's ballot only, nobody else's ranking; the coordinator sees which co-ops have voted.
- Council reviewers, applicants, other consortia: nothing (404 for an election, 403 for a
  list).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from consortium.models import User
from members.models import CoopType, MemberCoop

from ..models import BoardTerm, Election, ElectionBallot, ElectionStatus, GeneralMeeting, Nomination
from ..services.elections import acting_coop, current_terms_q, is_coordinator_of, nominations_open
from .access import sees_governance


def elections_visible_to(user: User) -> QuerySet[Election]:
    qs = Election.objects.select_related("meeting__consortium", "meeting__rules")
    if not sees_governance(user):
        return qs.none()
    return qs.filter(meeting__consortium_id=user.consortium_id).order_by("-meeting__starts_at", "-pk")


def election_get_for_user(user: User, pk, *, for_write: bool = False) -> Election:
    qs = elections_visible_to(user)
    if for_write:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)
    except (Election.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def meeting_for_election_set_up(user: User, pk) -> GeneralMeeting:
    """A meeting of the user's consortium (404 for anyone who sees no governance, or another
    consortium's meeting); whether the user may set up an election there is the service's."""
    if not sees_governance(user):
        raise Http404
    try:
        return GeneralMeeting.objects.select_related("rules").get(pk=pk, consortium_id=user.consortium_id)
    except (GeneralMeeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def nomination_get(election: Election, pk) -> Nomination:
    try:
        return election.nominations.select_related("coop").get(pk=pk)
    except (Nomination.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def nominations(election: Election) -> list[Nomination]:
    return list(election.nominations.select_related("coop").order_by("withdrawn", "name", "pk"))


def candidates(election: Election) -> list[Nomination]:
    return [n for n in nominations(election) if not n.withdrawn]


def own_ballot(user: User, election: Election) -> ElectionBallot | None:
    coop = acting_coop(user, election.meeting.consortium_id)
    if coop is None:
        return None
    return ElectionBallot.objects.filter(election=election, coop=coop).first()


def voted_coops(user: User, election: Election) -> list[MemberCoop] | None:
    """The co-ops that have voted (not how), for the coordinators; None for anyone else."""
    if not is_coordinator_of(user, election.meeting.consortium_id):
        return None
    ids = ElectionBallot.objects.filter(election=election).values_list("coop_id", flat=True)
    return list(MemberCoop.objects.filter(pk__in=ids).order_by("legal_name"))


def can_manage(user: User, election: Election) -> bool:
    return is_coordinator_of(user, election.meeting.consortium_id)


def can_nominate(user: User, election: Election) -> bool:
    if not nominations_open(election):
        return False
    return can_manage(user, election) or acting_coop(user, election.meeting.consortium_id) is not None


def can_vote(user: User, election: Election) -> bool:
    return (election.status == ElectionStatus.VOTING
            and acting_coop(user, election.meeting.consortium_id) is not None
            and own_ballot(user, election) is None)


def can_open_voting(user: User, election: Election) -> bool:
    return (can_manage(user, election) and election.status == ElectionStatus.NOMINATIONS
            and timezone.now() >= election.nominations_close_at)


def can_count(user: User, election: Election) -> bool:
    return can_manage(user, election) and election.status == ElectionStatus.VOTING


def class_label(code: str) -> str:
    return str(dict(CoopType.choices).get(code, code))


def reserved_list(election: Election) -> list[tuple[str, int]]:
    """The reserved seats as (class label, seats)."""
    reserved = sorted((election.reserved_seats or {}).items())
    return [(class_label(k), int(n)) for k, n in reserved if int(n) > 0]


# --- the count sheet, for the page -------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    candidate: str
    name: str
    seat_class: str
    seat_class_label: str
    cells: list[dict]  # per stage: {"votes", "change", "elected", "excluded"}
    elected_at: int | None


def count_sheet_rows(election: Election) -> list[SheetRow]:
    """The count sheet as rows (one per candidate) of cells (one per stage)."""
    sheet = election.count_sheet or {}
    names = sheet.get("names", {})
    classes = sheet.get("classes", {})
    stages = sheet.get("stages", [])
    rows = []
    for c in sheet.get("candidates", []):
        cells, before, elected_at, out = [], None, None, False
        for stage in stages:
            votes = Decimal(stage["votes"].get(c, "0"))
            if c in stage.get("elected", []):
                elected_at = stage["number"]
            excluded_now = stage["kind"] == "exclusion" and c in stage.get("candidates", [])
            cells.append({"votes": votes, "change": None if before is None else votes - before,
                          "elected": c in stage.get("elected", []), "excluded": excluded_now,
                          "gone": out})
            out = out or excluded_now
            before = votes
        rows.append(SheetRow(c, names.get(c, c), classes.get(c, ""), class_label(classes.get(c, "")),
                             cells, elected_at))
    order = {c: i for i, c in enumerate(sheet.get("elected", []))}
    rows.sort(key=lambda r: (r.candidate not in order, order.get(r.candidate, 0), r.name.lower()))
    return rows


def count_chart(election: Election, rows: list[SheetRow]) -> dict | None:
    """An SVG bar chart of each candidate's votes at each stage, with the quota marked: one
    group of bars per candidate, one bar per stage (coordinates worked out here)."""
    sheet = election.count_sheet or {}
    if not rows or not sheet.get("stages") or not sheet.get("quota"):
        return None
    quota = Decimal(sheet["quota"])
    stages = len(sheet["stages"])
    top = max([quota, *(cell["votes"] for row in rows for cell in row.cells)])
    left, width, bar, gap = 180, 640, 10, 14
    plot = width - left - 20
    groups, y = [], 10
    for row in rows:
        bars = []
        for i, cell in enumerate(row.cells):
            bars.append({"y": y + i * bar, "width": int(cell["votes"] * plot / top) if top else 0,
                         "stage": i + 1, "votes": cell["votes"]})
        groups.append({"name": row.name, "label_y": y + (stages * bar) // 2 + 4, "bars": bars})
        y += stages * bar + gap
    return {"width": width, "height": y + 20, "left": left, "quota": quota,
            "quota_x": left + int(quota * plot / top), "bottom": y, "groups": groups,
            "stages": stages}


# --- the board ---------------------------------------------------------------------------------


def current_terms(user: User, today: dt.date | None = None) -> QuerySet[BoardTerm]:
    if not sees_governance(user):
        return BoardTerm.objects.none()
    today = today or timezone.localdate()
    return (BoardTerm.objects.filter(current_terms_q(today), consortium_id=user.consortium_id)
            .select_related("user", "coop", "election__meeting").order_by("ends_on", "user__last_name"))
