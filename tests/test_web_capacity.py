"""Capacity web pages: declarations (list, declare, history) and pooled capacity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.models import TimeBand
from members import reports, services
from members.models import CapacityDeclaration, MembershipStatus
from tests import factories as f
from tests.personas import PERSONAS
from tests.policies.capacity import POLICIES

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]

DECLARE = reverse("capacity-declare")
LIST = reverse("capacity-list")
POOLED = reverse("pooled-capacity")
POOLED_MEMBERS = reverse("pooled-capacity-members")


def declare(coop, *, by=None, volume="100", council=None, service=None, band=TimeBand.WEEKDAY_DAY,
            committed=None, share="50"):
    declaration = services.capacity_declare(
        coop=coop, by=by, service_type=service or f.service(), council=council or f.council(),
        time_band=band, valid_from=timezone.localdate(), declared_volume=Decimal(volume),
        staff_fte=Decimal("3"), welsh_speaking_share=Decimal(share),
    )
    if committed is not None:
        CapacityDeclaration.objects.filter(pk=declaration.pk).update(committed_volume=Decimal(committed))
    return declaration


def form_data(world, **overrides):
    data = {
        "service_type": f.service().pk,
        "council": world.council.pk,
        "time_band": TimeBand.WEEKDAY_DAY,
        "valid_from": timezone.localdate().isoformat(),
        "valid_to": "",
        "declared_volume": "140",
        "staff_fte": "5.5",
        "welsh_speaking_share": "40",
        "min_package": "2",
        "max_package": "20",
    }
    data.update(overrides)
    return data


# Access -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.label)
def test_capacity_pages_answer_every_persona_as_their_policy_says(policy, world, client_for):
    url = reverse(policy.route, kwargs=policy.kwargs(world) if policy.kwargs else None)
    got = {}
    for persona in PERSONAS:
        client = client_for(persona)
        if policy.method == "POST":
            got[persona] = client.post(url, policy.data(world)).status_code
            CapacityDeclaration.objects.all().delete()
        else:
            got[persona] = client.get(url).status_code
    assert got == policy.expect


def test_reviewer_gets_no_capacity_links_in_the_navigation(world, client_for):
    page = client_for("reviewer").get(reverse("dashboard")).content.decode()
    assert LIST not in page
    assert POOLED not in page


def test_navigation_offers_each_role_its_capacity_pages(world, client_for):
    coordinator = client_for("coordinator").get(reverse("dashboard")).content.decode()
    board = client_for("board").get(reverse("dashboard")).content.decode()
    member = client_for("member_a").get(reverse("dashboard")).content.decode()
    assert f'href="{LIST}"' in coordinator and f'href="{POOLED}"' in coordinator
    assert f'href="{LIST}"' not in board and f'href="{POOLED}"' in board
    assert f'href="{LIST}"' in member and f'href="{POOLED}"' not in member


# List -------------------------------------------------------------------------------------------

def test_member_sees_only_its_own_coops_current_declarations(world, client_for):
    declare(world.coop_a, volume="111")
    declare(world.coop_b, volume="222")
    declare(world.coop_a, volume="333", council=world.council_other)
    response = client_for("member_a").get(LIST)
    rows = list(response.context["page"].object_list)
    assert {r.coop_id for r in rows} == {world.coop_a.pk}
    assert len(rows) == 2
    page = response.content.decode()
    assert "111" in page and "333" in page and "222" not in page


def test_member_list_shows_only_the_current_version_with_a_link_to_its_history(world, client_for):
    old = declare(world.coop_a, volume="80")
    new = declare(world.coop_a, volume="95")
    page = client_for("member_a").get(LIST).content.decode()
    assert reverse("capacity-history", args=[new.pk]) in page
    assert reverse("capacity-history", args=[old.pk]) not in page


def test_coordinator_filters_declarations_by_coop_council_and_time_band(world, client_for):
    declare(world.coop_a, volume="101")
    declare(world.coop_a, volume="102", band=TimeBand.EVENING)
    declare(world.coop_a, volume="103", council=world.council_other)
    declare(world.coop_b, volume="104")
    client = client_for("coordinator")
    assert len(client.get(LIST).context["page"].object_list) == 4
    rows = client.get(LIST, {"coop": world.coop_a.pk, "council": world.council.pk,
                             "time_band": TimeBand.EVENING}).context["page"].object_list
    assert [r.declared_volume for r in rows] == [Decimal("102")]


def test_coordinator_cannot_filter_on_another_consortiums_coop(world, client_for):
    declare(world.coop_other, volume="999")
    response = client_for("coordinator").get(LIST, {"coop": world.coop_other.pk})
    assert response.status_code == 200
    assert response.context["filter_form"].errors["coop"]
    assert "999" not in response.content.decode()


def test_coordinator_list_is_paginated(world, client_for, monkeypatch):
    for coop in [f.MemberCoopFactory(consortium=world.consortium) for _ in range(3)]:
        for band in TimeBand.values:
            f.CapacityDeclarationFactory(coop=coop, time_band=band)
    monkeypatch.setattr("members.web.capacity.PAGE_SIZE", 10)
    client = client_for("coordinator")
    first = client.get(LIST)
    last = client.get(LIST, {"page": 2})
    assert len(first.context["page"].object_list) == 10
    assert len(last.context["page"].object_list) == 5
    assert "?page=2" in first.content.decode()


def test_capacity_list_links_to_the_import_page_when_it_exists(world, client_for):
    from django.urls import NoReverseMatch

    page = client_for("member_a").get(LIST).content.decode()
    try:
        assert reverse("capacity-import") in page
    except NoReverseMatch:
        assert "Import from a file" not in page


# Declare ----------------------------------------------------------------------------------------

def test_member_declares_capacity_for_its_own_coop(world, client_for):
    response = client_for("member_a").post(DECLARE, form_data(world), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    d = CapacityDeclaration.objects.get(coop=world.coop_a)
    assert (d.declared_volume, d.staff_fte, d.welsh_speaking_share) == (
        Decimal("140"), Decimal("5.5"), Decimal("40"))
    assert (d.min_package, d.max_package, d.declared_by) == (
        Decimal("2"), Decimal("20"), world.user("member_a"))
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Capacity declared") and "supersedes" not in message
    assert message in response.content.decode()


def test_declaring_the_same_scope_again_supersedes_and_says_so(world, client_for):
    client = client_for("member_a")
    client.post(DECLARE, form_data(world, declared_volume="140"))
    response = client.post(DECLARE, form_data(world, declared_volume="160"), follow=True)
    message = [str(m) for m in response.context["messages"]][-1]
    assert "supersedes the declaration of" in message
    versions = CapacityDeclaration.objects.filter(coop=world.coop_a).order_by("pk")
    assert [(v.declared_volume, v.is_current) for v in versions] == [
        (Decimal("140"), False), (Decimal("160"), True)]


def test_declare_form_offers_only_the_coops_services_and_councils(world, client_for):
    form = client_for("member_b").get(DECLARE).context["form"]
    services_offered = {v for v, _label in form.fields["service_type"].choices if v}
    councils_offered = {v for v, _label in form.fields["council"].choices if v}
    assert services_offered == {f.service().pk}
    assert councils_offered == {world.council.pk}


def test_new_version_link_prefills_the_form_from_the_current_declaration(world, client_for):
    d = declare(world.coop_a, volume="77", band=TimeBand.NIGHT)
    form = client_for("member_a").get(DECLARE, {"from": d.pk}).context["form"]
    assert form.initial["declared_volume"] == Decimal("77")
    assert form.initial["time_band"] == TimeBand.NIGHT


def test_member_cannot_start_from_another_coops_declaration(world, client_for):
    d = declare(world.coop_b)
    assert client_for("member_a").get(DECLARE, {"from": d.pk}).status_code == 404


BAD_INPUT = [
    ({"declared_volume": "-5"}, "declared_volume", "cannot be negative"),
    ({"declared_volume": "lots"}, "declared_volume", "Enter a number"),
    ({"staff_fte": "-1"}, "staff_fte", "cannot be negative"),
    ({"staff_fte": "four"}, "staff_fte", "Enter a number"),
    ({"welsh_speaking_share": "101"}, "welsh_speaking_share", "between 0 and 100"),
    ({"welsh_speaking_share": "NaN"}, "welsh_speaking_share", "Enter a number"),
    ({"min_package": "30", "max_package": "10"}, "min_package", "cannot be larger"),
    ({"min_package": "-2"}, "min_package", "cannot be negative"),
    ({"min_package": "", "max_package": "-2"}, "max_package", "cannot be negative"),
    ({"service_type": lambda: f.service("care-home").pk}, "service_type", "does not offer"),
    ({"council": lambda: f.council("GB-PEM").pk}, "council", "does not serve"),
    ({"service_type": "999999"}, "service_type", "valid choice"),
    ({"time_band": "midnight-feast"}, "time_band", "valid choice"),
    ({"valid_from": "31/02/2025"}, "valid_from", "valid date"),
    ({"valid_to": "2000-01-01"}, "valid_to", "on or after"),
    ({"declared_volume": "12345678901"}, "declared_volume", "digits"),
    ({"declared_volume": ""}, "declared_volume", "Enter the volume"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "message"), BAD_INPUT,
    ids=[f"{field}: {message}" for _o, field, message in BAD_INPUT],
)
def test_bad_declaration_shows_a_field_error_and_changes_nothing(
    world, client_for, overrides, field, message
):
    overrides = {k: v() if callable(v) else v for k, v in overrides.items()}
    response = client_for("member_a").post(DECLARE, form_data(world, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_{field}"' in page
    assert not CapacityDeclaration.objects.exists()


def test_declaring_less_than_committed_is_refused_on_the_volume(world, client_for):
    declare(world.coop_a, volume="100", committed="60")
    response = client_for("member_a").post(DECLARE, form_data(world, declared_volume="50"))
    assert "already committed" in " ".join(response.context["form"].errors["declared_volume"])
    assert CapacityDeclaration.objects.get(is_current=True).declared_volume == Decimal("100")


def test_coordinator_chooses_a_coop_then_declares_for_it(world, client_for):
    client = client_for("coordinator")
    chooser = client.get(DECLARE)
    assert {c.pk for c in chooser.context["form"].fields["coop"].queryset} == {
        world.coop_a.pk, world.coop_b.pk}
    url = f"{DECLARE}?coop={world.coop_b.pk}"
    assert client.get(url).context["coop"] == world.coop_b
    response = client.post(url, form_data(world))
    assert response.status_code == 302
    assert CapacityDeclaration.objects.get().coop == world.coop_b


def test_coordinator_cannot_declare_for_another_consortiums_coop(world, client_for):
    url = f"{DECLARE}?coop={world.coop_other.pk}"
    response = client_for("coordinator").post(url, form_data(world))
    assert response.status_code == 200
    assert response.context["form"].errors["coop"]
    assert not CapacityDeclaration.objects.exists()


def test_member_cannot_post_for_another_coop_through_the_coop_parameter(world, client_for):
    client_for("member_a").post(f"{DECLARE}?coop={world.coop_b.pk}", form_data(world))
    assert CapacityDeclaration.objects.get().coop == world.coop_a


def test_board_and_reviewer_cannot_post_a_declaration(world, client_for):
    for persona in ("board", "reviewer"):
        assert client_for(persona).post(DECLARE, form_data(world)).status_code == 403
    assert not CapacityDeclaration.objects.exists()


def test_withdrawn_coop_cannot_declare(world, client_for):
    world.coop_a.status = MembershipStatus.WITHDRAWN
    world.coop_a.save()
    assert client_for("member_a").get(DECLARE).status_code == 403


# History ----------------------------------------------------------------------------------------

def test_history_lists_every_version_newest_first_with_who_declared(world, client_for):
    first = declare(world.coop_a, volume="80", by=world.user("coordinator"))
    second = declare(world.coop_a, volume="90", by=world.user("member_a"))
    response = client_for("member_a").get(reverse("capacity-history", args=[first.pk]))
    assert [v.pk for v in response.context["versions"]] == [second.pk, first.pk]
    page = response.content.decode()
    body = page.split('<tbody class="govuk-table__body">')[1]
    assert body.index(">90<") < body.index(">80<")
    assert "member-a" in page and "coordinator" in page
    assert "Superseded" in page and "Current" in page


def test_history_of_another_coops_declaration_is_not_found(world, client_for):
    d = declare(world.coop_b)
    assert client_for("member_a").get(reverse("capacity-history", args=[d.pk])).status_code == 404
    other = declare(world.coop_other)
    assert client_for("coordinator").get(reverse("capacity-history", args=[other.pk])).status_code == 404


# Pooled capacity --------------------------------------------------------------------------------

@pytest.fixture
def pooled(world):
    """Declarations in Cardiff (domiciliary, weekday day) from both co-ops of consortium A, and
    others that must not count: a superseded version, an evening band, a withdrawn co-op, an
    applicant co-op, another consortium."""
    declare(world.coop_a, volume="50")  # superseded by the next line
    declare(world.coop_a, volume="120", committed="20", share="50")
    declare(world.coop_b, volume="30.5", share="100")
    declare(world.coop_a, volume="40", council=world.council_other)
    declare(world.coop_a, volume="999", band=TimeBand.EVENING)
    withdrawn = f.MemberCoopFactory(consortium=world.consortium)
    declare(withdrawn, volume="700")
    withdrawn.status = MembershipStatus.WITHDRAWN
    withdrawn.save()
    applicant = f.MemberCoopFactory(consortium=world.consortium, status=MembershipStatus.APPLICANT)
    declare(applicant, volume="600")
    declare(world.coop_other, volume="500")
    return world


def _cell(table, council, service):
    for group in table.groups:
        for row in group.rows:
            if row.council == council:
                return next(c for c in row.cells if c.service_type == service)
    raise AssertionError("no such cell")


def test_heat_table_sums_current_declarations_of_active_members_only(pooled, world):
    table = reports.pooled_heat_table(world.user("coordinator"), time_band=TimeBand.WEEKDAY_DAY)
    cardiff = _cell(table, world.council, f.service())
    assert cardiff.declared == Decimal("150.5")
    assert cardiff.committed == Decimal("20")
    assert cardiff.available == Decimal("130.5")
    assert cardiff.members == 2
    assert cardiff.welsh_volume == Decimal("90.5")  # 120 x 50% + 30.5 x 100%
    assert isinstance(cardiff.available, Decimal)
    gwynedd = _cell(table, world.council_other, f.service())
    assert (gwynedd.available, gwynedd.members) == (Decimal("40"), 1)
    total = next(t for t in table.totals if t.service_type == f.service())
    assert total.available == Decimal("170.5")
    assert cardiff.step == 5 and gwynedd.step == 2  # 40 / 130.5 = 31% of the largest
    assert _cell(table, world.council, f.service("care-home")).step == 0


def test_heat_table_page_shows_each_cells_numbers_as_text(pooled, world, client_for):
    page = client_for("board").get(POOLED).content.decode()
    before, after = page.split('data-council="GB-CRF" data-service="domiciliary-support"')
    cell = after.split("</td>")[0]
    assert "app-heat__cell--5" in before[-80:]
    assert "130.5" in cell and "hours per week" in cell and "2 members" in cell and "90.5 in Welsh" in cell


def test_heat_table_for_another_time_band_shows_that_bands_capacity(pooled, world):
    table = reports.pooled_heat_table(world.user("coordinator"), time_band=TimeBand.EVENING)
    assert _cell(table, world.council, f.service()).available == Decimal("999")


def test_heat_table_filters_by_regional_partnership_board_and_service(pooled, world, client_for):
    board = world.council.regional_partnership_board
    response = client_for("coordinator").get(
        POOLED, {"board": board, "service_type": f.service().pk})
    table = response.context["table"]
    councils = [row.council for g in table.groups for row in g.rows]
    assert world.council in councils and world.council_other not in councils
    assert {c.regional_partnership_board for c in councils} == {board}
    assert table.service_types == [f.service()]
    assert table.totals[0].available == Decimal("130.5")


def test_pooled_page_defaults_to_weekday_daytime(pooled, world, client_for):
    response = client_for("coordinator").get(POOLED)
    assert response.context["table"].time_band == TimeBand.WEEKDAY_DAY


def test_pooled_page_with_bad_filters_shows_errors_not_a_crash(world, client_for):
    response = client_for("coordinator").get(POOLED, {"time_band": "teatime", "service_type": "x"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"time_band", "service_type"}
    assert response.context["table"].time_band == TimeBand.WEEKDAY_DAY


def test_board_sees_pooled_totals_but_no_coop_names(pooled, world, client_for):
    page = client_for("board").get(POOLED).content.decode()
    assert "130.5" in page
    assert str(world.coop_a) not in page and str(world.coop_b) not in page
    assert POOLED_MEMBERS not in page


def test_bar_chart_has_a_text_alternative_and_a_data_table(pooled, world, client_for):
    page = client_for("coordinator").get(POOLED).content.decode()
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in page
    desc = page.split('<desc id="chart-desc">')[1].split("</desc>")[0]
    assert "Domiciliary support: 170.50 hours per week" in desc


def test_per_member_breakdown_lists_each_active_coops_current_capacity(pooled, world, client_for):
    response = client_for("coordinator").get(POOLED_MEMBERS, {"council": world.council.pk})
    rows = list(response.context["page"].object_list)
    assert [(r.coop, r.available) for r in rows] == sorted(
        [(world.coop_a, Decimal("100")), (world.coop_b, Decimal("30.5"))],
        key=lambda pair: str(pair[0]).lower(),
    )
    assert str(world.coop_a) in response.content.decode()


def test_per_member_breakdown_of_another_consortium_shows_nothing_of_consortium_a(
    pooled, world, client_for
):
    response = client_for("coordinator_other").get(POOLED_MEMBERS)
    assert {r.coop for r in response.context["page"].object_list} == {world.coop_other}


# Query counts -----------------------------------------------------------------------------------

def _many_declarations(world, n_coops: int):
    councils = [world.council, world.council_other]
    for _i in range(n_coops):
        coop = f.MemberCoopFactory(consortium=world.consortium, councils_served=councils)
        for council in councils:
            for band in (TimeBand.WEEKDAY_DAY, TimeBand.EVENING):
                f.CapacityDeclarationFactory(coop=coop, council=council, time_band=band)


@pytest.mark.parametrize("n_coops", [1, 12])
def test_capacity_pages_cost_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries, n_coops
):
    _many_declarations(world, n_coops)
    coordinator = client_for("coordinator")
    member = client_for("member_a")
    declare(world.coop_a)
    # each page's own queries, and the header's two counts (what needs the person, unread)
    with django_assert_max_num_queries(11):
        assert coordinator.get(LIST).status_code == 200
    with django_assert_max_num_queries(11):
        assert member.get(LIST).status_code == 200
    with django_assert_max_num_queries(11):
        assert coordinator.get(POOLED).status_code == 200
    with django_assert_max_num_queries(11):
        assert coordinator.get(POOLED_MEMBERS).status_code == 200


def test_heat_step_scale():
    assert reports.heat_step(Decimal("0"), Decimal("100")) == 0
    assert reports.heat_step(Decimal("1"), Decimal("100")) == 1
    assert reports.heat_step(Decimal("20"), Decimal("100")) == 1
    assert reports.heat_step(Decimal("20.01"), Decimal("100")) == 2
    assert reports.heat_step(Decimal("100"), Decimal("100")) == 5
    assert reports.heat_step(Decimal("5"), Decimal("0")) == 0


def test_empty_post_shows_what_is_missing_and_changes_nothing(world, client_for):
    response = client_for("member_a").post(DECLARE, {})
    assert response.status_code == 200
    assert {"declared_volume", "staff_fte", "welsh_speaking_share"} <= set(response.context["form"].errors)
    assert not CapacityDeclaration.objects.exists()


def test_an_optional_field_says_so_once(world, client_for):
    """Each optional field of the declaration form is marked "(optional)" once, by the form's
    label partial, not again by the label itself."""
    page = client_for("member_a").get(reverse("capacity-declare")).content.decode()
    for label in ("Valid to", "Minimum package size", "Maximum package size"):
        assert f"{label} (optional)" in page
    assert "(optional) (optional)" not in page
