"""The dashboard: first what needs the person, by when (their work queue), then what the
register, the indicators and the compliance evidence say for their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format

from desk.kinds import HEADINGS, PAST_DUE, title
from desk.selectors.queue import ballots_decided, queue_for, queue_groups
from members import selectors as member_selectors
from members.models import MembershipStatus
from members.selectors import ExpiryState


def _item_row(item, now) -> dict:
    row = {"title": title(item), "url": item.url, "due": item.due, "count": item.count,
           "overdue": item.is_overdue(now), "past": None}
    if row["overdue"] and item.kind in PAST_DUE:
        wording, tag, colour = PAST_DUE[item.kind]
        row["overdue"] = False
        row["past"] = {"when": wording % {"date": date_format(timezone.localtime(item.due), "j M Y")},
                       "tag": tag, "colour": colour}
    return row


def _queue_rows(items, now):
    return [
        {"kind": group.kind, "heading": HEADINGS[group.kind],
         "items": [_item_row(item, now) for item in group.items]}
        for group in queue_groups(items)
    ]


def _register_context(user) -> dict:
    """What the dashboard showed before the queue, per role."""
    context: dict = {}
    if user.is_coordinator or user.is_board_member:
        counts = member_selectors.member_status_counts(user)
        context["status_counts"] = [(value, label, counts[value])
                                    for value, label in MembershipStatus.choices]
        context["member_total"] = sum(counts.values())
        context["indicators"] = member_selectors.consortium_indicators(user.consortium)
        context["consortium"] = user.consortium
        if user.is_coordinator:
            context["expiry_counts"] = member_selectors.document_expiry_counts(
                member_selectors.documents_visible_to(user))
        if user.is_board_member:
            context["decided"] = list(ballots_decided(user)[:10])
    elif user.is_member_user:
        coop_id = member_selectors.user_coop_id(user)
        coop = (member_selectors.members_with_indicators(user).filter(pk=coop_id).first()
                if coop_id else None)
        context["coop"] = coop
        if coop is not None:
            context["coop_indicators"] = member_selectors.member_indicators(coop)
            documents = member_selectors.documents_visible_to(user).filter(coop=coop)
            context["flagged_documents"] = list(
                (member_selectors.documents_in_expiry_state(documents, ExpiryState.EXPIRED)
                 | member_selectors.documents_in_expiry_state(documents, ExpiryState.EXPIRING))
                .order_by("expires_on", "title", "pk"))
    elif user.is_council_reviewer:
        context["council"] = user.council
    return context


@login_required
def dashboard(request):
    user = request.user
    if user.is_applicant:  # an applicant's account has its application and nothing else
        return redirect("join-application")
    now = timezone.now()
    items = queue_for(user, now=now)
    request.desk_queue = items  # the header's count is this queue's length
    context = {"role": user.role, "queue": _queue_rows(items, now), "queue_total": len(items),
               "has_queue": user.role in ("coordinator", "board_member", "member", "council_reviewer"),
               **_register_context(user)}
    return render(request, "desk/dashboard.html", context)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]
