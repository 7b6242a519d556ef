"""General meetings: calling one, its agenda and motions, delegates, proxies, attendance, votes,
minutes, and the rules with every earlier version.

Who uses which page (the services refuse the same people, 403):
- list, detail, minutes, rules: the consortium's coordinators, board members and member co-ops'
  users; council reviewers and applicants 403 on the lists, 404 on a meeting; another
  consortium's people 404 on a meeting;
- call, open, close, cancel, notice, agenda, attendance and in-person votes: the coordinators;
- propose a motion: the coordinators and the board, members where the rules let any member;
- delegate, proxy, online vote, joining online: a member co-op's users.

A write the meeting's state refuses is shown as a message on the meeting's page (or beside the
field on a form page); a refusal of the person is the 403 page.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.errors import DomainError, refuse_if_forbidden, require
from consortium.sealing import seal_holds
from members.models import CoopType, MemberCoop

from ..forms import (
    RULE_CHOICES,
    VOTE_CHOICES,
    AgendaItemForm,
    AttendanceForm,
    DelegateForm,
    InPersonVoteForm,
    MeetingCallForm,
    MotionForm,
    OnlineVoteForm,
    ProxyForm,
)
from ..models import AttendanceMode, MeetingStatus, MotionKind, MotionStatus, VoteChannel
from ..selectors import meetings as sel
from ..services import meetings as services


def _detail(meeting) -> str:
    return reverse("meeting-detail", args=[meeting.pk])


def _refused(request, error: DomainError) -> None:
    refuse_if_forbidden(error)
    messages.error(request, str(error.message))


def _coordinator(request, pk):
    meeting = sel.meeting_get_for_user(request.user, pk)
    require(sel.is_coordinator_of(request.user, meeting.consortium_id))
    return meeting


def _member(request, pk):
    meeting = sel.meeting_get_for_user(request.user, pk)
    coop_id = sel.member_coop_of(request.user, meeting.consortium_id)
    require(coop_id is not None)
    return meeting, coop_id


# --- lists and pages ---------------------------------------------------------------------------


@login_required
def meeting_list(request):
    user = request.user
    require(sel.sees_governance(user))
    return render(request, "governance/meetings_list.html", {
        "meetings": list(sel.meetings_visible_to(user).order_by("-starts_at", "-pk")),
        "can_call": sel.can_call(user, user.consortium_id),
    })


RULE_LABELS = dict(RULE_CHOICES)


def _rule_value(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return ", ".join(f"{key}={share}" for key, share in value.items())
    return str(value)


def _motion_rows(user, meeting, motions) -> list[dict]:
    own = sel.own_votes(user, meeting)
    listed = sel.vote_list(user, meeting)
    cast = sel.votes_cast_count(meeting) if sel.is_coordinator_of(user, meeting.consortium_id) else {}
    coop_id = sel.member_coop_of(user, meeting.consortium_id)
    held = sel.proxies_held_by(meeting, coop_id) if sel.may_act_for_coop(user, meeting, coop_id) else []
    voted_by_proxy_givers = sel.votes_by_coops(meeting, [p.coop_id for p in held])
    can_online = sel.can_vote_online(user, meeting)
    rows = []
    for motion in motions:
        votable = motion.status in (MotionStatus.PROPOSED, MotionStatus.OPEN)
        rows.append({
            "motion": motion,
            "own": own.get(motion.pk),
            "cast": cast.get(motion.pk, 0),
            "votes": listed.get(motion.pk, []),
            "can_vote": can_online and votable and motion.pk not in own,
            "proxies": [p.coop for p in held if meeting.status == MeetingStatus.OPEN and votable
                        and p.coop_id not in voted_by_proxy_givers.get(motion.pk, set())],
            "change": [(RULE_LABELS.get(name, name), _rule_value(value))
                       for name, value in (motion.rules_change or {}).items()],
            "decided": motion.status in (MotionStatus.CARRIED, MotionStatus.DEFEATED, MotionStatus.NO_QUORUM),
        })
    return rows


@login_required
def meeting_detail(request, pk: int):
    user = request.user
    meeting = sel.meeting_get_for_user(user, pk)
    coordinator = sel.is_coordinator_of(user, meeting.consortium_id)
    coop_id = sel.member_coop_of(user, meeting.consortium_id)
    delegates = sel.delegates_of(meeting)
    proxies = sel.proxies_of(meeting)
    return render(request, "governance/meetings_detail.html", {
        "meeting": meeting,
        "rules": meeting.rules,
        "agenda": list(meeting.agenda.order_by("position")),
        "rows": _motion_rows(user, meeting, sel.motions_of(meeting)),
        "attendance_count": meeting.attendance.count(),
        "present_count": (len(sel.present_coop_ids(meeting))
                          if meeting.status != MeetingStatus.CALLED else None),
        "coordinator": coordinator,
        "sees_vote_list": sel.can_see_vote_list(user, meeting),
        "can_propose": sel.can_propose(user, meeting),
        "coop_id": coop_id,
        "my_delegate": delegates.get(coop_id) if coop_id else None,
        "my_proxy": next((p for p in proxies if p.coop_id == coop_id), None) if coop_id else None,
        "may_act": sel.may_act_for_coop(user, meeting, coop_id),
        "attended": bool(coop_id) and meeting.attendance.filter(coop_id=coop_id).exists(),
        "is_live": meeting.status in sel.LIVE,
        "agenda_form": AgendaItemForm() if coordinator and meeting.status in sel.LIVE else None,
        "attendance": sel.attendance_of(meeting) if coordinator else [],
        "vote_choices": VOTE_CHOICES,
        "elections": sel.elections_of(meeting),
    })


@login_required
def meeting_call(request):
    user = request.user
    require(sel.sees_governance(user) and sel.can_call(user, user.consortium_id))
    form = MeetingCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_call(
                consortium=user.consortium, by=user, kind=data["kind"], title=data["title"],
                starts_at=data["starts_at"], place=data["place"], link=data["link"],
                agenda=form.agenda_items())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The meeting is called: notice is on its way to every member co-op."))
            return redirect(_detail(meeting))
    return render(request, "governance/meetings_form.html", {
        "form": form, "heading": _("Call a general meeting"), "submit": _("Call the meeting and give notice"),
        "cancel_url": reverse("meeting-list")})


@login_required
def motion_propose(request, pk: int):
    user = request.user
    meeting = sel.meeting_get_for_user(user, pk)
    require(sel.can_propose(user, meeting))
    form = MotionForm(request.POST or None,
                      awaiting=sel.meetings_awaiting_approval(meeting.consortium_id).exclude(pk=meeting.pk),
                      sealed=sel.sealed_meetings(meeting.consortium_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.motion_propose(
                meeting=meeting, by=user, title=data["title"], text=data["text"], kind=data["kind"],
                rules_change=form.rules_change() if data["kind"] == MotionKind.RULES_CHANGE else None,
                approves=data["approves"] if data["kind"] == MotionKind.MINUTES else None,
                corrects=data["corrects"] if data["kind"] == MotionKind.CORRECTION else None)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The motion is on the meeting's agenda."))
            return redirect(_detail(meeting))
    return render(request, "governance/meetings_form.html", {
        "form": form, "meeting": meeting, "heading": _("Propose a motion"), "submit": _("Propose the motion"),
        "cancel_url": _detail(meeting)})


@login_required
def delegate_name(request, pk: int):
    user = request.user
    meeting, coop_id = _member(request, pk)
    form = DelegateForm(request.POST or None, users=sel.member_users_of(coop_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.delegate_name(meeting=meeting, by=user, user=form.cleaned_data["user"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your co-op's delegate is named."))
            return redirect(_detail(meeting))
    return render(request, "governance/meetings_form.html", {
        "form": form, "meeting": meeting, "heading": _("Name your co-op's delegate"),
        "submit": _("Name the delegate"), "cancel_url": _detail(meeting)})


@login_required
def proxy_give(request, pk: int):
    user = request.user
    meeting, coop_id = _member(request, pk)
    form = ProxyForm(request.POST or None,
                     coops=sel.active_members(meeting.consortium_id).exclude(pk=coop_id).order_by("legal_name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.proxy_give(meeting=meeting, by=user, holder=form.cleaned_data["holder"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your co-op's proxy is given."))
            return redirect(_detail(meeting))
    return render(request, "governance/meetings_form.html", {
        "form": form, "meeting": meeting, "heading": _("Give your co-op's proxy"),
        "intro": _("The co-op you choose votes for yours at the meeting. A proxy cannot be taken back."),
        "submit": _("Give the proxy"), "cancel_url": _detail(meeting)})


@login_required
def attendance_record(request, pk: int):
    user = request.user
    meeting = _coordinator(request, pk)
    present = meeting.attendance.values("coop_id")
    form = AttendanceForm(request.POST or None,
                          coops=sel.active_members(meeting.consortium_id).exclude(pk__in=present)
                          .order_by("legal_name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(meeting=meeting, by=user, coop=form.cleaned_data["coop"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(coop)s is recorded as present.")
                             % {"coop": form.cleaned_data["coop"]})
            return redirect(reverse("meeting-attendance", args=[meeting.pk]))
    return render(request, "governance/meetings_form.html", {
        "form": form, "meeting": meeting, "heading": _("Record attendance in person"),
        "submit": _("Record as present"), "cancel_url": _detail(meeting)})


@login_required
def meeting_join(request, pk: int):
    """A co-op's delegate joins the meeting online (POST)."""
    meeting, _coop_id = _member(request, pk)
    if request.method == "POST":
        try:
            services.attendance_record(meeting=meeting, by=request.user, mode=AttendanceMode.ONLINE)
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Your co-op is recorded as present online."))
    return redirect(_detail(meeting))


@login_required
def vote_in_person(request, pk: int, motion_pk: int):
    user = request.user
    meeting = _coordinator(request, pk)
    motion = sel.motion_get(meeting, motion_pk)
    voted = motion.votes.values("coop_id")
    form = InPersonVoteForm(request.POST or None,
                            coops=sel.active_members(meeting.consortium_id).exclude(pk__in=voted)
                            .order_by("legal_name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.vote_cast(motion=motion, by=user, choice=form.cleaned_data["choice"],
                               channel=VoteChannel.IN_PERSON, coop=form.cleaned_data["coop"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The vote of %(coop)s is recorded.")
                             % {"coop": form.cleaned_data["coop"]})
            return redirect(reverse("meeting-vote-in-person", args=[meeting.pk, motion.pk]))
    return render(request, "governance/meetings_form.html", {
        "form": form, "meeting": meeting, "heading": _("Record a vote cast in person"),
        "intro": motion.title, "submit": _("Record the vote"), "cancel_url": _detail(meeting)})


@login_required
def vote_online(request, pk: int, motion_pk: int):
    """A member co-op's vote (POST), or a vote for the co-op whose proxy it holds."""
    user = request.user
    meeting, _coop_id = _member(request, pk)
    motion = sel.motion_get(meeting, motion_pk)
    if request.method == "POST":
        form = OnlineVoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose for, against or abstain."))
            return redirect(_detail(meeting))
        proxy_for = form.cleaned_data.get("proxy_for")
        try:
            if proxy_for:
                giver = MemberCoop.objects.filter(pk=proxy_for, consortium_id=meeting.consortium_id).first()
                services.vote_cast(motion=motion, by=user, choice=form.cleaned_data["choice"],
                                   channel=VoteChannel.PROXY, coop=giver)
            else:
                services.vote_cast(motion=motion, by=user, choice=form.cleaned_data["choice"])
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The vote is recorded. It is final."))
    return redirect(_detail(meeting))


def _coordinator_action(action, done: str):
    @login_required
    def view(request, pk: int):
        meeting = _coordinator(request, pk)
        if request.method == "POST":
            try:
                action(meeting=meeting, by=request.user)
            except DomainError as error:
                _refused(request, error)
            else:
                messages.success(request, str(done))
        return redirect(_detail(meeting))
    return view


OPENED = gettext_lazy("The meeting is open: the electorate is fixed.")
CLOSED = gettext_lazy("The meeting is closed and every motion decided.")
CANCELLED = gettext_lazy("The meeting is cancelled.")
NOTICE_SENT = gettext_lazy("The notice is sent again with the agenda and motions as they stand.")
meeting_open = _coordinator_action(services.meeting_open, OPENED)
meeting_close = _coordinator_action(services.meeting_close, CLOSED)
meeting_cancel = _coordinator_action(services.meeting_cancel, CANCELLED)
meeting_notice = _coordinator_action(services.meeting_notice_resend, NOTICE_SENT)


@login_required
def agenda_add(request, pk: int):
    meeting = _coordinator(request, pk)
    if request.method == "POST":
        form = AgendaItemForm(request.POST)
        if form.is_valid():
            try:
                services.agenda_item_add(meeting=meeting, by=request.user, title=form.cleaned_data["title"])
            except DomainError as error:
                _refused(request, error)
            else:
                messages.success(request, _("The item is on the agenda."))
        else:
            messages.error(request, _("Give the agenda item."))
    return redirect(_detail(meeting))


@login_required
def meeting_minutes(request, pk: int):
    meeting = sel.meeting_get_for_user(request.user, pk)
    record = sel.minutes_of(meeting)
    return render(request, "governance/meetings_minutes.html", {
        "meeting": meeting, "record": record, "draft": meeting.status == MeetingStatus.CLOSED,
        "seal_ok": meeting.status == MeetingStatus.APPROVED and seal_holds(meeting.record, meeting.seal),
        "kinds": dict(MotionKind.choices), "statuses": dict(MotionStatus.choices),
        "modes": dict(AttendanceMode.choices),
    })


def _rule_display(rules, name: str) -> str:
    value = getattr(rules, name)
    if name in ("weighting", "proposers"):
        return getattr(rules, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        labels = dict(CoopType.choices)
        return ", ".join(f"{labels.get(key, key)}: {share}" for key, share in value.items()) or _("None")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


@login_required
def rules_page(request):
    user = request.user
    require(sel.sees_governance(user))
    versions = sel.rules_history(user.consortium_id)
    for rules in versions:
        rules.rows = [(label, _rule_display(rules, name)) for name, label in RULE_CHOICES]
    return render(request, "governance/meetings_rules.html", {"versions": versions})


urlpatterns = [
    path("governance/meetings/", meeting_list, name="meeting-list"),
    path("governance/meetings/call/", meeting_call, name="meeting-call"),
    path("governance/meetings/<int:pk>/", meeting_detail, name="meeting-detail"),
    path("governance/meetings/<int:pk>/minutes/", meeting_minutes, name="meeting-minutes"),
    path("governance/meetings/<int:pk>/motions/new/", motion_propose, name="meeting-motion-propose"),
    path("governance/meetings/<int:pk>/agenda/", agenda_add, name="meeting-agenda-add"),
    path("governance/meetings/<int:pk>/delegate/", delegate_name, name="meeting-delegate"),
    path("governance/meetings/<int:pk>/proxy/", proxy_give, name="meeting-proxy"),
    path("governance/meetings/<int:pk>/attendance/", attendance_record, name="meeting-attendance"),
    path("governance/meetings/<int:pk>/join/", meeting_join, name="meeting-join"),
    path("governance/meetings/<int:pk>/open/", meeting_open, name="meeting-open"),
    path("governance/meetings/<int:pk>/close/", meeting_close, name="meeting-close"),
    path("governance/meetings/<int:pk>/cancel/", meeting_cancel, name="meeting-cancel"),
    path("governance/meetings/<int:pk>/notice/", meeting_notice, name="meeting-notice"),
    path("governance/meetings/<int:pk>/motions/<int:motion_pk>/vote/", vote_online, name="meeting-vote"),
    path("governance/meetings/<int:pk>/motions/<int:motion_pk>/in-person/", vote_in_person,
         name="meeting-vote-in-person"),
    path("governance/rules/", rules_page, name="governance-rules"),
]
