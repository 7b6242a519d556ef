"""Web pages: capacity declarations (list, declare, history) and pooled capacity.

Who may use what (the selectors decide the rows):
- capacity list, declare, history: coordinators (their consortium) and member users (their
  own co-op); board members and council reviewers are refused (403);
- pooled capacity (heat table and bar chart): coordinators and board members;
- pooled capacity per member: coordinators only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from consortium import formatting
from consortium.errors import DomainError, require
from consortium.models import Council, ServiceType, TimeBand
from consortium.web import add_domain_error
from members import reports, selectors, services
from members.forms import (
    DEFAULT_TIME_BAND,
    CapacityDeclareForm,
    CapacityFilterForm,
    CoopChoiceForm,
    PooledFilterForm,
)
from members.models import MemberCoop, MembershipStatus

PAGE_SIZE = 50


@login_required
def capacity_list(request):
    user = request.user
    require(selectors.can_see_member_detail(user))
    qs = selectors.capacity_visible_to(user).order_by(
        "coop__legal_name", "service_type__name_en", "council__name_en", "time_band", "pk"
    )
    filter_form = None
    if user.is_coordinator:
        filter_form = CapacityFilterForm(request.GET, coops=selectors.members_visible_to(user))
        qs = filter_form.filter(qs)
    coop = None if user.is_coordinator else selectors.members_visible_to(user).first()
    return render(request, "members/capacity/list.html", {
        **_paginate(request, qs),
        "filter_form": filter_form,
        "is_coordinator": user.is_coordinator,
        "coop": coop,
        "can_declare": user.is_coordinator or (
            coop is not None and coop.status != MembershipStatus.WITHDRAWN
        ),
    })


def _paginate(request, items) -> dict:
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "page_range": page.paginator.get_elided_page_range(page.number)}


def _declarable_coops(user):
    return selectors.members_editable_by(user).exclude(status=MembershipStatus.WITHDRAWN)


def _with_scope(coops):
    """The co-op's services and councils, for the choices of the declaration form."""
    return coops.prefetch_related(
        Prefetch("service_types", queryset=ServiceType.objects.order_by("name_en")),
        Prefetch("councils_served", queryset=Council.objects.order_by("name_en")),
    )


def _initial_from(declaration) -> dict:
    """A new version of an existing declaration starts from its values."""
    return {
        "service_type": declaration.service_type_id,
        "council": declaration.council_id,
        "time_band": declaration.time_band,
        "declared_volume": declaration.declared_volume,
        "staff_fte": declaration.staff_fte,
        "welsh_speaking_share": declaration.welsh_speaking_share,
        "min_package": declaration.min_package,
        "max_package": declaration.max_package,
        "valid_to": declaration.valid_to,
    }


@login_required
def capacity_declare(request):
    user = request.user
    require(selectors.can_see_member_detail(user))
    coops = _declarable_coops(user)
    initial: dict = {}
    source = None
    if request.GET.get("from"):
        source = selectors.capacity_get_for_user(user, request.GET["from"])
        initial = _initial_from(source)

    coop: MemberCoop | None = None
    if user.is_coordinator:
        wanted = request.GET.get("coop") or (source.coop_id if source else None)
        if not wanted:
            chooser = CoopChoiceForm(coops=coops)
            return render(request, "members/capacity/choose_coop.html", {"form": chooser})
        chooser = CoopChoiceForm({"coop": wanted}, coops=coops)
        if not chooser.is_valid():
            return render(request, "members/capacity/choose_coop.html", {"form": chooser})
        coop = _with_scope(coops).get(pk=chooser.cleaned_data["coop"].pk)
    else:
        coop = _with_scope(coops).first()
        require(coop is not None)  # a member user not linked to a co-op that may declare

    data = request.POST if request.method == "POST" else None
    form = CapacityDeclareForm(data, coop=coop, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.capacity_declare(coop=coop, by=user, **form.service_kwargs())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            previous = declaration.supersedes
            context = {
                "service": declaration.service_type,
                "council": declaration.council,
                "band": declaration.get_time_band_display(),
            }
            if previous is not None:
                context["date"] = formatting.day(previous.declared_at)
                message = _(
                    "Capacity declared for %(service)s in %(council)s (%(band)s). It supersedes "
                    "the declaration of %(date)s, which stays in the history."
                ) % context
            else:
                message = _("Capacity declared for %(service)s in %(council)s (%(band)s).") % context
            messages.success(request, message)
            if user.is_coordinator:
                return redirect(f"{reverse('capacity-list')}?coop={coop.pk}")
            return redirect("capacity-list")
    return render(request, "members/capacity/declare.html", {
        "form": form, "coop": coop, "is_coordinator": user.is_coordinator, "source": source,
    })


@login_required
def capacity_history(request, pk: int):
    user = request.user
    require(selectors.can_see_member_detail(user))
    declaration = selectors.capacity_get_for_user(user, pk)
    versions = list(selectors.capacity_history(declaration))
    return render(request, "members/capacity/history.html", {
        "declaration": declaration,
        "versions": versions,
        "current": next((v for v in versions if v.is_current), None),
    })


def _pooled_form(request, *, with_council: bool = False) -> tuple[PooledFilterForm, dict]:
    data = request.GET.copy()
    if not data.get("time_band"):
        data["time_band"] = DEFAULT_TIME_BAND
    form = PooledFilterForm(data, with_council=with_council)
    return form, form.filters()


@login_required
def pooled_capacity(request):
    user = request.user
    require(selectors.can_see_pooled_capacity(user))
    form, filters = _pooled_form(request)
    table = reports.pooled_heat_table(
        user, time_band=filters["time_band"], service_type=filters["service_type"],
        board=filters["board"],
    )
    return render(request, "members/capacity/pooled.html", {
        "form": form,
        "table": table,
        "time_band_label": TimeBand(filters["time_band"]).label,
        "filters": filters,
        "can_see_members": user.is_coordinator,
        "chart": _chart(table.totals),
    })


CHART_BAR_HEIGHT = 28
CHART_LABEL_WIDTH = 240
CHART_BAR_WIDTH = 300


def _chart(totals: list[reports.ServiceTotal]) -> dict:
    """Geometry of the server-drawn SVG bar chart: bars are scaled within each unit."""
    bars = []
    for i, total in enumerate(totals):
        bars.append({
            "total": total,
            "rect_y": i * CHART_BAR_HEIGHT + 4,
            "text_y": i * CHART_BAR_HEIGHT + CHART_BAR_HEIGHT // 2 + 5,
            "width": CHART_BAR_WIDTH * total.share_of_unit_max // 100,
            "value_x": CHART_LABEL_WIDTH + CHART_BAR_WIDTH * total.share_of_unit_max // 100 + 6,
        })
    return {
        "bars": bars,
        "label_width": CHART_LABEL_WIDTH,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 190,
        "height": max(len(bars), 1) * CHART_BAR_HEIGHT,
        "bar_height": CHART_BAR_HEIGHT - 8,
    }


@login_required
def pooled_capacity_members(request):
    user = request.user
    require(user.is_coordinator)
    form, filters = _pooled_form(request, with_council=True)
    rows = reports.pooled_member_rows(user, **filters)
    return render(request, "members/capacity/pooled_members.html", {
        "form": form,
        **_paginate(request, rows),
        "time_band_label": TimeBand(filters["time_band"]).label,
    })


urlpatterns = [
    path("capacity/", capacity_list, name="capacity-list"),
    path("capacity/declare/", capacity_declare, name="capacity-declare"),
    path("capacity/<int:pk>/history/", capacity_history, name="capacity-history"),
    path("capacity/pooled/", pooled_capacity, name="pooled-capacity"),
    path("capacity/pooled/members/", pooled_capacity_members, name="pooled-capacity-members"),
]
